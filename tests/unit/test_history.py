"""Tests for kafka_io.history.LagHistory: bounded, exact, thread-safe."""

from __future__ import annotations

import math
import threading

import pytest

from kafka_io.errors import InvalidInput
from kafka_io.history import DEFAULT_HISTORY_S, DEFAULT_INTERVAL_S, DEFAULT_MAX_SAMPLES, LagHistory
from kafka_io.lag import Sample

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
