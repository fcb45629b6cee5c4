"""PURE bounded history of lag samples, for status windows, rates and sparklines.

One writer (the sampler thread) calls `record`; many readers (page reruns)
call the getters. Every method takes the same lock, and getters return fresh
lists of frozen values, so a reader never sees a half-written cycle.

Memory bound
- at most `max_samples` Samples per (group, topic, partition) and at most
  `max_samples` (ts_s, high) points per (topic, partition): fixed-size deques;
- a key that no `record` call has mentioned for `max_samples` calls is dropped,
  so groups and partitions that disappear do not pile up (its samples would
  have aged out of a time window by then anyway).
So memory <= max_samples x (keys reported in the last max_samples calls) x
about 200 bytes (measured with tracemalloc: a slotted Sample, its two ints,
a deque slot, and the partition's watermark point). For the design's 5,400
committed partitions at the default 720 that is about 0.75 GB: a sampler
watching a big cluster should pass a smaller `max_samples`.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterable

from kafka_io.errors import InvalidInput
from kafka_io.lag import Sample, known_offset

__all__ = [
    "DEFAULT_INTERVAL_S",
    "DEFAULT_HISTORY_S",
    "DEFAULT_MAX_SAMPLES",
    "LagHistory",
]

DEFAULT_INTERVAL_S = 5.0
DEFAULT_HISTORY_S = 3600.0
DEFAULT_MAX_SAMPLES = int(DEFAULT_HISTORY_S / DEFAULT_INTERVAL_S)  # 720

Key = tuple[str, str, int]  # (group, topic, partition)
TopicPartition = tuple[str, int]
Row = tuple[str, str, int, int, int | None]  # (group, topic, partition, high, committed)


class LagHistory:
    """Ring buffers of Samples per (group, topic, partition), and of high
    watermarks per (topic, partition) for the time-lag estimate."""

    def __init__(self, max_samples: int = DEFAULT_MAX_SAMPLES) -> None:
        if max_samples < 2:
            # Rates, status and time lag all need two points.
            raise InvalidInput(f"max_samples must be at least 2 (got {max_samples})")
        self.max_samples = max_samples
        self._lock = threading.Lock()
        self._calls = 0
        self._samples: dict[Key, deque[Sample]] = {}
        self._highs: dict[TopicPartition, deque[tuple[float, int]]] = {}
        # record() call number that last mentioned each key, for eviction.
        self._key_seen: dict[Key, int] = {}
        self._tp_seen: dict[TopicPartition, int] = {}

    def record(self, ts_s: float, rows: Iterable[Row]) -> None:
        """Append one sampling cycle. Negative offsets (librdkafka sentinels)
        mean "unknown": a commit becomes None, a row with no watermark is
        skipped because it carries nothing to plot or compare."""
        if not math.isfinite(ts_s):
            raise InvalidInput(f"ts_s must be a finite time (got {ts_s!r})")
        rows = list(rows)  # a generator may be slow: run it outside the lock
        with self._lock:
            self._calls += 1
            for group, topic, partition, high, committed in rows:
                if known_offset(high) is None:
                    continue
                self._append(ts_s, (group, topic, partition), high, known_offset(committed))
            self._evict_unseen()

    def _append(self, ts_s: float, key: Key, high: int, committed: int | None) -> None:
        self._buffer(self._samples, key).append(Sample(ts_s, high, committed))
        self._key_seen[key] = self._calls
        tp = (key[1], key[2])
        highs = self._buffer(self._highs, tp)
        if not highs or highs[-1][0] != ts_s:  # several groups read one partition
            highs.append((ts_s, high))
        self._tp_seen[tp] = self._calls

    def _buffer(self, store: dict, key: object) -> deque:
        buffer = store.get(key)
        if buffer is None:
            buffer = store[key] = deque(maxlen=self.max_samples)
        return buffer

    def _evict_unseen(self) -> None:
        oldest_kept = self._calls - self.max_samples
        for store, seen in ((self._samples, self._key_seen), (self._highs, self._tp_seen)):
            for key in [k for k, call in seen.items() if call <= oldest_kept]:
                del seen[key]
                store.pop(key, None)

    def samples(
        self, group: str, topic: str, partition: int, since_s: float | None = None
    ) -> list[Sample]:
        """Samples of one partition for one group, oldest first."""
        with self._lock:
            buffer = list(self._samples.get((group, topic, partition), ()))
        return [s for s in buffer if since_s is None or s.ts_s >= since_s]

    def keys(self, group: str | None = None) -> list[Key]:
        """Sorted (group, topic, partition) keys, optionally of one group."""
        with self._lock:
            keys = list(self._samples)
        return sorted(k for k in keys if group is None or k[0] == group)

    def forget(self, group: str) -> int:
        """Drop a group's samples (e.g. it was deleted); returns keys dropped.

        Watermark points go too when no remaining group reads that partition.
        """
        with self._lock:
            doomed = [k for k in self._samples if k[0] == group]
            for key in doomed:
                del self._samples[key]
                self._key_seen.pop(key, None)
            still_read = {(k[1], k[2]) for k in self._samples}
            for tp in [tp for tp in self._highs if tp not in still_read]:
                del self._highs[tp]
                self._tp_seen.pop(tp, None)
        return len(doomed)

    def total_lag_series(self, group: str, since_s: float | None = None) -> list[tuple[float, int]]:
        """(ts_s, sum of known partition lags) per sample time, oldest first.

        Times at which no partition had a known lag are left out rather than
        plotted as 0, which would read as "caught up".
        """
        with self._lock:
            buffers = [list(b) for k, b in self._samples.items() if k[0] == group]
        totals: dict[float, int] = {}
        for buffer in buffers:
            for s in buffer:
                lag = s.lag
                if lag is None or (since_s is not None and s.ts_s < since_s):
                    continue
                totals[s.ts_s] = totals.get(s.ts_s, 0) + lag
        return sorted(totals.items())

    def high_points(
        self, topic: str, partition: int, since_s: float | None = None
    ) -> list[tuple[float, int]]:
        """(ts_s, high watermark) points of one partition, oldest first."""
        with self._lock:
            points = list(self._highs.get((topic, partition), ()))
        return [p for p in points if since_s is None or p[0] >= since_s]

    def sample_count(self) -> int:
        """Samples held across all keys (to check the memory bound)."""
        with self._lock:
            return sum(len(b) for b in self._samples.values())
