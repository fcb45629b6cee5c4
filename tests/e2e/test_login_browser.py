"""Login and roles in real Chromium, against a real OIDC provider (oidc-provider-mock:
its authorize form takes a sub, and the email claim equals the sub).

The server runs from a directory of its own whose .streamlit/secrets.toml has
[auth] and [access]: viewers *@example.com, one operator, one admin. Each role
sees exactly what it may do; kafka_io refuses the same writes
(tests/integration/test_access_writes.py) and audits every attempt.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from support.browser import real_console_errors, wait_for_app
from support.kafka import create_topic
from support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]

VIEWER, OPERATOR, ADMIN, STRANGER = "vic@example.com", "olive@example.com", "ada@example.com", "eve@elsewhere.org"
UI_TIMEOUT_MS = 30_000
PROVIDER_START_S = 30


@pytest.fixture(scope="module")
def oidc_provider(artifacts):
    port = free_port()
    log = open(artifacts / "oidc-provider.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + PROVIDER_START_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2) as response:
                json.load(response)
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oidc-provider-mock did not start") from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def login_server(oidc_provider, e2e_env, start_module_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("login-app")
    (home / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", home / ".streamlit" / "config.toml")
    port = free_port()
    (home / ".streamlit" / "secrets.toml").write_text(
        f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "test-cookie-secret-shared-by-replicas"
client_id = "kdash"
client_secret = "kdash-secret"
server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"

[access]
viewers = ["*@example.com"]
operators = ["{OPERATOR}"]
admins = ["{ADMIN}"]
"""
    )
    return start_module_server(e2e_env, cwd=home, port=port)


def log_in(page, server, email: str, path: str = "") -> None:
    page.goto(f"{server.url}/{path}")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=UI_TIMEOUT_MS)
    page.fill("input[name=sub]", email)
    page.get_by_role("button", name="Authorize").click()
    page.console_errors.clear()  # the provider's own page loads a stylesheet from the internet, unreachable here
    page.get_by_text(f"Signed in as {email}").wait_for(timeout=UI_TIMEOUT_MS)
    if path:  # the provider's callback lands on the front page
        page.goto(f"{server.url}/{path}")
        page.get_by_text(f"Signed in as {email}").wait_for(timeout=UI_TIMEOUT_MS)
    wait_for_app(page)


def nav_links(page) -> list[str]:
    return [text.split("\n")[-1] for text in page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()]


def test_nothing_about_the_cluster_shows_before_login(login_server, page, kafka_bootstrap):
    for path in ("", "topics", "produce"):
        page.goto(f"{login_server.url}/{path}")
        page.get_by_role("button", name="Log in").wait_for(timeout=UI_TIMEOUT_MS)
        wait_for_app(page)
        text = page.evaluate("document.body.innerText")
        assert kafka_bootstrap not in text and "Topics" not in text and "cluster id" not in text, text
        assert page.get_by_test_id("stSidebarNav").count() == 0


def test_a_viewer_reads_but_every_write_is_off_with_the_reason(login_server, page, kafka_bootstrap, unique):
    topic = unique("login-view")
    create_topic(kafka_bootstrap, topic, 1)
    log_in(page, login_server, VIEWER, f"topics?topic={topic}")
    page.get_by_text("role on default: viewer").wait_for()
    assert "Audit" not in nav_links(page)
    expect_disabled(page, "Create topic")
    page.goto(f"{login_server.url}/produce?topic={topic}")
    page.get_by_text("This page is disabled for you: viewer: sending events is not allowed.").wait_for(
        timeout=UI_TIMEOUT_MS
    )
    assert real_console_errors(page) == []


def test_an_operator_sends_events_but_may_not_delete_topics(login_server, page, kafka_bootstrap, unique):
    topic = unique("login-op")
    create_topic(kafka_bootstrap, topic, 1)
    log_in(page, login_server, OPERATOR, f"produce?topic={topic}")
    page.get_by_role("tab", name="Template burst").click()
    page.get_by_text("Preview of the first 3 events").wait_for(timeout=UI_TIMEOUT_MS)
    page.get_by_role("button", name="Start burst").click()
    page.get_by_role("heading", name=f"Burst to {topic}: all delivered").wait_for(timeout=UI_TIMEOUT_MS)
    page.goto(f"{login_server.url}/topics?topic={topic}")
    wait_for_app(page)
    open_delete_tab(page, topic)
    expect_disabled(page, "Delete topic")
    page.get_by_text("Some actions are off for you: operator: deleting topics is not allowed.").wait_for()
    assert "Audit" not in nav_links(page)


def test_an_admin_deletes_a_topic_and_reads_the_audit_log(login_server, page, kafka_bootstrap, unique):
    topic = unique("login-admin")
    create_topic(kafka_bootstrap, topic, 1)
    log_in(page, login_server, ADMIN, f"topics?topic={topic}")
    open_delete_tab(page, topic).fill(topic)
    page.get_by_role("button", name="Delete topic").click()
    page.get_by_text(f"Deleted topic '{topic}'.").wait_for(timeout=UI_TIMEOUT_MS)
    assert "Audit" in nav_links(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Audit").click()
    page.get_by_role("heading", name="Audit").wait_for(timeout=UI_TIMEOUT_MS)
    grid = page.locator('[data-testid="stDataFrame"]')
    grid.locator("td", has_text=topic).first.wait_for(state="attached", timeout=UI_TIMEOUT_MS)
    grid.locator("td", has_text="topic.delete").first.wait_for(state="attached")
    grid.locator("td", has_text=ADMIN).first.wait_for(state="attached")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/oauth2/end_session**", timeout=UI_TIMEOUT_MS)  # our cookie is gone by then
    page.goto(login_server.url)
    page.get_by_role("button", name="Log in").wait_for(timeout=UI_TIMEOUT_MS)


def test_a_login_in_no_list_sees_no_cluster(login_server, page):
    log_in(page, login_server, STRANGER)
    page.get_by_text(f"{STRANGER} has no access to cluster default").wait_for(timeout=UI_TIMEOUT_MS)
    assert "cluster id" not in page.evaluate("document.body.innerText")


def open_delete_tab(page, topic: str):
    """The Delete topic tab's confirm box, visible. The topics snapshot is cached for a
    few seconds, so a topic created just now shows on a later run; and an auto-refresh
    can redraw the tabs on the first one."""
    confirm = page.get_by_label(f"Type {topic} to confirm")
    for attempt in range(10):
        page.get_by_role("tab", name="Delete topic").click()
        try:
            confirm.wait_for(state="visible", timeout=2_000)
            return confirm
        except PlaywrightTimeout:
            if attempt % 2:
                page.reload()
                wait_for_app(page)
    return confirm


def expect_disabled(page, label: str) -> None:
    button = page.get_by_role("button", name=label, disabled=True)
    button.first.wait_for(timeout=UI_TIMEOUT_MS)  # visible and disabled
