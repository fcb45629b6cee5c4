"""Table tests for roles, [access] lists, exposure, refusals and the audit file (no broker)."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace

import pytest

from kafka_io.access.actor import Actor, anonymous_read_only_reason, is_loopback
from kafka_io.access.audit import AuditEntry, append_entry, audit_path, audit_path_reason, read_entries
from kafka_io.access.guard import refusal, write_guard
from kafka_io.access.roles import ACTIONS, AccessPolicy, Role, parse_access
from kafka_io.config import ClusterSettings, load_clusters
from kafka_io.errors import InvalidInput, NotAllowed, ReadOnly
from kafka_io.settings import file_settings, server_settings

POLICY = AccessPolicy(viewers=("*@example.com",), operators=("olive@example.com",), admins=("ada@example.com",))

ROLE_CASES = [
    # 1-3. each list; the highest matching role wins
    pytest.param("vic@example.com", Role.VIEWER, id="01-viewer-by-domain"),
    pytest.param("olive@example.com", Role.OPERATOR, id="02-operator-also-matches-viewers"),
    pytest.param("ADA@Example.com", Role.ADMIN, id="03-case-insensitive"),
    # 4-6. no match: no role at all
    pytest.param("eve@elsewhere.org", None, id="04-other-domain"),
    pytest.param("eve@example.com.evil.org", None, id="05-domain-suffix-trick"),
    pytest.param("", None, id="06-no-email"),
]


@pytest.mark.parametrize("email, role", ROLE_CASES)
def test_role_of_an_email(email, role):
    assert POLICY.role_of(email) == role


def test_star_grants_everyone():
    assert AccessPolicy(operators=("*",)).role_of("anyone@anywhere.io") == Role.OPERATOR


ACCESS_ERRORS = [
    pytest.param(["x"], "[access] must be a table with viewers, operators and admins lists", id="01-not-a-table"),
    pytest.param({"readers": []}, "[access]: unknown key 'readers' (expected viewers, operators, admins)", id="02-key"),
    pytest.param({"admins": "a@b.c"}, "[access]: admins must be a list of emails, '*@domain' or '*'", id="03-str"),
    pytest.param({"admins": ["bob"]}, "[access]: admins entry 'bob' is not an email, '*@domain' or '*'", id="04-email"),
    pytest.param({"viewers": ["*@*.com"]}, "[access]: viewers entry '*@*.com' is not an email, '*@domain' or '*'"),
]


@pytest.mark.parametrize("table, message", ACCESS_ERRORS)
def test_bad_access_tables_are_refused_in_plain_words(table, message):
    with pytest.raises(InvalidInput) as exc:
        parse_access(table, "[access]")
    assert str(exc.value) == message


def test_a_clusters_own_access_replaces_only_the_lists_it_names(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        """
[access]
viewers = ["*@example.com"]
admins = ["ada@example.com"]

[clusters.prod]
bootstrap_servers = "prod:9092"
[clusters.prod.access]
admins = ["root@example.com"]

[clusters.dev]
bootstrap_servers = "dev:9092"
"""
    )
    clusters = load_clusters(env={}, secrets_path=secrets)
    assert clusters["prod"].access == AccessPolicy(viewers=("*@example.com",), admins=("root@example.com",))
    assert clusters["dev"].access == AccessPolicy(viewers=("*@example.com",), admins=("ada@example.com",))
    # the environment's cluster and the embedded one read [access] too
    assert load_clusters(env={"KAFKA_BOOTSTRAP_SERVERS": "h:1"}, secrets_path=secrets)["default"].access.admins == (
        "ada@example.com",
    )


LOOPBACK = [
    ("127.0.0.1", True),
    ("127.1.2.3", True),
    ("::1", True),
    ("[::1]", True),
    ("localhost", True),
    ("0.0.0.0", False),
    ("", False),
    (None, False),
    ("10.1.2.3", False),
    ("dashboard.example.com", False),
]


@pytest.mark.parametrize("address, loopback", LOOPBACK)
def test_loopback_addresses(address, loopback):
    assert is_loopback(address) is loopback


EXPOSURE = [
    # address, login configured, KDASH_ALLOW_ANONYMOUS_WRITES, read-only?
    pytest.param("127.0.0.1", False, None, False, id="01-laptop"),
    pytest.param("0.0.0.0", False, None, True, id="02-exposed"),
    pytest.param("", False, None, True, id="03-every-interface"),
    pytest.param("0.0.0.0", True, None, False, id="04-login-decides"),
    pytest.param("0.0.0.0", False, "1", False, id="05-explicitly-allowed"),
    pytest.param("0.0.0.0", False, "0", True, id="06-switched-off"),
]


@pytest.mark.parametrize("address, login, allow, read_only", EXPOSURE)
def test_an_exposed_server_without_login_is_read_only(address, login, allow, read_only):
    env = {} if allow is None else {"KDASH_ALLOW_ANONYMOUS_WRITES": allow}
    reason = anonymous_read_only_reason(address, login, server_settings(env).allow_anonymous_writes)
    assert (reason is not None) is read_only
    if reason:
        assert "no login is configured, so it is read-only" in reason and "KDASH_ALLOW_ANONYMOUS_WRITES=1" in reason


SETTINGS = replace(ClusterSettings(), name="prod", access=POLICY)
REFUSALS = [
    # actor, action, expected refusal (None: allowed)
    pytest.param(Actor.login("vic@example.com"), "produce", "viewer: sending events is not allowed", id="01"),
    pytest.param(Actor.login("olive@example.com"), "produce", None, id="02-operator-sends"),
    pytest.param(Actor.login("olive@example.com"), "group.reset_offsets", None, id="03-operator-resets"),
    pytest.param(Actor.login("olive@example.com"), "topic.delete", "operator: deleting topics is not allowed"),
    pytest.param(Actor.login("olive@example.com"), "group.delete", "operator: deleting consumer groups is not allowed"),
    pytest.param(Actor.login("ada@example.com"), "topic.delete", None, id="06-admin-deletes"),
    pytest.param(
        Actor.login("eve@elsewhere.org"),
        "produce",
        "eve@elsewhere.org has no role on cluster 'prod': sending events is not allowed",
        id="07-no-role",
    ),
    pytest.param(Actor.anonymous(), "topic.delete", None, id="08-anonymous-on-loopback"),
    pytest.param(Actor("ops", "cli"), "group.delete", None, id="09-cli-user"),
    pytest.param(Actor.login("vic@example.com"), "messages.export", None, id="10-viewer-exports"),
    pytest.param(
        Actor.login("vic@example.com"), "messages.redrive", "viewer: redriving messages is not allowed", id="11"
    ),
    pytest.param(Actor.login("olive@example.com"), "messages.redrive", None, id="12-operator-redrives"),
    pytest.param(
        Actor.login("eve@elsewhere.org"),
        "messages.export",
        "eve@elsewhere.org has no role on cluster 'prod': exporting messages is not allowed",
        id="13-no-role-no-export",
    ),
]


@pytest.mark.parametrize("actor, action, message", REFUSALS)
def test_refusals_say_the_role_and_the_action(actor, action, message):
    refused = refusal(SETTINGS, actor, action)
    assert (None if refused is None else str(refused)) == message
    if refused is not None:
        assert isinstance(refused, NotAllowed)


def test_a_login_without_access_lists_is_a_viewer():
    assert str(refusal(ClusterSettings(name="x"), Actor.login("a@b.c"), "produce")) == (
        "viewer: sending events is not allowed"
    )


def test_read_only_comes_before_the_role():
    refused = refusal(replace(SETTINGS, read_only=True), Actor.login("ada@example.com"), "topic.delete")
    assert isinstance(refused, ReadOnly) and str(refused) == "cluster 'prod' is read-only: deleting topics is disabled"


def test_read_only_refuses_writes_not_the_audited_export():
    read_only = replace(SETTINGS, read_only=True)
    assert refusal(read_only, Actor.login("vic@example.com"), "messages.export") is None
    assert isinstance(refusal(read_only, Actor.login("ada@example.com"), "messages.redrive"), ReadOnly)


AUDIT_PATHS = [
    # environment, the audit log, why (what the Audit page and `make run` say)
    ({"KDASH_AUDIT_LOG": "/x/a.jsonl", "KDASH_DATA_DIR": "/d"}, "/x/a.jsonl", "set by KDASH_AUDIT_LOG"),  # 01.
    ({"KDASH_DATA_DIR": "/d"}, "/d/audit.jsonl", "in the data directory KDASH_DATA_DIR (make run)"),  # 02.
    ({}, os.path.expanduser("~/.kdash/audit.jsonl"), "the default; set KDASH_AUDIT_LOG to choose another"),  # 03.
    ({"KDASH_AUDIT_LOG": "", "KDASH_DATA_DIR": ""}, os.path.expanduser("~/.kdash/audit.jsonl"), None),  # 04. blank
]


@pytest.mark.parametrize("env, path, reason", AUDIT_PATHS, ids=[f"{i:02d}" for i in range(1, 5)])
def test_which_audit_log(env, path, reason):
    assert str(audit_path(file_settings(env))) == path
    assert reason is None or audit_path_reason(file_settings(env)) == reason


def test_every_action_names_a_role_and_words():
    assert all(isinstance(role, Role) and words for role, words in ACTIONS.values())


def test_the_guard_audits_refusals_errors_and_successes(tmp_path, monkeypatch):
    log = tmp_path / "audit" / "audit.jsonl"
    monkeypatch.setenv("KDASH_AUDIT_LOG", str(log))
    viewer, admin = Actor.login("vic@example.com"), Actor.login("ada@example.com")
    with pytest.raises(NotAllowed), write_guard(SETTINGS, viewer, "topic.delete", "orders"):
        raise AssertionError("the body of a refused write never runs")
    with pytest.raises(InvalidInput), write_guard(SETTINGS, admin, "topic.delete", "orders", {"n": 1}):
        raise InvalidInput("type the topic name 'orders' exactly to confirm the delete")
    with write_guard(SETTINGS, admin, "topic.delete", "orders") as note:
        note.details["partitions"] = 3
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(x["who"], x["via"], x["cluster"], x["action"], x["target"], x["result"], x["error"]) for x in lines] == [
        (
            "vic@example.com",
            "web",
            "prod",
            "topic.delete",
            "orders",
            "refused",
            "viewer: deleting topics is not allowed",
        ),
        (
            "ada@example.com",
            "web",
            "prod",
            "topic.delete",
            "orders",
            "error",
            "type the topic name 'orders' exactly to confirm the delete",
        ),
        ("ada@example.com", "web", "prod", "topic.delete", "orders", "ok", None),
    ]
    assert [x["details"] for x in lines] == [{}, {"n": 1}, {"partitions": 3}]
    assert set(lines[0]) == {"at", "who", "via", "cluster", "action", "target", "details", "result", "error"}
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600  # emails and names: the owner's only


def test_an_unwritable_audit_log_refuses_the_write_before_it_happens(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("KDASH_AUDIT_LOG", str(blocker / "audit.jsonl"))  # a path under a file
    ran = []
    with pytest.raises(InvalidInput) as exc, write_guard(SETTINGS, Actor.login("ada@example.com"), "produce", "t"):
        ran.append(1)
    assert ran == [] and str(exc.value).startswith(f"cannot write the audit log {blocker / 'audit.jsonl'}: ")


def test_reading_the_log_skips_broken_lines_and_keeps_the_newest(tmp_path):
    log = tmp_path / "audit.jsonl"
    for n in range(5):
        append_entry(AuditEntry(float(n), "w", "cli", "c", "produce", f"t{n}"), log)
    with open(log, "a") as f:
        f.write("{not json\n\n")
    read = read_entries(log, limit=2)
    assert [e.target for e in read.entries] == ["t3", "t4"] and read.unreadable_lines == 1
    assert read_entries(tmp_path / "missing.jsonl").entries == ()


def test_the_shipped_streamlit_config_keeps_xsrf_protection_and_binds_to_loopback():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["server"].get("enableXsrfProtection", True) is True  # the login cookie relies on it
    assert is_loopback(config["server"]["address"])  # `make run` keeps full rights without login
