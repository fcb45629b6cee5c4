"""PURE: what the live tail shows: start positions, bounded records, snapshots.

No I/O, no clock, no Kafka client: the worker (``worker.py``) feeds these with
plain values. Every buffer here is bounded by a named constant, so a 10 MB
message or a million-event replay cannot grow memory without limit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kafka_io.errors import InvalidInput
from kafka_io.live.preview import decode_preview

__all__ = [
    "TAIL_MAX",
    "MAX_RAW_BYTES",
    "TAIL_RAW_BUDGET_BYTES",
    "PREVIEW_CHARS",
    "KEY_CHARS",
    "FramedView",
    "MAX_HEADERS_SHOWN",
    "HEADER_VALUE_CHARS",
    "MAX_LAST_N",
    "MAX_RECENT_S",
    "DEFAULT_RECENT_S",
    "RATE_OVER_S",
    "Baseline",
    "StartPosition",
    "TailRecord",
    "TailRing",
    "TailSnapshot",
    "since",
    "make_record",
    "filter_records",
    "rates_from_series",
]

TAIL_MAX = 500  # messages kept for the live tail
MAX_RAW_BYTES = 1_048_576  # raw value kept per message for the detail view
TAIL_RAW_BUDGET_BYTES = 32 * 1_048_576  # raw bytes kept across the whole tail
PREVIEW_CHARS = 300
KEY_CHARS = 100
MAX_HEADERS_SHOWN = 20
HEADER_VALUE_CHARS = 200
MAX_LAST_N = 100_000
MAX_RECENT_S = 7 * 86_400  # "recent:S" reaches back at most a week
DEFAULT_RECENT_S = 60  # the page's default start: what was sent in the last minute is there
RATE_OVER_S = 5  # "current rate" = mean over the last 5 complete seconds

_START_KINDS = ("latest", "earliest", "last", "timestamp", "recent")


@dataclass(frozen=True, slots=True)
class StartPosition:
    """Where reading starts: ``latest``, ``earliest``, ``last`` N per partition, a ``timestamp`` (ms),
    or ``recent``: the last N seconds before the reader opens (resolved to a timestamp then)."""

    kind: str = "latest"
    value: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in _START_KINDS:
            raise InvalidInput(f"start must be one of {', '.join(_START_KINDS)}, got {self.kind!r}")
        if self.kind in ("latest", "earliest"):
            if self.value is not None:
                raise InvalidInput(f"start {self.kind!r} takes no number")
        elif type(self.value) is not int:
            raise InvalidInput(f"start {self.kind!r} needs a whole number, got {self.value!r}")
        elif self.kind == "last" and not 1 <= self.value <= MAX_LAST_N:
            raise InvalidInput(f"last N per partition must be from 1 to {MAX_LAST_N}, got {self.value}")
        elif self.kind == "timestamp" and self.value < 0:
            raise InvalidInput(f"start timestamp must be ≥ 0 ms since the epoch, got {self.value}")
        elif self.kind == "recent" and not 1 <= self.value <= MAX_RECENT_S:
            raise InvalidInput(f"recent seconds must be from 1 to {MAX_RECENT_S}, got {self.value}")

    @classmethod
    def parse(cls, text: str) -> StartPosition:
        """``latest``, ``earliest``, ``last:N``, ``timestamp:MS`` or ``recent:S`` (deep links use these)."""
        kind, sep, number = str(text).strip().lower().partition(":")
        if not sep:
            return cls(kind)
        try:
            return cls(kind, int(number))
        except ValueError:
            raise InvalidInput(f"start {text!r} needs a whole number after ':'") from None

    @property
    def shared(self) -> bool:
        """Viewers starting at latest see the same stream, so they can share one worker."""
        return self.kind == "latest"

    def resolved(self, now_ms: int) -> StartPosition:
        """``recent:S`` as the timestamp S seconds before ``now_ms``; any other start as it is."""
        if self.kind != "recent":
            return self
        return StartPosition("timestamp", max(now_ms - self.value * 1000, 0))

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


@dataclass(frozen=True, slots=True)
class TailRecord:
    """One message as the tail shows it; ``raw`` is at most ``MAX_RAW_BYTES`` (None once dropped)."""

    seq: int
    ts_ms: int
    topic: str
    partition: int
    offset: int
    key: str
    type: str
    headers: tuple[tuple[str, str], ...]
    kind: str  # json, text, binary or null (see decode_preview)
    preview: str
    value_size: int
    raw: bytes | None = field(default=None, repr=False)
    injected: bool = False
    # Schema registry: "AVRO schema 5" (or the undecodable reason) and the decoded value as JSON text.
    schema: str = ""
    decoded: str | None = field(default=None, repr=False)

    @property
    def raw_complete(self) -> bool:
        return self.raw is not None and len(self.raw) == self.value_size


def _header_text(value: bytes | None) -> str:
    if value is None:
        return ""
    return value[: HEADER_VALUE_CHARS * 4].decode("utf-8", "replace")[:HEADER_VALUE_CHARS]


def make_record(
    seq: int,
    topic: str,
    partition: int,
    offset: int,
    ts_ms: int,
    key: bytes | None,
    headers: list[tuple[str, bytes | None]] | None,
    value: bytes | None,
    event_type: str,
    injected: bool = False,
    framed: FramedView | None = None,
) -> TailRecord:
    """Decode a message into a bounded record (previews are text, never markup).

    ``framed``: what a schema registry made of a framed value and key; the
    decoded JSON replaces the binary preview, the raw bytes stay for hex.
    """
    kind, preview = decode_preview(value, PREVIEW_CHARS)
    _, key_text = decode_preview(key, KEY_CHARS)
    schema, decoded = "", None
    if framed is not None:
        schema, decoded = framed.schema, framed.value_json
        if decoded is not None:
            kind, preview = "json", _cut(decoded, PREVIEW_CHARS)
        if framed.key_text is not None:
            key_text = _cut(framed.key_text, KEY_CHARS)
    shown = tuple((str(name), _header_text(hvalue)) for name, hvalue in (headers or ())[:MAX_HEADERS_SHOWN])
    return TailRecord(
        seq=seq,
        ts_ms=ts_ms,
        topic=topic,
        partition=partition,
        offset=offset,
        key=key_text,
        type=event_type,
        headers=shown,
        kind=kind,
        preview=preview,
        value_size=0 if value is None else len(value),
        raw=None if value is None else bytes(value[:MAX_RAW_BYTES]),
        injected=injected,
        schema=schema,
        decoded=decoded,
    )


@dataclass(frozen=True, slots=True)
class FramedView:
    """A framed message as a schema registry decoded it (kafka_io.live.framed.framed_view)."""

    schema: str  # "AVRO schema 5", or "undecodable: <reason>"
    value_json: str | None  # the decoded value as JSON text; None when not decoded
    key_text: str | None = None  # a decoded framed key, as text


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TailRing:
    """The newest ``TAIL_MAX`` messages, holding at most ``TAIL_RAW_BUDGET_BYTES`` of raw values.

    Decoding is lazy: ``add`` keeps whatever the caller passes (the worker passes
    the client's message) and ``decode`` turns it into a TailRecord the first
    time someone reads it, so a fast stream only pays for what is shown. Over
    budget, the oldest records lose their raw copy (their preview stays).
    Not thread-safe: the worker holds its lock around calls.
    """

    __slots__ = ("_entries", "_raw_bytes", "_decode", "max_records", "raw_budget_bytes")

    def __init__(self, decode=None, max_records: int = TAIL_MAX, raw_budget_bytes: int = TAIL_RAW_BUDGET_BYTES):
        self.max_records = max_records
        self.raw_budget_bytes = raw_budget_bytes
        self._decode = decode
        self._entries: deque[list] = deque()  # [seq, TailRecord or undecoded item, raw bytes held]
        self._raw_bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def raw_bytes(self) -> int:
        return self._raw_bytes

    def clear(self) -> None:
        self._entries.clear()
        self._raw_bytes = 0

    def add(self, seq: int, item: object, raw_len: int) -> None:
        """Keep ``item`` (a TailRecord, or anything ``decode`` accepts) holding ``raw_len`` raw bytes."""
        entries = self._entries
        if len(entries) >= self.max_records:
            self._raw_bytes -= entries.popleft()[2]
        entries.append([seq, item, raw_len])
        self._raw_bytes += raw_len
        if self._raw_bytes > self.raw_budget_bytes:
            self._shed()

    def extend(self, records: Iterable[TailRecord]) -> None:
        for record in records:
            self.add(record.seq, record, _raw_len(record))

    def _shed(self) -> None:
        for entry in self._entries:  # oldest first
            if self._raw_bytes <= self.raw_budget_bytes:
                return
            if entry[2]:
                entry[1] = replace(self._record(entry), raw=None)
                self._raw_bytes -= entry[2]
                entry[2] = 0

    def _record(self, entry: list) -> TailRecord:
        item = entry[1]
        if type(item) is not TailRecord:
            item = entry[1] = self._decode(item)
        return item

    def newest_first(self, after_seq: int = -1) -> tuple[TailRecord, ...]:
        """Newest record time first, across partitions (arrival order interleaves partitions);
        equal times keep arrival order, newest first; records without a time (-1) come last."""
        records = [self._record(e) for e in self._entries if e[0] > after_seq]
        return tuple(sorted(records, key=_newest_key, reverse=True))


def _newest_key(record: TailRecord) -> tuple[int, int]:
    return record.ts_ms, record.seq


def _raw_len(record: TailRecord) -> int:
    return 0 if record.raw is None else len(record.raw)


@dataclass(frozen=True)
class TailSnapshot:
    """What a reader sees at one moment; every field is a copy, safe to keep."""

    status: str
    detail: str = ""
    topics: tuple[str, ...] = ()
    start: str = "latest"
    partitions: int = 0
    messages: int = 0
    seq: int = 0  # messages ever read by the worker (tail records are numbered below it)
    totals: dict[str, int] = field(default_factory=dict)
    last_seen_s: dict[str, int] = field(default_factory=dict)
    rates_per_s: dict[str, float] = field(default_factory=dict)
    series: tuple[tuple[int, str, int], ...] = ()  # (second, type, count), complete seconds
    markers: tuple[tuple[int, str, int], ...] = ()  # injected events: (second, type, count)
    tail: tuple[TailRecord, ...] = ()  # newest first
    errors: tuple[str, ...] = ()
    now_s: int = 0
    window_s: int = 300
    paused: bool = False
    shared: bool = False
    viewers: int = 1

    @property
    def total_rate_per_s(self) -> float:
        return sum(self.rates_per_s.values())


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a viewer had seen when it pressed Clear on a shared worker."""

    seq: int
    messages: int
    totals: dict[str, int]
    cleared_s: int

    @classmethod
    def of(cls, snapshot: TailSnapshot) -> Baseline:
        return cls(snapshot.seq, snapshot.messages, dict(snapshot.totals), snapshot.now_s)


def since(snapshot: TailSnapshot, baseline: Baseline) -> TailSnapshot:
    """The snapshot as if counting had started at ``baseline`` (a per-viewer Clear).

    Shared workers start at latest, so record seconds are arrival seconds and
    the chart keeps only seconds after the clear.
    """
    totals = {t: n - baseline.totals.get(t, 0) for t, n in snapshot.totals.items()}
    totals = {t: n for t, n in totals.items() if n > 0}
    series = tuple(row for row in snapshot.series if row[0] > baseline.cleared_s)
    return replace(
        snapshot,
        messages=max(snapshot.messages - baseline.messages, 0),
        totals=totals,
        last_seen_s={t: s for t, s in snapshot.last_seen_s.items() if t in totals},
        series=series,
        rates_per_s=rates_from_series(series, snapshot.now_s - 1),
        markers=tuple(m for m in snapshot.markers if m[0] > baseline.cleared_s),
        tail=tuple(r for r in snapshot.tail if r.seq >= baseline.seq),
    )


def rates_from_series(rows: Iterable[tuple[int, str, int]], last_s: int, over_s: int = RATE_OVER_S) -> dict[str, float]:
    """Mean events/s per type over the ``over_s`` seconds ending at ``last_s`` (inclusive)."""
    if over_s <= 0:
        raise InvalidInput(f"over_s must be ≥ 1, got {over_s}")
    first_s = last_s - over_s + 1
    sums: dict[str, int] = {}
    for sec, event_type, count in rows:
        if first_s <= sec <= last_s:
            sums[event_type] = sums.get(event_type, 0) + count
    return {event_type: n / over_s for event_type, n in sums.items() if n}


def filter_records(records: Iterable[TailRecord], types: Iterable[str] = (), text: str = "") -> list[TailRecord]:
    """Records of any of ``types`` (all when empty) containing ``text`` (case-insensitive)
    in the key, type, value preview, topic or a header."""
    wanted = set(types)
    needle = text.strip().casefold()
    out = []
    for record in records:
        if wanted and record.type not in wanted:
            continue
        if needle and needle not in _haystack(record):
            continue
        out.append(record)
    return out


def _haystack(record: TailRecord) -> str:
    headers = " ".join(f"{name}={value}" for name, value in record.headers)
    return f"{record.topic}\n{record.key}\n{record.type}\n{record.preview}\n{headers}".casefold()
