"""PURE: status.partition_status for many partitions at once, as numpy array operations.

status.py is the reference, with the rules written out and their table tests;
this module computes the same rules on matrices (one row per partition, one
column per sampled cycle) for health_bulk, because 100,000 calls of the scalar
rules took 2.7 s (issue #25). Each step names the rule it reproduces; the
equivalence test in tests/unit/test_health_bulk.py compares them on random
histories. No I/O, no clock.

Exactness: offsets and sums stay int64 and compare exactly. The one mixed
comparison, `consumed < ratio * produced`, converts `consumed` to a float
where Python compares exactly; rows with an offset at or above EXACT_BELOW are
left to the scalar rules (`needs_scalar`), so sums of a window's steps stay
below 2**53 and both conversions are exact.
"""

from __future__ import annotations

import numpy as np

from kafka_io.groups.status import CLEAR_RATIO, MIN_WARN_SAMPLES, TREND_SAMPLES, WARN_RATIO, Status

__all__ = ["EXACT_BELOW", "RANKS", "needs_scalar", "partition_ranks"]

# Up to window-length steps below 2**49 each add up to less than 2**53 (4.5e15: a
# partition at a million records a second reaches 2**49 after 17 years).
EXACT_BELOW = 2**49
RANKS = tuple(Status)  # rank -> Status, in severity order
UNKNOWN, OK, WARN, REWIND, STALL, STOP = (s.rank for s in RANKS)
_HUGE = np.iinfo(np.int64).max


def needs_scalar(committed: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """Rows with an offset too large for exact float comparisons (see the module docstring)."""
    return ((committed >= EXACT_BELOW) | (highs >= EXACT_BELOW)).any(axis=1)


def partition_ranks(
    times: np.ndarray,
    committed: np.ndarray,
    highs: np.ndarray,
    has_members: np.ndarray,
    now_s: float,
    stale_after_s: float | None,
    absent: int,
) -> np.ndarray:
    """Status.rank of partition_status per row: times (W,), committed and highs (n, W)
    in cycle order, `absent` where a row has no sample (committed < 0 otherwise: no commit)."""
    # _usable_window: drop cycles after now_s (a clock that jumped), sort by time (stable).
    keep = np.flatnonzero(np.isfinite(times) & (times <= now_s))
    order = keep[np.argsort(times[keep], kind="stable")]
    if len(order) < len(times) or (np.diff(order) < 0).any():  # the common case, in order, copies nothing
        times, committed, highs = times[order], committed[:, order], highs[:, order]
    n, width = committed.shape
    rank = np.full(n, UNKNOWN, dtype=np.int8)
    if width == 0:
        return rank
    present = committed != absent
    known = present & (committed >= 0) & (highs >= 0)  # partition_lag is not None
    highs, committed = np.where(known, highs, 0), np.where(known, committed, 0)
    lags = np.maximum(highs - committed, 0)
    rows = np.arange(n)
    newest = width - 1 - np.argmax(present[:, ::-1], axis=1)
    # Rule 1: nothing fresh to judge (no sample, no lag, or stale).
    judged = present.any(axis=1) & known[rows, newest]
    if stale_after_s is not None:
        judged &= ~(now_s - times[newest] > stale_after_s)
    # Rule 2: caught up now.
    caught_up = judged & (lags[rows, newest] == 0)
    rank[caught_up] = OK
    # Rule 2b: fewer than 2 usable samples stay UNKNOWN.
    count = known.sum(axis=1)
    judged &= ~caught_up & (count >= 2)
    if judged.any():
        rank[judged] = _judge(
            *_right_aligned(known[judged], highs[judged], committed[judged], lags[judged]),
            count[judged],
            has_members[judged],
        )
    return rank


def _right_aligned(known: np.ndarray, *matrices: np.ndarray) -> list[np.ndarray]:
    """The usable samples of each row moved to its right end, in order (rows with a gap only)."""
    gaps = np.flatnonzero(~known.all(axis=1))
    if len(gaps) == 0:
        return list(matrices)
    usable = np.argsort(known[gaps], axis=1, kind="stable")  # False sorts first: usable to the right
    out = [m.copy() for m in matrices]
    for moved, m in zip(out, matrices, strict=True):
        moved[gaps] = np.take_along_axis(m[gaps], usable, axis=1)
    return out


def _judge(highs, committed, lags, count, has_members) -> np.ndarray:
    """Rules 3-8 (status._judge) on right-aligned usable samples: the last `count` columns."""
    width = committed.shape[1]
    cols = np.arange(width)
    valid = cols >= (width - count)[:, None]
    # Rule 3: a drop that no later offset got back over (the suffix max stays below it).
    suffix_max = np.maximum.accumulate(committed[:, ::-1], axis=1)[:, ::-1]
    rewound = (valid[:, :-1] & (suffix_max[:, 1:] < committed[:, :-1])).any(axis=1)
    # Rule 4: lag was 0 somewhere in the trend window.
    trend = np.minimum(count, TREND_SAMPLES)
    recent_zero = ((cols >= (width - trend)[:, None]) & (lags == 0)).any(axis=1)
    # Rules 5-6: the committed offset never moved.
    still = np.where(valid, committed, _HUGE).min(axis=1) == np.where(valid, committed, -1).max(axis=1)
    # Rules 7 and 7b look at most TREND_SAMPLES + 1 columns back: only those are cut out.
    tail = min(width, TREND_SAMPLES + 1)
    highs, committed, lags = highs[:, -tail:], committed[:, -tail:], lags[:, -tail:]
    steps = (np.maximum(np.diff(highs, axis=1), 0), np.maximum(np.diff(committed, axis=1), 0))
    behind = _falling_behind(steps, lags, tail, trend, WARN_RATIO, lag_rose=True)
    was_behind = _falling_behind(steps, lags, tail - 1, np.minimum(count - 1, TREND_SAMPLES), WARN_RATIO, True)
    not_cleared = _falling_behind(steps, lags, tail, trend, CLEAR_RATIO, lag_rose=False)
    warn = behind | (was_behind & not_cleared)
    return np.select(
        [rewound, recent_zero, still & has_members, still, warn],
        [REWIND, OK, STALL, STOP, WARN],
        default=OK,
    ).astype(np.int8)


def _falling_behind(steps, lags, end: int, size: np.ndarray, ratio: float, lag_rose: bool) -> np.ndarray:
    """status._falling_behind on each row's `size` samples ending before column `end`."""
    produced_steps, consumed_steps = steps
    n, width = lags.shape
    cols = np.arange(width)
    start = (end - size)[:, None]
    inside = (cols >= start) & (cols < end)
    step_inside = inside[:, 1:] & inside[:, :-1]
    produced = np.where(step_inside, produced_steps, 0).sum(axis=1)
    consumed = np.where(step_inside, consumed_steps, 0).sum(axis=1)
    rows = np.arange(n)
    first = lags[rows, np.clip(end - size, 0, width - 1)]
    last = lags[:, end - 1] if end > 0 else np.zeros(n, dtype=lags.dtype)
    if lag_rose:
        half = (size // 2)[:, None]
        early = np.where((cols >= start) & (cols < start + half), lags, -1).max(axis=1)
        late = np.where((cols >= end - half) & (cols < end), lags, _HUGE).min(axis=1)
        ended_up = (last > first) & (late >= early)
    else:
        ended_up = last >= first
    return (size >= MIN_WARN_SAMPLES) & (produced > 0) & (consumed < ratio * produced) & ended_up
