"""kafka_io topic reads and writes against the real broker: exact counts, round trips, refusals."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from support.kafka import commit_offsets, create_topic, produce

from kafka_io._client import Connection, make_admin
from kafka_io.errors import InvalidInput, KafkaIOError, NotFound, ReadOnly
from kafka_io.topics.admin import add_partitions, delete_topic
from kafka_io.topics.admin import create_topic as io_create_topic
from kafka_io.topics.details import group_states, groups_on_topic, topic_configs
from kafka_io.topics.snapshot import cluster_snapshot, read_metadata, watermarks


@pytest.fixture(scope="module")
def admin(settings):
    return make_admin(settings)


@pytest.fixture
def loaded_topic(kafka_bootstrap, unique):
    """A 3-partition topic holding exactly 5, 2 and 0 records."""
    name = unique("counts")
    create_topic(kafka_bootstrap, name, 3, {"retention.ms": "123456789"})
    produce(kafka_bootstrap, name, {0: 5, 1: 2})
    return name


def test_snapshot_has_exact_partitions_and_message_counts(admin, settings, loaded_topic, kafka_bootstrap):
    snap = cluster_snapshot(Connection(admin, settings))
    topic = snap.topic(loaded_topic)
    assert [(p.partition, p.low, p.high, p.messages) for p in topic.partitions] == [
        (0, 0, 5, 5),
        (1, 0, 2, 2),
        (2, 0, 0, 0),
    ]
    assert (len(topic.partitions), topic.messages, topic.replication_factor, topic.under_replicated) == (3, 7, 1, 0)
    assert all(p.leader is not None and p.isr == p.replicas for p in topic.partitions)
    assert topic.problem is None
    assert f"{snap.brokers[0].host}:{snap.brokers[0].port}" == kafka_bootstrap
    assert snap.cluster_id and snap.took_ms > 0


def test_internal_topics_are_hidden_unless_asked(admin, settings, loaded_topic):
    hidden = {t.name for t in cluster_snapshot(Connection(admin, settings)).topics}
    shown = {t.name for t in cluster_snapshot(Connection(admin, settings), include_internal=True).topics}
    assert loaded_topic in hidden and not any(n.startswith("__") for n in hidden)
    assert {n for n in shown if n.startswith("__")} and shown - hidden == {n for n in shown if n.startswith("__")}


def test_one_topic_only_and_unknown_topic(admin, settings, loaded_topic):
    snap = cluster_snapshot(Connection(admin, settings), topic=loaded_topic)
    assert [t.name for t in snap.topics] == [loaded_topic]
    with pytest.raises(NotFound) as exc:
        cluster_snapshot(Connection(admin, settings), topic="no-such-topic-here")
    assert str(exc.value) == "topic 'no-such-topic-here' does not exist"


def test_a_bad_partition_is_an_error_entry_not_an_exception(admin, settings, loaded_topic):
    lows, highs, errors = watermarks(Connection(admin, settings), [(loaded_topic, 0), (loaded_topic, 99)])
    assert (lows, highs) == ({(loaded_topic, 0): 0}, {(loaded_topic, 0): 5})
    assert errors == {(loaded_topic, 99): f"{loaded_topic}[99]: partition 99 does not exist (the topic has 3)"}


def test_configs_mark_non_defaults(admin, settings, loaded_topic):
    configs = topic_configs(Connection(admin, settings), [loaded_topic])[loaded_topic]
    assert configs.error is None
    assert configs.get("retention.ms") == "123456789" and configs.get("cleanup.policy") == "delete"
    assert [(e.name, e.value) for e in configs.non_default] == [("retention.ms", "123456789")]


def test_groups_on_topic_with_exact_lag(admin, settings, loaded_topic, kafka_bootstrap, unique):
    before = group_states(Connection(admin, settings)).total
    g1, g2, other = unique("g1"), unique("g2"), unique("other")
    commit_offsets(kafka_bootstrap, g1, loaded_topic, {0: 3, 1: 2})
    commit_offsets(kafka_bootstrap, g2, loaded_topic, {2: 0})
    other_topic = unique("other-topic")
    create_topic(kafka_bootstrap, other_topic, 1)
    commit_offsets(kafka_bootstrap, other, other_topic, {0: 0})
    found = groups_on_topic(Connection(admin, settings), loaded_topic, {0: 5, 1: 2, 2: 0})
    assert found.errors == ()
    assert [(g.group_id, g.partitions, g.total_lag, g.unknown_lag) for g in found.groups] == sorted(
        [
            (g1, ((0, 3, 2), (1, 2, 0)), 2, 0),
            (g2, ((2, 0, 0),), 0, 0),
        ]
    )
    states = group_states(Connection(admin, settings))
    assert states.total == before + 3 and dict(states.counts)["Empty"] >= 3


def wait_until(check, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_create_add_partitions_delete_round_trip(admin, settings, unique):
    name = unique("admin")
    spec = io_create_topic(Connection(admin, settings), name, 2, 1, "retention.ms=60000\ncleanup.policy=compact")
    assert (spec.name, spec.partitions) == (name, 2)
    wait_until(lambda: name in read_metadata(Connection(admin, settings)).topics)
    configs = topic_configs(Connection(admin, settings), [name])[name]
    assert {e.name: e.value for e in configs.non_default} == {"retention.ms": "60000", "cleanup.policy": "compact"}
    with pytest.raises(KafkaIOError) as exc:
        io_create_topic(Connection(admin, settings), name, 1)
    assert str(exc.value).startswith(f"create topic {name!r}: ") and "already exists" in str(exc.value)

    assert add_partitions(Connection(admin, settings), name, 5) == 2
    wait_until(lambda: len(cluster_snapshot(Connection(admin, settings), topic=name).topics[0].partitions) == 5)
    with pytest.raises(InvalidInput) as exc:
        add_partitions(Connection(admin, settings), name, 4)
    assert str(exc.value) == (
        f"topic {name!r} already has 5 partition(s); the new count must be larger (Kafka cannot remove partitions)"
    )

    with pytest.raises(InvalidInput):
        delete_topic(Connection(admin, settings), name, name + "x")
    assert name in read_metadata(Connection(admin, settings)).topics
    delete_topic(Connection(admin, settings), name, name)
    wait_until(lambda: name not in read_metadata(Connection(admin, settings)).topics)
    with pytest.raises(NotFound):
        delete_topic(Connection(admin, settings), name, name)


def test_broker_refusals_come_back_in_plain_words(admin, settings, unique):
    name = unique("bad-config")
    with pytest.raises(KafkaIOError) as exc:
        io_create_topic(Connection(admin, settings), name, 1, 1, "retention.ms=abc")
    assert str(exc.value).startswith(f"create topic {name!r}: ") and "retention.ms" in str(exc.value)
    with pytest.raises(InvalidInput) as exc:
        io_create_topic(Connection(admin, settings), name, 1, 99)
    assert str(exc.value).startswith("replication factor 99 is more than the ")
    assert name not in read_metadata(Connection(admin, settings)).topics


def test_read_only_refuses_every_write_before_sending(admin, settings, loaded_topic, unique):
    read_only = replace(settings, read_only=True)
    name = unique("never")
    calls = [
        (lambda: io_create_topic(Connection(admin, read_only), name, 1), "creating topics"),
        (
            lambda: io_create_topic(Connection(admin, read_only), "bad name!", 0),
            "creating topics",
        ),  # refused before validation
        (lambda: add_partitions(Connection(admin, read_only), loaded_topic, 10), "adding partitions"),
        (lambda: delete_topic(Connection(admin, read_only), loaded_topic, loaded_topic), "deleting topics"),
    ]
    for call, action in calls:
        with pytest.raises(ReadOnly) as exc:
            call()
        assert str(exc.value) == f"cluster {settings.name!r} is read-only: {action} is disabled"
    snap = cluster_snapshot(Connection(admin, settings))
    assert snap.topic(name) is None and len(snap.topic(loaded_topic).partitions) == 3
