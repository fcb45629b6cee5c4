"""PURE: Health of a group from its latest sample and the sampled history:
status, produce/consume rates, catch-up ETA and lag in seconds, per
partition and per group. No I/O and no clock: `now_s` is passed in.

Group figures, and why:
- status: the worst partition (status.group_status); a group whose read
  failed, or with no partition, is UNKNOWN.
- rates: sums over the partitions whose rate is known.
- ETA: the *slowest* lagging partition's ETA, so partition skew is taken into
  account (one hot partition decides when the group has caught up); None
  ("not catching up") as soon as one lagging partition is not catching up.
- lag in seconds: the largest partition estimate; `extrapolated` when that
  largest one was extrapolated. Exact values replace estimates when given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from kafka_io.groups.history import LagHistory
from kafka_io.groups.lag_math import (
    GroupTotals,
    Sample,
    TimeLag,
    consume_rate_per_s,
    estimate_time_lag,
    eta_s,
    produce_rate_per_s,
)
from kafka_io.groups.models import GroupLag, MemberInfo, PartitionLag
from kafka_io.groups.status import Status, group_status, partition_status

__all__ = [
    "GroupHealth",
    "PartitionHealth",
    "assess_group",
    "with_exact_time_lags",
    "group_eta_s",
    "max_time_lag",
    "silent_members_note",
]


@dataclass(frozen=True, slots=True)
class PartitionHealth:
    topic: str
    partition: int
    committed: int | None
    high: int | None
    lag: int | None
    status: Status
    produce_rate_per_s: float | None
    consume_rate_per_s: float | None
    eta_s: float | None
    time_lag: TimeLag
    owner: MemberInfo | None
    error: str | None


@dataclass(frozen=True, slots=True)
class GroupHealth:
    group: GroupLag
    status: Status
    totals: GroupTotals
    produce_rate_per_s: float | None
    consume_rate_per_s: float | None
    eta_s: float | None
    time_lag: TimeLag
    sparkline: tuple[int, ...]  # total lag per sample over the sparkline window
    partitions: tuple[PartitionHealth, ...]

    @property
    def group_id(self) -> str:
        return self.group.group_id


def _sum_known(values) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def group_eta_s(partitions) -> float | None:
    """Max ETA over lagging partitions; 0.0 when none lags; None if one never catches up."""
    lagging = [p for p in partitions if p.lag]
    if any(p.eta_s is None for p in lagging):
        return None
    return max((p.eta_s for p in lagging), default=0.0)


def max_time_lag(time_lags) -> TimeLag:
    """The largest known time lag (flags kept), or unknown."""
    known = [t for t in time_lags if t.seconds is not None]
    return max(known, key=lambda t: t.seconds, default=TimeLag(None, False))


def _partition(
    p: PartitionLag, window: list[Sample], history: LagHistory, has_members: bool, now_s: float, stale_after_s: float
) -> PartitionHealth:
    status = Status.UNKNOWN if p.error else partition_status(window, has_members, now_s, stale_after_s=stale_after_s)
    produce, consume = produce_rate_per_s(window), consume_rate_per_s(window)
    if produce is None and p.high is not None:  # the first minute: the newest warm-start point, if any
        seeds = history.seed_points(p.topic, p.partition)
        if seeds:
            produce = produce_rate_per_s([Sample(*seeds[-1], None), Sample(now_s, p.high, None)])
    if p.lag:
        points = history.time_lag_points(p.topic, p.partition, p.committed)
        time_lag = estimate_time_lag(points, p.committed, now_s)
    else:
        time_lag = TimeLag(0.0 if p.lag == 0 else None, False)
    eta = eta_s(p.lag, consume, produce)
    return PartitionHealth(
        p.topic, p.partition, p.committed, p.high, p.lag, status, produce, consume, eta, time_lag, p.owner, p.error
    )


def assess_group(
    group: GroupLag,
    history: LagHistory,
    now_s: float,
    *,
    window_s: float,
    stale_after_s: float,
    sparkline_s: float,
) -> GroupHealth:
    """Health of one group: the window is the history since now_s - window_s."""
    windows = history.group_samples(group.group_id, since_s=now_s - window_s)
    has_members = bool(group.members)
    partitions = tuple(
        _partition(p, windows.get((p.topic, p.partition), []), history, has_members, now_s, stale_after_s)
        for p in group.partitions
    )
    sparkline = tuple(total for _, total in history.total_lag_series(group.group_id, since_s=now_s - sparkline_s))
    status = Status.UNKNOWN if group.error else group_status(p.status for p in partitions)
    return GroupHealth(
        group=group,
        status=status,
        totals=group.totals,
        produce_rate_per_s=_sum_known(p.produce_rate_per_s for p in partitions),
        consume_rate_per_s=_sum_known(p.consume_rate_per_s for p in partitions),
        eta_s=group_eta_s(partitions),
        time_lag=max_time_lag(p.time_lag for p in partitions),
        sparkline=sparkline,
        partitions=partitions,
    )


def with_exact_time_lags(health: GroupHealth, exact: Mapping[tuple[str, int], TimeLag]) -> GroupHealth:
    """Replace estimates by exact time lags where one was measured."""
    partitions = tuple(
        replace(p, time_lag=exact[(p.topic, p.partition)])
        if exact.get((p.topic, p.partition)) is not None and exact[(p.topic, p.partition)].seconds is not None
        else p
        for p in health.partitions
    )
    return replace(health, partitions=partitions, time_lag=max_time_lag(p.time_lag for p in partitions))


def silent_members_note(health: GroupHealth) -> str | None:
    """What a STALL may mean, since Kafka does not say when a member went silent.

    Neither DescribeGroups nor ConsumerGroupDescribe reports heartbeats, so a
    member killed without leaving (SIGKILL, a lost host) looks alive until the
    coordinator's session timeout removes it; its only trace is commits that
    stopped while lag grows, which is what STALL means.
    """
    if health.status is not Status.STALL:
        return None
    silent = sorted(
        {p.owner.client_id or p.owner.member_id for p in health.partitions if p.owner and p.status is Status.STALL}
    )
    who = f" ({', '.join(silent)})" if silent else ""
    timeout = (
        "the broker's group.consumer.session.timeout.ms, 45 s by default"
        if health.group.group_type == "CONSUMER"
        else "the member's session.timeout.ms, 45 s by default"
    )
    return (
        f"Members are listed, but the commits of their partitions have stopped while lag stays above 0{who}: "
        "a member may be silent. Kafka does not report heartbeats, so a consumer that died without leaving "
        f"(killed, host lost) stays listed until its session timeout ({timeout}); then the group becomes "
        "EMPTY and the status STOP."
    )
