"""The burst engine: one worker thread produces a source's events and accounts for each one.

The worker owns its producer (see start.py for why a burst does not share
the cluster's cached one), renders a chunk, produces it in a tight loop and
polls between chunks. Pages never touch the thread: they call ``progress()``,
``stop()`` and read ``summary`` once ``done``. Nothing here calls Streamlit.

Accounting needs no Python callback per delivered event (that callback alone
cost more than the whole raw produce call, measured). The producer runs with
``delivery.report.only.error``: librdkafka reports every failed event (purged
ones included) and no successful one. Each chunk shares one callback, each
event leaves with an explicit partition, and an event handed over is delivered
once it is neither failed nor outstanding (``len(producer)`` counts queued,
in-flight and unserved reports). When the producer is empty the books
(ledger.py) are exact. What counts as requested: report.py.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from array import array
from collections.abc import Callable

from confluent_kafka import KafkaError, KafkaException, Producer

from kafka_io.produce.burst.ledger import Ledger
from kafka_io.produce.burst.report import BurstProgress, BurstSummary, failure_jsonl_lines
from kafka_io.produce.burst.source import Chunk, SpecSource, TemplateSource
from kafka_io.produce.validation import EventSpec

__all__ = ["Burst", "QUEUE_FULL_BACKOFF_S", "MAX_PRODUCER_RECREATES", "PRODUCER_SETTINGS"]

log = logging.getLogger("kafka_io")

# What the engine needs from its producer; start.py builds burst producers with it.
PRODUCER_SETTINGS = {"delivery.report.only.error": True}
QUEUE_FULL_BACKOFF_S = 0.005  # poll this long when librdkafka's queue is full, then retry
FLUSH_SLICE_S = 0.1  # confirmation waits in slices so the summary is never late by more
PACE_SLICE_S = 0.05  # at a set rate, wait for the next chunk in slices, serving reports meanwhile
DRAIN_TIMEOUT_S = 2.0  # a bound on serving the reports of purged events
MAX_PRODUCER_RECREATES = 3
# Kafka's ACLs refusing the write. Without WRITE on any topic, the idempotent producer's
# first request (InitProducerId) fails as CLUSTER_AUTHORIZATION_FAILED: fatal, and flush() raises it.
WRITE_DENIED = (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED)


class _Fatal(Exception):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index, self.reason = index, reason


class _Abort(_Fatal):
    """Sending cannot go on: events from ``index`` on fail with ``reason``."""


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
        on_done: Callable[[BurstSummary], None] | None = None,
    ) -> None:
        self.topic, self.source, self.planned = topic, source, source.count
        self.rate_per_s, self.confirm_timeout_s = source.rate_per_s, confirm_timeout_s
        self._factory, self._message_timeout_s = producer_factory, message_timeout_s
        self._release = release  # takes back a producer that delivered everything, for the next burst
        self._on_done = on_done  # the audit line, written before ``done`` so a caller that waited finds it
        self._producer: Producer | None = None
        self._chunk_now_ms = array("q", bytes(8 * source.chunks))
        self._ledger = Ledger(source.count, lambda number: source.chunk(number, self._now_ms_of(number)))
        self._notes: list[str] = []
        self._reasons: dict[tuple[int, str], str] = {}
        self._fatal: str | None = None
        self._denied: str | None = None  # once Kafka refused the write, every event fails for that reason
        self._stop, self._done = threading.Event(), threading.Event()
        self._cursor = 0  # where the current chunk's loop got to
        self._t0 = 0.0
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
        s, stopping = self.summary, self._stop.is_set()
        if s is not None:
            return BurstProgress(s.planned, s.requested, s.delivered, s.failed, s.duration_s, False, stopping)
        producer, ledger = self._producer, self._ledger
        delivered = ledger.delivered_so_far(len(producer) if producer is not None else 0)
        elapsed_s = time.monotonic() - self._t0 if self._t0 else 0.0
        return BurstProgress(self.planned, ledger.handed, delivered, ledger.failed, elapsed_s, True, stopping)

    def events(self, indexes) -> dict[int, EventSpec]:
        """The events at ``indexes`` as sent (templates are rendered again, exactly)."""
        return self.source.events(list(indexes), self._now_ms_of)

    def failed_events(self) -> dict[int, EventSpec]:
        """The failed events themselves, for a retry file."""
        return self.events(index for index, _ in self.summary.failure_rows()) if self.summary else {}

    def failures_jsonl(self) -> bytes:
        return b"".join(failure_jsonl_lines(self.summary, self.failed_events())) if self.summary else b""

    # --- the worker ------------------------------------------------------------

    def run(self) -> BurstSummary:
        self._t0 = time.monotonic()
        try:
            self._producer = self._factory()
            self._send_all()
            self._confirm()
            if self._release is not None and self._ledger.failed == 0 and not self._notes:
                self._release(self._producer)
        except Exception as exc:  # a bug or a broken client: still account for every event
            log.debug("burst to %s failed", self.topic, exc_info=True)  # -v shows it; users get the note
            self._note_denied(exc.args[0] if isinstance(exc, KafkaException) and exc.args else None)
            reason = self._denied or f"the burst ended on an unexpected error: {type(exc).__name__}: {exc}"
            self._notes.append(reason)
            if self._producer is not None:
                self._drain(reason)
            self._ledger.fail_unsent(self._ledger.handed, reason)
        finally:
            duration_s, stopped = time.monotonic() - self._t0, self._stop.is_set()
            try:
                self.summary = self._ledger.summary(self.topic, duration_s, stopped, tuple(self._notes))
                if self._on_done is not None:
                    self._on_done(self.summary)
            except Exception:
                log.warning("the end of the burst to %s was not recorded", self.topic, exc_info=True)
            finally:  # a page polling `done` must never wait forever
                self._producer = None
                self._done.set()
        return self.summary

    def _send_all(self) -> None:
        index, chunk_events, recreates = 0, self.source.chunk_events, 0
        try:
            while index < self.planned and not self._stop.is_set():
                number = index // chunk_events
                if index == number * chunk_events and not self._pace(number):
                    break
                try:
                    index = self._send_chunk(self.source.chunk(number, self._chunk_now_ms[number]), index)
                    self._producer.poll(0)
                    if self._fatal:
                        raise _Fatal(index, self._fatal)
                except _Abort:
                    raise
                except _Fatal as fatal:
                    recreates += 1
                    self._recreate(fatal, recreates)
                    index = fatal.index
        except _Abort as abort:
            self._ledger.fail_unsent(abort.index, abort.reason)

    def _pace(self, number: int) -> bool:
        """Wait for the chunk's turn at the set rate; False when stopped meanwhile."""
        if self.rate_per_s is not None:
            due = self._t0 + number * self.source.chunk_events / self.rate_per_s
            while (wait_s := due - time.monotonic()) > 0 and not self._stop.is_set():
                self._producer.poll(min(wait_s, PACE_SLICE_S))
        self._chunk_now_ms[number] = int(time.time() * 1000)
        return not self._stop.is_set()

    def _send_chunk(self, chunk: Chunk, index: int) -> int:
        """Produce the chunk from ``index``; the next index to send (less than the end when stopped)."""
        skip = index - chunk.start
        report = functools.partial(self._on_failure, chunk.start // self.source.chunk_events)

        def column(data, per_event: bool):
            return itertools.islice(data, skip, None) if per_event else itertools.repeat(data)

        rows = zip(
            column(chunk.values, True),
            column(chunk.keys, isinstance(chunk.keys, list)),
            column(chunk.partitions, isinstance(chunk.partitions, list)),
            column(chunk.headers, chunk.per_event_headers),
        )
        self._cursor = index
        try:
            self._produce_rows(index, rows, report)
        finally:  # also when the loop raised: what was handed over is counted
            self._ledger.handed_over(chunk, skip, self._cursor - chunk.start)
        return self._cursor

    def _produce_rows(self, index: int, rows, report) -> None:
        """The hot loop: one produce call per event. Leaves the next index in ``_cursor``, however it ends."""
        produce, topic = self._producer.produce, self.topic
        try:
            for value, key, partition, headers in rows:
                try:
                    # Positional (on_delivery, callback alias, timestamp 0 = now, headers): keyword
                    # arguments cost a dict per call, ~10% of this loop (measured).
                    produce(topic, value, key, partition, report, None, 0, headers)
                except BufferError:
                    if not self._produce_when_room(index, (topic, value, key, partition), report, headers):
                        return
                except KafkaException as exc:
                    self._refused(index, partition, exc)
                index += 1
        finally:
            self._cursor = index

    def _produce_when_room(self, index: int, args: tuple, report, headers: list) -> bool:
        """Retry while librdkafka's queue is full; False when stopped, _Abort when nothing moves."""
        producer, since = self._producer, time.monotonic()
        outstanding = len(producer)
        while not self._stop.is_set():
            producer.poll(QUEUE_FULL_BACKOFF_S)
            try:
                producer.produce(*args, on_delivery=report, headers=headers)
                return True
            except BufferError:
                if len(producer) < outstanding:
                    outstanding, since = len(producer), time.monotonic()
                elif time.monotonic() - since > self.confirm_timeout_s:
                    raise _Abort(index, f"not sent: Kafka confirmed nothing for {self.confirm_timeout_s:g} s") from None
            except KafkaException as exc:
                self._refused(index, args[3], exc)
                return True
        return False

    def _note_denied(self, err) -> None:
        if isinstance(err, KafkaError) and err.code() in WRITE_DENIED and self._denied is None:
            self._denied = f"not authorized to write to topic {self.topic!r} (Kafka: {err.name()})"

    def _refused(self, index: int, partition: int, exc: KafkaException) -> None:
        """The client refused one event outright: it fails alone, or the producer is broken."""
        err = exc.args[0] if exc.args else None
        self._note_denied(err)
        if self._denied:
            raise _Abort(index, self._denied)
        if isinstance(err, KafkaError) and err.fatal():
            raise _Fatal(index, err.str())
        self._ledger.fail(index, partition, err.str() if isinstance(err, KafkaError) else str(exc))

    def _on_failure(self, number: int, err: KafkaError | None, msg) -> None:
        """librdkafka's report of one failed event of chunk ``number`` (successes are not reported)."""
        if err is None:
            return  # a producer built without PRODUCER_SETTINGS: a success is no news
        self._note_denied(err)
        self._ledger.report(number, msg.value(), msg.key(), msg.partition(), self._reason(err))
        if err.fatal():
            self._fatal = self._fatal or err.str()

    def _reason(self, err: KafkaError) -> str:
        """Plain words, one shared string per kind of failure."""
        if self._denied:
            return self._denied  # purged events too: they were never sent because of it
        code, text = err.code(), err.str()
        cached = self._reasons.get((code, text))
        if cached is None:
            wait = f"not confirmed within {self.confirm_timeout_s:g} s"
            cached = {
                KafkaError._PURGE_QUEUE: f"{wait} (never sent: Kafka did not answer)",
                KafkaError._PURGE_INFLIGHT: f"{wait} (sent, no answer: it may have been written)",
                KafkaError._MSG_TIMED_OUT: f"not confirmed within {self._message_timeout_s:g} s (message timed out)",
            }.get(code, text)
            self._reasons[(code, text)] = cached
        return cached

    def _recreate(self, fatal: _Fatal, recreates: int) -> None:
        self._drain(f"producer failed: {fatal.reason}")
        self._fatal = None
        if self._denied:  # a new producer would be refused the same way
            raise _Abort(fatal.index, self._denied)
        if recreates > MAX_PRODUCER_RECREATES:
            raise _Abort(fatal.index, f"not sent: the producer failed {recreates} times ({fatal.reason})")
        self._notes.append(f"the producer hit a fatal error ({fatal.reason}) and was recreated")
        log.warning("burst to %s: fatal producer error (%s); recreating the producer", self.topic, fatal.reason)
        self._producer = self._factory()

    def _confirm(self) -> None:
        producer, deadline = self._producer, time.monotonic() + self.confirm_timeout_s
        while len(producer) and (left_s := deadline - time.monotonic()) > 0:
            producer.flush(min(FLUSH_SLICE_S, left_s))
        if len(producer):
            self._drain(f"not confirmed within {self.confirm_timeout_s:g} s")

    def _drain(self, reason: str) -> None:
        """Purge what the producer holds and serve every report it owes.

        librdkafka reports each purged event exactly once, and a blocking purge
        has queued those reports by the time it returns; polling until a poll
        serves nothing hands them all to the ledger. (``len(producer)`` cannot
        be used to count what is left: it also counts error events, which keep
        coming while a broker is down.) Only if the client itself is broken
        are the newest events failed with ``reason``, as many as it still holds.
        """
        producer, deadline = self._producer, time.monotonic() + DRAIN_TIMEOUT_S
        try:
            producer.purge(in_queue=True, in_flight=True, blocking=True)
            while producer.poll(0) and time.monotonic() < deadline:
                pass
        except Exception:  # a broken client cannot refuse us accounting
            log.debug("purge failed", exc_info=True)
            self._ledger.resolve()
            try:
                self._ledger.fail_newest(len(producer), reason)
            except Exception:
                self._ledger.fail_newest(self._ledger.handed, reason)
            return
        self._ledger.resolve()

    def _now_ms_of(self, number: int) -> int:
        return self._chunk_now_ms[number] or int(time.time() * 1000)
