"""Committed offsets of every group, read from ``__consumer_offsets`` (Burrow's way, issue #25).

One assign-only viewer consumer (clients.make_viewer_consumer: a throwaway
group id, never subscribes, never commits; read_committed, so aborted
transactional commits never arrive) reads every partition of the topic from
the beginning and keeps the latest (offset, commit time) per (group, topic,
partition) in a CommitTable. One reader replaces one OffsetFetch per group.

The reader says which source serves committed offsets (``source``):
- ``COMMIT_LOG`` once it has read the log up to the end offsets taken at the
  start of a read (``catch_up``) and the log has agreed with the admin API
  (``confirm``: every group the admin API reports commits for is named in it);
- ``ADMIN_API`` with the reason otherwise. For good: READ on the topic refused
  by ACLs, or a broker that writes no commit records there (noida-db lists 50
  partitions and writes nothing). For now: the topic not there yet, nothing to
  compare with yet, or a read that did not reach the end in time.

Owned by one thread: every call, ``close()`` included, from the thread that
made it (confluent's Consumer serialises calls from two threads with no timeout).
Partitions are assigned for a read and unassigned at its end (the reader keeps
the positions): an idle reader sends no fetches (noida-db answers fetches at
once, ignoring fetch.wait.max.ms).
A plain consumer read is not one of the librdkafka group admin calls that can
crash the process (kafka_io._client.group_child), so it runs in-process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from kafka_io._client import make_viewer_consumer
from kafka_io.config import ClusterSettings
from kafka_io.groups.commit_log import OFFSETS_TOPIC
from kafka_io.groups.commit_table import CommitTable, never_logged
from kafka_io.wire import TP

__all__ = ["ADMIN_API", "CATCH_UP_TIMEOUT_S", "COMMIT_LOG", "LOG_OFF", "OFFSETS_TOPIC", "CommitLogReader", "Source"]

log = logging.getLogger("kafka_io")

ADMIN_API = "admin API"
COMMIT_LOG = OFFSETS_TOPIC
# A first read replays the whole (compacted) log; later reads only what was committed since.
CATCH_UP_TIMEOUT_S = 30.0
CONSUME_BATCH = 10_000
LATEST_TIMESTAMP = -1  # ListOffsets: the end offset
# A broker answers one connection's requests in order, so a waiting fetch delays the next
# end-offsets request by up to fetch.wait.max.ms (librdkafka: 500): on Apache Kafka 4.4 a
# first read of 10,000 commits took 24 s, all of it 50 end-offset requests queued behind
# fetches. End offsets are read while nothing is assigned, and a fetch waits at most this long.
FETCH_WAIT_MS = 50
POLL_S = 0.02  # consume() waits this long unless a full batch arrives first
LOG_OFF = "reading __consumer_offsets is off"
NOT_COMPARED = "not yet compared with the admin API"
NOTHING_TO_COMPARE = "not yet compared with the admin API: no group has committed offsets yet"
_DENIED = {KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED}
_MISSING = {KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC}


@dataclass(frozen=True, slots=True)
class Source:
    """Which source serves committed offsets, and why ("" when the commit log does)."""

    name: str  # ADMIN_API or COMMIT_LOG
    reason: str = ""


class CommitLogReader:
    def __init__(self, settings: ClusterSettings) -> None:
        self.settings = settings
        self.table = CommitTable()
        self.caught_up = False  # the last catch_up reached the end offsets taken at its start
        self._consumer: Consumer | None = None
        self._partitions: list[int] = []
        self._next: dict[int, int] = {}  # partition -> the next offset to read
        self._refused = ""  # for good: ACLs, or a broker that logs no commits
        self._pending = f"{OFFSETS_TOPIC} not read yet"  # for now: why the last read did not reach the end
        self._confirmed = False
        self._unconfirmed = NOT_COMPARED
        self._closed = False  # a closed reader never opens a consumer again

    @property
    def source(self) -> Source:
        if self._refused:
            return Source(ADMIN_API, self._refused)
        if not self.caught_up:
            return Source(ADMIN_API, self._pending)
        return Source(COMMIT_LOG) if self._confirmed else Source(ADMIN_API, self._unconfirmed)

    @property
    def confirmed(self) -> bool:
        """The log agreed with the admin API once: from then on each catch_up decides."""
        return self._confirmed and not self._refused

    @property
    def refused(self) -> bool:
        """For good: the log cannot serve this cluster (ACLs, or no commit records)."""
        return bool(self._refused)

    def offsets(self, group: str) -> dict[TP, int | None]:
        return self.table.offsets(group)

    def catch_up(self, timeout_s: float = CATCH_UP_TIMEOUT_S) -> Source:
        """Read the log up to its end offsets (read_committed: the last stable ones) as of now."""
        if self._refused:
            return self.source
        self.caught_up = False
        if self._closed:
            self._pending = "the reader is closed"
            return self.source
        try:
            consumer = self._consumer or self._open()
            if consumer is not None:
                self._read(consumer, self._end_offsets(consumer), time.monotonic() + timeout_s, timeout_s)
        except KafkaException as exc:
            self._failed(exc.args[0] if exc.args else None, str(exc))
        return self.source

    def confirm(self, admin_committed: Mapping[str, Mapping[TP, int | None]]) -> Source:
        """Compare with the admin API's committed offsets, read BEFORE the last catch_up:
        a group it reports commits for and the log never named means the broker logs none."""
        if self._refused or not self.caught_up:
            return self.source
        missing = never_logged(self.table, admin_committed)
        if missing is not None:
            self._refuse(
                f"the broker writes no commit records to {OFFSETS_TOPIC} "
                f"(group '{missing}' has committed offsets that are not in it)"
            )
        elif any(o is not None for offsets in admin_committed.values() for o in offsets.values()):
            self._confirmed = True
        else:
            self._unconfirmed = NOTHING_TO_COMPARE
        return self.source

    def close(self) -> None:
        self._closed = True
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            consumer.close()

    def _open(self) -> Consumer | None:
        consumer = make_viewer_consumer(
            self.settings, **{"auto.offset.reset": "earliest", "fetch.wait.max.ms": FETCH_WAIT_MS}
        )
        try:
            topic = consumer.list_topics(OFFSETS_TOPIC, timeout=self.settings.timeout_s).topics.get(OFFSETS_TOPIC)
        except KafkaException:
            consumer.close()
            raise
        error = None if topic is None else topic.error
        if topic is None or error is not None or not topic.partitions:
            consumer.close()
            self._failed(error, f"{OFFSETS_TOPIC} is not there yet" if error is None else error.str())
            return None
        self._partitions = sorted(topic.partitions)
        self._consumer = consumer
        return consumer

    def _end_offsets(self, consumer: Consumer) -> dict[int, int]:
        # Timestamp -1 asks ListOffsets for the end: one request per leader, where
        # get_watermark_offsets sends one per partition (50: 0.95 s on a loaded machine,
        # against 2 ms). A read_committed consumer gets the last stable offsets, so an
        # open transaction's commits are not waited for.
        asked = [TopicPartition(OFFSETS_TOPIC, p, LATEST_TIMESTAMP) for p in self._partitions]
        answers = consumer.offsets_for_times(asked, self.settings.timeout_s)
        for tp in answers:
            if tp.error is not None:
                raise KafkaException(tp.error)
        return {tp.partition: tp.offset for tp in answers}

    def _read(self, consumer: Consumer, ends: dict[int, int], deadline: float, timeout_s: float) -> None:
        todo = {p for p, end in ends.items() if end > 0 and self._next.get(p, 0) < end}
        if todo:  # assign, not resume: librdkafka starts fetching a resumed partition up to 1 s later
            consumer.assign([TopicPartition(OFFSETS_TOPIC, p, self._next.get(p, OFFSET_BEGINNING)) for p in todo])
        while todo and time.monotonic() < deadline:
            for message in consumer.consume(CONSUME_BATCH, timeout=POLL_S):
                error, partition = message.error(), message.partition()
                if error is None:
                    self.table.apply(message.key(), message.value())
                    self._next[partition] = message.offset() + 1
                elif error.code() == KafkaError._PARTITION_EOF:
                    self._next[partition] = max(self._next.get(partition, 0), message.offset())
                elif error.code() in _DENIED:
                    self._refuse(f"not authorized to read {OFFSETS_TOPIC} ({error.str()})")
                    return  # and the consumer is closed
                else:
                    log.debug("reading %s: %s", OFFSETS_TOPIC, error.str())
                    continue
                if self._next[partition] >= ends[partition]:
                    todo.discard(partition)
        # At rest nothing is assigned, so nothing fetches (noida-db would answer fetches at once, forever).
        consumer.unassign()
        self.caught_up = not todo
        if todo:
            self._pending = (
                f"{OFFSETS_TOPIC} was not read to its end within {timeout_s:g} s ({len(todo)} partitions left)"
            )

    def _failed(self, error: KafkaError | None, text: str) -> None:
        code = error.code() if isinstance(error, KafkaError) else None
        if code in _DENIED:
            self._refuse(f"not authorized to read {OFFSETS_TOPIC} ({text})")
        elif code in _MISSING:
            self._pending = f"{OFFSETS_TOPIC} is not there yet (no group has used this cluster)"
        else:
            self._pending = f"reading {OFFSETS_TOPIC} failed: {text}"

    def _refuse(self, reason: str) -> None:
        log.info("committed offsets come from the admin API: %s", reason)
        self._refused = reason
        self.close()
