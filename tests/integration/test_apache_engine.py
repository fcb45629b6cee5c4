"""The Apache Kafka engine (kafka_io.local.apache) against real KRaft nodes.

Independent of the session's broker: each test starts its own cluster in a tmp
dir on free ports and stops it. Needs Java 17+ and the jars (`make kafka-deps`,
which `make test` runs); without them the tests fail and say so.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter

import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType
from support.ports import free_base_port

from kafka_io.local import apache

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _apache_pass_only(engine):
    # Each test starts clusters of its own, whatever the session runs: once is enough,
    # in the pass whose session broker is this very engine (make test keeps near 15 min).
    if engine != "apache":
        pytest.skip("tests the Apache Kafka engine itself: runs in the Apache Kafka pass")


TIMEOUT_S = 30
ISR_RECOVERY_TIMEOUT_S = 60


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _partitions(admin: AdminClient, topic: str) -> dict:
    return admin.list_topics(topic, timeout=TIMEOUT_S).topics[topic].partitions


def test_one_node_round_trip_and_stop(tmp_path):
    data_dir = tmp_path / "apache"
    status = apache.start_cluster(nodes=1, port=free_base_port(1), data_dir=data_dir)
    try:
        assert status.started and status.running and status.nodes == 1
        assert status.pids[0] is not None
        again = apache.start_cluster(nodes=1, port=int(status.bootstrap.rsplit(":", 1)[1]), data_dir=data_dir)
        assert not again.started and again.pids == status.pids

        admin = AdminClient({"bootstrap.servers": status.bootstrap})
        # Before the engine warmed the group coordinator up, this very call on a fresh
        # cluster crashed the process (SIGSEGV in librdkafka); now it answers at once.
        request = [ConsumerGroupTopicPartitions("test-never-seen")]
        offsets = admin.list_consumer_group_offsets(request, request_timeout=TIMEOUT_S)["test-never-seen"]
        assert offsets.result(timeout=TIMEOUT_S).topic_partitions == []
        topic = f"test-apache-{uuid.uuid4().hex[:8]}"
        admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(timeout=TIMEOUT_S)
        producer = Producer({"bootstrap.servers": status.bootstrap, "acks": "all"})
        keys = [f"k{i % 3}" for i in range(10)]
        for i, key in enumerate(keys):
            producer.produce(topic, key=key.encode(), value=str(i).encode())
        assert producer.flush(TIMEOUT_S) == 0

        consumer = Consumer(
            {"bootstrap.servers": status.bootstrap, "group.id": f"g-{topic}", "enable.auto.commit": False}
        )
        try:
            ends = [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT_S) for p in (0, 1)]
            assert sum(high - low for low, high in ends) == 10
            consumer.assign([TopicPartition(topic, p, 0) for p in (0, 1)])
            seen: Counter[str] = Counter()
            deadline = time.monotonic() + TIMEOUT_S
            while sum(seen.values()) < 10 and time.monotonic() < deadline:
                msg = consumer.poll(0.5)
                if msg is not None and not msg.error():
                    seen[msg.key().decode()] += 1
        finally:
            consumer.close()
        assert seen == Counter(keys)

        configs = admin.describe_configs([ConfigResource(ResourceType.BROKER, "0")])
        entries = next(iter(configs.values())).result(timeout=TIMEOUT_S)
        assert len(entries) > 100
        assert entries["process.roles"].value == "broker,controller"
    finally:
        stopped = apache.stop_cluster(data_dir)
    assert stopped
    assert all(_gone(pid) for pid in status.pids)
    after = apache.cluster_status(data_dir)
    assert not after.running and after.pids == (None,)


def test_three_nodes_replicate_and_survive_a_killed_node(tmp_path):
    data_dir = tmp_path / "apache3"
    started = time.monotonic()
    status = apache.start_cluster(nodes=3, port=free_base_port(3), data_dir=data_dir)
    every_pid = set(status.pids)
    try:
        assert status.running and len(status.bootstrap.split(",")) == 3 and None not in status.pids
        admin = AdminClient({"bootstrap.servers": status.bootstrap})
        topic = f"test-apache-rf3-{uuid.uuid4().hex[:8]}"
        admin.create_topics([NewTopic(topic, 3, 3, config={"min.insync.replicas": "2"})])[topic].result(
            timeout=TIMEOUT_S
        )
        for meta in _partitions(admin, topic).values():
            assert sorted(meta.replicas) == [0, 1, 2]
            assert sorted(meta.isrs) == [0, 1, 2]

        assert apache.kill_node(data_dir, 2)
        down = apache.cluster_status(data_dir)
        assert down.running and down.pids[2] is None and _gone(status.pids[2])
        producer = Producer({"bootstrap.servers": status.bootstrap, "acks": "all"})
        for i in range(6):
            producer.produce(topic, key=f"k{i}".encode(), value=b"v")
        assert producer.flush(TIMEOUT_S) == 0  # two in-sync replicas still meet min.insync.replicas

        back = apache.start_node(data_dir, 2)
        every_pid.update(back.pids)
        assert back.started and back.pids[2] is not None
        deadline = time.monotonic() + ISR_RECOVERY_TIMEOUT_S
        while time.monotonic() < deadline:
            if all(sorted(m.isrs) == [0, 1, 2] for m in _partitions(admin, topic).values()):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"node 2 did not rejoin every ISR within {ISR_RECOVERY_TIMEOUT_S} s")
    finally:
        stopped = apache.stop_cluster(data_dir)
    assert stopped
    assert all(_gone(pid) for pid in every_pid if pid)
    print(f"3-node start, RF=3 topic, kill/restart and stop took {time.monotonic() - started:.1f} s")
