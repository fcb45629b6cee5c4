"""PURE: the Confluent wire format's frame: magic byte 0, a 4-byte big-endian schema id, then
(Protobuf only) the message indexes as zig-zag varints, then the payload.

A frame is recognised by its first byte alone (JSON and text never start with
NUL), so checking a non-framed message costs one comparison on the hot path.
"""

from __future__ import annotations

__all__ = ["MAGIC", "HEADER_BYTES", "FrameError", "is_framed", "schema_id_of", "frame", "message_indexes"]

MAGIC = 0
HEADER_BYTES = 5
MAX_INDEXES = 100  # a nesting path deeper than this is a corrupt frame, not a schema


class FrameError(ValueError):
    """The bytes after the magic byte are not a valid frame."""


def is_framed(data: bytes | None) -> bool:
    return bool(data) and data[0] == MAGIC and len(data) >= HEADER_BYTES


def schema_id_of(data: bytes) -> int:
    """The schema id of framed ``data`` (callers check ``is_framed`` first)."""
    return int.from_bytes(data[1:HEADER_BYTES], "big")


def frame(schema_id: int, payload: bytes, indexes: tuple[int, ...] | None = None) -> bytes:
    """``payload`` framed for ``schema_id``; ``indexes`` (Protobuf) as the serializers write them."""
    if not 0 <= schema_id < 2**31:
        raise FrameError(f"schema id must be 0..2^31-1, got {schema_id}")
    head = bytes([MAGIC]) + schema_id.to_bytes(4, "big")
    if indexes is None:
        return head + payload
    if list(indexes) == [0]:  # the serializers' shortcut for the first message
        return head + b"\x00" + payload
    return head + _varint(_zigzag(len(indexes))) + b"".join(_varint(_zigzag(i)) for i in indexes) + payload


def message_indexes(data: bytes) -> tuple[tuple[int, ...], int]:
    """(the Protobuf message indexes, where the payload starts) of framed ``data``."""
    count, at = _read_varint(data, HEADER_BYTES)
    count = _unzigzag(count)
    if count == 0:
        return (0,), at
    if not 0 < count <= MAX_INDEXES:
        raise FrameError(f"{count} message indexes")
    indexes = []
    for _ in range(count):
        value, at = _read_varint(data, at)
        indexes.append(_unzigzag(value))
    return tuple(indexes), at


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise FrameError("truncated message indexes")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7
