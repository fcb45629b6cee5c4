"""Group writes: reset an EMPTY group's committed offsets, delete a group.

Every write enters the write guard here, inside kafka_io: read-only mode and
the caller's role refuse it, and it is audited (the UI hiding a button is not
a guard). Writes go through the
admin API (alter_consumer_group_offsets, delete_consumer_groups), never a
consumer joining the group. A group with members is refused in plain words:
the broker would reject it anyway, and resetting under running consumers is
how offsets get lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

from kafka_io._client import EARLIEST, FUTURE_GRACE_S, LATEST, ClusterClient, list_offsets, translate_error
from kafka_io.access.actor import Actor
from kafka_io.access.guard import write_guard
from kafka_io.cluster import Cluster
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, KafkaIOError, NotFound
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.groups.lag_math import partition_lag
from kafka_io.groups.models import GroupLag
from kafka_io.groups.reset_rules import ResetMode, ResetSpec, target_offset
from kafka_io.wire import TP

__all__ = ["ResetPlan", "ResetRow", "active_refusal", "apply_reset", "delete_group", "plan_reset", "plan_skip"]
__all__ += ["read_group", "refuse_active"]


@dataclass(frozen=True, slots=True)
class ResetRow:
    topic: str
    partition: int
    current: int | None
    new: int | None  # None: left unchanged (see note or error)
    low: int | None
    high: int | None
    lag_before: int | None
    lag_after: int | None
    note: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ResetPlan:
    group_id: str
    spec: ResetSpec
    rows: tuple[ResetRow, ...]

    @property
    def changes(self) -> tuple[ResetRow, ...]:
        return tuple(r for r in self.rows if r.new is not None and r.error is None)


def active_refusal(group: GroupLag, what: str) -> str | None:
    """The plain-words refusal for a group that has consumers, or None."""
    if not group.is_active:
        return None
    clients = ", ".join(sorted({m.client_id for m in group.members})) or "none listed"
    return (
        f"Group '{group.group_id}' is active ({group.state}, {len(group.members)} member(s): {clients}). "
        f"Stop its consumers first, then {what}."
    )


def refuse_active(group: GroupLag, what: str) -> None:
    """Raise the group's own error, or the plain-words refusal when it has consumers."""
    if group.error:
        raise KafkaIOError(group.error)
    refusal = active_refusal(group, what)
    if refusal:
        raise InvalidInput(refusal)


def read_group(cluster: ClusterClient, group_id: str) -> GroupLag:
    """The group now (state, members, committed offsets and lag), read with the admin API."""
    (group,) = fetch_group_lags(cluster, [group_id])
    return group


def _topic_partitions(cluster: ClusterClient, topics: Sequence[str]) -> list[TP]:
    admin, settings = cluster.admin, cluster.settings
    out: list[TP] = []
    for topic in topics:
        try:
            metadata = admin.list_topics(topic=topic, timeout=settings.timeout_s)
        except Exception as exc:
            raise translate_error(exc, settings, f"topic {topic}") from None
        found = metadata.topics.get(topic)
        if found is None or found.error is not None or not found.partitions:
            raise NotFound(f"topic {topic!r} does not exist")
        out.extend((topic, p) for p in sorted(found.partitions))
    return out


def plan_reset(
    cluster: ClusterClient,
    group_id: str,
    spec: ResetSpec,
    *,
    topics: Sequence[str] | None = None,
    partitions: Sequence[TP] | None = None,
) -> ResetPlan:
    """The dry run: where each selected partition would go and its lag after.

    Selection: `partitions`, else every partition of `topics`, else every
    partition the group has a committed offset on. Nothing is written.
    """
    admin, settings = cluster.admin, cluster.settings
    group = read_group(cluster, group_id)
    refuse_active(group, "reset its offsets")
    committed = {(p.topic, p.partition): p.committed for p in group.partitions}
    chosen = (
        sorted(set(partitions)) if partitions else (_topic_partitions(cluster, topics) if topics else sorted(committed))
    )
    if not chosen:
        raise InvalidInput(f"group {group_id!r} has no committed offsets: choose topics to reset")
    queries = (EARLIEST, LATEST, int(spec.value)) if spec.mode is ResetMode.TIMESTAMP else (EARLIEST, LATEST)
    lows, highs, *by_time = list_offsets(admin, settings, chosen, *queries)
    return ResetPlan(
        group_id,
        spec,
        tuple(_row(tp, committed.get(tp), lows[tp], highs[tp], by_time[0] if by_time else {}, spec) for tp in chosen),
    )


def _row(tp: TP, current: int | None, low_result, high_result, by_time, spec: ResetSpec) -> ResetRow:
    (low, low_error), (high, high_error) = low_result, high_result
    ts_offset, ts_error = by_time.get(tp, (None, None))
    error = low_error or high_error or ts_error
    lag_before = partition_lag(high, current) if high is not None else None
    if error or low is None or high is None:
        return ResetRow(*tp, current, None, low, high, lag_before, None, None, error or "offsets unknown")
    new, note = target_offset(spec, current, low, high, ts_offset)
    lag_after = partition_lag(high, new) if new is not None else lag_before
    return ResetRow(*tp, current, new, low, high, lag_before, lag_after, note)


def plan_skip(cluster: Cluster, group_id: str, topic: str, partition: int, offset: int) -> ResetPlan:
    """Skip the event at ``offset`` (the one the group is stuck on): commit offset + 1 on exactly
    that partition. A preview, like plan_reset (and refused for a group with members, as a reset
    is); apply it with apply_reset. A group already past ``offset`` there is refused: nothing to skip.
    """
    if type(offset) is not int or offset < 0 or type(partition) is not int or partition < 0:
        raise InvalidInput(f"skip needs a partition and an offset >= 0, got partition {partition!r}, offset {offset!r}")
    spec = ResetSpec(ResetMode.OFFSET, offset + 1)
    plan = cluster.run(plan_reset, group_id, spec, partitions=[(topic, partition)])
    (row,) = plan.rows
    if row.current is not None and row.current > offset:
        raise InvalidInput(
            f"group {group_id!r} is already past offset {offset} on {topic}[{partition}] "
            f"(committed {row.current}): nothing to skip"
        )
    if row.error is None and row.current is not None and row.current < offset and row.note is None:
        row = replace(
            row, note=f"also skips the {offset - row.current:,} events before it ({row.current}..{offset - 1})"
        )
    return replace(plan, rows=(row,))


def apply_reset(cluster: ClusterClient, plan: ResetPlan, *, actor: Actor | None = None) -> ResetPlan:
    """Commit the plan's new offsets for the group; returns the plan as applied.

    The group is checked again right before writing: consumers may have
    started since the preview.
    """
    admin, settings = cluster.admin, cluster.settings
    details = {"to": plan.spec.describe(), "partitions": len(plan.changes)}
    with write_guard(settings, actor, "group.reset_offsets", plan.group_id, details):
        changes = plan.changes
        if not changes:
            raise InvalidInput("nothing to reset: no partition in the preview gets a new offset")
        refuse_active(read_group(cluster, plan.group_id), "reset its offsets")
        new_offsets = [TopicPartition(r.topic, r.partition, r.new) for r in changes]
        request = ConsumerGroupTopicPartitions(plan.group_id, new_offsets)
        try:
            (future,) = admin.alter_consumer_group_offsets([request], request_timeout=settings.timeout_s).values()
            result = future.result(timeout=settings.timeout_s + FUTURE_GRACE_S)
        except Exception as exc:
            raise _write_error(exc, settings, plan.group_id, "reset its offsets") from None
        failed = [f"{tp.topic}[{tp.partition}]: {tp.error.str()}" for tp in result.topic_partitions if tp.error]
        if failed:
            raise KafkaIOError(f"reset of group {plan.group_id!r} failed for " + "; ".join(failed))
        return plan


def _write_error(exc: Exception, settings: ClusterSettings, group_id: str, what: str) -> KafkaIOError:
    error = translate_error(exc, settings, f"group {group_id}")
    # Members joined between our check and the write: say it in plain words.
    if any(code in str(exc) for code in ("UNKNOWN_MEMBER_ID", "NON_EMPTY_GROUP", "REBALANCE_IN_PROGRESS")):
        return InvalidInput(f"Group '{group_id}' became active. Stop its consumers first, then {what}.")
    return error


def delete_group(cluster: ClusterClient, group_id: str, *, confirm: str, actor: Actor | None = None) -> None:
    """Delete an empty group and its committed offsets; `confirm` must be its id."""
    admin, settings = cluster.admin, cluster.settings
    with write_guard(settings, actor, "group.delete", group_id):
        if confirm.strip() != group_id:
            raise InvalidInput(f"type the group id {group_id!r} exactly to confirm the deletion")
        group = read_group(cluster, group_id)
        refuse_active(group, "delete it")
        if group.state == "DEAD" and not group.partitions:
            raise NotFound(f"group {group_id!r} does not exist")
        try:
            (future,) = admin.delete_consumer_groups([group_id], request_timeout=settings.timeout_s).values()
            future.result(timeout=settings.timeout_s + FUTURE_GRACE_S)
        except Exception as exc:
            raise _write_error(exc, settings, group_id, "delete it") from None
