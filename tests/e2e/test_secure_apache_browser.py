"""A secured Apache Kafka in Chromium (issue #13, items 2 and 3): the app connects with
SASL_SSL (SCRAM-SHA-512) environment settings as bob, whose ACLs allow one topic. The
Topics page lists that topic, and a link to the other says "not authorized"; with a
wrong password the Overview shows the one-line authentication error, no traceback and
no password.

It starts its own secured Apache Kafka node, whatever engine the session runs."""

from __future__ import annotations

import pytest
from support.browser import wait_for_app
from support.secure_kafka import OPEN, SECRET, sasl_env, seed, start_secure_node

from kafka_io.local import apache

APP_TIMEOUT_S = 3
SHOWN_MS = 60_000
WRONG = "not-bobs-Pa55word-31337"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    started = start_secure_node(tmp_path_factory.mktemp("secure-e2e"))
    try:
        seed(started)
        yield started
    finally:
        apache.stop_cluster(started.data_dir)


def app_env(e2e_env: dict[str, str], node, password: str | None = None) -> dict[str, str]:
    clean = {k: v for k, v in e2e_env.items() if not k.startswith("KAFKA_")}
    return {**clean, **sasl_env(node, "bob", password), "KAFKA_TIMEOUT_S": str(APP_TIMEOUT_S)}


def test_bob_sees_his_topic_and_not_authorized_for_the_other(node, start_server, e2e_env, page, artifacts):
    srv = start_server(app_env(e2e_env, node))
    page.goto(f"{srv.url}/topics")
    wait_for_app(page)
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for(timeout=SHOWN_MS)
    # Only his: Kafka leaves the other out of bob's metadata altogether.
    page.get_by_text("1 of 1 topic(s)").wait_for(timeout=SHOWN_MS)

    page.goto(f"{srv.url}/topics?topic={SECRET}")
    wait_for_app(page)
    page.get_by_text(f"Not authorized to describe topic '{SECRET}' (Kafka does not say whether it exists).").wait_for(
        timeout=SHOWN_MS
    )
    page.screenshot(path=str(artifacts / "secure-topics-not-authorized.png"))
    assert "does not exist (deleted" not in page.content()
    assert "Traceback" not in page.content()

    page.goto(f"{srv.url}/topics?topic={OPEN}")
    wait_for_app(page)
    page.get_by_test_id("stMetric").filter(has_text="Messages").get_by_text("6", exact=True).wait_for(timeout=SHOWN_MS)


def test_a_wrong_password_is_one_line_on_the_overview(node, start_server, e2e_env, page, artifacts):
    srv = start_server(app_env(e2e_env, node, WRONG))
    page.goto(srv.url)
    wait_for_app(page)
    line = (
        f"authentication failed for user bob (SCRAM-SHA-512) at {node.sasl_ssl}: "
        "the broker refused the username or password"
    )
    page.get_by_text(line).first.wait_for(timeout=SHOWN_MS)
    page.screenshot(path=str(artifacts / "secure-overview-wrong-password.png"))
    content = page.content()
    assert WRONG not in content
    assert "Traceback" not in content
    assert "timed out" not in content and "no answer within" not in content
    assert WRONG not in srv.log_text()
