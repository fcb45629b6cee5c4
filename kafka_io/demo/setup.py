"""Demo setup with admin calls: create the demo topics, park the stopped group.

Both are idempotent, so a restarted demo changes nothing that is already there.
"""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import NewTopic

from kafka_io._client import (
    EARLIEST,
    LATEST,
    ClusterClient,
    list_offsets,
    make_member_consumer,
    translate_error,
)
from kafka_io.demo.plan import TOPIC_CONFIG, DemoPlan, DemoTopic
from kafka_io.errors import KafkaIOError

__all__ = ["commit_stopped_group", "ensure_topics"]


def ensure_topics(cluster: ClusterClient, plan: DemoPlan) -> list[str]:
    """Create the demo topics that are missing; returns the names created."""
    admin, settings = cluster.admin, cluster.settings
    try:
        existing = set(admin.list_topics(timeout=settings.timeout_s).topics)
        # replication_factor=-1: the broker's default (1 on a single dev broker).
        new = [
            NewTopic(t.name, t.partitions, -1, config=dict(TOPIC_CONFIG)) for t in plan.topics if t.name not in existing
        ]
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


def _middles(cluster: ClusterClient, topic: DemoTopic) -> list[TopicPartition] | None:
    """Half-way between low and high in every partition, or None while one is empty or unknown."""
    admin, settings = cluster.admin, cluster.settings
    keys = [(topic.name, p) for p in range(topic.partitions)]
    lows, highs = list_offsets(admin, settings, keys, EARLIEST, LATEST)
    failed = [error for answers in (lows, highs) for _, error in answers.values() if error]
    if failed:
        raise KafkaIOError(failed[0])
    middles = []
    for key in keys:
        low, high = lows[key][0], highs[key][0]
        if low is None or high is None or high <= low:
            return None
        middles.append(TopicPartition(*key, (low + high) // 2))
    return middles


def commit_stopped_group(cluster: ClusterClient, plan: DemoPlan) -> bool:
    """Leave the stopped group at a position with lag and no members.

    It "consumed half of what was there, then stopped": one commit, once,
    from a client that never joins. True when done (now or on an earlier
    run), False while the topic has no records in some partition yet.
    """
    admin, settings = cluster.admin, cluster.settings
    topic = plan.stopped_topic
    try:
        partitions = [(topic.name, p) for p in range(topic.partitions)]
        future = admin.committed_offsets([plan.stopped_group], settings.timeout_s, partitions=partitions)
        committed = future[plan.stopped_group].result(timeout=settings.timeout_s)
        if any(offset is not None for offset in committed.values()):
            return True
        offsets = _middles(cluster, topic)
        if offsets is None:
            return False
        consumer = make_member_consumer(settings, plan.stopped_group, None)
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
        finally:
            consumer.close()
        return True
    except Exception as exc:
        raise translate_error(exc, settings, f"setting up group {plan.stopped_group}") from None
