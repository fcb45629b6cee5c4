"""PURE: validation for the produce form and the CLI.

Every check raises ``InvalidInput`` with a one-line message that names the
field, so pages and the CLI can show ``str(exc)`` as is. Nothing here talks
to Kafka: limits that depend on the cluster (partition count, message size)
are passed in.

File imports (``parse_jsonl``, ``parse_csv``) keep going past bad rows and
return them as ``(line_number, reason)``; only a file-level problem (not
UTF-8, a broken CSV header, too many events or bad rows) raises.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from kafka_io.errors import InvalidInput
from kafka_io.jsonexact import JSONDecodeError, loads_exact

__all__ = [
    "MAX_BURST_EVENTS",
    "MAX_RATE_PER_S",
    "DEFAULT_MAX_MESSAGE_BYTES",
    "MAX_HEADERS",
    "MAX_BAD_ROWS",
    "RECORD_BATCH_HEADER_BYTES",
    "EventSpec",
    "parse_json",
    "parse_header",
    "validate_partition",
    "validate_count",
    "validate_rate",
    "decode_utf8",
    "encoded_size",
    "validate_encoded_size",
]

MAX_BURST_EVENTS = 1_000_000
MAX_RATE_PER_S = 1_000_000.0
DEFAULT_MAX_MESSAGE_BYTES = 1_048_576
MAX_HEADERS = 100
MAX_BAD_ROWS = 1_000  # a file worse than this is the wrong file: stop and say so
# A v2 record batch's fixed header: the broker compares the whole batch with max.message.bytes.
RECORD_BATCH_HEADER_BYTES = 61

_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One event to send; ``value`` None is a tombstone, ``partition`` None is automatic.

    ``line`` is where the event came from in an uploaded file (for error
    reports); it takes no part in equality.
    """

    value: bytes | None
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int | None = None
    line: int | None = field(default=None, compare=False)


def parse_json(text: str | bytes, field: str = "--value") -> object:
    """Parse strict JSON (no NaN); the error names ``field``, line and column."""
    if not isinstance(text, (str, bytes)):
        raise InvalidInput(f"{field} must be text, got {type(text).__name__}")
    if isinstance(text, bytes):
        text = decode_utf8(text, field)
    if not text.strip():
        raise InvalidInput(f"invalid JSON in {field} at line 1 column 1: empty input")
    try:
        return loads_exact(text)
    except JSONDecodeError as exc:
        raise InvalidInput(f"invalid JSON in {field} at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def parse_header(line: str) -> tuple[str, bytes]:
    """``key=value`` → (key, UTF-8 value).

    Splits at the first ``=``; the value is kept verbatim (spaces included,
    may be empty). A key with surrounding spaces is refused rather than
    trimmed: ``k = v`` is almost always a typo, and trimming one side only
    would surprise.
    """
    key, sep, value = line.partition("=")
    if not sep:
        raise InvalidInput(f"header {line!r} must be key=value")
    if not key.strip():
        raise InvalidInput(f"header {line!r} has an empty key")
    if key != key.strip():
        raise InvalidInput(f"header key {key!r} has spaces around it; write key=value")
    try:
        return key, value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"header {key!r} has a value that cannot be encoded as UTF-8") from None


def validate_partition(partition: int | None, partition_count: int) -> int | None:
    """None means automatic; otherwise 0 ≤ partition < partition_count."""
    if partition is None:
        return None
    if type(partition) is not int:
        raise InvalidInput(f"partition must be a whole number, got {partition!r}")
    if type(partition_count) is not int or partition_count < 1:
        raise InvalidInput(f"partition count must be at least 1, got {partition_count!r}")
    if not 0 <= partition < partition_count:
        last = partition_count - 1
        has = "1 partition (0)" if last == 0 else f"{partition_count} partitions (0 to {last})"
        raise InvalidInput(f"partition {partition} does not exist: the topic has {has}; leave it empty for automatic")
    return partition


def validate_count(n: int) -> int:
    if type(n) is not int or not 1 <= n <= MAX_BURST_EVENTS:
        raise InvalidInput(f"count must be a whole number from 1 to {MAX_BURST_EVENTS:,}, got {n!r}")
    return n


def validate_rate(rate_per_s: float | None) -> float | None:
    """None means as fast as possible; otherwise 0 < rate ≤ MAX_RATE_PER_S."""
    if rate_per_s is None:
        return None
    if isinstance(rate_per_s, bool) or not isinstance(rate_per_s, (int, float)) or not math.isfinite(rate_per_s):
        raise InvalidInput(f"rate must be a number of events/s, got {rate_per_s!r}")
    if not 0 < rate_per_s <= MAX_RATE_PER_S:
        raise InvalidInput(
            f"rate must be above 0 and at most {MAX_RATE_PER_S:,.0f} events/s "
            f"(empty for as fast as possible), got {rate_per_s!r}"
        )
    return float(rate_per_s)


def decode_utf8(data: bytes | str, what: str = "file") -> str:
    """Text without a leading BOM; the error points at the first bad byte."""
    if isinstance(data, str):
        return data
    offset = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        return data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start + offset
        raise InvalidInput(f"{what} is not UTF-8: byte 0x{data[at]:02x} at position {at}") from None


def _varint_bytes(n: int) -> int:
    """Length of Kafka's zigzag varint for n (lengths of -1 mean null)."""
    zigzag = (n << 1) ^ (n >> 63)
    length = 1
    while zigzag >= 0x80:
        zigzag >>= 7
        length += 1
    return length


def _field_bytes(data: bytes | None) -> int:
    return _varint_bytes(-1) if data is None else _varint_bytes(len(data)) + len(data)


def encoded_size(value: bytes | None, key: bytes | None = None, headers: Iterable[tuple[str, bytes]] = ()) -> int:
    """Bytes the broker counts against max.message.bytes for this event in a batch of its own.

    The v2 format: the batch header, then one record of attributes,
    timestamp and offset deltas (one byte each for a lone record), key,
    value and headers, each length-prefixed. Exact: a value one byte
    longer than the largest accepted one is refused by the broker.
    """
    body = 3 + _field_bytes(key) + _field_bytes(value)
    headers = list(headers)
    body += _varint_bytes(len(headers))
    for name, data in headers:
        body += _field_bytes(name.encode("utf-8")) + _field_bytes(data)
    return RECORD_BATCH_HEADER_BYTES + _varint_bytes(body) + body


def validate_encoded_size(size_bytes: int, max_bytes: int, limit_name: str) -> int:
    """Refuse an event whose ``encoded_size`` exceeds the limit, naming where the limit comes from."""
    if size_bytes > max_bytes:
        raise InvalidInput(
            f"message is {size_bytes:,} bytes as sent (value, key, headers and framing), "
            f"over the limit of {max_bytes:,} bytes ({limit_name})"
        )
    return size_bytes
