"""Confluent wire-format values and keys, decoded with confluent-kafka's own deserializers.

Schemas are fetched off the reader's thread: a schema id seen for the first
time waits at most ``FIRST_FETCH_WAIT_S`` for the registry; until the schema
arrives its messages count as ``(undecodable: schema N loading)``, so a slow
registry never stalls the live view. Failures are kept and retried later
(``RETRY_AFTER_S``): an unknown id, an unreachable registry and a corrupt
payload are each a type on the chart, never an exception.

Avro and JSON Schema use one ``AvroDeserializer`` / ``JSONDeserializer`` for
every id (they look the writer's schema up by id, cached by the client).
Protobuf needs a message class: it is built from the registry's descriptor
(``format=serialized``), one ``ProtobufDeserializer`` per message type.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from confluent_kafka.schema_registry import SchemaRegistryError
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
from google.protobuf import json_format

from kafka_io.schemas import framing
from kafka_io.schemas.protobuf import message_class
from kafka_io.schemas.registry import registry_client
from kafka_io.schemas.settings import RegistrySettings

__all__ = ["FIRST_FETCH_WAIT_S", "RETRY_AFTER_S", "Decoded", "Undecodable", "WireDecoder"]

FIRST_FETCH_WAIT_S = 0.5
RETRY_AFTER_S = {"unknown": 30.0, "refused": 30.0, "unreachable": 5.0}
SCHEMA_TYPES = ("AVRO", "PROTOBUF", "JSON")


@dataclass(frozen=True, slots=True)
class Decoded:
    value: object
    schema_id: int
    schema_type: str  # AVRO, PROTOBUF or JSON


@dataclass(frozen=True, slots=True)
class Undecodable:
    reason: str

    @property
    def label(self) -> str:
        return f"(undecodable: {self.reason})"


@dataclass(frozen=True, slots=True)
class _Schema:
    schema_type: str
    decode: Callable[[bytes], object]


@dataclass(frozen=True, slots=True)
class _Failed:
    undecodable: Undecodable
    retry_at_s: float


class WireDecoder:
    """Decodes framed bytes; ``decode`` is for ONE reader thread, fetches run on a helper thread."""

    def __init__(self, settings: RegistrySettings, wait_s: float = FIRST_FETCH_WAIT_S, clock=time.monotonic) -> None:
        self.settings = settings
        self._client = registry_client(settings)
        self._wait_s, self._clock = wait_s, clock
        self._schemas: dict[int, _Schema | _Failed] = {}
        self._pending: dict[int, Future] = {}
        self._fetcher = ThreadPoolExecutor(1, thread_name_prefix="kdash-schemas")
        # No subject: decode with the writer's schema by id, never asking the registry which
        # subject or reader schema a topic has (the reader knows no serialization context).
        no_subject = {"subject.name.strategy": _no_subject}
        self._avro = AvroDeserializer(self._client, conf=no_subject)
        self._json = JSONDeserializer(None, schema_registry_client=self._client, conf=no_subject)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._fetcher.shutdown(wait=False, cancel_futures=True)

    def decode(self, data: bytes) -> Decoded | Undecodable:
        """``data`` must be framed (``framing.is_framed``)."""
        schema_id = framing.schema_id_of(data)
        schema = self._schemas.get(schema_id)
        if schema is None or (type(schema) is _Failed and self._clock() >= schema.retry_at_s):
            schema = self._resolve(schema_id)
        if type(schema) is not _Schema:
            return schema.undecodable if type(schema) is _Failed else schema
        try:
            return Decoded(schema.decode(data), schema_id, schema.schema_type)
        except Exception:  # the deserializers raise many kinds on bad bytes; one is enough to say
            return Undecodable(f"corrupt {schema.schema_type} payload")

    def record_or_label(self, data: bytes) -> dict | str | None:
        """For event types from a value: the record when it is an object, else None, or the failure's label."""
        found = self.decode(data) if framing.is_framed(data) else Undecodable("not a schema registry frame")
        if type(found) is Undecodable:
            return found.label
        return found.value if type(found.value) is dict else None

    def key_or_label(self, data: bytes) -> object:
        """For event types from a key: the decoded key, or the failure's label."""
        found = self.decode(data) if framing.is_framed(data) else Undecodable("not a schema registry frame")
        return found.label if type(found) is Undecodable else found.value

    def schema_type(self, schema_id: int) -> str | None:
        schema = self._schemas.get(schema_id)
        return schema.schema_type if type(schema) is _Schema else None

    def _resolve(self, schema_id: int) -> _Schema | _Failed | Undecodable:
        # The reader thread resolves; the tail's snapshot may too (a message whose schema was loading).
        with self._lock:
            return self._resolve_locked(schema_id)

    def _resolve_locked(self, schema_id: int) -> _Schema | _Failed | Undecodable:
        future = self._pending.get(schema_id)
        first = future is None
        if first:
            future = self._pending[schema_id] = self._fetcher.submit(self._load, schema_id)
        try:
            # Only a schema's first message waits; the rest of its batch reads on.
            schema = future.result(timeout=self._wait_s) if first else (future.result() if future.done() else None)
        except TimeoutError:
            schema = None
        if schema is None:
            return Undecodable(f"schema {schema_id} loading")
        del self._pending[schema_id]
        self._schemas[schema_id] = schema
        return schema

    def _load(self, schema_id: int) -> _Schema | _Failed:
        try:
            # format=serialized: Protobuf descriptors as bytes; Avro and JSON ignore it. The
            # client caches by id, so the deserializers below never ask again.
            schema = self._client.get_schema(schema_id, fmt="serialized")
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                return self._failed(f"unknown schema id {schema_id}", "unknown")
            if exc.http_status_code in (401, 403):
                return self._failed(f"registry refused, HTTP {exc.http_status_code}", "refused")
            return self._failed(f"registry error HTTP {exc.http_status_code}", "unreachable")
        except Exception:  # httpx's connect/read errors and timeouts
            return self._failed("registry unreachable", "unreachable")
        schema_type = (schema.schema_type or "AVRO").upper()
        if schema_type == "AVRO":
            return _Schema("AVRO", lambda data: self._avro(data, None))
        if schema_type == "JSON":
            return _Schema("JSON", lambda data: self._json(data, None))
        if schema_type == "PROTOBUF":
            return _Schema("PROTOBUF", self._protobuf_decoder(schema))
        return self._failed(f"{schema_type} schemas are not supported", "unknown")

    def _failed(self, reason: str, kind: str) -> _Failed:
        return _Failed(Undecodable(reason), self._clock() + RETRY_AFTER_S[kind])

    def _protobuf_decoder(self, schema) -> Callable[[bytes], object]:
        deserializers: dict[tuple[int, ...], ProtobufDeserializer] = {}

        def decode(data: bytes) -> object:
            indexes, _ = framing.message_indexes(data)
            deserializer = deserializers.get(indexes)
            if deserializer is None:
                deserializer = deserializers[indexes] = ProtobufDeserializer(
                    message_class(schema, indexes, self._client), {"subject.name.strategy": _no_subject}, self._client
                )
            message = deserializer(data, None)
            return json_format.MessageToDict(message, preserving_proto_field_name=True)

        return decode


def _no_subject(ctx, record_name):
    return None
