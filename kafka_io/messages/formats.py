"""PURE: events as JSONL and CSV, for export and the messages CLI.

JSONL is ``python -m kafka_io tail --format jsonl``'s line, plus ``headers``:
topic, partition, offset, timestamp_ms, key, headers, type, value. Keys, values
and header values are UTF-8 text, or base64 when binary (tail's rule:
``text_or_base64``); a schema registry's record is its decoded JSON with
``schema`` naming the schema, as tail prints it. A truncated value (over 1 MB)
adds ``value_size``, its full size, so a cut value never passes for the whole.

CSV round-trips exactly (``from_csv(to_csv(m))`` gives back every field), and
stays readable in a spreadsheet. A byte cell (key, value, a header's value) is:

- empty: null (no key, a tombstone);
- ``base64:`` then base64: bytes that are not text, text that itself starts
  with ``base64:``, and the empty value (``base64:`` alone);
- anything else: UTF-8 text. Commas, quotes and newlines are CSV-quoted.

An empty cell in schema or decoded is null, ``'`` alone the empty text.
A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage
return or ``'`` gets a ``'`` in front, so a spreadsheet shows a hostile
payload as text instead of running it as a formula; ``from_csv`` removes it.
Headers are one cell: a JSON array of [name, value] pairs (value null, text,
or ``base64:...``), in order, repeats kept (``[]`` for none).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterable

from kafka_io.errors import InvalidInput
from kafka_io.live.output import text_or_base64
from kafka_io.live.preview import has_control_chars
from kafka_io.messages.model import Message

__all__ = ["BASE64_MARKER", "CSV_COLUMNS", "from_csv", "jsonl_line", "to_csv", "to_jsonl"]

BASE64_MARKER = "base64:"
CSV_COLUMNS = (
    "topic",
    "partition",
    "offset",
    "timestamp_ms",
    "key",
    "headers",
    "type",
    "value",
    "value_size",
    "schema",
    "decoded",
)
# OWASP's list of what makes a spreadsheet read a cell as a formula, plus our own escape.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
_INT_COLUMNS = ("partition", "offset", "value_size")


def jsonl_line(message: Message) -> dict:
    """One event as tail's jsonl object, plus headers (and value_size when truncated)."""
    line: dict = {
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "timestamp_ms": message.timestamp_ms,
        "key": text_or_base64(message.key),
        "headers": [[name, text_or_base64(value)] for name, value in message.headers],
        "type": message.type,
        "value": text_or_base64(message.value),
    }
    if message.decoded is not None:  # as tail prints a schema registry's record
        line["value"] = json.loads(message.decoded)
    if message.schema is not None:  # the schema, or why a framed value could not be decoded
        line["schema"] = message.schema
    if message.truncated:
        line["value_size"] = message.value_size
    return line


def to_jsonl(messages: Iterable[Message]) -> str:
    return "".join(json.dumps(jsonl_line(m), ensure_ascii=False, separators=(",", ":")) + "\n" for m in messages)


def to_csv(messages: Iterable[Message]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for m in messages:
        writer.writerow(
            (
                _text_cell(m.topic),
                m.partition,
                m.offset,
                "" if m.timestamp_ms is None else m.timestamp_ms,
                _bytes_cell(m.key),
                _headers_cell(m.headers),
                _text_cell(m.type),
                _bytes_cell(m.value),
                m.value_size,
                _optional_text_cell(m.schema),
                _optional_text_cell(m.decoded),
            )
        )
    return out.getvalue()


def from_csv(text: str) -> list[dict]:
    """Rows of ``to_csv`` as dicts of Message fields (``Message(**row)`` rebuilds the event)."""
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None or tuple(header) != CSV_COLUMNS:
        raise InvalidInput(f"CSV header must be {','.join(CSV_COLUMNS)}")
    return [_row(number, cells) for number, cells in enumerate(rows, start=2)]


def _row(number: int, cells: list[str]) -> dict:
    if len(cells) != len(CSV_COLUMNS):
        raise InvalidInput(f"CSV line {number}: {len(cells)} cells, expected {len(CSV_COLUMNS)}")
    row = dict(zip(CSV_COLUMNS, cells))
    try:
        out: dict = {name: int(row[name]) for name in _INT_COLUMNS}
        out["timestamp_ms"] = int(row["timestamp_ms"]) if row["timestamp_ms"] else None
        out["headers"] = _parse_headers(row["headers"])
        out["key"], out["value"] = _parse_bytes(row["key"]), _parse_bytes(row["value"])
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidInput(f"CSV line {number}: {exc}") from None
    out["topic"], out["type"] = _parse_text(row["topic"]), _parse_text(row["type"])
    out["schema"] = _parse_text(row["schema"]) if row["schema"] else None
    out["decoded"] = _parse_text(row["decoded"]) if row["decoded"] else None  # "'" alone is ""
    return out


def _text_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _optional_text_cell(text: str | None) -> str:
    """Empty is None; an empty text is the escape alone."""
    return "" if text is None else (_text_cell(text) or "'")


def _parse_text(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def _as_text(data: bytes) -> str | None:
    """The bytes as text when they are UTF-8 without control characters (tab and newlines are text)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if has_control_chars(text) else text


def _bytes_text(data: bytes | None) -> str | None:
    """A byte cell's content, before the formula escape: None, text, or the base64 marker."""
    if data is None:
        return None
    text = _as_text(data)
    if text is None or text == "" or text.startswith(BASE64_MARKER):
        return BASE64_MARKER + base64.b64encode(data).decode("ascii")
    return text


def _bytes_cell(data: bytes | None) -> str:
    text = _bytes_text(data)
    return "" if text is None else _text_cell(text)


def _parse_bytes(cell: str) -> bytes | None:
    if cell == "":
        return None
    if cell.startswith(BASE64_MARKER):
        return base64.b64decode(cell[len(BASE64_MARKER) :], validate=True)
    return _parse_text(cell).encode("utf-8")


def _headers_cell(headers: tuple[tuple[str, bytes | None], ...]) -> str:
    return json.dumps([[name, _bytes_text(value)] for name, value in headers], ensure_ascii=False)


def _parse_headers(cell: str) -> tuple[tuple[str, bytes | None], ...]:
    if cell == "":
        return ()
    pairs = json.loads(cell)
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], (str, type(None)))
        for p in pairs
    ):
        raise ValueError("headers must be a JSON array of [name, value] pairs")
    return tuple((name, _parse_header_value(value)) for name, value in pairs)


def _parse_header_value(value: str | None) -> bytes | None:
    if value is None:
        return None
    if value.startswith(BASE64_MARKER):
        return base64.b64decode(value[len(BASE64_MARKER) :], validate=True)
    return value.encode("utf-8")
