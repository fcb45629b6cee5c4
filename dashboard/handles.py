"""Streamlit cache factories: one admin client and one producer per cluster per process.

This, shell.py and widgets.py are the only kafka_io modules that import streamlit. Clients
cannot be pickled, so they live in st.cache_resource; plain results that every
browser session can share live in st.cache_data with a short TTL.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import streamlit as st
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from kafka_io.clients import make_admin
from kafka_io.cluster import ClusterInfo, describe_cluster, list_topic_names
from kafka_io.config import ClusterSettings, load_clusters
from kafka_io.errors import Timeout, Unavailable
from kafka_io.produce.inputs import TopicLimits
from kafka_io.produce.target import topic_limits
from kafka_io.produce.producer import ProducerHandle
from kafka_io.latest import Latest
from kafka_io.topics import details
from kafka_io.topics.details import GroupStates, TopicConfigs, TopicGroups
from kafka_io.topics.rates import advance, pair_rate_per_s, topic_rate_per_s
from kafka_io.topics.snapshot import ClusterSnapshot, TopicSummary, cluster_snapshot, is_internal
from kafka_io.groups.exact_lag import exact_time_lags
from kafka_io.groups.models import PartitionLag
from kafka_io.groups.lag import TimeLag, partition_lag
from kafka_io.groups.sampler import LagSampler
from kafka_io.live.rates import TypeSpec
from kafka_io.live.model import StartPosition
from kafka_io.live.pool import TailPool, TailView

__all__ = [
    "CLUSTER_INFO_TTL_S",
    "admin_client",
    "cluster_info",
    "configured_clusters",
    "exact_lag_seconds",
    "forget_clients",
    "lag_sampler",
    "producer",
    "producer_handle",
    "produce_limits",
    "SNAPSHOT_TTL_S",
    "TopicsView",
    "forget_topic_data",
    "group_states",
    "table_configs",
    "topic_configs",
    "topic_groups",
    "topics_view",
    "live_view",
    "producer",
    "tail_pool",
    "topic_names",
]

CLUSTER_INFO_TTL_S = 10


def configured_clusters() -> dict[str, ClusterSettings]:
    """Clusters from env > secrets > embedded; raises InvalidInput on bad config."""
    return load_clusters()


@st.cache_resource(show_spinner=False, max_entries=16)
def admin_client(settings: ClusterSettings) -> AdminClient:
    return make_admin(settings)


def producer(settings: ClusterSettings) -> Producer:
    """The cluster's one idempotent producer (see producer_handle, which can recreate it)."""
    return producer_handle(settings).get()


@st.cache_data(ttl=CLUSTER_INFO_TTL_S, show_spinner=False, max_entries=16)
def cluster_info(settings: ClusterSettings) -> ClusterInfo:
    try:
        return describe_cluster(admin_client(settings), settings)
    except (Unavailable, Timeout):
        forget_clients()
        raise


def forget_clients() -> None:
    """Drop cached clients and data so the next rerun reconnects from scratch."""
    admin_client.clear()
    producer_handle.clear()
    cluster_info.clear()
    produce_limits.clear()


# --- Topics and overview (issue 3) -------------------------------------------
# One snapshot per (cluster, include_internal), shared by every browser session
# and refreshed in the background once older than SNAPSHOT_TTL_S (kafka_io.latest):
# 20 viewers cost the admin calls of one, and on 12,000 partitions (2.5 s per
# snapshot here) pages still render at once. Immutable results live in
# st.cache_resource, which hands out the object itself: st.cache_data would
# unpickle 12,000 partitions on every rerun (0.15 s measured).
SNAPSHOT_TTL_S = 5
SNAPSHOT_MAX_STALE_S = 30
CONFIGS_TTL_S = 30
CONFIGS_MAX_STALE_S = 120
TABLE_CONFIGS = ("cleanup.policy", "retention.ms")


class _RateBook:
    """Last two (ts, high) samples per partition, for produce rates; bounded by age."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pairs: dict = {}

    def observe(self, snapshot: ClusterSnapshot) -> dict[tuple[str, int], float | None]:
        observed = [((t.name, p.partition), p.high) for t in snapshot.topics for p in t.partitions]
        with self._lock:
            self._pairs = advance(self._pairs, observed, snapshot.sampled_at_s)
            pairs = self._pairs
        return {key: pair_rate_per_s(pairs.get(key)) for key, _ in observed}


@st.cache_resource(show_spinner=False, max_entries=16)
def _rate_book(settings: ClusterSettings) -> _RateBook:
    return _RateBook()


@dataclass(frozen=True)
class TopicsView:
    """A snapshot with the produce rates measured against the previous one."""

    snapshot: ClusterSnapshot
    partition_rates: Mapping[tuple[str, int], float | None]

    def rate_per_s(self, topic: str, partition: int) -> float | None:
        return self.partition_rates.get((topic, partition))

    def topic_rate_per_s(self, topic: TopicSummary) -> float | None:
        return topic_rate_per_s(self.rate_per_s(topic.name, p.partition) for p in topic.partitions)


def _guarded(settings: ClusterSettings, call):
    """Run call(admin); drop the cached clients when the cluster stops answering."""
    try:
        return call(admin_client(settings))
    except (Unavailable, Timeout):
        forget_clients()
        raise


def _fetch_view(admin: AdminClient, settings: ClusterSettings, include_internal: bool, book: _RateBook) -> TopicsView:
    snapshot = cluster_snapshot(admin, settings, include_internal)
    return TopicsView(snapshot, MappingProxyType(book.observe(snapshot)))


@st.cache_resource(show_spinner=False, max_entries=32)
def _views(settings: ClusterSettings, include_internal: bool) -> Latest[TopicsView]:
    book = _rate_book(settings)
    return Latest(lambda admin: _fetch_view(admin, settings, include_internal, book),
                  SNAPSHOT_TTL_S, SNAPSHOT_MAX_STALE_S, name=f"kdash-topics-{settings.name}")  # fmt: skip


def topics_view(settings: ClusterSettings, include_internal: bool = False) -> TopicsView:
    return _guarded(settings, lambda admin: _views(settings, include_internal).get(admin))


@st.cache_resource(show_spinner=False, max_entries=32)
def _table_configs(settings: ClusterSettings, topics: tuple[str, ...]) -> Latest[dict[str, TopicConfigs]]:
    return Latest(lambda admin: details.topic_configs(admin, settings, topics, TABLE_CONFIGS),
                  CONFIGS_TTL_S, CONFIGS_MAX_STALE_S, name=f"kdash-configs-{settings.name}")  # fmt: skip


def table_configs(settings: ClusterSettings, topics: tuple[str, ...]) -> dict[str, TopicConfigs]:
    """cleanup.policy and retention.ms of `topics`; configs change rarely, so they live longer."""
    return _guarded(settings, lambda admin: _table_configs(settings, topics).get(admin))


@st.cache_data(ttl=CONFIGS_TTL_S, show_spinner=False, max_entries=64)
def topic_configs(settings: ClusterSettings, topic: str) -> TopicConfigs | None:
    """Every config of one topic, for its detail view."""
    return _guarded(settings, lambda admin: details.topic_configs(admin, settings, [topic])).get(topic)


@st.cache_data(ttl=SNAPSHOT_TTL_S, show_spinner=False, max_entries=64)
def topic_groups(settings: ClusterSettings, topic: str) -> TopicGroups:
    summary = topics_view(settings, is_internal(topic)).snapshot.topic(topic)
    highs = {p.partition: p.high for p in summary.partitions} if summary else {}
    return _guarded(settings, lambda admin: details.groups_on_topic(admin, settings, topic, highs))


@st.cache_data(ttl=SNAPSHOT_TTL_S, show_spinner=False, max_entries=16)
def group_states(settings: ClusterSettings) -> GroupStates:
    return _guarded(settings, lambda admin: details.group_states(admin, settings))


def forget_topic_data() -> None:
    """After a write, so the next render shows it (rates keep their samples)."""
    _views.clear()
    _table_configs.clear()
    topic_configs.clear()
    topic_groups.clear()
    group_states.clear()
# --- Consumer groups and lag (issue 4) -------------------------------------

EXACT_LAG_TTL_S = 5


def _stop_sampler(sampler: LagSampler) -> None:
    sampler.stop()


@st.cache_resource(show_spinner=False, max_entries=16, on_release=_stop_sampler)
def lag_sampler(settings: ClusterSettings) -> LagSampler:
    """THE lag sampler of this cluster in this process, shared by every session.

    Started by the first page view; its thread keeps running across reruns.
    Not dropped by forget_clients(): it keeps its history through an outage
    and resumes by itself.
    """
    return LagSampler(settings).start()


@st.cache_data(ttl=EXACT_LAG_TTL_S, show_spinner=False, max_entries=64)
def exact_lag_seconds(
    settings: ClusterSettings, group_id: str, positions: tuple[tuple[str, int, int | None, int | None], ...]
) -> dict[tuple[str, int], TimeLag]:
    """Exact time lag of a group's partitions, keyed by the (topic, partition,
    committed, high) positions so a new commit or record reads again."""
    partitions = [PartitionLag(t, p, c, h, partition_lag(h, c)) for t, p, c, h in positions]
    return exact_time_lags(settings, partitions)
# --- Live events (issue 6): tail workers shared between sessions -----------------
# One TailPool per process decides who shares a worker (kafka_io/live/pool.py):
# viewers at "latest" of the same cluster + topics + type spec share one worker,
# other start positions get a private one. Each browser session holds at most
# LIVE_VIEWS_PER_SESSION view; a new selection, or the session ending, releases
# the old one (on_release), and the pool stops workers nobody watches.
TOPIC_NAMES_TTL_S = 10
LIVE_VIEWS_PER_SESSION = 1


@st.cache_resource(show_spinner=False, on_release=lambda pool: pool.stop_all())
def tail_pool() -> TailPool:
    return TailPool()


def _view_ok(view: TailView) -> bool:
    if view.alive:
        return True
    view.release()  # a dead worker: release it so the pool forgets it, then build a new view
    return False


@st.cache_resource(show_spinner=False, scope="session", max_entries=LIVE_VIEWS_PER_SESSION,
                   on_release=lambda view: view.release(), validate=_view_ok)  # fmt: skip
def live_view(settings: ClusterSettings, topics: tuple[str, ...], spec: TypeSpec, start: StartPosition) -> TailView:
    return tail_pool().acquire(settings, topics, spec, start)


@st.cache_data(ttl=TOPIC_NAMES_TTL_S, show_spinner=False, max_entries=16)
def topic_names(settings: ClusterSettings) -> list[str]:
    return list_topic_names(admin_client(settings), settings)


# --- Produce page (issue 5) -------------------------------------------------------
PRODUCE_LIMITS_TTL_S = 10


@st.cache_resource(show_spinner=False, max_entries=16)
def producer_handle(settings: ClusterSettings) -> ProducerHandle:
    """One shared producer per cluster; a fatal error makes send_one recreate it."""
    return ProducerHandle(settings)


@st.cache_data(ttl=PRODUCE_LIMITS_TTL_S, show_spinner=False, max_entries=64)
def produce_limits(settings: ClusterSettings, topic: str) -> TopicLimits:
    return topic_limits(admin_client(settings), settings, topic)
