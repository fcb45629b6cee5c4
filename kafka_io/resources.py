"""Streamlit cache factories: one admin client and one producer per cluster per process.

This, shell.py and widgets.py are the only kafka_io modules that import streamlit. Clients
cannot be pickled, so they live in st.cache_resource; plain results that every
browser session can share live in st.cache_data with a short TTL.
"""

from __future__ import annotations

import streamlit as st
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from kafka_io.clients import make_admin, make_producer
from kafka_io.cluster import ClusterInfo, describe_cluster, list_topic_names
from kafka_io.config import ClusterSettings, load_clusters
from kafka_io.errors import Timeout, Unavailable
from kafka_io.rates import TypeSpec
from kafka_io.tail_model import StartPosition
from kafka_io.tail_pool import TailPool, TailView

__all__ = [
    "CLUSTER_INFO_TTL_S",
    "admin_client",
    "cluster_info",
    "configured_clusters",
    "forget_clients",
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


@st.cache_resource(show_spinner=False, max_entries=16)
def producer(settings: ClusterSettings) -> Producer:
    return make_producer(settings)


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
    producer.clear()
    cluster_info.clear()


# --- Live events (issue 6): tail workers shared between sessions -----------------
# One TailPool per process decides who shares a worker (kafka_io/tail_pool.py):
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
