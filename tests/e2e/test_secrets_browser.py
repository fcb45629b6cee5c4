"""SASL credentials never reach the browser or the app's log, in real Chromium.

The embedded broker accepts any SASL/PLAIN credentials, so the app really
connects with them. Every page is visited (and the sidebar's Connection
settings opened, where the password shows masked), one event is sent through
the SASL producer, and the page HTML, its visible text and the server's whole
log (librdkafka's lines included: KDASH_DEBUG=1) are searched for the password.
"""

from __future__ import annotations

import os

import pytest
from support.browser import real_console_errors, wait_for_app
from support.kafka import commit_offsets, create_topic, produce

PASSWORD = "Br0wser-S3cret-Pa55word-never-shown"
USERNAME = "alice"
UI_TIMEOUT_MS = 20_000


def sasl_env(e2e_env: dict[str, str], bootstrap: str) -> dict[str, str]:
    return {
        **e2e_env,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "PLAIN",
        "KAFKA_SASL_USERNAME": USERNAME,
        "KAFKA_SASL_PASSWORD": PASSWORD,
        "KAFKA_TIMEOUT_S": "2",
        "KDASH_DEBUG": "1",
    }


def assert_password_absent(page, server) -> None:
    assert PASSWORD not in page.content()
    assert PASSWORD not in page.evaluate("document.body.innerText")
    assert PASSWORD not in server.log_text()


def open_connection_settings(page) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Connection settings").click()
    settings = sidebar.get_by_test_id("stCode")
    settings.get_by_text("sasl.password = ********").wait_for()
    settings.get_by_text(f"sasl.username = {USERNAME}").wait_for()


@pytest.mark.skipif(bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="needs the embedded broker's SASL/PLAIN")
def test_every_page_with_sasl_credentials_never_shows_or_logs_the_password(
    start_server, e2e_env, page, kafka_bootstrap, unique
):
    topic, group = unique("sasl"), unique("sasl-group")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 3})
    commit_offsets(kafka_bootstrap, group, topic, {0: 1})
    srv = start_server(sasl_env(e2e_env, kafka_bootstrap))
    pages = [
        ("", "Overview"),
        (f"topics?topic={topic}", "Topics"),
        (f"consumer_groups?group={group}", "Consumer groups"),
        (f"live_events?topic={topic}&from=earliest", "Live events"),
        (f"produce?topic={topic}", "Produce"),
    ]
    for path, title in pages:
        page.goto(f"{srv.url}/{path}")
        wait_for_app(page)
        page.get_by_role("heading", name=title, exact=True).wait_for(timeout=UI_TIMEOUT_MS)
        open_connection_settings(page)
        assert page.get_by_text("Cannot reach Kafka").count() == 0  # connected with the credentials
        assert_password_absent(page, srv)
    # The producer authenticates too: send the form's example event.
    page.get_by_role("button", name="Send one").click()
    page.get_by_text(f"Delivered to {topic} partition 0 at offset 3").wait_for(timeout=UI_TIMEOUT_MS)
    assert_password_absent(page, srv)
    assert "Sending SASL PLAIN (builtin) authentication token" in srv.log_text()  # the log we searched is verbose
    assert real_console_errors(page) == []


def test_a_failed_connection_with_sasl_credentials_never_shows_or_logs_the_password(
    start_server, e2e_env, page, unreachable_bootstrap
):
    srv = start_server(sasl_env(e2e_env, unreachable_bootstrap))
    page.goto(f"{srv.url}/topics")
    page.get_by_text(f"Cannot reach Kafka at {unreachable_bootstrap}: connection refused").wait_for(
        timeout=UI_TIMEOUT_MS
    )
    open_connection_settings(page)
    assert_password_absent(page, srv)
