"""The consumer-groups page in real Chromium: a group opened by deep link shows its lag."""

from __future__ import annotations

import re

from browser_helpers import real_console_errors, wait_for_app
from group_helpers import consume_and_commit
from kafka_helpers import create_topic, produce


def test_group_deep_link_shows_its_lag(server, page, kafka_bootstrap, unique, artifacts):
    topic, group = unique("orders"), unique("billing")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 10, 1: 20})
    consume_and_commit(kafka_bootstrap, group, topic, {0: 4, 1: 15})
    page.goto(f"{server.url}/consumer_groups?group={group}")
    wait_for_app(page)
    page.get_by_role("heading", name="Consumer groups", exact=True).wait_for()
    page.get_by_role("heading", name=group).wait_for()
    total = page.locator('[data-testid="stMetric"]').filter(has_text="Total lag")
    total.get_by_text("11", exact=True).wait_for()
    page.locator('[data-testid="stMetric"]').filter(has_text="State").get_by_text("EMPTY").wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.get_by_test_id("stAlertContentInfo").get_by_text("No consumer is running in this group").wait_for()
    page.screenshot(path=str(artifacts / "consumer-group-detail.png"))
    page.get_by_role("button", name="All groups").click()
    page.get_by_text("Incident watch-list").wait_for()
    assert "group=" not in page.evaluate("location.href")  # page.url lags behind Streamlit's replaceState

    # Back in the list: search the group, select its row (the grid is a canvas: click its row marker).
    search = page.get_by_role("textbox", name="Search")
    search.fill(group)
    search.press("Enter")
    # "(showing 1)" when other groups exist on the broker; "1 groups: …" when it is the only one.
    page.get_by_text(re.compile(r"\(showing 1\)$|^1 groups: ")).wait_for()
    grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    page.mouse.click(grid["x"] + 15, grid["y"] + 53)
    page.get_by_role("heading", name=group).wait_for()
    assert page.evaluate("location.href").endswith(f"/consumer_groups?group={group}")
    assert real_console_errors(page) == []
