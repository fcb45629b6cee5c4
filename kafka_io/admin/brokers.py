"""Brokers, read-only: id, host, port, rack, controller, how many partitions each leads
and holds, whether it takes a TCP connection, and its configs with their source.

A broker that is in the metadata but does not take a connection (killed, not yet
fenced) is marked unreachable at once by kafka_io.topics.reach's TCP probe, and
its configs are not asked for (that would only wait for the timeout).
Sensitive config values are masked; Kafka never sends them anyway.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from confluent_kafka.admin import ConfigResource, ResourceType

from kafka_io._client import FUTURE_GRACE_S, ClusterClient, translate_error
from kafka_io.cluster import BrokerInfo, describe_cluster
from kafka_io.topics.reach import unreachable_brokers
from kafka_io.topics.snapshot import read_metadata

__all__ = ["BrokerConfig", "BrokerView", "BrokersView", "describe_brokers"]

MASKED = "********"
# librdkafka hands the source as the protocol's number; Kafka's ConfigSource names, as kafka-configs.sh prints them
_SOURCES = {
    1: "DYNAMIC_TOPIC_CONFIG",
    2: "DYNAMIC_BROKER_CONFIG",
    3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
    4: "STATIC_BROKER_CONFIG",
    5: "DEFAULT_CONFIG",
    6: "DYNAMIC_BROKER_LOGGER_CONFIG",
    7: "CLIENT_METRICS_CONFIG",
    8: "GROUP_CONFIG",
}
# Kafka's ConfigSource names -> the override the page marks
OVERRIDES = {
    "DYNAMIC_BROKER_CONFIG": "dynamic",
    "DYNAMIC_DEFAULT_BROKER_CONFIG": "dynamic (cluster-wide)",
    "DYNAMIC_BROKER_LOGGER_CONFIG": "dynamic",
    "STATIC_BROKER_CONFIG": "static",
}


@dataclass(frozen=True, slots=True)
class BrokerConfig:
    name: str
    value: str | None
    source: str  # as Kafka names it: STATIC_BROKER_CONFIG, DYNAMIC_BROKER_CONFIG, DEFAULT_CONFIG, ...
    read_only: bool
    sensitive: bool

    @property
    def override(self) -> str | None:
        """ "dynamic", "dynamic (cluster-wide)", "static", or None for Kafka's default."""
        return OVERRIDES.get(self.source)


@dataclass(frozen=True, slots=True)
class BrokerView:
    id: int
    host: str
    port: int
    rack: str | None
    controller: bool
    leaders: int
    replicas: int
    unreachable: str | None = None  # why it takes no TCP connection
    configs: tuple[BrokerConfig, ...] = ()
    configs_error: str | None = None

    def config(self, name: str) -> BrokerConfig | None:
        return next((c for c in self.configs if c.name == name), None)


@dataclass(frozen=True, slots=True)
class BrokersView:
    cluster_id: str | None
    controller_id: int | None
    brokers: tuple[BrokerView, ...]


def describe_brokers(cluster: ClusterClient, with_configs: bool = True) -> BrokersView:
    """Every broker of the cluster; one that fails carries its error, only an unreachable cluster raises."""
    info = describe_cluster(cluster)
    metadata = read_metadata(cluster)
    leaders, replicas = Counter(), Counter()
    for topic in metadata.topics.values():
        for partition in topic.partitions.values():
            leaders[partition.leader] += 1
            replicas.update(partition.replicas)
    silent = dict(unreachable_brokers(info.brokers))
    reachable = [b for b in info.brokers if b.id not in silent]
    configs = _configs(cluster, reachable) if with_configs else {}
    brokers = tuple(
        BrokerView(
            b.id,
            b.host,
            b.port,
            b.rack,
            b.id == info.controller_id,
            leaders[b.id],
            replicas[b.id],
            silent.get(b.id),
            *configs.get(b.id, ((), f"unreachable: {silent[b.id]}" if b.id in silent else None)),
        )
        for b in info.brokers
    )
    return BrokersView(info.cluster_id, info.controller_id, brokers)


def _configs(
    cluster: ClusterClient, brokers: list[BrokerInfo]
) -> dict[int, tuple[tuple[BrokerConfig, ...], str | None]]:
    admin, settings = cluster.admin, cluster.settings
    if not brokers:
        return {}
    try:
        futures = admin.describe_configs(
            [ConfigResource(ResourceType.BROKER, str(b.id)) for b in brokers], request_timeout=settings.timeout_s
        )
    except Exception as exc:
        raise translate_error(exc, settings, "describe broker configs") from None
    deadline = time.monotonic() + settings.timeout_s + FUTURE_GRACE_S
    found: dict[int, tuple[tuple[BrokerConfig, ...], str | None]] = {}
    for resource, future in futures.items():
        broker_id = int(resource.name)
        try:
            entries = future.result(timeout=max(deadline - time.monotonic(), 0.01))
        except Exception as exc:
            found[broker_id] = ((), str(translate_error(exc, settings, f"configs of broker {broker_id}")))
            continue
        found[broker_id] = (tuple(_config(e) for _, e in sorted(entries.items())), None)
    return found


def _config(entry) -> BrokerConfig:
    source = _SOURCES.get(getattr(entry.source, "value", entry.source), "UNKNOWN_CONFIG")
    sensitive = bool(entry.is_sensitive)
    return BrokerConfig(entry.name, MASKED if sensitive else entry.value, source, bool(entry.is_read_only), sensitive)
