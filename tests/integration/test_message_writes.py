"""Redrive, skip and export on the real broker: byte-for-byte copies, exact counts,
refusals inside kafka_io (roles, read-only, the export switch) with one audit line each."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from produce_helpers import end_offsets, read_topic
from support.groups import busy_group, committed_offsets, consume_and_commit, produce_at
from support.kafka import create_topic
from support.messages import produce_records, read_messages

from kafka_io.access.actor import Actor
from kafka_io.access.audit import read_entries
from kafka_io.access.roles import AccessPolicy
from kafka_io.cluster import Cluster
from kafka_io.errors import InvalidInput, NotAllowed, ReadOnly
from kafka_io.groups.reset import apply_reset, plan_skip
from kafka_io.messages.export import export_messages, export_refusal, from_csv
from kafka_io.messages.model import Message
from kafka_io.messages.redrive import REDRIVE_HEADER, original_topic, redrive

POLICY = AccessPolicy(viewers=("*@example.com",), operators=("olive@example.com",))
VIEWER, OPERATOR = Actor.login("vic@example.com"), Actor.login("olive@example.com")

# Every kind of payload a dead-letter topic holds: binary, null, empty, repeated and null headers.
DLQ_RECORDS = [
    {
        "key": b"order-1",
        "value": b'{"type": "order_created", "id": 1}',
        "headers": [("kafka_dlt-original-topic", b"orders"), ("trace", b"t-1")],
    },
    {"key": b"\x00\x01\xfe\xff", "value": b"\x00\x00\x00\x00\x07\x02\xff", "headers": [("bin", b"\x00\xff")]},
    {"key": None, "value": None, "headers": [("null-value", None), ("empty", b"")]},
    {"key": b"", "value": b"", "headers": [("dup", b"1"), ("dup", b"2")]},
    {"key": b"k5", "value": 'é ✓ \n, "quoted"'.encode(), "headers": None},
]


@pytest.fixture
def audit_log(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("KDASH_AUDIT_LOG", str(path))
    return path


def audit_lines(path: Path) -> list[tuple]:
    return [(e.who, e.action, e.target, e.result, e.error) for e in read_entries(path).entries]


@pytest.fixture
def dlq(kafka_bootstrap, unique):
    topic = unique("dlq")
    create_topic(kafka_bootstrap, topic, 2)
    produce_records(kafka_bootstrap, topic, DLQ_RECORDS, partition=1)
    return topic


def test_redrive_copies_key_value_and_headers_byte_for_byte(settings, kafka_bootstrap, unique, dlq, audit_log):
    target = unique("redriven")
    create_topic(kafka_bootstrap, target, 3)
    roles = dataclasses.replace(settings, access=POLICY)
    messages = read_messages(settings, dlq, 1, 0, 10)
    assert len(messages) == 5
    assert original_topic(messages[0].headers) == "orders"
    summary = redrive(Cluster(roles), messages, target, actor=OPERATOR)
    assert (summary.requested, summary.delivered, summary.failed, summary.errors) == (5, 5, 0, ())
    copies = read_topic(settings, target, 5)
    assert len(copies) == 5
    by_source = {dict(c[4])[REDRIVE_HEADER]: c for c in copies}
    assert sorted(by_source) == [f"{dlq}/1/{o}".encode() for o in range(5)]
    for offset, record in enumerate(DLQ_RECORDS):
        _, _, key, value, headers, _ = by_source[f"{dlq}/1/{offset}".encode()]
        assert (key, value) == (record["key"], record["value"])
        assert headers == (*(record["headers"] or ()), (REDRIVE_HEADER, f"{dlq}/1/{offset}".encode()))
    (entry,) = read_entries(audit_log).entries
    assert (entry.who, entry.action, entry.target, entry.result, entry.error) == (
        "olive@example.com",
        "messages.redrive",
        target,
        "ok",
        None,
    )
    assert entry.details == {"from": f"{dlq}/1/0-4", "requested": 5, "planned": 5, "delivered": 5, "failed": 0}


def test_redrive_counts_every_refused_copy(settings, kafka_bootstrap, unique, dlq, audit_log, engine):
    """A compacted topic refuses keyless records: each copy fails, by name, and the books balance."""
    target = unique("compacted")
    create_topic(kafka_bootstrap, target, 1, {"cleanup.policy": "compact"})
    keyless = read_messages(settings, dlq, 1, 2, 1) * 3  # the same keyless event three times
    summary = redrive(Cluster(settings), keyless, target)
    assert (summary.requested, summary.delivered, summary.failed) == (3, 0, 3)
    assert summary.requested == summary.delivered + summary.failed
    assert len(summary.errors) == 3 and all(e.startswith(f"{dlq}/1/2: ") for e in summary.errors)
    assert end_offsets(settings, target) == {0: 0}
    (entry,) = read_entries(audit_log).entries
    assert (entry.result, entry.error) == ("error", "3 of 3 events failed")
    assert (entry.details["requested"], entry.details["delivered"], entry.details["failed"]) == (3, 0, 3)


def test_a_truncated_value_is_refused_not_copied_cut(settings, kafka_bootstrap, unique, dlq, audit_log):
    target = unique("not-cut")
    create_topic(kafka_bootstrap, target, 1)
    whole, cut = read_messages(settings, dlq, 1, 0, 2)
    cut = dataclasses.replace(cut, value_size=2_000_000)  # as browse holds a value over 1 MB
    with pytest.raises(InvalidInput) as refused:
        redrive(Cluster(settings), [whole, cut], target)
    assert str(refused.value) == (
        f"event {dlq}/1/1 has a 2,000,000-byte value, held cut at 1,048,576 bytes; "
        "redrive copies whole events only, so nothing was sent"
    )
    assert end_offsets(settings, target) == {0: 0}
    assert [(e.action, e.result, e.error) for e in read_entries(audit_log).entries] == [
        ("messages.redrive", "error", str(refused.value))
    ]


@pytest.fixture
def stuck_group(kafka_bootstrap, unique):
    """An EMPTY group committed at 4 of 10 on p0 and 15 of 20 on p1."""
    topic, group = unique("skip"), unique("skip-group")
    create_topic(kafka_bootstrap, topic, 2)
    start_ms = int(time.time() * 1000) - 100_000
    produce_at(kafka_bootstrap, topic, 0, [start_ms + i * 1000 for i in range(10)])
    produce_at(kafka_bootstrap, topic, 1, [start_ms + i * 1000 for i in range(20)])
    consume_and_commit(kafka_bootstrap, group, topic, {0: 4, 1: 15})
    return topic, group


def test_skip_moves_exactly_one_partition_to_n_plus_1(settings, kafka_bootstrap, stuck_group, audit_log):
    topic, group = stuck_group
    cluster = Cluster(settings)
    plan = plan_skip(cluster, group, topic, 1, 15)
    assert [(r.topic, r.partition, r.current, r.new, r.lag_before, r.lag_after, r.note) for r in plan.rows] == [
        (topic, 1, 15, 16, 5, 4, None)
    ]
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 15}  # a preview writes nothing
    apply_reset(cluster, plan)
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 16}
    with pytest.raises(InvalidInput) as past:
        plan_skip(cluster, group, topic, 1, 15)
    assert str(past.value) == f"group {group!r} is already past offset 15 on {topic}[1] (committed 16): nothing to skip"
    ahead = plan_skip(cluster, group, topic, 0, 6)
    assert [(r.new, r.note) for r in ahead.rows] == [(7, "also skips the 2 events before it (4..5)")]
    assert [(e.action, e.target, e.result, e.details) for e in read_entries(audit_log).entries] == [
        ("group.reset_offsets", group, "ok", {"to": "offset 16", "partitions": 1})
    ]


def test_skip_refuses_a_group_with_members(settings, kafka_bootstrap, unique):
    group = unique("busy-skip")
    topic = unique("busy-skip-topic")
    member = busy_group(kafka_bootstrap, topic, group)
    try:
        with pytest.raises(InvalidInput) as refused:
            plan_skip(Cluster(settings), group, topic, 0, 1)
    finally:
        member.stop()
    assert str(refused.value) == (
        f"Group '{group}' is active (STABLE, 1 member(s): billing-worker). "
        "Stop its consumers first, then reset its offsets."
    )


def test_a_viewer_is_refused_redrive_and_skip_with_one_audit_line_each(
    settings, kafka_bootstrap, unique, dlq, stuck_group, audit_log
):
    topic, group = stuck_group
    target = unique("viewer-target")
    create_topic(kafka_bootstrap, target, 1)
    roles = dataclasses.replace(settings, access=POLICY)
    cluster = Cluster(roles)
    messages = read_messages(settings, dlq, 1, 0, 2)
    with pytest.raises(NotAllowed) as refused:
        redrive(cluster, messages, target, actor=VIEWER)
    assert str(refused.value) == "viewer: redriving messages is not allowed"
    plan = plan_skip(cluster, group, topic, 0, 4)  # a preview only reads
    with pytest.raises(NotAllowed) as refused_skip:
        apply_reset(cluster, plan, actor=VIEWER)
    assert str(refused_skip.value) == "viewer: resetting offsets is not allowed"
    assert end_offsets(settings, target) == {0: 0}
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 15}
    assert audit_lines(audit_log) == [
        ("vic@example.com", "messages.redrive", target, "refused", "viewer: redriving messages is not allowed"),
        ("vic@example.com", "group.reset_offsets", group, "refused", "viewer: resetting offsets is not allowed"),
    ]


def test_read_only_refuses_redrive_and_skip_inside_kafka_io(
    settings, kafka_bootstrap, unique, dlq, stuck_group, audit_log
):
    topic, group = stuck_group
    target = unique("ro-target")
    create_topic(kafka_bootstrap, target, 1)
    read_only = dataclasses.replace(settings, read_only=True)
    cluster = Cluster(read_only)
    with pytest.raises(ReadOnly) as refused:
        redrive(cluster, read_messages(settings, dlq, 1, 0, 1), target)
    assert str(refused.value) == f"cluster '{settings.name}' is read-only: redriving messages is disabled"
    with pytest.raises(ReadOnly):
        apply_reset(cluster, plan_skip(cluster, group, topic, 0, 4))
    assert end_offsets(settings, target) == {0: 0}
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 15}
    assert [(e.action, e.result) for e in read_entries(audit_log).entries] == [
        ("messages.redrive", "refused"),
        ("group.reset_offsets", "refused"),
    ]


def test_export_is_audited_and_the_switch_refuses_it(settings, dlq, audit_log):
    messages = read_messages(settings, dlq, 1, 0, 5)
    # A viewer may export, on a read-only cluster too: export reads, it does not write.
    viewer_ro = dataclasses.replace(settings, access=POLICY, read_only=True)
    assert export_refusal(viewer_ro, VIEWER) is None
    text = export_messages(viewer_ro, messages, "csv", actor=VIEWER, topic=dlq)
    assert [Message(**row) for row in from_csv(text)] == list(messages)
    off = dataclasses.replace(settings, access=POLICY, messages_export=False)
    words = f"exporting messages is turned off on cluster '{settings.name}' ([messages] export = false in secrets.toml)"
    assert str(export_refusal(off, VIEWER)) == words
    with pytest.raises(NotAllowed) as refused:
        export_messages(off, messages, "jsonl", actor=OPERATOR, topic=dlq)
    assert str(refused.value) == words
    entries = read_entries(audit_log).entries
    assert [(e.who, e.action, e.target, e.result, e.error, e.details) for e in entries] == [
        ("vic@example.com", "messages.export", dlq, "ok", None, {"format": "csv", "count": 5}),
        ("olive@example.com", "messages.export", dlq, "refused", words, {"format": "jsonl", "count": 5}),
    ]
