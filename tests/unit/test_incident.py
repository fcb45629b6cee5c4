"""Table tests for kafka_io.groups.incident: staleness text, stable row order,
and the Overview's consumer-group summary and banner (issue #17, items 5-7)."""

from __future__ import annotations

import pytest

from kafka_io.groups.health import GroupHealth
from kafka_io.groups.incident import (
    ago_text,
    banner_text,
    freshness,
    stable_order,
    summarize_groups,
)
from kafka_io.groups.lag_math import GroupTotals, TimeLag
from kafka_io.groups.models import GroupLag
from kafka_io.groups.status import Status


def clock(ts_s: float) -> str:
    """A fixed clock face: 14:16:00 at t=0 (no time zone involved)."""
    minutes, seconds = divmod(int(ts_s), 60)
    return f"14:{16 + minutes:02d}:{seconds:02d}"


AGO_CASES = [
    # 1. under a second
    pytest.param(0.4, "just now", id="01-just-now"),
    # 2. seconds, truncated: "12 s ago" until 13 s have passed
    pytest.param(12.9, "12 s ago", id="02-seconds"),
    # 3. minutes with zero-padded seconds
    pytest.param(185, "3 min 05 s ago", id="03-minutes"),
    # 4. hours
    pytest.param(2 * 3600 + 3 * 60 + 59, "2 h 03 min ago", id="04-hours"),
    # 5. a clock that stepped back never shows a negative age
    pytest.param(-3, "just now", id="05-negative"),
]


@pytest.mark.parametrize(("age_s", "text"), AGO_CASES)
def test_ago_text(age_s, text):
    assert ago_text(age_s) == text


# interval 5 s, timeout 5 s: a sample is overdue once the data is older than 10 s.
FRESHNESS_CASES = [
    # 1. a fresh sample is current
    pytest.param(19.0, 21.0, None, None, False, "as of 14:16:19, 2 s ago", "", id="01-current"),
    # 2. exactly at the bound: still current (a healthy slow sample may arrive then)
    pytest.param(19.0, 29.0, None, None, False, "as of 14:16:19, 10 s ago", "", id="02-at-bound"),
    # 3. past the bound with no error yet (a silent broker, sample still waiting): stale
    pytest.param(19.0, 31.0, None, None, True, "as of 14:16:19, 12 s ago", "no new sample for 12 s", id="03-overdue"),
    # 4. the latest sample failed: stale at once, even though the data is young
    pytest.param(
        19.0,
        21.0,
        "Cannot reach Kafka",
        20.5,
        True,
        "as of 14:16:19, 2 s ago",
        "the latest sample failed at 14:16:20: Cannot reach Kafka",
        id="04-failed",
    ),
    # 5. never sampled: stale, and the error says why
    pytest.param(None, 21.0, "connection refused", 20.0, True, "", "connection refused", id="05-never"),
    # 6. never sampled and no error yet
    pytest.param(None, 21.0, None, None, True, "", "no sample yet", id="06-nothing-yet"),
]


@pytest.mark.parametrize(("sampled_at_s", "now_s", "error", "error_at_s", "stale", "as_of", "why"), FRESHNESS_CASES)
def test_freshness(sampled_at_s, now_s, error, error_at_s, stale, as_of, why):
    f = freshness(sampled_at_s, now_s, interval_s=5, timeout_s=5, error=error, error_at_s=error_at_s, clock_text=clock)
    assert (f.stale, f.as_of) == (stale, as_of)
    assert f.why.startswith(why)


A_OK, B_OK, C_STOP = ("a", "OK"), ("b", "OK"), ("c", "STOP")
ORDER_CASES = [
    # 1. first render: the fresh sort
    pytest.param([C_STOP, A_OK, B_OK], None, ["c", "a", "b"], id="01-first"),
    # 2. lag moved so the fresh sort swapped a and b, statuses unchanged: keep the old order
    pytest.param([C_STOP, B_OK, A_OK], [C_STOP, A_OK, B_OK], ["c", "a", "b"], id="02-stable"),
    # 3. a status changed: re-sort
    pytest.param([("b", "WARN"), C_STOP, A_OK], [C_STOP, A_OK, B_OK], ["b", "c", "a"], id="03-status-changed"),
    # 4. a new group appeared: re-sort
    pytest.param([C_STOP, A_OK, B_OK, ("d", "OK")], [C_STOP, A_OK, B_OK], ["c", "a", "b", "d"], id="04-new-group"),
    # 5. a group went away: re-sort
    pytest.param([A_OK, B_OK], [C_STOP, A_OK, B_OK], ["a", "b"], id="05-group-gone"),
    # 6. nothing to show
    pytest.param([], [], [], id="06-empty"),
]


@pytest.mark.parametrize(("fresh", "previous", "expected"), ORDER_CASES)
def test_stable_order(fresh, previous, expected):
    assert stable_order(fresh, previous) == expected


def health(group_id: str, status: str, total_lag: int, lag_s: float | None) -> GroupHealth:
    group = GroupLag(group_id, "EMPTY", (), (), 1.0)
    totals = GroupTotals(total_lag, total_lag, 0, 1)
    return GroupHealth(group, Status(status), totals, None, None, None, TimeLag(lag_s, False), (), ())


def test_summary_counts_every_status_worst_first_and_lists_the_worst_groups():
    summary = summarize_groups(
        [
            health("demo-keeps-up", "OK", 3, 0.2),
            health("demo-stopped", "STOP", 3600, 120.0),
            health("slow", "WARN", 900, 30.0),
            health("slower", "WARN", 100, 45.0),
            health("new", "UNKNOWN", 0, None),
        ]
    )
    assert summary.total == 5
    assert summary.counts == ((Status.STOP, 1), (Status.WARN, 2), (Status.OK, 1), (Status.UNKNOWN, 1))
    # worst status first; within a status, most seconds behind first
    assert [(w.group_id, w.lag_s) for w in summary.worst] == [
        ("demo-stopped", 120.0),
        ("slower", 45.0),
        ("slow", 30.0),
    ]
    assert summary.headline == "1 group stopped · 2 groups falling behind"


def test_summary_keeps_at_most_the_limit():
    summary = summarize_groups([health(f"g{i}", "STALL", i, None) for i in range(8)], limit=3)
    assert [w.group_id for w in summary.worst] == ["g7", "g6", "g5"]  # unknown seconds: most messages first
    assert summary.headline == "8 groups stalled"


BANNER_CASES = [
    # 1. all well: no group line (the page shows its plain green banner)
    pytest.param(0, [health("a", "OK", 0, 0.0)], "", id="01-all-well"),
    # 2. the case: cluster fine, one group stopped; what is wrong comes first
    pytest.param(
        0,
        [health("a", "OK", 0, 0.0), health("s", "STOP", 3600, 60.0)],
        "1 group stopped · brokers and partitions are fine",
        id="02-group-first",
    ),
    # 3. cluster problems and groups in trouble: both
    pytest.param(2, [health("r", "REWIND", 5, None)], "2 cluster problem(s) · 1 group rewound", id="03-both"),
    # 4. cluster problems only
    pytest.param(1, [], "1 cluster problem(s)", id="04-cluster-only"),
    # 5. UNKNOWN is not trouble (no history yet), so it is not in the banner
    pytest.param(0, [health("n", "UNKNOWN", 0, None)], "", id="05-unknown"),
]


@pytest.mark.parametrize(("problems", "groups", "text"), BANNER_CASES)
def test_banner_text(problems, groups, text):
    assert banner_text(problems, summarize_groups(groups)) == text
