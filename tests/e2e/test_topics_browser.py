"""The Topics page in real Chromium: create a topic from the UI and find it in the table."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from support.browser import real_console_errors, wait_for_app
from support.kafka import create_topic


def test_create_a_topic_from_the_ui_and_see_it_in_the_table(
    start_server, e2e_env, page, unique, artifacts, kafka_bootstrap
):
    create_topic(kafka_bootstrap, unique("existing"), 1)  # so the table is not the empty state
    name = unique("browser")
    # A deep link as a fresh server's first request: the form must work on the first try.
    srv = start_server(e2e_env)
    page.goto(f"{srv.url}/topics")
    wait_for_app(page)
    page.get_by_role("heading", name="Topics", exact=True).wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible")
    # No timed reruns while we click around: they redraw the grid under the mouse.
    page.get_by_text("Auto-refresh", exact=True).click()
    page.get_by_label("Every (s)").first.wait_for()
    page.wait_for_function("() => document.querySelector('input[aria-label=\"Every (s)\"]')?.disabled")

    form = page.locator('[data-testid="stForm"]').filter(has_text="Create topic").first
    form.get_by_label("Name").fill(name)
    form.get_by_label("Partitions").fill("2")
    form.get_by_role("button", name="Create topic").click()
    page.get_by_text(f"Created topic '{name}' with 2 partition(s).").wait_for(timeout=20_000)

    page.get_by_label("Search topics").fill(name)
    page.get_by_label("Search topics").press("Enter")
    page.get_by_text("1 of ").wait_for(timeout=20_000)
    wait_for_app(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    # The grid is a canvas: select its only row (the row marker, left of the first
    # data row) and the detail of exactly this topic opens, with a shareable URL.
    heading = page.get_by_role("heading", name=f"Topic {name}")
    for _ in range(3):  # a click that lands while the grid is still laying out is lost
        canvas = table.locator("canvas").first
        canvas.wait_for(state="visible", timeout=10_000)
        box = canvas.bounding_box()
        if box is None:  # replaced by a redraw between the wait and the read (seen on a loaded runner)
            continue
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        try:
            heading.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    heading.wait_for(timeout=10_000)
    page.wait_for_url(f"**/topics?topic={name}")
    page.screenshot(path=str(artifacts / "topics-created.png"))
    assert real_console_errors(page) == []
