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
from kafka_io.cluster import ClusterInfo, describe_cluster
from kafka_io.config import ClusterSettings, load_clusters
from kafka_io.errors import Timeout, Unavailable
from kafka_io.exact_lag import exact_time_lags
from kafka_io.group_models import PartitionLag
from kafka_io.lag import TimeLag, partition_lag
from kafka_io.sampler import LagSampler

__all__ = [
    "CLUSTER_INFO_TTL_S",
    "admin_client",
    "cluster_info",
    "configured_clusters",
    "exact_lag_seconds",
    "forget_clients",
    "lag_sampler",
    "producer",
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
