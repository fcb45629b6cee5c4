"""Test helpers that set up real topics, records and committed offsets with confluent-kafka."""

from __future__ import annotations

import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT_S = 10
# A group's coordinator loading or moving: librdkafka calls these permanent, Kafka's Java client retries them.
COORDINATOR_MOVING = {
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
}


class CheckedProducer(Producer):
    """A test producer whose flush_delivered() fails on a failed delivery too.

    flush() == 0 only says nothing is still queued: a record librdkafka dropped with an error
    (an unknown partition, a timeout) leaves the queue as well, and a test built on it would
    then fail later, far from the cause (the deep-link flake of 2026-12-07)."""

    def __init__(self, config: dict) -> None:
        self.delivery_errors: list[str] = []
        super().__init__({**config, "on_delivery": self._on_delivery})

    def _on_delivery(self, err, msg) -> None:
        if err is not None:
            self.delivery_errors.append(f"{msg.topic()}[{msg.partition()}]: {err.str()}")

    def flush_delivered(self, timeout_s: float = TIMEOUT_S) -> None:
        assert self.flush(timeout_s) == 0, "records still queued"
        assert self.delivery_errors == [], f"failed deliveries: {self.delivery_errors}"


def create_topic(bootstrap: str, name: str, partitions: int = 1, config: dict | None = None) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(name, partitions, 1, config=config or {})], operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S
    )
    futures[name].result(timeout=TIMEOUT_S)


def produce(bootstrap: str, topic: str, counts: dict[int, int], value: bytes = b"{}") -> None:
    """Produce counts[partition] records to each partition and wait for delivery."""
    producer = CheckedProducer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for partition, n in counts.items():
        for i in range(n):
            producer.produce(topic, value=value, key=str(i).encode(), partition=partition)
    producer.flush_delivered()


def commit_offsets(bootstrap: str, group: str, topic: str, offsets: dict[int, int]) -> None:
    """Commit offsets for a group without consuming (assign-only, then close).

    Retries what Kafka says is retriable: a coordinator still loading
    (__consumer_offsets is created at the first group request) answers NOT_COORDINATOR.
    """
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    deadline = time.monotonic() + TIMEOUT_S * 3
    try:
        tps = [TopicPartition(topic, p, o) for p, o in offsets.items()]
        while True:
            try:
                consumer.commit(offsets=tps, asynchronous=False)
                return
            except KafkaException as exc:
                error = exc.args[0]
                if not (error.retriable() or error.code() in COORDINATOR_MOVING) or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        consumer.close()
