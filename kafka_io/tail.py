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
from collections import deque

from kafka_io.clients import SOURCE_HEADER
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError
from kafka_io.rates import MAX_WINDOW_S, RateBuckets, TypeSpec, make_extractor
from kafka_io.tail_model import TAIL_MAX, StartPosition, TailRing, TailSnapshot, make_record, rates_from_series
from kafka_io.tail_reader import FAILED, STARTING, STOPPED, TailReader, consumer_counts

__all__ = ["BATCH_MAX", "MAX_MARKERS", "TailWorker", "consumer_counts"]

log = logging.getLogger("kafka_io")

BATCH_MAX = 10_000  # messages per consume() call
POLL_TIMEOUT_S = 0.25
MAX_MARKERS = 1_000  # injected-event markers kept (per second and type)
REOPEN_BACKOFF_S = 2.0
JOIN_TIMEOUT_S = 10.0


class TailWorker:
    """Reads ``topics`` from ``start`` in its own thread; ``start()`` launches it."""

    def __init__(self, settings: ClusterSettings, topics, spec: TypeSpec, start: StartPosition, clock=time.time):
        self.settings, self.topics, self.spec, self.start_at = settings, tuple(topics), spec, start
        self.id = uuid.uuid4().hex[:8]
        self._clock = clock
        self._extract = make_extractor(spec)
        self._lock = threading.Lock()
        self._buckets = RateBuckets()
        self._ring = TailRing()
        self._markers: deque[tuple[int, str, int]] = deque(maxlen=MAX_MARKERS)
        self._messages = 0  # since start or the last clear()
        self._seq = 0  # numbers every message ever read; never reset, so views can filter by it
        self._status, self._detail, self._partitions = STARTING, "", 0
        self._errors: tuple[str, ...] = ()
        self._stop = threading.Event()
        self._want_paused = False
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
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def pause(self) -> None:
        self._want_paused = True

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
                status=self._status, detail=self._detail, topics=self.topics, start=str(self.start_at),
                partitions=self._partitions, messages=self._messages, seq=self._seq, totals=self._buckets.totals(),
                last_seen_s=self._buckets.last_seen_s(), rates_per_s=rates_from_series(series, last_s),
                series=series, markers=tuple(m for m in self._markers if first_s <= m[0] <= last_s),
                tail=self._ring.newest_first(), errors=self._errors, now_s=now_s, window_s=window_s,
                paused=self._want_paused, shared=self.start_at.shared,
            )  # fmt: skip

    # --- the thread -------------------------------------------------------------

    def _run(self) -> None:
        resume_from: dict[tuple[str, int], int] = {}
        while not self._stop.is_set():
            reader = TailReader(self.settings, self.topics, self.start_at, resume_from)
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
        while not self._stop.is_set():
            if self._want_paused != paused:
                paused = self._want_paused
                reader.pause_all() if paused else reader.resume_all()
            batch = reader.read(BATCH_MAX, POLL_TIMEOUT_S)
            if batch:
                self._ingest(batch)
            reader.maintain()
            self._set_status(reader)

    def _set_status(self, reader: TailReader, status: str | None = None, detail: str = "") -> None:
        if status is None:
            status, detail = reader.status()
        with self._lock:
            self._status, self._detail, self._partitions = status, detail, reader.partitions
            self._errors = tuple(reader.errors)

    def _ingest(self, batch: list) -> None:
        """Count a batch by (second, type), then decode only its newest TAIL_MAX messages."""
        extract = self._extract
        now_s = int(self._clock())
        counts: dict[int, dict[str, int]] = {}
        injected: dict[tuple[int, str], int] = {}
        types = []
        for m in batch:
            headers = m.headers()
            event_type = extract(m.value(), headers, m.key())
            types.append(event_type)
            sec = m.timestamp()[1] // 1000
            if sec > now_s or sec < 0:
                sec = now_s  # producer clocks run ahead; missing timestamps count now
            per_sec = counts.get(sec)
            if per_sec is None:
                per_sec = counts[sec] = {}
            per_sec[event_type] = per_sec.get(event_type, 0) + 1
            if headers and _is_injected(headers):
                injected[sec, event_type] = injected.get((sec, event_type), 0) + 1
        newest = len(batch) - TAIL_MAX
        with self._lock:
            seq = self._seq
            self._seq += len(batch)
        records = [
            make_record(seq + i, m.topic(), m.partition(), m.offset(), m.timestamp()[1], m.key(),
                        m.headers(), m.value(), types[i], _is_injected(m.headers() or ()))
            for i, m in enumerate(batch) if i >= newest
        ]  # fmt: skip
        with self._lock:  # one section, so a snapshot never sees half a batch
            self._messages += len(batch)
            for sec, per_type in counts.items():
                self._buckets.add_counts(sec, per_type)
            self._markers.extend((sec, t, n) for (sec, t), n in sorted(injected.items()))
            self._ring.extend(records)


def _is_injected(headers) -> bool:
    for name, _ in headers:
        if name == SOURCE_HEADER:
            return True
    return False
