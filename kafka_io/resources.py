"""Streamlit cache factories: one admin client and one producer per cluster per process.

This, shell.py and widgets.py are the only kafka_io modules that import streamlit. Clients
cannot be pickled, so they live in st.cache_resource; plain results that every
browser session can share live in st.cache_data with a short TTL.
"""

from __future__ import annotations

import streamlit as st
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from kafka_io.clients import make_admin
from kafka_io.cluster import ClusterInfo, describe_cluster
from kafka_io.config import ClusterSettings, load_clusters
from kafka_io.errors import Timeout, Unavailable
from kafka_io.produce_input import TopicLimits
from kafka_io.produce_target import list_topic_names, topic_limits
from kafka_io.producer import ProducerHandle

__all__ = [
    "CLUSTER_INFO_TTL_S",
    "admin_client",
    "cluster_info",
    "configured_clusters",
    "forget_clients",
    "producer",
    "producer_handle",
    "produce_topics",
    "produce_limits",
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
    produce_topics.clear()
    produce_limits.clear()


# --- Produce page (issue 5) -------------------------------------------------------
PRODUCE_TOPICS_TTL_S = 10


@st.cache_resource(show_spinner=False, max_entries=16)
def producer_handle(settings: ClusterSettings) -> ProducerHandle:
    """One shared producer per cluster; a fatal error makes send_one recreate it."""
    return ProducerHandle(settings)


@st.cache_data(ttl=PRODUCE_TOPICS_TTL_S, show_spinner=False, max_entries=16)
def produce_topics(settings: ClusterSettings) -> list[str]:
    return list_topic_names(admin_client(settings), settings)


@st.cache_data(ttl=PRODUCE_TOPICS_TTL_S, show_spinner=False, max_entries=64)
def produce_limits(settings: ClusterSettings, topic: str) -> TopicLimits:
    return topic_limits(admin_client(settings), settings, topic)
