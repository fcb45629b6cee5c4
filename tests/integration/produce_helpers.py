"""Reading back what the producer tests sent: assign-only, throwaway group, always closed."""

from __future__ import annotations

import time

from confluent_kafka import OFFSET_BEGINNING, KafkaError, TopicPartition

from kafka_io._client import make_admin, make_viewer_consumer
from kafka_io.config import ClusterSettings

READ_TIMEOUT_S = 15


def read_topic(settings: ClusterSettings, topic: str, expected: int, timeout_s: float = READ_TIMEOUT_S) -> list:
    """(partition, offset, key, value, headers, timestamp_ms) of every record, stopping at EOF of all partitions."""
    partitions = make_admin(settings).list_topics(timeout=settings.timeout_s).topics[topic].partitions
    consumer = make_viewer_consumer(settings)
    records, at_eof = [], set()
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and (len(records) < expected or len(at_eof) < len(partitions)):
            for msg in consumer.consume(1000, timeout=0.2):
                if msg.error() is None:
                    records.append(
                        (
                            msg.partition(),
                            msg.offset(),
                            msg.key(),
                            msg.value(),
                            tuple(msg.headers() or ()),
                            msg.timestamp()[1],
                        )
                    )
                    at_eof.discard(msg.partition())
                elif msg.error().code() == KafkaError._PARTITION_EOF:
                    at_eof.add(msg.partition())
    finally:
        consumer.close()
    return records


def end_offsets(settings: ClusterSettings, topic: str) -> dict[int, int]:
    partitions = make_admin(settings).list_topics(timeout=settings.timeout_s).topics[topic].partitions
    consumer = make_viewer_consumer(settings)
    try:
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=settings.timeout_s)[1]
            for p in partitions
        }
    finally:
        consumer.close()
