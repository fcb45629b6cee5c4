"""PURE: an example value for a schema (Avro, JSON Schema; Protobuf in example_proto), written
as the JSON the Produce page sends, so a user has something valid to start from (Redpanda console#476).

Every generator prefers what the schema says about itself (a default, ``const``,
``examples``, the first enum symbol) and otherwise makes the smallest readable
value: a string field holds its own name, numbers are 1 (or the nearest value
the bounds allow), a list holds one item, a map one entry. Optional parts
(nullable unions, ``oneof``) take their first real branch, so the example shows
the shape; past MAX_DEPTH a recursive type stops at null or empty.
"""

from __future__ import annotations

import re

__all__ = ["MAX_DEPTH", "ExampleError", "avro_example", "json_schema_example"]

MAX_DEPTH = 8
TIMESTAMP_MS = 1_700_000_000_000  # 2023-11-14T22:13:20Z: fixed, so an example never depends on the clock
UUID = "123e4567-e89b-42d3-a456-426614174000"
AVRO_LOGICAL = {
    "timestamp-millis": TIMESTAMP_MS,
    "timestamp-micros": TIMESTAMP_MS * 1000,
    "local-timestamp-millis": TIMESTAMP_MS,
    "local-timestamp-micros": TIMESTAMP_MS * 1000,
    "date": TIMESTAMP_MS // 86_400_000,
    "time-millis": 43_200_000,  # noon
    "time-micros": 43_200_000_000,
    "uuid": UUID,
}
AVRO_PRIMITIVE = {"null": None, "boolean": True, "int": 1, "long": 1, "float": 1.5, "double": 1.5}
STRING_FORMATS = {
    "date-time": "2023-11-14T22:13:20Z",
    "date": "2023-11-14",
    "time": "22:13:20Z",
    "duration": "PT1H",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "/example",
    "uuid": UUID,
}
# A pattern is matched against these before giving up on it.
PATTERN_CANDIDATES = ("example", "abc", "ABC", "a", "A", "0", "1", "123", "a1", "A1", "ab-12", "abc_123")


class ExampleError(ValueError):
    """The schema cannot be read as its kind (an unknown type name, a bad $ref)."""


# --- Avro -----------------------------------------------------------------------------


def avro_example(schema: object) -> object:
    """``schema``: the parsed Avro schema (dict, list or type name)."""
    return _avro(schema, {}, "", "value", 0)


def _avro(schema: object, named: dict, namespace: str, name: str, depth: int) -> object:
    if isinstance(schema, list):
        return _avro_union(schema, named, namespace, name, depth)
    if isinstance(schema, str):
        if schema in AVRO_PRIMITIVE:
            return AVRO_PRIMITIVE[schema]
        if schema in ("string", "bytes"):
            return name
        found = named.get(schema) or named.get(f"{namespace}.{schema}")
        if found is None:
            raise ExampleError(f"unknown Avro type {schema!r}")
        return _avro(found, named, namespace, name, depth + 1)
    if not isinstance(schema, dict):
        raise ExampleError(f"not an Avro schema: {schema!r}")
    kind = schema.get("type")
    if schema.get("logicalType") in AVRO_LOGICAL and kind in ("int", "long", "string"):
        return AVRO_LOGICAL[schema["logicalType"]]
    if kind in ("record", "error", "enum", "fixed"):
        namespace = _register(schema, named, namespace)
    if kind in ("record", "error"):
        return _avro_record(schema, named, namespace, depth)
    if kind == "enum":
        return schema.get("default", (schema.get("symbols") or [None])[0])
    if kind == "array":
        return [] if depth >= MAX_DEPTH else [_avro(schema.get("items"), named, namespace, name, depth + 1)]
    if kind == "map":
        return {} if depth >= MAX_DEPTH else {"key": _avro(schema.get("values"), named, namespace, name, depth + 1)}
    if kind in ("bytes", "fixed") and schema.get("logicalType") == "decimal":
        scale, precision = int(schema.get("scale", 0)), int(schema.get("precision", 1))
        return f"{1 if precision > scale else 0:.{scale}f}"  # typed as a number; see avro_json
    if kind == "fixed":
        return "0" * int(schema.get("size", 0))  # Avro's JSON encoding: one character a byte
    return _avro(kind, named, namespace, name, depth)


def _register(schema: dict, named: dict, namespace: str) -> str:
    """Named types are referable by full and short name; returns the namespace inside."""
    name = schema.get("name", "")
    space = name.rpartition(".")[0] if "." in name else schema.get("namespace", namespace) or ""
    short = name.rpartition(".")[2]
    named[f"{space}.{short}" if space else short] = named[short] = schema
    return space


def _avro_record(schema: dict, named: dict, namespace: str, depth: int) -> dict:
    record = {}
    for field in schema.get("fields", ()):
        if "default" in field:
            record[field["name"]] = field["default"]
        else:
            record[field["name"]] = _avro(field.get("type"), named, namespace, field["name"], depth + 1)
    return record


def _avro_union(branches: list, named: dict, namespace: str, name: str, depth: int) -> object:
    """The first real branch (a nullable field shows its shape); null past MAX_DEPTH."""
    real = [b for b in branches if b != "null"]
    if not real or (depth >= MAX_DEPTH and "null" in branches):
        return None
    return _avro(real[0], named, namespace, name, depth)


# --- JSON Schema -------------------------------------------------------------------------


def json_schema_example(schema: object) -> object:
    """``schema``: the parsed JSON Schema (drafts 4 to 2020-12; local ``$ref`` only)."""
    return _json(schema, schema, "value", 0)


def _json(schema: object, root: object, name: str, depth: int) -> object:
    if schema is True or schema is None:
        return name
    if not isinstance(schema, dict):
        raise ExampleError(f"not a JSON Schema: {schema!r}")
    if "$ref" in schema:
        return _json(_resolve(schema["$ref"], root), root, name, depth + 1)
    for word in ("const", "default"):
        if word in schema:
            return schema[word]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("examples"):
        return schema["examples"][0]
    if "allOf" in schema:
        return _json(_merge(schema, root), root, name, depth)
    for word in ("oneOf", "anyOf"):
        if schema.get(word):
            return _json({**_without(schema, word), **schema[word][0]}, root, name, depth)
    kind = _json_type(schema)
    if kind == "object":
        return _json_object(schema, root, depth)
    if kind == "array":
        return _json_array(schema, root, name, depth)
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "string":
        return _string(schema, name)
    return {"boolean": True, "null": None}.get(kind, name)


def _json_type(schema: dict) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind:
        return kind
    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if any(w in schema for w in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return "string"


def _resolve(ref: str, root: object) -> object:
    if not ref.startswith("#"):
        raise ExampleError(f"$ref {ref!r} points outside the schema")
    node = root
    for part in filter(None, ref[1:].split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ExampleError(f"$ref {ref!r} names nothing in the schema") from None
    return node


def _without(schema: dict, word: str) -> dict:
    return {k: v for k, v in schema.items() if k != word}


def _merge(schema: dict, root: object) -> dict:
    """allOf: the parts' properties and required lists together, the rest the last part's."""
    merged = _without(schema, "allOf")
    for part in schema["allOf"]:
        part = _resolve(part["$ref"], root) if isinstance(part, dict) and "$ref" in part else part
        if not isinstance(part, dict):
            continue
        properties = {**merged.get("properties", {}), **part.get("properties", {})}
        required = [*merged.get("required", []), *part.get("required", [])]
        merged = {**merged, **part, "properties": properties, "required": required}
    return merged


def _json_object(schema: dict, root: object, depth: int) -> dict:
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    # Past MAX_DEPTH only what must be there, so a recursive schema ends.
    names = [n for n in properties if depth < MAX_DEPTH or n in required]
    names += [n for n in required if n not in properties]
    extra = schema.get("additionalProperties")
    return {n: _json(properties.get(n, extra if isinstance(extra, dict) else True), root, n, depth + 1) for n in names}


def _json_array(schema: dict, root: object, name: str, depth: int) -> list:
    prefix = schema.get("prefixItems") or (schema["items"] if isinstance(schema.get("items"), list) else [])
    items = [_json(item, root, name, depth + 1) for item in prefix]
    rest = schema.get("items") if isinstance(schema.get("items"), dict) else None
    wanted = max(schema.get("minItems", 0), 0 if depth >= MAX_DEPTH or rest is None else 1)
    while len(items) < wanted:
        items.append(_json(rest, root, name, depth + 1))
    return items[: schema.get("maxItems", len(items))]


def _number(schema: dict, integer: bool) -> int | float:
    low, high = schema.get("minimum"), schema.get("maximum")
    step = 1 if integer else 0.5
    if isinstance(schema.get("exclusiveMinimum"), (int, float)) and not isinstance(schema["exclusiveMinimum"], bool):
        low = schema["exclusiveMinimum"] + step
    elif schema.get("exclusiveMinimum") is True and low is not None:  # draft 4
        low += step
    if isinstance(schema.get("exclusiveMaximum"), (int, float)) and not isinstance(schema["exclusiveMaximum"], bool):
        high = schema["exclusiveMaximum"] - step
    elif schema.get("exclusiveMaximum") is True and high is not None:
        high -= step
    value = 1 if integer else 1.5
    if low is not None and value < low:
        value = low
    elif high is not None and value > high:
        value = high
    multiple = schema.get("multipleOf")
    if multiple:
        value = -(-value // multiple) * multiple  # the first multiple at or above
    return int(value) if integer else value


def _string(schema: dict, name: str) -> str:
    text = STRING_FORMATS.get(schema.get("format", ""), name)
    pattern = schema.get("pattern")
    if pattern and not re.search(pattern, text):
        text = next((c for c in (name, *PATTERN_CANDIDATES) if re.search(pattern, c)), text)
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if len(text) < low:
        text += "x" * (low - len(text))
    return text[:high] if high is not None else text
