"""The produce target: which topics exist, a topic's partition count and size limit, creating one.

Existence is checked against the full topic list, never by asking metadata for
one topic by name: brokers with auto-creation on (noida-db, and Kafka with
auto.create.topics.enable) create a topic that is merely asked about.

Size limit, first found: the topic's max.message.bytes, the broker's
message.max.bytes, else ``DEFAULT_MAX_MESSAGE_BYTES`` (1,048,576 bytes, just
under Kafka's own default, so never too generous).
"""

from __future__ import annotations

from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from kafka_io.clients import translate_error
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, KafkaIOError, NotFound, ReadOnly
from kafka_io.produce_input import TopicLimits
from kafka_io.validation import DEFAULT_MAX_MESSAGE_BYTES, validate_topic_name

__all__ = ["MAX_NEW_TOPIC_PARTITIONS", "refuse_if_read_only", "list_topic_names", "topic_limits", "create_topic"]

MAX_NEW_TOPIC_PARTITIONS = 1_000  # a typo guard (60 vs 6000), not a Kafka limit
_FUTURE_MARGIN_S = 1.0  # futures wait a little longer than the request timeout they carry


def refuse_if_read_only(settings: ClusterSettings, action: str) -> None:
    if settings.read_only:
        raise ReadOnly(f"cluster {settings.name!r} is read-only: {action} is disabled")


def _metadata(admin: AdminClient, settings: ClusterSettings):
    try:
        return admin.list_topics(timeout=settings.timeout_s)
    except Exception as exc:
        raise translate_error(exc, settings) from None


def list_topic_names(admin: AdminClient, settings: ClusterSettings, include_internal: bool = False) -> list[str]:
    """Sorted topic names; internal ones (``__consumer_offsets`` ...) only when asked."""
    names = _metadata(admin, settings).topics
    return sorted(n for n in names if include_internal or not n.startswith("__"))


def _config_value(admin: AdminClient, settings: ClusterSettings, resource: ConfigResource, key: str) -> int | None:
    try:
        future = admin.describe_configs([resource], request_timeout=settings.timeout_s)[resource]
        entries = future.result(timeout=settings.timeout_s + _FUTURE_MARGIN_S)
    except Exception as exc:
        raise translate_error(exc, settings, f"reading the configuration of {resource.name}") from None
    entry = entries.get(key)
    try:
        return int(entry.value) if entry is not None and entry.value is not None else None
    except ValueError:
        return None


def topic_limits(admin: AdminClient, settings: ClusterSettings, topic: str) -> TopicLimits:
    """Partition count and size limit of an existing topic; NotFound when it does not exist."""
    topic = validate_topic_name(topic)
    metadata = _metadata(admin, settings)
    found = metadata.topics.get(topic)
    if found is None:
        raise NotFound(f"topic {topic!r} does not exist")
    if found.error is not None:
        raise KafkaIOError(f"topic {topic!r}: {found.error.str()}")
    limit = _config_value(admin, settings, ConfigResource("topic", topic), "max.message.bytes")
    name = f"max.message.bytes of topic {topic!r}"
    if limit is None and metadata.brokers:
        broker = min(metadata.brokers)
        limit = _config_value(admin, settings, ConfigResource("broker", str(broker)), "message.max.bytes")
        name = f"message.max.bytes of broker {broker}"
    if limit is None:
        limit, name = DEFAULT_MAX_MESSAGE_BYTES, "the default limit: neither topic nor broker reports one"
    return TopicLimits(topic, len(found.partitions), limit, name)


def create_topic(admin: AdminClient, settings: ClusterSettings, name: str, partitions: int) -> None:
    """Create a topic with the broker's default replication factor."""
    refuse_if_read_only(settings, "creating topics")
    name = validate_topic_name(name)
    if type(partitions) is not int or not 1 <= partitions <= MAX_NEW_TOPIC_PARTITIONS:
        raise InvalidInput(f"partitions must be a whole number from 1 to {MAX_NEW_TOPIC_PARTITIONS:,}, got {partitions!r}")
    futures = admin.create_topics(
        [NewTopic(name, partitions)], operation_timeout=settings.timeout_s, request_timeout=settings.timeout_s
    )
    try:
        futures[name].result(timeout=settings.timeout_s + _FUTURE_MARGIN_S)
    except Exception as exc:
        raise translate_error(exc, settings, f"creating topic {name!r}") from None
