"""PURE: Bulk reads of a LagHistory, for the health of every group at once (issue #25).

The getters of LagHistory build Python objects per key and per sample: at
10,000 groups x 10 partitions, `group_samples` alone took 1.4 s of a 3 s
`health()`. These read the same rings into numpy matrices, one row per key,
with one lock per read (like each getter they stand for) and a copy of a
slot range per row instead of a Python loop over slots.

They read LagHistory's private storage on purpose (same package, layout in
history.py's docstring): a public per-key accessor is the cost being removed.
Each function says which getter it reproduces; health_bulk's equivalence
test holds them to it.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Sequence

import numpy as np

from kafka_io.groups.history import _ABSENT, _NO_COMMIT, Key, LagHistory, TopicPartition

_NO_SEEDS = (array("d"), array("q"))

__all__ = ["ABSENT", "NO_COMMIT", "window_columns", "total_lag_rows", "newest_seeds", "time_lag_point_columns"]

ABSENT = _ABSENT
NO_COMMIT = _NO_COMMIT
# The first look back for time_lag_points covers this many cycles; rows whose
# commit is older look 4x further each round, so the work follows how far
# back the commits are, as time_lag_points' own walk does, not the depth.
FIRST_LOOK_BACK = 16
# Rows at most this many times as long as the slots read are copied whole, then cut.
WHOLE_ROWS_UP_TO = 4


def _runs(slots: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous [start, stop) slot ranges of consecutive cycles (two when the ring wraps)."""
    runs: list[tuple[int, int]] = []
    for slot in slots:
        if runs and runs[-1][1] == slot:
            runs[-1] = (runs[-1][0], slot + 1)
        else:
            runs.append((slot, slot + 1))
    return runs


def _gather(buffers: Sequence[array | None], slots: Sequence[int], depth: int) -> np.ndarray:
    """int64 (len(buffers), len(slots)) of the buffers at those slots; a None row is ABSENT."""
    width = len(slots)
    if width == 0 or not buffers:
        return np.full((len(buffers), width), ABSENT, dtype=np.int64)
    if depth <= WHOLE_ROWS_UP_TO * width:
        # Copying whole short rows beats a slice object per row (the ring is short when
        # the memory budget shrank it for many keys): with the watermark rows read once per
        # partition, the window of 100,000 keys at depth 29 went from 121 to 60 ms.
        absent = array("q", [ABSENT]) * depth
        rows = b"".join([absent if b is None else b for b in buffers])
        return np.frombuffer(rows, dtype=np.int64).reshape(len(buffers), depth)[:, slots]
    absent = array("q", [ABSENT]) * width
    runs = _runs(slots)
    if len(runs) == 1:
        start, stop = runs[0]
        parts = [absent if b is None else b[start:stop] for b in buffers]
    else:
        parts = [absent if b is None else b"".join(b[start:stop] for start, stop in runs) for b in buffers]
    return np.frombuffer(b"".join(parts), dtype=np.int64).reshape(len(buffers), width)


def _unique(tps: Sequence[TopicPartition]) -> tuple[list[TopicPartition], np.ndarray]:
    """The distinct partitions, and each row's index among them: a watermark row is read
    once however many groups read that partition."""
    index: dict[TopicPartition, int] = {}
    rows = [index.setdefault(tp, len(index)) for tp in tps]
    return list(index), np.array(rows, dtype=np.intp)


def window_columns(
    history: LagHistory, keys: Sequence[Key], tps: Sequence[TopicPartition], since_s: float
) -> tuple[np.ndarray, ...]:
    """(times, committed, highs) of `group_samples(since_s)` for `keys` (their partitions
    in `tps`): times (W,) in cycle order, committed and highs (len(keys), W). A key not
    held, or whose watermark row is gone (`_samples` gives []), is ABSENT throughout."""
    unique, where = _unique(tps)
    with history._lock:
        timed = history._slots(since_s)
        slots = [slot for _, slot in timed]
        watermarks = [history._highs.get(tp) for tp in unique]
        committed = _gather([history._committed.get(key) for key in keys], slots, history._depth)
        highs = _gather(watermarks, slots, history._depth)[where]
    times = np.array([ts_s for ts_s, _ in timed], dtype=np.float64)
    held = np.array([w is not None for w in watermarks], dtype=bool)[where]
    if not held.all():
        committed = np.where(held[:, None], committed, ABSENT)
    return times, committed, highs


def total_lag_rows(history: LagHistory, groups: Sequence[str], since_s: float) -> list[tuple[int, ...]]:
    """The totals of `total_lag_series(group, since_s)` (the sparkline), for every group."""
    with history._lock:
        slots = [slot for _, slot in history._slots(since_s)]
        totals = _gather([history._totals.get(g) for g in groups], slots, history._depth)
    kept = totals != ABSENT
    values = totals[kept].tolist()  # one conversion, then one slice per group
    ends = np.cumsum(kept.sum(axis=1)).tolist()
    return [tuple(values[start:end]) for start, end in zip([0, *ends], ends)]


def _seeds(history: LagHistory, tp: TopicPartition) -> tuple[array, array] | None:
    """`_seeds_before_cycles` as (times, highs) arrays; None when there are none."""
    seeds = history._seeds.get(tp)
    if seeds is None:
        return None
    count = bisect_left(seeds[0], history._first_cycle_s)  # sorted by time: a prefix
    return (seeds[0][:count], seeds[1][:count]) if count else None


def newest_seeds(history: LagHistory, tps: Sequence[TopicPartition]) -> tuple[np.ndarray, np.ndarray]:
    """(ts_s, high) of the newest warm-start point of each partition (`seed_points(...)[-1]`), NaN/-1 for none."""
    ts_s, highs = np.full(len(tps), np.nan), np.full(len(tps), -1, dtype=np.int64)
    with history._lock:
        if history._seeds:
            for i, tp in enumerate(tps):
                seeds = _seeds(history, tp)
                if seeds is not None:
                    ts_s[i], highs[i] = seeds[0][-1], seeds[1][-1]
    return ts_s, highs


def time_lag_point_columns(
    history: LagHistory, tps: Sequence[TopicPartition], committed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`time_lag_points(topic, partition, committed)` for many partitions (committed >= 0):
    (ts_s (n, 3), highs (n, 3), count (n,)), the points oldest first in the first `count` columns."""
    n = len(tps)
    out_t, out_h, out_n = np.zeros((n, 3)), np.zeros((n, 3), dtype=np.int64), np.zeros(n, dtype=np.int64)
    unique, where = _unique(tps)
    with history._lock:
        buffers = [history._highs.get(tp) for tp in unique]
        pending = np.array([b is not None for b in buffers], dtype=bool)[where]  # no watermark row: []
        held = min(history._calls, history._depth)
        calls = range(history._calls - held + 1, history._calls + 1)
        look_back = min(FIRST_LOOK_BACK, held)
        while pending.any():
            rows = np.flatnonzero(pending)
            slots = [(call - 1) % history._depth for call in calls[held - look_back :]]
            needed, inverse = np.unique(where[rows], return_inverse=True)
            highs = _gather([buffers[u] for u in needed.tolist()], slots, history._depth)[inverse]
            times = np.broadcast_to(np.array([history._times[s] for s in slots]), highs.shape)
            whole_ring = look_back == held
            found = _walk(times, highs, committed[rows], out_t, out_h, out_n, rows, final=whole_ring)
            pending[rows[found]] = False
            if whole_ring:
                break
            look_back = min(held, look_back * 4)
        if pending.any() and history._seeds:  # no break in the whole ring: walk on into the warm-start points
            left = ~found
            rows, needed, inverse = rows[left], needed, inverse[left]
            seed_t, seed_h = _seed_matrix(history, [unique[u] for u in needed.tolist()])
            times = np.hstack([seed_t[inverse], times[left]])
            highs = np.hstack([seed_h[inverse], highs[left]])
            _walk(times, highs, committed[rows], out_t, out_h, out_n, rows, final=True)
    return out_t, out_h, out_n


def _seed_matrix(history: LagHistory, tps: Sequence[TopicPartition]) -> tuple[np.ndarray, np.ndarray]:
    """Each partition's warm-start points, right-aligned (ABSENT before them): (times, highs)."""
    seeds = [_seeds(history, tp) or _NO_SEEDS for tp in tps]
    width = max(len(times) for times, _ in seeds) if seeds else 0
    # Padded rows joined as bytes: one copy, no numpy assignment per partition.
    pad_t, pad_h = array("d", [math.nan]) * width, array("q", [ABSENT]) * width
    times = b"".join([pad_t[len(t) :] + t for t, _ in seeds])
    highs = b"".join([pad_h[len(h) :] + h for _, h in seeds])
    shape = (len(tps), width)
    return np.frombuffer(times, dtype=np.float64).reshape(shape), np.frombuffer(highs, dtype=np.int64).reshape(shape)


def _walk(times, highs, committed, out_t, out_h, out_n, rows, *, final: bool) -> np.ndarray:
    """time_lag_points' walk back from the newest point to the newest one at or below
    the commit (its break), on (n, L) points oldest first. Writes the rows it settles
    into out_*; returns which rows had a break (the others need a longer look back,
    unless `final`: then they get [oldest, newest], or their only point)."""
    width = highs.shape[1]
    if width == 0:  # no cycle and no warm-start point: []
        out_n[rows] = 0
        return np.zeros(len(rows), dtype=bool)
    cols = np.arange(width)
    valid = highs != ABSENT
    at_or_below = valid & (highs <= committed[:, None])
    found = at_or_below.any(axis=1)
    last = width - 1
    brk = last - np.argmax(at_or_below[:, ::-1], axis=1)
    newest = last - np.argmax(valid[:, ::-1], axis=1)
    oldest = np.argmax(valid, axis=1)
    after = valid & (cols > brk[:, None])
    has_after, first_after = after.any(axis=1), np.argmax(after, axis=1)
    # Found: [break], [break, newest] or [break, the point after it, newest]
    # (the walk keeps only the newest and its last two points). Not found: the ends.
    count = np.where(found, 1 + has_after + (has_after & (first_after != newest)), np.minimum(valid.sum(axis=1), 2))
    first = np.where(found, brk, oldest)
    middle = np.where(found & (count == 3), first_after, newest)
    picks = np.stack([first, middle, newest], axis=1)
    settle = found | final
    target = rows[settle]
    out_t[target] = np.take_along_axis(times[settle], picks[settle], axis=1)
    out_h[target] = np.take_along_axis(highs[settle], picks[settle], axis=1)
    out_n[target] = count[settle]
    return found
