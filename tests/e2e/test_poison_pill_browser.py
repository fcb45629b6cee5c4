"""The poison-pill journey in Chromium (issue #24): a real consumer crashes on one event and its
group stalls; on a freshly started server, the group's page shows it; one click on the lagging
partition reaches that event at the committed offset on the Messages page; Skip commits N+1 on
exactly that partition (the consumer has stopped: the group is EMPTY); the consumer restarts
and catches up to lag 0.

Screenshots: messages.png and stuck_events.png (the Messages page on the stuck event, and the
group's stuck-events view with Skip's preview) in test-artifacts/screens/, or in docs/screens/
with KDASH_UPDATE_DOCS_SCREENS=1.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

from confluent_kafka import Consumer, KafkaError
from support.browser import real_console_errors, wait_for_app
from support.groups import committed_offsets, describe, wait_for
from support.kafka import TIMEOUT_S, CheckedProducer, create_topic

ROOT = Path(__file__).resolve().parents[2]
# A test run never rewrites tracked files: KDASH_UPDATE_DOCS_SCREENS=1 refreshes docs/screens (as the presenter journey).
SCREENS = (
    ROOT / "docs" / "screens"
    if os.environ.get("KDASH_UPDATE_DOCS_SCREENS") == "1"
    else ROOT / "test-artifacts" / "screens"
)
UI_TIMEOUT_MS = 30_000
POISON_OFFSET = 6  # in partition 1; partition 0 is healthy


class Worker:
    """A billing service: commits after each event; 'crashes' (closes without committing) on a poison pill.
    Its own thread owns the consumer, including close()."""

    def __init__(self, bootstrap: str, group: str, topic: str, crash_on_poison: bool) -> None:
        self.crashed_at: tuple[int, int] | None = None
        self.handled = 0
        self._stop = threading.Event()
        self._config = {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "client.id": "billing-worker",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
            "receive.message.max.bytes": 2_000_000_000,
        }
        self._topic, self._crash = topic, crash_on_poison
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(TIMEOUT_S * 2)
        assert not self.thread.is_alive()

    def _run(self) -> None:
        consumer = Consumer(self._config)
        try:
            consumer.subscribe([self._topic])
            while not self._stop.is_set():
                for m in consumer.consume(50, timeout=0.2):
                    if m.error() is not None:
                        if m.error().code() != KafkaError._PARTITION_EOF:
                            raise RuntimeError(str(m.error()))
                        continue
                    if self._crash and json.loads(m.value()).get("amount") == "NaN":
                        self.crashed_at = (m.partition(), m.offset())
                        return  # the crash: nothing committed for it; close() leaves the group
                    self.handled += 1
                    consumer.commit(message=m, asynchronous=False)
        finally:
            consumer.close()


def produce_payments(bootstrap: str, topic: str, events=None) -> None:
    """(partition, i) events, all 20 by default; the one at (1, POISON_OFFSET) is the pill."""
    producer = CheckedProducer({"bootstrap.servers": bootstrap})
    for partition, i in events or [(p, i) for p in (0, 1) for i in range(10)]:
        amount = "NaN" if (partition, i) == (1, POISON_OFFSET) else 10 * i + partition
        value = {"event_type": "payment.created", "id": f"pay-{partition}-{i}", "amount": amount}
        producer.produce(topic, json.dumps(value).encode(), f"pay-{partition}-{i}".encode(), partition)
    producer.flush_delivered()


def test_poison_pill_from_the_stalled_group_to_the_event_skip_and_catch_up(
    start_server, e2e_env, browser, kafka_bootstrap, unique, artifacts
):
    topic, group = unique("payments"), unique("billing")
    create_topic(kafka_bootstrap, topic, 2)
    # Healthy events first, handled and committed; then the pill and what follows it (so which
    # partition the consumer happens to fetch first cannot change where the group stops).
    produce_payments(kafka_bootstrap, topic, [(0, i) for i in range(10)] + [(1, i) for i in range(POISON_OFFSET)])
    worker = Worker(kafka_bootstrap, group, topic, crash_on_poison=True)
    wait_for(lambda: worker.handled == 10 + POISON_OFFSET, 30, "the healthy events handled")
    produce_payments(kafka_bootstrap, topic, [(1, i) for i in range(POISON_OFFSET, 10)])
    wait_for(lambda: worker.crashed_at is not None or not worker.thread.is_alive(), 30, "the poison pill")
    worker.stop()
    assert worker.crashed_at == (1, POISON_OFFSET)
    wait_for(lambda: committed_offsets(kafka_bootstrap, group).get((topic, 1)) == POISON_OFFSET, 15, "the commit")
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 10, (topic, 1): POISON_OFFSET}
    assert describe(kafka_bootstrap, group).state.name == "EMPTY"

    # A freshly started server; the first request is a deep link.
    srv = start_server({**e2e_env, "KAFKA_LAG_INTERVAL_S": "1"})
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    try:
        journey(page, srv, kafka_bootstrap, topic, group)
        assert real_console_errors(page) == []
    except Exception:
        page.screenshot(path=str(artifacts / "FAILED-poison-pill.png"))
        raise
    finally:
        context.close()


def shot(page, path: Path) -> None:
    """The whole page (Streamlit scrolls inside its own container, so full_page alone is not enough)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(height, 900), 2400)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": 900})
    small_png(path)


def small_png(path: Path) -> None:
    """Palette-reduced (64 colours, still sharp text): about a third of the screenshot's bytes."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(64)
    small.save(path, optimize=True)


def journey(page, srv, bootstrap: str, topic: str, group: str) -> None:
    page.goto(f"{srv.url}/consumer_groups?group={group}")
    wait_for_app(page)
    page.get_by_test_id("stMetric").filter(has_text="Total lag").get_by_text("4", exact=True).wait_for(
        timeout=UI_TIMEOUT_MS
    )
    # One click from the lagging partition to the event the group is stuck on.
    page.get_by_role("link", name=f"{topic} [1] @ {POISON_OFFSET}").click()
    page.wait_for_url(
        re.compile(rf"/messages\?topic={topic}&partition=1&offset={POISON_OFFSET}$"), timeout=UI_TIMEOUT_MS
    )
    wait_for_app(page)
    page.get_by_role("heading", name=f"Partition 1 · offset {POISON_OFFSET}").wait_for(timeout=UI_TIMEOUT_MS)
    payload = page.get_by_test_id("stJson").last
    payload.get_by_text('"NaN"').wait_for(timeout=UI_TIMEOUT_MS)
    shot(page, SCREENS / "messages.png")

    # Back to the group: the stuck-events view, then Skip it.
    page.goto(f"{srv.url}/consumer_groups?group={group}")
    wait_for_app(page)
    page.get_by_text("Stuck events", exact=True).click()
    page.get_by_role("button", name="Read stuck events").click()
    page.get_by_role("link", name=f"{topic} [1] at offset {POISON_OFFSET}: open in Messages").wait_for(
        timeout=UI_TIMEOUT_MS
    )
    page.get_by_role("button", name="Preview skip").click()
    page.get_by_text(f"Lag this leaves on {topic} [1]: 3 (now 4).").wait_for(timeout=UI_TIMEOUT_MS)
    shot(page, SCREENS / "stuck_events.png")
    assert committed_offsets(bootstrap, group) == {(topic, 0): 10, (topic, 1): POISON_OFFSET}  # preview only
    page.get_by_role("button", name=f"Skip: commit offset {POISON_OFFSET + 1}").click()
    page.get_by_text(f"the group now resumes at {POISON_OFFSET + 1}").wait_for(timeout=UI_TIMEOUT_MS)
    assert committed_offsets(bootstrap, group) == {(topic, 0): 10, (topic, 1): POISON_OFFSET + 1}

    # The consumer restarts past the pill and catches up.
    worker = Worker(bootstrap, group, topic, crash_on_poison=True)
    try:
        wait_for(lambda: committed_offsets(bootstrap, group) == {(topic, 0): 10, (topic, 1): 10}, 30, "lag 0")
        assert worker.crashed_at is None and worker.handled == 3
        page.get_by_test_id("stMetric").filter(has_text="Total lag").get_by_text("0", exact=True).wait_for(
            timeout=UI_TIMEOUT_MS
        )
    finally:
        worker.stop()


def test_a_messages_deep_link_with_a_filter_works_on_a_freshly_started_server(
    start_server, e2e_env, page, kafka_bootstrap, unique
):
    topic = unique("msg-fresh")
    create_topic(kafka_bootstrap, topic, 2)
    produce_payments(kafka_bootstrap, topic)  # partition 0: amounts 0, 10, ..., 90
    srv = start_server(e2e_env)
    page.goto(f"{srv.url}/messages?topic={topic}&partition=0&from=oldest&filter=value.amount%20%3E%3D%2070")
    wait_for_app(page)
    page.get_by_text("Scanned 10 · matched 3 · 0 could not be evaluated").wait_for(timeout=UI_TIMEOUT_MS)
    for i in (7, 8, 9):
        page.locator('[data-testid="stDataFrame"] td', has_text=re.compile(rf"^pay-0-{i}$")).wait_for(state="attached")
    # The form shows the link's view, and the address stays what was asked.
    assert page.get_by_role("textbox", name="Filter (CEL, optional)").input_value() == "value.amount >= 70"
    assert page.url.endswith(f"/messages?topic={topic}&partition=0&from=oldest&filter=value.amount+%3E%3D+70")
    assert real_console_errors(page) == []
