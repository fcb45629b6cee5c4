"""Events framed by confluent-kafka's own schema-registry serializers (Avro, Protobuf, JSON Schema).

The Protobuf class is built from a descriptor (no protoc here), exactly as a
generated ``order_pb2.Order`` would be; its serializer registers it as a
client would.
"""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.message_factory import GetMessageClass

TIMEOUT_S = 10
AVRO_ORDER = """{
  "type": "record", "name": "Order", "namespace": "shop",
  "fields": [
    {"name": "event_type", "type": "string"},
    {"name": "amount_cents", "type": "long"},
    {"name": "customer", "type": {"type": "record", "name": "Customer",
      "fields": [{"name": "tier", "type": "string"}]}}
  ]
}"""
JSON_ORDER = """{
  "$schema": "http://json-schema.org/draft-07/schema#", "title": "Order", "type": "object",
  "properties": {"event_type": {"type": "string"}, "amount_cents": {"type": "integer"}},
  "required": ["event_type"]
}"""


def proto_order_class():
    """shop.Order {string event_type = 1; int64 amount_cents = 2; Customer customer = 3 {string tier = 1}}."""
    file_proto = descriptor_pb2.FileDescriptorProto(name="shop/order.proto", package="shop", syntax="proto3")
    order = file_proto.message_type.add(name="Order")
    customer = order.nested_type.add(name="Customer")
    customer.field.add(name="tier", number=1, type=9, label=1)
    order.field.add(name="event_type", number=1, type=9, label=1)
    order.field.add(name="amount_cents", number=2, type=3, label=1)
    order.field.add(name="customer", number=3, type=11, label=1, type_name=".shop.Order.Customer")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    return GetMessageClass(pool.FindMessageTypeByName("shop.Order"))


def order(event_type: str, i: int) -> dict:
    return {"event_type": event_type, "amount_cents": 100 + i, "customer": {"tier": "gold" if i % 2 else "free"}}


def serializer(kind: str, client: SchemaRegistryClient):
    """(serialize(dict, topic) -> framed bytes) with confluent-kafka's serializer for ``kind``."""
    if kind == "avro":
        avro = AvroSerializer(client, AVRO_ORDER)
        return lambda obj, topic: avro(obj, SerializationContext(topic, MessageField.VALUE))
    if kind == "json":
        js = JSONSerializer(JSON_ORDER, client)
        return lambda obj, topic: js(
            {k: v for k, v in obj.items() if k != "customer"}, SerializationContext(topic, MessageField.VALUE)
        )
    if kind == "protobuf":
        cls = proto_order_class()
        proto = ProtobufSerializer(cls, client, {"use.deprecated.format": False})

        def serialize(obj, topic):
            message = cls(event_type=obj["event_type"], amount_cents=obj["amount_cents"])
            message.customer.tier = obj["customer"]["tier"]
            return proto(message, SerializationContext(topic, MessageField.VALUE))

        return serialize
    raise ValueError(kind)


def produce_framed(bootstrap: str, registry_url: str, topic: str, kind: str, counts: dict[str, int]) -> None:
    """counts[event_type] events of ``kind``, framed by confluent-kafka's serializer, delivered."""
    serialize = serializer(kind, SchemaRegistryClient({"url": registry_url}))
    produce_raw(bootstrap, topic, (serialize(order(t, i), topic) for t, n in counts.items() for i in range(n)))


def produce_raw(bootstrap: str, topic: str, values: Iterable[bytes]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for value in values:
        producer.produce(topic, value)
    assert producer.flush(TIMEOUT_S) == 0
