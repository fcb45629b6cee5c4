"""Why metadata does not list a topic: it does not exist, or this user may not describe it.

With ACLs, Kafka leaves a topic the user may not DESCRIBE out of a full metadata
answer, exactly as if it did not exist. Asked for by name (DescribeTopics, which
never auto-creates), it answers TOPIC_AUTHORIZATION_FAILED instead.
"""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException, TopicCollection

from kafka_io._client import FUTURE_GRACE_S, ClusterClient
from kafka_io.errors import KafkaIOError, NotAuthorized, NotFound

__all__ = ["absent_topic"]


def absent_topic(cluster: ClusterClient, topic: str) -> KafkaIOError:
    """The error to raise for a named topic that the full metadata did not list."""
    admin, settings = cluster.admin, cluster.settings
    missing = NotFound(f"topic {topic!r} does not exist")
    try:
        futures = admin.describe_topics(TopicCollection([topic]), request_timeout=settings.timeout_s)
        futures[topic].result(timeout=settings.timeout_s + FUTURE_GRACE_S)
    except KafkaException as exc:
        err = exc.args[0] if exc.args else None
        if isinstance(err, KafkaError) and err.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED:
            # Kafka answers the same for a topic that does not exist, so as not to reveal which it is.
            return NotAuthorized(f"not authorized to describe topic {topic!r} (Kafka does not say whether it exists)")
        return missing
    except Exception:  # a timeout: what the listing said stands
        return missing
    return missing  # created since the listing: a retry will find it
