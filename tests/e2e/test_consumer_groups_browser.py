"""The consumer-groups page in real Chromium: a group opened by deep link shows its lag."""

from __future__ import annotations

import re

from support.browser import real_console_errors, wait_for_app
from support.groups import consume_and_commit
from support.kafka import create_topic, produce


def grid_box(page) -> dict:
    """The groups table's box, once the rerun that redraws it has finished."""
    wait_for_app(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    page.wait_for_function(
        "() => { const g = document.querySelector('[data-testid=\"stDataFrame\"]');"
        " return g && g.getBoundingClientRect().height > 60; }"
    )
    return grid.bounding_box()


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
    # The grid is a canvas: click cells by position. Row 1 is ~53 px down; the
    # 📌 column is the first 40 px, the group's name comes next.
    grid = grid_box(page)
    page.mouse.click(grid["x"] + 20, grid["y"] + 53)  # 📌: pins the group
    page.wait_for_function(f"() => location.href.includes('pin={group}')", timeout=10_000)
    page.get_by_test_id("stMultiSelect").first.get_by_text(group).wait_for()  # in the watch-list
    grid = grid_box(page)
    page.mouse.click(grid["x"] + 20, grid["y"] + 53)  # again: unpins it
    page.wait_for_function(f"() => !location.href.includes('pin={group}')", timeout=10_000)
    grid = grid_box(page)
    page.mouse.click(grid["x"] + 80, grid["y"] + 53)  # the name opens the group
    page.get_by_role("heading", name=group).wait_for()
    assert page.evaluate("location.href").endswith(f"/consumer_groups?group={group}")
    assert real_console_errors(page) == []


def test_group_detail_charts_refresh_without_vega_warnings(server, page, kafka_bootstrap, unique):
    """Group detail redraws its charts every tick; an empty or infinite series made
    Vega log "Infinite extent" each time (issue #17, item 7)."""
    topic, group = unique("orders"), unique("vega")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 10})
    consume_and_commit(kafka_bootstrap, group, topic, {0: 4})
    warnings: list[str] = []
    page.on("console", lambda msg: msg.type in ("warning", "error") and warnings.append(msg.text))
    page.goto(f"{server.url}/consumer_groups?group={group}")
    wait_for_app(page)
    page.get_by_role("tab", name="Lag history").click()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    page.get_by_text("Rates need two samples").or_(page.locator('[data-testid="stVegaLiteChart"]').nth(1)).wait_for()
    page.wait_for_timeout(6_000)  # several refreshes of the fragment
    assert [w for w in warnings if "Infinite extent" in w] == []
    assert real_console_errors(page) == []
