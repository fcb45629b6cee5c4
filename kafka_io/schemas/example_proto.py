"""PURE: an example value for a Protobuf message, from its descriptor, in the JSON mapping that
``json_format.ParseDict`` reads (the rules are example.py's: defaults first, then the smallest
readable value). Keys are the proto field names, as the decoder shows them.
"""

from __future__ import annotations

from kafka_io.schemas.example import MAX_DEPTH

__all__ = ["protobuf_example"]

_PROTO_SCALARS = {
    "bool": True,
    "float": 1.5,
    "double": 1.5,
    "bytes": "ZXhhbXBsZQ==",  # base64 of "example", as JSON mapping writes bytes
}
_WELL_KNOWN = {
    "google.protobuf.Timestamp": "2023-11-14T22:13:20Z",
    "google.protobuf.Duration": "1.5s",
    "google.protobuf.FieldMask": "value",
    "google.protobuf.Struct": {},
    "google.protobuf.Value": "value",
    "google.protobuf.ListValue": [],
    "google.protobuf.Empty": {},
}
_WRAPPERS = {"String": "value", "Bytes": "ZXhhbXBsZQ==", "Bool": True, "Float": 1.5, "Double": 1.5}


def protobuf_example(descriptor, depth: int = 0) -> dict:
    """``descriptor``: a message Descriptor (google.protobuf's, duck-typed)."""
    example = {}
    taken_oneofs = set()
    for field in descriptor.fields:
        oneof = field.containing_oneof
        if oneof is not None and len(oneof.fields) > 1:  # proto3 `optional` is a one-field oneof
            if oneof.name in taken_oneofs:
                continue
            taken_oneofs.add(oneof.name)
        if field.message_type is not None and field.message_type.full_name == "google.protobuf.Any":
            continue  # an Any needs a type URL the registry cannot vouch for
        if _is_map(field):
            key_field, value_field = (
                field.message_type.fields_by_name["key"],
                field.message_type.fields_by_name["value"],
            )
            if depth < MAX_DEPTH:
                example[field.name] = {
                    str(_proto_value(key_field, depth + 1)).lower(): _proto_value(value_field, depth + 1)
                }
        elif _is_repeated(field):
            example[field.name] = [] if depth >= MAX_DEPTH else [_proto_value(field, depth + 1)]
        elif field.message_type is None or depth < MAX_DEPTH:
            example[field.name] = _proto_value(field, depth + 1)
    return example


def _is_repeated(field) -> bool:
    repeated = getattr(field, "is_repeated", None)  # protobuf >= 5.29; `label` is deprecated there
    return repeated if repeated is not None else field.label == field.LABEL_REPEATED


def _is_map(field) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _proto_value(field, depth: int) -> object:
    if field.enum_type is not None:
        values = field.enum_type.values
        return (values[1] if len(values) > 1 else values[0]).name  # skip the usual *_UNSPECIFIED = 0
    message = field.message_type
    if message is not None:
        if message.full_name in _WELL_KNOWN:
            return _WELL_KNOWN[message.full_name]
        wrapper = message.full_name.removeprefix("google.protobuf.").removesuffix("Value")
        if message.full_name.endswith("Value") and message.full_name.startswith("google.protobuf."):
            return _WRAPPERS.get(wrapper, 1)
        return protobuf_example(message, depth)
    type_name = _proto_type_name(field)
    if type_name == "string":
        return field.name
    return _PROTO_SCALARS.get(type_name, 1)  # every integer kind


def _proto_type_name(field) -> str:
    for name in ("string", "bytes", "bool", "float", "double"):
        if field.type == getattr(field, f"TYPE_{name.upper()}"):
            return name
    return "integer"
