"""Stuck events and bounded scans against a real broker: the events at a group's committed
offsets (the group untouched), and each bound stopping a scan with the right stopped_by."""

from __future__ import annotations

import threading
import time

import orjson
import pytest
from confluent_kafka import Producer
from support.groups import committed_offsets, describe
from support.kafka import TIMEOUT_S, commit_offsets, create_topic

from kafka_io.cluster import Cluster
from kafka_io.errors import InvalidInput, NotFound
from kafka_io.messages.model import Seek
from kafka_io.messages.scan import scan
from kafka_io.messages.stuck import stuck_events

PER_PARTITION = {0: 20, 1: 20, 2: 4}


def produce_numbered(bootstrap: str, topic: str, counts: dict[int, int]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for p, n in counts.items():
        for i in range(n):
            kind = "bad" if i % 4 == 3 else "ok"
            producer.produce(
                topic, orjson.dumps({"event_type": kind, "p": p, "i": i}), key=f"{p}-{i}".encode(), partition=p
            )
    assert producer.flush(TIMEOUT_S) == 0


@pytest.fixture(scope="module")
def numbered(kafka_bootstrap):
    topic = f"test-msg-scan-{time.time_ns() % 10**8}"
    create_topic(kafka_bootstrap, topic, 3)
    produce_numbered(kafka_bootstrap, topic, PER_PARTITION)
    return topic


@pytest.fixture
def cluster(settings):
    with Cluster(settings) as handle:
        yield handle


# --- stuck events ----------------------------------------------------------------


def test_stuck_events_are_the_events_at_the_committed_offsets(kafka_bootstrap, cluster, numbered, unique):
    group = unique("msg-stuck")
    commit_offsets(kafka_bootstrap, group, numbered, {0: 5, 1: 12, 2: 4})  # partition 2 has caught up
    before = committed_offsets(kafka_bootstrap, group)
    found = stuck_events(cluster, group, following=2)
    assert [(s.topic, s.partition, s.committed, s.lag, s.error) for s in found] == [
        (numbered, 0, 5, 15, None),  # most lagging first
        (numbered, 1, 12, 8, None),
    ]
    assert [[m.offset for m in s.messages] for s in found] == [[5, 6, 7], [12, 13, 14]]
    assert found[0].messages[0].key == b"0-5"
    assert orjson.loads(found[1].messages[0].value) == {"event_type": "ok", "p": 1, "i": 12}
    assert [m.offset for s in stuck_events(cluster, group) for m in s.messages] == [5, 12]  # following=0: one each
    assert committed_offsets(kafka_bootstrap, group) == before
    assert describe(kafka_bootstrap, group).members == []


def test_stuck_events_near_the_end_and_on_one_topic(kafka_bootstrap, cluster, numbered, unique):
    group = unique("msg-stuck-end")
    commit_offsets(kafka_bootstrap, group, numbered, {1: 19})
    (only,) = stuck_events(cluster, group, topic=numbered, following=5)
    assert [m.offset for m in only.messages] == [19]  # fewer at the end of the log
    assert stuck_events(cluster, group, topic=f"{numbered}-other") == ()


def test_stuck_events_refuse_bad_input_and_unknown_groups(cluster, unique):
    with pytest.raises(InvalidInput, match="group id cannot be empty"):
        stuck_events(cluster, " ")
    with pytest.raises(InvalidInput, match="following must be"):
        stuck_events(cluster, "g", following=-1)
    with pytest.raises(NotFound, match="does not exist"):
        stuck_events(cluster, unique("msg-no-group"))


# --- scans without a filter: the bounds ----------------------------------------------


def test_scan_stops_at_the_limit_with_exact_positions(cluster, numbered):
    result = scan(cluster, numbered, partition=0, limit=7)
    assert [m.offset for m in result.messages] == list(range(7))
    got = result.progress
    assert (got.scanned, got.matched, got.unevaluated, got.stopped_by) == (7, 7, 0, "limit")
    assert got.positions == {0: 7}


def test_scan_stops_at_max_scan(cluster, numbered):
    result = scan(cluster, numbered, partition=1, seek=Seek("offset", 3), limit=1000, max_scan=10)
    assert [m.offset for m in result.messages] == list(range(3, 13))
    assert (result.progress.scanned, result.progress.stopped_by, result.progress.positions) == (10, "max_scan", {1: 13})


def test_scan_reads_to_the_end(cluster, numbered):
    progress = []
    result = scan(cluster, numbered, limit=1000, on_progress=progress.append)
    assert result.progress.scanned == result.progress.matched == sum(PER_PARTITION.values())
    assert (result.progress.stopped_by, result.progress.positions) == ("end", PER_PARTITION)
    assert progress[-1] == result.progress
    by_partition = {p: [m.offset for m in result.messages if m.partition == p] for p in PER_PARTITION}
    assert by_partition == {p: list(range(n)) for p, n in PER_PARTITION.items()}  # offset order in each


def test_scan_from_newest_keeps_the_newest(cluster, numbered):
    result = scan(cluster, numbered, partition=0, seek=Seek(), limit=5)
    assert [m.offset for m in result.messages] == list(range(15, 20))
    assert result.progress.stopped_by == "limit"  # the log holds more than the 5 read
    whole = scan(cluster, numbered, partition=2, seek=Seek(), limit=5)
    assert ([m.offset for m in whole.messages], whole.progress.stopped_by) == ([0, 1, 2, 3], "end")


def test_scan_cancelled_and_out_of_time(cluster, numbered):
    cancel = threading.Event()
    cancel.set()
    cancelled = scan(cluster, numbered, partition=0, cancel=cancel)
    assert (cancelled.progress.scanned, cancelled.progress.stopped_by, cancelled.messages) == (0, "cancelled", ())
    assert cancelled.progress.positions == {0: 0}
    late = scan(cluster, numbered, partition=0, max_seconds=1e-9)
    assert (late.progress.scanned, late.progress.stopped_by) == (0, "max_seconds")


def test_scan_refuses_bad_bounds(cluster, numbered):
    with pytest.raises(InvalidInput, match="max scan must be"):
        scan(cluster, numbered, max_scan=0)
    with pytest.raises(InvalidInput, match="max seconds must be > 0"):
        scan(cluster, numbered, max_seconds=0)
    with pytest.raises(InvalidInput, match="limit must be"):
        scan(cluster, numbered, limit=0)
