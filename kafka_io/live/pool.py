"""Sharing live-tail workers between viewers (the policy is in docs/pages.md, "Live events").

- Viewers of the same cluster, topic set and type spec starting at **latest**
  share one worker (one consumer), reference-counted: the worker stops
  ``IDLE_GRACE_S`` after its last viewer leaves, so a reload or a quick page
  switch does not restart it.
- A viewer with its own start (recent, earliest, last N, a timestamp) gets a private
  worker, stopped as soon as that viewer is released.
- Pause and Clear belong to the viewer: on a shared worker, Pause freezes only
  this view and Clear hides what came before for this view only; on a private
  worker they pause fetching and reset the counts.

Pure threading, no Streamlit: ``dashboard.resources.live_view`` maps one browser
session to one ``TailView`` and releases it when the session ends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from kafka_io.config import ClusterSettings
from kafka_io.live.model import Baseline, StartPosition, TailSnapshot, since
from kafka_io.live.rates import TypeSpec
from kafka_io.live.worker import TailWorker

__all__ = ["IDLE_GRACE_S", "PoolKey", "PoolStats", "TailPool", "TailView"]

IDLE_GRACE_S = 30.0


@dataclass(frozen=True, slots=True)
class PoolKey:
    settings: ClusterSettings
    topics: tuple[str, ...]
    spec: TypeSpec


@dataclass(frozen=True, slots=True)
class PoolStats:
    shared_workers: int
    private_workers: int
    viewers: int

    @property
    def workers(self) -> int:
        return self.shared_workers + self.private_workers


class _Entry:
    __slots__ = ("worker", "views", "reaper")

    def __init__(self, worker: TailWorker) -> None:
        self.worker = worker
        self.views = 0
        self.reaper: threading.Timer | None = None


class TailView:
    """One viewer's handle on a worker. Thread-safe enough for Streamlit reruns of one session."""

    def __init__(self, pool: TailPool, worker: TailWorker, key: PoolKey | None) -> None:
        self._pool, self.worker, self.key = pool, worker, key
        self._frozen: TailSnapshot | None = None
        self._baseline: Baseline | None = None
        self.released = False

    @property
    def shared(self) -> bool:
        return self.key is not None

    @property
    def paused(self) -> bool:
        return self._frozen is not None

    @property
    def alive(self) -> bool:
        return not self.released and self.worker.alive

    def snapshot(self, window_s: int = 300) -> TailSnapshot:
        if self._frozen is not None and self._frozen.window_s == window_s:
            return self._frozen
        snap = self.worker.snapshot(window_s)
        if self._baseline is not None:
            snap = since(snap, self._baseline)
        snap = replace(snap, viewers=self._pool.viewers(self.key), shared=self.shared)
        if self._frozen is not None:  # window changed while paused: keep the frozen moment
            snap = replace(snap, **_frozen_fields(self._frozen))
        return replace(snap, paused=self.paused)

    def pause(self, window_s: int = 300) -> None:
        if self._frozen is None:
            self._frozen = replace(self.snapshot(window_s), paused=True)
            if not self.shared:
                self.worker.pause()

    def resume(self) -> None:
        self._frozen = None
        if not self.shared:
            self.worker.resume()

    def clear(self) -> None:
        if self.shared:
            self._baseline = Baseline.of(self.worker.snapshot(1))
        else:
            self.worker.clear()
        if self._frozen is not None:
            window_s = self._frozen.window_s
            self._frozen = None
            self._frozen = replace(self.snapshot(window_s), paused=True)

    def release(self) -> None:
        self._pool.release(self)


def _frozen_fields(frozen: TailSnapshot) -> dict:
    return {name: getattr(frozen, name) for name in ("tail", "totals", "last_seen_s", "messages", "rates_per_s")}


class TailPool:
    """Hands out TailViews; at most one worker per (cluster, topics, type spec) at latest."""

    def __init__(self, idle_grace_s: float = IDLE_GRACE_S, worker_factory=TailWorker) -> None:
        self.idle_grace_s = idle_grace_s
        self._factory = worker_factory
        self._lock = threading.Lock()
        self._shared: dict[PoolKey, _Entry] = {}
        self._private: set[TailWorker] = set()

    def acquire(self, settings: ClusterSettings, topics, spec: TypeSpec, start: StartPosition) -> TailView:
        topics = tuple(sorted(set(topics)))
        if not start.shared:
            worker = self._factory(settings, topics, spec, start).start()
            with self._lock:
                self._private.add(worker)
            return TailView(self, worker, None)
        key = PoolKey(settings, topics, spec)
        with self._lock:
            entry = self._shared.get(key)
            if entry is None or not entry.worker.alive:
                if entry is not None:
                    _cancel(entry)
                entry = self._shared[key] = _Entry(self._factory(settings, topics, spec, start).start())
            _cancel(entry)
            entry.views += 1
            return TailView(self, entry.worker, key)

    def release(self, view: TailView) -> None:
        """Idempotent: the first call per view counts."""
        with self._lock:
            if view.released:
                return
            view.released = True
            if view.key is None:
                self._private.discard(view.worker)
                view.worker.stop()
                return
            entry = self._shared.get(view.key)
            if entry is None or entry.worker is not view.worker:
                return
            entry.views -= 1
            if entry.views > 0:
                return
            if self.idle_grace_s <= 0:
                self._reap_locked(view.key, entry)
                return
            entry.reaper = threading.Timer(self.idle_grace_s, self._reap, (view.key, entry))
            entry.reaper.daemon = True
            entry.reaper.start()

    def _reap(self, key: PoolKey, entry: _Entry) -> None:
        with self._lock:
            if entry.views == 0:
                self._reap_locked(key, entry)

    def _reap_locked(self, key: PoolKey, entry: _Entry) -> None:
        if self._shared.get(key) is entry:
            del self._shared[key]
        entry.worker.stop()

    def viewers(self, key: PoolKey | None) -> int:
        with self._lock:
            entry = self._shared.get(key) if key is not None else None
            return entry.views if entry is not None else 1

    def stats(self) -> PoolStats:
        with self._lock:
            viewers = sum(e.views for e in self._shared.values()) + len(self._private)
            return PoolStats(len(self._shared), len(self._private), viewers)

    def workers(self) -> list[TailWorker]:
        with self._lock:
            return [e.worker for e in self._shared.values()] + list(self._private)

    def stop_all(self) -> None:
        with self._lock:
            entries, self._shared = list(self._shared.values()), {}
            private, self._private = list(self._private), set()
        for entry in entries:
            _cancel(entry)
            entry.worker.stop()
        for worker in private:
            worker.stop()


def _cancel(entry: _Entry) -> None:
    if entry.reaper is not None:
        entry.reaper.cancel()
        entry.reaper = None
