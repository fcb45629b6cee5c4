"""PURE: a burst's books: which events failed and why, where the delivered ones went.

The engine (engine.py) records what it hands over and every failure report; the
ledger turns that into exact counts. A failure report names its chunk, value
and key but not its index (librdkafka has no per-event tag we can afford), so
``resolve`` renders the chunk again and matches by (value, key). Identical
events in one chunk are interchangeable: the count and the content are exact,
the index is the lowest one not yet failed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from kafka_io.produce.burst.report import BurstSummary, FailureSpan, merge_failures
from kafka_io.produce.burst.source import Chunk

__all__ = ["Ledger"]


class Ledger:
    def __init__(self, planned: int, chunk_of: Callable[[int], Chunk]) -> None:
        self.planned = planned
        self.handed = 0  # events handed to a producer, from index 0
        self.failed = 0  # reported, refused or never sent
        self.unsent = 0  # failed without being handed over
        self.aborted = False  # the events never handed over still count as requested
        self._chunk_of = chunk_of
        self._failed_index = bytearray(planned)  # 1 once an index is known to have failed
        self._sent_to: Counter = Counter()  # partition -> events handed over
        self._failed_in: Counter = Counter()  # partition -> failed events
        self._reports: list[tuple[int, bytes | None, bytes | None, int, str]] = []
        self._failures: list[tuple[int, str]] = []
        self._spans: list[FailureSpan] = []

    def handed_over(self, chunk: Chunk, first: int, end: int) -> None:
        """Chunk offsets ``first .. end - 1`` went to the producer."""
        if isinstance(chunk.partitions, int):
            self._sent_to[chunk.partitions] += end - first
        else:
            self._sent_to.update(chunk.partitions[first:end])
        self.handed = max(self.handed, chunk.start + end)

    def report(self, chunk: int, value: bytes | None, key: bytes | None, partition: int, reason: str) -> None:
        """librdkafka's report of a failed event (resolved to its index later)."""
        self.failed += 1
        self._reports.append((chunk, value, key, partition, reason))

    def fail(self, index: int, partition: int, reason: str) -> None:
        """An event whose index is known failed (refused by the client)."""
        self._failed_index[index] = 1
        self._failures.append((index, reason))
        self._failed_in[partition] += 1
        self.failed += 1

    def fail_unsent(self, index: int, reason: str) -> None:
        """Events ``index ..`` will never be handed over, and still count as requested."""
        if index < self.planned:
            self.aborted = True
            count = self.planned - index
            self._failed_index[index:] = b"\x01" * count
            self._spans.append(FailureSpan(index, count, reason))
            self.failed += count
            self.unsent += count

    def fail_newest(self, count: int, reason: str) -> None:
        """``count`` handed-over events never reported on: librdkafka keeps order, so the newest."""
        for index in range(self.handed - 1, -1, -1):
            if count == 0:
                return
            if not self._failed_index[index]:
                self._failed_index[index] = 1
                self._spans.append(FailureSpan(index, 1, reason))
                self.failed += 1
                count -= 1

    def delivered_so_far(self, outstanding: int) -> int:
        """Handed over, neither failed nor still held by the producer."""
        return max(0, self.handed - (self.failed - self.unsent) - outstanding)

    def resolve(self) -> None:
        """Match each failure report to its event's index, by value and key within its chunk."""
        by_chunk: dict[int, list] = defaultdict(list)
        for report in self._reports:
            by_chunk[report[0]].append(report)
        self._reports = []
        for number, reports in by_chunk.items():
            chunk = self._chunk_of(number)
            candidates: dict[tuple, list[int]] = defaultdict(list)
            for offset in range(min(chunk.n, self.handed - chunk.start) - 1, -1, -1):
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

    def summary(self, topic: str, duration_s: float, stopped: bool, notes: tuple[str, ...]) -> BurstSummary:
        """The books closed: call once the producer holds nothing more of this burst."""
        self.resolve()
        requested = self.planned if self.aborted else self.handed
        failed = self._failed_index.count(1, 0, requested)
        partitions = {p: n - self._failed_in[p] for p, n in self._sent_to.items() if n > self._failed_in[p]}
        return BurstSummary(
            topic,
            self.planned,
            requested,
            requested - failed,
            failed,
            duration_s,
            tuple(sorted(partitions.items())),
            merge_failures(self._failures, self._spans),
            stopped=stopped and requested < self.planned,
            notes=notes,
        )
