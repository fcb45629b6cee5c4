"""The Schemas page and the Produce page's schema picker against a real registry (Apicurio):
subjects with their topics, a version's text, an unconfigured registry's empty state, and
an Avro event sent from the form and read back decoded."""

from __future__ import annotations

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from kafka_helpers import create_topic
from schema_helpers import produce_framed

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
