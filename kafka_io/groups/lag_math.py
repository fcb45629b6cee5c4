"""PURE: Lag math: offset lag, rates, catch-up ETA and time lag.

No I/O and no clock: whatever needs "now" takes `now_s`, so a table test can
pin it. This module imports neither streamlit, confluent_kafka nor pandas.

Conventions
- Offsets are ints. librdkafka reports "no offset" as negative sentinels
  (OFFSET_INVALID = -1001, -1 for an unknown watermark); they become None here.
- Unknown is None, never 0: a group with no commit has *unknown* lag, and
  showing 0 would hide a consumer that never started.
- Times are float seconds (`ts_s`, `now_s`); Kafka record timestamps are ms.

The status rules (Burrow adapted to samples) live in `kafka_io.groups.status`,
which builds on this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kafka_io.errors import InvalidInput
from kafka_io.wire import known_offset

__all__ = [
    "Sample",
    "partition_lag",
    "GroupTotals",
    "group_totals",
    "produce_rate_per_s",
    "consume_rate_per_s",
    "eta_s",
    "TimeLag",
    "sanitize_points",
    "estimate_time_lag",
    "exact_time_lag",
]


@dataclass(frozen=True, slots=True)
class Sample:
    """One sampled point for one (group, topic, partition)."""

    ts_s: float
    high: int
    committed: int | None

    @property
    def lag(self) -> int | None:
        return partition_lag(self.high, self.committed)


def partition_lag(high: int, committed: int | None) -> int | None:
    """max(high - committed, 0), or None when either side is unknown.

    The clamp covers a commit read a moment after the watermark: the consumer
    cannot really be ahead of the log end.
    """
    # Inlined (no known_offset/max calls): status windows call this a lot.
    if high is None or committed is None or high < 0 or committed < 0:
        return None
    return high - committed if high > committed else 0


@dataclass(frozen=True, slots=True)
class GroupTotals:
    total_lag: int
    max_lag: int
    unknown_partitions: int
    partitions: int


def group_totals(lags: Iterable[int | None]) -> GroupTotals:
    """Sum and max over known lags; unknown ones are counted, not added as 0."""
    total = max_lag = unknown = partitions = 0
    for lag in lags:
        partitions += 1
        if lag is None:
            unknown += 1
            continue
        total += lag
        max_lag = max(max_lag, lag)
    return GroupTotals(total, max_lag, unknown, partitions)


def _rate_per_s(points: Iterable[tuple[float, int]]) -> float | None:
    """Δvalue/Δt between the oldest and newest point; None if undefined or < 0."""
    # One pass instead of min()/max() with a key: called per partition per read.
    oldest = newest = None
    usable = 0
    for point in points:
        if not math.isfinite(point[0]):
            continue
        usable += 1
        if oldest is None or point[0] < oldest[0]:
            oldest = point
        if newest is None or point[0] > newest[0]:
            newest = point
    if usable < 2:
        return None
    dt_s = newest[0] - oldest[0]
    delta = newest[1] - oldest[1]
    if dt_s <= 0 or delta < 0:
        return None
    return delta / dt_s


def produce_rate_per_s(samples: Sequence[Sample]) -> float | None:
    """Messages/s appended to the partition over the window.

    A high watermark that went down means the topic was deleted and recreated:
    the delta measures nothing, so the rate is None rather than negative.
    """
    return _rate_per_s((s.ts_s, s.high) for s in samples if s.high >= 0)


def consume_rate_per_s(samples: Sequence[Sample]) -> float | None:
    """Messages/s the group committed over the window (samples with a commit).

    A net rewind (committed offset lower at the end than at the start) yields
    None, not a negative rate: the delta is dominated by an offset reset, not
    by consumption, and a negative "rate" would read as a throughput figure
    and poison the ETA. The window only sees its two ends, so a rewind that
    was overtaken again still gives a (too low) positive rate.
    """
    points = [(s.ts_s, c) for s in samples if (c := known_offset(s.committed)) is not None]
    return _rate_per_s(points)


def eta_s(
    lag: int | None,
    consume_rate_per_s: float | None,
    produce_rate_per_s: float | None,
) -> float | None:
    """Seconds until lag reaches 0 at the current rates, or None ("not catching up").

    0.0 when already caught up, even with unknown rates; None when the lag or
    either rate is unknown, or the consumer is not gaining on the producer.
    """
    if lag is None:
        return None
    if lag < 0:
        raise InvalidInput(f"lag cannot be negative (got {lag})")
    if lag == 0:
        return 0.0
    if consume_rate_per_s is None or produce_rate_per_s is None:
        return None
    net_rate_per_s = consume_rate_per_s - produce_rate_per_s
    if not (net_rate_per_s > 0 and math.isfinite(net_rate_per_s)):
        return None
    return lag / net_rate_per_s


@dataclass(frozen=True, slots=True)
class TimeLag:
    """Lag in seconds. `exact` is True only when `seconds` was measured from a
    record timestamp; `extrapolated` flags an estimate outside the sampled
    window, which is only as good as the window's average produce rate."""

    seconds: float | None
    extrapolated: bool
    exact: bool = False


_UNKNOWN_TIME_LAG = TimeLag(None, False)


def sanitize_points(points: Iterable[tuple[float, int]]) -> list[tuple[float, int]]:
    """kafka-lag-exporter's lookup-table insert rules, applied in arrival order.

    Out-of-order times and offsets that go down are dropped (a watermark never
    goes down unless the topic was recreated). A plateau keeps only its first
    and latest points, so the estimate can pick the latest time the log end
    sat at an offset. Unknown watermarks (< 0) and non-finite times are dropped.
    """
    table: list[tuple[float, int]] = []
    for ts_s, offset in points:
        if offset < 0 or not math.isfinite(ts_s):
            continue
        if table:
            last_ts_s, last_offset = table[-1]
            if ts_s <= last_ts_s or offset < last_offset:
                continue
            if len(table) >= 2 and table[-2][1] == last_offset == offset:
                table[-1] = (float(ts_s), offset)
                continue
        table.append((float(ts_s), offset))
    return table


def _segment(table: list[tuple[float, int]], committed: int) -> tuple[tuple[float, int], tuple[float, int], bool]:
    """(A, B, extrapolated): the newest pair with A.offset <= c <= B.offset,
    else (oldest, newest) to extrapolate at the window's average rate."""
    for i in range(len(table) - 1, 0, -1):
        a, b = table[i - 1], table[i]
        if a[1] <= committed <= b[1]:
            return a, b, False
    return table[0], table[-1], True


def estimate_time_lag(points: Sequence[tuple[float, int]], committed: int | None, now_s: float) -> TimeLag:
    """Estimate how long ago the log end was at `committed` (kafka-lag-exporter).

    `points` are sampled (ts_s, high watermark) pairs, oldest first. Order of
    guards: no commit -> None; committed >= newest high -> 0.0; fewer than 2
    usable points -> None. The result is clamped at 0 (a `now_s` older than
    the newest point would otherwise give a negative lag).
    """
    c = known_offset(committed)
    if c is None:
        return _UNKNOWN_TIME_LAG
    table = sanitize_points(points)
    if table and c >= table[-1][1]:
        return TimeLag(0.0, False)
    if len(table) < 2:
        return _UNKNOWN_TIME_LAG
    a, b, extrapolated = _segment(table, c)
    if b[1] == a[1]:
        if extrapolated:
            # Nothing was produced in the whole window and c is below it: the
            # record at c predates the window and there is no rate to go on.
            return _UNKNOWN_TIME_LAG
        t_est_s = b[0]  # a plateau at c: the latest time the log end sat there
    else:
        t_est_s = b[0] - (b[1] - c) * (b[0] - a[0]) / (b[1] - a[1])
    return TimeLag(max(now_s - t_est_s, 0.0), extrapolated)


def exact_time_lag(record_ts_ms: int | None, now_s: float) -> TimeLag:
    """now - timestamp of the record at the committed offset, clamped at 0.

    None when there is no record (caught up, or the record was deleted) or the
    record has no timestamp (librdkafka reports -1).
    """
    if record_ts_ms is None or record_ts_ms < 0:
        return _UNKNOWN_TIME_LAG
    return TimeLag(max(now_s - record_ts_ms / 1000.0, 0.0), False, exact=True)
