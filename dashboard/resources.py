"""Streamlit caches over kafka_io: one ``Cluster`` handle per configured cluster.

The handle owns the cluster's admin client, shared producer, lag sampler and
topic snapshots (kafka_io.cluster); evicting one cluster closes what it owns
and leaves the others. Clients cannot be pickled, so they live in
st.cache_resource; plain results every session can share live in
st.cache_data with a short TTL. Pages never see an AdminClient: they hand a
kafka_io function to ``with_cluster``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import streamlit as st

from kafka_io.cluster import Cluster, ClusterInfo
from kafka_io.config import ClusterSettings, load_clusters
from kafka_io.groups.lag_math import TimeLag, partition_lag
from kafka_io.groups.models import PartitionLag
from kafka_io.groups.record_reads import exact_time_lags
from kafka_io.groups.sampler import LagSampler
from kafka_io.groups.sampler import lag_sampler as _lag_sampler
from kafka_io.latest import Latest
from kafka_io.live.model import StartPosition
from kafka_io.live.pool import TailPool, TailView
from kafka_io.live.rates import TypeSpec
from kafka_io.produce.burst.engine import Burst
from kafka_io.produce.inputs import TopicLimits
from kafka_io.produce.producer import ProducerHandle
from kafka_io.produce.producer import producer_handle as _producer_handle
from kafka_io.produce.target import topic_limits
from kafka_io.topics import details
from kafka_io.topics.absent import absent_topic
from kafka_io.topics.counts import CountBound
from kafka_io.topics.details import GroupStates, TopicConfigs, TopicGroups
from kafka_io.topics.gaps import topic_count_bound
from kafka_io.topics.snapshot import TopicSummary, is_internal
from kafka_io.topics.view import TopicsView, forget_topics_feeds, topics_feed

__all__ = [
    "BurstSlot",
    "TopicsView",
    "burst_slot",
    "cluster",
    "cluster_info",
    "configured_clusters",
    "exact_lag_seconds",
    "forget_clients",
    "forget_topic_data",
    "group_states",
    "lag_sampler",
    "live_view",
    "produce_limits",
    "producer_handle",
    "table_configs",
    "tail_pool",
    "topic_configs",
    "topic_groups",
    "topic_names",
    "topics_view",
    "with_cluster",
]

T = TypeVar("T")
CLUSTER_INFO_TTL_S = 10
CONFIGS_TTL_S = 30
CONFIGS_MAX_STALE_S = 120
TABLE_CONFIGS = ("cleanup.policy", "retention.ms")
SNAPSHOT_TTL_S = 5
EXACT_LAG_TTL_S = 5
TOPIC_NAMES_TTL_S = 10
PRODUCE_LIMITS_TTL_S = 10
# Each browser session holds at most this many live views; a new selection,
# or the session ending, releases the old one (on_release).
LIVE_VIEWS_PER_SESSION = 1


def configured_clusters() -> dict[str, ClusterSettings]:
    """Clusters from env > secrets > embedded; raises InvalidInput on bad config."""
    return load_clusters()


@st.cache_resource(show_spinner=False, max_entries=16, on_release=Cluster.close)
def cluster(settings: ClusterSettings) -> Cluster:
    return Cluster(settings)


def with_cluster(settings: ClusterSettings, action: Callable[..., T], *args, **kwargs) -> T:
    """``action(cluster, *args, **kwargs)`` with the cluster's cached handle."""
    return cluster(settings).run(action, *args, **kwargs)


@st.cache_data(ttl=CLUSTER_INFO_TTL_S, show_spinner=False, max_entries=16)
def cluster_info(settings: ClusterSettings) -> ClusterInfo:
    return cluster(settings).describe()


def forget_clients(settings: ClusterSettings) -> None:
    """Reconnect from scratch on the next rerun (the sampler keeps its history)."""
    cluster(settings).reset_clients()
    cluster_info.clear(settings)
    produce_limits.clear()


def producer_handle(settings: ClusterSettings) -> ProducerHandle:
    """One shared producer per cluster; a fatal error makes send_one recreate it."""
    return _producer_handle(cluster(settings))


def lag_sampler(settings: ClusterSettings) -> LagSampler:
    """The cluster's lag sampler, started by the first page view and shared by all sessions."""
    return _lag_sampler(cluster(settings))


# --- Topics and overview -----------------------------------------------------


def topics_view(settings: ClusterSettings, include_internal: bool = False) -> TopicsView:
    return topics_feed(cluster(settings), include_internal).get()


@st.cache_resource(show_spinner=False, max_entries=32)
def _table_configs(settings: ClusterSettings, topics: tuple[str, ...]) -> Latest[dict[str, TopicConfigs]]:
    # The fetch gets the Cluster from the page's thread: the refresh thread never calls st.*.
    return Latest(
        lambda handle: handle.run(details.topic_configs, topics, TABLE_CONFIGS),
        CONFIGS_TTL_S,
        CONFIGS_MAX_STALE_S,
        name=f"kdash-configs-{settings.name}",
    )


def table_configs(settings: ClusterSettings, topics: tuple[str, ...]) -> dict[str, TopicConfigs]:
    """cleanup.policy and retention.ms of `topics`; configs change rarely, so they live longer."""
    return _table_configs(settings, topics).get(cluster(settings))


@st.cache_data(ttl=CONFIGS_TTL_S, show_spinner=False, max_entries=64)
def topic_configs(settings: ClusterSettings, topic: str) -> TopicConfigs | None:
    """Every config of one topic, for its detail view."""
    return with_cluster(settings, details.topic_configs, [topic]).get(topic)


@st.cache_data(ttl=SNAPSHOT_TTL_S, show_spinner=False, max_entries=64)
def why_absent(settings: ClusterSettings, topic: str) -> str:
    """Why the snapshot has no `topic`: gone, or hidden by ACLs (then Kafka says not authorized)."""
    return str(with_cluster(settings, absent_topic, topic))


@st.cache_data(ttl=CONFIGS_TTL_S, show_spinner=False, max_entries=64)
def count_bound(settings: ClusterSettings, topic: TopicSummary, cleanup_policy: str | None) -> CountBound:
    """Whether the topic's high − low is exact, keyed by its watermarks (one read per partition)."""
    return topic_count_bound(settings, topic, cleanup_policy)


@st.cache_data(ttl=SNAPSHOT_TTL_S, show_spinner=False, max_entries=64)
def topic_groups(settings: ClusterSettings, topic: str) -> TopicGroups:
    summary = topics_view(settings, is_internal(topic)).snapshot.topic(topic)
    highs = {p.partition: p.high for p in summary.partitions} if summary else {}
    return with_cluster(settings, details.groups_on_topic, topic, highs)


@st.cache_data(ttl=SNAPSHOT_TTL_S, show_spinner=False, max_entries=16)
def group_states(settings: ClusterSettings) -> GroupStates:
    return with_cluster(settings, details.group_states)


def forget_topic_data(settings: ClusterSettings) -> None:
    """After a write, so the next render shows it (rates keep their samples)."""
    forget_topics_feeds(cluster(settings))
    _table_configs.clear()
    topic_configs.clear()
    count_bound.clear()
    topic_groups.clear()
    group_states.clear()
    topic_names.clear(settings)


# --- Consumer groups ---------------------------------------------------------


@st.cache_data(ttl=EXACT_LAG_TTL_S, show_spinner=False, max_entries=64)
def exact_lag_seconds(
    settings: ClusterSettings, group_id: str, positions: tuple[tuple[str, int, int | None, int | None], ...]
) -> dict[tuple[str, int], TimeLag]:
    """Exact time lag of a group's partitions, keyed by the (topic, partition,
    committed, high) positions so a new commit or record reads again."""
    partitions = [PartitionLag(t, p, c, h, partition_lag(h, c)) for t, p, c, h in positions]
    return exact_time_lags(settings, partitions)


# --- Live events: tail workers shared between sessions -------------------------
# One TailPool per process decides who shares a worker (kafka_io/live/pool.py):
# viewers at "latest" of the same cluster + topics + type spec share one worker,
# other start positions get a private one; the pool stops workers nobody watches.


@st.cache_resource(show_spinner=False, on_release=TailPool.stop_all)
def tail_pool() -> TailPool:
    return TailPool()


def _view_ok(view: TailView) -> bool:
    if view.alive:
        return True
    view.release()  # a dead worker: release it so the pool forgets it, then build a new view
    return False


@st.cache_resource(
    show_spinner=False,
    scope="session",
    max_entries=LIVE_VIEWS_PER_SESSION,
    on_release=TailView.release,
    validate=_view_ok,
)
def live_view(settings: ClusterSettings, topics: tuple[str, ...], spec: TypeSpec, start: StartPosition) -> TailView:
    return tail_pool().acquire(settings, topics, spec, start)


@st.cache_data(ttl=TOPIC_NAMES_TTL_S, show_spinner=False, max_entries=16)
def topic_names(settings: ClusterSettings) -> list[str]:
    return cluster(settings).topic_names()


# --- Produce -------------------------------------------------------------------


@st.cache_data(ttl=PRODUCE_LIMITS_TTL_S, show_spinner=False, max_entries=64)
def produce_limits(settings: ClusterSettings, topic: str) -> TopicLimits:
    return with_cluster(settings, topic_limits, topic)


@dataclass
class BurstSlot:
    """This browser session's burst; stopped when the session ends (on_release)."""

    burst: Burst | None = None

    def close(self) -> None:
        if self.burst is not None:
            self.burst.stop()


@st.cache_resource(show_spinner=False, scope="session", on_release=BurstSlot.close)
def burst_slot() -> BurstSlot:
    return BurstSlot()
