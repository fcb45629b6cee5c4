"""The burst engine: one worker thread produces a source's events and accounts for each one.

The worker owns its producer (see producer.py for why a burst does not share
the cluster's cached one), renders a chunk, produces it in a tight loop with a
per-event delivery callback that knows the event's index, and polls between
chunks. Pages never touch the thread: they call ``progress()``, ``stop()`` and
read ``summary`` once ``done``. Nothing here calls Streamlit.

Accounting rules are in burst_report.py. Each event has a state byte (pending,
delivered, failed), set once: a late or repeated report cannot count twice.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import threading
import time
from array import array
from typing import Callable

from confluent_kafka import KafkaError, KafkaException, Producer

from kafka_io.burst_report import BurstProgress, BurstSummary, FailureSpan, failure_jsonl_lines, merge_failures
from kafka_io.burst_source import SpecSource, TemplateSource
from kafka_io.produce_input import with_source
from kafka_io.validation import EventSpec

__all__ = ["Burst", "QUEUE_FULL_BACKOFF_S", "MAX_PRODUCER_RECREATES"]

log = logging.getLogger("kafka_io")

QUEUE_FULL_BACKOFF_S = 0.005  # poll this long when librdkafka's queue is full, then retry
FLUSH_SLICE_S = 0.1  # confirmation waits in slices so the summary is never late by more
PACE_SLICE_S = 0.05  # at a set rate, wait for the next chunk in slices, serving reports meanwhile
MAX_PRODUCER_RECREATES = 3
_PENDING, _DELIVERED, _FAILED = 0, 1, 2
_PENDING_RUN = re.compile(b"\x00+")


class _Fatal(Exception):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index, self.reason = index, reason


class _Abort(Exception):
    """Sending cannot go on: events from ``index`` on fail with ``reason``."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index, self.reason = index, reason


class Burst:
    """Send ``source`` to ``topic``; ``start()`` runs it in a thread, ``run()`` in this one."""

    def __init__(
        self,
        topic: str,
        source: TemplateSource | SpecSource,
        producer_factory: Callable[[], Producer],
        *,
        confirm_timeout_s: float = 10.0,
        message_timeout_s: float = 30.0,
        release: Callable[[Producer], None] | None = None,
    ) -> None:
        self.topic, self.source, self.planned = topic, source, source.count
        self.rate_per_s, self.confirm_timeout_s = source.rate_per_s, confirm_timeout_s
        self._factory, self._message_timeout_s = producer_factory, message_timeout_s
        self._release = release  # takes back a producer that delivered everything, for the next burst
        self._state = bytearray(source.count)
        self._chunk_now_ms = array("q", bytes(8 * source.chunks))
        self._partitions: dict[int, int] = {}
        self._failures: list[tuple[int, str]] = []
        self._spans: list[FailureSpan] = []
        self._notes: list[str] = []
        self._reasons: dict[tuple[int, str], str] = {}
        self._fatal: str | None = None
        self._stop, self._done = threading.Event(), threading.Event()
        self.produced = self.delivered = self.failed = 0
        self._t0 = self._t_end = 0.0
        self._aborted = False
        self._not_sent = 0  # events failed without ever being handed to the producer
        self.summary: BurstSummary | None = None
        self._thread = threading.Thread(target=self.run, name=f"kdash-burst-{topic}", daemon=True)

    # --- what other threads call ---------------------------------------------

    def start(self) -> Burst:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sending; events already sent are still waited for and counted."""
        self._stop.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout_s: float | None = None) -> BurstSummary | None:
        self._done.wait(timeout_s)
        return self.summary

    def progress(self) -> BurstProgress:
        end = self._t_end if self.done else time.monotonic()
        return BurstProgress(
            self.planned, self.produced, self.delivered, self.failed,
            max(0.0, end - self._t0) if self._t0 else 0.0, not self.done, self._stop.is_set(),
        )  # fmt: skip

    def events(self, indexes) -> dict[int, EventSpec]:
        """The events at ``indexes`` as sent (templates are rendered again, exactly)."""
        end_ms = int(time.time() * 1000)
        return self.source.events(list(indexes), lambda chunk: self._chunk_now_ms[chunk] or end_ms)

    def failed_events(self) -> dict[int, EventSpec]:
        """The failed events themselves, for a retry file."""
        return self.events(index for index, _ in self.summary.failure_rows()) if self.summary else {}

    def failures_jsonl(self) -> bytes:
        return b"".join(failure_jsonl_lines(self.summary, self.failed_events())) if self.summary else b""

    # --- the worker ------------------------------------------------------------

    def run(self) -> BurstSummary:
        producer = None
        self._t0 = time.monotonic()
        try:
            producer = self._factory()
            producer = self._send_all(producer)
            self._confirm(producer)
            if self._release is not None and self.failed == 0 and not self._notes:
                self._release(producer)
        except Exception as exc:  # a bug or a broken client: still account for every event
            log.debug("burst to %s failed", self.topic, exc_info=True)  # -v shows it; users get the note
            reason = f"the burst ended on an unexpected error: {type(exc).__name__}: {exc}"
            self._notes.append(reason)
            if producer is not None:
                self._abandon(producer, self.planned, reason)
            self._aborted = True
            self._fail_pending(self.planned, reason)
        finally:
            self._finish()
        return self.summary

    def _send_all(self, producer: Producer) -> Producer:
        index, chunk_events, recreates = 0, self.source.chunk_events, 0
        try:
            while index < self.planned and not self._stop.is_set():
                chunk = index // chunk_events
                if index == chunk * chunk_events and not self._pace(producer, chunk):
                    break
                try:
                    index = self._send_chunk(producer, chunk, index)
                    if self._fatal:
                        raise _Fatal(index, self._fatal)
                except _Fatal as fatal:
                    recreates += 1
                    producer = self._recreate(producer, fatal, recreates)
                    index = fatal.index
                self.produced = index
                producer.poll(0)
        except _Abort as abort:
            index = abort.index
            self._aborted = True
            self._not_sent = self.planned - index
            self._fail_pending(self.planned, abort.reason, start=index)
        self.produced = index
        return producer

    def _pace(self, producer: Producer, chunk: int) -> bool:
        """Wait for the chunk's turn at the set rate; False when stopped meanwhile."""
        if self.rate_per_s is not None:
            due = self._t0 + chunk * self.source.chunk_events / self.rate_per_s
            while (wait_s := due - time.monotonic()) > 0 and not self._stop.is_set():
                producer.poll(min(wait_s, PACE_SLICE_S))
        self._chunk_now_ms[chunk] = int(time.time() * 1000)
        return not self._stop.is_set()

    def _send_chunk(self, producer: Producer, chunk: int, index: int) -> int:
        source, base = self.source, chunk * self.source.chunk_events
        end = min(base + source.chunk_events, self.planned)
        if isinstance(source, SpecSource):
            default = source.partition
            rows = (
                (e.value, e.key, default if e.partition is None else e.partition, with_source(e.headers))
                for e in itertools.islice(source.specs, index, end)
            )
        else:
            values, keys = source.render(chunk, self._chunk_now_ms[chunk])
            keys = keys[index - base :] if isinstance(keys, list) else itertools.repeat(keys)
            headers = with_source(source.headers)
            rows = zip(values[index - base :], keys, itertools.repeat(source.partition), itertools.repeat(headers))
        return self._produce_rows(producer, index, rows)

    def _produce_rows(self, producer: Producer, index: int, rows) -> int:
        """The hot loop: one produce per event, nothing else unless the queue is full."""
        produce, topic, report, bind = producer.produce, self.topic, self._on_delivery, functools.partial
        for value, key, partition, headers in rows:
            try:
                produce(topic, value, key, partition, on_delivery=bind(report, index), headers=headers)
            except BufferError:
                if not self._produce_when_room(producer, index, (topic, value, key, partition), headers):
                    return index
            except KafkaException as exc:
                self._refused(index, exc)
            index += 1
        return index

    def _produce_when_room(self, producer: Producer, index: int, args: tuple, headers: list) -> bool:
        """Retry while librdkafka's queue is full; False when stopped, _Abort when nothing moves."""
        settled, since = self.delivered + self.failed, time.monotonic()
        while not self._stop.is_set():
            producer.poll(QUEUE_FULL_BACKOFF_S)
            try:
                producer.produce(*args, on_delivery=functools.partial(self._on_delivery, index), headers=headers)
                return True
            except BufferError:
                if self.delivered + self.failed != settled:
                    settled, since = self.delivered + self.failed, time.monotonic()
                elif time.monotonic() - since > self.confirm_timeout_s:
                    raise _Abort(index, f"not sent: Kafka confirmed nothing for {self.confirm_timeout_s:g} s") from None
            except KafkaException as exc:
                self._refused(index, exc)
                return True
        return False

    def _refused(self, index: int, exc: KafkaException) -> None:
        err = exc.args[0] if exc.args else None
        if isinstance(err, KafkaError) and err.fatal():
            raise _Fatal(index, err.str())
        self._fail(index, err.str() if isinstance(err, KafkaError) else str(exc))

    def _on_delivery(self, index: int, err: KafkaError | None, msg) -> None:
        if self._state[index]:
            return  # settled already (purged, then reported again)
        if err is None:
            self._state[index] = _DELIVERED
            self.delivered += 1
            partition = msg.partition()
            self._partitions[partition] = self._partitions.get(partition, 0) + 1
            return
        self._fail(index, self._reason(err))
        if err.fatal():
            self._fatal = self._fatal or err.str()

    def _fail(self, index: int, reason: str) -> None:
        self._state[index] = _FAILED
        self.failed += 1
        self._failures.append((index, reason))

    def _reason(self, err: KafkaError) -> str:
        """Plain words, one shared string per kind of failure."""
        code = err.code()
        cached = self._reasons.get((code, err.str()))
        if cached is None:
            wait = f"not confirmed within {self.confirm_timeout_s:g} s"
            cached = {
                KafkaError._PURGE_QUEUE: f"{wait} (never sent: Kafka did not answer)",
                KafkaError._PURGE_INFLIGHT: f"{wait} (sent, no answer: it may have been written)",
                KafkaError._MSG_TIMED_OUT: f"not confirmed within {self._message_timeout_s:g} s (message timed out)",
            }.get(code, err.str())
            self._reasons[(code, err.str())] = cached
        return cached

    def _recreate(self, producer: Producer, fatal: _Fatal, recreates: int) -> Producer:
        self._abandon(producer, fatal.index, f"producer failed: {fatal.reason}")
        self._fatal = None
        if recreates > MAX_PRODUCER_RECREATES:
            raise _Abort(fatal.index, f"not sent: the producer failed {recreates} times ({fatal.reason})")
        self._notes.append(f"the producer hit a fatal error ({fatal.reason}) and was recreated")
        log.warning("burst to %s: fatal producer error (%s); recreating the producer", self.topic, fatal.reason)
        return self._factory()

    def _confirm(self, producer: Producer) -> None:
        deadline = time.monotonic() + self.confirm_timeout_s
        while self._pending() and (left_s := deadline - time.monotonic()) > 0:
            producer.flush(min(FLUSH_SLICE_S, left_s))
        if self._pending():
            self._abandon(producer)

    def _abandon(self, producer: Producer, upto: int | None = None, reason: str | None = None) -> None:
        """Purge what the producer still holds, serve the reports, fail whatever stays pending."""
        try:
            producer.purge(in_queue=True, in_flight=True, blocking=False)
            producer.poll(0)
        except Exception:  # a broken client cannot refuse us accounting
            log.debug("purge failed", exc_info=True)
        reason = reason or f"not confirmed within {self.confirm_timeout_s:g} s"
        self._fail_pending(self.produced if upto is None else upto, reason)

    def _fail_pending(self, upto: int, reason: str, start: int = 0) -> None:
        runs = [(m.start(), m.end()) for m in _PENDING_RUN.finditer(self._state, start, upto)]
        for first, end in runs:
            self._state[first:end] = bytes([_FAILED]) * (end - first)
            self._spans.append(FailureSpan(first, end - first, reason))
            self.failed += end - first

    def _pending(self) -> bool:
        """Some event handed to the producer has no report yet."""
        return self.delivered + self.failed - self._not_sent < self.produced

    def _finish(self) -> None:
        if self._aborted:
            requested = self.planned
        else:
            requested = self.produced
            self._fail_pending(requested, f"not confirmed within {self.confirm_timeout_s:g} s")
        self._t_end = time.monotonic()
        delivered = self._state.count(_DELIVERED, 0, requested)
        failed = self._state.count(_FAILED, 0, requested)
        self.summary = BurstSummary(
            self.topic, self.planned, requested, delivered, failed, self._t_end - self._t0,
            tuple(sorted(self._partitions.items())), merge_failures(self._failures, self._spans),
            stopped=self._stop.is_set() and requested < self.planned, notes=tuple(self._notes),
        )  # fmt: skip
        self._done.set()
