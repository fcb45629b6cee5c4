"""The group child's pipe: length-prefixed pickle frames, in both directions.

Only the parent and its own child write them; the first frame holds the
ClusterSettings (so secrets never travel through argv or the environment).
"""

from __future__ import annotations

import pickle
import struct

__all__ = ["read_frame", "write_frame"]

_HEADER = struct.Struct("!I")


def write_frame(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(stream):
    header = _read_exact(stream, _HEADER.size)
    if header is None:
        return None
    body = _read_exact(stream, _HEADER.unpack(header)[0])
    return None if body is None else pickle.loads(body)  # noqa: S301 (our own child's frames)
