"""Stuck events: for each lagging partition of a group, the event at its committed offset.

The group's lag comes from kafka_io.groups.fetch (admin reads only: describe,
committed offsets, watermarks, and the transaction-marker settling that keeps a
commit parked on markers from counting as lag). The events come from one viewer
consumer over every lagging partition at once (kafka_io.messages.reading): the
group itself is never joined, rebalanced or committed.
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka_io._client import EARLIEST
from kafka_io.cluster import Cluster
from kafka_io.errors import InvalidInput, KafkaIOError, NotFound
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.groups.models import PartitionLag
from kafka_io.groups.record_reads import EXACT_MAX_PARTITIONS
from kafka_io.live.rates import TypeSpec
from kafka_io.messages.model import MAX_PAGE_SIZE, Message
from kafka_io.messages.reading import read_ranges, reader
from kafka_io.topics.names import validate_topic_name

__all__ = ["MAX_STUCK_PARTITIONS", "StuckEvent", "stuck_events"]

# The exact time lag reads as many partitions per sample; the most lagging come first.
MAX_STUCK_PARTITIONS = EXACT_MAX_PARTITIONS


@dataclass(frozen=True, slots=True)
class StuckEvent:
    group_id: str
    topic: str
    partition: int
    committed: int | None
    lag: int | None
    messages: tuple[Message, ...]  # the event at the committed offset, then up to `following` more
    error: str | None = None


def stuck_events(
    cluster: Cluster, group_id: str, *, topic: str | None = None, following: int = 0, type_field: str = "auto"
) -> tuple[StuckEvent, ...]:
    """One per lagging partition (lag > 0) of the group, most lagging first (at most MAX_STUCK_PARTITIONS).

    A partition whose commit was deleted by retention shows the oldest event left.
    """
    if not isinstance(group_id, str) or not group_id.strip():
        raise InvalidInput("a group id cannot be empty")
    if topic is not None:
        topic = validate_topic_name(topic)
    if type(following) is not int or not 0 <= following < MAX_PAGE_SIZE:
        raise InvalidInput(f"following must be a whole number from 0 to {MAX_PAGE_SIZE - 1}, got {following!r}")
    TypeSpec.parse(type_field)
    (group,) = cluster.run(fetch_group_lags, [group_id])
    if group.error:
        raise KafkaIOError(group.error)
    if group.state == "DEAD" and not group.partitions:
        raise NotFound(f"group {group_id!r} does not exist (no members, no committed offsets)")
    lagging = sorted(
        (p for p in group.partitions if p.lag and (topic is None or p.topic == topic)),
        key=lambda p: (-p.lag, p.topic, p.partition),
    )[:MAX_STUCK_PARTITIONS]
    return _read(cluster, group_id, lagging, following, type_field)


def _read(cluster: Cluster, group_id: str, lagging: list[PartitionLag], following: int, type_field: str):
    if not lagging:
        return ()
    (lows,) = cluster.list_offsets([(p.topic, p.partition) for p in lagging], EARLIEST)
    ranges = {}
    for p in lagging:
        low, _ = lows.get((p.topic, p.partition), (None, None))
        start = max(p.consumed_to, low or 0)
        ranges[(p.topic, p.partition)] = (start, min(start + 1 + following, p.high))
    with reader(cluster.settings, type_field) as (consumer, make):
        result = read_ranges(cluster.settings, consumer, ranges, make)
    return tuple(
        StuckEvent(
            group_id,
            p.topic,
            p.partition,
            p.committed,
            p.lag,
            tuple(result.messages[(p.topic, p.partition)]),
            result.errors.get((p.topic, p.partition)) or lows.get((p.topic, p.partition), (None, None))[1],
        )
        for p in lagging
    )
