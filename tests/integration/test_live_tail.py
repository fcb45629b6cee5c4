"""The live tail against a real broker: exact counts (worker and `tail` CLI), no commits,
start positions, new partitions, topic deletion, broker restart, and sharing."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewPartitions
from support.kafka import commit_offsets, create_topic
from support.own_broker import start_own_broker

from kafka_io._client import VIEWER_GROUP_PREFIX
from kafka_io.config import ClusterSettings
from kafka_io.live import reader as tail_reader
from kafka_io.live.model import StartPosition
from kafka_io.live.pool import TailPool
from kafka_io.live.rates import TypeSpec
from kafka_io.live.worker import TailWorker, consumer_counts
from kafka_io.wire import SOURCE_HEADER_KEY as SOURCE_HEADER

TIMEOUT_S = 10
AUTO = TypeSpec("field")
TYPED = {"login": 40, "click": 25, "purchase": 10}
# Per partition: typed events round-robin, then the odd ones.
ODD = [
    (b'{"user": 1}', None, "(unknown)"),  # no type field
    (b'{"event_type": null}', None, "(unknown)"),
    (None, None, "(unknown)"),  # tombstone
    (b"not json at all", None, "(unparseable)"),
    (b"\x00\x01\x02avro-ish", None, "(unparseable)"),  # binary (Avro/Protobuf shown as binary)
    (b'{"event_type": "body"}', [("ce_type", b"com.example.ce")], "com.example.ce"),  # CloudEvents header wins
    (b'{"event_type": "demo"}', [(SOURCE_HEADER, b"dashboard")], "demo"),  # injected from the Produce page
    (b'{"event_type": "bg"}', [(SOURCE_HEADER, b"demo")], "bg"),  # the demo's traffic: counted, not marked
]
EXPECTED = {**TYPED, "(unknown)": 3, "(unparseable)": 2, "com.example.ce": 1, "demo": 1, "bg": 1}
TOTAL = sum(EXPECTED.values())


def wait_for(check, timeout_s: float = TIMEOUT_S, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def produce_known(bootstrap: str, topic: str, partitions: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    i = 0
    for event_type, n in TYPED.items():
        for _ in range(n):
            producer.produce(topic, json.dumps({"event_type": event_type, "i": i}).encode(), partition=i % partitions)
            i += 1
    for value, headers, _ in ODD:
        producer.produce(topic, value, key=b"odd", headers=headers, partition=i % partitions)
        i += 1
    assert producer.flush(TIMEOUT_S) == 0


def produce_n(bootstrap: str, topic: str, n: int, partition: int | None = None, event_type: str = "e", **kw) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(n):
        extra = {"partition": partition} if partition is not None else {}
        producer.produce(topic, json.dumps({"event_type": event_type, "i": i}).encode(), **extra, **kw)
    assert producer.flush(TIMEOUT_S) == 0


@pytest.fixture(scope="module")
def known_topic(kafka_bootstrap):
    topic = f"test-live-known-{time.time_ns() % 10**8}"
    create_topic(kafka_bootstrap, topic, 3)
    produce_known(kafka_bootstrap, topic, 3)
    return topic


@pytest.fixture
def worker_factory():
    workers: list[TailWorker] = []

    def make(settings, topics, start="earliest", spec=AUTO) -> TailWorker:
        worker = TailWorker(settings, tuple(topics), spec, StartPosition.parse(start)).start()
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()
    for worker in workers:
        assert worker.join(), "a worker did not close its consumer"


def cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kafka_io", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_worker_counts_every_event_by_type(settings, known_topic, worker_factory):
    worker = worker_factory(settings, [known_topic])
    wait_for(lambda: worker.snapshot().messages >= TOTAL, what="all events")
    # Judged as of the next second, when the current one is complete and the chart series holds it.
    snap = worker.snapshot(60, now_s=int(time.time()) + 1)
    assert snap.messages == TOTAL and snap.totals == EXPECTED
    assert (snap.status, snap.partitions) == ("running", 3)
    assert sum(n for _, _, n in snap.series) == TOTAL
    assert [(t, n) for _, t, n in snap.markers] == [("demo", 1)]
    injected = [r for r in snap.tail if r.injected]
    assert [(r.type, r.headers) for r in injected] == [("demo", ((SOURCE_HEADER, "dashboard"),))]
    assert len(snap.tail) == TOTAL
    assert [r.ts_ms for r in snap.tail] == sorted((r.ts_ms for r in snap.tail), reverse=True)  # across partitions
    binary = next(r for r in snap.tail if r.preview.startswith("000102"))
    assert (binary.kind, binary.type) == ("binary", "(unparseable)")


def test_tail_cli_json_and_jsonl_count_exactly(cluster_env, known_topic):
    result = cli(
        "tail",
        "--topic",
        known_topic,
        "--from-beginning",
        "--max-messages",
        str(TOTAL),
        "--format",
        "json",
        env=cluster_env,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary) == {"messages", "seconds", "rate_per_s", "by_type", "first_offsets", "last_offsets"}
    assert summary["messages"] == TOTAL and summary["by_type"] == EXPECTED
    assert summary["first_offsets"] == {f"{known_topic}/{p}": 0 for p in range(3)}
    assert summary["last_offsets"] == {f"{known_topic}/{p}": len(range(p, TOTAL, 3)) - 1 for p in range(3)}

    lines = cli(
        "tail",
        "--topic",
        known_topic,
        "--from-beginning",
        "--max-messages",
        str(TOTAL),
        "--format",
        "jsonl",
        env=cluster_env,
    ).stdout.splitlines()
    messages = [json.loads(line) for line in lines[:-1]]
    assert len(messages) == TOTAL and json.loads(lines[-1])["by_type"] == EXPECTED
    assert all(set(m) == {"topic", "partition", "offset", "timestamp_ms", "key", "type", "value"} for m in messages)
    by_value = {m["value"]: m for m in messages}
    assert by_value["AAECYXZyby1pc2g="]["type"] == "(unparseable)"  # binary -> base64
    assert by_value["not json at all"]["key"] == "odd" and by_value[None]["type"] == "(unknown)"


def test_tail_cli_refuses_a_missing_topic(cluster_env, unique):
    result = cli("tail", "--topic", unique("nope"), "--seconds", "1", env=cluster_env)
    assert (
        result.returncode == 1
        and result.stderr.startswith("error: topic test-nope-")
        and "does not exist" in result.stderr
    )


def test_reading_never_joins_or_commits(settings, kafka_bootstrap, cluster_env, known_topic, worker_factory, unique):
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    group = unique("user-group")
    commit_offsets(kafka_bootstrap, group, known_topic, {0: 3, 1: 5})

    def groups() -> set[str]:
        return {g.group_id for g in admin.list_consumer_groups(request_timeout=TIMEOUT_S).result(TIMEOUT_S).valid}

    def committed() -> dict:
        request = [__import__("confluent_kafka").ConsumerGroupTopicPartitions(group)]
        result = admin.list_consumer_group_offsets(request, request_timeout=TIMEOUT_S)[group].result(TIMEOUT_S)
        return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions}

    before_groups, before_offsets = groups(), committed()
    worker = worker_factory(settings, [known_topic])
    wait_for(lambda: worker.snapshot().messages == TOTAL, what="all events")
    worker.stop()
    assert worker.join()
    assert (
        cli(
            "tail",
            "--topic",
            known_topic,
            "--from-beginning",
            "--max-messages",
            "5",
            "--format",
            "json",
            env=cluster_env,
        ).returncode
        == 0
    )
    new_groups = groups() - before_groups
    assert all(g.startswith(VIEWER_GROUP_PREFIX) for g in new_groups), new_groups
    assert committed() == before_offsets == {(known_topic, 0): 3, (known_topic, 1): 5}


def test_start_at_last_n_and_at_a_timestamp(settings, kafka_bootstrap, worker_factory, unique):
    topic = unique("live-start")
    create_topic(kafka_bootstrap, topic, 3)
    now_ms = int(time.time() * 1000)
    for p in range(3):
        produce_n(kafka_bootstrap, topic, 4, partition=p, event_type="old", timestamp=now_ms - 60_000)
        produce_n(kafka_bootstrap, topic, 2, partition=p, event_type="new", timestamp=now_ms - 30_000)
    last = worker_factory(settings, [topic], "last:3")
    since = worker_factory(settings, [topic], f"timestamp:{now_ms - 45_000}")
    wait_for(lambda: last.snapshot().messages >= 9 and since.snapshot().messages >= 6, what="start positions")
    # Nothing more may arrive from before: judged once both have read a marker sent after
    # everything else on each partition (a partition is read in order).
    for p in range(3):
        produce_n(kafka_bootstrap, topic, 1, partition=p, event_type="marker")
    marked = {"marker": 3}
    wait_for(lambda: last.snapshot().totals.get("marker") == since.snapshot().totals.get("marker") == 3, what="markers")
    assert last.snapshot().totals == {"new": 6, "old": 3, **marked}
    assert since.snapshot().totals == {"new": 6, **marked}


@pytest.mark.parametrize("start", ["latest", "timestamp:4102444800000"])
def test_an_event_sent_right_after_running_is_never_skipped(settings, kafka_bootstrap, worker_factory, unique, start):
    # Start offsets are resolved before "running": librdkafka resolving a logical
    # end offset only when fetching began used to skip an event sent in between.
    # No sleep: each round sends the moment the worker says "running".
    topic = unique("live-race")
    create_topic(kafka_bootstrap, topic, 3)
    produce_n(kafka_bootstrap, topic, 6, event_type="before")
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 0})
    for round_ in range(5):
        worker = worker_factory(settings, [topic], start)
        wait_for(lambda worker=worker: worker.snapshot().status == "running", what="running")
        producer.produce(topic, json.dumps({"event_type": f"after-{round_}"}).encode(), partition=round_ % 3)
        assert producer.flush(TIMEOUT_S) == 0
        wait_for(lambda worker=worker: worker.snapshot().messages >= 1, what=f"the event of round {round_}")
        assert worker.snapshot().totals == {f"after-{round_}": 1}
        worker.stop()


def read_once(reader) -> list:
    """One turn of the worker's loop: read, then upkeep (which resumes partitions paused at EOF)."""
    got = reader.read(10, 0.2)
    reader.maintain()
    return got


@pytest.mark.parametrize("start", ["latest", "timestamp:4102444800000"])
def test_the_reader_is_running_only_once_its_start_is_resolved(settings, kafka_bootstrap, unique, start):
    # The reader itself, with no worker's status interval in between: the event
    # is sent the moment open() returns with status "running".
    topic = unique("live-race-reader")
    create_topic(kafka_bootstrap, topic, 1)
    produce_n(kafka_bootstrap, topic, 3, event_type="before")
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 0})
    for round_ in range(3):
        reader = tail_reader.TailReader(settings, (topic,), StartPosition.parse(start))
        reader.open()
        try:
            assert reader.status()[0] == tail_reader.RUNNING
            producer.produce(topic, json.dumps({"event_type": f"after-{round_}"}).encode())
            assert producer.flush(TIMEOUT_S) == 0
            got = wait_for(lambda reader=reader: read_once(reader), what=f"the event of round {round_}")
            assert [json.loads(m.value())["event_type"] for m in got] == [f"after-{round_}"]
        finally:
            reader.close()


def test_follows_new_partitions_and_survives_topic_deletion(
    settings, kafka_bootstrap, worker_factory, unique, monkeypatch
):
    monkeypatch.setattr(tail_reader, "METADATA_EVERY_S", 0.3)
    topic = unique("live-follow")
    create_topic(kafka_bootstrap, topic, 1)
    worker = worker_factory(settings, [topic], "latest")
    wait_for(lambda: worker.snapshot().status == "running", what="running")  # start offsets resolved
    produce_n(kafka_bootstrap, topic, 3, partition=0)
    wait_for(lambda: worker.snapshot().messages == 3, what="3 events")

    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_partitions([NewPartitions(topic, 2)])[topic].result(TIMEOUT_S)
    produce_n(kafka_bootstrap, topic, 2, partition=1)  # read from the new partition's beginning
    wait_for(lambda: worker.snapshot().messages == 5, what="events of the new partition")
    assert worker.snapshot().partitions == 2

    admin.delete_topics([topic], operation_timeout=TIMEOUT_S)[topic].result(TIMEOUT_S)
    snap = wait_for(lambda: (s := worker.snapshot()).status == "topic deleted" and s, what="topic deleted")
    assert snap.detail == f"Topic {topic} was deleted. Reading resumes if it is created again."
    create_topic(kafka_bootstrap, topic, 1)
    produce_n(kafka_bootstrap, topic, 4, partition=0, event_type="again")
    wait_for(lambda: worker.snapshot().totals.get("again") == 4, what="events after recreation")
    wait_for(lambda: worker.snapshot().status == "running", what="running again")
    assert worker.snapshot().messages == 9


def test_broker_restart_mid_tail_resumes_where_it_was(tmp_path, worker_factory):
    status = start_own_broker(tmp_path / "restart-data")
    try:
        settings = ClusterSettings(bootstrap_servers=status.bootstrap, embedded=False, timeout_s=2)
        create_topic(status.bootstrap, "restart", 2)
        produce_n(status.bootstrap, "restart", 10, event_type="before")
        worker = worker_factory(settings, ["restart"])
        wait_for(lambda: worker.snapshot().messages == 10, what="first events")
        status.stop()
        wait_for(lambda: worker.snapshot().status == "reconnecting…", what="reconnecting")
        status.start()
        produce_n(status.bootstrap, "restart", 7, event_type="after")
        wait_for(lambda: worker.snapshot().totals.get("after") == 7, timeout_s=20, what="events after restart")
        # librdkafka can deliver a late "all brokers down" after the first new events:
        # the status says running again at the next EOF or metadata check (seconds).
        wait_for(lambda: worker.snapshot().status == "running", timeout_s=10, what="running again")
        snap = worker.snapshot()
        assert snap.totals == {"before": 10, "after": 7}
        offsets = [(r.partition, r.offset) for r in snap.tail]
        assert len(offsets) == len(set(offsets)) == 17  # resumed where it was: nothing read twice
        worker.stop()
        assert worker.join()
    finally:
        status.stop()


def test_twenty_viewers_of_a_live_topic_make_one_consumer(settings, kafka_bootstrap, unique):
    topic = unique("live-shared")
    create_topic(kafka_bootstrap, topic, 1)
    pool = TailPool(idle_grace_s=0)
    opened0, open0 = consumer_counts()
    views = [pool.acquire(settings, (topic,), AUTO, StartPosition("latest")) for _ in range(20)]
    private = pool.acquire(settings, (topic,), AUTO, StartPosition("earliest"))
    try:
        wait_for(lambda: consumer_counts()[1] == open0 + 2, what="two consumers open")
        assert (pool.stats().shared_workers, pool.stats().private_workers, pool.stats().viewers) == (1, 1, 21)
        # "running" means the start offsets are resolved: an event sent now is read (no settling sleep).
        wait_for(lambda: all(v.snapshot().status == "running" for v in views + [private]), what="running")
        produce_n(kafka_bootstrap, topic, 5)
        wait_for(lambda: views[-1].snapshot().messages == 5 and private.snapshot().messages == 5, what="events")
        assert {v.snapshot().messages for v in views} == {5} and views[0].snapshot().viewers == 20
        assert consumer_counts()[0] == opened0 + 2
    finally:
        for view in views + [private]:
            view.release()
    wait_for(lambda: consumer_counts()[1] == open0, what="consumers closed after the last viewer left")
    assert pool.stats().workers == 0


def test_private_view_pause_resume_and_clear(settings, kafka_bootstrap, unique):
    topic = unique("live-pause")
    create_topic(kafka_bootstrap, topic, 1)
    produce_n(kafka_bootstrap, topic, 3)
    pool = TailPool(idle_grace_s=0)
    view = pool.acquire(settings, (topic,), AUTO, StartPosition("earliest"))
    try:
        wait_for(lambda: view.snapshot().messages == 3, what="3 events")
        view.pause()
        produce_n(kafka_bootstrap, topic, 4)
        # Frozen, judged after positive events: an unpaused reader of the topic has read the 4,
        # and the paused worker's loop went round twice more (pause() returns at a turn's start).
        witness = TailWorker(settings, (topic,), AUTO, StartPosition("earliest")).start()
        try:
            wait_for(lambda: witness.snapshot().messages == 7, what="the witness reads the 4 new events")
        finally:
            witness.stop()
            assert witness.join()
        for _ in range(3):
            view.worker.pause()
        assert view.snapshot().messages == 3 and view.snapshot().paused
        assert view.worker.snapshot().messages == 3  # the consumer itself stopped fetching
        view.resume()
        wait_for(lambda: view.snapshot().messages == 7, what="events read after resume")
        view.clear()
        assert (view.snapshot().messages, view.snapshot().tail) == (0, ())
        produce_n(kafka_bootstrap, topic, 2, event_type="fresh")
        wait_for(lambda: view.snapshot().totals == {"fresh": 2}, what="events after clear")
    finally:
        view.release()
