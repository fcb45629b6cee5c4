"""Table tests for topic validation, config lines, health findings and table frames (no broker)."""

from __future__ import annotations

import pytest

from dashboard.frames.topics import search_topics, topics_frame
from kafka_io.cluster import BrokerInfo
from kafka_io.errors import InvalidInput
from kafka_io.topics.admin import (
    NewTopicSpec,
    parse_config_lines,
    topic_name_warning,
    validate_new_topic,
    validate_topic_name,
)
from kafka_io.topics.snapshot import ClusterSnapshot, PartitionState, TopicSummary

NAME_ERRORS = [
    # 1-2. empty
    pytest.param("", "topic name is empty", id="01-empty"),
    pytest.param("   ", "topic name is empty", id="02-blank"),
    # 3-4. the two reserved names
    pytest.param(".", "topic name cannot be '.'", id="03-dot"),
    pytest.param("..", "topic name cannot be '..'", id="04-dotdot"),
    # 5. a space, with its position
    pytest.param(
        "bad name!", "topic name has ' ' at position 4; use only letters, digits, '.', '_' and '-'", id="05-space"
    ),
    # 6. one over the limit
    pytest.param("a" * 250, "topic name is 250 characters; the limit is 249", id="06-too-long"),
    # 7. non-ASCII letter
    pytest.param(
        "café", "topic name has 'é' at position 4; use only letters, digits, '.', '_' and '-'", id="07-non-ascii"
    ),
]


@pytest.mark.parametrize("name, message", NAME_ERRORS)
def test_bad_topic_names(name, message):
    with pytest.raises(InvalidInput) as exc:
        validate_topic_name(name)
    assert str(exc.value) == message


@pytest.mark.parametrize("name", ["a", "orders.v1", "orders_v1", "a-b.c_d", "A" * 249, "...", " trimmed "])
def test_good_topic_names(name):
    assert validate_topic_name(name) == name.strip()


@pytest.mark.parametrize("name, warns", [("orders.v1", False), ("orders_v1", False), ("orders.v1_x", True)])
def test_name_mixing_dot_and_underscore_warns(name, warns):
    assert (topic_name_warning(name) is not None) is warns


CONFIG_LINES = [
    # 1. two settings, blank lines and comments skipped, spaces trimmed
    pytest.param(
        "retention.ms=1000\n\n# note\n cleanup.policy = compact ",
        {"retention.ms": "1000", "cleanup.policy": "compact"},
        id="01-two",
    ),
    # 2. nothing
    pytest.param("", {}, id="02-empty"),
    # 3. '=' inside the value is kept
    pytest.param("a.b=x=y", {"a.b": "x=y"}, id="03-equals-in-value"),
]


@pytest.mark.parametrize("text, expected", CONFIG_LINES)
def test_config_lines(text, expected):
    assert parse_config_lines(text) == expected


BAD_CONFIG_LINES = [
    pytest.param("retention.ms", "config line 1: expected key=value, got 'retention.ms'", id="01-no-equals"),
    pytest.param(
        "a=1\nRetention=2", "config line 2: 'Retention' is not a config name (like retention.ms)", id="02-bad-key"
    ),
    pytest.param("retention.ms=", "config line 1: retention.ms has no value", id="03-no-value"),
    pytest.param("a=1\n\na=2", "config line 3: a is set twice", id="04-duplicate"),
]


@pytest.mark.parametrize("text, message", BAD_CONFIG_LINES)
def test_bad_config_lines(text, message):
    with pytest.raises(InvalidInput) as exc:
        parse_config_lines(text)
    assert str(exc.value) == message


NEW_TOPIC_ERRORS = [
    pytest.param(("t", 0, 1, 1), "partitions must be between 1 and 10,000, got 0", id="01-zero-partitions"),
    pytest.param(("t", 1, 2, 1), "replication factor 2 is more than the 1 broker(s) in the cluster", id="02-rf"),
    pytest.param(("t", 1, 0, 1), "replication factor must be at least 1, got 0", id="03-rf-zero"),
    pytest.param(("t", 1.5, 1, 1), "partitions must be a whole number, got 1.5", id="04-fraction"),
]


@pytest.mark.parametrize("args, message", NEW_TOPIC_ERRORS)
def test_new_topic_validation(args, message):
    with pytest.raises(InvalidInput) as exc:
        validate_new_topic(*args)
    assert str(exc.value) == message


def test_new_topic_spec_parses_config_lines():
    assert validate_new_topic(" t ", 3, 1, 3, "retention.ms=5") == NewTopicSpec("t", 3, 1, (("retention.ms", "5"),))


def part(n, leader=1, replicas=(1,), isr=(1,), low=0, high=0, error=None):
    return PartitionState(n, leader, replicas, isr, low, high, error)


def snapshot(*topics, brokers=(1,), silent=()):
    return ClusterSnapshot("c", 1, tuple(BrokerInfo(b, "h", 9092) for b in brokers), topics, 0.0, 1.0, False, silent)


HEALTH = [
    # 1. healthy
    pytest.param(snapshot(TopicSummary("a", (part(0), part(1)))), [], id="01-healthy"),
    # 2. a partition without a leader
    pytest.param(
        snapshot(TopicSummary("a", (part(0, leader=None, isr=()),))),
        ["1 offline partition(s) (no leader)", "1 under-replicated partition(s)"],
        id="02-offline",
    ),
    # 3. ISR smaller than replicas, and a replica on a broker metadata does not list
    pytest.param(
        snapshot(TopicSummary("a", (part(0, replicas=(1, 2), isr=(1,)),))),
        ["1 under-replicated partition(s)", "unreachable broker(s): 2 (replicas assigned, not in metadata)"],
        id="03-under-replicated",
    ),
    # 4. a topic error and a partition error are named
    pytest.param(
        snapshot(
            TopicSummary("a", (), "Broker: Unknown topic"),
            TopicSummary("b", (part(0, low=None, high=None, error="offsets: timed out"),)),
        ),
        ["2 topic(s) with errors: a, b"],
        id="04-errors",
    ),
    # 5. a killed broker not yet fenced: still in metadata and still leader, but refusing TCP
    pytest.param(
        snapshot(
            TopicSummary(
                "a",
                (
                    part(
                        0,
                        leader=2,
                        replicas=(1, 2),
                        isr=(1, 2),
                        low=None,
                        high=None,
                        error="leader broker 2 is unreachable",
                    ),
                    part(1, leader=1, replicas=(1, 2), isr=(1, 2)),
                ),
            ),
            brokers=(1, 2),
            silent=((2, "connection refused (is the broker running?)"),),
        ),
        [
            "unreachable broker(s): 2 (in metadata, but connection refused (is the broker running?); "
            "Kafka has not fenced it yet)",
            "1 partition(s) led by an unreachable broker (awaiting failover)",
            "1 topic(s) with errors: a",
        ],
        id="05-killed-not-fenced",
    ),
]


@pytest.mark.parametrize("snap, problems", HEALTH)
def test_health_findings(snap, problems):
    assert snap.problems() == problems


def test_messages_skip_unknown_partitions_and_name_the_error():
    topic = TopicSummary("a", (part(0, low=2, high=7), part(1, low=None, high=None, error="offsets: timed out")))
    assert topic.messages == 5
    assert topic.problem == "partition 1: offsets: timed out"


def test_topics_frame_keeps_unknown_as_missing_and_search_is_literal():
    topics = (TopicSummary("orders.v1", (part(0, high=4),)), TopicSummary("payments", (part(0),)))
    frame = topics_frame(topics, {"orders.v1": 1.5, "payments": None})
    assert frame["rate_per_s"].isna().tolist() == [False, True]
    assert frame["cleanup_policy"].isna().all()
    assert search_topics(frame, "S.V").topic.tolist() == ["orders.v1"]
    assert search_topics(frame, ".*").empty
    assert len(search_topics(frame, "  ")) == 2
