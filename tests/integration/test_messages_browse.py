"""The Messages browser against a real broker: seeks return exact offsets, paging is exact both
ways, one partition vs all, truncation of a value over 1 MB, and no group is ever touched."""

from __future__ import annotations

import time

import orjson
import pytest
from confluent_kafka import Producer
from support.groups import committed_offsets, describe, group_ids
from support.kafka import TIMEOUT_S, commit_offsets, create_topic

from kafka_io._client import VIEWER_GROUP_PREFIX
from kafka_io.cluster import Cluster
from kafka_io.errors import InvalidInput, NotFound
from kafka_io.messages.browse import next_page, prev_page, read_at, read_page
from kafka_io.messages.model import MAX_VALUE_BYTES, Seek

PARTITIONS = 3
PER_PARTITION = 40
# Partition p's record i has timestamp BASE_MS + i * 1000 + p: a time names one offset per partition.
BASE_MS = (int(time.time()) - 3600) * 1000
TYPES = ("login", "click", "purchase")


def produce_known(bootstrap: str, topic: str) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(PER_PARTITION):
        for p in range(PARTITIONS):
            value = orjson.dumps({"event_type": TYPES[i % 3], "p": p, "i": i})
            producer.produce(topic, value, key=f"k{i}".encode(), partition=p, timestamp=BASE_MS + i * 1000 + p)
    assert producer.flush(TIMEOUT_S) == 0


@pytest.fixture(scope="module")
def known(kafka_bootstrap):
    topic = f"test-msg-browse-{time.time_ns() % 10**8}"
    create_topic(kafka_bootstrap, topic, PARTITIONS, {"retention.ms": "-1"})
    produce_known(kafka_bootstrap, topic)
    return topic


@pytest.fixture
def cluster(settings):
    with Cluster(settings) as handle:
        yield handle


def offsets(page) -> list[tuple[int, int]]:
    return [(m.partition, m.offset) for m in page.messages]


def test_newest_page_of_one_partition_is_newest_first_and_pages_back_exactly(cluster, known):
    page = read_page(cluster, known, partition=1, limit=10)
    assert offsets(page) == [(1, o) for o in range(39, 29, -1)]
    assert page.watermarks == {1: (0, PER_PARTITION)}
    assert (page.has_next, page.has_prev, page.errors) == (False, True, ())
    assert page.prev_positions == {1: 20}
    older = prev_page(cluster, page, limit=10)
    assert offsets(older) == [(1, o) for o in range(29, 19, -1)]  # still newest first: the view's order
    assert offsets(next_page(cluster, older, limit=10)) == offsets(page)
    first = prev_page(cluster, prev_page(cluster, older, limit=15), limit=15)
    assert offsets(first) == [(1, o) for o in range(4, -1, -1)]  # 20 - 15 = 5 left, then the rest
    assert (first.has_prev, first.has_next) == (False, True)


def test_oldest_page_of_all_partitions_then_forward_and_back(cluster, known):
    page = read_page(cluster, known, seek=Seek("oldest"), limit=9)
    assert sorted(offsets(page)) == [(p, o) for p in range(3) for o in range(3)]
    # Merged by time, each partition in offset order: record i of p has time BASE + i s + p ms.
    assert offsets(page) == [(p, i) for i in range(3) for p in range(3)]
    assert page.next_positions == {0: 3, 1: 3, 2: 3}
    assert not page.has_prev and page.has_next
    later = next_page(cluster, page, limit=9)
    assert offsets(later) == [(p, i) for i in range(3, 6) for p in range(3)]
    assert offsets(prev_page(cluster, later, limit=9)) == offsets(page)


def test_offset_seek_returns_exact_offsets(cluster, known):
    page = read_page(cluster, known, partition=2, seek=Seek("offset", 17), limit=5)
    assert offsets(page) == [(2, o) for o in range(17, 22)]
    values = [orjson.loads(m.value) for m in page.messages]
    assert values == [{"event_type": TYPES[i % 3], "p": 2, "i": i} for i in range(17, 22)]
    assert [m.key for m in page.messages] == [f"k{i}".encode() for i in range(17, 22)]
    assert [m.type for m in page.messages] == [TYPES[i % 3] for i in range(17, 22)]
    assert [m.timestamp_ms for m in page.messages] == [BASE_MS + i * 1000 + 2 for i in range(17, 22)]
    everywhere = read_page(cluster, known, seek=Seek("offset", 38), limit=50)
    assert sorted(offsets(everywhere)) == [(p, o) for p in range(3) for o in (38, 39)]
    assert not everywhere.has_next


def test_time_seek_returns_exact_offsets(cluster, known):
    # Partition p's record 17 is at BASE + 17 s + p ms: asking for BASE + 17 s + 1 ms finds
    # record 18 in partition 0 (17 is 1 ms too old) and record 17 in partitions 1 and 2.
    page = read_page(cluster, known, seek=Seek("timestamp", BASE_MS + 17_000 + 1), limit=6)
    assert sorted(offsets(page)) == [(0, 18), (0, 19), (1, 17), (1, 18), (2, 17), (2, 18)]
    one = read_page(cluster, known, partition=0, seek=Seek("timestamp", BASE_MS + 17_000), limit=3)
    assert offsets(one) == [(0, 17), (0, 18), (0, 19)]
    future = read_page(cluster, known, seek=Seek("timestamp", BASE_MS + 10**9), limit=5)
    assert (future.messages, future.has_next, future.next_positions) == ((), False, {0: 40, 1: 40, 2: 40})
    assert future.has_prev


def test_newest_page_of_all_partitions_splits_the_page(cluster, known):
    page = read_page(cluster, known, limit=50)  # 50 over 3 partitions of 40: 17 + 17 + 16
    counts = {p: sum(1 for m in page.messages if m.partition == p) for p in range(3)}
    assert counts == {0: 17, 1: 17, 2: 16}
    assert page.start_positions == {0: 23, 1: 23, 2: 24}
    stamps = [m.timestamp_ms for m in page.messages]
    assert stamps == sorted(stamps, reverse=True)


def test_read_at_returns_exactly_those_offsets(cluster, known):
    assert [m.offset for m in read_at(cluster, known, 1, 7, count=3)] == [7, 8, 9]
    assert [m.offset for m in read_at(cluster, known, 1, 38, count=10)] == [38, 39]  # fewer at the end
    assert read_at(cluster, known, 1, 40) == ()


def test_bad_input_and_missing_things_are_refused_in_plain_words(cluster, known):
    with pytest.raises(InvalidInput, match=r"has no partition 7 \(it has 3: 0 to 2\)"):
        read_page(cluster, known, partition=7)
    with pytest.raises(NotFound, match="does not exist"):
        read_page(cluster, f"{known}-nope")
    with pytest.raises(InvalidInput, match="page size"):
        read_page(cluster, known, limit=0)
    with pytest.raises(InvalidInput, match="type source"):
        read_page(cluster, known, type_field="nope:x")
    with pytest.raises(InvalidInput, match="offset must be"):
        read_at(cluster, known, 0, -3)


def test_a_value_over_1_mb_is_cut_and_keeps_its_size(kafka_bootstrap, cluster, unique):
    topic = unique("msg-big")
    create_topic(kafka_bootstrap, topic, 1, {"max.message.bytes": "4000000"})
    big = b'{"event_type": "huge", "pad": "' + b"x" * 1_500_000 + b'"}'
    headers = [("trace", b"abc"), ("empty", None)]
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "message.max.bytes": 4_000_000})
    producer.produce(topic, big, key=b"k", headers=headers)
    producer.produce(topic, None, key=b"gone")  # a tombstone
    assert producer.flush(TIMEOUT_S) == 0
    page = read_page(cluster, topic, seek=Seek("oldest"))
    huge, tombstone = page.messages
    assert (len(huge.value), huge.value_size, huge.truncated) == (MAX_VALUE_BYTES, len(big), True)
    assert huge.value == big[:MAX_VALUE_BYTES]
    assert huge.type == "huge"  # typed from the whole value
    assert huge.headers == (("trace", b"abc"), ("empty", None))
    assert (tombstone.value, tombstone.value_size, tombstone.truncated, tombstone.type) == (None, 0, False, "(unknown)")


def test_browsing_never_touches_a_users_group(kafka_bootstrap, cluster, known, unique):
    group = unique("msg-user-group")
    commit_offsets(kafka_bootstrap, group, known, {0: 5, 1: 6, 2: 7})
    before = committed_offsets(kafka_bootstrap, group)
    page = read_page(cluster, known, seek=Seek("oldest"), limit=30)
    next_page(cluster, page)
    read_at(cluster, known, 0, 5, count=5)
    assert committed_offsets(kafka_bootstrap, group) == before == {(known, p): 5 + p for p in range(3)}
    assert describe(kafka_bootstrap, group).members == []
    assert not [g for g in group_ids(kafka_bootstrap) if g.startswith(VIEWER_GROUP_PREFIX)]
