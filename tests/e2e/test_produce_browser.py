"""The Produce page in Chromium: a templated burst of 100 to its summary, a slow
burst whose live progress (polled by a run_every fragment) is stopped with Stop,
and a burst that stops by itself when its browser session ends."""

from __future__ import annotations

import re
import time

from confluent_kafka import Consumer, TopicPartition
from support.browser import real_console_errors, wait_for_app
from support.kafka import create_topic

BURST_TIMEOUT_MS = 30_000


def open_burst_tab(page, server, topic: str) -> None:
    page.goto(f"{server.url}/produce?topic={topic}")
    wait_for_app(page)
    page.get_by_role("heading", name="Produce", exact=True).wait_for()
    page.get_by_role("tab", name="Template burst").click()
    page.get_by_text("Preview of the first 3 events").wait_for()
    template = page.get_by_label("Template", exact=True)
    page.wait_for_function("el => el.value.includes('user_signup')", arg=template.element_handle())


def metric(page, label: str) -> str:
    return (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text=label)
        .locator('[data-testid="stMetricValue"]')
        .inner_text()
    )


def test_a_templated_burst_of_100_shows_its_summary(server, page, kafka_bootstrap, unique, artifacts):
    topic = unique("e2e-burst")
    create_topic(kafka_bootstrap, topic, partitions=3)
    open_burst_tab(page, server, topic)
    page.get_by_role("button", name="Start burst").click()
    page.get_by_role("heading", name=f"Burst to {topic}: all delivered").wait_for(timeout=BURST_TIMEOUT_MS)
    assert (metric(page, "Requested"), metric(page, "Delivered"), metric(page, "Failed")) == ("100", "100", "0")
    summary = (
        page.locator('[data-testid="stVerticalBlock"]')
        .filter(has=page.get_by_role("heading", name=f"Burst to {topic}: all delivered"))
        .last
    )
    summary.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "produce-burst-summary.png"))
    assert "Traceback" not in page.content()
    assert real_console_errors(page) == []


def test_a_slow_burst_shows_live_progress_and_stops(server, page, kafka_bootstrap, unique):
    topic = unique("e2e-stop")
    create_topic(kafka_bootstrap, topic, partitions=1)
    open_burst_tab(page, server, topic)
    page.get_by_label("Rate (events/s)").fill("20")
    page.get_by_role("button", name="Start burst").click()
    progress = page.locator('[data-testid="stProgress"]')
    progress.get_by_text(re.compile(r"[1-9]\d* delivered · 0 failed")).wait_for(timeout=BURST_TIMEOUT_MS)
    page.get_by_role("button", name="Stop").click()
    stopped = page.get_by_text(re.compile(r"Stopped: \d+ of 100 planned events were not sent"))
    stopped.wait_for(timeout=BURST_TIMEOUT_MS)
    requested, delivered = int(metric(page, "Requested")), int(metric(page, "Delivered"))
    assert 0 < requested < 100 and delivered == requested and metric(page, "Failed") == "0"
    assert real_console_errors(page) == []


# Streamlit forgets a session this long after its websocket closed; then the
# session's burst slot is released, which stops the burst.
SESSION_TTL_S = 2


def _high_watermark(bootstrap: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-never-joined"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
    finally:
        consumer.close()


def test_a_burst_stops_when_its_browser_session_ends(start_server, e2e_env, browser, kafka_bootstrap, unique):
    srv = start_server({**e2e_env, "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(SESSION_TTL_S)})
    topic = unique("e2e-orphan")
    create_topic(kafka_bootstrap, topic, partitions=1)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    open_burst_tab(page, srv, topic)
    page.get_by_role("spinbutton", name="Count").fill("100000")
    page.get_by_label("Rate (events/s)").fill("50")
    page.get_by_role("button", name="Start burst").click()
    progress = page.locator('[data-testid="stProgress"]')
    progress.get_by_text(re.compile(r"[1-9]\d* delivered · 0 failed")).wait_for(timeout=BURST_TIMEOUT_MS)
    context.close()  # the tab is gone: nobody can press Stop any more

    def settled() -> int | None:
        before = _high_watermark(kafka_bootstrap, topic)
        time.sleep(1.5)  # the burst sends 50/s: 1.5 s without a new record means it stopped
        return before if _high_watermark(kafka_bootstrap, topic) == before else None

    deadline = time.monotonic() + 60
    while (sent := settled()) is None:
        assert time.monotonic() < deadline, "the burst kept sending after its session ended"
    assert 0 < sent < 100_000
