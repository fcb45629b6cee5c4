"""Issue #25: the records Apache Kafka really writes to ``__consumer_offsets``
decode to the commits that were made, tombstones included.

noida-db lists the topic but writes no commit record there (measured): the
test states that fact on noida, because the reader's fallback rests on it.
"""

from __future__ import annotations

import time

from confluent_kafka import Consumer, KafkaError, TopicPartition
from support.groups import committed_offsets, delete_group_offsets
from support.kafka import TIMEOUT_S, commit_offsets, create_topic

from kafka_io.groups.commit_log import GroupRecord, OffsetRecord, OtherRecord, decode_record

OFFSETS_TOPIC = "__consumer_offsets"


def read_offsets_topic(bootstrap: str) -> list[tuple[bytes | None, bytes | None]]:
    """Every (key, value) of __consumer_offsets, read raw from the beginning to its end."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "test-raw-offsets-reader-never-commits",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "receive.message.max.bytes": 2_000_000_000,
        }
    )
    try:
        partitions = consumer.list_topics(OFFSETS_TOPIC, timeout=TIMEOUT_S).topics[OFFSETS_TOPIC].partitions
        consumer.assign([TopicPartition(OFFSETS_TOPIC, p, 0) for p in partitions])
        records, at_end = [], set()
        deadline = time.monotonic() + 3 * TIMEOUT_S
        while len(at_end) < len(partitions):
            assert time.monotonic() < deadline, f"only {len(at_end)} of {len(partitions)} partitions read to the end"
            for message in consumer.consume(1000, timeout=0.2):
                if message.error() is None:
                    records.append((message.key(), message.value()))
                elif message.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                else:
                    raise AssertionError(message.error())
        return records
    finally:
        consumer.close()


def test_real_commit_records_decode_to_the_commits_made(kafka_bootstrap, engine, unique):
    topic, group = unique("commit-log"), unique("commit-log-group")
    create_topic(kafka_bootstrap, topic, 3)
    before_ms = int(time.time() * 1000)
    commit_offsets(kafka_bootstrap, group, topic, {0: 5, 1: 7, 2: 9})
    commit_offsets(kafka_bootstrap, group, topic, {0: 6})
    delete_group_offsets(kafka_bootstrap, group, topic, [2])
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 6, (topic, 1): 7}
    after_ms = int(time.time() * 1000)

    decoded = [decode_record(key, value) for key, value in read_offsets_topic(kafka_bootstrap)]

    ours = [r for r in decoded if isinstance(r, OffsetRecord) and r.group == group]
    if engine == "noida":
        # The fact the reader's fallback rests on: the commits are served, but never logged.
        assert ours == []
        return
    assert [(r.partition, r.value and r.value.offset) for r in ours] == [(0, 5), (1, 7), (2, 9), (0, 6), (2, None)]
    assert all(before_ms <= r.value.commit_ts_ms <= after_ms for r in ours if r.value)
    assert {r.value.metadata for r in ours if r.value} == {""}
    # Other groups' records decode too, whatever their type; none is off the format.
    assert {type(r) for r in decoded} <= {OffsetRecord, GroupRecord, OtherRecord}
