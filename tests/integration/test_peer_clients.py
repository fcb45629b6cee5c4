"""A group run by another client (kafka-python: its own protocol code, the seed's
client) shows the lag that client's own admin API reports, on either engine."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import OffsetSpec
from kafka_helpers import create_topic, produce

from kafka_io.clients import make_admin
from kafka_io.groups.fetch import fetch_group_lags

TIMEOUT_MS = 10_000
LATEST = OffsetSpec.LATEST
# Per partition: records produced, and how many the peer consumes and commits.
PRODUCED = {0: 9, 1: 5, 2: 7}
CONSUMED = 12


def peer_consume_and_commit(bootstrap: str, group: str, topic: str, n: int) -> None:
    """A real kafka-python group member: subscribes, reads n records, commits, leaves."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=1,
    )
    try:
        read = 0
        while read < n:
            batch = consumer.poll(timeout_ms=TIMEOUT_MS, max_records=n - read)
            assert batch, f"kafka-python read {read} of {n} records"
            read += sum(len(records) for records in batch.values())
        consumer.commit()
    finally:
        consumer.close()


def peer_lag(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    """Lag as kafka-python's own admin and consumer APIs compute it: end offset - committed."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        committed = admin.list_group_offsets(group)[group]
        ends = admin.list_partition_offsets({tp: LATEST for tp in committed})
    finally:
        admin.close()
    return {(tp.topic, tp.partition): _offset(ends[tp]) - _offset(meta) for tp, meta in committed.items()}


def _offset(answer) -> int:
    return answer.offset if hasattr(answer, "offset") else int(answer)


@pytest.fixture
def peer_group(kafka_bootstrap, unique):
    topic, group = unique("peer"), unique("peer-group")
    create_topic(kafka_bootstrap, topic, len(PRODUCED))
    produce(kafka_bootstrap, topic, PRODUCED)
    peer_consume_and_commit(kafka_bootstrap, group, topic, CONSUMED)
    return topic, group


def test_lag_of_a_kafka_python_group_equals_what_kafka_python_reports(settings, kafka_bootstrap, peer_group):
    topic, group = peer_group
    theirs = peer_lag(kafka_bootstrap, group)
    assert sum(theirs.values()) == sum(PRODUCED.values()) - CONSUMED  # the peer really left lag behind
    (ours,) = fetch_group_lags(make_admin(settings), settings, [group])
    assert ours.error is None
    assert {(p.topic, p.partition): p.lag for p in ours.partitions} == theirs
    assert ours.totals.total_lag == sum(PRODUCED.values()) - CONSUMED
    assert ours.state == "EMPTY" and ours.members == ()  # the peer left; we never joined
    assert {t for t, _ in theirs} == {topic}
