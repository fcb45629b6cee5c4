"""PURE: JSON as a user types it, made into what fastavro writes for an Avro schema.

JSON has no bytes: Avro's JSON encoding writes ``bytes`` and ``fixed`` as text,
one character (U+0000-U+00FF) a byte, and a ``decimal`` is easier typed as a
number ("12.50"). Everything else passes through untouched, and a schema with no
bytes, fixed or decimal anywhere skips the walk (``needs_conversion``), so
template bursts keep their speed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["needs_conversion", "from_json"]

_BINARY = ("bytes", "fixed")


def needs_conversion(schema: object) -> bool:
    if isinstance(schema, str):
        return schema in _BINARY
    if isinstance(schema, list):
        return any(needs_conversion(branch) for branch in schema)
    if isinstance(schema, dict):
        return (
            schema.get("type") in _BINARY
            or any(needs_conversion(f.get("type")) for f in schema.get("fields", ()))
            or any(needs_conversion(schema[k]) for k in ("items", "values") if k in schema)
            or (isinstance(schema.get("type"), (dict, list)) and needs_conversion(schema["type"]))
        )
    return False


def from_json(schema: object, datum: object, named: dict | None = None) -> object:
    if named is None:
        named = {}
        _collect(schema, named)
    if isinstance(schema, list):
        return _union(schema, datum, named)
    if isinstance(schema, str):
        if schema in _BINARY:
            return _binary({}, datum)
        return from_json(named[schema], datum, named) if schema in named else datum
    if not isinstance(schema, dict):
        return datum
    kind = schema.get("type")
    if kind in _BINARY:
        return _binary(schema, datum)
    if kind in ("record", "error") and isinstance(datum, dict):
        fields = {f["name"]: f.get("type") for f in schema.get("fields", ())}
        return {k: from_json(fields[k], v, named) if k in fields else v for k, v in datum.items()}
    if kind == "array" and isinstance(datum, list):
        return [from_json(schema.get("items"), item, named) for item in datum]
    if kind == "map" and isinstance(datum, dict):
        return {k: from_json(schema.get("values"), v, named) for k, v in datum.items()}
    if isinstance(kind, (dict, list)):
        return from_json(kind, datum, named)
    return from_json(kind, datum, named) if kind in named else datum


def _binary(schema: dict, datum: object) -> object:
    if schema.get("logicalType") == "decimal" and isinstance(datum, (str, int, float)) and not isinstance(datum, bool):
        try:
            return Decimal(str(datum))
        except InvalidOperation:
            return datum  # the serializer says what is wrong
    if isinstance(datum, str):
        try:
            return datum.encode("latin-1")
        except UnicodeEncodeError:
            return datum
    return datum


def _union(branches: list, datum: object, named: dict) -> object:
    """The branch a plain JSON value can only be: text goes to bytes/fixed only when the
    union has no string or enum for it."""
    if isinstance(datum, str):
        kinds = [_kind(b, named) for b in branches]
        if "string" in kinds or "enum" in kinds:
            return datum
        binary = next((b for b, k in zip(branches, kinds) if k in _BINARY), None)
        return datum if binary is None else from_json(binary, datum, named)
    if isinstance(datum, (int, float)) and not isinstance(datum, bool):
        kinds = [_kind(b, named) for b in branches]
        decimal = next((b for b, k in zip(branches, kinds) if k in _BINARY), None)
        if decimal is not None and not {"int", "long", "float", "double"} & set(kinds):
            return from_json(decimal, datum, named)
    if isinstance(datum, (dict, list)):
        for branch in branches:
            if _kind(branch, named) in (("record", "error", "map") if isinstance(datum, dict) else ("array",)):
                return from_json(branch, datum, named)
    return datum


def _kind(schema: object, named: dict) -> object:
    if isinstance(schema, str):
        return _kind(named[schema], named) if schema in named else schema
    return schema.get("type") if isinstance(schema, dict) else None


def _collect(schema: object, named: dict) -> None:
    """Every named type, by full and short name, wherever it is defined."""
    if isinstance(schema, list):
        for branch in schema:
            _collect(branch, named)
    elif isinstance(schema, dict):
        if "name" in schema and schema.get("type") in ("record", "error", "enum", "fixed"):
            named[schema["name"]] = named[schema["name"].rpartition(".")[2]] = schema
        for field in schema.get("fields", ()):
            _collect(field.get("type"), named)
        for key in ("type", "items", "values"):
            if isinstance(schema.get(key), (dict, list)):
                _collect(schema[key], named)
