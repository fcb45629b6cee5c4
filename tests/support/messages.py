"""Events as kafka_io.messages.model.Message, read raw for the tests (assign-only, throwaway group,
always closed), independent of the browse code under test; typed by the Live events rules."""

from __future__ import annotations

import time

from confluent_kafka import KafkaError, TopicPartition

from kafka_io._client import make_viewer_consumer
from kafka_io.config import ClusterSettings
from kafka_io.live.rates import TypeSpec, make_extractor
from kafka_io.messages.model import Message

from .kafka import TIMEOUT_S, CheckedProducer


def produce_records(bootstrap: str, topic: str, records: list[dict], partition: int = 0) -> None:
    """Each record: key, value, headers (list of pairs; values may be None or binary)."""
    producer = CheckedProducer({"bootstrap.servers": bootstrap})
    for record in records:
        producer.produce(topic, record.get("value"), record.get("key"), partition, headers=record.get("headers"))
    producer.flush_delivered()


def read_messages(
    settings: ClusterSettings, topic: str, partition: int, offset: int, count: int
) -> tuple[Message, ...]:
    extract = make_extractor(TypeSpec.parse("auto"))
    consumer = make_viewer_consumer(settings)
    found: list[Message] = []
    try:
        consumer.assign([TopicPartition(topic, partition, offset)])
        deadline = time.monotonic() + TIMEOUT_S
        while len(found) < count and time.monotonic() < deadline:
            for m in consumer.consume(count - len(found), timeout=0.2):
                if m.error() is not None:
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        return tuple(found)
                    continue
                found.append(to_message(m, extract(m.value(), m.headers(), m.key())))
    finally:
        consumer.close()
    return tuple(found)


def to_message(m, event_type: str) -> Message:
    value = m.value()
    return Message(
        m.topic(),
        m.partition(),
        m.offset(),
        m.timestamp()[1],
        m.key(),
        value,
        len(value or b""),
        tuple(m.headers() or ()),
        event_type,
    )
