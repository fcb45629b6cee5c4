"""Which partitions of a topic end in offsets that hold no committed record.

One read_committed viewer read per partition at its last offset (high − 1),
through kafka_io.groups.record_reads.next_records (assign, a throwaway group id,
never a commit): a committed record there comes back at that very offset; a
transaction marker, an aborted record or an open transaction comes back as a
later offset or as the end of the readable log. At most GAP_MAX_PARTITIONS
partitions per topic are read (the rest count as exact), within one deadline.
"""

from __future__ import annotations

from kafka_io.config import ClusterSettings
from kafka_io.groups.record_reads import next_records
from kafka_io.topics.counts import CountBound, count_bound
from kafka_io.topics.snapshot import TopicSummary

__all__ = ["GAP_MAX_PARTITIONS", "GAP_TIMEOUT_S", "marker_partitions", "topic_count_bound"]

GAP_MAX_PARTITIONS = 64
# A read at the log end waits up to fetch.wait.max.ms (500 ms) for an answer.
GAP_TIMEOUT_S = 3.0


def marker_partitions(settings: ClusterSettings, topic: TopicSummary, timeout_s: float = GAP_TIMEOUT_S) -> list[int]:
    """Partitions whose last offset holds no committed record (unread ones are not listed)."""
    positions = [
        (topic.name, p.partition, p.high - 1)
        for p in topic.partitions
        if p.high is not None and p.low is not None and p.high > p.low
    ][:GAP_MAX_PARTITIONS]
    found = next_records(settings, positions, timeout_s)
    return sorted(
        partition
        for name, partition, last in positions
        if (record := found.get((name, partition))) is not None and (record.ts_ms is None or record.offset != last)
    )


def topic_count_bound(settings: ClusterSettings, topic: TopicSummary, cleanup_policy: str | None) -> CountBound:
    return count_bound(cleanup_policy, marker_partitions(settings, topic))
