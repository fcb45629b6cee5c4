"""Tests for kafka_io.groups.history.LagHistory: bounded, exact, thread-safe."""

from __future__ import annotations

import math
import threading

import pytest

from kafka_io.errors import InvalidInput
from kafka_io.groups.history import DEFAULT_HISTORY_S, DEFAULT_INTERVAL_S, DEFAULT_MAX_SAMPLES, MIN_DEPTH, LagHistory
from kafka_io.groups.lag_math import Sample

OFFSET_INVALID = -1001


def test_defaults_cover_one_hour_at_five_seconds():
    assert (DEFAULT_INTERVAL_S, DEFAULT_HISTORY_S, DEFAULT_MAX_SAMPLES) == (5.0, 3600.0, 720)
    assert LagHistory().max_samples == 720


# 1. zero, 2. one: rates and status need two points
@pytest.mark.parametrize("max_samples", [0, 1], ids=["01-zero", "02-one"])
def test_rejects_too_small_buffers(max_samples):
    with pytest.raises(InvalidInput, match="at least 2"):
        LagHistory(max_samples)


# 1. NaN, 2. infinity
@pytest.mark.parametrize("ts_s", [math.nan, math.inf], ids=["01-nan", "02-inf"])
def test_rejects_non_finite_time(ts_s):
    with pytest.raises(InvalidInput, match="finite"):
        LagHistory().record(ts_s, [("g", "t", 0, 1, 0)])


def test_size_stays_bounded_after_many_records():
    history = LagHistory(max_samples=5)
    for i in range(1000):
        history.record(float(i), [("g", "t", p, 10 * i, 5 * i) for p in range(3)])
    assert history.sample_count() == 15
    assert [s.ts_s for s in history.samples("g", "t", 0)] == [995.0, 996.0, 997.0, 998.0, 999.0]
    assert len(history.high_points("t", 2)) == 5


def test_samples_are_exact_and_filtered_by_since():
    history = LagHistory()
    history.record(10.0, [("g", "t", 0, 100, 90)])
    history.record(20.0, [("g", "t", 0, 120, None)])
    history.record(30.0, [("g", "t", 0, 130, OFFSET_INVALID)])  # sentinel -> None
    history.record(40.0, [("g", "t", 0, -1, 100)])  # no watermark: skipped
    assert history.samples("g", "t", 0) == [
        Sample(10.0, 100, 90),
        Sample(20.0, 120, None),
        Sample(30.0, 130, None),
    ]
    assert history.samples("g", "t", 0, since_s=20.0) == [Sample(20.0, 120, None), Sample(30.0, 130, None)]
    assert history.samples("g", "t", 1) == []
    assert history.samples("nobody", "t", 0) == []


def test_total_lag_series_sums_known_lags_per_time():
    history = LagHistory()
    # t=10: p0 lag 10, p1 unknown -> 10
    history.record(10.0, [("g", "t", 0, 100, 90), ("g", "t", 1, 50, None), ("other", "t", 0, 100, 0)])
    # t=20: p0 lag 20, p1 lag 5 -> 25
    history.record(20.0, [("g", "t", 0, 120, 100), ("g", "t", 1, 60, 55)])
    # t=30: nothing known -> left out, not plotted as 0
    history.record(30.0, [("g", "t", 0, 130, None), ("g", "t", 1, 70, None)])
    # t=40: p0 clamps to 0 (commit ahead), p1 lag 3 -> 3
    history.record(40.0, [("g", "t", 0, 140, 150), ("g", "t", 1, 80, 77)])
    assert history.total_lag_series("g") == [(10.0, 10), (20.0, 25), (40.0, 3)]
    assert history.total_lag_series("g", since_s=20.0) == [(20.0, 25), (40.0, 3)]
    assert history.total_lag_series("other") == [(10.0, 100)]
    assert history.total_lag_series("nobody") == []


def test_high_points_one_per_cycle_even_with_many_groups():
    history = LagHistory()
    history.record(10.0, [("a", "t", 0, 100, 1), ("b", "t", 0, 100, 2)])
    history.record(20.0, [("a", "t", 0, 150, 1), ("b", "t", 0, 150, 2), ("a", "u", 3, 7, 7)])
    assert history.high_points("t", 0) == [(10.0, 100), (20.0, 150)]
    assert history.high_points("t", 0, since_s=15.0) == [(20.0, 150)]
    assert history.high_points("u", 3) == [(20.0, 7)]
    assert history.high_points("t", 9) == []


def test_keys_sorted_and_filtered():
    history = LagHistory()
    history.record(1.0, [("b", "t", 1, 1, 0), ("a", "u", 0, 1, 0), ("a", "t", 2, 1, 0), ("a", "t", 0, 1, 0)])
    assert history.keys() == [("a", "t", 0), ("a", "t", 2), ("a", "u", 0), ("b", "t", 1)]
    assert history.keys("b") == [("b", "t", 1)]
    assert history.keys("nobody") == []


def test_forget_drops_one_group_and_orphaned_watermarks():
    history = LagHistory()
    history.record(1.0, [("a", "t", 0, 10, 5), ("a", "solo", 0, 3, 1), ("b", "t", 0, 10, 8)])
    assert history.forget("a") == 2
    assert history.keys() == [("b", "t", 0)]
    assert history.samples("a", "t", 0) == []
    assert history.high_points("t", 0) == [(1.0, 10)]  # still read by b
    assert history.high_points("solo", 0) == []  # nobody reads it any more
    assert history.forget("a") == 0


def test_keys_not_reported_for_max_samples_records_are_evicted():
    history = LagHistory(max_samples=3)
    history.record(1.0, [("gone", "t", 0, 5, 1), ("live", "t", 1, 5, 1)])
    for ts_s in (2.0, 3.0):
        history.record(ts_s, [("live", "t", 1, 5, 1)])
    # Last seen in call 1 of 3: still inside the window.
    assert history.keys() == [("gone", "t", 0), ("live", "t", 1)]
    history.record(4.0, [("live", "t", 1, 5, 1)])
    assert history.keys() == [("live", "t", 1)]
    assert history.high_points("t", 0) == []
    assert history.high_points("t", 1) == [(2.0, 5), (3.0, 5), (4.0, 5)]


def test_getters_return_copies():
    history = LagHistory()
    history.record(1.0, [("g", "t", 0, 10, 5)])
    history.samples("g", "t", 0).clear()
    history.high_points("t", 0).clear()
    history.keys().clear()
    assert history.samples("g", "t", 0) == [Sample(1.0, 10, 5)]
    assert history.high_points("t", 0) == [(1.0, 10)]
    assert history.keys() == [("g", "t", 0)]


def test_record_accepts_a_generator():
    history = LagHistory()
    history.record(1.0, (("g", "t", p, 10, p) for p in range(2)))
    assert history.total_lag_series("g") == [(1.0, 19)]


def test_one_writer_many_readers():
    history = LagHistory(max_samples=50)
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        for i in range(2000):
            history.record(float(i), [("g", "t", p, 2 * i, i) for p in range(4)])
        done.set()

    def read() -> None:
        try:
            while not done.is_set():
                series = history.total_lag_series("g")
                # Each time sums exactly 4 partitions of lag i: never a half-written cycle.
                assert all(total == 4 * int(ts_s) for ts_s, total in series)
                assert len(history.samples("g", "t", 0)) <= 50
        except BaseException as exc:  # surfaced below; a thread cannot fail the test
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    writer = threading.Thread(target=write)
    for thread in [*readers, writer]:
        thread.start()
    for thread in [writer, *readers]:
        thread.join(timeout=10)
    assert errors == []
    assert history.sample_count() == 200
    assert history.total_lag_series("g")[-1] == (1999.0, 4 * 1999)


# --- compact storage: the memory bound -------------------------------------


def _rows(n_keys: int, high: int = 100):
    return [(f"g{k % 7}", f"t{k}", 0, high, 50) for k in range(n_keys)]


def test_memory_stays_under_the_budget_by_shrinking_the_depth():
    # 3 rows per key (commit, watermark, and a shared group total), 720 x 8 B + 200 B each
    budget = 100 * (720 * 8 + 200)
    history = LagHistory(max_samples=720, max_bytes=budget)
    for i in range(50):
        history.record(float(i), _rows(60))  # ~127 rows: too many for 720 slots
    assert history.approx_bytes() <= budget
    assert MIN_DEPTH <= history.depth < 720
    assert history.dropped_keys == 0
    # The newest samples survive the shrink, in order.
    samples = history.samples("g0", "t0", 0)
    assert [s.ts_s for s in samples] == [float(i) for i in range(50 - min(50, history.depth), 50)]


def test_past_the_minimum_depth_new_keys_are_counted_not_kept():
    budget = 30 * (MIN_DEPTH * 8 + 200)
    history = LagHistory(max_samples=720, max_bytes=budget)
    history.record(1.0, _rows(500))
    assert history.depth == MIN_DEPTH
    assert history.approx_bytes() <= budget
    kept = len(history.keys())
    assert 0 < kept < 500
    assert history.dropped_keys == 500 - kept


def test_shrink_keeps_the_newest_cycles_and_their_totals():
    history = LagHistory(max_samples=40, max_bytes=10**9)
    for i in range(30):
        history.record(float(i), [("g", "t", 0, 100 + i, 100)])
    history.max_bytes = 8 * (16 * 8 + 200)  # room for a handful of rows at a smaller depth
    history.record(30.0, [("g", "t", 0, 130, 100), ("h", "u", 0, 5, 1)])
    assert history.depth < 40
    assert [s.ts_s for s in history.samples("g", "t", 0)][-1] == 30.0
    assert history.total_lag_series("g")[-3:] == [(28.0, 28), (29.0, 29), (30.0, 30)]


def test_default_budget_holds_the_design_cluster_at_full_depth():
    # 300 groups x 3 topics x 6 partitions = 5,400 committed partitions.
    history = LagHistory()
    history.record(1.0, [(f"g{g}", f"t{g}-{t}", p, 10, 5) for g in range(300) for t in range(3) for p in range(6)])
    assert history.depth == DEFAULT_MAX_SAMPLES
    assert history.dropped_keys == 0
    assert 60e6 < history.approx_bytes() < 70e6  # the docstring's "about 66 MB"


def test_group_samples_reads_one_group_under_one_lock():
    history = LagHistory()
    history.record(10.0, [("g", "t", 0, 100, 90), ("g", "u", 1, 5, None), ("h", "t", 0, 100, 1)])
    history.record(20.0, [("g", "t", 0, 110, 95)])
    assert history.group_samples("g") == {
        ("t", 0): [Sample(10.0, 100, 90), Sample(20.0, 110, 95)],
        ("u", 1): [Sample(10.0, 5, None)],
    }
    assert history.group_samples("g", since_s=15.0) == {("t", 0): [Sample(20.0, 110, 95)], ("u", 1): []}
    assert history.group_samples("nobody") == {}


# --- time_lag_points: a short cut with the same answer ---------------------

# Log end over time: 0@0, 10@10, 10@20, 10@30, 40@40, 100@50.
TLP = [(0.0, 0), (10.0, 10), (20.0, 10), (30.0, 10), (40.0, 40), (50.0, 100)]

TIME_LAG_POINTS_CASES = [
    # 1. caught up: the newest point is enough
    pytest.param(100, [(50.0, 100)], id="01-caught-up"),
    # 2. in the newest segment: A=40@40, B=newest
    pytest.param(70, [(40.0, 40), (50.0, 100)], id="02-newest-segment"),
    # 3. on a plateau: A is the LATEST point at 10, then B and the newest
    pytest.param(10, [(30.0, 10), (40.0, 40), (50.0, 100)], id="03-plateau"),
    # 4. between 0@0 and 10@10
    pytest.param(5, [(0.0, 0), (10.0, 10), (50.0, 100)], id="04-oldest-segment"),
    # 5. no commit
    pytest.param(None, [], id="05-no-commit"),
]


@pytest.mark.parametrize(("committed", "expected"), TIME_LAG_POINTS_CASES)
def test_time_lag_points(committed, expected):
    history = LagHistory()
    for ts_s, high in TLP:
        history.record(ts_s, [("g", "t", 0, high, 0)])
    assert history.time_lag_points("t", 0, committed) == expected


def test_time_lag_points_extrapolation_needs_only_the_ends():
    history = LagHistory()
    for ts_s, high in [(0.0, 50), (10.0, 60), (20.0, 80)]:
        history.record(ts_s, [("g", "t", 0, high, 0)])
    assert history.time_lag_points("t", 0, 10) == [(0.0, 50), (20.0, 80)]
    assert history.time_lag_points("nope", 0, 10) == []


def test_time_lag_points_give_the_same_estimate_as_the_full_history():
    import random

    from kafka_io.groups.lag_math import estimate_time_lag

    rng = random.Random(4)  # fixed seed: the same 300 histories every run
    for _ in range(300):
        history = LagHistory(max_samples=rng.randint(2, 30))
        ts_s, high = 0.0, rng.randint(0, 5)
        for _ in range(rng.randint(1, 60)):
            ts_s += rng.choice([1.0, 5.0])
            high += rng.choice([0, 0, 1, 3, 10])
            history.record(ts_s, [("g", "t", 0, high, 0)])
        full = history.high_points("t", 0)
        for committed in {rng.randint(0, high + 3) for _ in range(4)} | {h for _, h in full}:
            assert estimate_time_lag(
                history.time_lag_points("t", 0, committed), committed, ts_s + 3
            ) == estimate_time_lag(full, committed, ts_s + 3)


def test_a_group_without_commits_for_a_while_keeps_working():
    history = LagHistory(max_samples=3)
    history.record(1.0, [("g", "t", 0, 10, 5)])
    for ts_s in (2.0, 3.0, 4.0, 5.0):
        history.record(ts_s, [("g", "t", 0, 10, None)])
    history.record(6.0, [("g", "t", 0, 10, 7)])
    assert history.total_lag_series("g") == [(6.0, 3)]
    assert history.samples("g", "t", 0) == [Sample(4.0, 10, None), Sample(5.0, 10, None), Sample(6.0, 10, 7)]
