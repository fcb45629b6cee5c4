"""The demo's moving parts: topic setup, the producer thread, its consumer groups.

Each worker thread owns its confluent client from creation to close(). They
only ever touch the demo's OWN topics and groups (names from DemoPlan).
"""

from __future__ import annotations

import bisect
import logging
import random
import threading
import time
from collections import deque
from typing import Callable

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

from kafka_io.clients import make_member_consumer, make_producer, translate_error
from kafka_io.config import ClusterSettings
from kafka_io.demo_plan import SOURCE_HEADER, TOPIC_CONFIG, DemoPlan, EventBudget, user_key
from kafka_io.templates import compile_template

__all__ = ["GroupWorker", "ProducerWorker", "commit_stopped_group", "ensure_topics"]

log = logging.getLogger("kafka_io.demo")

PRODUCE_TICK_S = 0.25
MAX_TICK_S = 2.0  # after a stall (suspended laptop), do not send a burst of catch-up
FLUSH_TIMEOUT_S = 5.0
CONSUME_BATCH = 500
CONSUME_TIMEOUT_S = 0.2
# noida-db answers fetches at once even with nothing new, so an idle consumer
# spins; pausing partitions at EOF and resuming them this often costs ~2%.
RESUME_EVERY_S = 0.5
COMMIT_EVERY_S = 0.25
MAX_BUFFERED = 2000  # records held per partition before it is paused


def ensure_topics(admin: AdminClient, settings: ClusterSettings, plan: DemoPlan) -> list[str]:
    """Create the demo topics that are missing; returns the names created."""
    try:
        existing = set(admin.list_topics(timeout=settings.timeout_s).topics)
        # replication_factor=-1: the broker's default (1 on a single dev broker).
        new = [NewTopic(t.name, t.partitions, -1, config=dict(TOPIC_CONFIG))
               for t in plan.topics if t.name not in existing]
        if not new:
            return []
        futures = admin.create_topics(new, operation_timeout=settings.timeout_s, request_timeout=settings.timeout_s)
        created = []
        for name, future in futures.items():
            try:
                future.result(timeout=settings.timeout_s)
                created.append(name)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:  # a racing restart made it
                    raise
        return created
    except Exception as exc:
        raise translate_error(exc, settings, "creating the demo topics") from None


def _partitions(plan_topic, offset: int | None = None) -> list[TopicPartition]:
    if offset is None:
        return [TopicPartition(plan_topic.name, p) for p in range(plan_topic.partitions)]
    return [TopicPartition(plan_topic.name, p, offset) for p in range(plan_topic.partitions)]


def _watermarks(admin: AdminClient, settings: ClusterSettings, tps: list[TopicPartition], spec) -> list[int]:
    futures = admin.list_offsets({tp: spec for tp in tps}, request_timeout=settings.timeout_s)
    return [futures[tp].result(timeout=settings.timeout_s).offset for tp in tps]


def commit_stopped_group(admin: AdminClient, settings: ClusterSettings, plan: DemoPlan) -> bool:
    """Leave the stopped group at a position with lag and no members.

    It "consumed half of what was there, then stopped": one commit, once,
    from a client that never joins. True when done (now or on an earlier
    run), False while the topic has no records in some partition yet.
    """
    topic = plan.stopped_topic
    try:
        request = ConsumerGroupTopicPartitions(plan.stopped_group, _partitions(topic))
        future = admin.list_consumer_group_offsets([request], request_timeout=settings.timeout_s)
        committed = future[plan.stopped_group].result(timeout=settings.timeout_s).topic_partitions
        if any(tp.offset >= 0 for tp in committed):
            return True
        lows = _watermarks(admin, settings, _partitions(topic), OffsetSpec.earliest())
        highs = _watermarks(admin, settings, _partitions(topic), OffsetSpec.latest())
        if any(high <= low for low, high in zip(lows, highs)):
            return False
        offsets = [TopicPartition(topic.name, p, (low + high) // 2)
                   for p, (low, high) in enumerate(zip(lows, highs))]
        consumer = make_member_consumer(settings, plan.stopped_group, None)
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
        finally:
            consumer.close()
        return True
    except Exception as exc:
        raise translate_error(exc, settings, f"setting up group {plan.stopped_group}") from None


class _Worker(threading.Thread):
    def __init__(self, name: str, stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.stop = stop
        self.error: str | None = None

    def fail(self, exc: BaseException, settings: ClusterSettings) -> None:
        self.error = str(translate_error(exc, settings, self.name))
        log.debug("%s failed", self.name, exc_info=True)


class ProducerWorker(_Worker):
    """Sends the plan's traffic every PRODUCE_TICK_S, unless paused."""

    def __init__(self, settings: ClusterSettings, plan: DemoPlan, stop: threading.Event,
                 paused: Callable[[], bool]) -> None:
        super().__init__("demo producer", stop)
        self.settings, self.plan, self.paused = settings, plan, paused
        self.sent = self.delivered = self.failed = 0
        self._lock = threading.Lock()

    def run(self) -> None:
        try:
            producer = make_producer(self.settings, **{"linger.ms": 50})
        except Exception as exc:
            self.fail(exc, self.settings)
            return
        templates = {t.name: compile_template(t.template) for t in self.plan.topics}
        budgets = {t.name: EventBudget() for t in self.plan.topics}
        seqs = {t.name: 1 for t in self.plan.topics}
        rng, last_s = random.Random(), time.monotonic()
        try:
            while not self.stop.wait(PRODUCE_TICK_S):
                now_s = time.monotonic()
                dt_s, last_s = min(now_s - last_s, MAX_TICK_S), now_s
                if self.paused():
                    continue
                wall_s = time.time()
                for topic in self.plan.topics:
                    n = budgets[topic.name].take(self.plan.rate_per_s(topic, wall_s), dt_s)
                    values = templates[topic.name].render_many(seqs[topic.name], n, int(wall_s * 1000), rng)
                    seqs[topic.name] += n
                    self._send(producer, topic.name, values)
                producer.poll(0)
        except Exception as exc:
            self.fail(exc, self.settings)
        finally:
            producer.flush(FLUSH_TIMEOUT_S)

    def _send(self, producer, topic: str, values: list[str]) -> None:
        for value in values:
            try:
                producer.produce(topic, value=value.encode(), key=user_key(value),
                                 headers=[SOURCE_HEADER], on_delivery=self._on_delivery)
            except BufferError:  # broker away for long: drop this tick, keep the process small
                producer.poll(0.1)
                return
            self.sent += 1

    def _on_delivery(self, err, _msg) -> None:
        with self._lock:
            if err is None:
                self.delivered += 1
            else:
                self.failed += 1
                log.debug("demo delivery failed: %s", err)


class GroupWorker(_Worker):
    """One static member of a demo group, processing at most limit_per_s() records/s.

    Records are buffered per partition and processed round-robin, so under a
    rate limit every partition's committed offset moves (a lagging group, not
    a stuck partition). limit_per_s() returning None means "as fast as they come".
    """

    def __init__(self, settings: ClusterSettings, group: str, topics: list[str], stop: threading.Event,
                 limit_per_s: Callable[[], float | None] = lambda: None) -> None:
        super().__init__(group, stop)
        self.settings, self.group, self.topics, self.limit_per_s = settings, group, topics, limit_per_s
        self.processed = 0
        self._buffers: dict[tuple[str, int], deque[int]] = {}
        self._paused: set[tuple[str, int]] = set()
        self._stored = False
        self._tokens = 0.0
        self._last_served: tuple[str, int] | None = None

    def run(self) -> None:
        consumer = None
        try:
            consumer = make_member_consumer(self.settings, self.group, f"{self.group}-1")
            consumer.subscribe(self.topics, on_revoke=self._on_revoke, on_lost=self._on_revoke)
            last_s = resumed_s = committed_s = time.monotonic()
            while not self.stop.is_set():
                # consume(n, timeout) waits for all n until the timeout, and an
                # unpaused partition at EOF spins meanwhile: drain what is there,
                # else wait for the first record or event only.
                batch = consumer.consume(CONSUME_BATCH, timeout=0)
                self._take(consumer, batch or consumer.consume(1, timeout=CONSUME_TIMEOUT_S))
                now_s = time.monotonic()
                self._process(consumer, now_s - last_s)
                last_s = now_s
                if now_s - resumed_s >= RESUME_EVERY_S:
                    self._resume(consumer)
                    resumed_s = now_s
                if now_s - committed_s >= COMMIT_EVERY_S:
                    self._commit(consumer, asynchronous=True)
                    committed_s = now_s
        except Exception as exc:
            self.fail(exc, self.settings)
        finally:
            if consumer is not None:
                self._close(consumer)

    def _take(self, consumer, messages) -> None:
        for msg in messages:
            key = (msg.topic(), msg.partition())
            err = msg.error()
            if err is None:
                self._buffers.setdefault(key, deque()).append(msg.offset())
                if len(self._buffers[key]) >= MAX_BUFFERED:
                    self._pause(consumer, key)
            elif err.code() == KafkaError._PARTITION_EOF:
                self._pause(consumer, key)
            elif err.fatal():
                raise KafkaException(err)
            else:
                log.debug("%s: %s", self.group, err.str())

    def _pause(self, consumer, key: tuple[str, int]) -> None:
        if key not in self._paused:
            consumer.pause([TopicPartition(*key)])
            self._paused.add(key)

    def _resume(self, consumer) -> None:
        ready = [k for k in self._paused if len(self._buffers.get(k, ())) < MAX_BUFFERED // 2]
        if ready:
            consumer.resume([TopicPartition(*k) for k in ready])
            self._paused.difference_update(ready)

    def _process(self, consumer, dt_s: float) -> None:
        limit = self.limit_per_s()
        done = self._process_all() if limit is None else self._process_paced(limit, dt_s)
        if done:
            consumer.store_offsets(offsets=[TopicPartition(t, p, off + 1) for (t, p), off in done.items()])
            self._stored = True

    def _process_all(self) -> dict[tuple[str, int], int]:
        done = {k: buffer[-1] for k, buffer in self._buffers.items() if buffer}
        for k in done:
            self.processed += len(self._buffers[k])
            self._buffers[k].clear()
        return done

    def _process_paced(self, limit: float, dt_s: float) -> dict[tuple[str, int], int]:
        """Token bucket (at most one second of burst), one record per partition per turn.

        The turn carries over between calls: with less than one token per
        call, restarting from the first partition would starve the others.
        """
        self._tokens = min(self._tokens + limit * dt_s, max(limit, 1.0))
        keys = sorted(k for k, buffer in self._buffers.items() if buffer)
        start = bisect.bisect_right(keys, self._last_served) if self._last_served else 0
        turn = deque(keys[start:] + keys[:start])
        done = {}
        while self._tokens >= 1 and turn:
            key = turn.popleft()
            done[key] = self._buffers[key].popleft()
            self._last_served = key
            self._tokens -= 1
            self.processed += 1
            if self._buffers[key]:
                turn.append(key)
        if not turn:
            self._tokens = min(self._tokens, 1.0)  # idle time earns no burst
        return done

    def _commit(self, consumer, asynchronous: bool) -> None:
        if not self._stored:
            return
        self._stored = False
        try:
            consumer.commit(asynchronous=asynchronous)
        except KafkaException as exc:  # e.g. ILLEGAL_GENERATION during a rebalance: next commit covers it
            log.debug("%s commit: %s", self.group, exc)

    def _on_revoke(self, consumer, partitions) -> None:
        self._commit(consumer, asynchronous=False)
        for tp in partitions:
            key = (tp.topic, tp.partition)
            self._buffers.pop(key, None)  # uncommitted records go to the next owner
            self._paused.discard(key)

    def _close(self, consumer) -> None:
        try:
            self._commit(consumer, asynchronous=False)
        finally:
            consumer.close()
