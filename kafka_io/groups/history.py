"""PURE: Bounded history of lag samples, for status windows, rates and sparklines.

One writer (the sampler thread) calls `record` once per sampling cycle; many
readers (page reruns) call the getters. Every method takes the same lock and
getters return fresh lists of frozen values, so a reader never sees a
half-written cycle.

Storage is columnar: one ring of cycle times shared by everything, and per
(group, topic, partition) one `array('q')` of committed offsets, per
(topic, partition) one of high watermarks, per group one of total lag, each
`depth` slots long (slot = cycle number mod depth). A sample costs 8 bytes,
not the ~200 bytes of a Python object per sample.

Memory bound
- every row (a key, a watermark partition, a group total) costs
  depth x 8 bytes + ROW_OVERHEAD_BYTES, so memory <= rows x that <= max_bytes;
- when new rows would pass `max_bytes`, the depth shrinks for every row
  (the newest samples are kept), down to MIN_DEPTH; past that, new keys are not
  kept at all and are counted in `dropped_keys` (their live lag still shows,
  only their history is missing);
- a row that no `record` call has mentioned for `depth` calls is dropped, so
  groups and partitions that disappear do not pile up.
Example: 5,400 committed partitions over 5,400 topic partitions and 300
groups at the default depth 720 take 11,100 rows x (5,760 + 200) bytes,
about 66 MB, under the default 128 MB budget. Twice that many partitions
would shrink the history to about 45 minutes instead of growing past it.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections.abc import Iterable

from kafka_io.errors import InvalidInput
from kafka_io.groups.lag_math import Sample
from kafka_io.wire import known_offset

__all__ = [
    "DEFAULT_INTERVAL_S",
    "DEFAULT_HISTORY_S",
    "DEFAULT_MAX_SAMPLES",
    "DEFAULT_MAX_BYTES",
    "MIN_DEPTH",
    "ROW_OVERHEAD_BYTES",
    "LagHistory",
]

DEFAULT_INTERVAL_S = 5.0
DEFAULT_HISTORY_S = 3600.0
DEFAULT_MAX_SAMPLES = int(DEFAULT_HISTORY_S / DEFAULT_INTERVAL_S)  # 720
DEFAULT_MAX_BYTES = 128 * 1024 * 1024
MIN_DEPTH = 12  # one status window (60 s at the default interval)
# Measured with tracemalloc: array header, key tuple and its ints/strs shared,
# two dict slots (store + last-seen) per row.
ROW_OVERHEAD_BYTES = 200
SLOT_BYTES = 8

Key = tuple[str, str, int]  # (group, topic, partition)
TopicPartition = tuple[str, int]
Row = tuple[str, str, int, int, int | None]  # (group, topic, partition, high, committed)

_ABSENT = -(2**63)  # the row was not reported in that cycle
_NO_COMMIT = -1  # reported with no committed offset


class LagHistory:
    """Ring buffers of committed offsets per (group, topic, partition), high
    watermarks per (topic, partition) and total lag per group."""

    def __init__(self, max_samples: int = DEFAULT_MAX_SAMPLES, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_samples < 2:
            # Rates, status and time lag all need two points.
            raise InvalidInput(f"max_samples must be at least 2 (got {max_samples})")
        self.max_samples = max_samples
        self.max_bytes = max_bytes
        self.dropped_keys = 0
        self._depth = max_samples
        self._lock = threading.Lock()
        self._calls = 0
        self._times = array("d", [math.nan]) * max_samples
        self._committed: dict[Key, array] = {}
        self._highs: dict[TopicPartition, array] = {}
        self._totals: dict[str, array] = {}
        # Each group's keys as dict keys (insertion-ordered, and half the size of a set: 352
        # against 728 bytes for a group of 10 partitions, 18 MB at 50,000 groups).
        self._by_group: dict[str, dict[Key, None]] = {}
        # record() call number that last mentioned each row, for eviction.
        self._key_seen: dict[Key, int] = {}
        self._tp_seen: dict[TopicPartition, int] = {}
        self._group_seen: dict[str, int] = {}
        # Warm start: (times, highs) per partition from before the first cycle (seed_highs).
        self._seeds: dict[TopicPartition, tuple[array, array]] = {}
        self._first_cycle_s = math.inf

    @property
    def depth(self) -> int:
        """Samples kept per row now (max_samples unless the budget shrank it)."""
        return self._depth

    def record(self, ts_s: float, rows: Iterable[Row]) -> None:
        """Append one sampling cycle. Negative offsets (librdkafka sentinels)
        mean "unknown": a commit becomes None, a row with no watermark is
        skipped because it carries nothing to plot or compare. When several
        rows of one cycle name the same partition, its first watermark wins."""
        if not math.isfinite(ts_s):
            raise InvalidInput(f"ts_s must be a finite time (got {ts_s!r})")
        rows = [r for r in rows if known_offset(r[3]) is not None]  # outside the lock
        with self._lock:
            self._calls += 1
            self._first_cycle_s = min(self._first_cycle_s, ts_s)
            self._make_room(rows)  # may change the depth, hence the slot
            slot = (self._calls - 1) % self._depth
            self._times[slot] = ts_s
            for store in (self._committed, self._highs, self._totals):
                for buffer in store.values():
                    buffer[slot] = _ABSENT
            self._write(slot, rows)
            self._evict_unseen()

    def _write(self, slot: int, rows: list[Row]) -> None:
        # The hot loop of every cycle (thousands of rows): locals on purpose.
        calls, committed_store = self._calls, self._committed
        key_seen, tp_seen, group_seen = self._key_seen, self._tp_seen, self._group_seen
        totals: dict[str, int] = {}
        for group, topic, partition, high, committed in rows:
            key = (group, topic, partition)
            buffer = committed_store.get(key)
            if buffer is None and (buffer := self._add_key(key)) is None:
                continue
            commit = committed if committed is not None and committed >= 0 else _NO_COMMIT
            buffer[slot] = commit
            key_seen[key] = calls
            tp = (topic, partition)
            highs = self._highs[tp]
            if highs[slot] == _ABSENT:
                highs[slot] = high
            tp_seen[tp] = calls
            group_seen[group] = calls
            if commit >= 0:
                totals[group] = totals.get(group, 0) + max(highs[slot] - commit, 0)
        for group, total in totals.items():
            self._totals[group][slot] = total

    def _add_key(self, key: Key) -> array | None:
        """A new key's buffer, with its watermark and group-total rows, or None
        (counted in dropped_keys) when those rows would pass the budget."""
        tp = (key[1], key[2])
        new_rows = 1 + (tp not in self._highs) + (key[0] not in self._totals)
        if self._rows() + new_rows > self._row_budget():
            self.dropped_keys += 1
            return None
        if tp not in self._highs:  # not setdefault: that would allocate a buffer per key, used or not
            self._highs[tp] = self._new_buffer()
        if key[0] not in self._totals:
            self._totals[key[0]] = self._new_buffer()
        buffer = self._committed[key] = self._new_buffer()
        self._by_group.setdefault(key[0], {})[key] = None
        return buffer

    def _new_buffer(self) -> array:
        return array("q", [_ABSENT]) * self._depth

    def _rows(self) -> int:
        return len(self._committed) + len(self._highs) + len(self._totals)

    def _row_budget(self, depth: int | None = None) -> int:
        return self.max_bytes // ((depth or self._depth) * SLOT_BYTES + ROW_OVERHEAD_BYTES)

    def _make_room(self, rows: list[Row]) -> None:
        """Shrink the depth before this cycle's new rows would pass the budget."""
        new_keys = {(g, t, p) for g, t, p, _, _ in rows} - self._committed.keys()
        needed = self._rows() + 3 * len(new_keys)
        if needed <= self._row_budget() or self._depth <= MIN_DEPTH:
            return
        depth = self._depth
        while depth > MIN_DEPTH and needed > self._row_budget(depth):
            depth = max(MIN_DEPTH, depth * 3 // 4)
        self._resize(depth)

    def _resize(self, depth: int) -> None:
        """Keep the newest `depth` cycles, laid out for the new ring size."""
        calls = range(max(1, self._calls - depth + 1), self._calls + 1)
        old = self._depth

        def moved(buffer: array, fill) -> array:
            fresh = array(buffer.typecode, [fill]) * depth
            for call in calls:
                fresh[(call - 1) % depth] = buffer[(call - 1) % old]
            return fresh

        self._times = moved(self._times, math.nan)
        for store in (self._committed, self._highs, self._totals):
            for key in store:
                store[key] = moved(store[key], _ABSENT)
        self._depth = depth

    def _evict_unseen(self) -> None:
        oldest_kept = self._calls - self._depth
        for seen, drop in (
            (self._key_seen, self._drop_key),
            (self._tp_seen, self._highs.pop),
            (self._group_seen, self._totals.pop),
        ):
            for row in [r for r, call in seen.items() if call <= oldest_kept]:
                del seen[row]
                drop(row)

    def _drop_key(self, key: Key) -> None:
        self._committed.pop(key, None)
        keys = self._by_group.get(key[0])
        if keys is not None:
            keys.pop(key, None)
            if not keys:
                del self._by_group[key[0]]

    def _slots(self, since_s: float | None) -> list[tuple[float, int]]:
        """(ts_s, slot) of the cycles still held (at or after since_s), oldest first."""
        depth, times, out = self._depth, self._times, []
        for call in range(self._calls, max(0, self._calls - depth), -1):
            slot = (call - 1) % depth
            ts_s = times[slot]
            if since_s is not None and ts_s < since_s:
                break  # record() times rise, so everything older is out too
            out.append((ts_s, slot))
        out.reverse()
        return out

    def _samples(self, key: Key, slots: list[tuple[float, int]]) -> list[Sample]:
        buffer = self._committed.get(key)
        highs = self._highs.get((key[1], key[2]))
        if buffer is None or highs is None:
            return []
        out = []
        for ts_s, slot in slots:
            committed = buffer[slot]
            if committed != _ABSENT:
                out.append(Sample(ts_s, highs[slot], None if committed == _NO_COMMIT else committed))
        return out

    def samples(self, group: str, topic: str, partition: int, since_s: float | None = None) -> list[Sample]:
        """Samples of one partition for one group, oldest first."""
        with self._lock:
            return self._samples((group, topic, partition), self._slots(since_s))

    def group_samples(self, group: str, since_s: float | None = None) -> dict[TopicPartition, list[Sample]]:
        """Every partition's samples for one group, under one lock."""
        with self._lock:
            slots = self._slots(since_s)
            return {(k[1], k[2]): self._samples(k, slots) for k in sorted(self._by_group.get(group, ()))}

    def keys(self, group: str | None = None) -> list[Key]:
        """Sorted (group, topic, partition) keys, optionally of one group."""
        with self._lock:
            keys = list(self._committed) if group is None else list(self._by_group.get(group, ()))
        return sorted(keys)

    def forget(self, group: str) -> int:
        """Drop a group's samples (e.g. it was deleted); returns keys dropped.

        Watermark points go too when no remaining group reads that partition.
        """
        with self._lock:
            doomed = list(self._by_group.pop(group, ()))
            for key in doomed:
                del self._committed[key]
                self._key_seen.pop(key, None)
            self._totals.pop(group, None)
            self._group_seen.pop(group, None)
            still_read = {(k[1], k[2]) for k in self._committed}
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
            totals = self._totals.get(group)
            if totals is None:
                return []
            return [(ts_s, totals[slot]) for ts_s, slot in self._slots(since_s) if totals[slot] != _ABSENT]

    def high_points(self, topic: str, partition: int, since_s: float | None = None) -> list[tuple[float, int]]:
        """(ts_s, high watermark) points of one partition, oldest first."""
        with self._lock:
            highs = self._highs.get((topic, partition))
            if highs is None:
                return []
            return [(ts_s, highs[slot]) for ts_s, slot in self._slots(since_s) if highs[slot] != _ABSENT]

    def time_lag_points(self, topic: str, partition: int, committed: int | None) -> list[tuple[float, int]]:
        """The few (ts_s, high) points lag.estimate_time_lag needs for `committed`.

        Walking back from the newest point: [A, B, newest] where A is the newest
        point with high <= committed and B the one after it, or [oldest, newest]
        when every point is above committed (extrapolation). On a watermark
        that never went down this gives the same estimate as high_points(), in
        time proportional to how far back the commit is, not to the depth.
        """
        with self._lock:
            highs = self._highs.get((topic, partition))
            if highs is None or committed is None:
                return []
            newest_first: list[tuple[float, int]] = []
            for call in range(self._calls, max(0, self._calls - self._depth), -1):
                slot = (call - 1) % self._depth
                if highs[slot] == _ABSENT:
                    continue
                newest_first.append((self._times[slot], highs[slot]))
                if highs[slot] <= committed:
                    break
            else:
                # Every cycle is above the commit: walk on into the warm-start points, if any.
                for point in reversed(self._seeds_before_cycles((topic, partition))):
                    newest_first.append(point)
                    if point[1] <= committed:
                        break
                else:
                    return [newest_first[-1], newest_first[0]] if len(newest_first) > 1 else newest_first
        if len(newest_first) > 3:
            newest_first = [newest_first[0], newest_first[-2], newest_first[-1]]
        return newest_first[::-1]

    def seed_highs(self, points: dict[TopicPartition, list[tuple[float, int]]]) -> None:
        """High watermarks from before the first cycle (read back from Kafka's
        offsets-for-times at start), so rates and time lags are not empty in the
        first minute. Kept apart from the cycles and consulted only before them."""
        with self._lock:
            for tp, found in points.items():
                ordered = sorted(p for p in found if math.isfinite(p[0]) and p[1] >= 0)
                if ordered:
                    self._seeds[tp] = (array("d", (t for t, _ in ordered)), array("q", (h for _, h in ordered)))

    def seed_points(self, topic: str, partition: int) -> list[tuple[float, int]]:
        """The warm-start points of one partition older than every cycle, oldest first."""
        with self._lock:
            return self._seeds_before_cycles((topic, partition))

    def _seeds_before_cycles(self, tp: TopicPartition) -> list[tuple[float, int]]:
        seeds = self._seeds.get(tp)
        if seeds is None:
            return []
        return [(t, h) for t, h in zip(*seeds, strict=True) if t < self._first_cycle_s]

    def sample_count(self) -> int:
        """Samples held across all keys (to check the memory bound)."""
        with self._lock:
            return sum(sum(1 for v in b if v != _ABSENT) for b in self._committed.values())

    def approx_bytes(self) -> int:
        """Memory held by the buffers, by the module docstring's formula."""
        with self._lock:
            return self._rows() * (self._depth * SLOT_BYTES + ROW_OVERHEAD_BYTES)
