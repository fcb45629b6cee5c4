"""MetricsExporter: the Prometheus text of every cluster's shared sampler.

A scrape never asks Kafka anything: it renders the sampler's latest sample
(and the low watermarks a background thread refreshes every EARLIEST_EVERY_S),
and the text is rendered once per new sample, so scrapes between samples cost
a dictionary lookup.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kafka_io.cluster import Cluster
from kafka_io.errors import KafkaIOError
from kafka_io.exporter.families import exposition
from kafka_io.groups.sampler import LagSampler, lag_sampler
from kafka_io.offsets import EARLIEST
from kafka_io.wire import TP

__all__ = ["EARLIEST_EVERY_S", "EarliestOffsets", "MetricsExporter", "earliest_offsets"]

EARLIEST_EVERY_S = 30.0  # low watermarks move with retention: minutes, not seconds
log = logging.getLogger("kafka_io")


class EarliestOffsets:
    """Low watermarks of the partitions the sampler's groups read, refreshed in the background."""

    def __init__(self, cluster: Cluster, sampler: LagSampler, every_s: float = EARLIEST_EVERY_S) -> None:
        self._cluster, self._sampler, self._every_s = cluster, sampler, every_s
        self._offsets: dict[TP, int] = {}
        self.version = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kdash-earliest", daemon=True)
        self._thread.start()

    def offsets(self) -> dict[TP, int]:
        return self._offsets

    def _run(self) -> None:
        while not self._stop.is_set():
            tps = {(p.topic, p.partition) for g in self._sampler.latest().groups for p in g.partitions}
            if tps:
                try:
                    (answers,) = self._cluster.list_offsets(tps, EARLIEST)
                    self._offsets = {tp: offset for tp, (offset, error) in answers.items() if offset is not None}
                    self.version += 1
                except KafkaIOError as exc:  # the next round tries again; the latest offsets still export
                    log.debug("low watermarks not read: %s", exc)
            self._stop.wait(self._every_s if tps else 1.0)

    def close(self) -> None:
        self._stop.set()


def earliest_offsets(cluster: Cluster) -> EarliestOffsets:
    sampler = lag_sampler(cluster)  # first: part() holds the cluster's lock while it makes a part
    return cluster.part("earliest-offsets", lambda: EarliestOffsets(cluster, sampler))


@dataclass(frozen=True)
class _Source:
    name: str
    sampler: LagSampler
    earliest: EarliestOffsets


class MetricsExporter:
    """``render()`` the exposition text of the clusters ``clusters()`` returns (called per scrape,
    so clusters configured or evicted later are picked up)."""

    def __init__(self, clusters: Callable[[], Sequence[Cluster]]) -> None:
        self._clusters = clusters
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._body = b""

    def start(self) -> MetricsExporter:
        """Start every cluster's sampler now, not at the first page view or scrape."""
        self._sources()
        return self

    def _sources(self) -> list[_Source]:
        return [_Source(c.settings.name, lag_sampler(c), earliest_offsets(c)) for c in self._clusters()]

    def render(self) -> bytes:
        sources = self._sources()
        key = tuple((s.name, s.sampler.latest().sequence, s.earliest.version) for s in sources)
        with self._lock:  # one render per sample, however many scrapers ask at once
            if key != self._key:
                body = exposition((s.name, s.sampler.health().values(), s.earliest.offsets()) for s in sources)
                self._key, self._body = key, body
            return self._body
