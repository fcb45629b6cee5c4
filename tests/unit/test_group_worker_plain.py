"""Group results cross the child's pipe as plain data and come back as the
very types AdminClient returns (kafka_io._client.group_worker)."""

import pickle

import pytest
from confluent_kafka import ConsumerGroupState, ConsumerGroupType, KafkaError, Node, TopicPartition
from confluent_kafka.admin import (
    ConsumerGroupDescription,
    ConsumerGroupListing,
    ListConsumerGroupsResult,
    MemberAssignment,
    MemberDescription,
)

from kafka_io._client.group_worker import PLAIN, REBUILD


def across(op, result, key=""):
    return REBUILD[op](pickle.loads(pickle.dumps(PLAIN[op](result))), key)


def member(mid, tps, instance=None, target=None):
    assigned = MemberAssignment([TopicPartition(t, p) for t, p in tps])
    return MemberDescription(mid, f"client-{mid}", "/127.0.0.1", assigned, instance, target)


DESCRIPTIONS = [
    pytest.param(
        ConsumerGroupDescription(
            "billing", False, [member("m1", [("orders", 0), ("orders", 1)]), member("m2", [("orders", 2)], "i-2")],
            "range", ConsumerGroupState.STABLE, Node(1, "h", 9092), type=ConsumerGroupType.CLASSIC,
        ),
        id="01-classic-stable-two-members",
    ),
    pytest.param(
        ConsumerGroupDescription(
            "idle", False, [], "", ConsumerGroupState.EMPTY, Node(0, "h", 9092), type=ConsumerGroupType.UNKNOWN
        ),
        id="02-empty-no-members",
    ),
    pytest.param(
        ConsumerGroupDescription(
            "kip848", False,
            [member("m1", [("t", 0)], target=MemberAssignment([TopicPartition("t", 0), TopicPartition("t", 1)]))],
            "uniform", ConsumerGroupState.STABLE, None, type=ConsumerGroupType.CONSUMER,
        ),
        id="03-consumer-type-with-target-no-coordinator",
    ),
]  # fmt: skip


@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_a_description_comes_back_the_same(description):
    back = across("describe", description)
    assert type(back) is ConsumerGroupDescription
    assert (back.group_id, back.partition_assignor, back.state, back.type) == (
        description.group_id,
        description.partition_assignor,
        description.state,
        description.type,
    )
    assert (back.coordinator and back.coordinator.id) == (description.coordinator and description.coordinator.id)
    got = [(m.member_id, m.client_id, m.host, m.group_instance_id) for m in back.members]
    assert got == [(m.member_id, m.client_id, m.host, m.group_instance_id) for m in description.members]
    for b, d in zip(back.members, description.members, strict=True):
        assert [(tp.topic, tp.partition) for tp in b.assignment.topic_partitions] == [
            (tp.topic, tp.partition) for tp in d.assignment.topic_partitions
        ]
        target = d.target_assignment and [(tp.topic, tp.partition) for tp in d.target_assignment.topic_partitions]
        assert (b.target_assignment and [(tp.topic, tp.partition) for tp in b.target_assignment.topic_partitions]) == (
            target
        )


def test_a_listing_keeps_states_types_and_errors():
    listing = ListConsumerGroupsResult(
        [
            ConsumerGroupListing("a", False, ConsumerGroupState.STABLE, ConsumerGroupType.CLASSIC),
            ConsumerGroupListing("b", True, None, None),
        ],
        [KafkaError(KafkaError._TIMED_OUT, "broker 2: timed out")],
    )
    back = across("list", listing)
    got = [
        (g.group_id, g.is_simple_consumer_group, getattr(g, "state", None), getattr(g, "type", None))
        for g in back.valid
    ]
    assert got == [("a", False, ConsumerGroupState.STABLE, ConsumerGroupType.CLASSIC), ("b", True, None, None)]
    assert [(e.code(), e.str()) for e in back.errors] == [(KafkaError._TIMED_OUT, "broker 2: timed out")]


def test_committed_offsets_keep_the_group_and_every_offset():
    from confluent_kafka import ConsumerGroupTopicPartitions

    answer = ConsumerGroupTopicPartitions("g", [TopicPartition("t", 0, 5), TopicPartition("t", 3, -1001)])
    back = across("offsets", answer, key="g")
    assert back.group_id == "g"
    assert [(tp.topic, tp.partition, tp.offset) for tp in back.topic_partitions] == [("t", 0, 5), ("t", 3, -1001)]
