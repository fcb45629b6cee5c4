"""Test helpers that set up real topics, records and groups with confluent-kafka."""

from __future__ import annotations

import socket

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT_S = 10


def create_topic(bootstrap: str, name: str, partitions: int = 1, config: dict | None = None) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(name, partitions, 1, config=config or {})], operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S
    )
    futures[name].result(timeout=TIMEOUT_S)


def produce(bootstrap: str, topic: str, counts: dict[int, int], value: bytes = b"{}") -> None:
    """Produce counts[partition] records to each partition and wait for delivery."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for partition, n in counts.items():
        for i in range(n):
            producer.produce(topic, value=value, key=str(i).encode(), partition=partition)
    assert producer.flush(TIMEOUT_S) == 0


def commit_offsets(bootstrap: str, group: str, topic: str, offsets: dict[int, int]) -> None:
    """Commit offsets for a group without consuming (assign-only, then close)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        tps = [TopicPartition(topic, p, o) for p, o in offsets.items()]
        consumer.commit(offsets=tps, asynchronous=False)
    finally:
        consumer.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
