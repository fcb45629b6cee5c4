"""Change a topic's configs: set and reset to the default, with incremental_alter_configs.

``plan_config_change`` reads the topic's configs, checks the keys, and asks the
broker to validate the new values (validate_only: nothing changes) so that a
bad value is refused in the broker's own terms before the preview is shown.
``apply_config_change`` enters the write guard, sends the same edits for real,
and reads the configs back: the result is what the broker now holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AlterConfigOpType, ConfigResource, ResourceType
from confluent_kafka.admin import ConfigEntry as KafkaConfigEntry

from kafka_io._client import FUTURE_GRACE_S, ClusterClient, translate_error
from kafka_io.access.actor import Actor
from kafka_io.access.guard import write_guard
from kafka_io.admin.config_edits import MASKED, ConfigEdit, DiffRow, KnownConfig, check_edits, diff_rows, plain_refusal
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, KafkaIOError, NotAuthorized, NotFound, Unavailable
from kafka_io.topics.details import TopicConfigs, topic_configs

__all__ = ["ConfigPlan", "apply_config_change", "plan_config_change", "read_topic_configs"]


@dataclass(frozen=True, slots=True)
class ConfigPlan:
    topic: str
    edits: tuple[ConfigEdit, ...]
    rows: tuple[DiffRow, ...]

    @property
    def changes(self) -> tuple[DiffRow, ...]:
        return tuple(r for r in self.rows if r.note is None)


def read_topic_configs(cluster: ClusterClient, topic: str) -> TopicConfigs:
    """Every config of ``topic``; NotFound / NotAuthorized in the broker's words."""
    found = topic_configs(cluster, [topic]).get(topic)
    if found is None:
        raise NotFound(f"topic {topic!r} does not exist")
    if found.error:
        if "UNKNOWN_TOPIC" in found.error or "Unknown topic" in found.error:
            raise NotFound(f"topic {topic!r} does not exist")
        if found.error.startswith("Cannot reach Kafka"):
            raise Unavailable(found.error)  # Cluster.call then reconnects next time
        reason = found.error.removeprefix("configs: ")
        error = NotAuthorized if reason.startswith("not authorized") else KafkaIOError
        raise error(f"configs of topic {topic!r}: {reason}")
    return found


def _known(configs: TopicConfigs) -> dict[str, KnownConfig]:
    return {e.name: KnownConfig(e.value, e.non_default, e.read_only, e.sensitive) for e in configs.entries}


def plan_config_change(cluster: ClusterClient, topic: str, edits: Sequence[ConfigEdit]) -> ConfigPlan:
    """The diff of ``edits`` against the topic's configs, validated by the broker; nothing is written."""
    known = _known(read_topic_configs(cluster, topic))
    check_edits(topic, edits, known)
    plan = ConfigPlan(topic, tuple(edits), diff_rows(edits, known))
    if not plan.changes:
        raise InvalidInput(f"nothing to change: every edit leaves topic {topic!r} as it is")
    _alter(cluster, plan, validate_only=True)
    return plan


def apply_config_change(cluster: ClusterClient, plan: ConfigPlan, *, actor: Actor | None = None) -> TopicConfigs:
    """Write the plan's changes; returns the topic's configs as read back afterwards."""
    settings = cluster.settings
    details = {
        "set": {r.config: r.new for r in plan.changes if r.action == "set" and not _secret(r)},
        "reset": [r.config for r in plan.changes if r.action == "reset"],
    }
    with write_guard(settings, actor, "topic.alter_configs", plan.topic, details):
        if not plan.changes:
            raise InvalidInput("nothing to change: no edit in the preview changes a value")
        _alter(cluster, plan, validate_only=False)
    return read_topic_configs(cluster, plan.topic)


def _secret(row: DiffRow) -> bool:
    return row.new == MASKED  # a sensitive key: its new value stays out of the audit log


def _alter(cluster: ClusterClient, plan: ConfigPlan, *, validate_only: bool) -> None:
    admin, settings = cluster.admin, cluster.settings
    changed = {r.config for r in plan.changes}
    entries = [
        KafkaConfigEntry(
            e.name,
            e.value,
            incremental_operation=AlterConfigOpType.DELETE if e.is_reset else AlterConfigOpType.SET,
        )
        for e in plan.edits
        if e.name in changed
    ]
    resource = ConfigResource(ResourceType.TOPIC, plan.topic, incremental_configs=entries)
    what = f"{'validate' if validate_only else 'change'} configs of topic {plan.topic!r}"
    try:
        futures = admin.incremental_alter_configs(
            [resource], request_timeout=settings.timeout_s, validate_only=validate_only
        )
        for future in futures.values():
            future.result(timeout=settings.timeout_s + FUTURE_GRACE_S)
    except KafkaException as exc:
        raise _config_error(exc, settings, what) from None
    except Exception as exc:
        raise translate_error(exc, settings, what) from None


def _config_error(exc: KafkaException, settings: ClusterSettings, what: str) -> BaseException:
    err = exc.args[0] if exc.args else None
    if isinstance(err, KafkaError) and err.code() == KafkaError.INVALID_CONFIG:
        return InvalidInput(plain_refusal(err.str()))  # the broker's answer, in plain words
    return translate_error(exc, settings, what)
