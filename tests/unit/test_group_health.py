"""Tests for kafka_io.groups.health: group figures from partitions and history."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kafka_io.groups.health import (
    assess_group,
    group_eta_s,
    max_time_lag,
    silent_members_note,
    with_exact_time_lags,
)
from kafka_io.groups.history import LagHistory
from kafka_io.groups.lag_math import TimeLag
from kafka_io.groups.models import GroupLag, MemberInfo, PartitionLag
from kafka_io.groups.status import Status


def p(lag, eta):
    return SimpleNamespace(lag=lag, eta_s=eta)


GROUP_ETA_CASES = [
    # 1. nothing lags: caught up now
    pytest.param([p(0, 0.0), p(0, None)], 0.0, id="01-all-caught-up"),
    # 2. the slowest lagging partition decides (skew)
    pytest.param([p(10, 5.0), p(100, 50.0), p(0, None)], 50.0, id="02-slowest-wins"),
    # 3. one lagging partition not catching up: the group is not either
    pytest.param([p(10, 5.0), p(100, None)], None, id="03-one-not-catching-up"),
    # 4. unknown lag does not count as lagging
    pytest.param([p(None, None), p(10, 2.0)], 2.0, id="04-unknown-lag-ignored"),
    # 5. no partitions
    pytest.param([], 0.0, id="05-empty"),
]


@pytest.mark.parametrize(("partitions", "expected"), GROUP_ETA_CASES)
def test_group_eta_s(partitions, expected):
    assert group_eta_s(partitions) == expected


MAX_TIME_LAG_CASES = [
    # 1. nothing known
    pytest.param([TimeLag(None, False)], TimeLag(None, False), id="01-unknown"),
    # 2. the largest wins, with its flags
    pytest.param([TimeLag(3.0, False), TimeLag(9.0, True), TimeLag(None, False)], TimeLag(9.0, True), id="02-max"),
    # 3. exact flag kept
    pytest.param([TimeLag(1.0, False, True)], TimeLag(1.0, False, True), id="03-exact"),
    # 4. empty
    pytest.param([], TimeLag(None, False), id="04-empty"),
]


@pytest.mark.parametrize(("lags", "expected"), MAX_TIME_LAG_CASES)
def test_max_time_lag(lags, expected):
    assert max_time_lag(lags) == expected


MEMBER = MemberInfo("m-1", "billing-1", "/10.0.0.7", None, (("orders", 0),))


def group(partitions, members=(), error=None):
    return GroupLag(
        "billing", "STABLE" if members else "EMPTY", tuple(members), tuple(partitions), 40.0, "range", error
    )


def test_assess_group_builds_status_rates_eta_and_seconds():
    history = LagHistory()
    # orders[0]: produced 10/s, consumed 5/s -> lag grows every sample (WARN)
    # orders[1]: caught up at every sample (OK)
    for i, ts_s in enumerate((10.0, 20.0, 30.0, 40.0)):
        history.record(ts_s, [("billing", "orders", 0, 100 + 100 * i, 50 + 50 * i), ("billing", "orders", 1, 7, 7)])
    latest = group([PartitionLag("orders", 0, 200, 400, 200, MEMBER), PartitionLag("orders", 1, 7, 7, 0)], [MEMBER])
    health = assess_group(latest, history, 40.0, window_s=60.0, stale_after_s=15.0, sparkline_s=25.0)
    first, second = health.partitions
    assert (first.status, second.status, health.status) == (Status.WARN, Status.OK, Status.WARN)
    assert (first.produce_rate_per_s, first.consume_rate_per_s) == (10.0, 5.0)
    assert (health.produce_rate_per_s, health.consume_rate_per_s) == (10.0, 5.0)
    assert first.eta_s is None and health.eta_s is None  # falling behind: never catches up
    # committed 200 was the log end at t=20 -> 20 s behind at now=40
    assert first.time_lag == TimeLag(20.0, False)
    assert second.time_lag == TimeLag(0.0, False)
    assert health.time_lag == TimeLag(20.0, False)
    assert health.sparkline == (100, 150, 200)  # total lag at t=20, 30, 40 (the last 25 s)
    assert first.owner == MEMBER


def test_assess_group_stale_history_is_unknown():
    history = LagHistory()
    history.record(10.0, [("billing", "orders", 0, 100, 50)])
    history.record(20.0, [("billing", "orders", 0, 100, 50)])
    latest = group([PartitionLag("orders", 0, 50, 100, 50)])
    assert assess_group(latest, history, 25.0, window_s=60, stale_after_s=15, sparkline_s=60).status is Status.STOP
    assert assess_group(latest, history, 99.0, window_s=60, stale_after_s=15, sparkline_s=60).status is Status.UNKNOWN


def test_assess_group_error_and_empty_are_unknown():
    history = LagHistory()
    failed = group([], error="group billing: Broker: Not coordinator")
    assert assess_group(failed, history, 1.0, window_s=60, stale_after_s=15, sparkline_s=60).status is Status.UNKNOWN
    assert assess_group(group([]), history, 1.0, window_s=60, stale_after_s=15, sparkline_s=60).status is Status.UNKNOWN


def test_partition_error_is_an_unknown_cell_not_a_failure():
    history = LagHistory()
    history.record(10.0, [("billing", "gone", 0, 5, 1)])
    history.record(20.0, [("billing", "gone", 0, 5, 1)])
    latest = group([PartitionLag("gone", 0, 1, None, None, error="gone[0]: Broker: Unknown topic or partition")])
    health = assess_group(latest, history, 20.0, window_s=60, stale_after_s=15, sparkline_s=60)
    assert health.partitions[0].status is Status.UNKNOWN
    assert health.partitions[0].error == "gone[0]: Broker: Unknown topic or partition"
    assert health.totals.unknown_partitions == 1


def test_exact_time_lags_replace_estimates_and_the_group_max():
    history = LagHistory()
    latest = group([PartitionLag("orders", 0, 1, 10, 9), PartitionLag("orders", 1, 3, 10, 7)])
    health = assess_group(latest, history, 5.0, window_s=60, stale_after_s=15, sparkline_s=60)
    exact = {("orders", 0): TimeLag(12.5, False, True), ("orders", 1): TimeLag(None, False)}
    updated = with_exact_time_lags(health, exact)
    assert updated.partitions[0].time_lag == TimeLag(12.5, False, True)
    assert updated.partitions[1].time_lag == health.partitions[1].time_lag  # unknown exact keeps the estimate
    assert updated.time_lag == TimeLag(12.5, False, True)


def _health(status, group_type, owners):
    """A GroupHealth-shaped value: the group's status and its partitions' (owner, status)."""
    parts = tuple(
        SimpleNamespace(owner=MemberInfo("m-1", owner, "h", None, ()) if owner else None, status=st)
        for owner, st in owners
    )
    return SimpleNamespace(status=status, group=SimpleNamespace(group_type=group_type), partitions=parts)


SILENT_CASES = [
    # 1. healthy: nothing to say
    pytest.param(_health(Status.OK, "CLASSIC", [("w", Status.OK)]), None, id="01-ok"),
    # 2. STOP: the member is gone already, the state says so
    pytest.param(_health(Status.STOP, "CLASSIC", [(None, Status.STOP)]), None, id="02-stop"),
    # 3. STALL on a classic group: the client's session.timeout.ms decides, the stalled owner is named
    pytest.param(
        _health(Status.STALL, "CLASSIC", [("billing-1", Status.STALL), ("billing-2", Status.OK)]),
        ("(billing-1)", "the member's session.timeout.ms"),
        id="03-classic-stall",
    ),
    # 4. STALL on a KIP-848 group: the broker's session timeout decides
    pytest.param(
        _health(Status.STALL, "CONSUMER", [("w", Status.STALL)]),
        ("(w)", "group.consumer.session.timeout.ms"),
        id="04-consumer-stall",
    ),
]


@pytest.mark.parametrize(("health", "expected"), SILENT_CASES)
def test_silent_members_note(health, expected):
    note = silent_members_note(health)
    if expected is None:
        assert note is None
    else:
        assert "may be silent" in note and all(words in note for words in expected)
