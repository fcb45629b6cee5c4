"""Offset reset and group deletion against the real broker: every mode round
trips, active groups are refused in plain words, read-only refuses inside kafka_io."""

from __future__ import annotations

import dataclasses
import time

import pytest
from support.groups import busy_group, committed_offsets, consume_and_commit, group_ids, produce_at
from support.kafka import create_topic

from kafka_io._client import Connection, make_admin
from kafka_io.errors import InvalidInput, NotFound, ReadOnly
from kafka_io.groups.reset import apply_reset, delete_group, plan_reset
from kafka_io.groups.reset_rules import parse_reset_spec


@pytest.fixture
def empty_group(kafka_bootstrap, unique):
    """An EMPTY group committed at 4 of 10 on p0 and 15 of 20 on p1 (recent timestamps)."""
    topic, group = unique("reset"), unique("reset-group")
    create_topic(kafka_bootstrap, topic, 2)
    start_ms = int(time.time() * 1000) - 100_000
    produce_at(kafka_bootstrap, topic, 0, [start_ms + i * 1000 for i in range(10)])
    produce_at(kafka_bootstrap, topic, 1, [start_ms + i * 1000 for i in range(20)])
    consume_and_commit(kafka_bootstrap, group, topic, {0: 4, 1: 15})
    return topic, group, start_ms


RESET_CASES = [
    # mode, value, expected new offsets (p0 of 10, p1 of 20; committed at 4 and 15)
    pytest.param("earliest", None, {0: 0, 1: 0}, id="01-earliest"),
    pytest.param("latest", None, {0: 10, 1: 20}, id="02-latest"),
    pytest.param("timestamp", 6_500, {0: 7, 1: 7}, id="03-timestamp"),  # first record at >= start + 6.5 s
    pytest.param("offset", 8, {0: 8, 1: 8}, id="04-offset"),
    pytest.param("offset", 12, {0: 10, 1: 12}, id="05-offset-clamped"),
    pytest.param("shift", -3, {0: 1, 1: 12}, id="06-shift-back"),
    pytest.param("shift", 2, {0: 6, 1: 17}, id="07-shift-forward"),
]


@pytest.mark.parametrize(("mode", "value", "expected"), RESET_CASES)
def test_reset_round_trip(settings, kafka_bootstrap, empty_group, mode, value, expected):
    topic, group, start_ms = empty_group
    if mode == "timestamp":
        value += start_ms
    admin = make_admin(settings)
    plan = plan_reset(Connection(admin, settings), group, parse_reset_spec(mode, value))
    # The preview writes nothing and shows the lag the reset would leave.
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 15}
    assert {r.partition: (r.current, r.new, r.lag_after) for r in plan.rows} == {
        0: (4, expected[0], 10 - expected[0]),
        1: (15, expected[1], 20 - expected[1]),
    }
    apply_reset(Connection(admin, settings), plan)
    assert committed_offsets(kafka_bootstrap, group) == {(topic, p): o for p, o in expected.items()}


def test_reset_selected_topic_partition_only(settings, kafka_bootstrap, empty_group):
    topic, group, _ = empty_group
    admin = make_admin(settings)
    plan = plan_reset(Connection(admin, settings), group, parse_reset_spec("earliest"), partitions=[(topic, 1)])
    assert [(r.topic, r.partition, r.new) for r in plan.rows] == [(topic, 1, 0)]
    apply_reset(Connection(admin, settings), plan)
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 0}


def test_active_group_is_refused_in_plain_words(settings, kafka_bootstrap, unique):
    group = unique("busy-group")
    member = busy_group(kafka_bootstrap, unique("busy"), group)
    admin = make_admin(settings)
    try:
        refusal = (
            f"Group '{group}' is active (STABLE, 1 member(s): billing-worker). Stop its consumers first, then {{what}}."
        )
        with pytest.raises(InvalidInput) as caught:
            plan_reset(Connection(admin, settings), group, parse_reset_spec("earliest"))
        assert str(caught.value) == refusal.format(what="reset its offsets")
        with pytest.raises(InvalidInput) as caught:
            delete_group(Connection(admin, settings), group, confirm=group)
        assert str(caught.value) == refusal.format(what="delete it")
    finally:
        member.stop()
    assert group in group_ids(kafka_bootstrap)


def test_read_only_refuses_writes_inside_kafka_io(settings, kafka_bootstrap, empty_group):
    topic, group, _ = empty_group
    read_only = dataclasses.replace(settings, read_only=True)
    admin = make_admin(read_only)
    plan = plan_reset(Connection(admin, read_only), group, parse_reset_spec("earliest"))  # a preview only reads
    with pytest.raises(ReadOnly) as caught:
        apply_reset(Connection(admin, read_only), plan)
    assert str(caught.value) == f"cluster '{settings.name}' is read-only: resetting offsets is disabled"
    with pytest.raises(ReadOnly) as caught:
        delete_group(Connection(admin, read_only), group, confirm=group)
    assert str(caught.value) == f"cluster '{settings.name}' is read-only: deleting consumer groups is disabled"
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 15}


def test_delete_needs_the_exact_id_then_removes_the_group(settings, kafka_bootstrap, empty_group):
    _, group, _ = empty_group
    admin = make_admin(settings)
    with pytest.raises(InvalidInput) as caught:
        delete_group(Connection(admin, settings), group, confirm=group[:-1])
    assert str(caught.value) == f"type the group id {group!r} exactly to confirm the deletion"
    assert group in group_ids(kafka_bootstrap)
    delete_group(Connection(admin, settings), group, confirm=group)
    assert group not in group_ids(kafka_bootstrap)
    assert committed_offsets(kafka_bootstrap, group) == {}
    with pytest.raises(NotFound) as caught:
        delete_group(Connection(admin, settings), group, confirm=group)
    assert str(caught.value) == f"group {group!r} does not exist"
