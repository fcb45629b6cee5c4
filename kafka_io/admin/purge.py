"""Purge a topic's records with delete_records: one partition or every one, before an
offset or all of them. The topic stays; its low watermarks move up.

``plan_purge`` reads the watermarks and says what would go; nothing is written.
``apply_purge`` enters the write guard, wants the topic name typed again, and
deletes up to the offsets of the plan (records written since the preview stay):
what the preview showed is what goes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from confluent_kafka import TopicPartition

from kafka_io._client import EARLIEST, FUTURE_GRACE_S, LATEST, ClusterClient, list_offsets, translate_error
from kafka_io.access.actor import Actor
from kafka_io.access.guard import write_guard
from kafka_io.admin.purge_plan import PurgeRow, purge_rows
from kafka_io.errors import InvalidInput, KafkaIOError, NotFound
from kafka_io.topics.snapshot import read_metadata

__all__ = ["PurgePlan", "PurgeResult", "apply_purge", "plan_purge"]


@dataclass(frozen=True, slots=True)
class PurgePlan:
    topic: str
    before_offset: int | None  # None: every record
    rows: tuple[PurgeRow, ...]

    @property
    def changes(self) -> tuple[PurgeRow, ...]:
        return tuple(r for r in self.rows if r.error is None and r.records > 0)

    @property
    def records(self) -> int:
        return sum(r.records for r in self.changes)

    def describe(self) -> str:
        return "every record" if self.before_offset is None else f"the records before offset {self.before_offset}"


@dataclass(frozen=True, slots=True)
class PurgeResult:
    topic: str
    low_watermarks: tuple[tuple[int, int], ...]  # (partition, new low watermark), as the broker answered
    records: int


def plan_purge(
    cluster: ClusterClient,
    topic: str,
    partition: int | None = None,
    before_offset: int | None = None,
) -> PurgePlan:
    admin, settings = cluster.admin, cluster.settings
    metadata = read_metadata(cluster)
    found = metadata.topics.get(topic)
    if found is None or found.error is not None:
        raise NotFound(f"topic {topic!r} does not exist")
    tps = [(topic, p) for p in sorted(found.partitions)]
    lows, highs = list_offsets(admin, settings, tps, EARLIEST, LATEST)
    marks = {p: (lows[(t, p)][0], highs[(t, p)][0], lows[(t, p)][1] or highs[(t, p)][1]) for t, p in tps}
    return PurgePlan(topic, before_offset, purge_rows(topic, marks, partition, before_offset))


def apply_purge(cluster: ClusterClient, plan: PurgePlan, confirm: str, *, actor: Actor | None = None) -> PurgeResult:
    settings = cluster.settings
    details = {"before_offset": plan.before_offset, "partitions": len(plan.changes), "records": plan.records}
    with write_guard(settings, actor, "topic.purge", plan.topic, details) as note:
        if (confirm or "").strip() != plan.topic:
            raise InvalidInput(f"type the topic name {plan.topic!r} exactly to confirm the purge")
        if not plan.changes:
            raise InvalidInput(f"nothing to purge: the preview removes no record from {plan.topic!r}")
        result = _delete(cluster, plan)
        note.details["records"] = result.records
        return result


def _delete(cluster: ClusterClient, plan: PurgePlan) -> PurgeResult:
    admin, settings = cluster.admin, cluster.settings
    what = f"purge topic {plan.topic!r}"
    wanted = [TopicPartition(plan.topic, r.partition, r.new_low) for r in plan.changes]
    lows_before = {r.partition: r.low for r in plan.changes}
    try:
        futures = admin.delete_records(wanted, request_timeout=settings.timeout_s, operation_timeout=settings.timeout_s)
    except Exception as exc:
        raise translate_error(exc, settings, what) from None
    deadline = time.monotonic() + settings.timeout_s + FUTURE_GRACE_S
    done, failed = [], []
    for tp, future in futures.items():
        try:
            deleted = future.result(timeout=max(deadline - time.monotonic(), 0.01))
            done.append((tp.partition, deleted.low_watermark))
        except Exception as exc:
            failed.append(f"partition {tp.partition}: {translate_error(exc, settings)}")
    records = sum(low - lows_before[p] for p, low in done)
    if failed:
        moved = f"; {records} record(s) went from the other partitions" if done else ""
        raise KafkaIOError(f"{what} failed for " + "; ".join(sorted(failed)) + moved)
    return PurgeResult(plan.topic, tuple(sorted(done)), records)
