"""The burst engine's accounting under failures a real broker will not produce on demand.

A fake producer stands in only here: a fatal idempotence error, a queue that
stays full, a client that raises mid-burst. Real-broker behaviour (delivery,
a broker stopped mid-burst, Stop) is in tests/integration/test_produce.py.
"""

from __future__ import annotations

from collections import Counter

import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, KafkaError, KafkaException

from kafka_io.config import ClusterSettings
from kafka_io.produce.burst.engine import MAX_PRODUCER_RECREATES, Burst
from kafka_io.produce.burst.source import SpecSource, TemplateSource
from kafka_io.produce.inputs import SOURCE_HEADER_PAIR, TopicLimits
from kafka_io.produce.producer import ProducerHandle, send_one
from kafka_io.produce.templates import compile_template
from kafka_io.produce.validation import EventSpec

FATAL = "Broker: Out of order sequence number"


class FakeMsg:
    def __init__(self, partition: int, value: bytes | None = None, key: bytes | None = None) -> None:
        self._partition, self._value, self._key = partition, value, key

    def value(self) -> bytes | None:
        return self._value

    def key(self) -> bytes | None:
        return self._key

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return 41

    def timestamp(self) -> tuple[int, int]:
        return TIMESTAMP_CREATE_TIME, 1_700_000_000_000


class FakeProducer:
    """Queues events; poll/flush confirm them as librdkafka does with delivery.report.only.error:
    a failure calls the event's callback, a success is silent."""

    def __init__(
        self,
        *,
        fatal_at: int | None = None,
        hold: bool = False,
        full_after: int | None = None,
        refuse: dict[int, KafkaError] | None = None,
        raise_at: int | None = None,
        fail: set[int] | None = None,
        report_success: bool = False,
    ) -> None:
        self.report_success = report_success  # the shared producer (send_one) reports successes too
        self.fatal_at, self.hold, self.full_after = fatal_at, hold, full_after
        self.refuse, self.raise_at, self.fail = refuse or {}, raise_at, fail or set()
        self.queue: list = []
        self.sent: list[tuple] = []
        self.purged = False

    def __len__(self) -> int:
        return len(self.queue)

    def produce(
        self, topic, value=None, key=None, partition=-1, on_delivery=None, callback=None, timestamp=0, headers=None
    ):  # confluent-kafka's order
        n = len(self.sent)
        if self.raise_at is not None and n == self.raise_at:
            raise RuntimeError("client exploded")
        if self.fatal_at is not None and n >= self.fatal_at:
            if self.queue:  # librdkafka fails what it holds with the fatal error, then refuses new events
                self._serve(KafkaError(KafkaError._FATAL, FATAL, fatal=True))
            raise KafkaException(KafkaError(KafkaError._FATAL, FATAL, fatal=True))
        if n in self.refuse:
            self.sent.append(None)
            raise KafkaException(self.refuse[n])
        if self.full_after is not None and len(self.queue) >= self.full_after:
            raise BufferError("Local: Queue full")
        self.sent.append((topic, value, key, partition, tuple(headers or ())))
        self.queue.append((on_delivery, FakeMsg(partition, value, key), n))

    def _serve(self, err=None) -> int:
        queue, self.queue = self.queue, []
        for callback, msg, n in queue:
            error = err or (KafkaError(KafkaError._MSG_TIMED_OUT) if n in self.fail else None)
            if error is not None or self.report_success:
                callback(error, msg)
        return len(queue)

    def poll(self, timeout=0):
        return 0 if self.hold else self._serve()

    def flush(self, timeout=0):
        if not self.hold:
            self._serve()
        return len(self.queue)

    def purge(self, in_queue=True, in_flight=True, blocking=True):
        self.purged = True
        self._serve(KafkaError(KafkaError._PURGE_QUEUE))


def template_source(count: int, chunk_events: int = 10) -> TemplateSource:
    return TemplateSource(compile_template('{"n": {{seq}}}'), b"k", count, (("h", b"v"),), -1, chunk_events, seed=1)


def run(source, *producers, **kwargs) -> Burst:
    made = iter(producers)
    burst = Burst("t", source, lambda: next(made), confirm_timeout_s=0.2, message_timeout_s=3, **kwargs)
    burst.run()
    return burst


def accounted(summary) -> None:
    """The invariant, and the failure list agreeing with the counts."""
    assert summary.delivered + summary.failed == summary.requested
    rows = list(summary.failure_rows())
    assert len(rows) == summary.failed == len({index for index, _ in rows})


def test_every_event_is_sent_with_the_source_header_and_counted():
    producer = FakeProducer()
    summary = run(template_source(25), producer).summary
    accounted(summary)
    assert (summary.requested, summary.delivered, summary.failed) == (25, 25, 0)
    assert [row[1] for row in producer.sent] == [f'{{"n": {i}}}'.encode() for i in range(1, 26)]
    assert {row[4] for row in producer.sent} == {(("h", b"v"), SOURCE_HEADER_PAIR)}
    assert summary.partitions == ((0, 25),)


def test_fatal_error_recreates_the_producer_and_carries_on():
    first, second = FakeProducer(fatal_at=13), FakeProducer()
    burst = run(template_source(30), first, second)
    summary = burst.summary
    accounted(summary)
    # Events 0-9 (first chunk) were confirmed before the failure; 10-12 were held by the broken producer.
    assert (summary.requested, summary.delivered, summary.failed) == (30, 27, 3)
    assert list(summary.failure_rows()) == [(10, FATAL), (11, FATAL), (12, FATAL)]
    assert summary.notes == (f"the producer hit a fatal error ({FATAL}) and was recreated",)
    # The new producer starts exactly where the old one refused: event 13 (seq 14).
    assert second.sent[0][1] == b'{"n": 14}' and len(second.sent) == 17


def test_a_producer_that_keeps_failing_is_given_up_and_the_rest_is_failed():
    producers = [FakeProducer(fatal_at=0) for _ in range(MAX_PRODUCER_RECREATES + 1)]
    summary = run(template_source(20), *producers).summary
    accounted(summary)
    assert (summary.requested, summary.delivered, summary.failed) == (20, 0, 20)
    reason = f"not sent: the producer failed {MAX_PRODUCER_RECREATES + 1} times ({FATAL})"
    assert [(s.first, s.count, s.reason) for s in summary.failures] == [(0, 20, reason)]


def test_a_queue_that_stays_full_fails_the_rest_as_not_sent():
    producer = FakeProducer(hold=True, full_after=15)
    summary = run(template_source(40), producer).summary
    accounted(summary)
    assert (summary.requested, summary.delivered, summary.failed) == (40, 0, 40)
    assert [(s.first, s.count, s.reason) for s in summary.failures] == [
        (0, 15, "not confirmed within 0.2 s (never sent: Kafka did not answer)"),
        (15, 25, "not sent: Kafka confirmed nothing for 0.2 s"),
    ]
    assert producer.purged


def test_events_the_client_refuses_fail_alone():
    producer = FakeProducer(refuse={3: KafkaError(KafkaError.MSG_SIZE_TOO_LARGE)})
    summary = run(template_source(6), producer).summary
    accounted(summary)
    assert list(summary.failure_rows()) == [(3, "Broker: Message size too large")]
    assert summary.delivered == 5


def test_an_unexpected_error_still_accounts_for_every_event():
    producer = FakeProducer(raise_at=12)
    summary = run(template_source(30), producer).summary
    accounted(summary)
    assert (summary.requested, summary.delivered) == (30, 10)
    # 10 and 11 were in the client's queue, purged; 12 on were never sent.
    assert [(s.first, s.count, s.reason) for s in summary.failures] == [
        (10, 2, "not confirmed within 0.2 s (never sent: Kafka did not answer)"),
        (12, 18, "the burst ended on an unexpected error: RuntimeError: client exploded"),
    ]
    assert summary.notes == ("the burst ended on an unexpected error: RuntimeError: client exploded",)


def test_stop_before_start_sends_nothing_and_requests_nothing():
    producer = FakeProducer()
    burst = Burst("t", template_source(50), lambda: producer, confirm_timeout_s=0.2)
    burst.stop()
    summary = burst.run()
    accounted(summary)
    assert (summary.planned, summary.requested, summary.not_sent, summary.stopped) == (50, 0, 50, True)
    assert producer.sent == []


def test_spec_sources_keep_each_events_key_partition_and_headers():
    specs = [EventSpec(b"a", b"k1", (("x", b"1"),), 2), EventSpec(None, None, (), None)]
    producer = FakeProducer()
    summary = run(SpecSource(specs, partition=1), producer).summary
    accounted(summary)
    assert producer.sent == [
        ("t", b"a", b"k1", 2, (("x", b"1"), SOURCE_HEADER_PAIR)),
        ("t", None, None, 1, (SOURCE_HEADER_PAIR,)),
    ]
    assert summary.partitions == ((1, 1), (2, 1))


def test_failed_events_are_rendered_again_exactly_for_the_retry_file():
    producer = FakeProducer(refuse={4: KafkaError(KafkaError.MSG_SIZE_TOO_LARGE)})
    source = TemplateSource(compile_template('{"n": {{seq}}, "r": {{randint:1:1000000}}}'), None, 8, (), -1, 3, seed=9)
    burst = run(source, producer)
    sent_value = source.render(1, burst._chunk_now_ms[1])[0][1]  # index 4 = chunk 1, position 1
    assert burst.failed_events() == {4: EventSpec(sent_value, None, (), None)}
    assert burst.failures_jsonl() == (
        b'{"index": 4, "error": "Broker: Message size too large", "value": "'
        + sent_value.replace(b'"', b'\\"')
        + b'"}\n'
    )


@pytest.mark.parametrize("rate, chunk", [(None, 2000), (10, 1), (1000, 50), (1e6, 2000)])
def test_chunks_are_small_at_a_set_rate(rate, chunk):
    from kafka_io.produce.burst.source import chunk_events_for

    assert chunk_events_for(rate) == chunk


# --- send_one on the shared producer -------------------------------------------------

LIMITS = TopicLimits("t", 3, 1_000_000, "max.message.bytes of topic 't'")


def test_send_one_recreates_a_fatally_broken_shared_producer_and_says_so():
    broken, fresh = FakeProducer(fatal_at=0), FakeProducer(report_success=True)
    made = iter([broken, fresh])
    handle = ProducerHandle(ClusterSettings(timeout_s=0.2), factory=lambda: next(made))
    result = send_one(handle, LIMITS, EventSpec(b"v", partition=1))
    assert (result.ok, result.partition, result.offset, result.timestamp_ms) == (True, 1, 41, 1_700_000_000_000)
    assert result.note == f"the producer hit a fatal error ({FATAL}) and was recreated"
    assert handle.get() is fresh and handle.recreated == 1
    assert fresh.sent == [("t", b"v", None, 1, (SOURCE_HEADER_PAIR,))]


def test_send_one_without_an_answer_says_so_in_plain_words():
    handle = ProducerHandle(ClusterSettings(timeout_s=0.1), factory=lambda: FakeProducer(hold=True))
    result = send_one(handle, LIMITS, EventSpec(b"v"))
    assert not result.ok and result.offset is None
    assert result.error == "not confirmed within 0.2 s; it is still queued and may yet be written"


# --- failure reports name their exact event; partitions are known without success reports ---

TIMED_OUT = "not confirmed within 3 s (message timed out)"


def test_failure_reports_are_matched_to_their_exact_index():
    producer = FakeProducer(fail={3, 17, 18})
    burst = run(template_source(25), producer)
    accounted(burst.summary)
    assert list(burst.summary.failure_rows()) == [(3, TIMED_OUT), (17, TIMED_OUT), (18, TIMED_OUT)]
    assert burst.failed_events()[17].value == b'{"n": 18}'  # seq is index + 1
    assert burst.summary.partitions == ((0, 22),)


def test_identical_events_failing_are_each_counted_once():
    source = TemplateSource(b"same", None, 12, (), -1, 5, seed=0)
    summary = run(source, FakeProducer(fail={1, 6, 7})).summary
    accounted(summary)
    # Identical events cannot be told apart: the count and the content are exact, the indexes are chunk-true.
    assert [index // 5 for index, _ in summary.failure_rows()] == [0, 1, 1]
    assert summary.delivered == 9


def test_keyless_events_stick_to_one_partition_per_chunk():
    source = TemplateSource(compile_template("{{seq}}"), None, 30, (), -1, 10, seed=1, partition_count=3)
    producer = FakeProducer()
    summary = run(source, producer).summary
    assert [row[3] for row in producer.sent] == [1] * 10 + [2] * 10 + [0] * 10
    assert summary.partitions == ((0, 10), (1, 10), (2, 10))


@pytest.mark.parametrize("partitioner", ["murmur2_random", "consistent_random"])
def test_keyed_events_go_where_the_partitioner_would_send_them(partitioner):
    from zlib import crc32

    from kafka_io.produce.partitioner import murmur2

    source = TemplateSource(
        compile_template("{{seq}}"),
        compile_template("user-{{seq}}"),
        40,
        (),
        -1,
        16,
        seed=1,
        partition_count=6,
        partitioner=partitioner,
    )
    producer = FakeProducer(fail={5})
    summary = run(source, producer).summary
    hashed = (lambda k: murmur2(k) & 0x7FFFFFFF) if partitioner == "murmur2_random" else crc32
    expected = [hashed(f"user-{i}".encode()) % 6 for i in range(1, 41)]
    assert [row[3] for row in producer.sent] == expected
    delivered = Counter(expected)
    delivered[expected[5]] -= 1
    assert summary.partitions == tuple(sorted((p, n) for p, n in delivered.items() if n))
