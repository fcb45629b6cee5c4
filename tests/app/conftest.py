"""AppTest fixtures: the app against the real test broker, with fresh caches."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit import config as st_config
from streamlit.runtime.secrets import secrets_singleton
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
# AppTest's 3 s default is too short on this 2-core machine.
APP_TIMEOUT_S = 30


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
    # st.secrets keeps the first secrets.toml it read, from that test's working directory: a
    # test's [auth] would otherwise put every later test of the process behind a login screen.
    secrets_singleton._reset()


@pytest.fixture
def app_env(monkeypatch, cluster_env, tmp_path):
    """Point the app at the test cluster, with no secrets.toml and default flags."""
    for key in list(__import__("os").environ):
        if key.startswith("KAFKA_"):
            monkeypatch.delenv(key)
    for key, value in cluster_env.items():
        if key.startswith("KAFKA_"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # so no developer's .streamlit/secrets.toml is read
    # ...nor our .streamlit/config.toml: bind to loopback as it does (an exposed server without login is read-only)
    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")
    yield monkeypatch
    st_config.set_option("server.address", previous)


@pytest.fixture
def make_app(app_env):
    def make(page: str | None = None, query: dict | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
        if query:
            at.query_params.update(query)
        if page:
            # Each AppTest run starts like a fresh server (legacy pages/ mode), so
            # this exercises the deep-link path where the page draws the shell.
            at.switch_page(page)
        return at

    return make
