"""PURE: Lag status rules: Burrow's evaluator adapted to sampled windows.

Burrow judges a window of *commits*; we judge a window of *samples*
(ts_s, high watermark, committed offset) taken by our own sampler, so we never
see individual commits. What that changes is written next to each rule in
`partition_status`. No I/O, no clock: `now_s` is passed in.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence

from kafka_io.errors import InvalidInput
from kafka_io.groups.lag_math import Sample, partition_lag

__all__ = ["Status", "partition_status", "group_status", "at_or_above"]


class Status(str, enum.Enum):
    """Partition or group status. Members are declared in severity order."""

    UNKNOWN = "UNKNOWN"
    OK = "OK"
    WARN = "WARN"
    REWIND = "REWIND"
    STALL = "STALL"
    STOP = "STOP"

    def __str__(self) -> str:
        # Python 3.11 formats a (str, Enum) as "Status.OK"; pages want "OK".
        return self.value

    @property
    def rank(self) -> int:
        """Severity: UNKNOWN 0 < OK 1 < WARN 2 < REWIND 3 < STALL 4 < STOP 5."""
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Status:
        """Case-insensitive name -> Status; InvalidInput for anything else."""
        if isinstance(text, Status):
            return text
        if isinstance(text, str):
            try:
                return cls(text.strip().upper())
            except ValueError:
                pass
        names = ", ".join(s.value for s in cls)
        raise InvalidInput(f"unknown status {text!r}; expected one of {names}")


_RANK = {status: rank for rank, status in enumerate(Status)}


def _usable_window(samples: Sequence[Sample], now_s: float) -> list[Sample]:
    # Samples stamped after now_s come from a clock that jumped; judging them
    # would let the future decide the present.
    in_window = [s for s in samples if math.isfinite(s.ts_s) and s.ts_s <= now_s]
    return sorted(in_window, key=lambda s: s.ts_s)


def _rewound(offsets: Sequence[int]) -> bool:
    """Some drop offsets[i] < offsets[i-1] that no later offset got back over.

    Burrow checks only the first drop; checking every drop also catches a
    second reset inside a window whose first reset was already overtaken.
    """
    suffix_max = offsets[-1]
    for i in range(len(offsets) - 1, 0, -1):
        suffix_max = max(suffix_max, offsets[i])
        if offsets[i] < offsets[i - 1] and suffix_max < offsets[i - 1]:
            return True
    return False


def partition_status(
    samples: Sequence[Sample],
    has_members: bool,
    now_s: float,
    *,
    stale_after_s: float | None = None,
) -> Status:
    """Status of one partition from its sampled window, oldest to newest.

    The window W is the samples with ts_s <= now_s, sorted by time, keeping
    those whose lag is known (a commit and a watermark). Rules, first match:

    1. UNKNOWN  the newest sample has no commit (or no watermark), or (with
                `stale_after_s`) the newest sample is older than that: there
                is nothing fresh to judge.
    2. OK       current lag is 0. Caught up wins over history, so an idle
                topic with lag 0 is OK and a reset that is caught up is OK;
                one sample is enough for this rule (the CLI's --gap 0).
    2b. UNKNOWN fewer than 2 samples are usable: no history to judge a lag by.
    3. REWIND   the committed offset went down and did not get back up to
                where it was before the drop (someone reset the group).
    4. OK       lag was 0 at some sample of the trend window T (the newest
                TREND_SAMPLES samples: 30 s at the default 5 s interval): the
                consumer kept up lately, and current lag is only records
                produced since its last commit.
    5. STOP     committed offset identical across W, lag > 0, no members:
                nobody is consuming.
    6. STALL    the same, but the group has members: they are stuck.
    7. WARN     falling behind, judged on the trend of T, not on every step:
                at least MIN_WARN_SAMPLES samples, records were produced, the
                group consumed less than WARN_RATIO of them, lag ended higher
                than it started, and the later half of T never came back down
                to the highest lag of its earlier half (risen beyond the saw
                teeth of batch commits). Lag that dips between commits (a
                consumer at 55 % of the produce rate) no longer resets the
                verdict, and a healthy consumer's saw teeth never raise it.
    7b. WARN    sticky: T without its newest sample was WARN by rule 7, and
                the group still consumes less than CLEAR_RATIO of what is
                produced while lag has not come down. Recovering means
                consuming (nearly) as fast as the producers, or lag falling.
    8. OK       anything else.

    Departures from Burrow, on purpose: WARN needs the lag to have grown.
    Burrow also warns on a constant lag, but a constant non-zero lag with a
    moving commit is a consumer keeping pace with in-flight batches; an SRE
    does not want to be paged for it. We cannot tell "committing the same
    offset" from "not committing", so STOP vs STALL comes from membership.
    """
    window = _usable_window(samples, now_s)
    if not window:
        return Status.UNKNOWN
    newest_lag = window[-1].lag
    if newest_lag is None:
        return Status.UNKNOWN
    if stale_after_s is not None and now_s - window[-1].ts_s > stale_after_s:
        return Status.UNKNOWN
    if newest_lag == 0:
        return Status.OK
    # (high, committed, lag) of the samples whose lag is known, computed once.
    usable = [(s.high, s.committed, lag) for s in window if (lag := partition_lag(s.high, s.committed)) is not None]
    if len(usable) < 2:
        return Status.UNKNOWN
    return _judge(usable, has_members)


MIN_WARN_SAMPLES = 3
TREND_SAMPLES = 7  # 6 intervals: 30 s at the default 5 s
WARN_RATIO = 0.8  # consumed / produced below this over the trend window: falling behind
CLEAR_RATIO = 0.95  # ...and back at or above this (or lag falling) to leave WARN


def _judge(usable: Sequence[tuple[int, int, int]], has_members: bool) -> Status:
    """Rules 3-8 of partition_status, on >= 2 (high, committed, lag) samples, the newest lag above 0."""
    offsets = [c for _, c, _ in usable]
    if _rewound(offsets):
        return Status.REWIND
    trend = usable[-TREND_SAMPLES:]
    if any(lag == 0 for *_, lag in trend):
        return Status.OK
    if min(offsets) == max(offsets):
        return Status.STALL if has_members else Status.STOP
    if _falling_behind(trend, WARN_RATIO, lag_rose=True) or (
        _falling_behind(usable[-TREND_SAMPLES - 1 : -1], WARN_RATIO, lag_rose=True)
        and _falling_behind(trend, CLEAR_RATIO, lag_rose=False)
    ):
        return Status.WARN
    return Status.OK


def _falling_behind(trend: Sequence[tuple[int, int, int]], ratio: float, lag_rose: bool) -> bool:
    """Records were produced, the group consumed less than ``ratio`` of them, and lag
    ended higher than it started (``lag_rose``) or at least where it started.
    Produced and consumed add up the forward steps only: a reset the group then
    re-read, or a recreated topic, is work done, not a negative rate."""
    if len(trend) < MIN_WARN_SAMPLES:
        return False
    produced = sum(max(b[0] - a[0], 0) for a, b in zip(trend, trend[1:]))
    consumed = sum(max(b[1] - a[1], 0) for a, b in zip(trend, trend[1:]))
    lags = [lag for *_, lag in trend]
    if lag_rose:
        # Risen beyond the wobble: the later half of the window never came back down
        # to where the earlier half had been (commit batches make lag saw-toothed).
        half = len(lags) // 2
        ended_up = lags[-1] > lags[0] and min(lags[-half:]) >= max(lags[:half])
    else:
        ended_up = lags[-1] >= lags[0]
    return produced > 0 and consumed < ratio * produced and ended_up


def group_status(statuses: Iterable[Status]) -> Status:
    """The worst partition status; UNKNOWN only when all are (or there are none)."""
    return max(
        (Status.parse(s) for s in statuses),
        key=lambda s: s.rank,
        default=Status.UNKNOWN,
    )


def at_or_above(status: Status, threshold: Status) -> bool:
    """True when `status` is at least as severe as `threshold` (for alerting)."""
    return Status.parse(status).rank >= Status.parse(threshold).rank
