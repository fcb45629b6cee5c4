"""The live tail's Kafka side: one assign-only viewer consumer, used from ONE thread.

The reader never subscribes, joins or commits: it assigns partitions itself
(``incremental_assign``) with a throwaway ``kdash-viewer-<uuid>`` group id.
Idle cost: a partition is paused when it reports end-of-partition and resumed
every ``RESUME_EVERY_S`` (brokers that do not long-poll fetches would
otherwise be asked thousands of times a second). A metadata check every
``METADATA_EVERY_S`` follows new partitions and notices deleted or recreated
topics; librdkafka itself reconnects after a broker restart and keeps each
partition's position, so reading resumes where it stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, TopicPartition

from kafka_io._client import translate_error, viewer_consumer_config
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError
from kafka_io.live.model import StartPosition

__all__ = [
    "RESUME_EVERY_S",
    "METADATA_EVERY_S",
    "METADATA_TIMEOUT_S",
    "MAX_ERRORS",
    "RUNNING",
    "STARTING",
    "RECONNECTING",
    "TOPIC_DELETED",
    "WAITING",
    "PAUSED",
    "STOPPED",
    "FAILED",
    "TailReader",
    "consumer_counts",
]

RESUME_EVERY_S = 0.5
FETCH_WAIT_MAX_MS = 2000
METADATA_EVERY_S = 5.0
RETRY_METADATA_EVERY_S = 1.0  # while a topic is missing or the cluster is unreachable
METADATA_TIMEOUT_S = 2.0
MAX_ERRORS = 20
# ListOffsets' special timestamps: the partition's end and start offsets.
LATEST_TIMESTAMP, EARLIEST_TIMESTAMP = -1, -2

STARTING, RUNNING, RECONNECTING = "starting", "running", "reconnecting…"
TOPIC_DELETED, WAITING, PAUSED, STOPPED, FAILED = "topic deleted", "waiting for topic", "paused", "stopped", "failed"

log = logging.getLogger("kafka_io")

_GONE = {KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC, KafkaError._UNKNOWN_PARTITION}
_counts_lock = threading.Lock()
_opened_total = 0
_open_now = 0


def consumer_counts() -> tuple[int, int]:
    """(consumers ever opened, consumers open now) by live tails in this process."""
    with _counts_lock:
        return _opened_total, _open_now


def _count(opened: int) -> None:
    global _opened_total, _open_now
    with _counts_lock:
        _opened_total += max(opened, 0)
        _open_now += opened


class TailReader:
    """Reads ``topics`` from ``start``; every method must be called from the thread that called open()."""

    def __init__(
        self,
        settings: ClusterSettings,
        topics: tuple[str, ...],
        start: StartPosition,
        resume_from: dict[tuple[str, int], int] | None = None,
        clock=time.monotonic,
    ) -> None:
        self.settings, self.topics, self.start = settings, tuple(topics), start
        self.errors: deque[str] = deque(maxlen=MAX_ERRORS)
        self._resume_from = dict(resume_from or {})
        self._clock = clock
        self._consumer: Consumer | None = None
        self._assigned: dict[str, int] = {}  # topic -> partitions assigned
        self._seen: set[str] = set(t for t, _ in self._resume_from)
        self._deleted: set[str] = set()
        self._eof_paused: list[TopicPartition] = []
        self._user_paused = False
        self._down = False
        self._backlog = False
        self._probe = False
        self._next_resume_s = 0.0
        self._next_metadata_s = 0.0

    # --- lifecycle ---------------------------------------------------------------

    def open(self) -> None:
        conf = viewer_consumer_config(self.settings)
        conf["error_cb"] = self._on_client_error
        conf["client.id"] = "kdash-tail"
        # A broker that long-polls (Apache Kafka) answers a fetch as soon as a record
        # arrives, so a longer wait costs no latency, only fewer empty fetches when idle.
        conf["fetch.wait.max.ms"] = FETCH_WAIT_MAX_MS
        conf["logger"] = _DEBUG_ONLY  # reconnect noise is our status, not a log line for users
        self._consumer = Consumer(conf)
        _count(1)
        self.maintain()

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return
        _count(-1)
        try:
            consumer.close()
        except (KafkaException, RuntimeError):
            pass  # closing a consumer whose broker is gone must not hide the real error

    @property
    def missing_topics(self) -> list[str]:
        """Selected topics that are not being read (never seen, or deleted)."""
        return [t for t in self.topics if t not in self._assigned]

    @property
    def partitions(self) -> int:
        return sum(self._assigned.values())

    def positions(self) -> dict[tuple[str, int], int]:
        """Next offset to read per partition (for reopening where we stopped)."""
        if self._consumer is None:
            return {}
        try:
            tps = self._consumer.position(self._consumer.assignment())
        except KafkaException:
            return {}
        return {(tp.topic, tp.partition): tp.offset for tp in tps if tp.offset >= 0}

    # --- reading ---------------------------------------------------------------

    def read(self, max_messages: int, timeout_s: float) -> list[Message]:
        """Data messages: waits at most ``timeout_s`` for the first, then takes what is queued."""
        consumer = self._consumer
        wait_s = max(min(timeout_s, self._next_resume_s - self._clock()), 0.0)
        if self._backlog:
            # Catching up: fill whole batches (the last one waits out wait_s at the end of the log).
            batch = consumer.consume(max_messages, wait_s)
        else:
            # Live: return as soon as anything arrives, so an EOF is paused at once.
            first = consumer.poll(wait_s)
            if first is None:
                return []
            batch = consumer.consume(max_messages - 1, 0) if max_messages > 1 else []
            batch.insert(0, first)
        self._backlog = len(batch) >= max_messages
        errors = list(map(Message.error, batch))
        # any() tests truth, checked in C. Never compare a KafkaError with None (==, list.count):
        # confluent-kafka 2.16 then leaves a TypeError set and a later call fails with SystemError.
        if not any(errors):
            data = batch
        else:
            data = [m for m, err in zip(batch, errors) if err is None]
            for m, err in zip(batch, errors):
                if err is not None:
                    self._on_event(m)
        if data:
            self._down = False
        return data

    def _on_event(self, m: Message) -> None:
        err = m.error()
        code = err.code()
        if code == KafkaError._PARTITION_EOF:
            self._down = False
            tp = TopicPartition(m.topic(), m.partition())
            self._consumer.pause([tp])
            self._eof_paused.append(tp)
        elif code in _GONE:
            self._probe = True
        else:
            self._error(translate_error(KafkaException(err), self.settings, f"reading {m.topic() or 'topics'}"))
            if err.fatal():
                raise translate_error(KafkaException(err), self.settings, "the live consumer")

    def _on_client_error(self, err: KafkaError) -> None:
        # Called by librdkafka from inside poll()/consume(), so on our own thread.
        if err.code() == KafkaError._ALL_BROKERS_DOWN:
            self._down = True
        elif err.code() == KafkaError._TRANSPORT:
            self._probe = True  # an idle connection closing is normal; check before alarming

    def _error(self, exc: KafkaIOError) -> None:
        self.errors.append(time.strftime("%H:%M:%S ") + str(exc))

    # --- upkeep ---------------------------------------------------------------

    def maintain(self) -> None:
        """Resume EOF-paused partitions and refresh metadata when due (call after each read)."""
        now = self._clock()
        if now >= self._next_resume_s:
            if self._eof_paused and not self._user_paused:
                self._consumer.resume(self._eof_paused)
            self._eof_paused = []
            self._next_resume_s = now + RESUME_EVERY_S
        if now >= self._next_metadata_s or self._probe:
            self._probe = False
            healthy = self._refresh_metadata()
            missing = self._down or len(self._assigned) < len(self.topics)
            self._next_metadata_s = self._clock() + (
                RETRY_METADATA_EVERY_S if missing or not healthy else METADATA_EVERY_S
            )

    def pause_all(self) -> None:
        self._user_paused = True
        self._consumer.pause(self._consumer.assignment())

    def resume_all(self) -> None:
        self._user_paused = False
        self._eof_paused = []
        self._consumer.resume(self._consumer.assignment())

    def _refresh_metadata(self) -> bool:
        for topic in self.topics:
            try:
                md = self._consumer.list_topics(topic=topic, timeout=METADATA_TIMEOUT_S)
            except KafkaException as exc:
                self._down = self._down or _unreachable(exc)
                return False
            self._down = False
            found = md.topics.get(topic)
            if found is None or (found.error is not None and found.error.code() in _GONE):
                self._forget(topic)
                continue
            try:
                self._follow(topic, sorted(found.partitions))
            except KafkaIOError as exc:
                self._error(exc)
                return False
        return True

    def _forget(self, topic: str) -> None:
        count = self._assigned.pop(topic, 0)
        if count:
            self._consumer.incremental_unassign([TopicPartition(topic, p) for p in range(count)])
            self._eof_paused = [tp for tp in self._eof_paused if tp.topic != topic]
        if topic in self._seen:
            self._deleted.add(topic)

    def _follow(self, topic: str, partitions: list[int]) -> None:
        """Assign a newly seen topic from the start position, and new partitions from their beginning."""
        have = self._assigned.get(topic, 0)
        new = [p for p in partitions if p >= have]
        if not new:
            return
        recreated = topic in self._deleted
        if have or recreated:
            offsets = {p: OFFSET_BEGINNING for p in new}  # every record in them is new to us
        else:
            offsets = self._start_offsets(topic, new)
        for p in new:
            offsets[p] = self._resume_from.pop((topic, p), offsets[p])
        tps = [TopicPartition(topic, p, offsets[p]) for p in new]
        try:
            self._consumer.incremental_assign(tps)
            # librdkafka keeps a partition's pause flag across unassign/assign: a
            # recreated topic paused at its old end of log would never be fetched.
            (self._consumer.pause if self._user_paused else self._consumer.resume)(tps)
        except KafkaException as exc:
            raise translate_error(exc, self.settings, f"assigning {topic}") from None
        self._assigned[topic] = max(partitions) + 1
        self._seen.add(topic)
        self._deleted.discard(topic)

    def _start_offsets(self, topic: str, partitions: list[int]) -> dict[int, int]:
        """Concrete start offsets, resolved before the topic counts as read ("running").

        librdkafka resolves a logical offset (OFFSET_END, "N before the end")
        only when fetching starts, after assign() returned: an event produced
        in between would land before the resolved end and never be shown.
        """
        kind, value = self.start.kind, self.start.value
        if kind == "earliest":
            return {p: OFFSET_BEGINNING for p in partitions}  # the log start is never in the future
        highs = self._offsets_at(topic, partitions, LATEST_TIMESTAMP)
        if kind == "latest":
            return highs
        if kind == "last":
            lows = self._offsets_at(topic, partitions, EARLIEST_TIMESTAMP)
            return {p: max(highs[p] - value, lows[p]) for p in partitions}
        found = self._offsets_at(topic, partitions, value)
        # No record at or after the time: start at the end (only newer events will show).
        return {p: found[p] if found[p] >= 0 else highs[p] for p in partitions}

    def _offsets_at(self, topic: str, partitions: list[int], timestamp_ms: int) -> dict[int, int]:
        """offsets_for_times in one request; the wire's timestamps -1 and -2 mean the end and the start."""
        try:
            found = self._consumer.offsets_for_times(
                [TopicPartition(topic, p, timestamp_ms) for p in partitions], timeout=self.settings.timeout_s
            )
        except KafkaException as exc:
            raise translate_error(exc, self.settings, f"finding start offsets in {topic}") from None
        failed = [tp for tp in found if tp.error is not None]
        if failed:
            error = KafkaException(failed[0].error)
            raise translate_error(error, self.settings, f"{topic}[{failed[0].partition}] start offset") from None
        return {tp.partition: tp.offset for tp in found}

    # --- status -----------------------------------------------------------------

    def status(self) -> tuple[str, str]:
        """(status, detail in plain words)."""
        if self._down:
            return (
                RECONNECTING,
                f"Cannot reach Kafka at {self.settings.bootstrap_servers}; retrying and will resume where it stopped.",
            )
        deleted = [t for t in self.topics if t in self._deleted]
        if deleted:
            rest = [t for t in self.topics if t in self._assigned]
            tail = f"; still reading {', '.join(rest)}" if rest else ""
            return (
                TOPIC_DELETED,
                f"Topic {', '.join(deleted)} was deleted{tail}. Reading resumes if it is created again.",
            )
        waiting = self.missing_topics
        if waiting:
            return WAITING, f"Topic {', '.join(waiting)} does not exist (yet); waiting for it."
        if self._user_paused:
            return PAUSED, "Paused: nothing is read until you resume."
        return RUNNING, ""


class _DebugOnlyLogger:
    """librdkafka logs connection failures as errors; we report them through status() instead."""

    def log(self, level: int, msg: str, *args) -> None:
        log.debug(msg, *args)


_DEBUG_ONLY = _DebugOnlyLogger()


def _unreachable(exc: KafkaException) -> bool:
    err = exc.args[0] if exc.args else None
    return isinstance(err, KafkaError) and err.code() in (
        KafkaError._TRANSPORT,
        KafkaError._ALL_BROKERS_DOWN,
        KafkaError._TIMED_OUT,
        KafkaError._RESOLVE,
    )
