"""PURE: what the Messages browser reads and shows: seeks, messages, pages, and the page math.

A page covers one offset range per partition, [start, next) for each. The
ranges come from the watermarks alone (no read from the start: seeks are
O(1)); ``share`` splits a page's size between partitions. Compacted topics and
transaction markers leave holes in a range, so a page can hold fewer events
than its ranges span, never other ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kafka_io.errors import InvalidInput

__all__ = [
    "MAX_PAGE_SIZE",
    "MAX_VALUE_BYTES",
    "PAGE_SIZE",
    "SEEK_KINDS",
    "Message",
    "Page",
    "PartitionError",
    "Seek",
    "Span",
    "check_limit",
    "forward_spans",
    "backward_spans",
    "share",
    "start_offsets",
]

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_VALUE_BYTES = 1_048_576
SEEK_KINDS = ("newest", "oldest", "offset", "timestamp")

Span = tuple[int, int]  # [start, end) offsets of one partition


@dataclass(frozen=True, slots=True)
class Seek:
    """Where a page starts: the ``newest`` events, the ``oldest``, an ``offset`` or a ``timestamp`` (ms)."""

    kind: str = "newest"
    value: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in SEEK_KINDS:
            raise InvalidInput(f"seek must be one of {', '.join(SEEK_KINDS)}, got {self.kind!r}")
        if self.kind in ("newest", "oldest"):
            if self.value is not None:
                raise InvalidInput(f"seek {self.kind!r} takes no number")
        elif type(self.value) is not int:
            raise InvalidInput(f"seek {self.kind!r} needs a whole number, got {self.value!r}")
        elif self.value < 0:
            what = "offset" if self.kind == "offset" else "timestamp (ms since the epoch)"
            raise InvalidInput(f"seek {what} must be ≥ 0, got {self.value}")

    @classmethod
    def parse(cls, text: str) -> Seek:
        """``newest``, ``oldest``, ``offset:N`` or ``timestamp:MS`` (the inverse of ``str``)."""
        kind, sep, number = str(text).strip().lower().partition(":")
        if not sep:
            return cls(kind)
        try:
            value = int(number.strip())
        except ValueError:
            raise InvalidInput(f"seek {text!r} needs a whole number after ':'") from None
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
    value_size: int  # the full size in bytes (0 for a tombstone)
    headers: tuple[tuple[str, bytes | None], ...]
    type: str  # by the Live events rules (kafka_io.live.rates)
    decoded: str | None = None  # a schema-registry record as JSON text
    schema: str | None = None  # e.g. "AVRO schema 5", or "undecodable: <reason>"

    @property
    def truncated(self) -> bool:
        return self.value is not None and self.value_size > len(self.value)


@dataclass(frozen=True, slots=True)
class PartitionError:
    partition: int
    error: str  # plain words, shown as an error cell


@dataclass(frozen=True, slots=True)
class Page:
    topic: str
    partition: int | None  # None: all partitions
    seek: Seek
    messages: tuple[Message, ...]  # newest first for seek "newest"; else offset order within a partition
    next_positions: Mapping[int, int]  # partition -> first offset of the next (newer) page
    prev_positions: Mapping[int, int]  # partition -> first offset of the previous (older) page
    watermarks: Mapping[int, tuple[int, int]]  # partition -> (low, high)
    errors: tuple[PartitionError, ...] = ()
    # partition -> first offset of this page (the end of the previous page's ranges)
    start_positions: Mapping[int, int] = field(default_factory=dict)
    limit: int = PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return any(offset < self.watermarks[p][1] for p, offset in self.next_positions.items() if p in self.watermarks)

    @property
    def has_prev(self) -> bool:
        return any(offset < self.start_positions.get(p, offset) for p, offset in self.prev_positions.items())


def check_limit(limit: object, most: int = MAX_PAGE_SIZE) -> int:
    if type(limit) is not int or not 1 <= limit <= most:
        raise InvalidInput(f"page size must be a whole number from 1 to {most}, got {limit!r}")
    return limit


def share(total: int, available: Mapping[int, int]) -> dict[int, int]:
    """Split ``total`` events between partitions as evenly as their ``available`` counts allow.

    Water-filling: every partition gets the same share, a partition with fewer
    events gives its unused share to the others; leftovers go to the lowest
    partition numbers first. The result never exceeds what is available.
    """
    counts = {p: 0 for p in available}
    left = max(total, 0)
    open_ = sorted(p for p, n in available.items() if n > 0)
    while left > 0 and open_:
        each, extra = divmod(left, len(open_))
        still = []
        for i, p in enumerate(open_):
            room = available[p] - counts[p]
            give = min(room, each + (1 if i < extra else 0))
            counts[p] += give
            left -= give
            if counts[p] < available[p]:
                still.append(p)
        open_ = still
    return counts


def forward_spans(starts: Mapping[int, int], highs: Mapping[int, int], limit: int) -> dict[int, Span]:
    """The ranges of a page that starts at ``starts`` and reads towards the end (``highs``)."""
    counts = share(limit, {p: max(highs[p] - s, 0) for p, s in starts.items()})
    return {p: (s, s + counts[p]) for p, s in starts.items()}


def backward_spans(ends: Mapping[int, int], lows: Mapping[int, int], limit: int) -> dict[int, Span]:
    """The ranges of a page that ends just before ``ends`` and reaches back towards ``lows``."""
    counts = share(limit, {p: max(e - lows[p], 0) for p, e in ends.items()})
    return {p: (e - counts[p], e) for p, e in ends.items()}


def start_offsets(seek: Seek, lows: Mapping[int, int], highs: Mapping[int, int], found: Mapping[int, int | None]):
    """Each partition's first offset for a forward read from ``seek``.

    ``found``: the first offset at or after the seek's time (None: no record that new,
    so the start is the end). Offsets outside the log are clamped into [low, high].
    """
    if seek.kind == "oldest":
        return dict(lows)
    if seek.kind == "newest":
        return dict(highs)
    if seek.kind == "offset":
        return {p: min(max(seek.value, lows[p]), highs[p]) for p in lows}
    return {p: highs[p] if found.get(p) is None else min(max(found[p], lows[p]), highs[p]) for p in lows}
