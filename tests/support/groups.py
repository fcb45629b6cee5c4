"""Real consumer groups for the lag tests: consumers that really consume and
commit, owned by one thread each (which also closes them), with noida's
pause-at-EOF rule so an idle member does not spin the broker."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient

from .kafka import TIMEOUT_S, CheckedProducer

RESUME_EVERY_S = 0.5


def consume_and_commit(bootstrap: str, group: str, topic: str, counts: dict[int, int]) -> None:
    """Read exactly counts[p] records from the start of each partition and
    commit the offsets after them, as a consumer of `group` would."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "receive.message.max.bytes": 2_000_000_000,
        }
    )
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in counts])
        read = {p: 0 for p in counts}
        deadline = time.monotonic() + TIMEOUT_S
        while any(read[p] < counts[p] for p in counts) and time.monotonic() < deadline:
            for message in consumer.consume(100, timeout=0.2):
                if message.error() is None and read[message.partition()] < counts[message.partition()]:
                    read[message.partition()] += 1
        assert read == counts, f"could only read {read}"
        consumer.commit(offsets=[TopicPartition(topic, p, n) for p, n in counts.items() if n], asynchronous=False)
    finally:
        consumer.close()


def produce_at(bootstrap: str, topic: str, partition: int, timestamps_ms: list[int]) -> None:
    producer = CheckedProducer({"bootstrap.servers": bootstrap})
    for ts_ms in timestamps_ms:
        producer.produce(topic, value=b"{}", partition=partition, timestamp=ts_ms)
    producer.flush_delivered()


class GroupMember:
    """A subscribed member of a real group, run by its own thread.

    commit: "each" commits after every batch, "first" after the first batch
    only (then it keeps reading without committing), "never" never commits.
    max_per_poll caps how many records each poll takes (a slow consumer).
    on_tick runs on the member's thread before each poll (e.g. to produce).
    config: extra consumer settings (e.g. group.protocol=consumer for a KIP-848 group).
    """

    def __init__(
        self,
        bootstrap: str,
        group: str,
        topics: list[str],
        *,
        commit: str = "each",
        max_per_poll: int = 500,
        on_tick=None,
        client_id: str = "test-member",
        poll_s: float = 0.1,
        config: dict | None = None,
    ) -> None:
        self.assignments = 0
        self.consumed = 0
        self.commits = 0
        self.errors: list[BaseException] = []
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._config = {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "client.id": client_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
            "receive.message.max.bytes": 2_000_000_000,
            **(config or {}),
        }
        self._topics, self._commit, self._max = topics, commit, max_per_poll
        self._on_tick, self._poll_s = on_tick, poll_s
        self._thread = threading.Thread(target=self._run, name=f"member-{group}", daemon=True)
        self._thread.start()

    def wait_assigned(self, timeout_s: float = TIMEOUT_S) -> GroupMember:
        assert self._ready.wait(timeout_s), "the member never got an assignment"
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(TIMEOUT_S)
        assert not self._thread.is_alive()
        assert self.errors == [], self.errors

    def _assigned(self, consumer, partitions) -> None:
        self.assignments += 1
        self._ready.set()

    def _run(self) -> None:
        consumer = Consumer(self._config)
        try:
            consumer.subscribe(self._topics, on_assign=self._assigned)
            paused: set[tuple[str, int]] = set()
            resumed_at = time.monotonic()
            while not self._stop.is_set():
                if self._on_tick:
                    self._on_tick()
                batch = consumer.consume(self._max, timeout=self._poll_s)
                self._handle(consumer, batch, paused)
                if paused and time.monotonic() - resumed_at > RESUME_EVERY_S:
                    consumer.resume([TopicPartition(t, p) for t, p in paused])
                    paused.clear()
                    resumed_at = time.monotonic()
        except BaseException as exc:  # surfaced by stop()
            self.errors.append(exc)
        finally:
            consumer.close()

    def _handle(self, consumer, batch, paused) -> None:
        got = False
        for message in batch:
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    paused.add((message.topic(), message.partition()))
                    consumer.pause([TopicPartition(message.topic(), message.partition())])
                continue
            self.consumed += 1
            got = True
        if got and (self._commit == "each" or (self._commit == "first" and not self.commits)):
            consumer.commit(asynchronous=False)
            self.commits += 1


def committed_offsets(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    """Raw confluent read of a group's committed offsets (independent of kafka_io)."""
    from confluent_kafka import ConsumerGroupTopicPartitions

    admin = AdminClient({"bootstrap.servers": bootstrap})
    (future,) = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)]).values()
    return {(tp.topic, tp.partition): tp.offset for tp in future.result(timeout=TIMEOUT_S).topic_partitions}


def describe(bootstrap: str, group: str):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    return admin.describe_consumer_groups([group])[group].result(timeout=TIMEOUT_S)


def group_ids(bootstrap: str) -> set[str]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    return {g.group_id for g in admin.list_consumer_groups().result(timeout=TIMEOUT_S).valid}


def wait_for(predicate, timeout_s: float, what: str, every_s: float = 0.1):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def busy_group(bootstrap: str, topic: str, group: str, client_id: str = "billing-worker") -> GroupMember:
    """An active group: one running member on a 1-partition topic with 3 records."""
    from .kafka import create_topic, produce

    create_topic(bootstrap, topic, 1)
    produce(bootstrap, topic, {0: 3})
    return GroupMember(bootstrap, group, [topic], client_id=client_id).wait_assigned()


DELETE_OFFSETS_JAVA = Path(__file__).resolve().parents[1] / "java" / "DeleteOffsets.java"
JAVA_TIMEOUT_S = 90  # compiling the one-file program and starting a JVM, on a busy 2-core machine


def delete_group_offsets(bootstrap: str, group: str, topic: str, partitions: list[int]) -> None:
    """Delete an empty group's committed offsets with Kafka's own Java AdminClient
    (kafka-consumer-groups --delete-offsets does the same): confluent-kafka has no such call."""
    from kafka_io.local.jars import ensure_jars

    done = subprocess.run(
        ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=off"]
        + ["-Dlog4j2.level=OFF", "-cp", f"{ensure_jars()}/*", str(DELETE_OFFSETS_JAVA), bootstrap, group, topic]
        + [str(p) for p in partitions],
        capture_output=True,
        text=True,
        timeout=JAVA_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("deleted"), done.stdout + done.stderr
