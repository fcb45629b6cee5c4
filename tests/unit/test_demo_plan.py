"""Table tests for kafka_io.demo.plan: names, traffic shape, slow cycle, budgets, size cap."""

from __future__ import annotations

import random

import orjson
import pytest

from kafka_io.demo.plan import (
    RECOVER_FACTOR,
    SLOW_FACTOR,
    SPIKE_CHANCE,
    SPIKE_EVERY_S,
    SPIKE_FACTOR,
    SPIKE_LENGTH_S,
    TOPIC_CONFIG,
    WAVE_PERIOD_S,
    DemoPlan,
    EventBudget,
    spike_factor,
    user_key,
    wave_factor,
)
from kafka_io.errors import InvalidInput
from kafka_io.produce.templates import compile_template

NOW_MS = 1_700_000_000_123


def test_names_follow_the_prefix():
    plan = DemoPlan("test-demo-1a2b")
    assert [(t.name, t.partitions) for t in plan.topics] == [
        ("test-demo-1a2b.user-events", 6),
        ("test-demo-1a2b.orders", 3),
        ("test-demo-1a2b.payments", 3),
    ]
    assert plan.groups == ("test-demo-1a2b-keeps-up", "test-demo-1a2b-slow-then-recovers", "test-demo-1a2b-stopped")
    assert plan.slow_topic.name == "test-demo-1a2b.orders"
    assert plan.stopped_topic.name == "test-demo-1a2b.payments"


@pytest.mark.parametrize(
    "prefix, speed, message",
    [
        ("", 1, "demo prefix must be letters, digits, '.', '_' or '-', got ''"),  # 1. empty
        ("my demo", 1, "demo prefix must be letters, digits, '.', '_' or '-', got 'my demo'"),  # 2. space
        (" demo", 1, "demo prefix must be letters, digits, '.', '_' or '-', got ' demo'"),  # 3. stripped would pass
        ("demo", 0, "speed must be above 0 and at most 100, got 0"),  # 4. frozen time
        ("demo", -2, "speed must be above 0 and at most 100, got -2"),  # 5. backwards
        ("demo", 101, "speed must be above 0 and at most 100, got 101"),  # 6. too fast for a dev broker
        ("demo", float("nan"), "speed must be above 0 and at most 100, got nan"),  # 7. NaN
    ],
)
def test_bad_prefix_or_speed_is_refused(prefix, speed, message):
    with pytest.raises(InvalidInput) as exc:
        DemoPlan(prefix, speed)
    assert str(exc.value) == message


# (fraction of the period, expected factor): trough, mid-morning, peak, mid-evening.
WAVE_CASES = [(0.0, 0.65), (0.25, 1.0), (0.5, 1.35), (0.75, 1.0), (1.0, 0.65)]


@pytest.mark.parametrize("fraction, expected", WAVE_CASES)
def test_wave_is_a_day_shaped_curve(fraction, expected):
    assert wave_factor(fraction * WAVE_PERIOD_S) == pytest.approx(expected, abs=1e-9)


def test_wave_repeats_and_stays_gentle():
    points = [wave_factor(t) for t in range(0, int(WAVE_PERIOD_S))]
    assert 0.5 < min(points) and max(points) < 1.5
    assert wave_factor(123.0) == pytest.approx(wave_factor(123.0 + 5 * WAVE_PERIOD_S))


def test_spikes_are_rare_fixed_length_and_repeatable():
    step_s, windows = 1.0, 60
    times = [i * step_s for i in range(int(windows * SPIKE_EVERY_S / step_s))]
    factors = [spike_factor(t) for t in times]
    assert set(factors) == {1.0, SPIKE_FACTOR}
    assert factors == [spike_factor(t) for t in times]  # same time, same answer
    # At most one spike per window, each SPIKE_LENGTH_S long.
    runs, current = [], 0
    for factor in factors + [1.0]:
        if factor == SPIKE_FACTOR:
            current += 1
        elif current:
            runs.append(current * step_s)
            current = 0
    assert all(abs(run - SPIKE_LENGTH_S) <= step_s for run in runs)
    assert 0.5 * SPIKE_CHANCE * windows < len(runs) <= windows


@pytest.mark.parametrize(
    "speed, elapsed_s, slow, limit_per_s",
    [
        (1, 0.0, True, 5 * SLOW_FACTOR),  # 1. a fresh start opens with lag building
        (1, 49.9, True, 5 * SLOW_FACTOR),  # 2. end of the slow phase
        (1, 50.0, False, 5 * RECOVER_FACTOR),  # 3. recovery: drains faster than it is produced
        (1, 119.9, False, 5 * RECOVER_FACTOR),  # 4. end of the cycle
        (1, 120.0, True, 5 * SLOW_FACTOR),  # 5. next cycle
        (10, 4.9, True, 50 * SLOW_FACTOR),  # 6. time-lapse: 10x the rate, 10x shorter phases
        (10, 5.0, False, 50 * RECOVER_FACTOR),  # 7.
        (10, 12.5, True, 50 * SLOW_FACTOR),  # 8.
        (1, -3.0, True, 5 * SLOW_FACTOR),  # 9. clock oddity: treated as the start
    ],
)
def test_slow_group_cycle(speed, elapsed_s, slow, limit_per_s):
    plan = DemoPlan(speed=speed)
    assert plan.is_slow(elapsed_s) is slow
    assert plan.slow_limit_per_s(elapsed_s) == pytest.approx(limit_per_s)


def test_slow_phase_builds_lag_and_recovery_drains_it():
    # Even at the quietest hour the slow group falls behind; even at the
    # busiest (outside a spike) the recovering group gains on the producer.
    wave = [wave_factor(t) for t in range(int(WAVE_PERIOD_S))]
    assert SLOW_FACTOR < min(wave) / 2
    assert RECOVER_FACTOR > max(wave) * 1.5


def test_speed_scales_rate_and_compresses_time():
    slow, fast = DemoPlan(), DemoPlan(speed=4)
    for wall_s in (0.0, 77.0, 1000.5, 1_700_000_000.0):
        for a, b in zip(slow.topics, fast.topics):
            assert fast.rate_per_s(b, wall_s) == pytest.approx(4 * slow.rate_per_s(a, 4 * wall_s))


def test_total_rate_is_tens_of_events_per_second():
    plan = DemoPlan()
    rates = [sum(plan.rate_per_s(t, float(s)) for t in plan.topics) for s in range(0, 3600, 7)]
    assert 10 < min(rates) and max(rates) < 100


# (rate per s, dt s, ticks, expected events per tick)
BUDGET_CASES = [
    (2.5, 1.0, 4, [2, 3, 2, 3]),  # 1. fractions carried, none lost
    (0.3, 1.0, 4, [0, 0, 0, 1]),  # 2. slow rate: one event every ~3 ticks
    (10.0, 0.25, 3, [2, 3, 2]),  # 3. quarter-second ticks
    (-5.0, 1.0, 2, [0, 0]),  # 4. negative rate sends nothing
    (5.0, -1.0, 2, [0, 0]),  # 5. clock went backwards: nothing, no debt
]


@pytest.mark.parametrize("rate_per_s, dt_s, ticks, expected", BUDGET_CASES)
def test_event_budget(rate_per_s, dt_s, ticks, expected):
    budget = EventBudget()
    assert [budget.take(rate_per_s, dt_s) for _ in range(ticks)] == expected


def test_event_budget_total_matches_rate_over_time():
    budget = EventBudget()
    total = sum(budget.take(23.7, 0.25) for _ in range(400))
    assert 2369 <= total <= 2370  # 2370 in exact arithmetic; float sums may leave one in the carry


@pytest.mark.parametrize(
    "index, types",
    [
        (0, {"page_view", "login", "purchase", "user_signup", "payment_failed"}),
        (1, {"order_created", "order_paid", "order_shipped", "order_cancelled"}),
        (2, {"payment_authorized", "payment_captured", "payment_failed", "refund_issued"}),
    ],
)
def test_events_are_json_in_the_seed_shape_keyed_by_user(index, types):
    topic = DemoPlan().topics[index]
    values = compile_template(topic.template).render_many(1, 2000, NOW_MS, random.Random(7))
    events = [orjson.loads(v) for v in values]
    assert {e["event_type"] for e in events} == types
    assert all(isinstance(e["user_id"], int) and len(e) >= 5 for e in events)
    assert [user_key(v) for v in values[:50]] == [str(e["user_id"]).encode() for e in events[:50]]


def test_user_key_without_a_user_id_is_none():
    assert user_key('{"event_type": "ping"}') is None


def test_retention_caps_the_stored_bytes():
    # Records retained at the busiest: every topic at wave peak x spike for
    # retention + one segment. noida-db stores record bytes as JSON integer
    # arrays (~4x) and rewrites them every second, so keep it to a few MB.
    plan = DemoPlan()
    retained_s = (int(TOPIC_CONFIG["retention.ms"]) + int(TOPIC_CONFIG["segment.ms"])) / 1000
    overhead_bytes = 70  # record + batch headers, key, x-kdash-source header
    worst = 0.0
    for topic in plan.topics:
        values = compile_template(topic.template).render_many(1, 500, NOW_MS, random.Random(1))
        mean_bytes = sum(map(len, values)) / len(values) + overhead_bytes
        worst += topic.base_rate_per_s * 1.45 * mean_bytes * retained_s
    assert worst < 5_000_000
    assert 0 < int(TOPIC_CONFIG["retention.bytes"]) <= 2_000_000
