"""PURE: what a purge removes: per partition, the records before an offset (or all of
them), the new low watermark and how many offsets go.

Kafka's DeleteRecords moves a partition's low watermark up to the given offset.
An offset past the end means "everything": it is clamped to the high watermark
(Kafka itself would refuse it as out of range). An offset at or below the low
watermark removes nothing, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kafka_io.errors import InvalidInput

__all__ = ["PurgeRow", "purge_rows"]

# partition -> (low, high, error): the watermarks as list_offsets answered them
Watermarks = Mapping[int, tuple[int | None, int | None, str | None]]


@dataclass(frozen=True, slots=True)
class PurgeRow:
    partition: int
    low: int | None
    high: int | None
    new_low: int | None  # None: this partition is left alone (see error)
    records: int  # offsets removed: new_low - low
    note: str | None = None
    error: str | None = None


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{what} must be a whole number >= 0, got {value!r}")
    return value


def purge_rows(
    topic: str, watermarks: Watermarks, partition: int | None = None, before_offset: int | None = None
) -> tuple[PurgeRow, ...]:
    """One row per chosen partition (all when ``partition`` is None); ``before_offset``
    None removes every record."""
    if not watermarks:
        raise InvalidInput(f"topic {topic!r} has no partitions")
    chosen = sorted(watermarks)
    if partition is not None:
        partition = _whole(partition, "partition")
        if partition not in watermarks:
            raise InvalidInput(f"topic {topic!r} has no partition {partition} (it has {len(chosen)}: 0-{chosen[-1]})")
        chosen = [partition]
    if before_offset is not None:
        before_offset = _whole(before_offset, "the offset to purge before")
    return tuple(_row(p, *watermarks[p], before_offset) for p in chosen)


def _row(partition: int, low: int | None, high: int | None, error: str | None, before: int | None) -> PurgeRow:
    if error or low is None or high is None:
        return PurgeRow(partition, low, high, None, 0, None, error or "watermarks unknown")
    if before is None:
        note = None if high > low else "already empty"
        return PurgeRow(partition, low, high, high, high - low, note)
    if before <= low:
        return PurgeRow(partition, low, high, low, 0, f"nothing before offset {before} (low watermark {low})")
    if before > high:
        return PurgeRow(partition, low, high, high, high - low, f"offset {before} is past the end ({high}): all go")
    return PurgeRow(partition, low, high, before, before - low)
