"""PURE: turn what a user typed (form or CLI) into events, checked against a topic's limits.

Shared by the Produce page and `python -m kafka_io produce`. Every check raises
``InvalidInput`` with a one-line message naming the field; nothing here talks
to Kafka: the topic's partition count and size limit arrive as ``TopicLimits``.

Every event the dashboard sends carries ``SOURCE_HEADER_PAIR`` (``x-kdash-source:
dashboard``) so the live-events page can mark injected events.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from kafka_io.errors import InvalidInput
from kafka_io.jsonexact import dumps_exact
from kafka_io.produce.partitioner import DEFAULT_PARTITIONER
from kafka_io.produce.validation import (
    MAX_HEADERS,
    EventSpec,
    encoded_size,
    parse_json,
    validate_encoded_size,
    validate_partition,
)
from kafka_io.wire import DASHBOARD_SOURCE, SOURCE_HEADER_KEY

__all__ = [
    "SOURCE_HEADER_KEY",
    "SOURCE_HEADER_VALUE",
    "SOURCE_HEADER_PAIR",
    "VALUE_FORMATS",
    "MAX_TIMESTAMP_MS",
    "TopicLimits",
    "encode_key",
    "encode_value",
    "pretty_json",
    "headers_from_rows",
    "refuse_reserved",
    "parse_timestamp",
    "with_source",
    "check_event",
    "build_event",
    "check_specs",
]

SOURCE_HEADER_VALUE = DASHBOARD_SOURCE
SOURCE_HEADER_PAIR = (SOURCE_HEADER_KEY, SOURCE_HEADER_VALUE)
VALUE_FORMATS = ("json", "text")
# Year 9999: later timestamps are typos (seconds pasted as milliseconds, or worse).
MAX_TIMESTAMP_MS = 253_402_300_799_999


@dataclass(frozen=True, slots=True)
class TopicLimits:
    """What validation needs to know about the target topic."""

    topic: str
    partitions: int
    max_message_bytes: int
    limit_name: str  # where the limit comes from, e.g. "max.message.bytes of topic 'orders'"
    partitioner: str = DEFAULT_PARTITIONER  # where keyed events land (produce.partitioner)


def _utf8(text: str, field: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{field} cannot be encoded as UTF-8") from None


def encode_key(text: str | None) -> bytes | None:
    """Key text as UTF-8; empty means no key (null), which lets Kafka spread events."""
    return None if not text else _utf8(text, "key")


def encode_value(text: str | None, value_format: str = "json", field: str = "value") -> bytes:
    """JSON is checked and sent compact; text is sent as typed (empty text is an empty value)."""
    if value_format not in VALUE_FORMATS:
        raise InvalidInput(f"{field} format must be one of {', '.join(VALUE_FORMATS)}, got {value_format!r}")
    if value_format == "json":
        return dumps_exact(parse_json(text or "", field))
    return _utf8(text or "", field)


def pretty_json(text: str, field: str = "value") -> str:
    """The JSON indented for display; InvalidInput names line and column when it is not JSON."""
    return json.dumps(parse_json(text, field), indent=2, ensure_ascii=False)


def _cell(value: object) -> str:
    """A data-editor cell as text: empty for None/NaN (a blank cell)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def headers_from_rows(rows: Iterable[tuple[object, object]]) -> tuple[tuple[str, bytes], ...]:
    """(key, value) rows from a table editor; blank rows are skipped, rows numbered from 1."""
    headers = []
    for number, (raw_key, raw_value) in enumerate(rows, 1):
        key, value = _cell(raw_key), _cell(raw_value)
        if not key.strip() and not value:
            continue
        if not key.strip():
            raise InvalidInput(f"header row {number} has a value but no key")
        if key != key.strip():
            raise InvalidInput(f"header row {number}: key {key!r} has spaces around it")
        headers.append((refuse_reserved(key, f"header row {number}: "), _utf8(value, f"header {key!r}")))
    if len(headers) > MAX_HEADERS:
        raise InvalidInput(f"too many headers: the limit is {MAX_HEADERS}")
    return tuple(headers)


def refuse_reserved(key: str, where: str = "") -> str:
    """Header keys the user may set: all but the dashboard's own source marker."""
    if key == SOURCE_HEADER_KEY:
        raise InvalidInput(f"{where}{SOURCE_HEADER_KEY} is set by the dashboard itself")
    return key


def parse_timestamp(text: str | None) -> int | None:
    """None (now) for empty text; else milliseconds since the epoch, or ISO 8601 (UTC when no zone)."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        ts_ms = int(text)
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise InvalidInput(
                f"timestamp must be milliseconds since 1970 or ISO 8601 like 2024-05-01T12:00:00Z, got {text!r}"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        ts_ms = math.floor(moment.timestamp() * 1000 + 0.5)
    if not 0 <= ts_ms <= MAX_TIMESTAMP_MS:
        raise InvalidInput(f"timestamp {text!r} is outside 1970 to 9999")
    return ts_ms


def with_source(headers: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The headers as sent: the user's, then the dashboard's source marker."""
    return [*headers, SOURCE_HEADER_PAIR]


def check_event(event: EventSpec, limits: TopicLimits) -> EventSpec:
    """Partition in range and size within the limit (counting the source header)."""
    validate_partition(event.partition, limits.partitions)
    size = encoded_size(event.value, event.key, with_source(event.headers))
    validate_encoded_size(size, limits.max_message_bytes, limits.limit_name)
    return event


def build_event(
    limits: TopicLimits,
    value_text: str | None,
    value_format: str = "json",
    key_text: str | None = None,
    headers: Iterable[tuple[str, bytes]] = (),
    partition: int | None = None,
    encode: Callable[[str], bytes] | None = None,
) -> EventSpec:
    """One checked event from form or CLI fields; ``encode`` (a subject's encoder) frames JSON with a schema."""
    value = encode(value_text or "") if encode is not None else encode_value(value_text, value_format)
    event = EventSpec(value, encode_key(key_text), tuple(headers), partition)
    return check_event(event, limits)


def check_specs(events: Iterable[EventSpec], limits: TopicLimits) -> list[tuple[int | None, str]]:
    """(line, reason) for each uploaded event that the topic would refuse; empty when all are fine."""
    bad = []
    for event in events:
        try:
            check_event(event, limits)
        except InvalidInput as exc:
            bad.append((event.line, str(exc)))
    return bad
