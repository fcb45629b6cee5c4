"""Schema Registry in Chromium, against a real registry (Apicurio): Avro and Protobuf topics,
framed by confluent-kafka's own serializers, show rates by type on Live events, a bad schema id
is a counted row, the Schemas page shows both subjects, and Produce sends an Avro event
checked against its subject (a bad one is refused in plain words)."""

from __future__ import annotations

from confluent_kafka.schema_registry import SchemaRegistryClient
from support.browser import real_console_errors, wait_for_app
from support.kafka import create_topic
from support.schemas import order, produce_framed, produce_raw, serializer

TIMEOUT_MS = 30_000


def type_row(pg, event_type: str, count: int):
    """The types table's row for ``event_type`` showing ``count`` (the grid keeps an accessible table)."""
    table = pg.get_by_test_id("stDataFrame").first
    row = table.locator("tr", has=pg.locator("td", has_text=event_type))
    return row.locator("td", has_text=str(count))


def test_avro_and_protobuf_topics_by_type_schemas_and_produce(
    start_server, e2e_env, schema_registry, kafka_bootstrap, page, unique, artifacts
):
    avro_topic, proto_topic = unique("sr-avro"), unique("sr-proto")
    for topic in (avro_topic, proto_topic):
        create_topic(kafka_bootstrap, topic, 2)
    produce_framed(kafka_bootstrap, schema_registry, avro_topic, "avro", {"order_created": 12, "order_paid": 8})
    produce_framed(kafka_bootstrap, schema_registry, proto_topic, "protobuf", {"order_shipped": 6, "order_created": 4})
    good = serializer("avro", SchemaRegistryClient({"url": schema_registry}))(order("x", 0), avro_topic)
    produce_raw(kafka_bootstrap, avro_topic, [b"\x00" + (987_654).to_bytes(4, "big") + good[5:]] * 2)
    server = start_server({**e2e_env, "SCHEMA_REGISTRY_URL": schema_registry})

    # Live events: both topics, counted by the types inside their records.
    page.goto(f"{server.url}/live_events?topic={avro_topic}&topic={proto_topic}&from=earliest")
    wait_for_app(page)
    for event_type, count in (
        ("order_created", 16),
        ("order_paid", 8),
        ("order_shipped", 6),
        ("(undecodable: unknown schema id 987654)", 2),
    ):
        type_row(page, event_type, count).first.wait_for(state="attached", timeout=TIMEOUT_MS)
    assert page.locator("td", has_text="(unparseable)").count() == 0
    page.screenshot(path=str(artifacts / "schemas_live_by_type.png"))

    # Schemas: both subjects, each with its topic; the Protobuf one reads as .proto.
    page.goto(f"{server.url}/schemas")
    wait_for_app(page)
    # Filter first: the session's registry holds every schema test's subjects, and the table draws
    # only the rows in view (a canvas), so an unfiltered row can be out of sight.
    page.get_by_label("Filter subjects").fill(proto_topic)
    page.get_by_label("Filter subjects").press("Enter")
    page.get_by_text("1 of").wait_for(timeout=TIMEOUT_MS)
    page.get_by_test_id("stDataFrame").locator("td", has_text=f"{proto_topic}-value").wait_for(
        state="attached", timeout=TIMEOUT_MS
    )
    page.get_by_text("message Order {").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("PROTOBUF · schema id").wait_for(timeout=TIMEOUT_MS)

    # Produce: the topic's own subject is picked; a value that misses a field is refused, a good one sent.
    page.goto(f"{server.url}/produce?topic={avro_topic}")
    wait_for_app(page)
    page.get_by_text(f"Sent as {avro_topic}-value v1 (AVRO").wait_for(timeout=TIMEOUT_MS)
    value = page.get_by_label("Value", exact=True)
    value.fill('{"event_type": "from_the_form"}')
    page.get_by_role("button", name="Send one").click()
    page.get_by_text("no value and no default for amount_cents").wait_for(timeout=TIMEOUT_MS)
    value.fill('{"event_type": "from_the_form", "amount_cents": 5, "customer": {"tier": "gold"}}')
    page.get_by_role("button", name="Send one").click()
    page.get_by_text(f"Delivered to {avro_topic} partition").wait_for(timeout=TIMEOUT_MS)

    page.goto(f"{server.url}/live_events?topic={avro_topic}&from=earliest")
    wait_for_app(page)
    type_row(page, "from_the_form", 1).first.wait_for(state="attached", timeout=TIMEOUT_MS)
    assert real_console_errors(page) == []
