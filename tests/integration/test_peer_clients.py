"""A group run by another client shows the lag that client's own admin API
reports, on either engine: kafka-python (the seed's client) and kafkajs (npm,
run by tests/peers/kafkajs_group.js). Both have their own protocol code."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path
from subprocess import PIPE

import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import OffsetSpec
from support.kafka import create_topic, produce

from kafka_io._client import Connection, make_admin
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.produce.burst.source import plan_spec_burst
from kafka_io.produce.burst.start import start_burst
from kafka_io.produce.producer import ProducerHandle, send_one
from kafka_io.produce.target import topic_limits
from kafka_io.produce.validation import EventSpec

TIMEOUT_MS = 10_000
LATEST = OffsetSpec.LATEST
# Per partition: records produced, and how many the peer consumes and commits.
PRODUCED = {0: 9, 1: 5, 2: 7}
CONSUMED = 12


def peer_consume_and_commit(bootstrap: str, group: str, topic: str, n: int) -> None:
    """A real kafka-python group member: subscribes, reads n records, commits, leaves."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=1,
    )
    try:
        read = 0
        while read < n:
            batch = consumer.poll(timeout_ms=TIMEOUT_MS, max_records=n - read)
            assert batch, f"kafka-python read {read} of {n} records"
            read += sum(len(records) for records in batch.values())
        consumer.commit()
    finally:
        consumer.close()


def peer_lag(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    """Lag as kafka-python's own admin and consumer APIs compute it: end offset - committed."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        committed = admin.list_group_offsets(group)[group]
        ends = admin.list_partition_offsets({tp: LATEST for tp in committed})
    finally:
        admin.close()
    return {(tp.topic, tp.partition): _offset(ends[tp]) - _offset(meta) for tp, meta in committed.items()}


def _offset(answer) -> int:
    return answer.offset if hasattr(answer, "offset") else int(answer)


@pytest.fixture
def peer_group(kafka_bootstrap, unique):
    topic, group = unique("peer"), unique("peer-group")
    create_topic(kafka_bootstrap, topic, len(PRODUCED))
    produce(kafka_bootstrap, topic, PRODUCED)
    peer_consume_and_commit(kafka_bootstrap, group, topic, CONSUMED)
    return topic, group


def test_lag_of_a_kafka_python_group_equals_what_kafka_python_reports(settings, kafka_bootstrap, peer_group):
    topic, group = peer_group
    theirs = peer_lag(kafka_bootstrap, group)
    assert sum(theirs.values()) == sum(PRODUCED.values()) - CONSUMED  # the peer really left lag behind
    (ours,) = fetch_group_lags(Connection(make_admin(settings), settings), [group])
    assert ours.error is None
    assert {(p.topic, p.partition): p.lag for p in ours.partitions} == theirs
    assert ours.totals.total_lag == sum(PRODUCED.values()) - CONSUMED
    assert ours.state == "EMPTY" and ours.members == ()  # the peer left; we never joined
    assert {t for t, _ in theirs} == {topic}


# --- kafkajs (npm): a Node client with its own protocol code, run by tests/peers/kafkajs_group.js.

PEERS = Path(__file__).resolve().parents[1] / "peers"
KAFKAJS_SCRIPT = PEERS / "kafkajs_group.js"
NODE = os.environ.get("KDASH_NODE") or shutil.which("node")
KAFKAJS_TIMEOUT_S = 60
KAFKAJS_PARTITIONS = 4
KAFKAJS_PRODUCED = 60  # keyed events, spread by key over the partitions
KAFKAJS_CONSUMED = 25


def kafkajs_missing() -> str | None:
    """Why the kafkajs tests cannot run here, or None."""
    if not NODE or not Path(NODE).is_file():
        return f"the kafkajs peer tests need Node.js ({NODE or 'node'} not found); `make peer-deps` installs it"
    if not (PEERS / "node_modules" / "kafkajs" / "package.json").is_file():
        return "the kafkajs peer tests need tests/peers/node_modules: `make peer-deps` (npm ci) installs it"
    return None


@pytest.fixture(scope="session")
def kafkajs():
    """run(command, *args) -> the JSON kafkajs_group.js printed. List it first: it skips before a broker starts."""
    why = kafkajs_missing()
    if why and os.environ.get("CI") == "true":
        pytest.fail(why, pytrace=False)  # CI must prove the kafkajs half: a red run, never a quiet skip
    if why:
        pytest.skip(why)
    return run_kafkajs


def run_kafkajs(command: str, *args: str) -> dict:
    """One kafkajs_group.js run in its own process group, killed whole if it outlives its timeout."""
    argv = [NODE, str(KAFKAJS_SCRIPT), command, *args, "--timeout-s", str(KAFKAJS_TIMEOUT_S)]
    proc = subprocess.Popen(argv, cwd=PEERS, stdout=PIPE, stderr=PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=KAFKAJS_TIMEOUT_S + 15)  # the script's own limit + its leave grace
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0, f"kafkajs {command} exited {proc.returncode}:\n{err[-4000:]}"
    return json.loads(out)


@pytest.fixture(scope="module")
def keyed_topic(kafka_bootstrap, settings) -> tuple[str, dict[int, int]]:
    """A topic filled by our own burst with keyed events: (name, events per partition)."""
    topic = f"test-kafkajs-{uuid.uuid4().hex[:8]}"
    create_topic(kafka_bootstrap, topic, KAFKAJS_PARTITIONS)
    limits = topic_limits(Connection(make_admin(settings), settings), topic)
    events = [EventSpec(b'{"type": "order"}', f"order-{i}".encode()) for i in range(KAFKAJS_PRODUCED)]
    summary = start_burst(settings, limits, plan_spec_burst(limits, events)).wait(60)
    assert summary is not None and summary.delivered == KAFKAJS_PRODUCED
    return topic, dict(summary.partitions)


def their_report(kafkajs, bootstrap: str, topic: str, group: str) -> tuple[dict, dict[tuple[str, int], int | None]]:
    report = kafkajs("lag", "--bootstrap", bootstrap, "--topic", topic, "--group", group)
    return report, {(topic, p["partition"]): p["lag"] for p in report["partitions"]}


def test_lag_of_a_kafkajs_group_equals_what_kafkajs_reports(kafkajs, settings, kafka_bootstrap, keyed_topic, unique):
    topic, produced = keyed_topic
    group = unique("kafkajs-group")
    args = ("--bootstrap", kafka_bootstrap, "--topic", topic, "--group", group)
    consumed = kafkajs("consume", *args, "--count", str(KAFKAJS_CONSUMED), "--commit-assigned")
    assert consumed["consumed"] == KAFKAJS_CONSUMED
    assert consumed["assigned"] == list(range(KAFKAJS_PARTITIONS))  # one member owns every partition
    report, theirs = their_report(kafkajs, kafka_bootstrap, topic, group)
    assert {p["partition"]: p["high"] for p in report["partitions"]} == {
        p: produced.get(p, 0) for p in range(KAFKAJS_PARTITIONS)
    }
    assert sum(theirs.values()) == KAFKAJS_PRODUCED - KAFKAJS_CONSUMED  # 60 - 25: kafkajs really left lag

    (ours,) = fetch_group_lags(Connection(make_admin(settings), settings), [group])

    assert ours.error is None
    assert {(p.topic, p.partition): p.lag for p in ours.partitions} == theirs
    assert {p.partition: p.committed for p in ours.partitions} == {
        p["partition"]: p["committed"] for p in report["partitions"]
    }
    assert ours.totals.total_lag == KAFKAJS_PRODUCED - KAFKAJS_CONSUMED and ours.totals.unknown_partitions == 0
    assert ours.state == "EMPTY" and ours.members == ()  # kafkajs left; we never joined
    assert (report["state"], report["members"]) == ("Empty", 0)
    # Viewing used admin APIs only: the group's offsets are still exactly what kafkajs committed.
    assert their_report(kafkajs, kafka_bootstrap, topic, group)[0] == report


def test_partitions_a_kafkajs_group_never_committed_are_unknown_not_zero(
    kafkajs, settings, kafka_bootstrap, keyed_topic, unique
):
    topic, _ = keyed_topic
    group = unique("kafkajs-one")
    args = ("--bootstrap", kafka_bootstrap, "--topic", topic, "--group", group)
    consumed = kafkajs("consume", *args, "--count", "1")  # commits the one partition it read from, only
    (read,) = consumed["committed"]
    _, theirs = their_report(kafkajs, kafka_bootstrap, topic, group)
    assert [tp for tp, lag in theirs.items() if lag is not None] == [(topic, int(read))]

    (ours,) = fetch_group_lags(Connection(make_admin(settings), settings), [group])

    lags = {(p.topic, p.partition): p.lag for p in ours.partitions}
    assert {tp: lag for tp, lag in theirs.items() if lag is not None} == {
        tp: lag for tp, lag in lags.items() if lag is not None
    }
    assert all(lags.get(tp) is None for tp, lag in theirs.items() if lag is None)  # unknown, never 0
    assert ours.totals.total_lag == theirs[(topic, int(read))]


def test_keyed_events_land_where_kafkajs_puts_them(kafkajs, settings, kafka_bootstrap, unique):
    # kafkajs 2.x's default partitioner is Java's (murmur2); ours is murmur2_random by default.
    topic = unique("kafkajs-keys")
    create_topic(kafka_bootstrap, topic, partitions=6)
    keys = [f"user_{i}" for i in range(20)] + ["foobar", "é"]
    placed = kafkajs("place", "--bootstrap", kafka_bootstrap, "--topic", topic, "--keys-json", json.dumps(keys))
    theirs = placed["partitions"]
    limits = topic_limits(Connection(make_admin(settings), settings), topic)
    handle = ProducerHandle(settings)
    try:
        ours = {key: send_one(handle, limits, EventSpec(b"{}", key.encode())).partition for key in keys}
    finally:
        handle.close()
    assert ours == theirs
    assert len(set(theirs.values())) > 1  # the keys really spread: a match by luck is not a match
