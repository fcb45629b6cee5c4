"""Warm start on the real broker: records of the last 50 minutes (one every 5 s up
to now, timestamps set by the producer), a group committed in the middle of
them. At the FIRST sample, with the backfill from offsets-for-times, the produce
rate and the lag in seconds are already known (and not extrapolated); without
it, both need more samples."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Producer
from support.kafka import TIMEOUT_S, commit_offsets, create_topic

from kafka_io.groups.sampler import LagSampler

RECORDS, EVERY_S = 600, 5.0  # the last 50 minutes, up to now


@pytest.fixture
def old_records(kafka_bootstrap, unique):
    topic, group = unique("warm"), unique("warm-group")
    create_topic(kafka_bootstrap, topic, 1, {"retention.ms": "-1"})  # old timestamps must not expire
    start_s = time.time() - RECORDS * EVERY_S
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 5})
    for i in range(RECORDS):
        producer.produce(topic, b"{}", partition=0, timestamp=int((start_s + i * EVERY_S) * 1000))
    assert producer.flush(TIMEOUT_S) == 0
    commit_offsets(kafka_bootstrap, group, topic, {0: 300})  # written 25 minutes ago
    return topic, group, start_s


def test_the_first_sample_already_has_rates_and_time_lag(settings, old_records):
    topic, group, start_s = old_records
    cold = LagSampler(settings, interval_s=3600)
    cold.refresh_groups([group])
    cold_health = cold.health()[group]
    assert cold_health.produce_rate_per_s is None and cold_health.time_lag.seconds is None

    warm = LagSampler(settings, interval_s=3600, warm_start=True)
    warm.refresh()  # the first full sample starts the backfill
    assert warm.warmed.wait(30)
    health = warm.health()[group]
    partition = health.partitions[0]
    assert partition.lag == 300
    # One record per 5 s up to now: 0.2/s over the last minute (11 or 12 records in it).
    assert 11 / 60 - 0.01 <= partition.produce_rate_per_s <= 12 / 60 + 0.01
    # The commit is at the record written at start + 300 x 5 s: about 25 minutes behind.
    expected_s = time.time() - (start_s + 300 * EVERY_S)
    assert partition.time_lag.seconds is not None and not partition.time_lag.extrapolated
    assert abs(partition.time_lag.seconds - expected_s) <= 5 * 60 + 10, (partition.time_lag, expected_s)
