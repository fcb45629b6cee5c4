"""Issue #27 in real Chromium: /brokers and /acls as first deep links of a fresh server,
then a topic's config edit (preview, apply) and a purge (preview, type the name, purge)."""

from __future__ import annotations

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType
from support.browser import real_console_errors, wait_for_app
from support.kafka import TIMEOUT_S, create_topic, produce

WAIT_MS = 20_000


def test_brokers_acls_and_a_topics_config_edit_and_purge(
    start_server, e2e_env, page, unique, artifacts, kafka_bootstrap
):
    topic = unique("admin-browser")
    create_topic(kafka_bootstrap, topic, 2, {"retention.ms": "86400000"})
    produce(kafka_bootstrap, topic, {0: 4, 1: 2})
    srv = start_server(e2e_env)

    page.goto(f"{srv.url}/brokers")  # the fresh server's first request
    wait_for_app(page)
    page.get_by_role("heading", name="Brokers", exact=True).wait_for()
    page.get_by_text("1 broker(s). Read-only view.").wait_for(timeout=WAIT_MS)
    page.get_by_text("override(s) of", exact=False).wait_for(timeout=WAIT_MS)
    page.screenshot(path=str(artifacts / "admin-brokers.png"))

    page.goto(f"{srv.url}/acls")
    wait_for_app(page)
    page.get_by_role("heading", name="ACLs", exact=True).wait_for()
    page.get_by_text("no authorizer configured", exact=False).wait_for(timeout=WAIT_MS)

    page.goto(f"{srv.url}/topics?topic={topic}")
    wait_for_app(page)
    page.get_by_role("heading", name=f"Topic {topic}").wait_for(timeout=WAIT_MS)
    page.get_by_text("Auto-refresh", exact=True).click()  # no timed reruns while we type
    wait_for_app(page)
    page.get_by_role("tab", name="Edit configs").click()
    page.get_by_label("Set (key=value per line)").fill("retention.ms=3600000")
    page.get_by_role("button", name="Preview changes").click()
    page.get_by_text("Preview: 1 change(s)").wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="Apply 1 change(s)").click()
    page.get_by_text(f"Changed 1 config(s) of '{topic}': retention.ms.").wait_for(timeout=WAIT_MS)
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    (future,) = admin.describe_configs([ConfigResource(ResourceType.TOPIC, topic)]).values()
    assert future.result(TIMEOUT_S)["retention.ms"].value == "3600000"

    wait_for_app(page)
    page.get_by_role("tab", name="Purge").click()
    page.get_by_role("button", name="Preview purge").click()
    page.get_by_text("Preview: 6 record(s) go (every record)").wait_for(timeout=WAIT_MS)
    page.get_by_label(f"Type {topic} to confirm the purge").fill(topic)
    page.get_by_role("button", name="Purge 6 record(s)").click()
    page.get_by_text(f"Purged 6 record(s) from '{topic}'; new low watermarks p0: 4, p1: 2.").wait_for(timeout=WAIT_MS)
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": "kdash-viewer-e2e"})
    try:
        lows = [consumer.get_watermark_offsets(TopicPartition(topic, p), TIMEOUT_S)[0] for p in (0, 1)]
    finally:
        consumer.close()
    assert lows == [4, 2]
    page.screenshot(path=str(artifacts / "admin-topic-purged.png"))
    assert real_console_errors(page) == []
