"""Delete an EMPTY group's committed offsets for one topic (issue #27), as
`kafka-consumer-groups.sh --delete-offsets --group G --topic T` does.

The group keeps its offsets on its other topics; consumers that start later
read the deleted topic from their auto.offset.reset position, and the lag on it
stops being counted. A preview first (partitions, committed offsets, the lag
that disappears), then the write, through the one write guard (admins only,
audited, refused on a read-only cluster). A group with members is refused in
the words the reset uses: the broker would refuse a subscribed topic anyway
(GROUP_SUBSCRIBED_TO_TOPIC).

The write is Kafka's OffsetDelete request, sent by kafka-python
(kafka_io.admin.python_client): confluent-kafka 2.16 does not expose it.
Reading the group and its lag stays on the confluent admin API, as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException, TopicCollection

from kafka_io._client import FUTURE_GRACE_S, ClusterClient, translate_error
from kafka_io.access.actor import Actor
from kafka_io.access.guard import write_guard
from kafka_io.admin.python_client import admin_client, broker_words, translate
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, KafkaIOError, NotAuthorized, NotFound
from kafka_io.groups.models import DEAD
from kafka_io.groups.reset import read_group, refuse_active
from kafka_io.topics.names import validate_topic_name

__all__ = ["DELETE_OFFSETS", "OffsetDeletePlan", "OffsetRow", "apply_offset_delete", "plan_offset_delete"]

DELETE_OFFSETS = "group.delete_offsets"  # the write guard's action (kafka_io.access.roles)
WHAT = "delete its offsets"
# Broker answers that mean consumers joined between our check and the write.
_BECAME_ACTIVE = ("GroupSubscribedToTopicError", "NonEmptyGroupError", "RebalanceInProgressError")


@dataclass(frozen=True, slots=True)
class OffsetRow:
    partition: int
    committed: int
    high: int | None
    lag: int | None  # the lag this commit accounts for; gone with it


@dataclass(frozen=True, slots=True)
class OffsetDeletePlan:
    group_id: str
    topic: str
    rows: tuple[OffsetRow, ...]
    other_topics: tuple[str, ...]  # the group's offsets there stay

    @property
    def lag(self) -> int:
        return sum(r.lag for r in self.rows if r.lag is not None)


def checked_names(group_id: str, topic: str) -> tuple[str, str]:
    """(group id, topic) stripped, or InvalidInput before anything is sent."""
    if not isinstance(group_id, str) or not group_id.strip():
        raise InvalidInput("the group id is empty")
    return group_id.strip(), validate_topic_name(topic)


def plan_offset_delete(cluster: ClusterClient, group_id: str, topic: str) -> OffsetDeletePlan:
    """The preview: what the group has committed on ``topic``, and the lag that goes. Writes nothing."""
    group_id, topic = checked_names(group_id, topic)
    _check_topic(cluster, topic)
    group = read_group(cluster, group_id)
    refuse_active(group, WHAT)
    if group.state == DEAD and not group.partitions:
        raise NotFound(f"group {group_id!r} does not exist")
    committed = [p for p in group.partitions if p.committed is not None]
    rows = tuple(OffsetRow(p.partition, p.committed, p.high, p.lag) for p in committed if p.topic == topic)
    others = tuple(sorted({p.topic for p in committed} - {topic}))
    if not rows:
        where = f" (it has offsets on {', '.join(others)})" if others else ""
        raise InvalidInput(f"group {group_id!r} has no committed offsets on topic {topic!r}{where}")
    return OffsetDeletePlan(group_id, topic, tuple(sorted(rows, key=lambda r: r.partition)), others)


def _check_topic(cluster: ClusterClient, topic: str) -> None:
    """NotFound for a topic that does not exist. DescribeTopics: a metadata request by
    name may create the topic on a broker with auto.create.topics.enable."""
    admin, settings = cluster.admin, cluster.settings
    try:
        futures = admin.describe_topics(TopicCollection([topic]), request_timeout=settings.timeout_s)
        futures[topic].result(timeout=settings.timeout_s + FUTURE_GRACE_S)
    except KafkaException as exc:
        err = exc.args[0] if exc.args else None
        if isinstance(err, KafkaError) and err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
            raise NotFound(f"topic {topic!r} does not exist") from None
        raise translate_error(exc, settings, f"topic {topic}") from None
    except TimeoutError as exc:
        raise translate_error(exc, settings, f"topic {topic}") from None


def apply_offset_delete(
    cluster: ClusterClient,
    plan: OffsetDeletePlan,
    *,
    confirm: str,
    actor: Actor | None = None,
) -> OffsetDeletePlan:
    """Delete the plan's offsets; ``confirm`` must be the group id. The group is read
    again right before writing: consumers may have started since the preview."""
    settings = cluster.settings
    details = {"topic": plan.topic, "partitions": len(plan.rows)}
    with write_guard(settings, actor, DELETE_OFFSETS, plan.group_id, details):
        if confirm.strip() != plan.group_id:
            raise InvalidInput(f"type the group id {plan.group_id!r} exactly to confirm deleting its offsets")
        refuse_active(read_group(cluster, plan.group_id), WHAT)
        _send(settings, plan)
        return plan


def _send(settings: ClusterSettings, plan: OffsetDeletePlan) -> None:
    from kafka import TopicPartition

    what = f"delete offsets of group {plan.group_id!r}"
    try:
        with admin_client(settings) as client:
            results = client.delete_group_offsets(
                plan.group_id, [TopicPartition(plan.topic, r.partition) for r in plan.rows]
            )
    except Exception as exc:
        if type(exc).__name__ in _BECAME_ACTIVE:
            raise _became_active(plan.group_id) from None
        raise translate(exc, settings, what) from None
    failed = {tp.partition: error for tp, error in sorted(results.items()) if error.__name__ != "NoError"}
    if any(error.__name__ in _BECAME_ACTIVE for error in failed.values()):
        raise _became_active(plan.group_id)
    if failed:
        words = "; ".join(f"{plan.topic}[{p}]: {_partition_words(error)}" for p, error in failed.items())
        denied = all(_denied(error) for error in failed.values())
        raise (NotAuthorized if denied else KafkaIOError)(f"{what} failed for {words}")


def _denied(error_class: type) -> bool:
    from kafka.errors import AuthorizationError

    return issubclass(error_class, AuthorizationError)


def _partition_words(error_class: type) -> str:
    words = broker_words(error_class)
    return f"not authorized ({words})" if _denied(error_class) else words


def _became_active(group_id: str) -> InvalidInput:
    return InvalidInput(f"Group '{group_id}' became active. Stop its consumers first, then {WHAT}.")
