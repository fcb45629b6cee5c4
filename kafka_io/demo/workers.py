"""The demo's moving parts: the producer thread and its consumer group members.

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
from collections.abc import Callable

from confluent_kafka import KafkaError, KafkaException, TopicPartition

from kafka_io._client import make_member_consumer, make_producer, translate_error
from kafka_io.config import ClusterSettings
from kafka_io.demo.plan import SOURCE_HEADER, DemoPlan, EventBudget, user_key
from kafka_io.produce.templates import compile_template

__all__ = ["GroupWorker", "ProducerWorker"]

log = logging.getLogger("kafka_io.demo.control")

PRODUCE_TICK_S = 0.25
MAX_TICK_S = 2.0  # after a stall (suspended laptop), do not send a burst of catch-up
FLUSH_TIMEOUT_S = 5.0
CONSUME_BATCH = 500
CONSUME_TIMEOUT_S = 0.2
# noida-db answers fetches at once even with nothing new, so an idle consumer
# spins; pausing partitions at EOF and resuming them this often costs ~1%.
RESUME_EVERY_S = 0.25
# librdkafka's broker thread notices a resume only when it next wakes, up to
# 1 s later; any request to that broker wakes it. With this nudge, records
# reach the demo in 0.2 s (median) instead of 0.5 s, so the keeps-up group
# shows lag 0 in most samples.
WAKE_TIMEOUT_S = 0.5
COMMIT_EVERY_S = 0.25
MAX_BUFFERED = 2000  # records held per partition before it is paused


class _Worker(threading.Thread):
    def __init__(self, name: str, stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.stop = stop
        self.error: str | None = None

    def fail(self, exc: BaseException, settings: ClusterSettings) -> None:
        self.error = str(translate_error(exc, settings, self.name))
        log.debug("%s failed", self.name, exc_info=True)

    def replacement(self) -> _Worker:
        """A new, unstarted worker doing the same job, carrying this one's counts on."""
        raise NotImplementedError


class ProducerWorker(_Worker):
    """Sends the plan's traffic every PRODUCE_TICK_S, unless paused.

    A fatal producer error (an idempotent producer's OUT_OF_ORDER_SEQUENCE_NUMBER
    after a restarted broker lost acknowledged writes, for one) breaks the
    producer for good: the worker then closes it and carries on with a new one.
    """

    def __init__(
        self, settings: ClusterSettings, plan: DemoPlan, stop: threading.Event, paused: Callable[[], bool]
    ) -> None:
        super().__init__("demo producer", stop)
        self.settings, self.plan, self.paused = settings, plan, paused
        self.sent = self.delivered = self.failed = 0
        self.recreated = 0  # producers replaced after a fatal error
        self.last_fatal: str | None = None
        self._fatal: str | None = None
        self._lock = threading.Lock()

    def replacement(self) -> ProducerWorker:
        fresh = ProducerWorker(self.settings, self.plan, self.stop, self.paused)
        fresh.sent, fresh.delivered, fresh.failed = self.sent, self.delivered, self.failed
        fresh.recreated, fresh.last_fatal = self.recreated, self.last_fatal
        return fresh

    def _new_producer(self):
        return make_producer(self.settings, **{"linger.ms": 50, "error_cb": self._on_error})

    def run(self) -> None:
        try:
            producer = self._new_producer()
        except Exception as exc:
            self.fail(exc, self.settings)
            return
        templates = {t.name: compile_template(t.template) for t in self.plan.topics}
        budgets = {t.name: EventBudget() for t in self.plan.topics}
        seqs = {t.name: 1 for t in self.plan.topics}
        rng, last_s = random.Random(), time.monotonic()
        try:
            while not self.stop.wait(PRODUCE_TICK_S):
                if self._fatal is not None:
                    producer = self._recreate(producer)
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
                self._poll(producer, 0)
        except Exception as exc:
            self.fail(exc, self.settings)
        finally:
            producer.flush(FLUSH_TIMEOUT_S)

    def _recreate(self, broken):
        reason, self._fatal = self._fatal, None
        log.warning("demo producer failed fatally (%s); recreating it", reason)
        broken.purge()  # its queued events can never be sent: count them failed, not lost
        broken.flush(0)
        self.recreated += 1
        self.last_fatal = reason
        return self._new_producer()

    def _send(self, producer, topic: str, values: list[str]) -> None:
        for value in values:
            try:
                producer.produce(
                    topic,
                    value=value.encode(),
                    key=user_key(value),
                    headers=[SOURCE_HEADER],
                    on_delivery=self._on_delivery,
                )
            except BufferError:  # broker away for long: drop this tick, keep the process small
                self._poll(producer, 0.1)
                return
            except KafkaException as exc:
                self._fatal_or_raise(exc)
                return
            self.sent += 1

    def _poll(self, producer, timeout_s: float) -> None:
        try:
            producer.poll(timeout_s)
        except KafkaException as exc:  # confluent-kafka raises a fatal error from poll()
            self._fatal_or_raise(exc)

    def _fatal_or_raise(self, exc: KafkaException) -> None:
        err = exc.args[0] if exc.args else None
        if not _is_fatal(err):
            raise exc
        self._fatal = self._fatal or err.str()  # the producer is recreated on the next tick

    def _on_error(self, err) -> None:
        if _is_fatal(err):
            self._fatal = self._fatal or err.str()
        log.debug("demo producer: %s", err)

    def _on_delivery(self, err, _msg) -> None:
        with self._lock:
            if err is None:
                self.delivered += 1
            else:
                self.failed += 1
                if _is_fatal(err):
                    self._fatal = self._fatal or err.str()
                log.debug("demo delivery failed: %s", err)


def _is_fatal(err) -> bool:
    return isinstance(err, KafkaError) and (err.fatal() or err.code() == KafkaError._FATAL)


class GroupWorker(_Worker):
    """One static member of a demo group, processing at most limit_per_s() records/s.

    Records are buffered per partition and processed round-robin, so under a
    rate limit every partition's committed offset moves (a lagging group, not
    a stuck partition). limit_per_s() returning None means "as fast as they come".
    """

    def __init__(
        self,
        settings: ClusterSettings,
        group: str,
        topics: list[str],
        stop: threading.Event,
        limit_per_s: Callable[[], float | None] = lambda: None,
    ) -> None:
        super().__init__(group, stop)
        self.settings, self.group, self.topics, self.limit_per_s = settings, group, topics, limit_per_s
        self.processed = 0
        self._buffers: dict[tuple[str, int], deque[int]] = {}
        self._paused: set[tuple[str, int]] = set()
        self._stored = False
        self._tokens = 0.0
        self._last_served: tuple[str, int] | None = None

    def replacement(self) -> GroupWorker:
        fresh = GroupWorker(self.settings, self.group, self.topics, self.stop, self.limit_per_s)
        fresh.processed = self.processed
        return fresh

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
            try:
                consumer.get_watermark_offsets(TopicPartition(*ready[0]), timeout=WAKE_TIMEOUT_S, cached=False)
            except KafkaException as exc:  # only a nudge: the resume stands without it
                log.debug("%s wake: %s", self.group, exc)

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
