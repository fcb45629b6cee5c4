"""Roles are enforced inside kafka_io, and every write attempt is audited.

Every write path, called directly with a viewer's identity (no UI in between),
raises NotAllowed with the role and the action, changes nothing, and appends
one "refused" audit line. An operator's and an admin's writes go through and
their lines say ok with counts; the CLI's lines carry the OS user and via=cli.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from produce_helpers import end_offsets
from support.groups import committed_offsets
from support.kafka import commit_offsets, create_topic, produce

from kafka_io._client import Connection, make_admin
from kafka_io.access.actor import Actor
from kafka_io.access.audit import read_entries
from kafka_io.access.roles import AccessPolicy
from kafka_io.demo.control import pause_demo
from kafka_io.demo.exits import DemoExit, restart_demo
from kafka_io.errors import InvalidInput, NotAllowed
from kafka_io.groups.reset import apply_reset, delete_group, plan_reset
from kafka_io.groups.reset_rules import parse_reset_spec
from kafka_io.produce.burst.source import plan_template_burst
from kafka_io.produce.burst.start import send_burst, start_burst
from kafka_io.produce.producer import ProducerHandle, send_one
from kafka_io.produce.target import topic_limits
from kafka_io.produce.validation import EventSpec
from kafka_io.topics.admin import add_partitions, delete_topic
from kafka_io.topics.admin import create_topic as create_topic_io

ROOT = Path(__file__).resolve().parents[2]
POLICY = AccessPolicy(viewers=("*@example.com",), operators=("olive@example.com",), admins=("ada@example.com",))
VIEWER, OPERATOR, ADMIN = (Actor.login(e) for e in ("vic@example.com", "olive@example.com", "ada@example.com"))


@pytest.fixture
def audit_log(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("KDASH_AUDIT_LOG", str(path))
    return path


def lines(path: Path) -> list[tuple]:
    return [(e.who, e.via, e.action, e.target, e.result, e.error) for e in read_entries(path).entries]


def never_called():
    raise AssertionError("a refused user must not even create a producer")


def test_every_write_path_refuses_a_viewer_changes_nothing_and_audits_it(
    settings, kafka_bootstrap, unique, audit_log, tmp_path
):
    topic, group = unique("acl-view"), unique("acl-view-group")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 3, 1: 2})
    commit_offsets(kafka_bootstrap, group, topic, {0: 1, 1: 2})
    roles = dataclasses.replace(settings, access=POLICY)
    admin = make_admin(roles)
    limits = topic_limits(Connection(admin, roles), topic)
    plan = plan_reset(Connection(admin, roles), group, parse_reset_spec("earliest"))
    burst = plan_template_burst(limits, '{"n": {{seq}}}', 10)
    handle = ProducerHandle(roles, factory=never_called)
    writes = [
        (
            "topic.create",
            "creating topics",
            "new-topic",
            lambda: create_topic_io(Connection(admin, roles), "new-topic", 1, actor=VIEWER),
        ),
        (
            "topic.add_partitions",
            "adding partitions",
            topic,
            lambda: add_partitions(Connection(admin, roles), topic, 4, actor=VIEWER),
        ),
        (
            "topic.delete",
            "deleting topics",
            topic,
            lambda: delete_topic(Connection(admin, roles), topic, topic, actor=VIEWER),
        ),
        ("produce", "sending events", topic, lambda: send_one(handle, limits, EventSpec(b"x"), actor=VIEWER)),
        ("produce", "sending events", topic, lambda: start_burst(roles, limits, burst, actor=VIEWER)),
        ("produce", "sending events", topic, lambda: send_burst(roles, limits, burst, actor=VIEWER)),
        (
            "group.reset_offsets",
            "resetting offsets",
            group,
            lambda: apply_reset(Connection(admin, roles), plan, actor=VIEWER),
        ),
        (
            "group.delete",
            "deleting consumer groups",
            group,
            lambda: delete_group(Connection(admin, roles), group, confirm=group, actor=VIEWER),
        ),
    ]
    stopped = DemoExit("stopped on request", kafka_bootstrap, unique("acl-demo"), 1.0, time.time())
    demo_dir = tmp_path / "demo"
    writes += [
        (
            "demo.start",
            "starting the demo",
            stopped.prefix,
            lambda: restart_demo(demo_dir, stopped, roles, actor=VIEWER),
        ),
        ("demo.pause", "pausing the demo", "demo", lambda: pause_demo(roles, demo_dir, True, actor=VIEWER)),
    ]
    for _, words, _, write in writes:
        with pytest.raises(NotAllowed) as refused:
            write()
        assert str(refused.value) == f"viewer: {words} is not allowed"
    assert not (demo_dir / "demo.json").exists() and not (demo_dir / "demo.log").exists()  # nothing started
    assert end_offsets(settings, topic) == {0: 3, 1: 2}
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 1, (topic, 1): 2}
    assert lines(audit_log) == [
        ("vic@example.com", "web", action, target, "refused", f"viewer: {words} is not allowed")
        for action, words, target, _ in writes
    ]


def test_an_operator_writes_but_may_not_delete_and_an_admin_may(settings, kafka_bootstrap, unique, audit_log):
    topic, group = unique("acl-op"), unique("acl-op-group")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 4})
    commit_offsets(kafka_bootstrap, group, topic, {0: 4})
    roles = dataclasses.replace(settings, access=POLICY)
    admin = make_admin(roles)
    limits = topic_limits(Connection(admin, roles), topic)
    created = unique("acl-op-new")
    create_topic_io(Connection(admin, roles), created, 2, configs="retention.ms=60000", actor=OPERATOR)
    add_partitions(Connection(admin, roles), created, 3, actor=OPERATOR)
    with pytest.raises(InvalidInput):
        add_partitions(Connection(admin, roles), created, 2, actor=OPERATOR)
    one = send_one(ProducerHandle(roles), limits, EventSpec(b'{"a": 1}'), actor=OPERATOR)
    summary = send_burst(roles, limits, plan_template_burst(limits, '{"n": {{seq}}}', 25), actor=OPERATOR)
    assert (summary.requested, summary.delivered, summary.failed) == (25, 25, 0)
    plan = plan_reset(Connection(admin, roles), group, parse_reset_spec("earliest"))
    apply_reset(Connection(admin, roles), plan, actor=OPERATOR)
    with pytest.raises(NotAllowed):
        delete_group(Connection(admin, roles), group, confirm=group, actor=OPERATOR)
    delete_group(Connection(admin, roles), group, confirm=group, actor=ADMIN)
    entries = read_entries(audit_log).entries
    assert [(e.who, e.action, e.result) for e in entries] == [
        ("olive@example.com", "topic.create", "ok"),
        ("olive@example.com", "topic.add_partitions", "ok"),
        ("olive@example.com", "topic.add_partitions", "error"),
        ("olive@example.com", "produce", "ok"),
        ("olive@example.com", "produce", "ok"),
        ("olive@example.com", "group.reset_offsets", "ok"),
        ("olive@example.com", "group.delete", "refused"),
        ("ada@example.com", "group.delete", "ok"),
    ]
    assert entries[0].details == {"partitions": 2, "replication_factor": 1, "configs": {"retention.ms": "60000"}}
    assert entries[1].details == {"to": 3, "from": 2}
    assert entries[2].details == {"to": 2, "from": 3} and entries[2].error == (
        f"topic {created!r} already has 3 partition(s); the new count must be larger (Kafka cannot remove partitions)"
    )
    assert entries[3].details == {
        "mode": "single",
        "requested": 1,
        "delivered": 1,
        "failed": 0,
        "partition": 0,
        "offset": one.offset,
    }
    assert entries[4].details == {"mode": "burst", "planned": 25, "requested": 25, "delivered": 25, "failed": 0}
    assert entries[5].details == {"to": "earliest", "partitions": 1}
    assert [e.target for e in entries] == [created, created, created, topic, topic, group, group, group]
    assert {e.cluster for e in entries} == {settings.name}


def test_the_cli_audits_as_the_os_user_and_prints_the_log(cluster_env, kafka_bootstrap, unique, audit_log):
    topic = unique("acl-cli")
    create_topic(kafka_bootstrap, topic, 1)
    env = {**cluster_env, "KDASH_AUDIT_LOG": str(audit_log)}

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "kafka_io", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    assert cli("produce", "--topic", topic, "--value", '{"a": 1}', "--count", "3").returncode == 0
    assert cli("produce", "--topic", topic, "--value", "{broken", "--format", "json").returncode == 2
    env["KAFKA_DASHBOARD_READ_ONLY"] = "1"
    refused = cli("produce", "--topic", topic, "--value", "1")
    assert (
        refused.returncode == 1
        and refused.stderr == "error: cluster 'default' is read-only: sending events is disabled\n"
    )
    env.pop("KAFKA_DASHBOARD_READ_ONLY")
    shown = cli("audit", "--format", "json", "--limit", "10")
    assert shown.returncode == 0, shown.stderr
    entries = json.loads(shown.stdout)["entries"]
    me = getpass.getuser()
    assert [(e["who"], e["via"], e["cluster"], e["action"], e["target"], e["result"]) for e in entries] == [
        (me, "cli", "default", "produce", topic, "ok"),
        (me, "cli", "default", "produce", topic, "error"),
        (me, "cli", "default", "produce", topic, "refused"),
    ]
    assert entries[0]["details"] == {"mode": "burst", "planned": 3, "requested": 3, "delivered": 3, "failed": 0}
    assert entries[1]["error"].startswith("invalid JSON in --value at line 1 column 2")
    assert entries[2]["error"] == "cluster 'default' is read-only: sending events is disabled"
    table = cli("audit", "--limit", "1")
    assert table.returncode == 0 and "refused" in table.stdout and table.stdout.startswith("AT ")
    assert os.stat(audit_log).st_size > 0
