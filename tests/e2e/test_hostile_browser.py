"""Hostile input in real Chromium: payloads, keys, headers, event types and group ids
that look like HTML, markdown or binary show as literal text, never run, never
render as markup, and never crash a page.

Checked in the DOM itself: no dialog fired, no element the payload could have
created (img[src=x], [onerror], a script mentioning alert, a javascript: link,
bold text "bold"), and the literal text present.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from support.browser import real_console_errors, wait_for_app
from support.kafka import TIMEOUT_S, commit_offsets, create_topic, produce

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MARKDOWN = "**bold** [link](javascript:alert(1))"
KEY = "<img src=x onerror=alert(2)>"
HEADER = ("**hdr**", "<script>alert(3)</script>")
TYPE = "<img src=x onerror=alert(4)>"
BIG_BYTES = 10 * 1024 * 1024
TOPIC_MAX_BYTES = BIG_BYTES + 1024 * 1024
INVALID_UTF8 = b"\xff\xfe bad \xc3\x28 utf-8"
NULS = b"nul\x00bytes\x00"
BOMB_DEPTH = 100_000  # too deep for any parser: text
DEEP_DEPTH = 1_000  # parses, but too deep to draw as a JSON tree
UI_TIMEOUT_MS = 20_000

# What the page may never contain, whatever the payloads: evidence that one ran or rendered.
MARKUP_FROM_PAYLOADS = """() => ({
  img: document.querySelectorAll('img[src="x"]').length,
  onerror: document.querySelectorAll('[onerror]').length,
  script: [...document.scripts].filter(s => s.textContent.includes('alert(')).length,
  js_link: document.querySelectorAll('a[href^="javascript"]').length,
  bold: [...document.querySelectorAll('strong, b')].filter(e => e.textContent.includes('bold')).length,
})"""
NO_MARKUP = {"img": 0, "onerror": 0, "script": 0, "js_link": 0, "bold": 0}

# (key, value, headers), in the order they are produced: the tail shows the newest first.
RECORDS = [
    ("k1-script", SCRIPT.encode(), [(HEADER[0], HEADER[1].encode())]),
    ("k2-img", IMG.encode(), None),
    ("k3-markdown", MARKDOWN.encode(), None),
    ("k4-big", b"big:" + b"x" * (BIG_BYTES - 4), None),
    ("k5-invalid-utf8", INVALID_UTF8, None),
    ("k6-bomb", b"[" * BOMB_DEPTH + b"]" * BOMB_DEPTH, None),
    ("k7-deep", b"[" * DEEP_DEPTH + b"]" * DEEP_DEPTH, None),
    ("k8-nul", NULS, None),
    (KEY, json.dumps({"event_type": TYPE, "note": MARKDOWN}).encode(), None),
]


def produce_records(bootstrap: str, topic: str) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": TOPIC_MAX_BYTES + 100_000})
    for key, value, headers in RECORDS:
        producer.produce(topic, value, key=key.encode(), headers=headers)
    assert producer.flush(TIMEOUT_S) == 0


def delete_topic(bootstrap: str, topic: str) -> None:
    # The 10 MB record must not stay in the session broker, which rewrites its state file while anything changes.
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.delete_topics([topic], operation_timeout=TIMEOUT_S)[topic].result(timeout=TIMEOUT_S)


def assert_nothing_ran_or_rendered(page) -> None:
    assert page.dialogs == []
    assert page.evaluate(MARKUP_FROM_PAYLOADS) == NO_MARKUP
    assert page.get_by_text("Unexpected", exact=False).count() == 0
    assert "Traceback" not in page.content()


def expand(json_view):
    """Open every collapsed node of an st.json tree (its state survives reruns)."""
    for _ in range(5):
        collapsed = json_view.locator(".node-ellipsis")
        if collapsed.count() == 0:
            return json_view
        collapsed.first.click()
    return json_view


def until(act, check, attempts: int = 5) -> None:
    """act(), then check(); again when check fails: a click that lands while the
    live fragment redraws (every second) is lost, seen under load."""
    for attempt in range(attempts):
        act()
        try:
            check()
            return
        except (AssertionError, PlaywrightTimeout):
            if attempt == attempts - 1:
                raise


ROW_ATTEMPTS = 5


def open_row(page, row: int, shows):
    """Select the tail's row (the grid is a canvas: click its row marker) until the
    detail container passes shows(detail); returns the container."""
    heading = page.get_by_role("heading", name="Message", exact=True)
    detail = page.locator('[data-testid="stVerticalBlock"]').filter(has=heading).last

    def click() -> None:
        table = page.locator('[data-testid="stDataFrame"]').last
        table.scroll_into_view_if_needed()
        box = table.locator("canvas").first.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 17 + 35 * row)

    for attempt in range(ROW_ATTEMPTS):
        # A retry clicks only when no row is selected: clicking the selected row again
        # would unselect it, and under load its detail can simply take longer to draw.
        if attempt == 0 or not heading.is_visible():
            click()
        try:
            heading.wait_for(timeout=10_000)
            shows(detail)
            return detail
        except (AssertionError, PlaywrightTimeout):
            if attempt == ROW_ATTEMPTS - 1:
                raise
    return detail


def code_contains(text: str):
    return lambda detail: expect(detail.get_by_test_id("stCode")).to_contain_text(text, timeout=10_000)


def test_hostile_payloads_keys_headers_and_types_show_as_text(server, page, kafka_bootstrap, unique, artifacts):
    topic = unique("hostile")
    create_topic(kafka_bootstrap, topic, 1, {"max.message.bytes": str(TOPIC_MAX_BYTES)})
    try:
        produce_records(kafka_bootstrap, topic)
        page.goto(f"{server.url}/live_events?topic={topic}&from=earliest")
        wait_for_app(page)
        events = page.get_by_test_id("stMetric").filter(has_text="Events seen")
        events.get_by_text(str(len(RECORDS)), exact=True).wait_for(timeout=UI_TIMEOUT_MS)
        tail = page.locator('[data-testid="stDataFrame"]').last
        for literal in (IMG, MARKDOWN, KEY):  # the grid draws only its visible rows
            tail.locator("td", has_text=literal).first.wait_for(state="attached", timeout=UI_TIMEOUT_MS)
        tail.locator("td", has_text=f"…({BIG_BYTES} bytes)").first.wait_for(state="attached")
        # The hostile event type: in the types table and the chart's legend, as text.
        page.locator('[data-testid="stDataFrame"]').first.locator("td", has_text=TYPE).first.wait_for(state="attached")
        page.locator('[data-testid="stVegaLiteChart"]').wait_for(timeout=UI_TIMEOUT_MS)
        assert_nothing_ran_or_rendered(page)

        # Newest first: row 0 is the last record produced. Selecting a row holds the tail still.
        # KEY, with the hostile type and a markdown note, as a JSON tree.
        detail = open_row(page, 0, lambda d: expect(d.get_by_test_id("stJson").last).to_contain_text(MARKDOWN))
        expect(detail.get_by_test_id("stJson").last).to_contain_text(TYPE)
        expect(expand(detail.get_by_test_id("stJson").first)).to_contain_text(KEY)  # the metadata
        assert_nothing_ran_or_rendered(page)

        expected = {  # row: what the detail's code block must contain
            1: "00000000  6e 75 6c 00 62 79 74 65 73 00",  # NUL bytes: a hex dump
            2: "[" * 200,  # too deep to draw as a tree: shown as the text it is
            3: "[" * 200,  # the JSON bomb
            4: "00000000  ff fe 20 62 61 64 20 c3 28 20 75 74 66 2d 38",  # invalid UTF-8: a hex dump
            5: "big:xxxxxxxx",
            6: MARKDOWN,
            7: IMG,
        }
        for row, text in expected.items():
            detail = open_row(page, row, code_contains(text))
            assert_nothing_ran_or_rendered(page)
            if row == 5:
                detail.get_by_text(f"Showing the first 1,048,576 of {BIG_BYTES:,} bytes.").wait_for()
        page.screenshot(path=str(artifacts / "hostile-live-events.png"))

        # The oldest record is below the grid's fold: filter down to it.
        message = page.get_by_role("heading", name="Message", exact=True)
        until(
            lambda: page.get_by_role("button", name="Follow the live tail").click(),
            lambda: message.wait_for(state="detached", timeout=5_000),
        )
        text_filter = page.get_by_label("Filter by text")
        # Filtered when the page says so: the grid's hidden cells can be briefly empty while it redraws,
        # and a row clicked in the unfiltered grid opens the wrong message (seen once in CI).
        until(
            lambda: (text_filter.fill("k1-script"), text_filter.press("Enter")),
            lambda: page.get_by_text(f"1 of {len(RECORDS)} messages match the filters.").wait_for(timeout=5_000),
        )
        expect(tail.locator("td", has_text="k2-img")).to_have_count(0)
        tail.locator("td", has_text=SCRIPT).first.wait_for(state="attached", timeout=UI_TIMEOUT_MS)
        detail = open_row(page, 0, code_contains(SCRIPT))
        metadata = expand(detail.get_by_test_id("stJson").first)
        expect(metadata).to_contain_text(HEADER[0])
        expect(metadata).to_contain_text(HEADER[1])
        assert_nothing_ran_or_rendered(page)
        assert real_console_errors(page) == []
    finally:
        delete_topic(kafka_bootstrap, topic)


HOSTILE_GROUPS = ("**bold-group** [link](javascript:alert(5))", "<img src=x onerror=alert(6)>")


def test_hostile_group_ids_and_links_show_as_text(server, page, kafka_bootstrap, unique):
    topic = unique("hostile-groups")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 2})
    for group in HOSTILE_GROUPS:
        commit_offsets(kafka_bootstrap, group, topic, {0: 1})
    for group in HOSTILE_GROUPS:
        page.goto(f"{server.url}/consumer_groups?group={quote(group)}")
        wait_for_app(page)
        page.get_by_role("heading", name=group, exact=True).wait_for(timeout=UI_TIMEOUT_MS)
        page.get_by_role("heading", name="Consumer groups", exact=True).wait_for()
        # The delete form's confirmation label quotes the id.
        page.get_by_test_id("stExpander").filter(has_text="Delete group").locator("summary").click()
        page.get_by_text(f"Type {group} to confirm", exact=True).wait_for()
        assert_nothing_ran_or_rendered(page)

    # A hostile ?topic= link on the Topics page and a hostile search.
    page.goto(f"{server.url}/topics?topic={quote(MARKDOWN)}")
    wait_for_app(page)
    page.get_by_text(f"Topic '{MARKDOWN}' does not exist (deleted, or a mistyped link).").wait_for(
        timeout=UI_TIMEOUT_MS
    )
    page.get_by_role("heading", name=f"Topic {MARKDOWN}", exact=True).wait_for()
    search = page.get_by_label("Search topics")
    search.fill(IMG)
    search.press("Enter")
    page.get_by_text(f"No topic name contains '{IMG}'.").wait_for(timeout=UI_TIMEOUT_MS)
    assert_nothing_ran_or_rendered(page)
    assert real_console_errors(page) == []
