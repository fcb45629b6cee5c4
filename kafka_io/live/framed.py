"""Schema-registry frames in the live tail and the CLI: the decoder a cluster's settings call for,
and how a decoded message reads (JSON text, its schema named)."""

from __future__ import annotations

import orjson

from kafka_io.config import ClusterSettings
from kafka_io.live.model import FramedView
from kafka_io.schemas.decode import Decoded, Undecodable, WireDecoder
from kafka_io.schemas.framing import is_framed

__all__ = ["decoder_for", "framed_view", "as_json_text"]

_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def decoder_for(settings: ClusterSettings, wait_s: float | None = None) -> WireDecoder | None:
    """A decoder when the cluster has a schema registry; None: framed bytes stay bytes.

    ``wait_s``: how long a schema seen for the first time may be waited for (default: the
    live tail's short wait; a page read, which shows what it read once, waits longer)."""
    if settings.schema_registry is None:
        return None
    if wait_s is None:
        return WireDecoder(settings.schema_registry)
    return WireDecoder(settings.schema_registry, wait_s=wait_s)


def as_json_text(value: object) -> str:
    """A decoded record as JSON (Avro bytes and decimals, which JSON lacks, as text)."""
    return orjson.dumps(value, default=_plain, option=_JSON_OPTIONS).decode()


def _plain(obj: object) -> object:
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    return str(obj)


def framed_view(decoder: WireDecoder | None, value: bytes | None, key: bytes | None) -> FramedView | None:
    """What the registry makes of a framed value and key; None when neither is framed."""
    if decoder is None:
        return None
    value_framed, key_framed = is_framed(value), is_framed(key)
    if not (value_framed or key_framed):
        return None
    schema, value_json, key_text = "", None, None
    if value_framed:
        found = decoder.decode(value)
        if type(found) is Undecodable:
            schema = f"undecodable: {found.reason}"
        else:
            schema, value_json = _named(found), as_json_text(found.value)
    if key_framed:
        found = decoder.decode(key)
        if type(found) is Decoded:
            key_text = found.value if isinstance(found.value, str) else as_json_text(found.value)
    return FramedView(schema, value_json, key_text)


def _named(found: Decoded) -> str:
    return f"{found.schema_type} schema {found.schema_id}"
