"""PURE: a safe, bounded text preview of a message value.

Never raises and never parses more than ``MAX_PREVIEW_PARSE_BYTES``: 10 MB
values, JSON bombs, NUL bytes and invalid UTF-8 all come back quickly as text
or hex, for display as plain text (never markdown or HTML).
"""

from __future__ import annotations

import codecs
import json
import re

import orjson

from kafka_io.jsonexact import JSONDecodeError, has_long_number

__all__ = ["MAX_PREVIEW_PARSE_BYTES", "decode_preview", "has_control_chars"]

MAX_PREVIEW_PARSE_BYTES = 1_048_576
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_chars(text: str) -> bool:
    """True for NUL and other C0 controls (tab, newline and carriage return are text)."""
    return _CONTROL_CHARS.search(text) is not None


def _truncate(text: str, limit_chars: int, total_bytes: int, cut: bool = False) -> str:
    if len(text) <= limit_chars and not cut:
        return text
    return f"{text[:limit_chars]}…({total_bytes} bytes)"


def _preview_json(value: bytes) -> str | None:
    """Compact JSON text, or None when ``value`` is not JSON or too big to parse."""
    if len(value) > MAX_PREVIEW_PARSE_BYTES:
        return None
    try:
        obj = orjson.loads(value)
    except JSONDecodeError:
        return None
    if not has_long_number(value):
        try:
            return orjson.dumps(obj).decode("utf-8")
        except TypeError:
            pass  # nested deeper than orjson writes
    try:
        # The json module keeps >64-bit integers that orjson reads as floats.
        return json.dumps(json.loads(value), ensure_ascii=False, separators=(",", ":"))
    except (ValueError, RecursionError):
        return value.decode("utf-8", "replace")  # valid JSON, shown as sent


def _preview_text(value: bytes) -> str | None:
    """UTF-8 text without control characters, checked on a bounded prefix."""
    head = value[:MAX_PREVIEW_PARSE_BYTES]
    try:
        # final=False tolerates a character cut in half by the prefix only.
        whole = len(head) == len(value)
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return None
    if has_control_chars(text):
        return None
    return text


def decode_preview(value: bytes | None, limit_chars: int = 500) -> tuple[str, str]:
    """(kind, text) for showing a message value; kind is json, text, binary or null.

    JSON is compacted; text is shown as is; anything else (invalid UTF-8,
    control characters such as NUL) is hex of the first ``limit_chars``
    bytes. Cut output ends with ``…(N bytes)``, N being the value's size.
    JSON is only parsed up to ``MAX_PREVIEW_PARSE_BYTES``; larger JSON
    shows as text. Never raises.
    """
    if value is None:
        return "null", ""
    try:
        limit_chars = max(int(limit_chars), 0)
        value = bytes(value)
        total = len(value)
        compact = _preview_json(value)
        if compact is not None:
            return "json", _truncate(compact, limit_chars, total)
        text = _preview_text(value)
        if text is not None:
            return "text", _truncate(text, limit_chars, total, cut=total > MAX_PREVIEW_PARSE_BYTES)
        hexed = value[:limit_chars].hex()
        return "binary", hexed if total <= limit_chars else f"{hexed}…({total} bytes)"
    except Exception:  # a preview must never break the page that shows it
        return "binary", ""
