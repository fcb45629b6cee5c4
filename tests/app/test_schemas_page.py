"""The Schemas page and the Produce page's schema picker against a real registry (Apicurio):
subjects with their topics, a version's text, an unconfigured registry's empty state, and
an Avro event sent from the form and read back decoded, and the example value Produce
pre-fills from the topic's schema (Avro, JSON Schema, Protobuf), sent and read back decoded."""

from __future__ import annotations

import json

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from support.kafka import create_topic
from support.schemas import produce_framed

from kafka_io.schemas.decode import WireDecoder
from kafka_io.schemas.settings import RegistrySettings


def send_one(at):
    return next(b for b in at.button if b.label == "Send one")


def test_without_a_registry_the_page_says_how_to_add_one(make_app, app_env):
    app_env.delenv("SCHEMA_REGISTRY_URL", raising=False)
    at = make_app("pages/schemas.py").run()
    assert not at.exception
    assert at.info[0].value.startswith("No schema registry is configured for this cluster. Set SCHEMA_REGISTRY_URL")


def test_subjects_versions_and_topics(make_app, app_env, schema_registry, kafka_bootstrap, unique):
    topic = unique("sr-page")
    create_topic(kafka_bootstrap, topic)
    produce_framed(kafka_bootstrap, schema_registry, topic, "avro", {"order_created": 1})
    app_env.setenv("SCHEMA_REGISTRY_URL", schema_registry)
    at = make_app("pages/schemas.py").run()
    assert not at.exception
    frame = at.dataframe[0].value
    row = frame[frame["subject"] == f"{topic}-value"].iloc[0]
    assert (row["type"], row["latest version"], row["versions"], row["topic"], row["for"]) == (
        "AVRO",
        1,
        1,
        topic,
        "value",
    )
    at.text_input(key="schemas_filter").set_value(topic).run()
    assert at.selectbox(key="schemas_subject").value == f"{topic}-value"
    assert '"name": "amount_cents"' in at.code[0].value
    assert any(c.value.startswith("AVRO · schema id ") for c in at.caption)


def test_produce_sends_a_schema_checked_avro_event(make_app, app_env, schema_registry, kafka_bootstrap, unique):
    topic = unique("sr-produce")
    create_topic(kafka_bootstrap, topic)
    produce_framed(kafka_bootstrap, schema_registry, topic, "avro", {"order_created": 1})  # registers the subject
    app_env.setenv("SCHEMA_REGISTRY_URL", schema_registry)
    at = make_app("pages/produce.py", {"topic": topic}).run()
    assert not at.exception
    assert at.selectbox(key="produce_schema_subject").value == f"{topic}-value"
    at.text_area(key="one_value").set_value('{"event_type": "bad"}')
    send_one(at).click().run()
    assert any("no value and no default for amount_cents" in e.value for e in at.error)
    at.text_area(key="one_value").set_value(
        '{"event_type": "from_form", "amount_cents": 7, "customer": {"tier": "gold"}}'
    )
    send_one(at).click().run()
    assert any(s.value.startswith(f"Delivered to {topic} partition 0 at offset 1") for s in at.success)

    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": "kdash-test-unused"})
    consumer.assign([TopicPartition(topic, 0, 1)])
    try:
        message = consumer.consume(1, 10)[0]
    finally:
        consumer.close()
    registry = RegistrySettings(schema_registry)
    decoded = WireDecoder(registry).decode(message.value())
    assert decoded.value == {"event_type": "from_form", "amount_cents": 7, "customer": {"tier": "gold"}}
    latest = SchemaRegistryClient({"url": schema_registry}).get_latest_version(f"{topic}-value")
    assert decoded.schema_id == latest.schema_id  # sent with the subject's id, nothing new registered


# What each kind's example is (support.schemas' Order), and how the registry's decoder reads it back:
# Protobuf's JSON mapping writes int64 as a string.
ORDER_EXAMPLES = {
    "avro": {"event_type": "event_type", "amount_cents": 1, "customer": {"tier": "tier"}},
    "json": {"event_type": "event_type", "amount_cents": 1},
    "protobuf": {"event_type": "event_type", "amount_cents": 1, "customer": {"tier": "tier"}},
}
DECODED = {
    **ORDER_EXAMPLES,
    "protobuf": {"event_type": "event_type", "amount_cents": "1", "customer": {"tier": "tier"}},
}


@pytest.mark.parametrize("kind", ["avro", "json", "protobuf"])
def test_produce_prefills_a_valid_example_from_the_topics_schema(
    kind, make_app, app_env, schema_registry, kafka_bootstrap, unique
):
    topic = unique(f"sr-example-{kind}")
    create_topic(kafka_bootstrap, topic)
    produce_framed(kafka_bootstrap, schema_registry, topic, kind, {"order_created": 1})  # registers <topic>-value
    app_env.setenv("SCHEMA_REGISTRY_URL", schema_registry)
    at = make_app("pages/produce.py", {"topic": topic}).run()
    assert not at.exception
    example = json.dumps(ORDER_EXAMPLES[kind], indent=2)
    assert at.text_area(key="one_value").value == example
    assert "The value starts as an example made from the schema; the serializer has checked it." in [
        c.value for c in at.caption
    ]
    send_one(at).click().run()
    assert any(s.value.startswith(f"Delivered to {topic} partition 0 at offset 1") for s in at.success)
    message = read_one(kafka_bootstrap, topic, offset=1)
    decoded = WireDecoder(RegistrySettings(schema_registry)).decode(message.value())
    assert decoded.value == DECODED[kind]
    latest = SchemaRegistryClient({"url": schema_registry}).get_latest_version(f"{topic}-value")
    assert decoded.schema_id == latest.schema_id

    # What the user types stays across reruns; a template can start from the example.
    at.text_area(key="one_value").set_value('{"event_type": "typed"}')
    next(b for b in at.button if b.label == "Check size and format").click().run()
    assert at.text_area(key="one_value").value == '{"event_type": "typed"}'
    at.button(key="tpl_from_example").click().run()
    assert at.text_area(key="tpl_text").value == example
    assert at.text_input(key="tpl_key").value == ""


def test_without_a_schema_produce_keeps_its_plain_example(make_app, app_env, kafka_bootstrap, unique):
    topic = unique("sr-no-example")
    create_topic(kafka_bootstrap, topic)
    app_env.delenv("SCHEMA_REGISTRY_URL", raising=False)
    at = make_app("pages/produce.py", {"topic": topic}).run()
    assert not at.exception
    assert at.text_area(key="one_value").value == '{"event_type": "user_signup", "user_id": 123}'
    assert not [b for b in at.button if b.key == "tpl_from_example"]


def read_one(bootstrap: str, topic: str, offset: int):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "kdash-test-unused"})
    consumer.assign([TopicPartition(topic, 0, offset)])
    try:
        return consumer.consume(1, 10)[0]
    finally:
        consumer.close()


def test_an_example_the_serializer_refuses_is_explained_not_prefilled(
    make_app, app_env, schema_registry, kafka_bootstrap, unique
):
    topic = unique("sr-no-pattern")
    create_topic(kafka_bootstrap, topic)
    strict = '{"type": "object", "properties": {"code": {"type": "string", "pattern": "^Z{3}$"}}, "required": ["code"]}'
    client = SchemaRegistryClient({"url": schema_registry})
    schema_id = client.register_schema(f"{topic}-value", Schema(strict, "JSON"))
    app_env.setenv("SCHEMA_REGISTRY_URL", schema_registry)
    at = make_app("pages/produce.py", {"topic": topic}).run()
    assert not at.exception
    assert f"No example value from the schema: value does not match {topic}-value v1 (JSON, id {schema_id}): " in (
        "".join(c.value for c in at.caption if c.value.startswith("No example value"))
    )
    assert at.text_area(key="one_value").value == '{"event_type": "user_signup", "user_id": 123}'
    assert not [b for b in at.button if b.key == "tpl_from_example"]
