"""PURE: lag_math.py's rates, ETA and time-lag estimate for many partitions at once (numpy).

lag_math.py is the reference (with its table tests); these compute the same
numbers on arrays, one row per partition, for health_bulk (issue #25: 200,000
scalar rate calls took 1.07 s and the time-lag estimates 1.4 s at 10,000
groups). Every arithmetic step is the reference's, in its order, on the same
float64 / int64 values, so results are equal, not just close. Unknown is NaN
(floats) here; health_bulk turns it into None. No I/O, no clock.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rate_per_s", "two_point_rate_per_s", "eta_s", "estimate_time_lag"]


def rate_per_s(times: np.ndarray, values: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """lag._rate_per_s per row: Δvalue/Δt between the first-found oldest and newest
    usable points (times (W,), values and usable (n, W)); NaN if undefined or < 0."""
    n, width = values.shape
    usable = usable & np.isfinite(times)
    if width == 0:
        return np.full(n, np.nan)
    rows = np.arange(n)
    # argmin/argmax return the first of equal times, as the reference's strict < and > keep it.
    oldest = np.argmin(np.where(usable, times, np.inf), axis=1)
    newest = np.argmax(np.where(usable, times, -np.inf), axis=1)
    values = np.where(usable, values, 0)  # absent sentinels would overflow the subtraction
    dt_s = times[newest] - times[oldest]
    delta = values[rows, newest] - values[rows, oldest]
    defined = (usable.sum(axis=1) >= 2) & (dt_s > 0) & (delta >= 0)
    return np.where(defined, delta / np.where(defined, dt_s, 1.0), np.nan)


def two_point_rate_per_s(ts_s: np.ndarray, highs: np.ndarray, now_s: float, now_highs: np.ndarray) -> np.ndarray:
    """rate_per_s of the two points (ts_s, highs) and (now_s, now_highs), either order; NaN for
    a point with an unknown (< 0) value or time (the warm-start produce rate of health._partition)."""
    times = np.stack([ts_s, np.full(len(ts_s), now_s)], axis=1)
    values = np.stack([highs, now_highs], axis=1)
    usable = (values >= 0) & np.isfinite(times)
    n = len(ts_s)
    if n == 0:
        return np.full(0, np.nan)
    rows = np.arange(n)
    oldest = np.argmin(np.where(usable, times, np.inf), axis=1)
    newest = np.argmax(np.where(usable, times, -np.inf), axis=1)
    dt_s = times[rows, newest] - times[rows, oldest]
    values = np.where(usable, values, 0)
    delta = values[rows, newest] - values[rows, oldest]
    defined = usable.all(axis=1) & (dt_s > 0) & (delta >= 0)
    return np.where(defined, delta / np.where(defined, dt_s, 1.0), np.nan)


def eta_s(lags: np.ndarray, consume: np.ndarray, produce: np.ndarray) -> np.ndarray:
    """lag_math.eta_s per row for known lags >= 0 (the caller handles unknown lags): NaN is None."""
    with np.errstate(invalid="ignore"):
        net = consume - produce  # NaN when either rate is unknown
        catching_up = (net > 0) & np.isfinite(net)
        eta = np.where(catching_up, lags / np.where(catching_up, net, 1.0), np.nan)
    return np.where(lags == 0, 0.0, eta)


def _sanitize(pt_t: np.ndarray, pt_h: np.ndarray, count: np.ndarray):
    """lag.sanitize_points on up to 3 points a row, one point at a time as the reference does."""
    n = len(count)
    rows = np.arange(n)
    tab_t, tab_h = np.zeros((n, 3)), np.zeros((n, 3), dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    for k in range(3):
        t, h = pt_t[:, k], pt_h[:, k]
        take = (k < count) & (h >= 0) & np.isfinite(t)
        last = np.maximum(size - 1, 0)
        last_t, last_h = tab_t[rows, last], tab_h[rows, last]
        take &= (size == 0) | ~((t <= last_t) | (h < last_h))
        before_h = tab_h[rows, np.maximum(size - 2, 0)]
        plateau = take & (size >= 2) & (before_h == last_h) & (last_h == h)
        slot = np.where(plateau, last, size)
        tab_t[rows[take], slot[take]] = t[take]
        tab_h[rows[take], slot[take]] = h[take]
        size = size + (take & ~plateau)
    return tab_t, tab_h, size


def estimate_time_lag(pt_t: np.ndarray, pt_h: np.ndarray, count: np.ndarray, committed: np.ndarray, now_s: float):
    """lag.estimate_time_lag per row on `count` (<= 3) points oldest first, committed >= 0:
    (seconds, NaN when unknown; extrapolated)."""
    tab_t, tab_h, size = _sanitize(pt_t, pt_h, count)
    n = len(count)
    rows = np.arange(n)
    c = committed
    newest = np.maximum(size - 1, 0)
    caught_up = (size > 0) & (c >= tab_h[rows, newest])
    # _segment: the newest pair (i-1, i) with a <= c <= b, i from size-1 down to 1, else the ends.
    in_last = (size == 3) & (tab_h[:, 1] <= c) & (c <= tab_h[:, 2])
    in_first = (size >= 2) & (tab_h[:, 0] <= c) & (c <= tab_h[:, 1])
    extrapolated = ~in_last & ~in_first
    a = np.where(in_last, 1, 0)
    b = np.where(in_last, 2, np.where(in_first, 1, newest))
    a_t, a_h, b_t, b_h = tab_t[rows, a], tab_h[rows, a], tab_t[rows, b], tab_h[rows, b]
    flat = b_h == a_h
    with np.errstate(invalid="ignore", divide="ignore"):
        t_est_s = np.where(flat, b_t, b_t - (b_h - c) * (b_t - a_t) / np.where(flat, 1, b_h - a_h))
    seconds = np.maximum(now_s - t_est_s, 0.0)
    unknown = ~caught_up & ((size < 2) | (flat & extrapolated))
    seconds = np.where(caught_up, 0.0, np.where(unknown, np.nan, seconds))
    return seconds, extrapolated & ~caught_up & ~unknown
