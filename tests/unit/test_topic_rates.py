"""Table tests for kafka_io.topics.rates: produce rates from two watermark samples."""

from __future__ import annotations

import pytest

from kafka_io.topics.rates import MAX_SAMPLE_AGE_S, WatermarkPair, advance, pair_rate_per_s, topic_rate_per_s

K = ("orders", 0)

# --- advance: (pairs before, observed (key, high), ts_s, pairs after) ---------
ADVANCE_CASES = [
    # 1. first sample: one point, no previous yet
    pytest.param({}, [(K, 10)], 100.0, {K: WatermarkPair((100.0, 10))}, id="01-first-sample"),
    # 2. second, newer sample: the latest becomes previous
    pytest.param(
        {K: WatermarkPair((100.0, 10))},
        [(K, 30)],
        110.0,
        {K: WatermarkPair((110.0, 30), (100.0, 10))},
        id="02-second-sample",
    ),
    # 3. a third sample drops the oldest (only two are kept)
    pytest.param(
        {K: WatermarkPair((110.0, 30), (100.0, 10))},
        [(K, 35)],
        120.0,
        {K: WatermarkPair((120.0, 35), (110.0, 30))},
        id="03-keeps-two",
    ),
    # 4. the same cached snapshot seen again by another session: no change
    pytest.param(
        {K: WatermarkPair((110.0, 30), (100.0, 10))},
        [(K, 30)],
        110.0,
        {K: WatermarkPair((110.0, 30), (100.0, 10))},
        id="04-same-snapshot-again",
    ),
    # 5. an older snapshot arriving late: ignored
    pytest.param(
        {K: WatermarkPair((110.0, 30))}, [(K, 20)], 105.0, {K: WatermarkPair((110.0, 30))}, id="05-older-sample-ignored"
    ),
    # 6. unknown watermark (None or a negative sentinel): not a sample
    pytest.param({}, [(K, None), (("t", 1), -1)], 100.0, {}, id="06-unknown-high-skipped"),
    # 7. a partition unseen for longer than the max age is forgotten (bounded)
    pytest.param(
        {K: WatermarkPair((100.0, 10))},
        [(("t", 1), 5)],
        100.0 + MAX_SAMPLE_AGE_S + 1,
        {("t", 1): WatermarkPair((100.0 + MAX_SAMPLE_AGE_S + 1, 5))},
        id="07-stale-key-dropped",
    ),
    # 8. a partition unseen for a while but within the max age is kept
    pytest.param({K: WatermarkPair((100.0, 10))}, [], 200.0, {K: WatermarkPair((100.0, 10))}, id="08-recent-key-kept"),
]


@pytest.mark.parametrize("before, observed, ts_s, after", ADVANCE_CASES)
def test_advance(before, observed, ts_s, after):
    assert advance(before, observed, ts_s) == after


def test_advance_does_not_mutate_its_input():
    before = {K: WatermarkPair((100.0, 10))}
    advance(before, [(K, 20)], 110.0)
    assert before == {K: WatermarkPair((100.0, 10))}


# --- pair_rate_per_s: (pair, messages/s) --------------------------------------
RATE_CASES = [
    # 1. no pair at all: unknown ("—"), not 0
    pytest.param(None, None, id="01-no-samples"),
    # 2. one sample: unknown ("—")
    pytest.param(WatermarkPair((100.0, 10)), None, id="02-one-sample"),
    # 3. 20 messages in 10 s
    pytest.param(WatermarkPair((110.0, 30), (100.0, 10)), 2.0, id="03-steady"),
    # 4. idle topic: a real 0
    pytest.param(WatermarkPair((110.0, 30), (100.0, 30)), 0.0, id="04-idle-is-zero"),
    # 5. watermark went down (topic deleted and recreated): unknown, never negative
    pytest.param(WatermarkPair((110.0, 3), (100.0, 30)), None, id="05-recreated-topic"),
    # 6. fractional rate
    pytest.param(WatermarkPair((103.0, 1), (100.0, 0)), 1 / 3, id="06-fractional"),
]


@pytest.mark.parametrize("pair, expected", RATE_CASES)
def test_pair_rate(pair, expected):
    assert pair_rate_per_s(pair) == (pytest.approx(expected) if expected is not None else None)


# --- topic_rate_per_s: (partition rates, topic rate) --------------------------
TOPIC_CASES = [
    # 1. no partition known yet: "—"
    pytest.param([None, None], None, id="01-none-known"),
    # 2. sum of partitions
    pytest.param([1.5, 2.5, 0.0], 4.0, id="02-sum"),
    # 3. a new partition without a rate yet does not hide the others
    pytest.param([3.0, None], 3.0, id="03-partial"),
    # 4. an idle topic is 0, not unknown
    pytest.param([0.0, 0.0], 0.0, id="04-idle"),
    # 5. a topic with no partitions (metadata error)
    pytest.param([], None, id="05-no-partitions"),
]


@pytest.mark.parametrize("rates, expected", TOPIC_CASES)
def test_topic_rate(rates, expected):
    assert topic_rate_per_s(rates) == expected
