"""The one way kafka_io asks for offsets.

``list_offsets`` is the only caller of ``AdminClient.list_offsets``: requests
of ``OFFSETS_BATCH`` partitions, every batch of every query in flight at once,
one wait, and an (offset, error) answer per partition, so one bad partition is
an error cell and never the page's. Before sending, the client's metadata cache
holds every asked partition's leader (see PRIME_MAX_AGE_S: a librdkafka crash).
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from kafka_io._client.translate import translate_error
from kafka_io.config import ClusterSettings
from kafka_io.wire import TP, known_offset

__all__ = [
    "EARLIEST",
    "FUTURE_GRACE_S",
    "LATEST",
    "OFFSETS_BATCH",
    "OffsetAnswer",
    "OffsetQuery",
    "list_offsets",
    "note_metadata",
]

log = logging.getLogger("kafka_io")

EARLIEST = "earliest"
LATEST = "latest"
# "earliest", "latest", or a timestamp in epoch milliseconds (the first offset at or after it).
OffsetQuery = str | int
OffsetAnswer = tuple[int | None, str | None]  # (offset, error), never both set
# Partitions per list_offsets request. One request for every partition costs the
# client more than linear time: on 5,400 partitions one request took 0.25-0.37 s,
# 54 requests of 100 in flight together 0.07-0.16 s (bench/lag_refresh.py).
OFFSETS_BATCH = 100
# librdkafka's ListOffsets looks each partition's leader up in the client's metadata cache.
# When one is missing, the calling thread subscribes to cache updates and goes on running
# the request's worker while librdkafka's main thread, woken by a metadata answer, runs the
# same worker: a use-after-free that killed the process (SIGSEGV in AdminClient.list_offsets,
# confluent-kafka 2.16.1; fresh clients, whose cache is empty, on a loaded machine). So the
# cache is filled first, by one metadata request at most every PRIME_MAX_AGE_S (well inside
# librdkafka's metadata.max.age.ms), and a partition the metadata puts on no leader is
# answered here, never sent. A partition missing at the last look is looked up again after
# PRIME_RETRY_S; one never asked about before, at once (a topic created a second ago).
PRIME_MAX_AGE_S = 30.0
PRIME_RETRY_S = 5.0
# librdkafka resolves futures within the request timeout; this grace only covers
# Python-side scheduling, so a busy machine does not report a false timeout.
FUTURE_GRACE_S = 2.0


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
    Partitions answered "not the leader" (a leader that just moved, partitions added a
    moment ago) are asked once more after a metadata refresh; timeouts are not, so a
    dead broker costs one timeout, not two.
    Raises only when the cluster's metadata cannot be read or no request can be sent.
    """
    tps = sorted(set(partitions))
    queries = queries or (LATEST,)
    if not tps:
        return tuple({} for _ in queries)
    answers, moved, trouble = _list_once(admin, settings, tps, queries)
    if trouble:
        _refresh_leaders(admin, settings)
    if moved:
        again, _, _ = _list_once(admin, settings, sorted(moved), queries)
        for found, retried in zip(answers, again, strict=True):
            found.update(retried)
    return answers


def _list_once(admin, settings, tps: list[TP], queries) -> tuple[tuple[dict[TP, OffsetAnswer], ...], set[TP], bool]:
    """(answers, partitions a moved leader refused, whether any failure was leader trouble)."""
    known = _leaders(admin, settings, tps)
    unplaced = {tp: f"{tp[0]}[{tp[1]}]: {why}" for tp in tps if (why := known.unplaced(tp))}
    tps = [tp for tp in tps if tp not in unplaced]
    issued: list[dict[TopicPartition, concurrent.futures.Future]] = []
    try:
        for spec in (_spec(q) for q in queries):
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
        {
            **{(tp.topic, tp.partition): _answer(future, settings, tp, query) for tp, future in futures.items()},
            **{tp: (None, error) for tp, error in unplaced.items()},
        }
        for query, futures in zip(queries, issued, strict=True)
    )
    # Only failed answers are inspected: a healthy read of thousands of partitions pays nothing.
    failed = [
        (key, futures[TopicPartition(*key)], query)
        for query, futures, found in zip(queries, issued, answers, strict=True)
        for key, (_, error) in found.items()
        if error and key not in unplaced  # those are looked up again after PRIME_RETRY_S
    ]
    moved = {key for key, future, _ in failed if _error_code(future) in _MOVED_CODES}
    return answers, moved, any(_leader_trouble(future, query) for _, future, query in failed)


@dataclass(frozen=True, slots=True)
class _Leaders:
    """What one metadata answer said about partition leaders, and when."""

    at_s: float  # time.monotonic()
    leaders: dict[str, dict[int, int]]  # topic -> partition -> leader id (-1: none)
    missing: frozenset[TP]  # asked about then, and placed on no leader
    topic_errors: dict[str, str] = field(default_factory=dict)  # e.g. not authorized to describe it

    def unplaced(self, tp: TP) -> str | None:
        """Why ``tp`` cannot be sent to a leader, or None."""
        partitions = self.leaders.get(tp[0])
        if not partitions:
            return self.topic_errors.get(tp[0], "topic not found (deleted, or hidden from this user by ACLs)")
        leader = partitions.get(tp[1])
        if leader is None:
            return f"partition {tp[1]} does not exist (the topic has {len(partitions)})"
        return "no leader (an election under way, or every replica offline)" if leader < 0 else None

    def fresh_for(self, tps: list[TP], now_s: float, max_age_s: float) -> bool:
        age_s = now_s - self.at_s
        if age_s > max_age_s:
            return False
        return all(self.unplaced(tp) is None or (tp in self.missing and age_s <= PRIME_RETRY_S) for tp in tps)


_primed: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # admin client -> _Leaders
_primed_lock = threading.Lock()


def _leaders(admin: AdminClient, settings: ClusterSettings, tps: list[TP]) -> _Leaders:
    """Leaders for ``tps``, from one metadata request unless the last one still answers."""
    max_age_s = min(PRIME_MAX_AGE_S, int(settings.client_config().get("metadata.max.age.ms", 900_000)) / 2000)
    with _primed_lock:
        known = _primed.get(admin)
    if known is not None and known.fresh_for(tps, time.monotonic(), max_age_s):
        return known
    at_s = time.monotonic()
    try:
        metadata = admin.list_topics(timeout=settings.timeout_s)
    except Exception as exc:
        raise translate_error(exc, settings, "reading partition leaders") from None
    return note_metadata(admin, metadata, at_s, tps)


def note_metadata(admin: AdminClient, metadata, at_s: float, asked: Iterable[TP] = ()) -> _Leaders:
    """Remember the leaders of a full metadata answer (``admin.list_topics()``, sent at
    monotonic ``at_s``), so the next list_offsets of this client needs no request of its own."""
    leaders = {name: {p.id: p.leader for p in t.partitions.values()} for name, t in metadata.topics.items()}
    errors = {name: t.error.str() for name, t in metadata.topics.items() if t.error is not None}
    known = _Leaders(at_s, leaders, frozenset(), errors)
    known = replace(known, missing=frozenset(tp for tp in asked if known.unplaced(tp)))
    with _primed_lock:
        _primed[admin] = known
    return known


# Answers that mean the client asked a partition's former or dead leader.
_LEADER_CODES = {
    KafkaError._TIMED_OUT,
    KafkaError._TRANSPORT,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.FENCED_LEADER_EPOCH,
    KafkaError.UNKNOWN_LEADER_EPOCH,
}


# Of those, the answers of a live broker that is not (or no longer) the leader: worth asking
# again at once, after a metadata refresh, unlike a timeout.
_MOVED_CODES = {
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.FENCED_LEADER_EPOCH,
    KafkaError.UNKNOWN_LEADER_EPOCH,
}


def _error_code(future: concurrent.futures.Future) -> int | None:
    """The KafkaError code a finished future failed with, else None."""
    if not future.done():
        return None
    exc = future.exception(timeout=0)
    error = exc.args[0] if isinstance(exc, KafkaException) and exc.args else None
    return error.code() if isinstance(error, KafkaError) else None


def _leader_trouble(future: concurrent.futures.Future, query: OffsetQuery) -> bool:
    if not future.done():
        return True
    if future.exception(timeout=0) is None:
        return query in (EARLIEST, LATEST) and future.result(timeout=0).offset < 0
    return _error_code(future) in _LEADER_CODES


def _refresh_leaders(admin: AdminClient, settings: ClusterSettings) -> None:
    """After failed offset reads, refresh the client's metadata: librdkafka's ListOffsets
    keeps asking a dead leader from its cache (for minutes: topic.metadata.refresh.interval.ms)
    after Kafka moved leadership elsewhere. All topics, since one topic's request can auto-create it."""
    at_s = time.monotonic()
    try:
        note_metadata(admin, admin.list_topics(timeout=min(settings.timeout_s, METADATA_REFRESH_TIMEOUT_S)), at_s)
    except Exception as exc:  # best effort: the next read retries anyway
        log.debug("metadata refresh after failed offset reads: %s", exc)
