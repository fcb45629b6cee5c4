"""The Live events page in real Chromium: the chart appears, and an event injected with the
dashboard's source header shows in the tail and in the detail view; two tabs share one reader."""

from __future__ import annotations

import json
import time

from confluent_kafka import Producer
from support.browser import real_console_errors, wait_for_app
from support.kafka import create_topic

from kafka_io.wire import SOURCE_HEADER_KEY as SOURCE_HEADER


def produce(bootstrap: str, topic: str, n: int, headers=None, note: str = "") -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(n):
        value = {"event_type": "order" if i % 2 else "click", "i": i, "note": note}
        producer.produce(topic, json.dumps(value).encode(), headers=headers)
    assert producer.flush(10) == 0


def test_chart_and_injected_event_in_the_tail(server, page, browser, kafka_bootstrap, unique, artifacts):
    topic = unique("live-e2e")
    create_topic(kafka_bootstrap, topic)
    page.goto(f"{server.url}/live_events?topic={topic}&from=latest")
    wait_for_app(page)
    page.get_by_text("running", exact=True).wait_for(timeout=20_000)
    time.sleep(1.0)
    produce(kafka_bootstrap, topic, 20)
    produce(kafka_bootstrap, topic, 1, headers=[(SOURCE_HEADER, b"dashboard")], note="injected-by-e2e")
    page.locator('[data-testid="stVegaLiteChart"]').wait_for(timeout=15_000)
    table = page.locator('[data-testid="stDataFrame"]').last
    table.locator("td", has_text="⚑ dashboard").wait_for(state="attached", timeout=15_000)
    table.scroll_into_view_if_needed()
    box = table.locator("canvas").first.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's selection marker
    page.get_by_role("heading", name="Message").wait_for(timeout=10_000)
    payload = page.get_by_test_id("stJson").last
    payload.get_by_text("injected-by-e2e").wait_for(timeout=10_000)
    page.locator('[data-testid="stVegaLiteChart"]').screenshot(path=str(artifacts / "live_events_chart.png"))
    page.screenshot(path=str(artifacts / "live_events.png"))

    # A second tab on the same live topic shares the first tab's reader (and its history).
    other = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        second = other.new_page()
        second.goto(f"{server.url}/live_events?topic={topic}&from=latest")
        wait_for_app(second)
        second.get_by_text("reader shared by 2 viewers").wait_for(timeout=20_000)
        second.get_by_test_id("stMetric").filter(has_text="Events seen").get_by_text("21").wait_for(timeout=10_000)
    finally:
        other.close()
    assert real_console_errors(page) == []


def test_a_link_without_a_start_shows_what_was_sent_a_moment_before(server, page, kafka_bootstrap, unique, artifacts):
    """The default start is a minute back: events sent before the page opened are there, and the
    time axis starts near the first of them instead of squeezing them into the window's right edge."""
    topic = unique("live-recent-e2e")
    create_topic(kafka_bootstrap, topic)
    produce(kafka_bootstrap, topic, 6)
    page.goto(f"{server.url}/live_events?topic={topic}")
    wait_for_app(page)
    page.get_by_text(f"Reading {topic} from 60 s before Watch").wait_for(timeout=20_000)
    page.get_by_test_id("stMetric").filter(has_text="Events seen").get_by_text("6", exact=True).wait_for(timeout=15_000)
    chart = page.locator('[data-testid="stVegaLiteChart"]')
    chart.wait_for(timeout=15_000)
    time.sleep(1.5)  # a redraw or two: the colours must not move
    chart.screenshot(path=str(artifacts / "live_events_recent_chart.png"))
    assert real_console_errors(page) == []
