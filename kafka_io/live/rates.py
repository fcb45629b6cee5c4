"""PURE: event-type extraction and per-second rate buckets for the live chart.

No I/O and no clock: callers pass seconds in. This is the consumer's hot path,
so specs are compiled once into a closure and every message costs one
``orjson.loads`` plus a couple of dict lookups.

Type rules, for every source:
- missing field/header, JSON ``null``, a null or empty value/key → ``UNKNOWN``;
- a value that is not JSON, or a header/key that is not UTF-8  → ``UNPARSEABLE``;
- a JSON object or array where a type was expected → ``UNPARSEABLE`` (the
  path points at a container, not a type; the user must point deeper);
- numbers are ``str()``-ed (3 → "3"), booleans become "true"/"false";
- the empty string is ``UNKNOWN`` (a blank label is unreadable on a chart);
- types are cut to ``MAX_TYPE_CHARS``.
A JSON value that is not an object (a list, a number) has no fields: ``UNKNOWN``.
Repeated headers: the last one wins, as with Kafka's ``Headers.lastHeader``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson

from kafka_io.errors import InvalidInput

__all__ = [
    "UNKNOWN",
    "UNPARSEABLE",
    "OTHER",
    "DEFAULT_TYPE_FIELD",
    "AUTO_TYPE_FIELDS",
    "CE_TYPE_HEADER",
    "MAX_WINDOW_S",
    "MAX_TYPES",
    "MAX_TYPE_CHARS",
    "Extractor",
    "TypeSpec",
    "make_extractor",
    "make_object_extractor",
]

UNKNOWN = "(unknown)"
UNPARSEABLE = "(unparseable)"
OTHER = "(other)"
DEFAULT_TYPE_FIELD = "event_type"
AUTO_TYPE_FIELDS = ("event_type", "type", "eventType", "event.type")
CE_TYPE_HEADER = "ce_type"  # CloudEvents binary mode (Kafka protocol binding)
MAX_WINDOW_S = 900
MAX_TYPES = 200
MAX_TYPE_CHARS = 100
MAX_SPEC_CHARS = 200

_SOURCES = ("field", "header", "key")
_AUTO_WORDS = ("auto", "field")

Extractor = Callable[[bytes | None, list[tuple[str, bytes]] | None, bytes | None], str]
# A framed value -> its record (dict), None (not an object) or a type label (str) when it
# cannot be decoded; a framed key -> its decoded value or the label (kafka_io.schemas.decode).
Decode = Callable[[bytes], object]

_AUTO_PARTS = {path: tuple(path.split(".")) for path in AUTO_TYPE_FIELDS}
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """Where the event type lives: ``field`` (JSON path; None = auto), ``header`` or ``key``."""

    source: str
    path: str | None = None

    def __post_init__(self) -> None:
        if self.source not in _SOURCES:
            raise InvalidInput(f"type source must be one of {', '.join(_SOURCES)}, got {self.source!r}")
        if self.source == "key" and self.path is not None:
            raise InvalidInput("type source 'key' takes no name")
        if self.source == "header" and not self.path:
            raise InvalidInput("type source 'header' needs a header name, e.g. header:ce_type")
        if self.path is not None:
            _check_path(self.source, self.path)

    @classmethod
    def parse(cls, text: str) -> TypeSpec:
        """Parse ``field:PATH``, ``header:NAME``, ``key``, ``auto``/``field``, or a bare PATH.

        Only the first ``:`` separates the source, so ``field:a:b`` is the field ``a:b``.
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("type spec is empty: use auto, key, header:NAME, field:PATH or PATH")
        text = text.strip()
        if len(text) > MAX_SPEC_CHARS:
            raise InvalidInput(f"type spec is {len(text)} characters; the limit is {MAX_SPEC_CHARS}")
        if text in _AUTO_WORDS:
            return cls("field")
        if text == "key":
            return cls("key")
        source, sep, rest = text.partition(":")
        if not sep:
            return cls("field", text)
        if source not in _SOURCES:
            raise InvalidInput(f"unknown type source {source!r} in {text!r}: use key, header:NAME or field:PATH")
        if not rest and source != "key":
            raise InvalidInput(f"type spec {text!r} needs a name after ':'")
        return cls(source, rest)  # "key:x" is refused by __post_init__

    def __str__(self) -> str:
        """The text ``parse`` reads back: ``auto``, ``key``, ``header:NAME`` or ``field:PATH``."""
        if self.source == "key":
            return "key"
        if self.path is None:
            return "auto"
        return f"{self.source}:{self.path}"


def _check_path(source: str, path: str) -> None:
    if not path or path != path.strip() or not path.isprintable():
        raise InvalidInput(f"{source} name {path!r} is empty or has surrounding spaces/control characters")
    if source == "field" and "" in path.split("."):
        raise InvalidInput(f"field path {path!r} has an empty segment")


def _as_type(obj: object) -> str:
    """Turn a found JSON value into a chart label (rules in the module docstring)."""
    if type(obj) is str:
        return obj[:MAX_TYPE_CHARS] if obj else UNKNOWN
    if obj is None:
        return UNKNOWN
    if obj is True or obj is False:
        return "true" if obj else "false"
    if type(obj) is int or type(obj) is float:
        return str(obj)[:MAX_TYPE_CHARS]
    return UNPARSEABLE


def _lookup(obj: dict, path: str, parts: tuple[str, ...]) -> object:
    """Exact top-level key first (``{"a.b": 1}``), then walk nested objects."""
    found = obj.get(path)
    if found is not None or len(parts) == 1:
        return found
    for part in parts:
        if type(obj) is not dict:
            return None
        obj = obj.get(part)
    return obj


def _bytes_type(raw: bytes | None) -> str:
    if not raw:
        return UNKNOWN
    try:
        return _as_type(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return UNPARSEABLE


def _header_type(headers: list[tuple[str, bytes]] | None, name: str) -> str | None:
    """The last header called ``name``, as a type; None when absent."""
    if not headers:
        return None
    for hname, hvalue in reversed(headers):
        if hname == name:
            return _bytes_type(hvalue)
    return None


def _json_object(value: bytes | None) -> dict | str:
    """The value as a JSON object, or the type to report when it is not one."""
    if not value:
        return UNKNOWN
    try:
        obj = _loads(value)
    except _JSONDecodeError:
        return UNPARSEABLE
    return obj if type(obj) is dict else UNKNOWN


def _decoding_object(decode: Decode) -> Callable[[bytes | None], dict | str]:
    """``_json_object`` that first decodes Confluent-framed values (magic byte 0) with ``decode``."""

    def object_of(value):
        if value and value[0] == 0:
            obj = decode(value)
            return UNKNOWN if obj is None else obj  # a dict, or an undecodable frame's label
        return _json_object(value)

    return object_of


def _field_extractor(path: str, object_of=_json_object) -> Extractor:
    parts = tuple(path.split("."))
    if len(parts) == 1:
        return _top_level_extractor(path, object_of)

    def extract_field(value, headers, key):
        obj = object_of(value)
        return obj if type(obj) is str else _as_type(_lookup(obj, path, parts))

    return extract_field


def _top_level_extractor(name: str, object_of=_json_object) -> Extractor:
    """The common case (``event_type``) with the lookup inlined: this runs once per message."""

    def extract_top_level(value, headers, key):
        obj = object_of(value)
        if type(obj) is str:
            return obj
        found = obj.get(name)
        if type(found) is str and found:
            return found if len(found) <= MAX_TYPE_CHARS else found[:MAX_TYPE_CHARS]
        return _as_type(found)

    return extract_top_level


def _auto_extractor(object_of=_json_object) -> Extractor:
    def extract_auto(value, headers, key) -> str:
        if headers:
            from_header = _header_type(headers, CE_TYPE_HEADER)
            if from_header is not None:
                return from_header
        obj = object_of(value)
        if type(obj) is str:
            return obj
        if "specversion" in obj:  # CloudEvents structured mode
            found = obj.get("type")
            if found is not None:
                return _as_type(found)
        for path in AUTO_TYPE_FIELDS:
            found = _lookup(obj, path, _AUTO_PARTS[path])
            if found is not None:
                return _as_type(found)
        return UNKNOWN

    return extract_auto


_auto_extract = _auto_extractor()


def _key_extractor(decode: Decode | None) -> Extractor:
    if decode is None:
        return lambda value, headers, key: _bytes_type(key)

    def extract_key(value, headers, key):
        if key and key[0] == 0:
            found = decode(key)
            return found if type(found) is str else _as_type(found)
        return _bytes_type(key)

    return extract_key


def make_extractor(spec: TypeSpec, decoder=None) -> Extractor:
    """Compile ``spec`` into ``extract(value, headers, key) -> type``; never raises on data.

    Auto-detect (field, path None): a ``ce_type`` header wins; then a JSON
    object with ``specversion`` uses its ``type``; then ``AUTO_TYPE_FIELDS``
    in order, skipping missing and null ones.

    ``decoder`` (a schema registry's ``WireDecoder``) turns framed values and
    keys (first byte 0) into records first; one it cannot decode counts as
    ``(undecodable: reason)``.
    """
    if spec.source == "key":
        return _key_extractor(None if decoder is None else decoder.key_or_label)
    if spec.source == "header":
        name = spec.path
        return lambda value, headers, key: _header_type(headers, name) or UNKNOWN
    if decoder is None:
        return _auto_extract if spec.path is None else _field_extractor(spec.path)
    object_of = _decoding_object(decoder.record_or_label)
    if spec.path is None:
        return _auto_extractor(object_of)
    return _field_extractor(spec.path, object_of)


def _same(obj: object) -> object:
    return obj


def make_object_extractor(spec: TypeSpec) -> Extractor:
    """``make_extractor`` without a registry, for a value parsed already: its first argument is
    the value's JSON object, or the type its parse stands for (``UNKNOWN``, ``UNPARSEABLE``), so
    one parse serves both the type and a filter (kafka_io.messages.candidate)."""
    if spec.source != "field":
        return make_extractor(spec)  # the key or a header: the value is not read
    return _auto_extractor(_same) if spec.path is None else _field_extractor(spec.path, _same)
