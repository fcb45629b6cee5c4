"""The Audit page: every entry of KDASH_AUDIT_LOG newest first, filterable by who,
action and cluster; admins only (without login: a loopback server's user)."""

from __future__ import annotations

from dashboard.widgets import plain
from kafka_io.access.audit import AuditEntry, append_entry

ENTRIES = [
    AuditEntry(1_796_000_000.0, "ann@example.com", "web", "prod", "produce", "orders", {"delivered": 5}),
    AuditEntry(1_796_000_001.0, "bob", "cli", "dev", "topic.create", "tmp", {"partitions": 3}),
    AuditEntry(
        1_796_000_002.0, "ann@example.com", "web", "prod", "topic.delete", "orders", {}, "refused", "viewer: no"
    ),
]


def test_the_audit_page_lists_and_filters_entries(make_app, app_env, tmp_path):
    log = tmp_path / "audit.jsonl"
    app_env.setenv("KDASH_AUDIT_LOG", str(log))
    for entry in ENTRIES:
        append_entry(entry, log)
    at = make_app("pages/audit.py").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["action"]) == ["topic.delete", "topic.create", "produce"]  # newest first
    assert list(frame["result"]) == ["refused", "ok", "ok"]
    assert list(frame["details"]) == ["", "partitions=3", "delivered=5"]
    assert list(frame["error"]) == ["viewer: no", "", ""]  # a blank cell, not a literal "None"
    assert "3 of 3 entries, newest first (times in UTC)." in [c.value for c in at.caption]
    shown = f"Showing {plain(str(log))} (set by KDASH_AUDIT_LOG): every write attempt from this dashboard"
    assert any(c.value.startswith(shown) for c in at.caption)

    at.multiselect(key="audit_who").set_value(["ann@example.com"]).run()
    assert list(at.dataframe[0].value["target"]) == ["orders", "orders"]
    at.multiselect(key="audit_action").set_value(["produce"]).run()
    assert list(at.dataframe[0].value["action"]) == ["produce"]
    at.multiselect(key="audit_who").set_value([]).run()
    at.multiselect(key="audit_action").set_value([]).run()
    at.multiselect(key="audit_cluster").set_value(["dev"]).run()
    assert list(at.dataframe[0].value["who"]) == ["bob"]
    assert "1 of 3 entries, newest first (times in UTC)." in [c.value for c in at.caption]


def test_make_run_keeps_its_audit_log_in_its_data_dir(make_app, app_env, tmp_path):
    """`make run` sets KDASH_DATA_DIR (.kafka-local): a fresh clone's page shows its own log, not ~/.kdash's."""
    data_dir = tmp_path / ".kafka-local"
    app_env.delenv("KDASH_AUDIT_LOG")
    app_env.setenv("KDASH_DATA_DIR", str(data_dir))
    append_entry(ENTRIES[1], data_dir / "audit.jsonl")
    at = make_app("pages/audit.py").run()
    assert not at.exception
    assert list(at.dataframe[0].value["who"]) == ["bob"]
    shown = f"Showing {plain(str(data_dir / 'audit.jsonl'))} (in the data directory KDASH_DATA_DIR (make run))"
    assert any(c.value.startswith(shown) for c in at.caption)


def test_an_empty_log_says_so(make_app, app_env, tmp_path):
    app_env.setenv("KDASH_AUDIT_LOG", str(tmp_path / "none.jsonl"))
    at = make_app("pages/audit.py").run()
    assert not at.exception
    assert [i.value for i in at.info] == ["No write has been attempted yet."]


def test_an_exposed_server_without_login_hides_the_log(make_app, app_env, tmp_path):
    from streamlit import config as st_config

    log = tmp_path / "audit.jsonl"
    app_env.setenv("KDASH_AUDIT_LOG", str(log))
    append_entry(ENTRIES[0], log)
    st_config.set_option("server.address", "0.0.0.0")  # app_env restores it
    at = make_app("pages/audit.py").run()
    assert not at.exception
    assert "Audit" not in [t.value for t in at.title]  # not in the navigation: the default page shows
    assert not any("who" in df.value.columns for df in at.dataframe)
