"""PURE: how tail records are shown in full: the detail payload, and the CLI's output.

Payloads go to st.json / st.code (never markdown); CLI values are UTF-8 text or base64.
"""

from __future__ import annotations

import base64

from kafka_io.jsonexact import JSONDecodeError, loads_exact
from kafka_io.live.model import TailRecord
from kafka_io.live.preview import MAX_PREVIEW_PARSE_BYTES, has_control_chars

__all__ = [
    "HEX_DUMP_MAX_BYTES",
    "JSON_TREE_MAX_DEPTH",
    "PAYLOAD_VIEWS",
    "TailSummary",
    "hexdump",
    "payload_as",
    "payload_view",
    "record_fields",
    "text_or_base64",
]

HEX_DUMP_MAX_BYTES = 65_536  # a 1 MB dump would be 4 MB of text in the browser
# Deeper JSON is shown as text: nobody reads a tree that deep, and st.json's
# encoder recurses (1,000 levels raised RecursionError and blanked the live view).
JSON_TREE_MAX_DEPTH = 100


def record_fields(record: TailRecord) -> dict[str, object]:
    """Everything about a tail record but its payload, for the detail's st.json."""
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp_ms": record.ts_ms,
        "key": record.key,
        "type": record.type,
        "headers": [list(h) for h in record.headers],
        "value_bytes": record.value_size,
    }


def payload_view(record: TailRecord) -> tuple[str, object]:
    """How to show a record's full payload: ("json", obj), ("text", str), ("hex", dump) or ("none", reason).

    JSON is parsed exactly (integers beyond 64 bits keep their digits); text and
    hex are meant for st.code, never markdown.
    """
    raw = record.raw
    if record.decoded is not None:  # a schema registry's record, as JSON text we wrote
        try:
            return "json", loads_exact(record.decoded)
        except (JSONDecodeError, RecursionError):
            return "text", record.decoded
    if record.kind == "null":
        return "none", "This message has no value (a tombstone)."
    if raw is None:
        return "none", "The full payload is no longer held (older than the tail's memory budget); preview only."
    if record.raw_complete and record.kind == "json" and len(raw) <= MAX_PREVIEW_PARSE_BYTES:
        try:
            obj = loads_exact(raw)
            if not _deeper_than(obj, JSON_TREE_MAX_DEPTH):
                return "json", obj
        except (JSONDecodeError, RecursionError):
            pass
    if record.kind in ("json", "text"):
        return "text", raw.decode("utf-8", "replace")
    if len(raw) > HEX_DUMP_MAX_BYTES:
        return "hex", f"{hexdump(raw[:HEX_DUMP_MAX_BYTES])}\n… first {HEX_DUMP_MAX_BYTES} of {record.value_size} bytes"
    return "hex", hexdump(raw)


PAYLOAD_VIEWS = ("json", "text", "hex")  # a JSON tree, text, a hex dump: what a reader may ask for
NOT_A_TREE = (
    "This payload cannot be shown as a JSON tree (not JSON, cut at 1 MB, or nested too deep): choose Text or Hex."
)


def payload_as(record: TailRecord, view: str) -> tuple[str, object]:
    """The payload shown the way the reader asked: ``view`` one of PAYLOAD_VIEWS.

    Same answers as payload_view: ("json", obj), ("text", str), ("hex", dump) or
    ("none", reason). Text of a schema record is its decoded JSON; hex is always the raw bytes.
    """
    if view not in PAYLOAD_VIEWS:
        raise ValueError(f"view must be one of {', '.join(PAYLOAD_VIEWS)}, got {view!r}")
    kind, body = payload_view(record)
    if kind == "none" or view == kind:
        return kind, body
    if view == "json":
        return "none", NOT_A_TREE
    raw = record.raw or b""
    if view == "text":
        return "text", record.decoded if record.decoded is not None else raw.decode("utf-8", "replace")
    if len(raw) > HEX_DUMP_MAX_BYTES:
        return "hex", f"{hexdump(raw[:HEX_DUMP_MAX_BYTES])}\n… first {HEX_DUMP_MAX_BYTES} of {record.value_size} bytes"
    return "hex", hexdump(raw)


def _deeper_than(obj: object, max_depth: int) -> bool:
    """True when arrays/objects nest more than ``max_depth`` levels (no recursion)."""
    stack = [(obj, 1)] if isinstance(obj, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def hexdump(data: bytes, width: int = 16) -> str:
    """Classic offset / hex / ASCII dump, printable ASCII only in the right column."""
    lines = []
    for start in range(0, len(data), width):
        chunk = data[start : start + width]
        hexed = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{start:08x}  {hexed:<{width * 3 - 1}}  {text}")
    return "\n".join(lines)


def text_or_base64(data: bytes | None) -> str | None:
    """Text when the bytes are UTF-8 without control characters (as in previews), else base64.

    The CLI's jsonl rule: NUL and other C0 controls mark binary formats (Avro, Protobuf).
    """
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or has_control_chars(text):
        return base64.b64encode(data).decode("ascii")
    return text


class TailSummary:
    """The CLI's running totals: messages by type and first/last offset per partition."""

    __slots__ = ("messages", "by_type", "first_offsets", "last_offsets")

    def __init__(self) -> None:
        self.messages = 0
        self.by_type: dict[str, int] = {}
        self.first_offsets: dict[str, int] = {}
        self.last_offsets: dict[str, int] = {}

    def add(self, topic: str, partition: int, offset: int, event_type: str) -> None:
        self.messages += 1
        self.by_type[event_type] = self.by_type.get(event_type, 0) + 1
        where = f"{topic}/{partition}"
        self.first_offsets.setdefault(where, offset)
        self.last_offsets[where] = offset

    def as_json(self, seconds: float) -> dict:
        """The ``tail --format json`` object (shape fixed by the CLI's contract)."""
        seconds = max(seconds, 0.0)
        return {
            "messages": self.messages,
            "seconds": round(seconds, 3),
            "rate_per_s": round(self.messages / seconds, 1) if seconds > 0 else 0.0,
            "by_type": dict(sorted(self.by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
            "first_offsets": dict(sorted(self.first_offsets.items(), key=_by_partition)),
            "last_offsets": dict(sorted(self.last_offsets.items(), key=_by_partition)),
        }


def _by_partition(item: tuple[str, int]) -> tuple[str, int]:
    topic, _, partition = item[0].rpartition("/")
    return topic, int(partition)
