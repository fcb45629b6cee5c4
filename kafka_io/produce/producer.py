"""Sending test events one at a time, on the cluster's shared producer (bursts: produce.bursts).

- ``ProducerHandle``: the one idempotent producer per cluster (acks=all,
  enable.idempotence=true), attached to the ``Cluster`` handle
  (``producer_handle``) and closed after IDLE_CLOSE_S unused. After a fatal
  error (an idempotent producer's OUT_OF_ORDER_SEQUENCE_NUMBER after a broker
  lost acknowledged writes, for one) it recreates the producer, and the
  result says so.
- Every call enters the write guard first (read-only mode, the caller's role,
  the audit line) before anything else happens. Inputs are checked (produce.inputs, burst.source) before sending.
- Every event carries ``SOURCE_HEADER_PAIR`` (``x-kdash-source: dashboard``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, KafkaError, KafkaException, Producer

from kafka_io._client import make_producer
from kafka_io.access.actor import Actor
from kafka_io.access.guard import write_guard
from kafka_io.cluster import Cluster, Part
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput
from kafka_io.produce.inputs import (
    MAX_TIMESTAMP_MS,
    SOURCE_HEADER_KEY,
    SOURCE_HEADER_PAIR,
    SOURCE_HEADER_VALUE,
    TopicLimits,
    check_event,
    with_source,
)
from kafka_io.produce.validation import EventSpec

__all__ = [
    "SOURCE_HEADER_PAIR",
    "SOURCE_HEADER_KEY",
    "SOURCE_HEADER_VALUE",
    "CLIENT_MESSAGE_MAX_BYTES",
    "DeliveryResult",
    "ProducerHandle",
    "confirm_timeout_s",
    "producer_handle",
    "send_one",
]

log = logging.getLogger("kafka_io")

# The client's own cap is set far above any topic's: the topic's limit (checked
# before sending) is the one that matters, not librdkafka's default of 1,000,000.
CLIENT_MESSAGE_MAX_BYTES = 64 * 1024 * 1024
CLIENT_BATCH_MAX_BYTES = 1_000_000  # librdkafka's default batch.size
CONFIRM_TIMEOUT_FACTOR = 2  # wait for confirmations this many times the cluster's timeout_s
MESSAGE_TIMEOUT_FACTOR = 6  # librdkafka gives up on an event after this many times timeout_s
ONE_POLL_S = 0.02
# An idempotent producer fetches its producer id first: about 0.5 s on the first event only.
STARTUP_NOTE = "the latency includes starting the producer (first event on this cluster)"
PROGRESS_EVERY_S = 0.5
# A producer nobody sent on for this long is closed (its connections and
# threads freed); the next event makes a new one and pays STARTUP_NOTE again.
IDLE_CLOSE_S = 300.0
CLOSE_FLUSH_S = 5.0


def after(delay_s: float, action: Callable[[], None]) -> None:
    timer = threading.Timer(delay_s, action)
    timer.daemon = True
    timer.start()


def confirm_timeout_s(settings: ClusterSettings) -> float:
    """How long a send waits for the broker's confirmation before calling an event not confirmed."""
    return settings.timeout_s * CONFIRM_TIMEOUT_FACTOR


def message_timeout_s(settings: ClusterSettings) -> float:
    return max(settings.timeout_s * MESSAGE_TIMEOUT_FACTOR, 5.0)


def producer_overrides(settings: ClusterSettings) -> dict:
    return {
        "message.max.bytes": CLIENT_MESSAGE_MAX_BYTES,
        "message.timeout.ms": int(message_timeout_s(settings) * 1000),
    }


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The broker's answer for one event, or why there is none (in plain words)."""

    topic: str
    partition: int | None
    offset: int | None
    timestamp_ms: int | None
    latency_ms: float
    error: str | None = None
    note: str | None = None  # e.g. the producer was recreated after a fatal error

    @property
    def ok(self) -> bool:
        return self.error is None


class ProducerHandle:
    """The cluster's shared producer, replaced (once per breakage) after a fatal error."""

    def __init__(self, settings: ClusterSettings, factory: Callable[[], Producer] | None = None) -> None:
        self.settings = settings
        self._factory = factory or (lambda: make_producer(settings, **producer_overrides(settings)))
        self._lock = threading.Lock()
        self._producer: Producer | None = None
        self._unused = False  # created and not yet sent on
        self._used_at_s = 0.0
        self._in_use = 0
        self.recreated = 0
        self.idle_close_s = IDLE_CLOSE_S

    def get(self) -> Producer:
        with self._lock:
            self._used_at_s = time.monotonic()
            if self._producer is None:
                self._producer, self._unused = self._factory(), True
                after(self.idle_close_s, self._close_if_idle)
            return self._producer

    @contextlib.contextmanager
    def borrowed(self) -> Iterator[Producer]:
        """The producer, counted as in use (not idle) until the block ends."""
        producer = self.get()
        with self._lock:
            self._in_use += 1
        try:
            yield producer
        finally:
            with self._lock:
                self._in_use -= 1
                self._used_at_s = time.monotonic()

    def _close_if_idle(self) -> None:
        with self._lock:
            idle_s = 0.0 if self._in_use else time.monotonic() - self._used_at_s
            if self._producer is None:
                return
            if idle_s < self.idle_close_s:
                after(self.idle_close_s - idle_s, self._close_if_idle)
                return
            producer, self._producer = self._producer, None
        log.debug("closing the idle producer of %s", self.settings.name)
        producer.flush(CLOSE_FLUSH_S)

    @property
    def open(self) -> bool:
        return self._producer is not None

    def first_use(self) -> bool:
        """True once per producer: its first event also waits for the producer to start."""
        with self._lock:
            first, self._unused = self._unused, False
            return first

    def recreate(self, broken: Producer, reason: str) -> Producer:
        """A fresh producer, unless another thread already replaced ``broken``."""
        with self._lock:
            if self._producer is broken or self._producer is None:
                log.warning(
                    "producer for %s failed fatally (%s); recreating it", self.settings.bootstrap_servers, reason
                )
                self._producer = self._factory()
                self.recreated += 1
            return self._producer

    def close(self, timeout_s: float = CLOSE_FLUSH_S) -> int:
        """Flush within ``timeout_s``; the number of events still unconfirmed."""
        with self._lock:
            producer, self._producer = self._producer, None
        return producer.flush(timeout_s) if producer is not None else 0


class _Report:
    """The delivery callback of one event; the waiting thread reads it once set."""

    __slots__ = ("done", "err", "partition", "offset", "timestamp_ms", "at")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.err = self.partition = self.offset = self.timestamp_ms = None
        self.at = 0.0

    def __call__(self, err: KafkaError | None, msg) -> None:
        self.at = time.perf_counter()
        self.err = err
        self.partition, self.offset = msg.partition(), msg.offset()
        kind, ts_ms = msg.timestamp()
        self.timestamp_ms = None if kind == TIMESTAMP_NOT_AVAILABLE else ts_ms
        self.done.set()


# Kafka's ACLs refusing a write. Without WRITE on any topic, the idempotent producer's
# first request (InitProducerId) already fails, as CLUSTER_AUTHORIZATION_FAILED.
_WRITE_DENIED = {KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED}


def _delivery_error(err: KafkaError, topic: str) -> str:
    if err.code() in _WRITE_DENIED:
        return f"not authorized to write to topic {topic!r} (Kafka: {err.name()})"
    return err.str()


def _fatal_reason(exc: BaseException) -> str | None:
    err = exc.args[0] if isinstance(exc, KafkaException) and exc.args else None
    return err.str() if isinstance(err, KafkaError) and err.fatal() else None


def _check_timestamp(timestamp_ms: int | None) -> int:
    if timestamp_ms is None:
        return 0  # librdkafka stamps the current time
    if type(timestamp_ms) is not int or not 0 <= timestamp_ms <= MAX_TIMESTAMP_MS:
        raise InvalidInput(f"timestamp must be milliseconds from 0 to {MAX_TIMESTAMP_MS}, got {timestamp_ms!r}")
    return timestamp_ms


def send_one(
    handle: ProducerHandle,
    limits: TopicLimits,
    event: EventSpec,
    timestamp_ms: int | None = None,
    *,
    actor: Actor | None = None,
) -> DeliveryResult:
    """Send one checked event and wait (at most ``confirm_timeout_s``) for the broker's answer."""
    with write_guard(handle.settings, actor, "produce", limits.topic, {"mode": "single", "requested": 1}) as note:
        check_event(event, limits)
        args = (limits.topic, event.value, event.key, -1 if event.partition is None else event.partition)
        kwargs = {"timestamp": _check_timestamp(timestamp_ms), "headers": with_source(event.headers)}
        with handle.borrowed() as producer:  # never closed as idle while it waits for the answer
            result = _deliver(handle, producer, limits, event, args, kwargs)
        delivered = int(result.error is None)
        note.details.update(delivered=delivered, failed=1 - delivered, partition=result.partition, offset=result.offset)
        note.error = result.error
        return result


def _deliver(
    handle: ProducerHandle, producer: Producer, limits: TopicLimits, event: EventSpec, args: tuple, kwargs: dict
) -> DeliveryResult:
    settings = handle.settings
    report = _Report()
    note = STARTUP_NOTE if handle.first_use() else None
    started = time.perf_counter()

    def failed(error: str) -> DeliveryResult:
        return DeliveryResult(
            limits.topic, event.partition, None, None, (time.perf_counter() - started) * 1000, error, note
        )

    for attempt in (1, 2):
        try:
            producer.produce(*args, on_delivery=report, **kwargs)
            break
        except BufferError:
            return failed("the producer's queue is full; try again in a moment")
        except KafkaException as exc:
            reason = _fatal_reason(exc)
            if reason is None or attempt == 2:
                err = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
                return failed(_delivery_error(err, limits.topic) if err else str(exc))
            producer = handle.recreate(producer, reason)
            note = f"the producer hit a fatal error ({reason}) and was recreated"
    wait_s = confirm_timeout_s(settings)
    while not report.done.is_set() and time.perf_counter() - started < wait_s:
        producer.poll(ONE_POLL_S)
    if not report.done.is_set():
        return failed(f"not confirmed within {wait_s:g} s; it is still queued and may yet be written")
    if report.err is not None:
        if report.err.fatal():
            handle.recreate(producer, report.err.str())
            note = f"the producer hit a fatal error ({report.err.str()}) and was recreated"
        return failed(_delivery_error(report.err, limits.topic))
    latency_ms = (report.at - started) * 1000
    return DeliveryResult(limits.topic, report.partition, report.offset, report.timestamp_ms, latency_ms, None, note)


PRODUCER: Part[ProducerHandle] = Part("producer")


def producer_handle(cluster: Cluster) -> ProducerHandle:
    """The cluster's shared producer; flushed and closed with the cluster handle."""
    return cluster.attached(PRODUCER, lambda: ProducerHandle(cluster.settings))
