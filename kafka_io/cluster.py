"""Cluster identity and reachability: the probe every page starts with."""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka.admin import AdminClient

from kafka_io.clients import translate_error
from kafka_io.config import ClusterSettings

__all__ = ["BrokerInfo", "ClusterInfo", "describe_cluster", "list_topic_names"]


@dataclass(frozen=True, slots=True)
class BrokerInfo:
    id: int
    host: str
    port: int
    rack: str | None = None


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    cluster_id: str | None
    controller_id: int | None
    brokers: tuple[BrokerInfo, ...]


def describe_cluster(admin: AdminClient, settings: ClusterSettings) -> ClusterInfo:
    """Cluster id, controller and brokers (with racks), or Unavailable within timeout_s."""
    try:
        result = admin.describe_cluster(request_timeout=settings.timeout_s).result(
            timeout=settings.timeout_s + 1
        )
    except Exception as exc:  # confluent raises KafkaException or concurrent TimeoutError
        raise translate_error(exc, settings) from None
    brokers = tuple(
        sorted(
            (BrokerInfo(node.id, node.host, node.port, node.rack or None) for node in result.nodes),
            key=lambda b: b.id,
        )
    )
    controller = result.controller.id if result.controller is not None else None
    return ClusterInfo(result.cluster_id, controller, brokers)


def list_topic_names(admin: AdminClient, settings: ClusterSettings, include_internal: bool = False) -> list[str]:
    """Topic names, sorted; internal ``__*`` topics hidden unless asked (one metadata request)."""
    try:
        metadata = admin.list_topics(timeout=settings.timeout_s)
    except Exception as exc:
        raise translate_error(exc, settings, "listing topics") from None
    return sorted(t for t in metadata.topics if include_internal or not t.startswith("__"))
