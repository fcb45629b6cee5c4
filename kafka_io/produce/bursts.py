"""Bursts: each runs on a producer of its own, in a worker thread (produce.burst.engine).

Flush and purge act on a whole producer: a burst on the cluster's shared one
would wait for, or fail, other sessions' events, and its accounting could not
be exact. Its own producer also gets ``batch.size`` no larger than the topic's
limit, so a batch of small events is never refused for its total size. A
finished burst's producer is kept for the next burst with the same settings,
and dropped after IDLE_CLOSE_S unused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from confluent_kafka import Producer

from kafka_io._client import make_producer
from kafka_io.access.actor import Actor
from kafka_io.access.guard import audit_outcome, check_allowed
from kafka_io.config import ClusterSettings
from kafka_io.produce.burst.engine import PRODUCER_SETTINGS, Burst
from kafka_io.produce.burst.report import BurstProgress, BurstSummary
from kafka_io.produce.burst.source import SpecSource, TemplateSource
from kafka_io.produce.inputs import TopicLimits
from kafka_io.produce.producer import (
    CLIENT_BATCH_MAX_BYTES,
    IDLE_CLOSE_S,
    PROGRESS_EVERY_S,
    after,
    confirm_timeout_s,
    message_timeout_s,
    producer_overrides,
)

__all__ = ["BurstInterrupted", "IdleProducers", "send_burst", "start_burst"]


class IdleProducers:
    """Burst producers that delivered everything, kept for the next burst with the same settings.

    A new idempotent producer waits about 0.5 s for its producer id before the
    first delivery; reusing a finished burst's producer saves that. A burst
    still holds its producer alone: one is taken out while it runs.
    """

    MAX_IDLE = 2

    def __init__(self, idle_close_s: float = IDLE_CLOSE_S) -> None:
        self.idle_close_s = idle_close_s
        self._lock = threading.Lock()
        self._idle: dict[tuple, list[tuple[float, Producer]]] = {}

    def take(self, key: tuple, make: Callable[[], Producer]) -> Producer:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop()[1]
        return make()

    def give_back(self, key: tuple, producer: Producer) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.MAX_IDLE:
                idle.append((time.monotonic(), producer))
                after(self.idle_close_s, self._close_idle)

    def _close_idle(self) -> None:
        """Drop producers idle for idle_close_s: a finished burst's producer held nothing, so dropping closes it."""
        cutoff = time.monotonic() - self.idle_close_s
        with self._lock:
            for key, idle in list(self._idle.items()):
                idle[:] = [(at, producer) for at, producer in idle if at > cutoff]
                if not idle:
                    del self._idle[key]

    def count(self) -> int:
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())


_idle_producers = IdleProducers()


def _burst_producers(settings: ClusterSettings, limits: TopicLimits):
    """(factory, release) for a burst's own producer, its batches no larger than the topic allows."""
    batch_bytes = max(1, min(CLIENT_BATCH_MAX_BYTES, limits.max_message_bytes))
    key = (settings, batch_bytes)

    def make() -> Producer:
        return make_producer(
            settings, **producer_overrides(settings), **PRODUCER_SETTINGS, **{"batch.size": batch_bytes}
        )

    return (lambda: _idle_producers.take(key, make)), (lambda producer: _idle_producers.give_back(key, producer))


def start_burst(
    settings: ClusterSettings,
    limits: TopicLimits,
    source: TemplateSource | SpecSource,
    *,
    producer_factory: Callable[[], Producer] | None = None,
    actor: Actor | None = None,
    action: str = "produce",
    details: Mapping[str, object] | None = None,
) -> Burst:
    """Start a checked burst (see produce.burst.source.plan_*) in a worker thread; poll ``progress()``.
    Its audit line (``action``, with ``details`` and its counts) is written when it ends."""
    details = {**(details or {"mode": "file" if isinstance(source, SpecSource) else "burst"}), "planned": source.count}
    check_allowed(settings, actor, action, limits.topic, details)
    factory, release = _burst_producers(settings, limits)

    def audit(summary: BurstSummary) -> None:
        counts = {"requested": summary.requested, "delivered": summary.delivered, "failed": summary.failed}
        error = f"{summary.failed:,} of {summary.requested:,} events failed" if summary.failed else None
        audit_outcome(settings, actor, action, limits.topic, {**details, **counts}, error)

    burst = Burst(
        limits.topic,
        source,
        producer_factory or factory,
        confirm_timeout_s=confirm_timeout_s(settings),
        message_timeout_s=message_timeout_s(settings),
        release=None if producer_factory else release,
        on_done=audit,
    )
    return burst.start()


def send_burst(
    settings: ClusterSettings,
    limits: TopicLimits,
    source: TemplateSource | SpecSource,
    *,
    on_progress: Callable[[BurstProgress], None] | None = None,
    producer_factory: Callable[[], Producer] | None = None,
    actor: Actor | None = None,
    action: str = "produce",
    details: Mapping[str, object] | None = None,
) -> BurstSummary:
    """``start_burst`` and wait; Ctrl-C stops sending and still returns the full summary."""
    burst = start_burst(
        settings, limits, source, producer_factory=producer_factory, actor=actor, action=action, details=details
    )
    try:
        while burst.wait(PROGRESS_EVERY_S) is None:
            if on_progress is not None:
                on_progress(burst.progress())
    except KeyboardInterrupt:
        burst.stop()
        burst.wait()
        raise BurstInterrupted(burst.summary) from None
    return burst.summary


class BurstInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``send_burst``; carries the summary of what was sent."""

    def __init__(self, summary: BurstSummary) -> None:
        super().__init__()
        self.summary = summary
