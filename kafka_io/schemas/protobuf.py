"""Protobuf message classes from the registry's descriptors, without generated code.

The registry hands descriptors out as base64 ``FileDescriptorProto`` (asked
with ``format=serialized``); confluent-kafka's own helpers (private, pinned
with the package) build the pool with well-known types and references.
"""

from __future__ import annotations

from confluent_kafka.schema_registry.common.protobuf import _init_pool, _str_to_proto
from confluent_kafka.schema_registry.protobuf import _resolve_named_schema
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message_factory import GetMessageClass

__all__ = ["message_class", "describe"]

_LABELS = {1: "", 2: "required ", 3: "repeated "}
_TYPES = {
    value: name.removeprefix("TYPE_").lower()
    for name, value in descriptor_pb2.FieldDescriptorProto.Type.items()
    if name not in ("TYPE_MESSAGE", "TYPE_ENUM", "TYPE_GROUP")
}


def message_class(schema, indexes: tuple[int, ...], client=None):
    """The class of the message at ``indexes`` (the frame's path: file message, nested, …)."""
    pool = DescriptorPool()
    _init_pool(pool)
    if client is not None:
        _resolve_named_schema(schema, client, pool)
    file_proto = _str_to_proto("default", schema.schema_str)
    pool.Add(file_proto)
    described = pool.FindFileByName(file_proto.name)
    messages = described.message_types_by_name
    descriptor = None
    for depth, index in enumerate(indexes):
        found = list(messages.values()) if depth == 0 else list(descriptor.nested_types)
        if not 0 <= index < len(found):
            raise ValueError(f"message index {index} out of range")
        descriptor = found[index]
    return GetMessageClass(descriptor)


def describe(schema_str: str) -> str:
    """A base64 descriptor as readable ``.proto`` text (the registry may hold either)."""
    try:
        file_proto = _str_to_proto("default", schema_str)
    except Exception:
        return schema_str  # already .proto text
    lines = [f'syntax = "{file_proto.syntax or "proto2"}";']
    if file_proto.package:
        lines.append(f"package {file_proto.package};")
    lines.extend(f'import "{dep}";' for dep in file_proto.dependency)
    for message in file_proto.message_type:
        lines.extend(_message_lines(message, ""))
    for enum in file_proto.enum_type:
        lines.extend(_enum_lines(enum, ""))
    return "\n".join(lines)


def _message_lines(message, indent: str) -> list[str]:
    lines = [f"{indent}message {message.name} {{"]
    for nested in message.nested_type:
        lines.extend(_message_lines(nested, indent + "  "))
    for enum in message.enum_type:
        lines.extend(_enum_lines(enum, indent + "  "))
    for f in message.field:
        kind = f.type_name.lstrip(".") if f.type_name else _TYPES.get(f.type, "?")
        lines.append(f"{indent}  {_LABELS.get(f.label, '')}{kind} {f.name} = {f.number};")
    lines.append(f"{indent}}}")
    return lines


def _enum_lines(enum, indent: str) -> list[str]:
    values = [f"{indent}  {v.name} = {v.number};" for v in enum.value]
    return [f"{indent}enum {enum.name} {{", *values, f"{indent}}}"]
