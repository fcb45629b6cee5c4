"""Deleting an empty group's offsets for one topic (issue #27, OffsetDelete through
kafka-python) against the real broker, on both engines: exact read-backs with the
admin API, active groups refused in plain words, roles and read-only refused inside
kafka_io with one audit line each, and the CLI's dry run, --yes and exit codes."""

from __future__ import annotations

import dataclasses
import json

import pytest
from support.groups import GroupMember, busy_group, committed_offsets
from support.kafka import commit_offsets, create_topic, produce

from kafka_io._client import Connection, make_admin
from kafka_io.access.actor import Actor
from kafka_io.access.audit import read_entries
from kafka_io.access.roles import AccessPolicy
from kafka_io.admin.group_offsets import OffsetRow, _send, apply_offset_delete, plan_offset_delete
from kafka_io.cli import main
from kafka_io.errors import InvalidInput, NotAllowed, NotFound, ReadOnly

POLICY = AccessPolicy(viewers=("*@example.com",), operators=("olive@example.com",), admins=("ada@example.com",))
VIEWER, OPERATOR, ADMIN = (Actor.login(e) for e in ("vic@example.com", "olive@example.com", "ada@example.com"))


@pytest.fixture
def audit_log(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("KDASH_AUDIT_LOG", str(path))
    return path


@pytest.fixture
def empty_group(kafka_bootstrap, unique):
    """An EMPTY group committed on two topics: orders p0 at 2 of 5, p1 at 3 of 3; audit p0 at 4 of 4."""
    orders, audit, group = unique("od-orders"), unique("od-audit"), unique("od-group")
    create_topic(kafka_bootstrap, orders, 2)
    create_topic(kafka_bootstrap, audit, 1)
    produce(kafka_bootstrap, orders, {0: 5, 1: 3})
    produce(kafka_bootstrap, audit, {0: 4})
    commit_offsets(kafka_bootstrap, group, orders, {0: 2, 1: 3})
    commit_offsets(kafka_bootstrap, group, audit, {0: 4})
    assert committed_offsets(kafka_bootstrap, group) == {(orders, 0): 2, (orders, 1): 3, (audit, 0): 4}
    return orders, audit, group


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_one_topics_offsets_go_and_the_other_topics_stay(settings, kafka_bootstrap, empty_group, audit_log):
    orders, audit, group = empty_group
    settings = dataclasses.replace(settings, access=POLICY)
    admin = make_admin(settings)
    plan = plan_offset_delete(Connection(admin, settings), group, orders)
    assert (plan.rows, plan.lag, plan.other_topics) == ((OffsetRow(0, 2, 5, 3), OffsetRow(1, 3, 3, 0)), 3, (audit,))
    with pytest.raises(InvalidInput) as caught:
        apply_offset_delete(Connection(admin, settings), plan, confirm=group + "x", actor=ADMIN)
    refused = f"type the group id {group!r} exactly to confirm deleting its offsets"
    assert str(caught.value) == refused
    assert committed_offsets(kafka_bootstrap, group) == {(orders, 0): 2, (orders, 1): 3, (audit, 0): 4}
    assert apply_offset_delete(Connection(admin, settings), plan, confirm=f" {group} ", actor=ADMIN) == plan
    assert committed_offsets(kafka_bootstrap, group) == {(audit, 0): 4}
    with pytest.raises(InvalidInput) as caught:  # nothing left there to delete
        plan_offset_delete(Connection(admin, settings), group, orders)
    assert (
        str(caught.value) == f"group {group!r} has no committed offsets on topic {orders!r} (it has offsets on {audit})"
    )
    assert [
        (e.who, e.action, e.target, dict(e.details), e.result, e.error) for e in read_entries(audit_log).entries
    ] == [
        (ADMIN.who, "group.delete_offsets", group, {"topic": orders, "partitions": 2}, "error", refused),
        (ADMIN.who, "group.delete_offsets", group, {"topic": orders, "partitions": 2}, "ok", None),
    ]


def test_bad_names_are_refused_before_anything_is_sent(settings, kafka_bootstrap, empty_group, unique):
    orders, _, group = empty_group
    admin = make_admin(settings)
    missing_topic, missing_group = unique("od-none"), unique("od-none-group")
    for args, kind, words in (
        (("", orders), InvalidInput, "the group id is empty"),
        (
            (group, "no-such/topic"),
            InvalidInput,
            "topic name has '/' at position 8; use only letters, digits, '.', '_' and '-'",
        ),
        ((group, missing_topic), NotFound, f"topic {missing_topic!r} does not exist"),
        ((missing_group, orders), NotFound, f"group {missing_group!r} does not exist"),
    ):
        with pytest.raises(kind) as caught:
            plan_offset_delete(Connection(admin, settings), *args)
        assert str(caught.value) == words
    assert committed_offsets(kafka_bootstrap, group)[(orders, 0)] == 2


def test_an_active_group_is_refused_in_plain_words(settings, kafka_bootstrap, unique):
    topic, group = unique("od-busy"), unique("od-busy-group")
    member = busy_group(kafka_bootstrap, topic, group)
    admin = make_admin(settings)
    try:
        with pytest.raises(InvalidInput) as caught:
            plan_offset_delete(Connection(admin, settings), group, topic)
        assert str(caught.value) == (
            f"Group '{group}' is active (STABLE, 1 member(s): billing-worker). "
            "Stop its consumers first, then delete its offsets."
        )
    finally:
        member.stop()


def test_consumers_that_start_after_the_preview_are_refused_and_nothing_goes(
    settings, kafka_bootstrap, empty_group, engine
):
    orders, audit, group = empty_group
    admin = make_admin(settings)
    plan = plan_offset_delete(Connection(admin, settings), group, orders)
    member = GroupMember(kafka_bootstrap, group, [orders], commit="never", client_id="late-worker").wait_assigned()
    try:
        with pytest.raises(InvalidInput) as caught:
            apply_offset_delete(Connection(admin, settings), plan, confirm=group)
        assert str(caught.value) == (
            f"Group '{group}' is active (STABLE, 1 member(s): late-worker). "
            "Stop its consumers first, then delete its offsets."
        )
        if engine != "noida":
            # Past our check (a consumer starting in between): Kafka's own refusal, in the same words.
            # noida-db 0.2.3 does not refuse it (GROUP_SUBSCRIBED_TO_TOPIC): it deletes, so our check is the guard.
            with pytest.raises(InvalidInput) as caught:
                _send(settings, plan)
            assert (
                str(caught.value)
                == f"Group '{group}' became active. Stop its consumers first, then delete its offsets."
            )
    finally:
        member.stop()
    assert committed_offsets(kafka_bootstrap, group) == {(orders, 0): 2, (orders, 1): 3, (audit, 0): 4}


def test_viewer_and_operator_are_refused_by_role_and_read_only_refuses_all(
    settings, kafka_bootstrap, empty_group, audit_log
):
    orders, audit, group = empty_group
    roles = dataclasses.replace(settings, access=POLICY)
    admin = make_admin(roles)
    plan = plan_offset_delete(Connection(admin, roles), group, orders)  # a preview only reads: any role
    for who, role in ((VIEWER, "viewer"), (OPERATOR, "operator")):
        with pytest.raises(NotAllowed) as caught:
            apply_offset_delete(Connection(admin, roles), plan, confirm=group, actor=who)
        assert str(caught.value) == f"{role}: deleting a group's offsets is not allowed"
    read_only = dataclasses.replace(roles, read_only=True)
    with pytest.raises(ReadOnly) as caught:
        apply_offset_delete(Connection(admin, read_only), plan, confirm=group, actor=ADMIN)
    assert str(caught.value) == f"cluster '{settings.name}' is read-only: deleting a group's offsets is disabled"
    assert committed_offsets(kafka_bootstrap, group) == {(orders, 0): 2, (orders, 1): 3, (audit, 0): 4}
    assert [(e.who, e.action, e.target, e.result, e.error) for e in read_entries(audit_log).entries] == [
        (VIEWER.who, "group.delete_offsets", group, "refused", "viewer: deleting a group's offsets is not allowed"),
        (OPERATOR.who, "group.delete_offsets", group, "refused", "operator: deleting a group's offsets is not allowed"),
        (ADMIN.who, "group.delete_offsets", group, "refused", str(caught.value)),
    ]


def test_cli_dry_run_then_yes_and_its_exit_codes(kafka_bootstrap, empty_group, unique, capsys, audit_log):
    orders, audit, group = empty_group
    base = ("delete-offsets", "--bootstrap", kafka_bootstrap, "--group", group)
    code, out, err = run_cli(capsys, *base, "--topic", orders)
    assert (code, err) == (
        0,
        f"dry run: nothing was changed; add --yes to delete the offsets on 2 partition(s) of {orders!r}\n",
    )
    assert [line.split() for line in out.splitlines()] == [
        ["TOPIC", "PARTITION", "COMMITTED", "END", "LAG"],
        [orders, "0", "2", "5", "3"],
        [orders, "1", "3", "3", "0"],
    ]
    assert committed_offsets(kafka_bootstrap, group) == {(orders, 0): 2, (orders, 1): 3, (audit, 0): 4}
    code, out, err = run_cli(capsys, *base, "--topic", orders, "--yes", "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "group": group,
        "topic": orders,
        "executed": True,
        "lag": 3,
        "kept_topics": [audit],
        "partitions": [
            {"partition": 0, "committed": 2, "high": 5, "lag": 3},
            {"partition": 1, "committed": 3, "high": 3, "lag": 0},
        ],
    }
    assert committed_offsets(kafka_bootstrap, group) == {(audit, 0): 4}
    assert [(e.via, e.action, e.result) for e in read_entries(audit_log).entries] == [
        ("cli", "group.delete_offsets", "ok")
    ]
    missing = unique("od-none")
    assert run_cli(capsys, *base, "--topic", "bad topic") == (
        2,
        "",
        "error: topic name has ' ' at position 4; use only letters, digits, '.', '_' and '-'\n",
    )
    assert run_cli(capsys, *base, "--topic", missing, "--yes") == (1, "", f"error: topic {missing!r} does not exist\n")
    assert committed_offsets(kafka_bootstrap, group) == {(audit, 0): 4}
