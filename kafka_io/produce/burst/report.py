"""PURE: what a burst reports, live and at the end, and the accounting rules it keeps.

Accounting (tested):

- ``requested`` is the number of events handed to Kafka. Every one of them
  ends up ``delivered`` (acknowledged by the broker) or ``failed`` (with its
  index and reason), so ``delivered + failed == requested`` always; an event
  still unconfirmed when the confirmation timeout runs out is failed "not
  confirmed within N s", never dropped.
- ``planned`` is what the user asked for. Events never handed to Kafka because
  the user pressed Stop are *not* requested and not failed: stopping is a
  choice, not an error, and a million "stopped" failures would bury the real
  ones. They show as ``not_sent = planned - requested``. Events not sent for
  any other reason (Kafka accepted nothing for too long, a fatal producer error
  that recreating did not cure) *are* requested and failed "not sent: ...".

Failures are kept as spans of consecutive indexes with one reason, so a dead
broker during a million-event burst costs a few objects, not a million.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from kafka_io.produce.validation import EventSpec

__all__ = ["FailureSpan", "BurstProgress", "BurstSummary", "merge_failures", "failure_jsonl_lines"]


@dataclass(frozen=True, slots=True)
class FailureSpan:
    """Events ``first .. first + count - 1`` failed for ``reason``."""

    first: int
    count: int
    reason: str


@dataclass(frozen=True, slots=True)
class BurstProgress:
    """A snapshot the page polls while the burst runs."""

    planned: int
    produced: int
    delivered: int
    failed: int
    elapsed_s: float
    running: bool
    stopping: bool

    @property
    def fraction(self) -> float:
        """Confirmed share of what was planned, 0..1 (for a progress bar)."""
        return min(1.0, (self.delivered + self.failed) / self.planned) if self.planned else 1.0


@dataclass(frozen=True, slots=True)
class BurstSummary:
    topic: str
    planned: int
    requested: int
    delivered: int
    failed: int
    duration_s: float
    partitions: tuple[tuple[int, int], ...]  # (partition, delivered events), by partition
    failures: tuple[FailureSpan, ...]
    stopped: bool = False
    notes: tuple[str, ...] = ()

    @property
    def not_sent(self) -> int:
        return self.planned - self.requested

    @property
    def rate_per_s(self) -> float:
        """Delivered events per second of the burst's duration."""
        return self.delivered / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def failure_rows(self, limit: int | None = None) -> Iterator[tuple[int, str]]:
        """(index, reason) for each failed event, in index order."""
        shown = 0
        for span in self.failures:
            for index in range(span.first, span.first + span.count):
                if limit is not None and shown >= limit:
                    return
                shown += 1
                yield index, span.reason

    def to_json(self) -> dict:
        """The CLI's summary object, exactly the documented shape."""
        return {
            "requested": self.requested,
            "delivered": self.delivered,
            "failed": self.failed,
            "duration_s": round(self.duration_s, 3),
            "rate_per_s": round(self.rate_per_s, 1),
            "partitions": {str(p): n for p, n in self.partitions},
            "errors": [{"index": i, "error": reason} for i, reason in self.failure_rows()],
        }


def merge_failures(single: Iterable[tuple[int, str]], spans: Iterable[FailureSpan] = ()) -> tuple[FailureSpan, ...]:
    """One sorted tuple of spans: neighbouring indexes with the same reason become one span."""
    pieces = sorted([*((i, 1, r) for i, r in single), *((s.first, s.count, s.reason) for s in spans)])
    merged: list[list] = []
    for first, count, reason in pieces:
        last = merged[-1] if merged else None
        if last is not None and last[2] == reason and last[0] + last[1] == first:
            last[1] += count
        else:
            merged.append([first, count, reason])
    return tuple(FailureSpan(first, count, reason) for first, count, reason in merged)


def _text_or_none(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")


def failure_jsonl_lines(summary: BurstSummary, events: Mapping[int, EventSpec]) -> Iterator[bytes]:
    """One JSON line per failed event, in the upload format, so the file can be uploaded again as is.

    ``index`` and ``error`` say what failed and why; uploads ignore them.
    Headers exclude the dashboard's own source header, which is added on send.
    """
    for index, reason in summary.failure_rows():
        row: dict = {"index": index, "error": reason}
        event = events.get(index)
        if event is not None:
            row["value"] = _text_or_none(event.value)
            if event.key is not None:
                row["key"] = _text_or_none(event.key)
            if event.headers:
                row["headers"] = {k: _text_or_none(v) for k, v in event.headers}
            if event.partition is not None:
                row["partition"] = event.partition
        yield (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
