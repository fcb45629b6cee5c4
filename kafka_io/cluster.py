"""One handle per configured cluster.

``Cluster`` owns the cluster's admin client and the long-lived parts that
domain packages attach to it (the shared producer, the lag sampler, topic
snapshots), each under a typed ``Part`` key declared beside its type. Closing it closes what it owns, newest first, and leaves every
other cluster alone. The dashboard caches one per configured cluster; the CLI
makes one per command. Offsets are read through kafka_io._client.list_offsets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from kafka_io._client import (
    FUTURE_GRACE_S,
    ClusterClient,
    CountingAdmin,
    OffsetAnswer,
    OffsetQuery,
    list_offsets,
    make_admin,
    translate_error,
)
from kafka_io.config import ClusterSettings
from kafka_io.errors import Timeout, Unavailable
from kafka_io.wire import TP

__all__ = [
    "BrokerInfo",
    "Cluster",
    "ClusterInfo",
    "Part",
    "describe_cluster",
    "list_topic_names",
]

log = logging.getLogger("kafka_io")
T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Part(Generic[T]):
    """The key of one kind of part attached to a Cluster, declared once beside the part's
    type (``LAG_SAMPLER: Part[LagSampler] = Part("lag-sampler")``), so that
    ``Cluster.attached`` hands that type back: the core cannot import the packages above it."""

    name: str


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


def describe_cluster(cluster: ClusterClient) -> ClusterInfo:
    """Cluster id, controller and brokers (with racks), or Unavailable within timeout_s."""
    admin, settings = cluster.admin, cluster.settings
    try:
        result = admin.describe_cluster(request_timeout=settings.timeout_s).result(
            timeout=settings.timeout_s + FUTURE_GRACE_S
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


def list_topic_names(cluster: ClusterClient, include_internal: bool = False) -> list[str]:
    """Topic names, sorted; internal ``__*`` topics hidden unless asked (one metadata request)."""
    admin, settings = cluster.admin, cluster.settings
    try:
        metadata = admin.list_topics(timeout=settings.timeout_s)
    except Exception as exc:
        raise translate_error(exc, settings, "listing topics") from None
    return sorted(t for t in metadata.topics if include_internal or not t.startswith("__"))


class Cluster:
    """A configured cluster: its admin client and the parts attached to it.

    Thread-safe. The admin client is made on first use and dropped by
    ``reset_clients`` (after the cluster stopped answering) so the next call
    reconnects; attached parts survive that, so a sampler keeps its history
    through an outage.
    """

    def __init__(
        self, settings: ClusterSettings, admin_factory: Callable[[ClusterSettings], CountingAdmin] = make_admin
    ):
        self.settings = settings
        self._admin_factory = admin_factory
        self._lock = threading.Lock()
        self._admin: CountingAdmin | None = None
        self._parts: dict[Part[Any], Any] = {}
        self._closed = False

    @property
    def admin(self) -> CountingAdmin:
        with self._lock:
            if self._admin is None:
                self._admin = self._admin_factory(self.settings)
            return self._admin

    @property
    def closed(self) -> bool:
        return self._closed

    def reset_clients(self) -> None:
        """Drop the admin client: the next call connects from scratch."""
        with self._lock:
            self._admin = None

    def call(self, read: Callable[[CountingAdmin], T]) -> T:
        """``read(admin)``; an unreachable cluster also resets the clients."""
        try:
            return read(self.admin)
        except (Unavailable, Timeout):
            self.reset_clients()
            raise

    def run(self, action: Callable[Concatenate[Cluster, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``action(self, *args, **kwargs)``: a kafka_io function that takes a cluster;
        an unreachable cluster also resets the clients."""
        try:
            return action(self, *args, **kwargs)
        except (Unavailable, Timeout):
            self.reset_clients()
            raise

    def describe(self) -> ClusterInfo:
        return self.run(describe_cluster)

    def topic_names(self, include_internal: bool = False) -> list[str]:
        return self.run(list_topic_names, include_internal)

    def list_offsets(self, partitions: Iterable[TP], *queries: OffsetQuery) -> tuple[dict[TP, OffsetAnswer], ...]:
        return self.call(lambda admin: list_offsets(admin, self.settings, partitions, *queries))

    def attached(self, part: Part[T], make: Callable[[], T]) -> T:
        """The attached ``part``, made once (under the cluster's lock); its close() runs when the cluster closes."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"cluster {self.settings.name!r} is closed")
            if part not in self._parts:
                self._parts[part] = make()
            return self._parts[part]

    def detach(self, part: Part[Any]) -> None:
        """Forget a shared value (after a write made it stale); the next ``attached`` makes it anew."""
        with self._lock:
            found = self._parts.pop(part, None)
        close = getattr(found, "close", None)
        if close is not None:
            close()

    def close(self) -> None:
        """Close every attached part, newest first (a producer flushes), then the admin client."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            parts, self._parts, self._admin = list(self._parts.items()), {}, None
        for key, part in reversed(parts):
            close = getattr(part, "close", None)  # a plain shared value owns nothing to close
            try:
                if close is not None:
                    close()
            except Exception:  # one part failing to close must not keep the others open
                log.exception("closing %s of cluster %s failed", key.name, self.settings.name)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
