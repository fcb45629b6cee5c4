"""The topics snapshot every viewer of a cluster shares, with produce rates.

One ``Latest`` per (cluster, include_internal), attached to the ``Cluster``:
refreshed in the background once older than SNAPSHOT_TTL_S, so 20 viewers
cost the admin calls of one, and on 12,000 partitions (2.5 s per snapshot)
pages still render at once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from kafka_io.cluster import Cluster, Part
from kafka_io.latest import Latest
from kafka_io.topics.rates import WatermarkPair, advance, pair_rate_per_s, topic_rate_per_s
from kafka_io.topics.snapshot import ClusterSnapshot, TopicSummary, cluster_snapshot
from kafka_io.wire import TP

__all__ = ["SNAPSHOT_MAX_STALE_S", "SNAPSHOT_TTL_S", "RateBook", "TopicsView", "forget_topics_feeds", "topics_feed"]

SNAPSHOT_TTL_S = 5
SNAPSHOT_MAX_STALE_S = 30


class RateBook:
    """Last two (ts, high) samples per partition, for produce rates; bounded by age."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pairs: Mapping[TP, WatermarkPair] = {}

    def observe(self, snapshot: ClusterSnapshot) -> dict[TP, float | None]:
        observed = [((t.name, p.partition), p.high) for t in snapshot.topics for p in t.partitions]
        with self._lock:
            self._pairs = advance(self._pairs, observed, snapshot.sampled_at_s)
            pairs = self._pairs
        return {key: pair_rate_per_s(pairs.get(key)) for key, _ in observed}


@dataclass(frozen=True)
class TopicsView:
    """A snapshot with the produce rates measured against the previous one."""

    snapshot: ClusterSnapshot
    partition_rates: Mapping[TP, float | None]

    def rate_per_s(self, topic: str, partition: int) -> float | None:
        return self.partition_rates.get((topic, partition))

    def topic_rate_per_s(self, topic: TopicSummary) -> float | None:
        return topic_rate_per_s(self.rate_per_s(topic.name, p.partition) for p in topic.partitions)


TOPIC_RATES: Part[RateBook] = Part("topic-rates")
# by include_internal
TOPICS_FEEDS: dict[bool, Part[Latest[TopicsView]]] = {shown: Part(f"topics-feed-{shown}") for shown in (False, True)}


def topics_feed(cluster: Cluster, include_internal: bool = False) -> Latest[TopicsView]:
    """The cluster's shared, background-refreshed TopicsView (``.get()`` it)."""
    book = cluster.attached(TOPIC_RATES, RateBook)

    def fetch() -> TopicsView:
        snapshot = cluster.run(cluster_snapshot, include_internal)
        return TopicsView(snapshot, MappingProxyType(book.observe(snapshot)))

    name = f"kdash-topics-{cluster.settings.name}"
    return cluster.attached(
        TOPICS_FEEDS[include_internal], lambda: Latest(fetch, SNAPSHOT_TTL_S, SNAPSHOT_MAX_STALE_S, name=name)
    )


def forget_topics_feeds(cluster: Cluster) -> None:
    """After a write, so the next read fetches (rates keep their samples)."""
    for include_internal in (False, True):
        cluster.detach(TOPICS_FEEDS[include_internal])
