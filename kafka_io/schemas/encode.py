"""Events written as JSON, checked against a subject's schema and sent Confluent-framed.

confluent-kafka's own serializers do the work, pinned to the subject's
schema id (``use.schema.id``) and never registering anything: the dashboard
sends what the registry already knows, or explains why it cannot.
"""

from __future__ import annotations

import orjson
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import json_format

from kafka_io.errors import InvalidInput, KafkaIOError
from kafka_io.schemas import avro_json
from kafka_io.schemas.example import ExampleError, avro_example, json_schema_example
from kafka_io.schemas.example_proto import protobuf_example
from kafka_io.schemas.protobuf import message_class
from kafka_io.schemas.registry import SubjectSchema, registry_client, translate_registry_error
from kafka_io.schemas.settings import RegistrySettings

__all__ = ["SchemaEncoder"]

MAX_REASON_CHARS = 300


class SchemaEncoder:
    """Encodes values for ``topic`` with ``schema`` (a subject's version)."""

    def __init__(self, settings: RegistrySettings, schema: SubjectSchema, topic: str) -> None:
        self.schema, self.settings = schema, settings
        self._context = SerializationContext(topic, MessageField.VALUE)
        client = registry_client(settings)
        conf = {"auto.register.schemas": False, "use.schema.id": schema.schema_id}
        try:
            if schema.schema_type == "AVRO":
                self._serialize = AvroSerializer(client, schema.text, conf=conf)
                parsed = orjson.loads(schema.text)
                convert = avro_json.needs_conversion(parsed)  # bytes, fixed or decimal typed as JSON
                self._build = (lambda obj: avro_json.from_json(parsed, obj)) if convert else (lambda obj: obj)
                self._example = lambda: avro_example(parsed)
            elif schema.schema_type == "JSON":
                self._serialize = JSONSerializer(schema.text, client, conf=conf)
                self._build = lambda obj: obj
                self._example = lambda: json_schema_example(orjson.loads(schema.text))
            elif schema.schema_type == "PROTOBUF":
                registered = client.get_schema(schema.schema_id, fmt="serialized")
                cls = message_class(registered, (0,), client)
                self._serialize = ProtobufSerializer(cls, client, {**conf, "use.deprecated.format": False})
                self._build = lambda obj: json_format.ParseDict(obj, cls())
                self._example = lambda: protobuf_example(cls.DESCRIPTOR)
            else:
                raise InvalidInput(f"{schema.subject}: {schema.schema_type} schemas cannot be produced")
        except KafkaIOError:
            raise
        except Exception as exc:
            raise translate_registry_error(exc, settings, f"Schema of {schema.subject}") from None

    @property
    def label(self) -> str:
        s = self.schema
        return f"{s.subject} v{s.version} ({s.schema_type}, id {s.schema_id})"

    def example_text(self) -> str:
        """A value generated from the schema, as indented JSON, checked by the serializer itself;
        InvalidInput says why when the schema defeats the generator (e.g. a pattern it cannot meet)."""
        try:
            text = orjson.dumps(self._example(), option=orjson.OPT_INDENT_2).decode()
        except (ExampleError, orjson.JSONDecodeError, TypeError) as exc:
            raise InvalidInput(f"no example for {self.label}: {_reason(exc)}") from None
        self.encode_text(text)
        return text

    def encode_text(self, text: str) -> bytes:
        """JSON text -> framed bytes; InvalidInput says what does not fit the schema."""
        try:
            obj = orjson.loads(text or "")
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(f"value is not valid JSON: {exc}") from None
        return self.encode(obj)

    def encode(self, obj: object) -> bytes:
        try:
            return self._serialize(self._build(obj), self._context)
        except KafkaIOError:
            raise
        except Exception as exc:  # fastavro, jsonschema and protobuf each raise their own kinds
            if type(exc).__name__ in ("SchemaRegistryError", "ConnectError", "ReadTimeout", "ConnectTimeout"):
                raise translate_registry_error(exc, self.settings, f"Schema of {self.schema.subject}") from None
            raise InvalidInput(f"value does not match {self.label}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"
