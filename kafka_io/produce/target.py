"""The produce target: a topic's partition count and size limit.

Existence is checked against the full topic list (topics.snapshot.read_metadata), never
by asking metadata for one topic by name: brokers with auto-creation on
(noida-db, and Kafka with auto.create.topics.enable) create a topic that is
merely asked about. Listing topics is cluster.list_topic_names; creating them
is topics.admin's, and the read-only check the write guard's (access.guard).

Size limit, first found: the topic's max.message.bytes, the broker's
message.max.bytes, else ``DEFAULT_MAX_MESSAGE_BYTES`` (1,048,576 bytes, just
under Kafka's own default, so never too generous). A config that cannot be
read (an ACL, say) falls through to the next, and the limit's name says so.
"""

from __future__ import annotations

from confluent_kafka.admin import ConfigResource

from kafka_io._client import FUTURE_GRACE_S, ClusterClient
from kafka_io.errors import KafkaIOError
from kafka_io.produce.inputs import TopicLimits
from kafka_io.produce.validation import DEFAULT_MAX_MESSAGE_BYTES
from kafka_io.topics.absent import absent_topic
from kafka_io.topics.details import topic_configs
from kafka_io.topics.names import validate_topic_name
from kafka_io.topics.snapshot import read_metadata

__all__ = ["topic_limits"]

TOPIC_LIMIT = "max.message.bytes"
BROKER_LIMIT = "message.max.bytes"


def _as_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _broker_limit(cluster: ClusterClient, broker: int) -> int | None:
    admin, settings = cluster.admin, cluster.settings
    resource = ConfigResource("broker", str(broker))
    try:
        future = admin.describe_configs([resource], request_timeout=settings.timeout_s)[resource]
        entry = future.result(timeout=settings.timeout_s + FUTURE_GRACE_S).get(BROKER_LIMIT)
    except Exception:  # no rights, an old broker, a timeout: the default applies
        return None
    return _as_int(entry.value) if entry is not None else None


def topic_limits(cluster: ClusterClient, topic: str) -> TopicLimits:
    """Partition count and size limit of an existing topic; NotFound when it does not exist."""
    settings = cluster.settings
    topic = validate_topic_name(topic)
    metadata = read_metadata(cluster)
    found = metadata.topics.get(topic)
    if found is None:
        raise absent_topic(cluster, topic)
    if found.error is not None:
        raise KafkaIOError(f"topic {topic!r}: {found.error.str()}")
    configs = topic_configs(cluster, [topic], only=[TOPIC_LIMIT]).get(topic)
    limit = _as_int(configs.get(TOPIC_LIMIT)) if configs is not None and configs.error is None else None
    name = f"{TOPIC_LIMIT} of topic {topic!r}"
    if limit is None and metadata.brokers:
        broker = min(metadata.brokers)
        limit, name = _broker_limit(cluster, broker), f"{BROKER_LIMIT} of broker {broker}"
    if limit is None:
        limit, name = DEFAULT_MAX_MESSAGE_BYTES, "the default limit: neither topic nor broker reports one"
    return TopicLimits(topic, len(found.partitions), limit, name, settings.partitioner)
