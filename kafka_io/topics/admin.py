"""Topic writes: create, add partitions, delete.

Every write enters the write guard FIRST (read-only mode and the caller's role,
so a refused user is refused even with bad input, and nothing is sent), then
validates, then sends with explicit timeouts; the guard writes the audit line. Broker refusals come back as KafkaIOError in the broker's words,
prefixed with what was attempted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from confluent_kafka.admin import NewPartitions, NewTopic

from kafka_io._client import FUTURE_GRACE_S, ClusterClient, translate_error
from kafka_io.access.actor import Actor
from kafka_io.access.guard import write_guard
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, NotFound
from kafka_io.topics.names import topic_name_warning, validate_topic_name
from kafka_io.topics.snapshot import read_metadata

__all__ = [
    "MAX_PARTITIONS",
    "NewTopicSpec",
    "add_partitions",
    "create_topic",
    "delete_topic",
    "parse_config_lines",
    "topic_name_warning",
    "validate_new_topic",
    "validate_topic_name",
]

# A sanity cap against typos (60000 instead of 6); real clusters rarely go past a few thousand.
MAX_PARTITIONS = 10_000
_CONFIG_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def parse_config_lines(text: str) -> dict[str, str]:
    """`key=value` lines (blank lines and # comments skipped) as topic configs."""
    configs: dict[str, str] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise InvalidInput(f"config line {number}: expected key=value, got {line!r}")
        if not _CONFIG_KEY.match(key):
            raise InvalidInput(f"config line {number}: {key!r} is not a config name (like retention.ms)")
        if not value:
            raise InvalidInput(f"config line {number}: {key} has no value")
        if key in configs:
            raise InvalidInput(f"config line {number}: {key} is set twice")
        configs[key] = value
    return configs


@dataclass(frozen=True, slots=True)
class NewTopicSpec:
    name: str
    partitions: int
    replication_factor: int
    configs: tuple[tuple[str, str], ...] = ()


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what} must be a whole number, got {value!r}")
    return value


def validate_new_topic(
    name: str,
    partitions: int,
    replication_factor: int,
    broker_count: int,
    configs: Mapping[str, str] | str | None = None,
) -> NewTopicSpec:
    """Everything checkable before sending; configs may be key=value lines."""
    name = validate_topic_name(name)
    partitions = _whole(partitions, "partitions")
    if not 1 <= partitions <= MAX_PARTITIONS:
        raise InvalidInput(f"partitions must be between 1 and {MAX_PARTITIONS:,}, got {partitions}")
    replication_factor = _whole(replication_factor, "replication factor")
    if replication_factor < 1:
        raise InvalidInput(f"replication factor must be at least 1, got {replication_factor}")
    if replication_factor > broker_count:
        raise InvalidInput(
            f"replication factor {replication_factor} is more than the {broker_count} broker(s) in the cluster"
        )
    if isinstance(configs, str) or configs is None:
        configs = parse_config_lines(configs or "")
    return NewTopicSpec(name, partitions, replication_factor, tuple(sorted(configs.items())))


def _wait(futures: dict, key: str, settings: ClusterSettings, what: str) -> None:
    try:
        futures[key].result(timeout=settings.timeout_s + FUTURE_GRACE_S)
    except Exception as exc:
        raise translate_error(exc, settings, what, denied=f"not authorized to {what}") from None


def create_topic(
    cluster: ClusterClient,
    name: str,
    partitions: int,
    replication_factor: int = 1,
    configs: Mapping[str, str] | str | None = None,
    *,
    actor: Actor | None = None,
) -> NewTopicSpec:
    """Create a topic; InvalidInput before sending, the broker's words after."""
    admin, settings = cluster.admin, cluster.settings
    details = {"partitions": partitions, "replication_factor": replication_factor}
    with write_guard(settings, actor, "topic.create", str(name), details) as note:
        broker_count = len(read_metadata(cluster).brokers)
        spec = validate_new_topic(name, partitions, replication_factor, broker_count, configs)
        note.details["configs"] = dict(spec.configs)
        new = NewTopic(spec.name, spec.partitions, spec.replication_factor, config=dict(spec.configs))
        try:
            futures = admin.create_topics(
                [new], operation_timeout=settings.timeout_s, request_timeout=settings.timeout_s
            )
        except Exception as exc:
            raise translate_error(exc, settings, f"create topic {spec.name!r}") from None
        _wait(futures, spec.name, settings, f"create topic {spec.name!r}")
        return spec


def _existing_partitions(cluster: ClusterClient, topic: str) -> int:
    metadata = read_metadata(cluster)
    if topic not in metadata.topics:
        raise NotFound(f"topic {topic!r} does not exist")
    return len(metadata.topics[topic].partitions)


def add_partitions(cluster: ClusterClient, topic: str, new_total: int, *, actor: Actor | None = None) -> int:
    """Grow `topic` to `new_total` partitions (Kafka cannot shrink); returns the old count."""
    admin, settings = cluster.admin, cluster.settings
    with write_guard(settings, actor, "topic.add_partitions", topic, {"to": new_total}) as note:
        new_total = _whole(new_total, "partition count")
        current = _existing_partitions(cluster, topic)
        note.details["from"] = current
        if new_total <= current:
            raise InvalidInput(
                f"topic {topic!r} already has {current} partition(s); the new count must be larger "
                "(Kafka cannot remove partitions)"
            )
        if new_total > MAX_PARTITIONS:
            raise InvalidInput(f"partitions must be at most {MAX_PARTITIONS:,}, got {new_total}")
        what = f"add partitions to {topic!r}"
        try:
            futures = admin.create_partitions(
                [NewPartitions(topic, new_total)],
                operation_timeout=settings.timeout_s,
                request_timeout=settings.timeout_s,
            )
        except Exception as exc:
            raise translate_error(exc, settings, what) from None
        _wait(futures, topic, settings, what)
        return current


def delete_topic(cluster: ClusterClient, topic: str, confirm: str, *, actor: Actor | None = None) -> None:
    """Delete `topic` when `confirm` repeats its name exactly."""
    admin, settings = cluster.admin, cluster.settings
    with write_guard(settings, actor, "topic.delete", topic):
        if (confirm or "").strip() != topic:
            raise InvalidInput(f"type the topic name {topic!r} exactly to confirm the delete")
        _existing_partitions(cluster, topic)  # a clear NotFound; some brokers accept unknown names
        what = f"delete topic {topic!r}"
        try:
            futures = admin.delete_topics(
                [topic], operation_timeout=settings.timeout_s, request_timeout=settings.timeout_s
            )
        except Exception as exc:
            raise translate_error(exc, settings, what) from None
        _wait(futures, topic, settings, what)
