"""PURE: What the on-call engineer reads first, as plain values: is a status
current or stale, in what order the groups list stays put, and one line about
the groups for the Overview. No I/O and no clock: times are passed in.

Stale (issue #17): a status is only as good as the sample behind it. Once the
latest sample failed, or no sample arrived for one interval plus the admin
timeout (the longest a healthy sample can take to follow the previous one),
every status is shown "as of HH:MM:SS, N s ago" and greyed, never as current.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kafka_io.groups.health import GroupHealth
from kafka_io.groups.status import Status

__all__ = [
    "Freshness",
    "GroupsSummary",
    "WorstGroup",
    "ago_text",
    "banner_text",
    "freshness",
    "stable_order",
    "summarize_groups",
]

# Worst first; the words a person says in an incident channel.
STATUS_WORDS = {
    Status.STOP: "stopped",
    Status.STALL: "stalled",
    Status.REWIND: "rewound",
    Status.WARN: "falling behind",
}
WORST_LIMIT = 5


def local_clock_text(ts_s: float) -> str:
    """24-hour local wall-clock time of an epoch timestamp (formats, reads no clock)."""
    return time.strftime("%H:%M:%S", time.localtime(ts_s))


def ago_text(age_s: float) -> str:
    """'12 s ago', '3 min 05 s ago', '2 h 03 min ago'; 'just now' under a second."""
    seconds = max(int(age_s), 0)
    if seconds < 1:
        return "just now"
    if seconds < 60:
        return f"{seconds} s ago"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s ago"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min ago"


@dataclass(frozen=True, slots=True)
class Freshness:
    stale: bool
    age_s: float | None  # None before the first good sample
    as_of: str  # "as of 14:16:19, 12 s ago"; "" before the first good sample
    why: str  # why it is stale, in plain words; "" when current


def freshness(
    sampled_at_s: float | None,
    now_s: float,
    *,
    interval_s: float,
    timeout_s: float,
    error: str | None = None,
    error_at_s: float | None = None,
    clock_text: Callable[[float], str] = local_clock_text,
) -> Freshness:
    """Current or stale, and since when. Stale when the latest attempt failed,
    or when the data is older than interval_s + timeout_s (a sample is overdue:
    the sampler may be stuck on a silent broker that has not timed out yet)."""
    if sampled_at_s is None:
        return Freshness(True, None, "", error or "no sample yet")
    age_s = max(now_s - sampled_at_s, 0.0)
    as_of = f"as of {clock_text(sampled_at_s)}, {ago_text(age_s)}"
    if error:
        at = f" at {clock_text(error_at_s)}" if error_at_s is not None else ""
        return Freshness(True, age_s, as_of, f"the latest sample failed{at}: {error}")
    overdue_after_s = interval_s + timeout_s
    if age_s > overdue_after_s:
        return Freshness(True, age_s, as_of, f"no new sample for {age_s:.0f} s (one is taken every {interval_s:g} s)")
    return Freshness(False, age_s, as_of, "")


def stable_order(fresh: Sequence[tuple[str, str]], previous: Sequence[tuple[str, str]] | None) -> list[str]:
    """Group ids in the order to show. `fresh` is (id, status) in freshly
    sorted order; `previous` the (id, status) rows shown last time, in their
    order. The rows keep their previous order while the same groups have the
    same statuses, so lag moving does not shuffle rows under the reader's eyes;
    a status change, or a group that comes or goes, re-sorts."""
    if previous is not None and dict(previous) == dict(fresh) and len(previous) == len(fresh):
        return [group_id for group_id, _ in previous]
    return [group_id for group_id, _ in fresh]


@dataclass(frozen=True, slots=True)
class WorstGroup:
    group_id: str
    status: Status
    total_lag: int
    lag_s: float | None  # estimated lag in seconds; None when unknown


@dataclass(frozen=True, slots=True)
class GroupsSummary:
    total: int
    counts: tuple[tuple[Status, int], ...]  # worst status first, only statuses present
    worst: tuple[WorstGroup, ...]  # groups in trouble, worst first, at most WORST_LIMIT
    headline: str  # "1 group stopped · 2 groups falling behind"; "" when none is in trouble


def _plural(n: int) -> str:
    return f"{n} group" if n == 1 else f"{n} groups"


def summarize_groups(health: Iterable[GroupHealth], limit: int = WORST_LIMIT) -> GroupsSummary:
    """Counts by status and the worst groups (status, then lag in seconds, then messages)."""
    rows = list(health)
    counts: dict[Status, int] = {}
    for h in rows:
        counts[h.status] = counts.get(h.status, 0) + 1
    ordered = tuple(sorted(counts.items(), key=lambda item: -item[0].rank))
    troubled = [h for h in rows if h.status in STATUS_WORDS]
    troubled.sort(
        key=lambda h: (-h.status.rank, -(h.time_lag.seconds or 0.0), -h.totals.total_lag, h.group_id),
    )
    worst = tuple(WorstGroup(h.group_id, h.status, h.totals.total_lag, h.time_lag.seconds) for h in troubled[:limit])
    headline = " · ".join(f"{_plural(counts[s])} {word}" for s, word in STATUS_WORDS.items() if counts.get(s))
    return GroupsSummary(len(rows), ordered, worst, headline)


CLUSTER_FINE = "brokers and partitions are fine"


def banner_text(cluster_problems: int, summary: GroupsSummary) -> str:
    """The Overview's headline, what is wrong first: '1 group stopped · brokers and partitions are
    fine' ('cluster healthy · 1 group stopped' read as healthy and not at once); '' when all is well."""
    if cluster_problems == 0:
        return f"{summary.headline} · {CLUSTER_FINE}" if summary.headline else ""
    cluster = f"{cluster_problems} cluster problem(s)"
    return f"{cluster} · {summary.headline}" if summary.headline else cluster
