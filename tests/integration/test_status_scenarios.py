"""Statuses that do not flicker, on the real broker: a scenario table with known
ground truth. The test is each group's consumer: every tick it produces, commits
what its consumer would have consumed, and takes one sample; statuses depend on
samples, not wall time, so 6 ticks are the 30 s of the default 5 s interval.

Counted per scenario: the statuses after the first known one, and their changes.
"""

from __future__ import annotations

import pytest
from support.kafka import commit_offsets, create_topic, produce

from kafka_io.groups.sampler import LagSampler
from kafka_io.groups.status import Status

OK, WARN = Status.OK, Status.WARN
WITHIN = 6  # samples: 30 s at the default interval

# name: (starting backlog, [(ticks, produced per tick, consumed per tick), ...])
SCENARIOS = {
    # 1. at 50 % of the produce rate, in commit batches of uneven size, then 2x as fast
    "slow-then-fast": (0, [(12, 20, 10), (12, 20, 40)]),
    # 2. keeping up, committing 10 and 30 in turns around a backlog of 100
    "healthy-wobble": (100, [(24, 20, None)]),
    # 3. a big backlog, consumed at twice the produce rate: catching up is never WARN
    "catching-up": (500, [(24, 20, 40)]),
}


def phase_at(phases, tick: int) -> tuple[int, int, int | None]:
    """(phase index, produced, consumed) at ``tick``."""
    start = 0
    for index, (count, produced, consumed) in enumerate(phases):
        if tick < start + count:
            return index, produced, consumed
        start += count
    raise AssertionError(f"tick {tick} is past the scenario")


def changes(statuses: list[Status]) -> int:
    return sum(a is not b for a, b in zip(statuses, statuses[1:]))


@pytest.fixture
def scenario_groups(kafka_bootstrap, unique):
    groups = {}
    for name, (backlog, _) in SCENARIOS.items():
        topic, group = unique(f"scn-{name}"), unique(f"scn-{name}-group")
        create_topic(kafka_bootstrap, topic, 1)
        produce(kafka_bootstrap, topic, {0: backlog + 1})
        commit_offsets(kafka_bootstrap, group, topic, {0: 1})
        groups[name] = (topic, group)
    return groups


def test_statuses_follow_the_trend_and_do_not_flap(settings, kafka_bootstrap, scenario_groups):
    sampler = LagSampler(settings, interval_s=3600)  # not started: one sample per tick, on these groups only
    committed = {name: 1 for name in SCENARIOS}
    seen: dict[str, list[Status]] = {name: [] for name in SCENARIOS}
    phase_start: dict[str, int] = {}
    ticks = max(sum(t for t, _, _ in phases) for _, phases in SCENARIOS.values())
    for tick in range(ticks):
        for name, (_, phases) in SCENARIOS.items():
            topic, group = scenario_groups[name]
            index, produced, consumed = phase_at(phases, tick)
            if index == 1 and name not in phase_start:
                phase_start[name] = tick
            produce(kafka_bootstrap, topic, {0: produced})
            committed[name] += consumed if consumed is not None else (10 if tick % 2 else 30)
            commit_offsets(kafka_bootstrap, group, topic, {0: committed[name]})
        sampler.refresh_groups([group for _, group in scenario_groups.values()])
        health = sampler.health()
        for name, (_, group) in scenario_groups.items():
            status = health[group].status
            if status is not Status.UNKNOWN or seen[name]:
                seen[name].append(status)

    slow = seen["slow-then-fast"]
    first_warn = slow.index(WARN)
    assert first_warn < WITHIN, slow  # WARN within 30 s
    speed_up = phase_start["slow-then-fast"] - 1  # index in `slow` (the first sample was UNKNOWN)
    assert slow[first_warn:speed_up] == [WARN] * (speed_up - first_warn), slow  # stays WARN while slow
    back = next(i for i in range(speed_up, len(slow)) if slow[i] is OK)
    assert back - speed_up < WITHIN, slow  # OK within 30 s of speeding up
    assert slow[back:] == [OK] * (len(slow) - back), slow  # and stays OK
    assert changes(slow) == (2 if slow[0] is OK else 1), slow  # (OK ->) WARN -> OK: nothing else

    assert seen["healthy-wobble"] == [OK] * len(seen["healthy-wobble"]), seen["healthy-wobble"]
    assert seen["catching-up"] == [OK] * len(seen["catching-up"]), seen["catching-up"]
