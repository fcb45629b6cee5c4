"""Exact lag in seconds: now - timestamp of the record at the committed offset.

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

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, KafkaError, TopicPartition

from kafka_io.clients import make_viewer_consumer, translate_error
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError
from kafka_io.groups.lag import TimeLag, exact_time_lag
from kafka_io.groups.models import PartitionLag

__all__ = ["EXACT_MAX_PARTITIONS", "exact_time_lags", "record_timestamps"]

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


def _read_chunk(
    settings: ClusterSettings, chunk: Sequence[tuple[str, int, int]], deadline: float
) -> tuple[dict[TP, int], KafkaIOError | None]:
    """Timestamp (ms) of the first record at or after each offset, within the deadline."""
    if not _CONSUMER_SLOTS.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
        return {}, None
    try:
        consumer = make_viewer_consumer(settings, **_VIEWER_OVERRIDES)
        try:
            consumer.assign([TopicPartition(t, p, o) for t, p, o in chunk])
            return _first_timestamps(consumer, {(t, p) for t, p, _ in chunk}, deadline), None
        finally:
            consumer.close()
    except Exception as exc:  # this chunk stays unknown; the others still count
        return {}, translate_error(exc, settings, "read record timestamps")
    finally:
        _CONSUMER_SLOTS.release()


def _first_timestamps(consumer, pending: set[TP], deadline: float) -> dict[TP, int]:
    found: dict[TP, int] = {}
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
            if error is None:
                ts_type, ts_ms = message.timestamp()
                if ts_type != TIMESTAMP_NOT_AVAILABLE:
                    found[tp] = ts_ms
    return found


def record_timestamps(
    settings: ClusterSettings, positions: Sequence[tuple[str, int, int]], timeout_s: float | None = None
) -> dict[TP, int]:
    """Record timestamp (ms) at each (topic, partition, offset); missing when
    there is no record there (end of log) or the deadline passed. Raises only
    when every consumer failed (e.g. the cluster is unreachable)."""
    if not positions:
        return {}
    deadline = time.monotonic() + (settings.timeout_s if timeout_s is None else timeout_s)
    chunks = [positions[i : i + EXACT_CHUNK] for i in range(0, len(positions), EXACT_CHUNK)]
    found: dict[TP, int] = {}
    errors: list[KafkaIOError] = []
    with concurrent.futures.ThreadPoolExecutor(min(EXACT_MAX_CONSUMERS, len(chunks)), "kdash-exact-lag") as pool:
        for part, error in pool.map(lambda chunk: _read_chunk(settings, chunk, deadline), chunks):
            found.update(part)
            errors.extend([error] if error else [])
    if errors and not found:
        raise errors[0]
    return found


def exact_time_lags(
    settings: ClusterSettings, partitions: Iterable[PartitionLag], timeout_s: float | None = None
) -> dict[TP, TimeLag]:
    """Exact time lag of the most lagging partitions (caught-up ones are 0.0)."""
    partitions = list(partitions)
    lagging = sorted((p for p in partitions if p.lag and p.committed is not None), key=lambda p: -p.lag)
    positions = [(p.topic, p.partition, p.committed) for p in lagging[:EXACT_MAX_PARTITIONS]]
    stamps = record_timestamps(settings, positions, timeout_s)
    now_s = time.time()
    lags = {(p.topic, p.partition): TimeLag(0.0, False, exact=True) for p in partitions if p.lag == 0}
    for topic, partition, _ in positions:
        lags[(topic, partition)] = exact_time_lag(stamps.get((topic, partition)), now_s)
    return lags
