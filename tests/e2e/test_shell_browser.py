"""The shell in real Chromium: renders, deep links on a fresh server, clear errors."""

from __future__ import annotations

import pytest
from support.browser import real_console_errors, wait_for_app

DEEP_LINKS = [
    ("", "Overview"),
    ("topics", "Topics"),
    ("consumer_groups?group=some-group", "Consumer groups"),
    ("produce", "Produce"),
    ("live_events?topic=t", "Live events"),
    ("messages?topic=t&partition=0&offset=0", "Messages"),
]


def test_shell_renders_with_badge_and_navigation(server, page, kafka_bootstrap, artifacts, repo_root):
    page.goto(server.url)
    wait_for_app(page)
    page.get_by_role("heading", name="Overview").wait_for()
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(kafka_bootstrap, exact=True).wait_for()
    for title in ("Topics", "Consumer groups", "Messages", "Produce", "Live events"):
        assert sidebar.get_by_role("link", name=title).count() == 1
    page.screenshot(path=str(artifacts / "overview.png"))
    assert real_console_errors(page) == []


@pytest.mark.parametrize("path, title", DEEP_LINKS, ids=[t for _, t in DEEP_LINKS])
def test_deep_link_works_on_a_freshly_started_server(start_server, e2e_env, page, kafka_bootstrap, path, title):
    srv = start_server(e2e_env)  # the deep link is this server's very first request
    page.goto(f"{srv.url}/{path}")
    wait_for_app(page)
    page.get_by_role("heading", name=title, exact=True).wait_for()
    # The sidebar badge comes from app.py: proof the shell ran, not just the page file.
    page.locator('[data-testid="stSidebar"]').get_by_text(kafka_bootstrap, exact=True).wait_for()
    assert page.url.split("?")[0].rstrip("/") == f"{srv.url}/{path.split('?')[0]}".rstrip("/")
    assert real_console_errors(page) == []


def test_unreachable_cluster_shows_error_and_retry(start_server, e2e_env, page, unreachable_bootstrap):
    env = {**e2e_env, "KAFKA_BOOTSTRAP_SERVERS": unreachable_bootstrap, "KAFKA_TIMEOUT_S": "2"}
    srv = start_server(env)
    page.goto(f"{srv.url}/consumer_groups")
    error = page.get_by_text(f"Cannot reach Kafka at {unreachable_bootstrap}: connection refused")
    error.wait_for(timeout=15_000)
    assert page.get_by_role("button", name="Retry").is_visible()
    assert "Traceback" not in page.content()
