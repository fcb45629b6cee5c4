"""kafka_io.settings: precedence (flags > env > secrets.toml > default), typed values,
one-line errors that name the variable, secrets never echoed, and the docs listing
every variable."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from support.table_cases import ids, message_of

from kafka_io.cli import EXIT_USAGE, main
from kafka_io.config import ENV_KEYS, load_clusters, load_settings
from kafka_io.groups.history import DEFAULT_INTERVAL_S
from kafka_io.local.engines import ENGINES as STARTABLE
from kafka_io.settings import (
    child_environment,
    file_settings,
    local_settings,
    sampler_settings,
    sections,
    server_settings,
)

ROOT = Path(__file__).resolve().parents[2]
SECRETS = '[kafka]\nbootstrap_servers = "secrets:9092"\ntimeout_s = 3\n'

PRECEDENCE = [
    # flags, environment, with secrets.toml, expected (bootstrap servers, timeout_s)
    ({}, {}, False, ("127.0.0.1:9092", 5.0)),  # 01 nothing set: the embedded broker, 5 s
    ({}, {"KAFKA_EMBEDDED_PORT": "9500"}, False, ("127.0.0.1:9500", 5.0)),  # 02 the embedded broker's port
    ({}, {}, True, ("secrets:9092", 3.0)),  # 03 secrets.toml over the defaults
    ({}, {"KAFKA_TIMEOUT_S": "7"}, True, ("secrets:9092", 7.0)),  # 04 the environment over secrets.toml
    ({}, {"KAFKA_BOOTSTRAP_SERVERS": "env:9092"}, True, ("env:9092", 5.0)),  # 05 an env cluster replaces it
    (  # 06 flags over everything
        {"bootstrap_servers": "flag:9092", "timeout_s": 2},
        {"KAFKA_BOOTSTRAP_SERVERS": "env:9092", "KAFKA_TIMEOUT_S": "7"},
        True,
        ("flag:9092", 2.0),
    ),
    ({"bootstrap_servers": "", "timeout_s": None}, {"KAFKA_TIMEOUT_S": "7"}, False, ("127.0.0.1:9092", 7.0)),  # 07
]


@pytest.mark.parametrize(("flags", "env", "with_secrets", "expected"), PRECEDENCE, ids=ids(PRECEDENCE))
def test_flags_beat_the_environment_which_beats_secrets_toml(tmp_path, flags, env, with_secrets, expected):
    secrets = tmp_path / "secrets.toml"
    if with_secrets:
        secrets.write_text(SECRETS)
    chosen = load_settings(flags, env, secrets)
    assert (chosen.bootstrap_servers, chosen.timeout_s) == expected


VALUES = [
    # loader, environment, attribute, value
    (local_settings, {}, "engine", "noida"),  # 01 default engine
    (local_settings, {"KDASH_ENGINE": " Apache "}, "engine", "apache"),  # 02 case and spaces do not matter
    (local_settings, {}, "embedded_port", 9092),  # 03
    (local_settings, {"KAFKA_EMBEDDED_PORT": "9500"}, "embedded_port", 9500),  # 04
    (local_settings, {}, "heap_opts", ("-Xmx512m",)),  # 05
    (local_settings, {"KAFKA_HEAP_OPTS": " -Xms1g  -Xmx2g "}, "heap_opts", ("-Xms1g", "-Xmx2g")),  # 06
    (local_settings, {}, "jars_dir", ROOT / ".cache" / "kafka-jars"),  # 07 the checkout's cache
    (local_settings, {"KDASH_KAFKA_JARS": "/j"}, "jars_dir", Path("/j")),  # 08
    (sampler_settings, {}, "interval_s", 5.0),  # 09
    (sampler_settings, {"KAFKA_LAG_INTERVAL_S": "2.5"}, "interval_s", 2.5),  # 10
    (sampler_settings, {"KAFKA_LAG_INTERVAL_S": " "}, "interval_s", 5.0),  # 11 blank is the default
    (sampler_settings, {}, "commit_log", True),  # 12 auto: __consumer_offsets when it can serve
    (sampler_settings, {"KAFKA_LAG_OFFSETS_SOURCE": " ADMIN "}, "commit_log", False),  # 13
    (sampler_settings, {"KAFKA_LAG_OFFSETS_SOURCE": ""}, "commit_log", True),  # 14 empty is the default
    (file_settings, {}, "data_dir", None),  # 15 not under `make run`
    (file_settings, {}, "local_data_dir", Path(".kafka-local")),  # 16
    (file_settings, {"KDASH_DATA_DIR": "/d"}, "local_data_dir", Path("/d")),  # 17
    (file_settings, {}, "templates_path", Path("~/.kdash/templates.json").expanduser()),  # 18
    (file_settings, {"KDASH_AUDIT_LOG": "/a.jsonl"}, "audit_log", Path("/a.jsonl")),  # 19
    (server_settings, {}, "debug", False),  # 20
    (server_settings, {"KDASH_DEBUG": "1"}, "debug", True),  # 21
    (server_settings, {"KDASH_DEBUG": "off"}, "debug", False),  # 22
    (server_settings, {"KDASH_ALLOW_ANONYMOUS_WRITES": "yes"}, "allow_anonymous_writes", True),  # 23
    (server_settings, {"KDASH_METRICS_TOKEN": " "}, "metrics_token", None),  # 24 blank: /metrics is open
    (server_settings, {"KDASH_PUBLIC_URL": "https://d.example"}, "public_url", "https://d.example"),  # 25
    (server_settings, {"KDASH_DEMO_AUDITED": "1"}, "demo_audited", True),  # 26
]


@pytest.mark.parametrize(("load", "env", "attribute", "value"), VALUES, ids=ids(VALUES))
def test_each_setting_is_a_typed_value(load, env, attribute, value):
    assert getattr(load(env), attribute) == value


def _clusters(env):
    return load_clusters(None, env, Path("/nonexistent/secrets.toml"))


BAD = [
    # loader, environment, the one line the user reads
    (local_settings, {"KDASH_ENGINE": "docker"}, "KDASH_ENGINE must be one of noida, apache, got 'docker'"),  # 01
    (local_settings, {"KAFKA_EMBEDDED_PORT": "abc"}, "KAFKA_EMBEDDED_PORT must be a port number (1-65535), got 'abc'"),
    (local_settings, {"KAFKA_EMBEDDED_PORT": "0"}, "KAFKA_EMBEDDED_PORT must be a port number (1-65535), got '0'"),
    (_clusters, {"KAFKA_EMBEDDED_PORT": "70000"}, "KAFKA_EMBEDDED_PORT must be a port number (1-65535), got '70000'"),
    (
        sampler_settings,
        {"KAFKA_LAG_INTERVAL_S": "fast"},
        "KAFKA_LAG_INTERVAL_S must be a number of seconds, got 'fast'",
    ),
    (
        sampler_settings,
        {"KAFKA_LAG_INTERVAL_S": "0"},
        "KAFKA_LAG_INTERVAL_S must be between 0.05 and 3600 seconds, got '0'",
    ),  # 06
    (
        sampler_settings,
        {"KAFKA_LAG_OFFSETS_SOURCE": "log"},
        "KAFKA_LAG_OFFSETS_SOURCE must be one of auto, admin, got 'log'",
    ),  # 07
    (server_settings, {"KDASH_DEBUG": "verbose"}, "KDASH_DEBUG must be 1 (on) or 0 (off), got 'verbose'"),  # 08
    (
        server_settings,
        {"KDASH_ALLOW_ANONYMOUS_WRITES": "maybe"},
        "KDASH_ALLOW_ANONYMOUS_WRITES must be 1 (on) or 0 (off), got 'maybe'",
    ),  # 09
    (_clusters, {"KAFKA_TIMEOUT_S": "soon"}, "KAFKA_TIMEOUT_S must be a number of seconds, got 'soon'"),  # 10
]


@pytest.mark.parametrize(("load", "env", "message"), BAD, ids=ids(BAD))
def test_a_bad_value_is_one_line_naming_the_variable(load, env, message):
    assert message_of(load, env) == message


def test_bad_flags_and_secrets_toml_values_name_their_source(tmp_path):
    assert message_of(load_clusters, {"timeout_s": -1}, {}, tmp_path / "none.toml") == (
        "--timeout must be between 0 and 300 seconds, got '-1'"
    )
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[kafka]\nbootstrap_servers = "h:1"\ntimeout_s = "x"\n')
    assert (
        message_of(load_clusters, None, {}, secrets)
        == f"{secrets} [kafka] timeout_s must be a number of seconds, got 'x'"
    )


def test_the_cli_says_a_bad_variable_in_one_line_without_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("KAFKA_EMBEDDED_PORT", "nine")
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.chdir("/")  # no .streamlit/secrets.toml here
    assert main(["topics"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == "error: KAFKA_EMBEDDED_PORT must be a port number (1-65535), got 'nine'\n"


def test_secrets_never_show_in_the_settings_text():
    env = {"KDASH_METRICS_TOKEN": "tok-3f9a", "KDASH_ALERT_WEBHOOK_URL": "https://hooks.example/T0-s3cret"}
    shown = repr(server_settings(env))
    assert "tok-3f9a" not in shown and "s3cret" not in shown
    assert server_settings(env).metrics_token == "tok-3f9a"


def test_children_get_this_environment_plus_what_we_say(monkeypatch):
    monkeypatch.setenv("KDASH_SETTINGS_PROBE", "parent")
    child = child_environment(KDASH_DEMO_AUDITED="1")
    assert child["KDASH_SETTINGS_PROBE"] == "parent" and child["KDASH_DEMO_AUDITED"] == "1"
    assert "KDASH_DEMO_AUDITED" not in os.environ


def test_the_defaults_agree_with_the_code_that_uses_them():
    assert sections.ENGINES == STARTABLE  # the engines settings accepts are the ones that start
    assert sections.DEFAULT_LAG_INTERVAL_S == DEFAULT_INTERVAL_S  # the pure history sizes itself on it


INTERNAL = {"KDASH_DEMO_AUDITED"}  # set by the app for the demo it restarts, not by users


def test_the_configuration_page_lists_every_variable():
    readers = [*(ROOT / "kafka_io" / "settings").glob("*.py"), ROOT / "kafka_io" / "config.py"]
    names = {n for p in readers for n in re.findall(r'"((?:KAFKA|KDASH)_[A-Z0-9_]+)"', p.read_text())}
    names |= set(ENV_KEYS)  # with the schema registry's
    assert {"KAFKA_DASHBOARD_READ_ONLY", "KDASH_DATA_DIR", "SCHEMA_REGISTRY_URL"} <= names  # the scan sees them
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)", (ROOT / "docs" / "configuration.md").read_text()))
    assert sorted(names - INTERNAL - documented) == []
