"""Issue #13 item 4: topics written by transactions, committed and aborted.

Each partition of a transactional topic holds offsets no consumer ever reads:
one marker per transaction, and the records of aborted transactions. The live
view and `tail` must count committed events only, a group whose commit sits
on a marker is caught up (lag 0, not a STOP), exact lag in seconds comes from
the next committed record, and high − low is shown as "≈".

On Apache Kafka every marker takes an offset. The tests state each scenario's
precondition (a marker really sits there) on the engines where it holds, and
check the dashboard's answer on every engine.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from support.groups import wait_for
from support.kafka import TIMEOUT_S, commit_offsets, create_topic

from kafka_io._client import Connection, make_admin
from kafka_io.groups import markers
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.groups.record_reads import exact_time_lags
from kafka_io.groups.sampler import LagSampler
from kafka_io.groups.status import Status
from kafka_io.live.model import StartPosition
from kafka_io.live.rates import TypeSpec
from kafka_io.live.worker import TailWorker
from kafka_io.topics.gaps import topic_count_bound
from kafka_io.topics.snapshot import cluster_snapshot

HOUR_MS = 3_600_000


def _event(kind: str) -> bytes:
    return json.dumps({"event_type": kind}).encode()


def write_transactions(bootstrap: str, topic: str, now_ms: int) -> None:
    """3 committed ("ok", 2 h old), 2 aborted ("aborted", 3 h old), 3 committed ("ok", 1 h old)."""
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"txn-{topic}", "linger.ms": 5})
    producer.init_transactions(30)  # the first one waits for __transaction_state to load
    for kind, age_h, commit in (("ok", 2, True), ("aborted", 3, False), ("ok", 1, True)):
        producer.begin_transaction()
        for _ in range(3 if commit else 2):
            producer.produce(topic, _event(kind), partition=0, timestamp=now_ms - age_h * HOUR_MS)
        assert producer.flush(TIMEOUT_S) == 0
        (producer.commit_transaction if commit else producer.abort_transaction)(TIMEOUT_S)


def data_offsets(bootstrap: str, topic: str, isolation: str) -> list[int]:
    """Every record offset of partition 0 as a consumer with this isolation level reads it."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "unused-never-committed",
            "isolation.level": isolation,
            "enable.partition.eof": True,
            "enable.auto.commit": False,
        }
    )
    try:
        consumer.assign([TopicPartition(topic, 0, 0)])
        offsets, deadline = [], time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error():
                return offsets  # end of partition
            offsets.append(message.offset())
        raise AssertionError(f"no end of partition within {TIMEOUT_S} s")
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def txn_topic(kafka_bootstrap):
    topic = f"test-txn-{time.time_ns() % 10**8}"
    create_topic(kafka_bootstrap, topic, 1)
    write_transactions(kafka_bootstrap, topic, int(time.time() * 1000))
    committed = data_offsets(kafka_bootstrap, topic, "read_committed")
    assert len(committed) == 6 and len(data_offsets(kafka_bootstrap, topic, "read_uncommitted")) == 8
    return topic, committed


def high_of(bootstrap: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-never-committed"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=TIMEOUT_S)[1]
    finally:
        consumer.close()


def end_with_plain_event(bootstrap: str, topic: str) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, _event("end"), partition=0)
    assert producer.flush(TIMEOUT_S) == 0


def test_live_view_and_tail_count_only_committed_events(settings, kafka_bootstrap, cluster_env, unique):
    topic = unique("txn-live")
    create_topic(kafka_bootstrap, topic, 1)
    write_transactions(kafka_bootstrap, topic, int(time.time() * 1000))
    end_with_plain_event(kafka_bootstrap, topic)  # seen last: everything before it was read
    # A client.properties that asks for read_uncommitted must not make the viewer count aborted events.
    uncommitted = dataclasses.replace(settings, extra=(("isolation.level", "read_uncommitted"),))
    for viewer_settings in (settings, uncommitted):
        worker = TailWorker(viewer_settings, (topic,), TypeSpec.parse("auto"), StartPosition("earliest")).start()
        try:
            wait_for(lambda w=worker: w.snapshot().totals.get("end") == 1, TIMEOUT_S, "the last event")
            assert worker.snapshot().totals == {"ok": 6, "end": 1}
        finally:
            worker.stop()
            assert worker.join()
    result = subprocess.run(
        [sys.executable, "-m", "kafka_io", "tail", "--topic", topic, "--from-beginning", "--max-messages", "7"]
        + ["--format", "json"],
        capture_output=True,
        text=True,
        env=cluster_env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["by_type"] == {"ok": 6, "end": 1}


def test_a_commit_on_the_last_marker_is_caught_up(settings, kafka_bootstrap, engine, txn_topic, unique):
    topic, committed = txn_topic
    group, after_last = unique("txn-at-marker"), committed[-1] + 1
    high = high_of(kafka_bootstrap, topic)
    if engine == "apache":
        assert high == after_last + 1, "Apache Kafka writes the commit marker at the last offset"
    # A consumer that commits message offset + 1 (as Java consumers and many librdkafka ones do).
    commit_offsets(kafka_bootstrap, group, topic, {0: after_last})
    markers.forget()
    admin = make_admin(settings)
    (first,) = fetch_group_lags(Connection(admin, settings), [group])  # the first sight of this position
    (second,) = fetch_group_lags(Connection(admin, settings), [group])  # unchanged: one read settles it
    (part,) = second.partitions
    assert (part.committed, part.high, part.lag) == (after_last, high, 0)
    assert part.consumed_to == high
    # Time lag: nothing left to read is 0 s, not unknown.
    assert exact_time_lags(settings, first.partitions)[(topic, 0)].seconds == 0.0
    # The status: OK (caught up), where high − committed alone says STOP (no members, lag not moving).
    sampler = LagSampler(settings, interval_s=0.1, window_s=60)
    for _ in range(3):
        sampler.refresh_groups([group])
    health = sampler.health()[group]
    assert (health.status, health.totals.total_lag) == (Status.OK, 0)
    sampler.stop()


def test_exact_lag_in_seconds_uses_the_next_committed_record(settings, kafka_bootstrap, engine, txn_topic, unique):
    topic, committed = txn_topic
    group, after_first = unique("txn-mid"), committed[2] + 1  # just after the first transaction's records
    if engine == "apache":
        assert after_first not in committed, "the first transaction's commit marker sits there"
    commit_offsets(kafka_bootstrap, group, topic, {0: after_first})
    (lag,) = fetch_group_lags(Connection(make_admin(settings), settings), [group])
    seconds = exact_time_lags(settings, lag.partitions)[(topic, 0)].seconds
    # The next committed record is 1 h old; the aborted ones in between are 3 h old.
    assert seconds is not None and 3500 < seconds < 3700 + TIMEOUT_S


def test_counts_say_approximately_where_markers_take_offsets(settings, kafka_bootstrap, engine, txn_topic, unique):
    topic, committed = txn_topic
    plain = unique("plain")
    create_topic(kafka_bootstrap, plain, 1)
    end_with_plain_event(kafka_bootstrap, plain)
    snapshot = cluster_snapshot(Connection(make_admin(settings), settings))
    txn, plain_topic = snapshot.topic(topic), snapshot.topic(plain)
    assert not topic_count_bound(settings, plain_topic, "delete").upper_bound
    assert topic_count_bound(settings, plain_topic, "compact").upper_bound
    bound = topic_count_bound(settings, txn, "delete")
    if txn.messages > len(committed):  # markers and aborted records take offsets (Apache Kafka)
        assert bound.upper_bound and bound.label(txn.messages) == f"≈ {txn.messages:,}", bound
        assert "transaction markers" in bound.reason
    if engine == "apache":
        assert txn.messages == 11  # 6 committed + 2 aborted records + 3 markers
