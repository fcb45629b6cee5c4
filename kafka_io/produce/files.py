"""PURE: parse JSONL and CSV event files for uploads and `produce --file`.

Each returns (events, bad_rows): every line is accounted for, bad ones by line
number and reason, so a user sees the whole validation report before sending.
"""

from __future__ import annotations

import csv
import io

from kafka_io.errors import InvalidInput
from kafka_io.jsonexact import JSONDecodeError, dumps_exact, has_long_number, loads_exact
from kafka_io.produce.validation import MAX_BAD_ROWS, MAX_BURST_EVENTS, MAX_HEADERS, EventSpec, decode_utf8

__all__ = ["parse_jsonl", "parse_csv", "parse_event_file"]

_FILE_FIELDS = ("value", "key", "headers", "partition")
# Written by a burst's failures download next to each event; ignored so that file can be sent again.
_INFO_FIELDS = ("index", "error")


def _payload(obj: object, name: str) -> bytes | None:
    """JSON strings are sent as is; other JSON values are sent JSON-encoded."""
    if obj is None:
        return None
    if isinstance(obj, str):
        try:
            return obj.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{name} has a lone surrogate and cannot be UTF-8") from None
    return dumps_exact(obj)


def _headers(obj: object) -> tuple[tuple[str, bytes], ...]:
    if obj is None:
        return ()
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
        raise ValueError('"headers" must be an object of names to strings')
    if "" in obj or len(obj) > MAX_HEADERS:
        raise ValueError(f'"headers" needs non-empty names, at most {MAX_HEADERS}')
    return tuple((k, _payload(v, f"header {k!r}")) for k, v in obj.items())


def _partition(obj: object) -> int | None:
    if obj is None:
        return None
    if type(obj) is not int or obj < 0:
        raise ValueError(f'"partition" must be a whole number ≥ 0, got {obj!r}')
    return obj


def _event(line: int, row: dict, value: bytes | None, key: bytes | None, headers: object) -> EventSpec:
    unknown = [name for name in row if name not in _FILE_FIELDS and name not in _INFO_FIELDS]
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}: expected {', '.join(_FILE_FIELDS)}")
    return EventSpec(value, key, _headers(headers), _partition(row.get("partition")), line)


def _jsonl_event(number: int, line: str, check: bool) -> EventSpec:
    try:
        row = loads_exact(line, check)
    except JSONDecodeError as exc:
        raise ValueError(f"invalid JSON at column {exc.colno}: {exc.msg}") from None
    if not isinstance(row, dict) or "value" not in row:
        raise ValueError('expected a JSON object with a "value" field')
    value, key = _payload(row["value"], '"value"'), _payload(row.get("key"), '"key"')
    return _event(number, row, value, key, row.get("headers"))


def _csv_event(number: int, names: list[str], cells: list[str]) -> EventSpec:
    if len(cells) != len(names):
        raise ValueError(f"expected {len(names)} columns, got {len(cells)}")
    row = dict(zip(names, cells))
    headers = (row.get("headers") or "").strip() or None
    if headers is not None:
        try:
            headers = loads_exact(headers)
        except JSONDecodeError as exc:
            raise ValueError(f'"headers" is not JSON: {exc.msg}') from None
    partition = (row.get("partition") or "").strip()
    if partition:
        try:
            row["partition"] = int(partition)
        except ValueError:
            raise ValueError(f'"partition" must be a whole number ≥ 0, got {partition!r}') from None
    else:
        row["partition"] = None
    # A CSV cell cannot be null: an empty value is b"" (never a tombstone), an empty key is no key.
    return _event(number, row, row["value"].encode("utf-8"), _payload(row.get("key") or None, '"key"'), headers)


class _Collector:
    """Accumulates events and bad rows, enforcing the file-level caps."""

    def __init__(self) -> None:
        self.events: list[EventSpec] = []
        self.bad_rows: list[tuple[int, str]] = []

    def take(self, line_number: int, build, *args) -> None:
        try:
            self.events.append(build(line_number, *args))
        except ValueError as exc:
            self.bad_rows.append((line_number, str(exc)))
            if len(self.bad_rows) > MAX_BAD_ROWS:
                first_line, first = self.bad_rows[0]
                raise InvalidInput(
                    f"file has over {MAX_BAD_ROWS:,} bad rows; first, line {first_line}: {first}"
                ) from None
        if len(self.events) > MAX_BURST_EVENTS:
            raise InvalidInput(f"file has more than {MAX_BURST_EVENTS:,} events (line {line_number}); split it")


def parse_jsonl(data: bytes) -> tuple[list[EventSpec], list[tuple[int, str]]]:
    """One JSON object per line: ``value`` (required), ``key``, ``headers``, ``partition``.

    ``index`` and ``error`` (written by the failures download) are ignored.

    ``value``/``key``: a string is sent as its UTF-8 text, null as null (a
    tombstone for ``value``), anything else JSON-encoded. Blank lines are
    skipped. Returns (events, bad_rows) with 1-based line numbers.
    """
    out, check = _Collector(), has_long_number(data)
    # Split on "\n" only: str.splitlines() would also split on U+2028, which JSON allows in strings.
    for number, line in enumerate(decode_utf8(data).split("\n"), 1):
        if line.strip():
            out.take(number, _jsonl_event, line, check)
    return out.events, out.bad_rows


def _csv_columns(header: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in header]
    for name in names:
        if name not in _FILE_FIELDS:
            raise InvalidInput(f"unknown CSV column {name!r}: expected {', '.join(_FILE_FIELDS)}")
    if len(set(names)) != len(names):
        raise InvalidInput("CSV header repeats a column")
    if "value" not in names:
        raise InvalidInput('CSV needs a "value" column')
    return names


def parse_csv(data: bytes) -> tuple[list[EventSpec], list[tuple[int, str]]]:
    """CSV with a header row naming ``value`` (required), ``key``, ``headers``, ``partition``.

    ``headers`` holds a JSON object; empty cells mean no key, no headers,
    automatic partition, and an empty (not null) value. Rows whose cells are
    all empty are skipped. Line numbers are where a row starts.
    """
    reader = csv.reader(io.StringIO(decode_utf8(data), newline=""), strict=True)
    out, line_number = _Collector(), 1
    try:
        header = next(reader, None)
        names = _csv_columns(header) if header else []
        for row in reader:
            start, line_number = line_number + 1, reader.line_num
            if any(cell.strip() for cell in row):
                out.take(start, _csv_event, names, row)
    except csv.Error as exc:
        raise InvalidInput(f"CSV syntax error at line {reader.line_num}: {exc}") from None
    return out.events, out.bad_rows


def parse_event_file(filename: str, data: bytes) -> tuple[list[EventSpec], list[tuple[int, str]]]:
    """CSV when the name ends in .csv, JSONL otherwise."""
    parse = parse_csv if filename.lower().endswith(".csv") else parse_jsonl
    return parse(data)
