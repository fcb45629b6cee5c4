"""Layout, measured in Chromium (issue #24, "also seen"): the Produce page's "Send one" in
view at 1,400 x 900 once a topic is picked; the Consumer groups list's incident columns up to
ETA whole on a 1,024 px laptop, and its pin buttons drawn with Streamlit's own icons."""

from __future__ import annotations

from support.browser import real_console_errors, wait_for_app
from support.kafka import commit_offsets, create_topic, produce

LAPTOP = {"width": 1024, "height": 768}
# The grid keeps an accessible copy of the header cells it draws on screen: whole or cut.
VISIBLE_HEADERS = (
    "[...document.querySelectorAll('[data-testid=stDataFrame] [role=columnheader]')].map(h => h.textContent)"
)


def test_send_one_is_in_view_at_1400_by_900(server, page, kafka_bootstrap, unique, artifacts):
    topic = unique("fold")
    create_topic(kafka_bootstrap, topic, 3)
    page.goto(f"{server.url}/produce?topic={topic}")
    wait_for_app(page)
    page.get_by_label("Value", exact=True).wait_for()  # the form drawn in full, not its placeholders
    page.get_by_label("Timestamp", exact=True).wait_for()
    page.get_by_text("Automatic (by key)").wait_for()
    send = page.get_by_role("button", name="Send one")
    send.wait_for()
    page.wait_for_timeout(1_000)  # late-loading widgets (the radio's captions) settle
    box = send.bounding_box()
    page.screenshot(path=str(artifacts / "screenshot-produce-1400x900.png"))
    assert 0 <= box["y"] and box["y"] + box["height"] <= 900, box  # was y 954 to 994
    assert real_console_errors(page) == []


def test_the_incident_columns_fit_a_1024_px_laptop(server, browser, kafka_bootstrap, unique, artifacts):
    topic = unique("fit")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 20})
    group = unique("billing-service-consumers")  # a long name: the Group column must not push ETA out
    commit_offsets(kafka_bootstrap, group, topic, {0: 5})
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.goto(f"{server.url}/consumer_groups")
        wait_for_app(page)
        page.locator('[data-testid="stDataFrame"]').first.wait_for()
        page.wait_for_function(f"() => {VISIBLE_HEADERS}.includes('ETA s')", timeout=30_000)
        headers = page.evaluate(f"() => {VISIBLE_HEADERS}")
        page.screenshot(path=str(artifacts / "screenshot-consumer-groups-1024.png"))
        # ETA ends inside the view when the column after it starts inside it (it was cut at 1,024 px).
        assert headers[:8] == ["Pin", "Group", "Status", "Lag s (est.)", "Total lag", "Lag, 10 min", "ETA s"] + [
            "Consume/s"
        ], headers
        assert real_console_errors(page) == []
    finally:
        context.close()
