"""The Messages reads' Kafka side: where partitions start and end, and exact offset ranges.

Reading follows Live events' rules: a viewer consumer (clients.make_viewer_consumer:
assign() only, a throwaway kdash-viewer-<uuid> group id, no commit, read_committed),
one consumer per read, created, used and closed by the calling thread. Seeks are
O(1): the watermarks and offsets-for-time come from one batched ListOffsets
(kafka_io._client.list_offsets), never from reading the log.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, KafkaError, KafkaException, TopicPartition
from confluent_kafka import Message as KafkaMessage

from kafka_io._client import EARLIEST, LATEST, make_viewer_consumer, translate_error
from kafka_io.cluster import Cluster
from kafka_io.errors import InvalidInput
from kafka_io.live.framed import decoder_for, framed_view
from kafka_io.live.rates import TypeSpec, make_extractor
from kafka_io.messages.model import MAX_VALUE_BYTES, Message, PartitionError, Seek, Span
from kafka_io.topics.absent import absent_topic
from kafka_io.topics.names import validate_topic_name
from kafka_io.topics.snapshot import read_metadata
from kafka_io.wire import TP

__all__ = [
    "BATCH",
    "POLL_S",
    "Layout",
    "MessageMaker",
    "assign",
    "RangeRead",
    "layout",
    "read_ranges",
    "reader",
    "take",
    "viewer",
    "watermarks",
]

BATCH = 10_000  # messages per consume() call
POLL_S = 0.2
# A read of one page needs a few records per partition, not the rest of the log
# (brokers that honour fetch sizes; noida-db does not, see the design notes).
PAGE_OVERRIDES = {
    # A fetch still returns a first record bigger than this (KIP-74): 1 MB values read fine.
    "max.partition.fetch.bytes": 65_536,
    "fetch.max.bytes": 1_048_576,
    # Not lower queued.min.messages: past it librdkafka waits fetch.queue.backoff.ms (1 s) before
    # the next fetch, and a page whose range spans two record batches took 1-2 s (10 M events, Apache).
    # An offset deleted by retention since the watermarks were read: start at the oldest left.
    "auto.offset.reset": "earliest",
}


class MessageMaker:
    """Turns confluent messages into ``Message`` values: type by the Live events rules,
    schema-registry records decoded, values over MAX_VALUE_BYTES cut (size kept).
    For ONE thread (the schema decoder is); ``close()`` when done."""

    def __init__(self, settings, type_field: str = "auto") -> None:
        self.spec = spec = TypeSpec.parse(type_field)
        # A page is read once and then shown: a schema seen for the first time may take the
        # cluster's timeout to arrive (the live tail waits 0.5 s, then shows "loading").
        self.decoder = decoder_for(settings, wait_s=settings.timeout_s)
        self.extract = make_extractor(spec, self.decoder)

    def close(self) -> None:
        if self.decoder is not None:
            self.decoder.close()

    def __call__(self, m: KafkaMessage) -> Message:
        value, key, headers = m.value(), m.key(), m.headers()
        ts_type, ts_ms = m.timestamp()
        size = 0 if value is None else len(value)
        decoded = schema = None
        if self.decoder is not None:
            framed = framed_view(self.decoder, value, key)
            if framed is not None:
                decoded, schema = framed.value_json, framed.schema or None
        return Message(
            m.topic(),
            m.partition(),
            m.offset(),
            None if ts_type == TIMESTAMP_NOT_AVAILABLE else ts_ms,
            key,
            value if size <= MAX_VALUE_BYTES else value[:MAX_VALUE_BYTES],
            size,
            tuple(headers) if headers else (),
            self.extract(value, headers, key),
            decoded,
            schema,
        )


@dataclass(frozen=True, slots=True)
class Layout:
    """A topic's partitions at one moment: watermarks, and the offsets a timestamp seek found."""

    topic: str
    partitions: tuple[int, ...]  # the readable ones (no error)
    lows: dict[int, int]
    highs: dict[int, int]
    found: dict[int, int | None]  # timestamp seeks: first offset at or after the time
    errors: tuple[PartitionError, ...]


def _partition_ids(cluster: Cluster, topic: str, partition: int | None) -> list[int]:
    metadata = cluster.run(read_metadata)
    meta = metadata.topics.get(topic)
    if meta is None or (meta.error is not None and not meta.partitions):
        raise cluster.run(absent_topic, topic)
    ids = sorted(meta.partitions)
    if partition is None:
        return ids
    if partition not in meta.partitions:
        raise InvalidInput(f"topic {topic!r} has no partition {partition} (it has {len(ids)}: 0 to {len(ids) - 1})")
    return [partition]


def layout(cluster: Cluster, topic: str, partition: int | None = None, seek: Seek | None = None) -> Layout:
    """Watermarks of ``topic`` (or of one partition), plus a timestamp seek's offsets; one
    metadata read and one batched ListOffsets. A partition that fails is an error cell."""
    topic = validate_topic_name(topic)
    if partition is not None and (type(partition) is not int or partition < 0):
        raise InvalidInput(f"partition must be a whole number ≥ 0, got {partition!r}")
    ids = _partition_ids(cluster, topic, partition)
    queries = [EARLIEST, LATEST] + ([seek.value] if seek is not None and seek.kind == "timestamp" else [])
    answers = cluster.list_offsets([(topic, p) for p in ids], *queries)
    lows, highs, found, errors = {}, {}, {}, []
    for p in ids:
        (low, low_error), (high, high_error) = answers[0][(topic, p)], answers[1][(topic, p)]
        at, at_error = answers[2][(topic, p)] if len(answers) > 2 else (None, None)
        error = low_error or high_error or at_error
        if error or low is None or high is None:
            errors.append(PartitionError(p, error or f"{topic}[{p}]: no watermarks"))
            continue
        lows[p], highs[p], found[p] = low, high, at
    return Layout(topic, tuple(p for p in ids if p in lows), lows, highs, found, tuple(errors))


def watermarks(cluster: Cluster, topic: str, partitions: Mapping[int, int]) -> Layout:
    """The layout of the partitions a page already covers (paging keeps them)."""
    whole = layout(cluster, topic)
    keep = set(partitions)
    return Layout(
        topic,
        tuple(p for p in whole.partitions if p in keep),
        {p: o for p, o in whole.lows.items() if p in keep},
        {p: o for p, o in whole.highs.items() if p in keep},
        {},
        tuple(e for e in whole.errors if e.partition in keep),
    )


@dataclass(slots=True)
class RangeRead:
    """What a range read returned per partition, and where it stopped."""

    messages: dict[TP, list[Message]]
    reached: dict[TP, int]  # the next offset to read
    errors: dict[TP, str]


@contextlib.contextmanager
def viewer(settings, **overrides):
    """A viewer consumer for one read, closed after it. Made before the offsets are looked up,
    so that its connection to the cluster is set up meanwhile (a cold page read on Apache Kafka:
    the metadata and ListOffsets round trips overlap the consumer's bootstrap)."""
    try:
        consumer = make_viewer_consumer(settings, **{**PAGE_OVERRIDES, **overrides})
    except KafkaException as exc:
        raise translate_error(exc, settings, "reading messages") from None
    try:
        yield consumer
    except KafkaException as exc:
        raise translate_error(exc, settings, "reading messages") from None
    finally:
        consumer.close()


@contextlib.contextmanager
def reader(settings, type_field: str = "auto", **overrides):
    """(consumer, MessageMaker) for one read: the viewer consumer and the message converter, both closed after."""
    maker = MessageMaker(settings, type_field)
    try:
        with viewer(settings, **overrides) as consumer:
            yield consumer, maker
    finally:
        maker.close()


def read_ranges(
    settings,
    consumer,
    ranges: Mapping[TP, Span],
    make: Callable[[KafkaMessage], Message],
    timeout_s: float | None = None,
) -> RangeRead:
    """Every committed record with an offset in [start, end) of each partition, in offset order.

    A partition whose log ends first (end of partition, or of its stable part
    before an open transaction) stops there; one still short at the deadline
    (``timeout_s``, default settings.timeout_s) gets an error in plain words.
    """
    wanted = {tp: span for tp, span in ranges.items() if span[1] > span[0]}
    result = RangeRead({tp: [] for tp in ranges}, {tp: span[0] for tp, span in ranges.items()}, {})
    if not wanted:
        return result
    timeout_s = settings.timeout_s if timeout_s is None else timeout_s
    deadline = time.monotonic() + timeout_s
    assign(consumer, [TopicPartition(t, p, start) for (t, p), (start, _) in wanted.items()], timeout_s)
    _fill(consumer, wanted, result, make, deadline)
    for tp in wanted:  # still pending at the deadline
        result.errors.setdefault(tp, f"{tp[0]}[{tp[1]}]: no records within {timeout_s:g} s")
    return result


def assign(consumer, partitions: list[TopicPartition], timeout_s: float) -> None:
    """assign(), after asking for the topics' metadata: a consumer whose first metadata answer came
    before it knew the topic fetches nothing until librdkafka's 1 s refresh of unknown topics (seen
    on Apache Kafka: 1.0 s of 1.07 s for a page). A consumer never auto-creates a topic."""
    for topic in sorted({tp.topic for tp in partitions}):
        consumer.list_topics(topic, timeout=timeout_s)
    consumer.assign(partitions)


def take(consumer, most: int, wait_s: float) -> list:
    """Up to ``most`` queued messages, waiting at most ``wait_s`` for the first: consume(n, t)
    alone would wait out ``t`` whenever fewer than n are left (the end of every short read)."""
    batch = consumer.consume(most, 0)
    if batch:
        return batch
    first = consumer.poll(wait_s)
    if first is None:
        return []
    return [first, *consumer.consume(most - 1, 0)] if most > 1 else [first]


def _fill(consumer, pending: dict[TP, Span], result: RangeRead, make, deadline: float) -> None:
    last_error: dict[TP, str] = {}
    while pending and time.monotonic() < deadline:
        for m in take(consumer, BATCH, POLL_S):
            tp = (m.topic(), m.partition())
            span = pending.get(tp)
            if span is None:
                continue
            error = m.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    result.reached[tp] = max(result.reached[tp], m.offset())
                    _done(consumer, pending, tp)
                else:  # transient (a leader moving): keep trying until the deadline
                    last_error[tp] = f"{tp[0]}[{tp[1]}]: {error.str()}"
                continue
            offset = m.offset()
            if offset >= span[1]:
                _done(consumer, pending, tp)
                continue
            result.messages[tp].append(make(m))
            result.reached[tp] = offset + 1
            if offset + 1 >= span[1]:
                _done(consumer, pending, tp)
    result.errors.update({tp: last_error[tp] for tp in pending if tp in last_error})


def _done(consumer, pending: dict[TP, Span], tp: TP) -> None:
    del pending[tp]
    consumer.pause([TopicPartition(*tp)])
