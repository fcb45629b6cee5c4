"""Exact lag in seconds: now - timestamp of the record at the committed offset.

"The record at the committed offset" is the first *committed* record at or
after it: viewers read with isolation.level=read_committed, so transaction
markers and aborted records are skipped, and the end of the log (or of the
stable part, before an open transaction) comes back as its offset
(``NextRecord.ts_ms is None``). kafka_io.groups.markers uses the same read to
see that a group whose commit sits on a marker has nothing left to consume.

Read with viewer consumers only (clients.make_viewer_consumer: assign(),
a throwaway kdash-viewer-<uuid> group id, never subscribe, never commit), so
reading never touches the group being measured. Bounded on every side:
- at most EXACT_MAX_PARTITIONS partitions per call (the most lagging first;
  the others keep the estimate);
- EXACT_CHUNK partitions per consumer, at most EXACT_MAX_CONSUMERS consumers in
  flight in the whole process (a semaphore shared by every browser session);
- one overall deadline (settings.timeout_s);
- each consumer is created, used and closed by one worker thread.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, KafkaError, TopicPartition

from kafka_io._client import make_viewer_consumer, translate_error
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError
from kafka_io.groups.lag import TimeLag, exact_time_lag
from kafka_io.groups.models import PartitionLag

__all__ = ["EXACT_MAX_PARTITIONS", "NextRecord", "exact_time_lags", "next_records", "record_timestamps"]

EXACT_MAX_PARTITIONS = 256
EXACT_CHUNK = 64
EXACT_MAX_CONSUMERS = 4
POLL_S = 0.2
# Small fetches: we need one record per partition, not the backlog (real
# brokers honour these; noida-db ignores them, see the design notes).
_VIEWER_OVERRIDES = {
    "fetch.max.bytes": 1_048_576,
    "message.max.bytes": 1_048_576,
    "max.partition.fetch.bytes": 65_536,
    "queued.max.messages.kbytes": 1024,
    # A committed offset already deleted by retention: read the oldest record left.
    "auto.offset.reset": "earliest",
}
_CONSUMER_SLOTS = threading.BoundedSemaphore(EXACT_MAX_CONSUMERS)

TP = tuple[str, int]


@dataclass(frozen=True, slots=True)
class NextRecord:
    """The first committed record at or after an offset: its offset and timestamp, or,
    when there is none yet, the end offset the read stopped at (ts_ms None)."""

    offset: int
    ts_ms: int | None


def _read_chunk(
    settings: ClusterSettings, chunk: Sequence[tuple[str, int, int]], deadline: float
) -> tuple[dict[TP, NextRecord], KafkaIOError | None]:
    """The first committed record at or after each offset (or the end), within the deadline."""
    if not _CONSUMER_SLOTS.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
        return {}, None
    try:
        consumer = make_viewer_consumer(settings, **_VIEWER_OVERRIDES)
        try:
            consumer.assign([TopicPartition(t, p, o) for t, p, o in chunk])
            return _first_records(consumer, {(t, p) for t, p, _ in chunk}, deadline), None
        finally:
            consumer.close()
    except Exception as exc:  # this chunk stays unknown; the others still count
        return {}, translate_error(exc, settings, "read record timestamps")
    finally:
        _CONSUMER_SLOTS.release()


def _first_records(consumer, pending: set[TP], deadline: float) -> dict[TP, NextRecord]:
    found: dict[TP, NextRecord] = {}
    while pending and time.monotonic() < deadline:
        for message in consumer.consume(num_messages=max(len(pending), 1), timeout=POLL_S):
            tp = (message.topic(), message.partition())
            if tp not in pending:
                continue
            error = message.error()
            if error is not None and error.code() != KafkaError._PARTITION_EOF:
                continue  # a transient fetch error: keep waiting until the deadline
            pending.discard(tp)
            consumer.pause([TopicPartition(*tp)])
            if error is not None:  # end of partition: message.offset() is where it ends
                found[tp] = NextRecord(message.offset(), None)
                continue
            ts_type, ts_ms = message.timestamp()
            found[tp] = NextRecord(message.offset(), ts_ms if ts_type != TIMESTAMP_NOT_AVAILABLE else -1)
    return found


def next_records(
    settings: ClusterSettings, positions: Sequence[tuple[str, int, int]], timeout_s: float | None = None
) -> dict[TP, NextRecord]:
    """The first committed record at or after each (topic, partition, offset), or
    the end offset when there is none; missing when the deadline passed. Raises
    only when every consumer failed (e.g. the cluster is unreachable)."""
    if not positions:
        return {}
    deadline = time.monotonic() + (settings.timeout_s if timeout_s is None else timeout_s)
    chunks = [positions[i : i + EXACT_CHUNK] for i in range(0, len(positions), EXACT_CHUNK)]
    found: dict[TP, NextRecord] = {}
    errors: list[KafkaIOError] = []
    with concurrent.futures.ThreadPoolExecutor(min(EXACT_MAX_CONSUMERS, len(chunks)), "kdash-exact-lag") as pool:
        for part, error in pool.map(lambda chunk: _read_chunk(settings, chunk, deadline), chunks):
            found.update(part)
            errors.extend([error] if error else [])
    if errors and not found:
        raise errors[0]
    return found


def record_timestamps(
    settings: ClusterSettings, positions: Sequence[tuple[str, int, int]], timeout_s: float | None = None
) -> dict[TP, int]:
    """Record timestamp (ms) at each (topic, partition, offset); missing when
    there is no record there (end of log) or the deadline passed. Raises only
    when every consumer failed (e.g. the cluster is unreachable)."""
    records = next_records(settings, positions, timeout_s)
    return {tp: r.ts_ms for tp, r in records.items() if r.ts_ms is not None and r.ts_ms >= 0}


def exact_time_lags(
    settings: ClusterSettings, partitions: Iterable[PartitionLag], timeout_s: float | None = None
) -> dict[TP, TimeLag]:
    """Exact time lag of the most lagging partitions (caught-up ones are 0.0)."""
    partitions = list(partitions)
    lagging = sorted((p for p in partitions if p.lag and p.committed is not None), key=lambda p: -p.lag)
    positions = [(p.topic, p.partition, p.committed) for p in lagging[:EXACT_MAX_PARTITIONS]]
    records = next_records(settings, positions, timeout_s)
    now_s = time.time()
    lags = {(p.topic, p.partition): TimeLag(0.0, False, exact=True) for p in partitions if p.lag == 0}
    for p in lagging[:EXACT_MAX_PARTITIONS]:
        record = records.get((p.topic, p.partition))
        if record is not None and record.ts_ms is None and p.high is not None and record.offset >= p.high:
            # Only transaction markers or aborted records were left: nothing to consume, no time behind.
            lags[(p.topic, p.partition)] = TimeLag(0.0, False, exact=True)
        else:
            ts_ms = record.ts_ms if record is not None else None
            lags[(p.topic, p.partition)] = exact_time_lag(ts_ms if ts_ms is not None and ts_ms >= 0 else None, now_s)
    return lags
