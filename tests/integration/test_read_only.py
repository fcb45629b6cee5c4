"""Read-only mode is enforced inside kafka_io: EVERY write path, called directly
(no UI in between), raises ReadOnly with its message, and the broker is unchanged.

The write paths: topic_admin (create, add partitions, delete), producer (one
event, a burst started or run to the end), offsets (reset apply, group delete),
and the demo workload (topics, events, group offsets).
Reads still work on a read-only cluster: limits and the reset preview are
computed here first.
"""

from __future__ import annotations

import dataclasses

import pytest
from produce_helpers import end_offsets
from support.groups import committed_offsets, group_ids
from support.kafka import commit_offsets, create_topic, produce

from kafka_io._client import Connection, make_admin
from kafka_io.demo.control import run_demo
from kafka_io.demo.plan import DemoPlan
from kafka_io.errors import ReadOnly
from kafka_io.groups.reset import apply_reset, delete_group, plan_reset
from kafka_io.groups.reset_rules import parse_reset_spec
from kafka_io.produce.burst.source import plan_template_burst
from kafka_io.produce.burst.start import send_burst, start_burst
from kafka_io.produce.producer import ProducerHandle, send_one
from kafka_io.produce.target import topic_limits
from kafka_io.produce.validation import EventSpec
from kafka_io.topics.admin import add_partitions, delete_topic
from kafka_io.topics.admin import create_topic as create_topic_io
from kafka_io.topics.snapshot import read_metadata


def broker_state(settings, bootstrap: str, topic: str, group: str) -> dict:
    """Everything a refused write could have changed, read without kafka_io's write paths."""
    metadata = read_metadata(Connection(make_admin(settings), settings))
    return {
        "topics": sorted(metadata.topics),
        "partitions": len(metadata.topics[topic].partitions),
        "end_offsets": end_offsets(settings, topic),
        "committed": committed_offsets(bootstrap, group),
        "group_listed": group in group_ids(bootstrap),
    }


def never_called():
    raise AssertionError("a read-only cluster must not even create a producer")


def test_every_write_path_refuses_a_read_only_cluster_and_changes_nothing(settings, kafka_bootstrap, unique, tmp_path):
    topic, group, never = unique("ro"), unique("ro-group"), unique("ro-never")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 3, 1: 2})
    commit_offsets(kafka_bootstrap, group, topic, {0: 1, 1: 2})
    read_only = dataclasses.replace(settings, read_only=True)
    admin = make_admin(read_only)
    limits = topic_limits(Connection(admin, read_only), topic)
    plan = plan_reset(Connection(admin, read_only), group, parse_reset_spec("earliest"))  # a preview only reads
    assert len(plan.changes) == 2
    burst = plan_template_burst(limits, '{"n": {{seq}}}', 10)
    handle = ProducerHandle(read_only, factory=never_called)
    before = broker_state(settings, kafka_bootstrap, topic, group)
    assert before["end_offsets"] == {0: 3, 1: 2} and before["committed"] == {(topic, 0): 1, (topic, 1): 2}

    writes = [
        ("creating topics", lambda: create_topic_io(Connection(admin, read_only), never, 1)),
        (
            "creating topics",
            lambda: create_topic_io(Connection(admin, read_only), "bad name!", 0),
        ),  # refused before validation
        ("adding partitions", lambda: add_partitions(Connection(admin, read_only), topic, 4)),
        ("deleting topics", lambda: delete_topic(Connection(admin, read_only), topic, confirm=topic)),
        ("sending events", lambda: send_one(handle, limits, EventSpec(b"x"))),
        ("sending events", lambda: start_burst(read_only, limits, burst)),
        ("sending events", lambda: send_burst(read_only, limits, burst)),
        ("resetting offsets", lambda: apply_reset(Connection(admin, read_only), plan)),
        ("deleting consumer groups", lambda: delete_group(Connection(admin, read_only), group, confirm=group)),
    ]
    for action, write in writes:
        with pytest.raises(ReadOnly) as refused:
            write()
        assert str(refused.value) == f"cluster {settings.name!r} is read-only: {action} is disabled"

    demo = DemoPlan(unique("ro-demo"))
    with pytest.raises(ReadOnly) as refused:
        run_demo(read_only, demo, tmp_path / "demo", duration_s=1)
    assert str(refused.value) == f"cluster {read_only.name!r} is read-only: starting the demo is disabled"

    assert broker_state(settings, kafka_bootstrap, topic, group) == before
    assert never not in before["topics"]  # (nor any demo topic: the topic list is unchanged)
