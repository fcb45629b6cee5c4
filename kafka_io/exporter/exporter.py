"""MetricsExporter: the Prometheus text of every cluster's shared sampler.

A scrape never asks Kafka anything: it renders the sampler's latest sample
(and the low watermarks a background thread refreshes every EARLIEST_EVERY_S),
and the text is rendered once per new sample, so scrapes between samples cost
a dictionary lookup. While something scrapes (within WARM_WHILE_SCRAPED_S), a
background thread renders each new sample as it lands, so the scrape after a
sample does not pay for it either: at 10,000 groups x 10 partitions the text is
43 MB and takes ~0.7 s to render (bench/metrics_scrape.py). Nobody scraping,
nothing is rendered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kafka_io._client import EARLIEST
from kafka_io.cluster import Cluster, Part
from kafka_io.errors import KafkaIOError
from kafka_io.exporter.families import exposition
from kafka_io.groups.sampler import LagSampler, lag_sampler
from kafka_io.wire import TP

__all__ = ["EARLIEST_EVERY_S", "EarliestOffsets", "MetricsExporter", "earliest_offsets"]

EARLIEST_EVERY_S = 30.0  # low watermarks move with retention: minutes, not seconds
WARM_EVERY_S = 0.25  # how soon after a sample its text is rendered, while scraped
WARM_WHILE_SCRAPED_S = 300.0  # Prometheus scrapes every 15-60 s: keep rendering for 5 minutes after one
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


EARLIEST_OFFSETS: Part[EarliestOffsets] = Part("earliest-offsets")


def earliest_offsets(cluster: Cluster) -> EarliestOffsets:
    sampler = lag_sampler(cluster)  # first: attached() holds the cluster's lock while it makes a part
    return cluster.attached(EARLIEST_OFFSETS, lambda: EarliestOffsets(cluster, sampler))


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
        self._scraped_s: float | None = None  # time.monotonic() of the latest scrape
        self._warmer: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> MetricsExporter:
        """Start every cluster's sampler now, not at the first page view or scrape, and
        the thread that renders each new sample while something scrapes."""
        self._sources()
        if self._warmer is None:
            self._warmer = threading.Thread(target=self._keep_warm, name="kdash-metrics-render", daemon=True)
            self._warmer.start()
        return self

    def close(self) -> None:
        """Stop rendering ahead (the clusters are the caller's to close)."""
        self._stop.set()

    def _keep_warm(self) -> None:
        while not self._stop.wait(WARM_EVERY_S):
            scraped_s = self._scraped_s
            if scraped_s is None or time.monotonic() - scraped_s > WARM_WHILE_SCRAPED_S:
                continue
            try:
                self._render()
            except Exception:  # a bug must not end the thread: the next scrape renders itself
                log.exception("metrics: rendering ahead of the scrape failed")

    def _sources(self) -> list[_Source]:
        return [_Source(c.settings.name, lag_sampler(c), earliest_offsets(c)) for c in self._clusters()]

    def held(self) -> tuple | None:
        """What the text held now was rendered from: ((cluster, sample sequence, low-watermarks version), ...)."""
        with self._lock:
            return self._key

    def render(self) -> bytes:
        """The text for a scrape (and a note that something scrapes)."""
        self._scraped_s = time.monotonic()
        return self._render()

    def _render(self) -> bytes:
        sources = self._sources()
        key = tuple((s.name, s.sampler.latest().sequence, s.earliest.version) for s in sources)
        with self._lock:  # one render per sample, however many scrapers ask at once
            if key != self._key:
                body = exposition((s.name, s.sampler.health().values(), s.earliest.offsets()) for s in sources)
                self._key, self._body = key, body
            return self._body
