"""assess_groups (the sampler's bulk path) against assess_group (the reference), group for group.

Random histories, seeded so every run checks the same ones, built to hit each
subtle rule: absent samples, rows without a commit, unknown watermarks,
rewinds, recreated topics, clock jumps (samples stamped after now_s, times
going back), stale rows, warm-start seed points, windows of fewer than 2
samples, rings that wrap and shrink, partition and group errors, offsets too
large for the array path. A coverage tally makes sure the histories keep
reaching every status and every kind of time lag.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from support.table_cases import message_of

from kafka_io.groups import health_bulk
from kafka_io.groups.health import assess_group
from kafka_io.groups.health_bulk import assess_groups
from kafka_io.groups.history import LagHistory
from kafka_io.groups.lag_math import TimeLag, partition_lag
from kafka_io.groups.models import GroupLag, MemberInfo, PartitionLag
from kafka_io.groups.status import Status

HUGE = 2**50  # above status_bulk.EXACT_BELOW: those rows take the reference path


def _scenario(rng: random.Random):
    """(history, groups, now_s, options) of one random cluster."""
    shrink = rng.random() < 0.15
    history = LagHistory(max_samples=rng.randint(2, 30), max_bytes=6_000 if shrink else 128 * 1024 * 1024)
    tps = [(f"t{t}", p) for t in range(rng.randint(1, 3)) for p in range(rng.randint(1, 3))]
    base = HUGE if rng.random() < 0.05 else 0
    highs = {tp: base + rng.randint(0, 50) for tp in tps}
    group_ids = [f"g{i}" for i in range(rng.randint(1, 6))]
    keys = [(g, *tp) for g in group_ids for tp in tps if rng.random() < 0.8]
    committed = {k: highs[k[1:]] - rng.randint(0, 40) for k in keys}
    # Each key follows a pattern: caught up, slow, stalled, rewinding, or anything.
    pattern = {k: rng.choice(["keeps-up", "slow", "stalled", "rewinds", "random"]) for k in keys}
    step_s = rng.choice([1.0, 5.0])
    ts_s = 1000.0
    if rng.random() < 0.3:  # warm-start points, some of them newer than the first cycle
        history.seed_highs(
            {tp: [(ts_s - rng.choice([-5, 60, 300, 600]), rng.randint(0, 60)) for _ in range(3)] for tp in tps}
        )
    for _ in range(rng.randint(0, 25)):
        ts_s += rng.choice([step_s] * 8 + [0.0, -3 * step_s, 2 * step_s])  # repeats, clock jumps back
        for tp in tps:
            highs[tp] += rng.choice([0, 0, 1, 5, 20]) if rng.random() > 0.03 else -highs[tp] // 2  # recreated
        rows = []
        for k in keys:
            if rng.random() < 0.1:
                continue  # absent this cycle
            high = highs[k[1:]]
            committed[k] = _next_commit(rng, pattern[k], committed[k], high)
            commit = None if rng.random() < 0.08 else committed[k]
            rows.append((*k, -1 if rng.random() < 0.04 else high, commit))  # -1: an unknown watermark
        history.record(ts_s, rows)
    groups = [_group(rng, g, [k for k in keys if k[0] == g], highs, committed, ts_s) for g in group_ids]
    now_s = ts_s + rng.choice([0.0, 0.0, 3.0, 40.0, 500.0, -2 * step_s, -20.0])  # stale, or before the newest
    options = {
        "window_s": rng.choice([2.0, 10.0, 30.0, 60.0]),
        "stale_after_s": rng.choice([3 * step_s, 15.0, 1e9]),
        "sparkline_s": rng.choice([5.0, 60.0, 600.0]),
    }
    return history, groups, now_s, options


def _next_commit(rng, pattern, commit, high):
    if pattern == "keeps-up":
        return high if rng.random() < 0.7 else max(commit, high - rng.randint(0, 3))
    if pattern == "slow":
        return commit + rng.randint(0, 4)
    if pattern == "stalled":
        return commit
    if pattern == "rewinds":
        return max(0, commit - rng.randint(1, 30)) if rng.random() < 0.3 else commit + rng.randint(0, 10)
    return max(0, commit + rng.randint(-10, 25))


def _group(rng, group_id, keys, highs, committed, ts_s):
    member = MemberInfo("m-1", f"{group_id}-client", "/10.0.0.1", None, ())
    members = (member,) if rng.random() < 0.5 else ()
    partitions = []
    for _, topic, partition in keys + [(group_id, "not-in-history", 0)] * (rng.random() < 0.2):
        high = highs.get((topic, partition), rng.randint(0, 9))
        commit = committed.get((group_id, topic, partition), rng.randint(0, 9)) + rng.choice([0, 0, 0, 3])
        high = None if rng.random() < 0.05 else high
        commit = None if rng.random() < 0.05 else commit
        lag = partition_lag(high, commit) if rng.random() < 0.9 else rng.choice([None, 0, 7])
        error = "t[0]: Broker: Unknown topic or partition" if rng.random() < 0.05 else None
        partitions.append(PartitionLag(topic, partition, commit, high, lag, member if members else None, error))
    rng.shuffle(partitions)  # the group's own order must be kept
    error = "Broker: Not coordinator" if rng.random() < 0.05 else None
    return GroupLag(group_id, "STABLE" if members else "EMPTY", members, tuple(partitions), ts_s, "range", error)


def _tally(seen: Counter, health) -> None:
    for h in health.values():
        seen[h.status] += 1
        for p in h.partitions:
            seen[p.status] += 1
            seen["extrapolated" if p.time_lag.extrapolated else "estimated" if p.time_lag.seconds else "other"] += 1
            seen["eta"] += p.eta_s is not None and p.eta_s > 0
            seen["huge"] += p.committed is not None and p.committed >= HUGE


def test_assess_groups_equals_assess_group_on_random_histories():
    rng = random.Random(25)  # fixed seed: the same 600 clusters every run
    seen: Counter = Counter()
    for case in range(600):
        history, groups, now_s, options = _scenario(rng)
        bulk = assess_groups(groups, history, now_s, **options)
        assert list(bulk) == [g.group_id for g in groups]
        for g in groups:
            expected = assess_group(g, history, now_s, **options)
            for got_p, want_p in zip(bulk[g.group_id].partitions, expected.partitions, strict=True):
                assert got_p == want_p, f"case {case}, group {g.group_id}"
            assert bulk[g.group_id] == expected, f"case {case}, group {g.group_id}"
        _tally(seen, bulk)
    for wanted in [*Status, "extrapolated", "estimated", "eta", "huge"]:
        assert seen[wanted] > 0, f"the random histories no longer reach {wanted}: {seen}"


def test_assess_groups_in_small_passes_equals_one_pass(monkeypatch):
    """The sampler's health at 50,000 groups is judged CHUNK_PARTITIONS partitions at a time:
    passes as small as 1 and 3 partitions give the values, and the order, of one pass."""
    rng = random.Random(26)
    cases = [_scenario(rng) for _ in range(200)]
    whole = [assess_groups(groups, history, now_s, **options) for history, groups, now_s, options in cases]
    for chunk_partitions in (1, 3):
        monkeypatch.setattr(health_bulk, "CHUNK_PARTITIONS", chunk_partitions)
        for case, ((history, groups, now_s, options), expected) in enumerate(zip(cases, whole, strict=True)):
            got = assess_groups(groups, history, now_s, **options)
            assert list(got) == list(expected), f"case {case}, passes of {chunk_partitions}"
            assert got == expected, f"case {case}, passes of {chunk_partitions}"


SHAPE_CASES = [
    # 1. no groups at all
    pytest.param([], id="01-no-groups"),
    # 2. a group without partitions, and one whose read failed
    pytest.param(
        [GroupLag("empty", "EMPTY", (), (), 5.0), GroupLag("failed", "DEAD", (), (), 5.0, error="timed out")],
        id="02-empty-and-failed",
    ),
    # 3. a group never sampled: nothing in the history for it
    pytest.param([GroupLag("new", "EMPTY", (), (PartitionLag("t", 0, 3, 9, 6),), 5.0)], id="03-not-in-history"),
]


@pytest.mark.parametrize("groups", SHAPE_CASES)
def test_assess_groups_edge_shapes(groups):
    history = LagHistory()
    history.record(1.0, [("other", "t", 0, 5, 1)])
    history.record(5.0, [("other", "t", 0, 9, 1)])
    options = {"window_s": 60.0, "stale_after_s": 15.0, "sparkline_s": 600.0}
    assert assess_groups(groups, history, 6.0, **options) == {
        g.group_id: assess_group(g, history, 6.0, **options) for g in groups
    }


def test_assess_groups_reads_the_time_lag_far_back():
    """A commit older than the first look back (16 cycles) and one older than every cycle,
    with and without warm-start points: the longer walks of time_lag_points."""
    history = LagHistory(max_samples=200)
    history.seed_highs({("t", 0): [(0.0, 0), (50.0, 40)], ("t", 1): []})
    for i in range(150):
        history.record(100.0 + 5 * i, [("g", "t", 0, 100 + 10 * i, 150), ("g", "t", 1, 100 + 10 * i, 5)])
    parts = (
        PartitionLag("t", 0, 150, 1590, 1440),
        PartitionLag("t", 1, 5, 1590, 1585),
        PartitionLag("t", 0, 20, 1590, 1570),
    )
    groups = [GroupLag("g", "EMPTY", (), parts, 845.0)]
    options = {"window_s": 60.0, "stale_after_s": 15.0, "sparkline_s": 600.0}
    bulk = assess_groups(groups, history, 850.0, **options)
    assert bulk == {"g": assess_group(groups[0], history, 850.0, **options)}
    # 150 was the log end at t=125 (between 140@120 and 150@125): 725 s behind at 850.
    assert bulk["g"].partitions[0].time_lag == TimeLag(725.0, False)
    assert bulk["g"].partitions[1].time_lag.extrapolated  # below every cycle, no seed
    assert bulk["g"].partitions[2].time_lag == TimeLag(825.0, False)  # 20 was the end at t=25, in the seeds


def test_a_negative_lag_fails_as_the_reference_does():
    history = LagHistory()
    groups = [GroupLag("g", "EMPTY", (), (PartitionLag("t", 0, 9, 5, -4),), 1.0)]
    options = {"window_s": 60.0, "stale_after_s": 15.0, "sparkline_s": 600.0}
    assert message_of(assess_group, groups[0], history, 1.0, **options) == "lag cannot be negative (got -4)"
    assert message_of(assess_groups, groups, history, 1.0, **options) == "lag cannot be negative (got -4)"
