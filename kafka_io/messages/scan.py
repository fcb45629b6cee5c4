"""A bounded, filtered scan: read from a seek until enough events match, or a bound stops it.

The CEL filter is compiled before anything is read (a broken expression is
InvalidInput, naming the position). Bounds, each reported as ``stopped_by``:
``limit`` events matched, ``max_scan`` events read, ``max_seconds`` passed,
``cancelled`` (a threading.Event), or ``end``: every partition read up to
its end as it was when the scan started. From ``newest``, the scan reads the
last ``max_scan`` events (split between partitions) and keeps the newest
``limit`` matches.

An event whose evaluation fails (a missing field, a wrong type) does not
match; it is counted in ``unevaluated``. Reading: one viewer consumer
(assign only, throwaway group id, no commit, read_committed).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from confluent_kafka import KafkaError, TopicPartition

from kafka_io.cluster import Cluster
from kafka_io.errors import InvalidInput
from kafka_io.live.rates import TypeSpec
from kafka_io.messages.browse import in_order
from kafka_io.messages.candidate import accepter
from kafka_io.messages.model import PAGE_SIZE, Message, PartitionError, Seek, Span, backward_spans, start_offsets
from kafka_io.messages.reading import BATCH, POLL_S, Layout, assign, layout, reader, take

__all__ = [
    "DEFAULT_MAX_SCAN",
    "MAX_MATCHES",
    "ScanProgress",
    "ScanResult",
    "scan",
]

DEFAULT_MAX_SCAN = 1_000_000
MAX_MATCHES = 10_000  # events a scan may return (each holds up to 1 MB)
PROGRESS_EVERY_S = 0.25
OLDEST = Seek("oldest")
STOPS = ("limit", "max_scan", "max_seconds", "end", "cancelled")
# Bigger fetches than a page's: a scan reads the log, not a few records.
SCAN_OVERRIDES = {"max.partition.fetch.bytes": 1_048_576, "fetch.max.bytes": 52_428_800, "queued.min.messages": 100_000}


@dataclass(frozen=True, slots=True)
class ScanProgress:
    scanned: int
    matched: int
    unevaluated: int  # "N could not be evaluated"
    positions: Mapping[int, int]  # partition -> next offset to read
    elapsed_s: float
    stopped_by: str | None  # None while running; one of STOPS at the end


@dataclass(frozen=True, slots=True)
class ScanResult:
    messages: tuple[Message, ...]  # offset order within a partition, partitions merged by time
    progress: ScanProgress
    errors: tuple[PartitionError, ...] = ()


def _check(limit, max_scan, max_seconds) -> None:
    if type(limit) is not int or not 1 <= limit <= MAX_MATCHES:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_MATCHES}, got {limit!r}")
    if type(max_scan) is not int or max_scan < 1:
        raise InvalidInput(f"max scan must be a whole number ≥ 1, got {max_scan!r}")
    if max_seconds is not None and (not isinstance(max_seconds, (int, float)) or not max_seconds > 0):
        raise InvalidInput(f"max seconds must be > 0, got {max_seconds!r}")


def _compile(filter_expr: str | None):
    """(the compiled filter, the cel module), or (None, None) without a filter."""
    if filter_expr is None or not filter_expr.strip():
        return None, None
    from kafka_io.messages import cel  # the CEL library loads only when a filter is asked for

    return cel.compile_filter(filter_expr), cel


def scan(
    cluster: Cluster,
    topic: str,
    *,
    partition: int | None = None,
    seek: Seek = OLDEST,
    filter_expr: str | None = None,
    limit: int = PAGE_SIZE,
    max_scan: int = DEFAULT_MAX_SCAN,
    max_seconds: float | None = None,
    cancel: threading.Event | None = None,
    on_progress: Callable[[ScanProgress], None] | None = None,
    type_field: str = "auto",
) -> ScanResult:
    _check(limit, max_scan, max_seconds)
    TypeSpec.parse(type_field)
    program, cel = _compile(filter_expr)  # before anything is read
    with reader(cluster.settings, type_field, **SCAN_OVERRIDES) as (consumer, make):
        accept = None if program is None else accepter(program, cel.filter_variables, make)
        eval_error = None if program is None else cel.FilterEvalError
        found = layout(cluster, topic, partition, seek)
        spans, end_word = _spans(found, seek, accept is not None, limit, max_scan)
        run = _Scan(found.topic, spans, limit, max_scan, max_seconds, cancel, on_progress, seek.kind == "newest")
        run.end_word = end_word
        run.read(cluster.settings, consumer, make, accept, eval_error)
    errors = list(found.errors) + [PartitionError(p, text) for p, text in sorted(run.errors.items())]
    kept = in_order([list(q) for _, q in sorted(run.kept.items())])
    return ScanResult(kept[-limit:], run.final, tuple(errors))


def _spans(found: Layout, seek: Seek, filtered: bool, limit: int, max_scan: int) -> tuple[dict[int, Span], str]:
    """Each partition's range to scan, and what stops a scan that reads them all."""
    if seek.kind != "newest":
        starts = start_offsets(seek, found.lows, found.highs, found.found)
        return {p: (s, found.highs[p]) for p, s in starts.items()}, "end"
    window = max_scan if filtered else min(limit, max_scan)
    spans = backward_spans(found.highs, found.lows, window)
    if sum(found.highs[p] - found.lows[p] for p in spans) > window:  # the log holds more than is read
        return spans, "max_scan" if filtered else "limit"
    return spans, "end"


class _Scan:
    """One scan's state, read and written by the calling thread only."""

    def __init__(self, topic, spans, limit, max_scan, max_seconds, cancel, on_progress, keep_newest: bool) -> None:
        self.topic = topic
        self.end_word = "end"  # what stopped a scan that read all its ranges
        self.pending = {p: end for p, (start, end) in spans.items() if end > start}
        self.positions = {p: start for p, (start, _) in spans.items()}
        self.limit, self.max_scan, self.max_seconds = limit, max_scan, max_seconds
        self.cancel, self.on_progress = cancel, on_progress
        self.kept: dict[int, deque[Message]] = {p: deque(maxlen=limit if keep_newest else None) for p in spans}
        self.stop_at_limit = not keep_newest
        self.scanned = self.matched = self.unevaluated = 0
        self.errors: dict[int, str] = {}
        self.stopped_by: str | None = None
        self.final: ScanProgress | None = None
        self.started = time.monotonic()
        self.next_report = self.started + PROGRESS_EVERY_S

    def progress(self) -> ScanProgress:
        elapsed = time.monotonic() - self.started
        return ScanProgress(
            self.scanned, self.matched, self.unevaluated, dict(self.positions), elapsed, self.stopped_by
        )

    def read(self, settings, consumer, make, accept, eval_error) -> None:
        if not self.pending:
            self.stopped_by = self._end()
            self.final = self.progress()
            return
        assign(consumer, [TopicPartition(self.topic, p, self.positions[p]) for p in self.pending], settings.timeout_s)
        self._loop(consumer, settings.timeout_s, make, accept, eval_error)
        self.final = self.progress()
        if self.on_progress is not None:
            self.on_progress(self.final)

    def _end(self) -> str:
        return self.end_word

    def _bound(self, now: float) -> str | None:
        if self.cancel is not None and self.cancel.is_set():
            return "cancelled"
        if self.max_seconds is not None and now - self.started >= self.max_seconds:
            return "max_seconds"
        return None

    def _loop(self, consumer, idle_s: float, make, accept, eval_error) -> None:
        last_data = time.monotonic()
        while self.stopped_by is None:
            now = time.monotonic()
            self.stopped_by = self._bound(now)
            if self.stopped_by:
                return
            if now - last_data > idle_s:  # nothing, not even an end of partition: report, stop
                for p in self.pending:
                    self.errors.setdefault(p, f"partition {p}: no records within {idle_s:g} s")
                self.stopped_by = "end"
                return
            batch = take(consumer, min(BATCH, self.max_scan - self.scanned), POLL_S)
            if batch:
                last_data = time.monotonic()
                self._take(consumer, batch, make, accept, eval_error)
            if not self.pending and self.stopped_by is None:
                self.stopped_by = self._end()
            if self.on_progress is not None and time.monotonic() >= self.next_report:
                self.next_report = time.monotonic() + PROGRESS_EVERY_S
                self.on_progress(self.progress())

    def _take(self, consumer, batch, make, accept, eval_error) -> None:
        """One batch; the counters are locals in the loop (it runs for every record read)."""
        pending, positions, kept = self.pending, self.positions, self.kept
        scanned, matched, unevaluated = self.scanned, self.matched, self.unevaluated
        max_scan, limit = self.max_scan, self.limit if self.stop_at_limit else -1
        try:
            for m in batch:
                p = m.partition()
                end = pending.get(p)
                if end is None:
                    continue
                error = m.error()
                if error is not None:
                    self._on_error(consumer, p, m, error)
                    continue
                offset = m.offset()
                if offset >= end:
                    self._done(consumer, p)
                    continue
                scanned += 1
                positions[p] = offset + 1
                try:
                    ok = accept is None or accept(m)
                except eval_error:
                    ok = False
                    unevaluated += 1
                if ok:
                    matched += 1
                    kept[p].append(make(m))
                if offset + 1 >= end:
                    self._done(consumer, p)
                if matched == limit:
                    self.stopped_by = "limit"
                    return
                if scanned >= max_scan and pending:
                    self.stopped_by = "max_scan"
                    return
        finally:
            self.scanned, self.matched, self.unevaluated = scanned, matched, unevaluated

    def _on_error(self, consumer, p: int, m, error) -> None:
        if error.code() == KafkaError._PARTITION_EOF:
            self.positions[p] = max(self.positions[p], m.offset())
            self._done(consumer, p)
        else:  # transient (a leader moving): say so, keep reading
            self.errors[p] = f"partition {p}: {error.str()}"

    def _done(self, consumer, p: int) -> None:
        del self.pending[p]
        consumer.pause([TopicPartition(self.topic, p)])
