"""kafka_io's producer against a real broker: exact read-back, a broker stopped mid-burst,
Stop, read-only refusal, topic limits and creation."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

import pytest
from produce_helpers import end_offsets, read_topic
from support.kafka import create_topic
from support.own_broker import start_own_broker

from kafka_io._client import Connection, make_admin
from kafka_io.cluster import list_topic_names
from kafka_io.errors import KafkaIOError, NotFound, ReadOnly
from kafka_io.produce.burst.source import plan_spec_burst, plan_template_burst
from kafka_io.produce.burst.start import start_burst
from kafka_io.produce.inputs import SOURCE_HEADER_PAIR, build_event
from kafka_io.produce.partitioner import hashes_key, key_partition
from kafka_io.produce.producer import ProducerHandle, send_one
from kafka_io.produce.target import topic_limits
from kafka_io.produce.validation import EventSpec, encoded_size
from kafka_io.topics.admin import create_topic as create_topic_io

TEMPLATE = '{"n": {{seq}}, "kind": "{{choice:a|b|c}}", "r": {{randint:1:1000000}}, "id": "{{uuid}}"}'


@pytest.fixture
def topic(settings, kafka_bootstrap, unique):
    name = unique("produce")
    create_topic(kafka_bootstrap, name, partitions=3)
    return name


def limits_of(settings, topic):
    return topic_limits(Connection(make_admin(settings), settings), topic)


def test_a_templated_burst_reads_back_exactly(settings, topic):
    limits = limits_of(settings, topic)
    source = plan_template_burst(
        limits, TEMPLATE, 60, key_text="user-{{randint:1:5}}", headers=(("trace", b"t-1"),), seed=42
    )
    burst = start_burst(settings, limits, source)
    summary = burst.wait(30)
    assert (summary.requested, summary.delivered, summary.failed, summary.failures) == (60, 60, 0, ())

    records = read_topic(settings, topic, 60)
    expected = burst.events(range(60)).values()
    assert Counter((r[2], r[3], r[4]) for r in records) == Counter(
        (e.key, e.value, (("trace", b"t-1"), SOURCE_HEADER_PAIR)) for e in expected
    )
    assert sorted(int(v.split(b",")[0][6:]) for _, _, _, v, _, _ in records) == list(range(1, 61))
    assert dict(summary.partitions) == dict(Counter(r[0] for r in records))


def test_send_one_reports_where_the_event_landed(settings, topic):
    handle = ProducerHandle(settings)
    try:
        limits = limits_of(settings, topic)
        event = build_event(limits, '{"event_type": "user_signup", "user_id": 123}', "json", "k1", (("h", b"v"),), 2)
        hour_ago_ms = int(time.time() * 1000) - 3_600_000  # recent: brokers may expire week-old records at once
        result = send_one(handle, limits, event, timestamp_ms=hour_ago_ms)
        keyless = send_one(handle, limits, build_event(limits, "plain", "text"))
    finally:
        handle.close(5)
    assert result.ok and keyless.ok, (result, keyless)
    assert (result.partition, result.offset, result.timestamp_ms) == (2, 0, hour_ago_ms)
    assert 0 < result.latency_ms < 10_000
    records = read_topic(settings, topic, 2)
    assert (
        2,
        0,
        b"k1",
        b'{"event_type":"user_signup","user_id":123}',
        (("h", b"v"), SOURCE_HEADER_PAIR),
        hour_ago_ms,
    ) in records
    assert (keyless.partition, keyless.offset, None, b"plain", (SOURCE_HEADER_PAIR,)) in [r[:5] for r in records]


def test_the_size_limit_is_exact_against_the_broker(settings, kafka_bootstrap, unique):
    name = unique("small")
    create_topic(kafka_bootstrap, name, partitions=1, config={"max.message.bytes": "2000"})
    limits = limits_of(settings, name)
    assert (limits.max_message_bytes, limits.limit_name) == (2000, f"max.message.bytes of topic {name!r}")
    largest = max(n for n in range(1800, 2000) if encoded_size(b"x" * n, None, [SOURCE_HEADER_PAIR]) <= 2000)
    handle = ProducerHandle(settings)
    try:
        assert send_one(handle, limits, EventSpec(b"x" * largest)).ok
        with pytest.raises(KafkaIOError, match="over the limit of 2,000 bytes"):
            send_one(handle, limits, EventSpec(b"x" * (largest + 1)))
        # The broker agrees: one byte more, sent without our check, is refused.
        unchecked = dataclasses.replace(limits, max_message_bytes=10_000)
        refused = send_one(handle, unchecked, EventSpec(b"x" * (largest + 1)))
    finally:
        handle.close(5)
    assert refused.error == "Broker: Message size too large"
    assert end_offsets(settings, name) == {0: 1}


def test_stop_ends_sending_and_still_accounts_for_everything_sent(settings, topic):
    limits = limits_of(settings, topic)
    # 50,000 at 2,000/s takes 25 s: Stop always lands mid-burst, however slow the machine.
    burst = start_burst(settings, limits, plan_template_burst(limits, TEMPLATE, 50_000, rate_per_s=2000))
    deadline = time.monotonic() + 20
    while burst.progress().delivered < 300:
        assert time.monotonic() < deadline, "the burst delivered nothing"
        time.sleep(0.02)
    burst.stop()
    summary = burst.wait(30)
    assert summary.stopped and summary.requested < 50_000
    assert summary.delivered + summary.failed == summary.requested
    assert summary.not_sent == 50_000 - summary.requested
    assert summary.failed == 0
    assert sum(end_offsets(settings, topic).values()) == summary.delivered


def test_read_only_refuses_before_anything_is_sent(settings, topic):
    read_only = dataclasses.replace(settings, read_only=True)
    limits = limits_of(settings, topic)
    handle = ProducerHandle(read_only)
    source = plan_template_burst(limits, TEMPLATE, 10)
    refusal = f"cluster {settings.name!r} is read-only: sending events is disabled"
    with pytest.raises(ReadOnly, match=f"^{refusal}$"):
        send_one(handle, limits, EventSpec(b"x", partition=99))  # refused before the bad partition is looked at
    with pytest.raises(ReadOnly, match=f"^{refusal}$"):
        start_burst(read_only, limits, source)
    with pytest.raises(ReadOnly, match="creating topics is disabled"):
        create_topic_io(Connection(make_admin(read_only), read_only), "would-be-new", 1)
    assert end_offsets(settings, topic) == {0: 0, 1: 0, 2: 0}
    assert "would-be-new" not in list_topic_names(Connection(make_admin(settings), settings))


def test_unknown_topics_are_not_created_by_looking_them_up(settings, unique):
    admin, name = make_admin(settings), unique("missing")
    with pytest.raises(NotFound, match=f"^topic '{name}' does not exist$"):
        topic_limits(Connection(admin, settings), name)
    assert name not in list_topic_names(Connection(admin, settings))
    create_topic_io(Connection(admin, settings), name, 4)
    assert limits_of(settings, name).partitions == 4
    with pytest.raises(KafkaIOError, match=f"create topic '{name}': .*already exists"):
        create_topic_io(Connection(admin, settings), name, 4)


@pytest.fixture
def own_broker(tmp_path):
    """A broker this test may stop and start again."""
    own = start_own_broker(tmp_path / "kafka")
    yield own
    own.stop()


def test_a_broker_stopped_mid_burst_loses_no_event_silently(settings, own_broker):
    bootstrap = own_broker.bootstrap
    own = dataclasses.replace(settings, bootstrap_servers=bootstrap, timeout_s=1.0)
    create_topic(bootstrap, "doomed", partitions=2)
    limits = limits_of(own, "doomed")
    # 6,000 at 500/s takes 12 s: the broker always stops mid-burst, however slow the machine.
    specs = [EventSpec(f'{{"n": {i}}}'.encode(), str(i).encode()) for i in range(6000)]
    burst = start_burst(own, limits, plan_spec_burst(limits, specs, rate_per_s=500))
    deadline = time.monotonic() + 20
    while burst.progress().delivered < 1000:
        assert time.monotonic() < deadline, "the burst delivered nothing"
        time.sleep(0.02)
    own_broker.stop()
    summary = burst.wait(60)

    assert summary.requested == 6000 and not summary.stopped
    assert summary.delivered + summary.failed == 6000
    assert summary.delivered >= 1000 and summary.failed > 0
    failed = dict(summary.failure_rows())
    assert len(failed) == summary.failed
    assert set(failed.values()) <= {
        "not confirmed within 2 s (never sent: Kafka did not answer)",
        "not confirmed within 2 s (sent, no answer: it may have been written)",
        "not confirmed within 6 s (message timed out)",
    }
    # Every event reported delivered really is in the topic once the broker is back.
    own_broker.start()
    stored = {r[2] for r in read_topic(own, "doomed", summary.delivered)}
    assert {str(i).encode() for i in range(6000) if i not in failed} <= stored
    # ... and none reported "never sent" is there.
    assert not {str(i).encode() for i, reason in failed.items() if "never sent" in reason} & stored


@pytest.mark.parametrize("partitioner", ["murmur2_random", "consistent_random"])
def test_burst_key_placement_matches_what_librdkafka_picks(kafka_bootstrap, unique, partitioner):
    from confluent_kafka import Producer

    name = unique("keys")
    create_topic(kafka_bootstrap, name, partitions=7)
    keys = [f"user-{i}".encode() for i in range(200)] + [b"\x00\xff", "é".encode(), b""]
    picked = {}
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "partitioner": partitioner})
    for key in keys:
        producer.produce(name, b"v", key, on_delivery=lambda err, msg: picked.__setitem__(msg.key(), msg.partition()))
    assert producer.flush(10) == 0
    picked = {key: partition for key, partition in picked.items() if hashes_key(key, partitioner)}
    # An empty key is hashed by murmur2_random but placed at random by consistent_random.
    assert picked == {key: key_partition(key, 7, partitioner) for key in keys if hashes_key(key, partitioner)}


def test_keyed_events_land_where_kafka_python_puts_them(settings, kafka_bootstrap, unique):
    # The seed's client, a peer with its own (Java-compatible, murmur2) partitioner.
    from kafka import KafkaProducer

    name = unique("peer-keys")
    create_topic(kafka_bootstrap, name, partitions=6)
    keys = [f"user_{i}" for i in range(20)]
    peer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    try:
        theirs = {key: peer.send(name, b"v", key=key.encode()).get(timeout=10).partition for key in keys}
    finally:
        peer.close()
    limits = limits_of(settings, name)
    handle = ProducerHandle(settings)
    try:
        ours = {key: send_one(handle, limits, EventSpec(b"{}", key.encode())).partition for key in keys}
    finally:
        handle.close()
    burst = start_burst(settings, limits, plan_spec_burst(limits, [EventSpec(b"{}", k.encode()) for k in keys]))
    summary = burst.wait(30)
    assert summary.delivered == len(keys)
    assert ours == theirs
    assert len(set(theirs.values())) > 1  # the keys really spread: a match by luck is not a match
    assert dict(summary.partitions) == dict(Counter(theirs.values()))
