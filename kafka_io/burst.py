"""The burst engine: one worker thread produces a source's events and accounts for each one.

The worker owns its producer (see producer.py for why a burst does not share
the cluster's cached one), renders a chunk, produces it in a tight loop and
polls between chunks. Pages never touch the thread: they call ``progress()``,
``stop()`` and read ``summary`` once ``done``. Nothing here calls Streamlit.

Accounting without a Python callback per delivered event (that callback alone
cost more than the whole raw produce call, measured). The producer runs with
``delivery.report.only.error``: librdkafka reports every failed event (purged
ones included) and no successful one. So:

- each event leaves with an explicit partition (burst_source), and each chunk
  shares one callback that knows the chunk; a failure report is matched to its
  exact index by (value, key) within that chunk, the chunk being rendered again;
- an event handed to the producer is delivered once it is neither failed nor
  outstanding (``len(producer)`` counts queued, in-flight and unserved reports),
  so when the producer is empty, delivered = handed over - failed, exactly.

Rules for what counts as requested and failed are in burst_report.py.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from array import array
from collections import Counter, defaultdict
from typing import Callable

from confluent_kafka import KafkaError, KafkaException, Producer

from kafka_io.burst_report import BurstProgress, BurstSummary, FailureSpan, failure_jsonl_lines, merge_failures
from kafka_io.burst_source import Chunk, SpecSource, TemplateSource
from kafka_io.validation import EventSpec

__all__ = ["Burst", "QUEUE_FULL_BACKOFF_S", "MAX_PRODUCER_RECREATES", "PRODUCER_SETTINGS"]

log = logging.getLogger("kafka_io")

# What the engine needs from its producer; producer.py builds burst producers with it.
PRODUCER_SETTINGS = {"delivery.report.only.error": True}
QUEUE_FULL_BACKOFF_S = 0.005  # poll this long when librdkafka's queue is full, then retry
FLUSH_SLICE_S = 0.1  # confirmation waits in slices so the summary is never late by more
PACE_SLICE_S = 0.05  # at a set rate, wait for the next chunk in slices, serving reports meanwhile
DRAIN_TIMEOUT_S = 2.0  # after a purge, librdkafka reports every purged event within this
MAX_PRODUCER_RECREATES = 3


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
        self._producer: Producer | None = None
        self._failed_index = bytearray(source.count)  # 1 once an index is known to have failed
        self._chunk_now_ms = array("q", bytes(8 * source.chunks))
        self._sent_to: Counter = Counter()  # partition -> events handed over
        self._reports: list[tuple[int, bytes | None, bytes | None, int, str]] = []  # chunk, value, key, partition, reason
        self._failures: list[tuple[int, str]] = []  # index, reason
        self._failed_in: Counter = Counter()  # partition -> failed events
        self._spans: list[FailureSpan] = []
        self._notes: list[str] = []
        self._reasons: dict[tuple[int, str], str] = {}
        self._fatal: str | None = None
        self._stop, self._done = threading.Event(), threading.Event()
        self.produced = self.failed = 0
        self._cursor = 0  # where the current chunk's loop got to
        self._unsent = 0  # failed without ever being handed to a producer
        self._t0 = self._t_end = 0.0
        self._aborted = False
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
        if self.summary is not None:
            s = self.summary
            return BurstProgress(s.planned, s.requested, s.delivered, s.failed, s.duration_s, False, self._stop.is_set())
        producer, produced, failed = self._producer, self.produced, self.failed
        outstanding = len(producer) if producer is not None else 0
        delivered = max(0, produced - (failed - self._unsent) - outstanding)
        elapsed_s = time.monotonic() - self._t0 if self._t0 else 0.0
        return BurstProgress(self.planned, produced, delivered, failed, elapsed_s, True, self._stop.is_set())

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
            self._confirm(self._producer)
            if self._release is not None and self.failed == 0 and not self._notes:
                self._release(self._producer)
        except Exception as exc:  # a bug or a broken client: still account for every event
            log.debug("burst to %s failed", self.topic, exc_info=True)  # -v shows it; users get the note
            reason = f"the burst ended on an unexpected error: {type(exc).__name__}: {exc}"
            self._notes.append(reason)
            if self._producer is not None:
                self._drain(self._producer, reason)
            self._fail_unsent(self.produced, reason)
        finally:
            self._finish()
        return self.summary

    def _send_all(self) -> None:
        index, chunk_events, recreates = 0, self.source.chunk_events, 0
        try:
            while index < self.planned and not self._stop.is_set():
                number = index // chunk_events
                if index == number * chunk_events and not self._pace(number):
                    break
                chunk = self.source.chunk(number, self._chunk_now_ms[number])
                try:
                    index = self._send_chunk(chunk, index)
                    self._producer.poll(0)
                    if self._fatal:
                        raise _Fatal(index, self._fatal)
                except _Fatal as fatal:
                    recreates += 1
                    self._recreate(fatal, recreates)
                    index = fatal.index
        except _Abort as abort:
            self._fail_unsent(abort.index, abort.reason)

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
        skip, report = index - chunk.start, functools.partial(self._on_failure, chunk.start // self.source.chunk_events)

        def column(data, per_event: bool):
            return itertools.islice(data, skip, None) if per_event else itertools.repeat(data)

        keyed, spread = isinstance(chunk.keys, list), isinstance(chunk.partitions, list)
        self._cursor = index
        try:
            if keyed or spread or chunk.per_event_headers:
                rows = zip(column(chunk.values, True), column(chunk.keys, keyed),
                           column(chunk.partitions, spread), column(chunk.headers, chunk.per_event_headers))  # fmt: skip
                self._produce_rows(index, rows, report)
            else:
                self._produce_values(index, chunk, skip, report)
        finally:  # also when the loop raised: what was handed over is counted
            self._count_partitions(chunk, skip, self._cursor - chunk.start)
            self.produced = max(self.produced, self._cursor)
        return self._cursor

    def _produce_rows(self, index: int, rows, report) -> None:
        """The hot loop: one produce call per event (key, partition, headers per event too).

        Leaves the next index to send in ``_cursor``, however the loop ends.
        """
        produce, topic = self._producer.produce, self.topic
        try:
            for value, key, partition, headers in rows:
                try:
                    produce(topic, value, key, partition, on_delivery=report, headers=headers)
                except BufferError:
                    if not self._produce_when_room(index, (topic, value, key, partition), report, headers):
                        return
                except KafkaException as exc:
                    self._refused(index, partition, exc)
                index += 1
        finally:
            self._cursor = index

    def _produce_values(self, index: int, chunk: Chunk, skip: int, report) -> None:
        """The hot loop when only the value changes (the common templated burst); see _produce_rows."""
        produce, topic, key, partition, headers = self._producer.produce, self.topic, chunk.keys, chunk.partitions, chunk.headers
        try:
            for value in itertools.islice(chunk.values, skip, None):
                try:
                    produce(topic, value, key, partition, on_delivery=report, headers=headers)
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

    def _refused(self, index: int, partition: int, exc: KafkaException) -> None:
        """The client refused one event outright: it fails alone, or the producer is broken."""
        err = exc.args[0] if exc.args else None
        if isinstance(err, KafkaError) and err.fatal():
            raise _Fatal(index, err.str())
        self._fail(index, partition, err.str() if isinstance(err, KafkaError) else str(exc))

    def _count_partitions(self, chunk: Chunk, first: int, end: int) -> None:
        if isinstance(chunk.partitions, int):
            self._sent_to[chunk.partitions] += end - first
        else:
            self._sent_to.update(chunk.partitions[first:end])

    def _on_failure(self, number: int, err: KafkaError, msg) -> None:
        """librdkafka's report of one failed event of chunk ``number`` (successes are not reported)."""
        if err is None:
            return  # a producer built without PRODUCER_SETTINGS: a success is no news
        self.failed += 1
        self._reports.append((number, msg.value(), msg.key(), msg.partition(), self._reason(err)))
        if err.fatal():
            self._fatal = self._fatal or err.str()

    def _fail(self, index: int, partition: int, reason: str) -> None:
        self._failed_index[index] = 1
        self._failures.append((index, reason))
        self._failed_in[partition] += 1
        self.failed += 1

    def _reason(self, err: KafkaError) -> str:
        """Plain words, one shared string per kind of failure."""
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
        self._drain(self._producer, f"producer failed: {fatal.reason}")
        self._fatal = None
        if recreates > MAX_PRODUCER_RECREATES:
            raise _Abort(fatal.index, f"not sent: the producer failed {recreates} times ({fatal.reason})")
        self._notes.append(f"the producer hit a fatal error ({fatal.reason}) and was recreated")
        log.warning("burst to %s: fatal producer error (%s); recreating the producer", self.topic, fatal.reason)
        self._producer = self._factory()

    def _confirm(self, producer: Producer) -> None:
        deadline = time.monotonic() + self.confirm_timeout_s
        while len(producer) and (left_s := deadline - time.monotonic()) > 0:
            producer.flush(min(FLUSH_SLICE_S, left_s))
        if len(producer):
            self._drain(producer, f"not confirmed within {self.confirm_timeout_s:g} s")

    def _drain(self, producer: Producer, reason: str) -> None:
        """Purge what the producer holds and serve the reports; whatever stays unreported fails with ``reason``."""
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        try:
            producer.purge(in_queue=True, in_flight=True, blocking=False)
            while len(producer) and time.monotonic() < deadline:
                producer.poll(FLUSH_SLICE_S)
            left = len(producer)
        except Exception:  # a broken client cannot refuse us accounting
            log.debug("purge failed", exc_info=True)
            left = len(producer) if producer is not None else 0
        self._resolve_reports()
        if left:
            self._fail_newest(left, reason)

    def _fail_newest(self, count: int, reason: str) -> None:
        """``count`` events never reported on: librdkafka keeps order, so the newest are the ones."""
        for index in range(self.produced - 1, -1, -1):
            if count == 0:
                return
            if not self._failed_index[index]:
                self._failed_index[index] = 1
                self._spans.append(FailureSpan(index, 1, reason))
                self.failed += 1
                count -= 1

    def _fail_unsent(self, index: int, reason: str) -> None:
        if index < self.planned:
            self._aborted = True
            count = self.planned - index
            self._failed_index[index:] = b"\x01" * count
            self._spans.append(FailureSpan(index, count, reason))
            self.failed += count
            self._unsent += count

    def _resolve_reports(self) -> None:
        """Match each failure report to its event's index, by value and key within its chunk."""
        by_chunk: dict[int, list] = defaultdict(list)
        for report in self._reports:
            by_chunk[report[0]].append(report)
        self._reports = []
        for number, reports in by_chunk.items():
            chunk = self.source.chunk(number, self._now_ms_of(number))
            candidates: dict[tuple, list[int]] = defaultdict(list)
            for offset in range(min(chunk.n, self.produced - chunk.start) - 1, -1, -1):
                if not self._failed_index[chunk.start + offset]:
                    candidates[chunk.value_key(offset)].append(chunk.start + offset)
            for _, value, key, partition, reason in reports:
                matches = candidates.get((value, key))
                index = matches.pop() if matches else self._any_unfailed(chunk)
                self._failed_index[index] = 1
                self._failures.append((index, reason))
                self._failed_in[partition] += 1

    def _any_unfailed(self, chunk: Chunk) -> int:
        """Only if a report matched nothing (it cannot: reports carry what was sent)."""
        return next(i for i in range(chunk.start, chunk.start + chunk.n) if not self._failed_index[i])

    def _now_ms_of(self, number: int) -> int:
        return self._chunk_now_ms[number] or int(time.time() * 1000)

    def _finish(self) -> None:
        self._resolve_reports()
        requested = self.planned if self._aborted else self.produced
        self._t_end = time.monotonic()
        failed = self._failed_index.count(1, 0, requested)
        partitions = {p: n - self._failed_in[p] for p, n in self._sent_to.items() if n > self._failed_in[p]}
        self.summary = BurstSummary(
            self.topic, self.planned, requested, requested - failed, failed, self._t_end - self._t0,
            tuple(sorted(partitions.items())), merge_failures(self._failures, self._spans),
            stopped=self._stop.is_set() and requested < self.planned, notes=tuple(self._notes),
        )  # fmt: skip
        self._producer = None
        self._done.set()
