"""PURE: what the Messages page, its CLI and its writes pass around.

A value over MAX_VALUE_BYTES is held truncated; ``value_size`` keeps its full
size, so nothing downstream mistakes a cut value for the whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kafka_io.errors import InvalidInput

__all__ = ["MAX_PAGE_SIZE", "MAX_VALUE_BYTES", "PAGE_SIZE", "SEEK_KINDS", "Message", "Page", "PartitionError", "Seek"]

PAGE_SIZE = 50  # default events per page
MAX_PAGE_SIZE = 500
MAX_VALUE_BYTES = 1_048_576  # a value over 1 MB is truncated; value_size keeps the full size
SEEK_KINDS = ("newest", "oldest", "offset", "timestamp")
_WITH_VALUE = ("offset", "timestamp")


@dataclass(frozen=True, slots=True)
class Seek:
    kind: str = "newest"  # one of SEEK_KINDS; InvalidInput otherwise
    value: int | None = None  # offset, or timestamp in ms; required for those two kinds

    def __post_init__(self) -> None:
        if self.kind not in SEEK_KINDS:
            raise InvalidInput(f"seek must be one of {', '.join(SEEK_KINDS)}, got {self.kind!r}")
        if self.kind in _WITH_VALUE and (type(self.value) is not int or self.value < 0):
            raise InvalidInput(f"seek to {self.kind} needs a whole number >= 0, got {self.value!r}")
        if self.kind not in _WITH_VALUE and self.value is not None:
            raise InvalidInput(f"seek to {self.kind} takes no value, got {self.value!r}")

    @classmethod
    def parse(cls, text: str) -> Seek:
        """Read "newest", "oldest", "offset:N" or "timestamp:MS"."""
        kind, sep, rest = str(text).strip().partition(":")
        if not sep:
            return cls(kind)
        try:
            value = int(rest.strip())
        except ValueError:
            raise InvalidInput(f"seek {text!r}: {rest.strip()!r} is not a whole number") from None
        return cls(kind, value)

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None  # at most MAX_VALUE_BYTES
    value_size: int  # full size in bytes (0 for a tombstone)
    headers: tuple[tuple[str, bytes | None], ...]
    type: str  # event type, by the Live events rules (auto-detect, schema records)
    decoded: str | None = None  # a schema-registry record as JSON text, else None
    schema: str | None = None  # e.g. "AVRO schema 5"

    @property
    def truncated(self) -> bool:
        return self.value_size > len(self.value or b"")


@dataclass(frozen=True, slots=True)
class PartitionError:
    partition: int
    error: str  # plain words, shown as an error cell


@dataclass(frozen=True, slots=True)
class Page:
    topic: str
    partition: int | None  # None = all partitions
    seek: Seek
    messages: tuple[Message, ...]  # newest first for kind "newest"; otherwise offset order within a partition
    next_positions: Mapping[int, int]  # partition -> first offset of the next (older->newer) page
    prev_positions: Mapping[int, int]  # partition -> first offset of the previous page
    watermarks: Mapping[int, tuple[int, int]]  # partition -> (low, high)
    errors: tuple[PartitionError, ...] = ()

    @property
    def has_next(self) -> bool:
        return any(offset < self.watermarks.get(p, (0, 0))[1] for p, offset in self.next_positions.items())

    @property
    def has_prev(self) -> bool:
        return any(offset > self.watermarks.get(p, (0, 0))[0] for p, offset in self.prev_positions.items())
