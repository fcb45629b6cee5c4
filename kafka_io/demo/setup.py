"""Demo setup with admin calls: create the demo topics, park the stopped group.

Both are idempotent, so a restarted demo changes nothing that is already there.
"""

from __future__ import annotations

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

from kafka_io.clients import make_member_consumer, translate_error
from kafka_io.config import ClusterSettings
from kafka_io.demo.plan import TOPIC_CONFIG, DemoPlan, DemoTopic

__all__ = ["commit_stopped_group", "ensure_topics"]


def ensure_topics(admin: AdminClient, settings: ClusterSettings, plan: DemoPlan) -> list[str]:
    """Create the demo topics that are missing; returns the names created."""
    try:
        existing = set(admin.list_topics(timeout=settings.timeout_s).topics)
        # replication_factor=-1: the broker's default (1 on a single dev broker).
        new = [NewTopic(t.name, t.partitions, -1, config=dict(TOPIC_CONFIG))
               for t in plan.topics if t.name not in existing]
        if not new:
            return []
        futures = admin.create_topics(new, operation_timeout=settings.timeout_s, request_timeout=settings.timeout_s)
        created = []
        for name, future in futures.items():
            try:
                future.result(timeout=settings.timeout_s)
                created.append(name)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:  # a racing restart made it
                    raise
        return created
    except Exception as exc:
        raise translate_error(exc, settings, "creating the demo topics") from None


def _partitions(topic: DemoTopic) -> list[TopicPartition]:
    return [TopicPartition(topic.name, p) for p in range(topic.partitions)]


def _watermarks(admin: AdminClient, settings: ClusterSettings, tps: list[TopicPartition], spec) -> list[int]:
    futures = admin.list_offsets({tp: spec for tp in tps}, request_timeout=settings.timeout_s)
    return [futures[tp].result(timeout=settings.timeout_s).offset for tp in tps]


def commit_stopped_group(admin: AdminClient, settings: ClusterSettings, plan: DemoPlan) -> bool:
    """Leave the stopped group at a position with lag and no members.

    It "consumed half of what was there, then stopped": one commit, once,
    from a client that never joins. True when done (now or on an earlier
    run), False while the topic has no records in some partition yet.
    """
    topic = plan.stopped_topic
    try:
        request = ConsumerGroupTopicPartitions(plan.stopped_group, _partitions(topic))
        future = admin.list_consumer_group_offsets([request], request_timeout=settings.timeout_s)
        committed = future[plan.stopped_group].result(timeout=settings.timeout_s).topic_partitions
        if any(tp.offset >= 0 for tp in committed):
            return True
        lows = _watermarks(admin, settings, _partitions(topic), OffsetSpec.earliest())
        highs = _watermarks(admin, settings, _partitions(topic), OffsetSpec.latest())
        if any(high <= low for low, high in zip(lows, highs)):
            return False
        offsets = [TopicPartition(topic.name, p, (low + high) // 2)
                   for p, (low, high) in enumerate(zip(lows, highs))]
        consumer = make_member_consumer(settings, plan.stopped_group, None)
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
        finally:
            consumer.close()
        return True
    except Exception as exc:
        raise translate_error(exc, settings, f"setting up group {plan.stopped_group}") from None
