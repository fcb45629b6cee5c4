"""Topic and partition reads: one metadata call plus batched watermarks.

A snapshot costs one `list_topics` and the earliest and latest offsets of
every partition through offsets.list_offsets (batched, all in flight at once). Errors of one topic or partition are carried in the
result as text, so one bad entity never blanks a page; only an unreachable
cluster raises. Configs and group offsets live in details.py,
writes in admin.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from kafka_io._client import EARLIEST, LATEST, ClusterClient, OffsetAnswer, list_offsets, note_metadata, translate_error
from kafka_io.cluster import BrokerInfo
from kafka_io.topics.absent import absent_topic
from kafka_io.topics.reach import unreachable_brokers
from kafka_io.wire import TP

__all__ = [
    "ClusterSnapshot",
    "PartitionState",
    "TopicSummary",
    "cluster_snapshot",
    "is_internal",
    "read_metadata",
]


def is_internal(topic: str) -> bool:
    """Kafka's own topics (__consumer_offsets, __transaction_state, ...)."""
    return topic.startswith("__")


@dataclass(frozen=True, slots=True)
class PartitionState:
    partition: int
    leader: int | None
    replicas: tuple[int, ...]
    isr: tuple[int, ...]
    low: int | None
    high: int | None
    error: str | None = None

    @property
    def messages(self) -> int | None:
        if self.low is None or self.high is None:
            return None
        return max(self.high - self.low, 0)

    @property
    def under_replicated(self) -> bool:
        return len(self.isr) < len(self.replicas)

    @property
    def offline(self) -> bool:
        return self.leader is None


@dataclass(frozen=True, slots=True)
class TopicSummary:
    name: str
    partitions: tuple[PartitionState, ...]
    error: str | None = None

    @property
    def internal(self) -> bool:
        return is_internal(self.name)

    @property
    def replication_factor(self) -> int:
        return max((len(p.replicas) for p in self.partitions), default=0)

    @property
    def under_replicated(self) -> int:
        return sum(p.under_replicated for p in self.partitions)

    @property
    def offline(self) -> int:
        return sum(p.offline for p in self.partitions)

    @property
    def messages(self) -> int:
        """Σ (high − low) over partitions whose watermarks are known."""
        return sum(m for p in self.partitions if (m := p.messages) is not None)

    @property
    def problem(self) -> str | None:
        """The topic error, or the first partition error, for one table cell."""
        if self.error:
            return self.error
        bad = [p for p in self.partitions if p.error]
        if not bad:
            return None
        more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
        return f"partition {bad[0].partition}: {bad[0].error}{more}"


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    cluster_id: str | None
    controller_id: int | None
    brokers: tuple[BrokerInfo, ...]
    topics: tuple[TopicSummary, ...]
    sampled_at_s: float  # wall clock, for "Last refreshed at"
    took_ms: float
    include_internal: bool = False
    # (broker id, reason): listed in metadata but refusing TCP, i.e. dead and not yet fenced.
    silent_brokers: tuple[tuple[int, str], ...] = ()

    def topic(self, name: str) -> TopicSummary | None:
        return next((t for t in self.topics if t.name == name), None)

    @property
    def partition_count(self) -> int:
        return sum(len(t.partitions) for t in self.topics)

    @property
    def under_replicated(self) -> int:
        return sum(t.under_replicated for t in self.topics)

    @property
    def offline(self) -> int:
        return sum(t.offline for t in self.topics)

    @property
    def messages(self) -> int:
        return sum(t.messages for t in self.topics)

    @property
    def missing_brokers(self) -> tuple[int, ...]:
        """Replica ids that metadata does not list: brokers that are down."""
        live = {b.id for b in self.brokers}
        wanted = {r for t in self.topics for p in t.partitions for r in p.replicas}
        return tuple(sorted(wanted - live))

    @property
    def led_by_silent(self) -> int:
        """Partitions whose leader is a silent broker: unavailable until Kafka fails them over."""
        silent = {b for b, _ in self.silent_brokers}
        return sum(p.leader in silent for t in self.topics for p in t.partitions)

    def problems(self) -> list[str]:
        """Plain-words health findings; empty when the cluster looks healthy."""
        found = []
        if self.silent_brokers:
            ids = ", ".join(str(b) for b, _ in self.silent_brokers)
            reason = self.silent_brokers[0][1]
            found.append(f"unreachable broker(s): {ids} (in metadata, but {reason}; Kafka has not fenced it yet)")
            if self.led_by_silent:
                found.append(f"{self.led_by_silent} partition(s) led by an unreachable broker (awaiting failover)")
        if self.offline:
            found.append(f"{self.offline} offline partition(s) (no leader)")
        if self.under_replicated:
            found.append(f"{self.under_replicated} under-replicated partition(s)")
        if self.missing_brokers:
            ids = ", ".join(map(str, self.missing_brokers))
            found.append(f"unreachable broker(s): {ids} (replicas assigned, not in metadata)")
        failing = [t.name for t in self.topics if t.problem]
        if failing:
            shown = ", ".join(failing[:5]) + (f" and {len(failing) - 5} more" if len(failing) > 5 else "")
            found.append(f"{len(failing)} topic(s) with errors: {shown}")
        return found


def read_metadata(cluster: ClusterClient):
    """All topics' metadata in one call (never per topic: that can auto-create)."""
    admin, settings = cluster.admin, cluster.settings
    at_s = time.monotonic()
    try:
        metadata = admin.list_topics(timeout=settings.timeout_s)
    except Exception as exc:  # KafkaException, or a bare timeout
        raise translate_error(exc, settings) from None
    note_metadata(admin, metadata, at_s)  # the offsets read that follows needs no metadata request of its own
    return metadata


def cluster_snapshot(
    cluster: ClusterClient,
    include_internal: bool = False,
    topic: str | None = None,
) -> ClusterSnapshot:
    """Brokers, topics and partitions with watermarks; NotFound for an unknown `topic`,
    NotAuthorized for one this user may not describe."""
    started = time.monotonic()
    sampled_at_s = time.time()
    metadata = read_metadata(cluster)
    if topic is not None:
        if topic not in metadata.topics:
            raise absent_topic(cluster, topic)
        names = [topic]
    else:
        names = sorted(n for n in metadata.topics if include_internal or not is_internal(n))
    brokers = tuple(sorted((BrokerInfo(b.id, b.host, b.port) for b in metadata.brokers.values()), key=lambda b: b.id))
    silent = unreachable_brokers(brokers)
    silent_ids = {b for b, _ in silent}
    wanted, skipped = [], {}
    for name in names:
        meta = metadata.topics[name]
        if meta.error is not None:
            continue
        for number, pm in meta.partitions.items():
            if pm.leader in silent_ids:
                # Asking it would only wait for the timeout: say why at once.
                skipped[(name, number)] = f"leader broker {pm.leader} is unreachable"
            else:
                wanted.append((name, number))
    lows, highs, errors = watermarks(cluster, wanted)
    errors.update(skipped)
    topics = tuple(_topic(metadata.topics[n], lows, highs, errors) for n in names)
    controller = metadata.controller_id if metadata.controller_id >= 0 else None
    took_ms = (time.monotonic() - started) * 1000
    return ClusterSnapshot(
        metadata.cluster_id, controller, brokers, topics, sampled_at_s, took_ms, include_internal, silent
    )


def watermarks(cluster: ClusterClient, partitions: Iterable[TP]) -> tuple[dict[TP, int], dict[TP, int], dict[TP, str]]:
    """(lows, highs, errors) for all partitions, both sides asked at once."""
    admin, settings = cluster.admin, cluster.settings
    lows, highs = list_offsets(admin, settings, partitions, EARLIEST, LATEST)
    errors: dict[TP, str] = {}
    return _known(lows, errors), _known(highs, errors), errors


def _known(answers: dict[TP, OffsetAnswer], errors: dict[TP, str]) -> dict[TP, int]:
    found: dict[TP, int] = {}
    for key, (offset, error) in answers.items():
        if error:
            errors.setdefault(key, error)
        elif offset is not None:
            found[key] = offset
    return found


def _topic(meta, lows: dict[TP, int], highs: dict[TP, int], errors: dict[TP, str]) -> TopicSummary:
    if meta.error is not None:
        return TopicSummary(meta.topic, (), _error_text(meta.error))
    parts = []
    for number in sorted(meta.partitions):
        pm = meta.partitions[number]
        key = (meta.topic, number)
        error = _error_text(pm.error) if pm.error is not None else errors.get(key)
        parts.append(
            PartitionState(
                number,
                pm.leader if pm.leader >= 0 else None,
                tuple(pm.replicas),
                tuple(pm.isrs),
                lows.get(key),
                highs.get(key),
                error,
            )
        )
    return TopicSummary(meta.topic, tuple(parts))


def _error_text(err) -> str:
    return (err.str() or err.name()).rstrip(".")
