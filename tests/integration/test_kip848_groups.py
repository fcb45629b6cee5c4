"""Issue #13 item 5: Kafka 4 consumer groups (KIP-848, group.protocol=consumer)
beside classic groups, and share groups (KIP-932) on the same cluster.

Apache Kafka only: noida-db speaks the Kafka 3.8 protocol, which has neither
the ConsumerGroupHeartbeat nor the ShareGroupHeartbeat API.
"""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Producer, ShareConsumer
from support.groups import GroupMember, describe, wait_for
from support.kafka import TIMEOUT_S, create_topic

from kafka_io._client import Connection, make_admin
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.groups.health import silent_members_note
from kafka_io.groups.record_reads import exact_time_lags
from kafka_io.groups.sampler import LagSampler
from kafka_io.groups.status import Status
from kafka_io.live.model import StartPosition
from kafka_io.live.rates import TypeSpec
from kafka_io.live.worker import TailWorker
from kafka_io.topics.snapshot import cluster_snapshot

KIP848 = {"group.protocol": "consumer"}
HOUR_MS = 3_600_000


@pytest.fixture(autouse=True)
def apache_only(engine):
    if engine != "apache":
        pytest.skip("KIP-848 consumer groups and share groups need Apache Kafka 4 (noida-db speaks Kafka 3.8)")


def produce_old(bootstrap: str, topic: str, per_partition: int, partitions: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    ts_ms = int(time.time() * 1000) - HOUR_MS
    for p in range(partitions):
        for i in range(per_partition):
            producer.produce(topic, b'{"event_type": "e"}', partition=p, timestamp=ts_ms + i)
    assert producer.flush(TIMEOUT_S) == 0


def assigned_everything(bootstrap: str, group: str, partitions: int) -> bool:
    """KIP-848 assignments reach the member asynchronously: wait for the coordinator's view."""
    members = describe(bootstrap, group).members
    return len(members) == 1 and len(members[0].assignment.topic_partitions) == partitions


def test_consumer_groups_beside_classic_ones_and_reads_leave_them_alone(settings, kafka_bootstrap, unique):
    topic, new, old = unique("k848"), unique("kip848"), unique("classic")
    create_topic(kafka_bootstrap, topic, 2)
    produce_old(kafka_bootstrap, topic, 5, 2)
    # The KIP-848 member commits its first record only, then keeps reading: lag stays, commits stop.
    member = GroupMember(
        kafka_bootstrap, new, [topic], commit="first", max_per_poll=1, client_id="kip848-worker", config=KIP848
    )
    classic = GroupMember(kafka_bootstrap, old, [topic], client_id="classic-worker").wait_assigned()
    try:
        member.wait_assigned()
        wait_for(lambda: member.commits == 1 and member.consumed == 10, TIMEOUT_S, "the KIP-848 member's first commit")
        wait_for(lambda: assigned_everything(kafka_bootstrap, new, 2), TIMEOUT_S, "the KIP-848 assignment")
        wait_for(lambda: classic.consumed == 10 and classic.commits >= 1, TIMEOUT_S, "the classic member's commit")
        before = describe(kafka_bootstrap, new)
        admin = make_admin(settings)
        by_id = {g.group_id: g for g in fetch_group_lags(Connection(admin, settings), [new, old])}
        kip, cls = by_id[new], by_id[old]
        # Listed with their type, members and assignments.
        assert (kip.group_id, kip.group_type, kip.state) == (new, "CONSUMER", "STABLE")
        assert (cls.group_id, cls.group_type, cls.state) == (old, "CLASSIC", "STABLE")
        assert [m.client_id for m in kip.members] == ["kip848-worker"]
        assert kip.members[0].assignment == ((topic, 0), (topic, 1))
        assert kip.assignor == "uniform"  # the broker-side assignor of KIP-848
        # Exact lag: one partition committed at 1 (5 - 1 = 4 behind), the other never committed.
        lags = sorted((p.lag for p in kip.partitions), key=lambda lag: -1 if lag is None else lag)
        assert lags == [None, 4] and kip.totals.total_lag == 4 and kip.totals.unknown_partitions == 1
        assert all(p.owner is not None and p.owner.client_id == "kip848-worker" for p in kip.partitions)
        assert cls.totals.total_lag == 0
        exact = exact_time_lags(settings, kip.partitions)
        (seconds,) = [t.seconds for (_, p), t in exact.items() if t.seconds]
        assert HOUR_MS / 1000 - 60 < seconds < HOUR_MS / 1000 + 60  # the record after the commit is ~1 h old
        # Statuses: commits stopped while lag > 0 and a member is listed: STALL, and the page says why.
        sampler = LagSampler(settings, interval_s=0.1, window_s=60)
        try:
            for _ in range(3):
                sampler.refresh_groups([new, old])
            health = sampler.health()
            assert (health[new].status, health[old].status) == (Status.STALL, Status.OK)
            assert "group.consumer.session.timeout.ms" in silent_members_note(health[new])
        finally:
            sampler.stop()
        # The dashboard's other reads: the live view from the beginning, and the topics snapshot.
        worker = TailWorker(settings, (topic,), TypeSpec.parse("auto"), StartPosition("earliest")).start()
        try:
            wait_for(lambda: worker.snapshot().messages == 10, TIMEOUT_S, "the live view's 10 events")
        finally:
            worker.stop()
            assert worker.join()
        cluster_snapshot(Connection(admin, settings), topic=topic)
        # Undisturbed: same member and epoch-free assignment, no new assignment callback, commits as they were.
        after = describe(kafka_bootstrap, new)
        assert [m.member_id for m in after.members] == [m.member_id for m in before.members]
        assert (member.assignments, classic.assignments) == (1, 1)
        (again,) = fetch_group_lags(Connection(admin, settings), [new])
        assert {(p.partition, p.committed) for p in again.partitions} == {
            (p.partition, p.committed) for p in kip.partitions
        }
    finally:
        member.stop()
        classic.stop()


def test_a_share_group_breaks_no_read(settings, kafka_bootstrap, unique):
    topic, share = unique("share"), unique("share-group")
    create_topic(kafka_bootstrap, topic, 1)
    consumer = ShareConsumer({"bootstrap.servers": kafka_bootstrap, "group.id": share})
    try:
        consumer.subscribe([topic])
        producer = Producer({"bootstrap.servers": kafka_bootstrap})
        received = 0
        deadline = time.monotonic() + 3 * TIMEOUT_S
        while not received and time.monotonic() < deadline:  # a share group starts at the log end
            producer.produce(topic, b'{"event_type": "e"}')
            producer.flush(TIMEOUT_S)
            received += len([m for m in consumer.poll(0.5) if m.error() is None])
        assert received, "the share consumer never received a record: no share group to test with"
        admin = make_admin(settings)
        sampler = LagSampler(settings, interval_s=0.1, window_s=60)
        try:
            snapshot = sampler.refresh()  # every group the cluster lists
            assert snapshot.error is None
            assert all(g.error is None for g in snapshot.groups if g.group_id.startswith("test-"))
        finally:
            sampler.stop()
        # Asked for by name (a deep link), it is a group the consumer-group API does not know.
        (asked,) = fetch_group_lags(Connection(admin, settings), [share])
        assert (asked.error, asked.members, asked.partitions) == (None, (), ())
        assert cluster_snapshot(Connection(admin, settings), topic=topic).topic(topic) is not None
    finally:
        consumer.close()
