"""Lag across transaction markers: a commit that sits on a marker is caught up.

A transactional producer ends every transaction with a control record (a
commit or abort *marker*) that takes an offset of its own, and aborted records
keep theirs. No consumer ever receives them, so a consumer that has read
everything can commit an offset below the high watermark: Java consumers, and
librdkafka ones that commit ``message.offset() + 1``, stop on the last marker.
Then high − committed says 1 (or more) for ever, and the status rules called
such a caught-up group STALL (members) or STOP (none).

When a partition's (committed, high) did not move since the previous fetch and
its lag is above 0, one read_committed viewer read from the committed offset
(kafka_io.groups.record_reads.next_records: assign, throwaway group id, no
commit) finds the next committed record. When that lies further on, what is in
between is markers and aborted records, and lag counts from there; the end of
the log means nothing is left to consume (lag 0).

Each answer is kept per (cluster, topic, partition, committed offset): the log
only grows, so what lies between an offset and the next committed record never
changes, and a stuck group costs one read, not one per sample. Partitions
whose offsets move are never read here (a busy group costs nothing).

Only lagging positions are remembered between fetches (a caught-up one cannot be
stuck), in plain dicts trimmed oldest-first: at 10,000 groups an LRU touched per
partition per sample cost 0.5 s a sample, and at 100,000 remembered positions it
evicted what the next sample needed, so big clusters never got settled.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace

from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError
from kafka_io.groups.lag_math import partition_lag
from kafka_io.groups.models import GroupLag, PartitionLag
from kafka_io.groups.record_reads import EXACT_MAX_PARTITIONS, next_records

__all__ = ["MARKER_READ_TIMEOUT_S", "forget", "settle_markers"]

# Enough for a read_committed fetch that waits at the log end (fetch.wait.max.ms 500).
MARKER_READ_TIMEOUT_S = 2.0
MAX_REMEMBERED = 200_000  # per kind of memory below: ~30 MB at worst, then oldest first

_lock = threading.Lock()
# (cluster, group, topic, partition) -> (committed, high) at the previous fetch, lagging ones only
_previous: dict[tuple, tuple[int, int]] = {}
# (cluster, topic, partition, committed) -> offset of the next committed record (or of the log end)
_skips: dict[tuple, int] = {}
# The answers of _skips that do skip something (next offset past the commit): what _settled
# looks up, so clusters without transactions pay nothing per partition.
_past_markers: dict[tuple, int] = {}


def _trim(memory: dict) -> None:
    """Drop the oldest entries (dicts keep insertion order) past MAX_REMEMBERED."""
    extra = len(memory) - MAX_REMEMBERED
    if extra > 0:
        for key in list(itertools.islice(memory, extra)):
            del memory[key]


def forget() -> None:
    """Drop every remembered answer (tests)."""
    with _lock:
        _previous.clear()
        _skips.clear()
        _past_markers.clear()


def _stuck(cluster: str, groups: tuple[GroupLag, ...]) -> list[tuple[str, int, int]]:
    """Positions worth one read: lag > 0 and the same (committed, high) as at the previous fetch."""
    wanted: dict[tuple[str, int, int], None] = {}
    with _lock:
        for g in groups:
            for p in g.partitions:
                key = (cluster, g.group_id, p.topic, p.partition)
                if not p.lag:  # caught up (or unknown): nothing to settle, nothing to remember
                    _previous.pop(key, None)
                    continue
                state = (p.committed, p.high)
                if _previous.get(key) == state:
                    if (cluster, p.topic, p.partition, p.committed) not in _skips:
                        wanted[(p.topic, p.partition, p.committed)] = None
                else:
                    _previous[key] = state
        _trim(_previous)
    return list(wanted)[:EXACT_MAX_PARTITIONS]


def _settled(cluster: str, p: PartitionLag) -> PartitionLag:
    """Called under _lock."""
    if not p.lag:
        return p
    next_offset = _past_markers.get((cluster, p.topic, p.partition, p.committed))
    if next_offset is None or next_offset > p.high:
        return p  # not read, nothing skipped, or a recreated topic's old answer
    return replace(p, next_offset=next_offset, lag=partition_lag(p.high, next_offset))


def _settle_group(cluster: str, g: GroupLag) -> GroupLag:
    """Called under _lock."""
    partitions = tuple(_settled(cluster, p) for p in g.partitions)
    return (
        g if all(a is b for a, b in zip(partitions, g.partitions, strict=True)) else replace(g, partitions=partitions)
    )


def settle_markers(settings: ClusterSettings, groups: tuple[GroupLag, ...]) -> tuple[GroupLag, ...]:
    """The groups with lag counted from the next committed record where markers
    or aborted records lie after a stuck commit (PartitionLag.next_offset)."""
    cluster = settings.bootstrap_servers
    positions = _stuck(cluster, groups)
    if positions:
        try:
            found = next_records(settings, positions, MARKER_READ_TIMEOUT_S)
        except KafkaIOError:
            found = {}  # unreachable now: lag stays high − committed, the next sample retries
        with _lock:
            for topic, partition, committed in positions:
                record = found.get((topic, partition))
                if record is not None:
                    _skips[(cluster, topic, partition, committed)] = record.offset
                    if record.offset > committed:
                        _past_markers[(cluster, topic, partition, committed)] = record.offset
            _trim(_skips)
            _trim(_past_markers)
    with _lock:
        if not _past_markers:  # no marker was ever skipped: nothing to settle (the common case)
            return groups
        return tuple(_settle_group(cluster, g) for g in groups)
