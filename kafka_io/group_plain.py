"""Consumer-group admin results as plain data (tuples, dicts, ints) and back.

The group child (group_child.py) answers through a pipe; confluent-kafka's
result types hold C objects (TopicPartition, KafkaError) that do not pickle.
The child turns results into plain data; the parent rebuilds the very types
AdminClient returns, so callers cannot tell the difference.
"""

from __future__ import annotations

from confluent_kafka import (
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    ConsumerGroupType,
    KafkaError,
    KafkaException,
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

__all__ = ["PLAIN", "REBUILD"]


def _tps_data(tps) -> list[tuple[str, int, int]]:
    return [(tp.topic, tp.partition, tp.offset) for tp in tps or ()]


def _tps(data) -> list[TopicPartition]:
    return [TopicPartition(t, p, o) for t, p, o in data]


def _assignment_data(assignment):
    return None if assignment is None else _tps_data(assignment.topic_partitions)


def _assignment(data) -> MemberAssignment | None:
    return None if data is None else MemberAssignment(_tps(data))


def _description_data(d: ConsumerGroupDescription) -> dict:
    node = d.coordinator
    return {
        "group_id": d.group_id,
        "simple": d.is_simple_consumer_group,
        "members": [
            (
                m.member_id,
                m.client_id,
                m.host,
                _assignment_data(m.assignment),
                m.group_instance_id,
                _assignment_data(getattr(m, "target_assignment", None)),
            )
            for m in d.members
        ],
        "assignor": d.partition_assignor,
        "state": d.state.value if d.state is not None else None,
        "coordinator": None if node is None else (node.id, node.host, node.port, node.rack),
        "type": getattr(getattr(d, "type", None), "value", ConsumerGroupType.UNKNOWN.value),
    }


def _description(data: dict) -> ConsumerGroupDescription:
    members = [
        MemberDescription(mid, cid, host, _assignment(assigned) or MemberAssignment([]), instance, _assignment(target))
        for mid, cid, host, assigned, instance, target in data["members"]
    ]
    coordinator = Node(*data["coordinator"]) if data["coordinator"] else None
    state = ConsumerGroupState(data["state"]) if data["state"] is not None else None
    kind = ConsumerGroupType(data["type"])
    return ConsumerGroupDescription(
        data["group_id"], data["simple"], members, data["assignor"], state, coordinator, type=kind
    )


def _listing_data(result: ListConsumerGroupsResult) -> dict:
    valid = [
        (
            g.group_id,
            g.is_simple_consumer_group,
            getattr(getattr(g, "state", None), "value", None),
            getattr(getattr(g, "type", None), "value", None),
        )
        for g in result.valid or ()
    ]
    errors = [_error_data(e) for e in result.errors or ()]
    return {"valid": valid, "errors": errors}


def _error_data(error) -> tuple[int, str]:
    if isinstance(error, KafkaException):
        error = error.args[0]
    if isinstance(error, KafkaError):
        return error.code(), error.str()
    return KafkaError._FAIL, str(error)


def _listing(data: dict) -> ListConsumerGroupsResult:
    valid = [
        ConsumerGroupListing(
            gid,
            simple,
            ConsumerGroupState(state) if state is not None else None,
            ConsumerGroupType(kind) if kind is not None else None,
        )
        for gid, simple, state, kind in data["valid"]
    ]
    return ListConsumerGroupsResult(valid, [KafkaError(code, reason) for code, reason in data["errors"]])


REBUILD = {
    "list": lambda payload, _key: _listing(payload),
    "describe": lambda payload, _key: _description(payload),
    "offsets": lambda payload, key: ConsumerGroupTopicPartitions(key, _tps(payload)),
}


PLAIN = {
    "list": _listing_data,
    "describe": _description_data,
    "offsets": lambda result: _tps_data(result.topic_partitions),
}
