"""The live-events worker: a thread that owns one viewer consumer and aggregates rates by type.

Threading: the worker thread creates, polls and closes its Consumer (through
``TailReader``); nothing else touches it. Readers call ``snapshot()``, which
copies bounded state under a lock, and ``pause``/``resume``/``clear``/``stop``,
which only set flags the thread acts on. Threads never call Streamlit.

Counting: every message's type comes from ``rates.make_extractor``; counts are
bucketed per second of the record's timestamp (clamped to now), so a replay
from earliest draws the rates as they were produced, not one spike at read
time. Only the newest ``TAIL_MAX`` messages of a batch are decoded for the tail.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter, deque
from itertools import repeat
from operator import floordiv, itemgetter

from confluent_kafka import Message

from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError
from kafka_io.live.buckets import RateBuckets
from kafka_io.live.framed import decoder_for, framed_view
from kafka_io.live.model import (
    MAX_RAW_BYTES,
    TAIL_MAX,
    StartPosition,
    TailRecord,
    TailRing,
    TailSnapshot,
    make_record,
    rates_from_series,
)
from kafka_io.live.rates import MAX_WINDOW_S, TypeSpec, make_extractor
from kafka_io.live.reader import FAILED, STARTING, STOPPED, TailReader, consumer_counts
from kafka_io.wire import from_dashboard

__all__ = ["BATCH_MAX", "MAX_MARKERS", "TailWorker", "consumer_counts"]

log = logging.getLogger("kafka_io")

BATCH_MAX = 10_000  # messages per consume() call
POLL_TIMEOUT_S = 0.25
# How long Pause waits for the reader to stop fetching: one read, and slack for a busy machine.
PAUSE_WAIT_S = 2.0
# Seconds with injected events kept, per type (the chart draws them as bands):
# 1,000 covers the longest window (900 s) even with a few types at once.
MAX_MARKERS = 1_000
REOPEN_BACKOFF_S = 2.0
JOIN_TIMEOUT_S = 10.0
_SECOND = itemgetter(1)  # Message.timestamp() is (type, ms)
STATUS_EVERY_S = 0.1


class TailWorker:
    """Reads ``topics`` from ``start`` in its own thread; ``start()`` launches it."""

    def __init__(self, settings: ClusterSettings, topics, spec: TypeSpec, start: StartPosition, clock=time.time):
        self.settings, self.topics, self.spec, self.start_at = settings, tuple(topics), spec, start
        self.id = uuid.uuid4().hex[:8]
        self._clock = clock
        # "recent:S" counts back from when the worker was asked for, once: a reopen resumes, never re-reads.
        self._start = start.resolved(int(clock() * 1000))
        # A schema registry's decoder, when the cluster has one: framed values count by their records' types.
        self._decoder = decoder_for(settings)
        self._extract = make_extractor(spec, self._decoder)
        self._lock = threading.Lock()
        self._buckets = RateBuckets()
        self._ring = TailRing(decode=self._decode)
        self._markers: deque[tuple[int, str, int]] = deque(maxlen=MAX_MARKERS)
        self._messages = 0  # since start or the last clear()
        self._seq = 0  # numbers every message ever read; never reset, so views can filter by it
        self._status, self._detail, self._partitions = STARTING, "", 0
        self._errors: tuple[str, ...] = ()
        self._stop = threading.Event()
        self._want_paused = False
        self._paused_applied = threading.Event()
        self._clear_requested = False
        self._thread = threading.Thread(target=self._run, name=f"kdash-tail-{self.id}", daemon=True)

    # --- control (any thread) ---------------------------------------------------

    def start(self) -> TailWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the thread to close its consumer and end; returns at once."""
        self._stop.set()

    def join(self, timeout_s: float = JOIN_TIMEOUT_S) -> bool:
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def messages(self) -> int:
        """Messages counted since start or the last clear (a cheap progress check)."""
        return self._messages

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def pause(self) -> None:
        """Stop fetching; returns once the reader has paused (or after PAUSE_WAIT_S), so an
        event sent after Pause is never counted, even when a fetch was long-polling."""
        self._paused_applied.clear()
        self._want_paused = True
        self._paused_applied.wait(PAUSE_WAIT_S)

    def resume(self) -> None:
        self._want_paused = False

    def clear(self) -> None:
        with self._lock:
            self._reset()

    def _reset(self) -> None:
        self._buckets.clear()
        self._ring.clear()
        self._markers.clear()
        self._messages = 0

    # --- reading (any thread) ---------------------------------------------------

    def snapshot(self, window_s: int = 300, now_s: int | None = None) -> TailSnapshot:
        """A copy of the current state; ``series`` holds the complete seconds of the window."""
        window_s = max(1, min(int(window_s), MAX_WINDOW_S))
        now_s = int(self._clock()) if now_s is None else now_s
        last_s = now_s - 1
        first_s = last_s - window_s + 1
        with self._lock:
            series = tuple(self._buckets.series(last_s, window_s))
            return TailSnapshot(
                status=self._status,
                detail=self._detail,
                topics=self.topics,
                start=str(self.start_at),
                partitions=self._partitions,
                messages=self._messages,
                seq=self._seq,
                totals=self._buckets.totals(),
                last_seen_s=self._buckets.last_seen_s(),
                rates_per_s=rates_from_series(series, last_s),
                series=series,
                markers=tuple(m for m in self._markers if first_s <= m[0] <= last_s),
                tail=self._ring.newest_first(),
                errors=self._errors,
                now_s=now_s,
                window_s=window_s,
                paused=self._want_paused,
                shared=self.start_at.shared,
            )

    # --- the thread -------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._read_until_stopped()
        finally:
            if self._decoder is not None:
                self._decoder.close()

    def _read_until_stopped(self) -> None:
        resume_from: dict[tuple[str, int], int] = {}
        while not self._stop.is_set():
            reader = TailReader(self.settings, self.topics, self._start, resume_from)
            try:
                reader.open()
                self._loop(reader)
                return
            except KafkaIOError as exc:
                # A fatal client error: reopen where we were, after a pause.
                resume_from = reader.positions() or resume_from
                self._set_status(reader, FAILED, f"{exc} (reopening)")
                log.warning("live tail %s: %s", self.id, exc)
            except Exception as exc:  # a bug must not kill the thread silently
                log.exception("live tail %s crashed", self.id)
                self._set_status(reader, FAILED, f"Unexpected {type(exc).__name__}: {exc}")
                return
            finally:
                reader.close()
                if self._stop.is_set():
                    self._set_status(reader, STOPPED, "")
            self._stop.wait(REOPEN_BACKOFF_S)

    def _loop(self, reader: TailReader) -> None:
        paused = False
        next_status_s = 0.0
        while not self._stop.is_set():
            if self._want_paused != paused:
                paused = self._want_paused
                reader.pause_all() if paused else reader.resume_all()
                next_status_s = 0.0
            if paused:
                self._paused_applied.set()
            batch = reader.read(BATCH_MAX, POLL_TIMEOUT_S)
            if batch:
                self._ingest(batch)
            reader.maintain()
            now_s = time.monotonic()
            if now_s >= next_status_s:  # readers look once a second; no need to lock per batch
                self._set_status(reader)
                next_status_s = now_s + STATUS_EVERY_S

    def _set_status(self, reader: TailReader, status: str | None = None, detail: str = "") -> None:
        if status is None:
            status, detail = reader.status()
        with self._lock:
            self._status, self._detail, self._partitions = status, detail, reader.partitions
            self._errors = tuple(reader.errors)

    def _ingest(self, batch: list) -> None:
        """Count a batch by (second, type); keep its newest TAIL_MAX messages undecoded for the tail."""
        # map() over unbound methods and a C-level Counter: ~2x faster than one Python loop.
        now_s = int(self._clock())
        heads = list(map(Message.headers, batch))
        keys = map(Message.key, batch) if self.spec.source == "key" else repeat(None)
        types = list(map(self._extract, map(Message.value, batch), heads, keys))
        secs = list(map(floordiv, map(_SECOND, map(Message.timestamp, batch)), repeat(1000)))
        counts: dict[int, dict[str, int]] = {}
        for (sec, event_type), n in Counter(zip(secs, types)).items():
            per_sec = counts.setdefault(_clamp(sec, now_s), {})
            per_sec[event_type] = per_sec.get(event_type, 0) + n
        injected: Counter = Counter()
        if any(heads):
            injected.update((_clamp(secs[i], now_s), types[i]) for i, h in enumerate(heads) if h and from_dashboard(h))
        first = max(len(batch) - TAIL_MAX, 0)
        with self._lock:
            base = self._seq
            self._seq += len(batch)
        kept = [self._keep(base + i, batch[i], types[i]) for i in range(first, len(batch))]
        with self._lock:  # one section, so a snapshot never sees half a batch
            self._messages += len(batch)
            for sec, per_type in counts.items():
                self._buckets.add_counts(sec, per_type)
            for (sec, t), n in sorted(injected.items()):
                _add_marker(self._markers, sec, t, n)
            for entry in kept:
                self._ring.add(*entry)

    def _keep(self, seq: int, m, event_type: str) -> tuple[int, object, int]:
        """(seq, item, raw bytes) for the ring; a value too big to hold whole is decoded (and cut) now."""
        value = m.value()
        size = len(value) if value else 0
        if size > MAX_RAW_BYTES:
            return seq, self._decode((seq, m, event_type)), MAX_RAW_BYTES
        return seq, (seq, m, event_type), size

    def _decode(self, item: tuple) -> TailRecord:
        return _decode(item, self._decoder)


def _add_marker(markers: deque, sec: int, event_type: str, count: int) -> None:
    """Batches of one second add to its marker, so a long burst keeps one marker per second and type."""
    for i in range(len(markers) - 1, max(len(markers) - 8, -1), -1):  # this second's markers are the newest
        last_s, last_type, last_n = markers[i]
        if last_s < sec:
            break
        if last_s == sec and last_type == event_type:
            markers[i] = (sec, event_type, last_n + count)
            return
    markers.append((sec, event_type, count))


def _clamp(sec: int, now_s: int) -> int:
    """Producer clocks run ahead and some records have no timestamp (-1): count those now."""
    return now_s if sec > now_s or sec < 0 else sec


def _decode(item: tuple, decoder=None) -> TailRecord:
    seq, m, event_type = item
    headers = m.headers()
    key, value = m.key(), m.value()
    return make_record(
        seq,
        m.topic(),
        m.partition(),
        m.offset(),
        m.timestamp()[1],
        key,
        headers,
        value,
        event_type,
        bool(headers) and from_dashboard(headers),
        framed_view(decoder, value, key),
    )
