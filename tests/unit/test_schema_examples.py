"""Table tests for kafka_io.schemas.example: the exact example for each kind of schema part,
and each example accepted by the library the serializer uses (fastavro, jsonschema, protobuf)."""

from __future__ import annotations

import io
from decimal import Decimal

import fastavro
import jsonschema
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf.message_factory import GetMessageClass
from support.table_cases import ids

from kafka_io.schemas.avro_json import from_json, needs_conversion
from kafka_io.schemas.example import (
    MAX_DEPTH,
    TIMESTAMP_MS,
    UUID,
    ExampleError,
    avro_example,
    json_schema_example,
)
from kafka_io.schemas.example_proto import protobuf_example


def record(name: str, *fields) -> dict:
    return {"type": "record", "name": name, "fields": [{"name": n, "type": t} for n, t in fields]}


# --- Avro ------------------------------------------------------------------------------------

AVRO = [
    ("string", "value"),  # 1. a bare primitive
    (record("R", ("event_type", "string"), ("n", "int"), ("big", "long"), ("ok", "boolean")), None),
    # 2. ^ primitives: a string holds its field's name
    (record("R", ("x", "float"), ("y", "double"), ("z", "null")), {"x": 1.5, "y": 1.5, "z": None}),  # 3.
    (record("O", ("customer", record("Customer", ("tier", "string")))), {"customer": {"tier": "tier"}}),  # 4. nested
    (
        {
            "type": "record",
            "name": "E",
            "fields": [{"name": "s", "type": {"type": "enum", "name": "S", "symbols": ["A", "B"]}}],
        },
        {"s": "A"},
    ),  # 5. enum: the first symbol
    (
        {"type": "enum", "name": "S", "symbols": ["A", "B"], "default": "B"},
        "B",
    ),  # 6. ... or its default
    (record("A", ("tags", {"type": "array", "items": "string"})), {"tags": ["tags"]}),  # 7. array: one item
    (record("M", ("attrs", {"type": "map", "values": "long"})), {"attrs": {"key": 1}}),  # 8. map: one entry
    (record("U", ("note", ["null", "string"])), {"note": "note"}),  # 9. nullable: the real branch shows the shape
    (
        {"type": "record", "name": "D", "fields": [{"name": "note", "type": ["null", "string"], "default": None}]},
        {"note": None},
    ),  # 10. ... but a field's default wins
    (
        {"type": "record", "name": "D", "fields": [{"name": "n", "type": "int", "default": 42}]},
        {"n": 42},
    ),  # 11.
    (
        record(
            "L",
            ("at", {"type": "long", "logicalType": "timestamp-millis"}),
            ("at_us", {"type": "long", "logicalType": "timestamp-micros"}),
            ("day", {"type": "int", "logicalType": "date"}),
            ("noon", {"type": "int", "logicalType": "time-millis"}),
            ("id", {"type": "string", "logicalType": "uuid"}),
        ),
        {"at": TIMESTAMP_MS, "at_us": TIMESTAMP_MS * 1000, "day": 19675, "noon": 43_200_000, "id": UUID},
    ),  # 12. logical types
    (
        {
            "type": "record",
            "name": "Pair",
            "namespace": "shop",
            "fields": [
                {"name": "a", "type": record("Item", ("sku", "string"))},
                {"name": "b", "type": "Item"},
                {"name": "c", "type": "shop.Item"},
            ],
        },
        {"a": {"sku": "sku"}, "b": {"sku": "sku"}, "c": {"sku": "sku"}},
    ),  # 13. named types referred to by short and full name
    (record("B", ("blob", "bytes"), ("f", {"type": "fixed", "name": "F", "size": 3})), {"blob": "blob", "f": "000"}),
    # 14. ^ bytes and fixed in Avro's JSON encoding (one character a byte)
]


@pytest.mark.parametrize("schema, expected", AVRO, ids=ids(AVRO))
def test_avro_examples(schema, expected):
    example = avro_example(schema)
    if expected is not None:
        assert example == expected
    # The serializer's writer accepts it, as SchemaEncoder hands it over (bytes typed as text converted).
    fastavro.schemaless_writer(io.BytesIO(), fastavro.parse_schema(schema), from_json(schema, example))


DECIMAL = {"type": "bytes", "logicalType": "decimal", "precision": 6, "scale": 2}
FIXED = {"type": "fixed", "name": "F", "size": 3}
AVRO_JSON = [
    ("bytes", "ab\u00ff", b"ab\xff"),  # 1. Avro's JSON encoding: one character a byte
    (FIXED, "000", b"000"),  # 2.
    (DECIMAL, "12.50", Decimal("12.50")),  # 3. a decimal typed as text ...
    (DECIMAL, 12.5, Decimal("12.5")),  # 4. ... or as a number
    (["null", "bytes"], "x", b"x"),  # 5. text in a union with no string goes to bytes
    (["null", "string", "bytes"], "x", "x"),  # 6. ... and stays text when a string branch is there
    (["null", DECIMAL], 1.25, Decimal("1.25")),  # 7.
    (["null", "bytes"], None, None),  # 8.
    (
        record("R", ("f", FIXED), ("g", "F"), ("n", "int")),
        {"f": "abc", "g": "xyz", "n": 1},
        {"f": b"abc", "g": b"xyz", "n": 1},
    ),
    # 9. ^ a named fixed, used again by name
    ({"type": "array", "items": "bytes"}, ["a", "b"], [b"a", b"b"]),  # 10.
    ({"type": "map", "values": "bytes"}, {"k": "v"}, {"k": b"v"}),  # 11.
    ("bytes", "\u20ac", "\u20ac"),  # 12. beyond U+00FF: left for the serializer to refuse, in its words
]


@pytest.mark.parametrize("schema, typed, expected", AVRO_JSON, ids=ids(AVRO_JSON))
def test_avro_json_typed_values_become_what_fastavro_writes(schema, typed, expected):
    assert needs_conversion(schema)
    assert from_json(schema, typed) == expected


def test_schemas_without_binary_parts_skip_the_conversion():
    assert not needs_conversion(AVRO[3][0]) and not needs_conversion(["null", "string"])


@pytest.mark.parametrize(
    "schema", [AVRO[13][0], record("Money", ("amount", DECIMAL), ("maybe", ["null", DECIMAL]))], ids=["01", "02"]
)
def test_binary_examples_pass_fastavro_once_converted(schema):
    """What SchemaEncoder does: the example, converted, through the serializer's writer."""
    example = avro_example(schema)
    parsed = fastavro.parse_schema(schema)
    fastavro.schemaless_writer(io.BytesIO(), parsed, from_json(schema, example))
    if "Money" in str(schema):
        assert example == {"amount": "1.00", "maybe": "1.00"}


def test_avro_primitives_exactly():
    assert avro_example(AVRO[1][0]) == {"event_type": "event_type", "n": 1, "big": 1, "ok": True}


def test_a_recursive_avro_type_ends_in_null():
    node = {
        "type": "record",
        "name": "Node",
        "fields": [{"name": "v", "type": "int"}, {"name": "next", "type": ["null", "Node"]}],
    }
    example = avro_example(node)
    depth = 0
    while example["next"] is not None:
        example, depth = example["next"], depth + 1
    assert depth == MAX_DEPTH // 2  # each level is a record field and a named-type reference
    fastavro.schemaless_writer(io.BytesIO(), fastavro.parse_schema(node), avro_example(node))


def test_an_unknown_avro_name_is_an_example_error():
    with pytest.raises(ExampleError, match="unknown Avro type 'Missing'"):
        avro_example(record("R", ("x", "Missing")))


# --- JSON Schema ------------------------------------------------------------------------------

OBJ = {"type": "object"}
JSON_SCHEMA = [
    (
        {**OBJ, "properties": {"event_type": {"type": "string"}, "n": {"type": "integer"}}},
        {"event_type": "event_type", "n": 1},
    ),
    # 1. ^ properties, each by its type
    ({**OBJ, "properties": {"a": {"type": "string"}}, "required": ["a", "b"]}, {"a": "a", "b": "b"}),  # 2. required
    ({**OBJ, "properties": {"s": {"enum": ["x", "y"]}, "c": {"const": 7}}}, {"s": "x", "c": 7}),  # 3. enum, const
    ({**OBJ, "properties": {"d": {"type": "string", "default": "dft"}}}, {"d": "dft"}),  # 4. default
    ({**OBJ, "properties": {"e": {"type": "string", "examples": ["ex"]}}}, {"e": "ex"}),  # 5. examples
    (
        {
            **OBJ,
            "properties": {f: {"type": "string", "format": f} for f in ("date-time", "date", "email", "uuid", "uri")},
        },
        {
            "date-time": "2023-11-14T22:13:20Z",
            "date": "2023-11-14",
            "email": "user@example.com",
            "uuid": UUID,
            "uri": "https://example.com/",
        },
    ),  # 6. formats
    ({"type": "integer", "minimum": 10, "maximum": 20}, 10),  # 7. bounds
    ({"type": "integer", "maximum": -5}, -5),  # 8.
    ({"type": "integer", "exclusiveMinimum": 1}, 2),  # 9. draft 6+ exclusive bound
    (
        {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "integer",
            "minimum": 1,
            "exclusiveMinimum": True,
        },
        2,
    ),  # 10. draft 4 exclusive bound
    ({"type": "number", "minimum": 3, "multipleOf": 0.25}, 3.0),  # 11.
    ({"type": "integer", "minimum": 7, "multipleOf": 5}, 10),  # 12. the first multiple at or above the minimum
    ({"type": "number", "exclusiveMaximum": 1}, 0.5),  # 13.
    ({"type": "string", "minLength": 8}, "valuexxx"),  # 14.
    ({"type": "string", "maxLength": 3}, "val"),  # 15.
    ({"type": "string", "pattern": "^[0-9]+$"}, "0"),  # 16. a pattern met from the candidates
    ({"type": "array", "items": {"type": "integer"}}, [1]),  # 17.
    ({"type": "array", "items": {"type": "boolean"}, "minItems": 2}, [True, True]),  # 18.
    ({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}, ["value", 1]),  # 19. tuples
    ({"type": ["null", "string"]}, "value"),  # 20. nullable: the real type
    ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, 1),  # 21. oneOf/anyOf: the first branch
    (
        {"allOf": [{**OBJ, "properties": {"a": {"type": "integer"}}}, {"properties": {"b": {"type": "boolean"}}}]},
        {"a": 1, "b": True},
    ),  # 22. allOf: merged
    (
        {
            **OBJ,
            "properties": {
                "customer": {"$ref": "#/definitions/Customer"},
                "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
            },
            "definitions": {"Customer": {**OBJ, "properties": {"tier": {"type": "string"}}}},
            "$defs": {
                "Item": {**OBJ, "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}}}
            },
        },
        {"customer": {"tier": "tier"}, "items": [{"sku": "sku", "qty": 1}]},
    ),  # 23. nested objects through local $ref (definitions and $defs)
    ({**OBJ, "additionalProperties": {"type": "integer"}, "required": ["k"]}, {"k": 1}),  # 24.
    ({"type": "null"}, None),  # 25.
]


@pytest.mark.parametrize("schema, expected", JSON_SCHEMA, ids=ids(JSON_SCHEMA))
def test_json_schema_examples(schema, expected):
    example = json_schema_example(schema)
    assert example == expected
    jsonschema.validate(example, schema, format_checker=jsonschema.FormatChecker())


def test_a_recursive_json_schema_keeps_only_required_parts_past_the_depth():
    tree = {**OBJ, "properties": {"name": {"type": "string"}, "child": {"$ref": "#"}}, "required": ["name"]}
    example = json_schema_example(tree)
    jsonschema.validate(example, tree)
    depth = 0
    while "child" in example:
        example, depth = example["child"], depth + 1
    assert depth == (MAX_DEPTH + 1) // 2  # each level is an object and its property


@pytest.mark.parametrize(
    "schema, error",
    [
        ({"$ref": "https://example.com/other.json"}, "$ref 'https://example.com/other.json' points outside the schema"),
        ({"$ref": "#/definitions/Nope"}, "$ref '#/definitions/Nope' names nothing in the schema"),
    ],
    ids=["01", "02"],
)
def test_refs_the_generator_cannot_follow(schema, error):
    with pytest.raises(ExampleError) as caught:
        json_schema_example(schema)
    assert str(caught.value) == error


# --- Protobuf ----------------------------------------------------------------------------------

F = descriptor_pb2.FieldDescriptorProto


def proto_class():
    """shop.Order: scalars, an enum, a nested message, repeated, a map, a oneof, well-known types."""
    file_proto = descriptor_pb2.FileDescriptorProto(name="shop/example.proto", package="shop", syntax="proto3")
    file_proto.dependency.extend(["google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto"])
    order = file_proto.message_type.add(name="Order")
    status = order.enum_type.add(name="Status")
    status.value.add(name="STATUS_UNSPECIFIED", number=0)
    status.value.add(name="PAID", number=1)
    customer = order.nested_type.add(name="Customer")
    customer.field.add(name="tier", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    entry = order.nested_type.add(name="AttrsEntry", options=descriptor_pb2.MessageOptions(map_entry=True))
    entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    entry.field.add(name="value", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    add = order.field.add
    add(name="event_type", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    add(name="amount_cents", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    add(name="ratio", number=3, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
    add(name="paid", number=4, type=F.TYPE_BOOL, label=F.LABEL_OPTIONAL)
    add(name="blob", number=5, type=F.TYPE_BYTES, label=F.LABEL_OPTIONAL)
    add(name="status", number=6, type=F.TYPE_ENUM, label=F.LABEL_OPTIONAL, type_name=".shop.Order.Status")
    add(name="customer", number=7, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL, type_name=".shop.Order.Customer")
    add(name="tags", number=8, type=F.TYPE_STRING, label=F.LABEL_REPEATED)
    add(name="attrs", number=9, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED, type_name=".shop.Order.AttrsEntry")
    order.oneof_decl.add(name="payment")
    add(name="card", number=10, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, oneof_index=0)
    add(name="iban", number=11, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, oneof_index=0)
    add(name="at", number=12, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL, type_name=".google.protobuf.Timestamp")
    add(name="note", number=13, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL, type_name=".google.protobuf.StringValue")
    add(name="count", number=14, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL, type_name=".google.protobuf.Int32Value")
    pool = descriptor_pool.DescriptorPool()
    from google.protobuf import timestamp_pb2, wrappers_pb2

    for module in (timestamp_pb2, wrappers_pb2):
        pool.AddSerializedFile(module.DESCRIPTOR.serialized_pb)
    pool.Add(file_proto)
    return GetMessageClass(pool.FindMessageTypeByName("shop.Order"))


def test_protobuf_example_covers_every_kind_of_field():
    cls = proto_class()
    example = protobuf_example(cls.DESCRIPTOR)
    assert example == {
        "event_type": "event_type",
        "amount_cents": 1,
        "ratio": 1.5,
        "paid": True,
        "blob": "ZXhhbXBsZQ==",
        "status": "PAID",  # not the *_UNSPECIFIED zero
        "customer": {"tier": "tier"},
        "tags": ["tags"],
        "attrs": {"key": 1},
        "card": "card",  # one field of the oneof
        "at": "2023-11-14T22:13:20Z",
        "note": "value",
        "count": 1,
    }
    message = json_format.ParseDict(example, cls())  # what the encoder does before serializing
    assert (message.customer.tier, message.attrs["key"], message.WhichOneof("payment")) == ("tier", 1, "card")
    assert message.SerializeToString()
