"""One handle per configured cluster, and the one way kafka_io asks for offsets.

``Cluster`` owns the cluster's admin client and the long-lived parts that
domain packages attach to it (the shared producer, the lag sampler, topic
snapshots). Closing it closes what it owns, newest first, and leaves every
other cluster alone. The dashboard caches one per configured cluster; the CLI
makes one per command.

``list_offsets`` is the only caller of ``AdminClient.list_offsets``: requests
of ``OFFSETS_BATCH`` partitions, every batch of every query in flight at once,
one wait, and an (offset, error) answer per partition, so one bad partition is
an error cell and never the page's.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from kafka_io.clients import CountingAdmin, make_admin, translate_error
from kafka_io.config import ClusterSettings
from kafka_io.errors import Timeout, Unavailable
from kafka_io.wire import TP, known_offset

__all__ = [
    "EARLIEST",
    "LATEST",
    "OFFSETS_BATCH",
    "BrokerInfo",
    "Cluster",
    "ClusterInfo",
    "OffsetAnswer",
    "OffsetQuery",
    "describe_cluster",
    "list_offsets",
    "list_topic_names",
]

log = logging.getLogger("kafka_io")
T = TypeVar("T")

EARLIEST = "earliest"
LATEST = "latest"
# "earliest", "latest", or a timestamp in epoch milliseconds (the first offset at or after it).
OffsetQuery = str | int
OffsetAnswer = tuple[int | None, str | None]  # (offset, error), never both set
# Partitions per list_offsets request. One request for every partition costs the
# client more than linear time: on 5,400 partitions one request took 0.25-0.37 s,
# 54 requests of 100 in flight together 0.07-0.16 s (bench/lag_refresh.py).
OFFSETS_BATCH = 100
# librdkafka resolves futures within the request timeout; this grace only covers
# Python-side scheduling, so a busy machine does not report a false timeout.
FUTURE_GRACE_S = 2.0


@dataclass(frozen=True, slots=True)
class BrokerInfo:
    id: int
    host: str
    port: int
    rack: str | None = None


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    cluster_id: str | None
    controller_id: int | None
    brokers: tuple[BrokerInfo, ...]


def describe_cluster(admin: AdminClient, settings: ClusterSettings) -> ClusterInfo:
    """Cluster id, controller and brokers (with racks), or Unavailable within timeout_s."""
    try:
        result = admin.describe_cluster(request_timeout=settings.timeout_s).result(
            timeout=settings.timeout_s + FUTURE_GRACE_S
        )
    except Exception as exc:  # confluent raises KafkaException or concurrent TimeoutError
        raise translate_error(exc, settings) from None
    brokers = tuple(
        sorted(
            (BrokerInfo(node.id, node.host, node.port, node.rack or None) for node in result.nodes),
            key=lambda b: b.id,
        )
    )
    controller = result.controller.id if result.controller is not None else None
    return ClusterInfo(result.cluster_id, controller, brokers)


def list_topic_names(admin: AdminClient, settings: ClusterSettings, include_internal: bool = False) -> list[str]:
    """Topic names, sorted; internal ``__*`` topics hidden unless asked (one metadata request)."""
    try:
        metadata = admin.list_topics(timeout=settings.timeout_s)
    except Exception as exc:
        raise translate_error(exc, settings, "listing topics") from None
    return sorted(t for t in metadata.topics if include_internal or not t.startswith("__"))


def _spec(query: OffsetQuery) -> OffsetSpec:
    if query == EARLIEST:
        return OffsetSpec.earliest()
    if query == LATEST:
        return OffsetSpec.latest()
    if isinstance(query, int) and not isinstance(query, bool):
        return OffsetSpec.for_timestamp(query)
    raise ValueError(f"offset query must be 'earliest', 'latest' or a timestamp in ms, got {query!r}")


def _answer(
    future: concurrent.futures.Future, settings: ClusterSettings, tp: TopicPartition, query: OffsetQuery
) -> OffsetAnswer:
    # Thousands of partitions per sample: the happy path builds no text.
    if not future.done():
        return None, f"{tp.topic}[{tp.partition}]: no answer within {settings.timeout_s:g} s"
    try:
        offset = known_offset(future.result(timeout=0).offset)
    except Exception as exc:  # KafkaException for this partition alone
        return None, str(translate_error(exc, settings, f"{tp.topic}[{tp.partition}]"))
    if offset is not None or query not in (EARLIEST, LATEST):
        return offset, None
    # Every partition has both watermarks. librdkafka answers -1 with no error when
    # the request to a leader that just died timed out (seen on Apache Kafka 4.4).
    return None, f"{tp.topic}[{tp.partition}]: no offset from its leader within {settings.timeout_s:g} s"


METADATA_REFRESH_TIMEOUT_S = 2.0


def list_offsets(
    admin: AdminClient, settings: ClusterSettings, partitions: Iterable[TP], *queries: OffsetQuery
) -> tuple[dict[TP, OffsetAnswer], ...]:
    """One {partition: (offset, error)} per query (latest when none is given).

    A timestamp past the last record answers (None, None): there is no such offset.
    Raises only when no request can be sent at all.
    """
    tps = sorted(set(partitions))
    queries = queries or (LATEST,)
    specs = [_spec(q) for q in queries]
    if not tps:
        return tuple({} for _ in queries)
    issued: list[dict[TopicPartition, concurrent.futures.Future]] = []
    try:
        for spec in specs:
            futures: dict[TopicPartition, concurrent.futures.Future] = {}
            for start in range(0, len(tps), OFFSETS_BATCH):
                batch = {TopicPartition(t, p): spec for t, p in tps[start : start + OFFSETS_BATCH]}
                futures.update(admin.list_offsets(batch, request_timeout=settings.timeout_s))
            issued.append(futures)
    except Exception as exc:  # a refused request (bad arguments, destroyed client)
        raise translate_error(exc, settings, "list offsets") from None
    # One wait for everything; afterwards each read is non-blocking, and a
    # partition still pending at the deadline becomes its own timeout error.
    everything = [f for futures in issued for f in futures.values()]
    concurrent.futures.wait(everything, timeout=settings.timeout_s + FUTURE_GRACE_S)
    answers = tuple(
        {(tp.topic, tp.partition): _answer(future, settings, tp, query) for tp, future in futures.items()}
        for query, futures in zip(queries, issued, strict=True)
    )
    # Only failed answers are inspected: a healthy read of thousands of partitions pays nothing.
    failed = (
        (futures[TopicPartition(*key)], query)
        for query, futures, found in zip(queries, issued, answers, strict=True)
        for key, (_, error) in found.items()
        if error
    )
    if any(_leader_trouble(future, query) for future, query in failed):
        _refresh_leaders(admin, settings)
    return answers


# Answers that mean the client asked a partition's former or dead leader.
_LEADER_CODES = {
    KafkaError._TIMED_OUT,
    KafkaError._TRANSPORT,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.FENCED_LEADER_EPOCH,
    KafkaError.UNKNOWN_LEADER_EPOCH,
}


def _leader_trouble(future: concurrent.futures.Future, query: OffsetQuery) -> bool:
    if not future.done():
        return True
    exc = future.exception(timeout=0)
    if exc is None:
        return query in (EARLIEST, LATEST) and future.result(timeout=0).offset < 0
    error = exc.args[0] if isinstance(exc, KafkaException) and exc.args else None
    return isinstance(error, KafkaError) and error.code() in _LEADER_CODES


def _refresh_leaders(admin: AdminClient, settings: ClusterSettings) -> None:
    """After failed offset reads, refresh the client's metadata: librdkafka's ListOffsets
    keeps asking a dead leader from its cache (for minutes: topic.metadata.refresh.interval.ms)
    after Kafka moved leadership elsewhere. All topics, since one topic's request can auto-create it."""
    try:
        admin.list_topics(timeout=min(settings.timeout_s, METADATA_REFRESH_TIMEOUT_S))
    except Exception as exc:  # best effort: the next read retries anyway
        log.debug("metadata refresh after failed offset reads: %s", exc)


class Cluster:
    """A configured cluster: its admin client and the parts attached to it.

    Thread-safe. The admin client is made on first use and dropped by
    ``reset_clients`` (after the cluster stopped answering) so the next call
    reconnects; attached parts survive that, so a sampler keeps its history
    through an outage.
    """

    def __init__(
        self, settings: ClusterSettings, admin_factory: Callable[[ClusterSettings], CountingAdmin] = make_admin
    ):
        self.settings = settings
        self._admin_factory = admin_factory
        self._lock = threading.Lock()
        self._admin: CountingAdmin | None = None
        self._parts: dict[str, object] = {}
        self._closed = False

    @property
    def admin(self) -> CountingAdmin:
        with self._lock:
            if self._admin is None:
                self._admin = self._admin_factory(self.settings)
            return self._admin

    @property
    def closed(self) -> bool:
        return self._closed

    def reset_clients(self) -> None:
        """Drop the admin client: the next call connects from scratch."""
        with self._lock:
            self._admin = None

    def call(self, read: Callable[[CountingAdmin], T]) -> T:
        """``read(admin)``; an unreachable cluster also resets the clients."""
        try:
            return read(self.admin)
        except (Unavailable, Timeout):
            self.reset_clients()
            raise

    def describe(self) -> ClusterInfo:
        return self.call(lambda admin: describe_cluster(admin, self.settings))

    def topic_names(self, include_internal: bool = False) -> list[str]:
        return self.call(lambda admin: list_topic_names(admin, self.settings, include_internal))

    def list_offsets(self, partitions: Iterable[TP], *queries: OffsetQuery) -> tuple[dict[TP, OffsetAnswer], ...]:
        return self.call(lambda admin: list_offsets(admin, self.settings, partitions, *queries))

    def part(self, name: str, make: Callable[[], T]) -> T:
        """The attached part called ``name``, made once; its close() runs when the cluster closes."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"cluster {self.settings.name!r} is closed")
            if name not in self._parts:
                self._parts[name] = make()
            return self._parts[name]  # type: ignore[return-value]

    def drop_part(self, name: str) -> None:
        """Forget a shared value (after a write made it stale); the next ``part`` makes it anew."""
        with self._lock:
            part = self._parts.pop(name, None)
        close = getattr(part, "close", None)
        if close is not None:
            close()

    def close(self) -> None:
        """Close every attached part, newest first (a producer flushes), then the admin client."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            parts, self._parts, self._admin = list(self._parts.items()), {}, None
        for name, part in reversed(parts):
            close = getattr(part, "close", None)  # a plain shared value owns nothing to close
            try:
                if close is not None:
                    close()
            except Exception:  # one part failing to close must not keep the others open
                log.exception("closing %s of cluster %s failed", name, self.settings.name)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
