"""Faults in real Chromium: a broker that is down when the app starts, then comes up."""

from __future__ import annotations

import time

from support.browser import real_console_errors, wait_for_app
from support.ports import free_port

from kafka_io.local.noida import start_broker, stop_broker

TIMEOUT_S = 2
RECOVERY_S = 10


def test_broker_down_at_start_then_pages_recover_by_themselves(start_server, e2e_env, page, tmp_path):
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    srv = start_server({**e2e_env, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_TIMEOUT_S": str(TIMEOUT_S)})
    started = time.monotonic()
    page.goto(f"{srv.url}/topics")
    page.get_by_text(f"Cannot reach Kafka at {bootstrap}: connection refused").wait_for(
        timeout=(TIMEOUT_S + 1 + 10) * 1000  # + page load on a fresh server
    )
    # The error and its Retry button arrive as separate deltas of one run: wait for the button too
    # (a loaded clean-clone run read the button before it was drawn).
    page.get_by_role("button", name="Retry").wait_for(state="visible", timeout=10_000)
    assert "Traceback" not in page.content()
    assert time.monotonic() - started < TIMEOUT_S + 1 + 10

    start_broker(port, tmp_path / "late-broker")
    try:
        up_at = time.monotonic()
        page.get_by_role("heading", name="Topics", exact=True).wait_for(timeout=RECOVERY_S * 1000)
        assert time.monotonic() - up_at < RECOVERY_S
        wait_for_app(page)
        assert page.get_by_text("Cannot reach Kafka").count() == 0
        assert page.locator('[data-testid="stSidebar"]').get_by_text(bootstrap, exact=True).is_visible()
        assert real_console_errors(page) == []
    finally:
        stop_broker(tmp_path / "late-broker")
