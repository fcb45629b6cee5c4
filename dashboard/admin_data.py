"""Short-lived caches of the admin views (brokers, ACLs) over kafka_io.admin, and
their eviction after a write. Clients stay in dashboard.resources' Cluster."""

from __future__ import annotations

import streamlit as st

from dashboard import resources
from kafka_io.admin.acls import AclListing, list_acls
from kafka_io.admin.brokers import BrokersView, describe_brokers
from kafka_io.config import ClusterSettings

__all__ = ["acls", "brokers", "forget_acls"]

BROKERS_TTL_S = 10
ACLS_TTL_S = 10


@st.cache_data(ttl=BROKERS_TTL_S, show_spinner=False, max_entries=16)
def brokers(settings: ClusterSettings) -> BrokersView:
    return resources.with_cluster(settings, describe_brokers)


@st.cache_data(ttl=ACLS_TTL_S, show_spinner=False, max_entries=16)
def acls(settings: ClusterSettings) -> AclListing:
    return resources.with_cluster(settings, list_acls)


def forget_acls(settings: ClusterSettings) -> None:
    acls.clear(settings)
