"""The app shell: navigation, connection badge, and the unreachable-cluster error."""

from __future__ import annotations

import time

import pytest

PAGES = [
    ("pages/overview.py", "Overview"),
    ("pages/topics.py", "Topics"),
    ("pages/consumer_groups.py", "Consumer groups"),
    ("pages/produce.py", "Produce"),
    ("pages/live_events.py", "Live events"),
    ("pages/brokers.py", "Brokers"),
    ("pages/acls.py", "ACLs"),
]


def sidebar_text(at) -> str:
    return (
        " ".join(str(m.value) for m in at.sidebar.markdown) + " " + " ".join(str(c.value) for c in at.sidebar.caption)
    )


def test_shell_shows_the_connection_badge(make_app, kafka_bootstrap):
    at = make_app().run()
    assert not at.exception
    assert f"`{kafka_bootstrap}`" in sidebar_text(at)
    assert "cluster id: " in sidebar_text(at)
    assert "cluster id: unknown" not in sidebar_text(at)
    assert "external" in sidebar_text(at)


@pytest.mark.parametrize("page, title", PAGES, ids=[t for _, t in PAGES])
def test_every_page_renders_behind_the_shell(make_app, page, title):
    at = make_app(page).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == title


def test_read_only_flag_shows_in_the_badge(make_app, app_env):
    app_env.setenv("KAFKA_DASHBOARD_READ_ONLY", "1")
    at = make_app().run()
    assert "read-only" in sidebar_text(at)


TIMEOUT_S = 3


@pytest.mark.parametrize("page, title", PAGES, ids=[t for _, t in PAGES])
def test_unreachable_cluster_shows_one_clear_error_and_retry(make_app, app_env, unreachable_bootstrap, page, title):
    app_env.setenv("KAFKA_BOOTSTRAP_SERVERS", unreachable_bootstrap)
    app_env.setenv("KAFKA_TIMEOUT_S", str(TIMEOUT_S))
    at = make_app(page)
    started = time.monotonic()
    at.run()
    elapsed = time.monotonic() - started
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"Cannot reach Kafka at {unreachable_bootstrap}: connection refused (is the broker running?)"
    ]
    assert [b.label for b in at.button] == ["Retry"]
    # One timeout at most (then a TCP probe names the reason), not one per call: chained
    # timeouts would take 2 x 3 s or more. A loaded runner drew the page 2.2 s after a 2 s
    # timeout (2026-12-08), so the timeout is 3 s: the slack is a whole timeout.
    assert elapsed < 2 * TIMEOUT_S


def test_bad_configuration_names_the_key(make_app, app_env):
    app_env.setenv("KAFKA_BOOTSTRAP_SERVERS", "no-port-here")
    at = make_app().run()
    assert not at.exception
    assert len(at.error) == 1
    assert "bootstrap_servers must be HOST:PORT" in at.error[0].value


def test_several_clusters_offer_a_picker(make_app, app_env, tmp_path, kafka_bootstrap):
    app_env.delenv("KAFKA_BOOTSTRAP_SERVERS")
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'[clusters.local]\nbootstrap_servers = "{kafka_bootstrap}"\n'
        f'[clusters.other]\nbootstrap_servers = "{kafka_bootstrap}"\nread_only = true\n'
    )
    at = make_app().run()
    picker = at.sidebar.selectbox(key="cluster")
    assert picker.options == ["local", "other"]
    picker.select("other").run()
    assert "read-only" in sidebar_text(at)


def test_sidebar_says_when_make_runs_broker_exited(make_app, app_env, tmp_path):
    """serve (make run) writes a notice when its broker exits; the sidebar shows it,
    and stops showing it once serve clears it (tests/integration/test_serve.py)."""
    from kafka_io.local.notices import clear_broker_notice, write_broker_notice

    app_env.setenv("KDASH_DATA_DIR", str(tmp_path))
    at = make_app().run()
    assert not at.sidebar.error
    write_broker_notice(tmp_path, "The embedded broker (pid 4242) exited with code 0 at 14:16:19.")
    at.run()
    assert [e.value for e in at.sidebar.error] == ["The embedded broker (pid 4242) exited with code 0 at 14:16:19."]
    clear_broker_notice(tmp_path)
    at.run()
    assert not at.sidebar.error
