"""The group child answers with kafka_io's own values, built from confluent-kafka's
result types in the worker and sent over the pipe as they are
(kafka_io._client.group_worker)."""

import pickle

import pytest
from confluent_kafka import (
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    ConsumerGroupType,
    KafkaError,
    Node,
    TopicPartition,
)
from confluent_kafka.admin import (
    ConsumerGroupDescription,
    ConsumerGroupListing,
    ListConsumerGroupsResult,
    MemberAssignment,
    MemberDescription,
)

from kafka_io._client import GroupDescription, GroupListing, GroupListings, GroupMember
from kafka_io._client.group_worker import VALUES


def across(op, result):
    """What the parent gets: the worker's value, through a pickle as through the pipe."""
    return pickle.loads(pickle.dumps(VALUES[op](result)))


def member(mid, tps, instance=None, target=None, client=None):
    assigned = MemberAssignment([TopicPartition(t, p) for t, p in tps])
    return MemberDescription(mid, client or f"client-{mid}", "/127.0.0.1", assigned, instance, target)


DESCRIPTIONS = [
    pytest.param(
        ConsumerGroupDescription(
            "billing", False,
            [member("m2", [("orders", 2)], "i-2", client="b"), member("m1", [("orders", 1), ("orders", 0)], client="a")],
            "range", ConsumerGroupState.STABLE, Node(1, "h", 9092), type=ConsumerGroupType.CLASSIC,
        ),
        GroupDescription(
            "billing", "STABLE",
            (
                GroupMember("m1", "a", "/127.0.0.1", None, (("orders", 0), ("orders", 1))),
                GroupMember("m2", "b", "/127.0.0.1", "i-2", (("orders", 2),)),
            ),
            "range", "CLASSIC",
        ),
        id="01-classic-stable-two-members-sorted-by-client",
    ),
    pytest.param(
        ConsumerGroupDescription(
            "idle", False, [], "", ConsumerGroupState.EMPTY, Node(0, "h", 9092), type=ConsumerGroupType.UNKNOWN
        ),
        GroupDescription("idle", "EMPTY", (), "", ""),
        id="02-empty-no-members-type-unknown-is-blank",
    ),
    pytest.param(
        ConsumerGroupDescription(
            "kip848", False,
            [member("m1", [("t", 0)], target=MemberAssignment([TopicPartition("t", 0), TopicPartition("t", 1)]))],
            "uniform", ConsumerGroupState.STABLE, None, type=ConsumerGroupType.CONSUMER,
        ),
        GroupDescription(
            "kip848", "STABLE", (GroupMember("m1", "client-m1", "/127.0.0.1", None, (("t", 0),)),), "uniform", "CONSUMER"
        ),
        id="03-consumer-type-assignment-not-target-no-coordinator",
    ),
    pytest.param(
        ConsumerGroupDescription("odd", False, [], "", None, None),
        GroupDescription("odd", "UNKNOWN", (), "", ""),
        id="04-no-state-no-type",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("description", "expected"), DESCRIPTIONS)
def test_a_description_becomes_our_value(description, expected):
    assert across("describe", description) == expected


def test_a_listing_keeps_states_types_and_failures():
    listing = ListConsumerGroupsResult(
        [
            ConsumerGroupListing("a", False, ConsumerGroupState.STABLE, ConsumerGroupType.CLASSIC),
            ConsumerGroupListing("b", True, None, None),
        ],
        [KafkaError(KafkaError._TIMED_OUT, "broker 2: timed out")],
    )
    assert across("list", listing) == GroupListings(
        (GroupListing("a", "STABLE", "CLASSIC"), GroupListing("b", None, None)),
        ((KafkaError._TIMED_OUT, "broker 2: timed out"),),
    )


def test_committed_offsets_are_plain_with_none_for_no_commit():
    answer = ConsumerGroupTopicPartitions("g", [TopicPartition("t", 0, 5), TopicPartition("t", 3, -1001)])
    assert across("offsets", answer) == {("t", 0): 5, ("t", 3): None}


@pytest.mark.parametrize(
    ("name", "instead"),
    [
        ("list_consumer_groups", "group_listings"),
        ("describe_consumer_groups", "describe_groups"),
        ("list_consumer_group_offsets", "committed_offsets"),
    ],
)
def test_confluents_own_group_calls_refuse_to_run_in_this_process(name, instead):
    from kafka_io._client import make_admin
    from kafka_io.config import ClusterSettings

    admin = make_admin(ClusterSettings(name="nowhere", bootstrap_servers="127.0.0.1:1"))
    with pytest.raises(TypeError, match=f"use CountingAdmin.{instead}"):
        getattr(admin, name)()
    assert admin.requests.total() == 0 and admin.group_child.child_pid is None
