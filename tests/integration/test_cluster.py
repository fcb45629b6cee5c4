"""The Cluster handle and the one list_offsets helper, against a real broker."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from confluent_kafka import KafkaError, KafkaException
from support.groups import consume_and_commit, wait_for
from support.kafka import create_topic, produce

from dashboard import resources
from kafka_io._client import (
    CRASHED,
    EARLIEST,
    LATEST,
    Connection,
    list_offsets,
    make_admin,
    make_producer,
    translate_error,
)
from kafka_io._client import offsets as offsets_module
from kafka_io.admin.brokers import describe_brokers
from kafka_io.cluster import Cluster, Part
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError, NotAuthorized, NotFound, Timeout
from kafka_io.groups.fetch import fetch_group_lags, list_groups
from kafka_io.groups.sampler import lag_sampler
from kafka_io.produce.burst.start import IdleProducers
from kafka_io.produce.inputs import TopicLimits
from kafka_io.produce.producer import ProducerHandle, producer_handle, send_one
from kafka_io.produce.validation import EventSpec
from kafka_io.topics.view import topics_feed


@pytest.fixture(scope="module")
def loaded(kafka_bootstrap):
    """A 3-partition topic with 4, 0 and 7 records, all stamped before `at_ms`."""
    name = f"test-cluster-{time.time_ns() % 10**8}"
    create_topic(kafka_bootstrap, name, 3)
    produce(kafka_bootstrap, name, {0: 4, 2: 7})
    return name, int(time.time() * 1000) + 1


def test_list_offsets_answers_every_partition_of_every_query(settings, loaded, monkeypatch):
    topic, after_ms = loaded
    monkeypatch.setattr(offsets_module, "OFFSETS_BATCH", 2)  # 3 partitions: two batches per query
    admin = make_admin(settings)
    wanted = [(topic, 0), (topic, 1), (topic, 2), (topic, 99), ("no-such-topic-here", 0)]
    lows, highs, at = list_offsets(admin, settings, wanted, EARLIEST, LATEST, 0)
    assert {tp: offset for tp, (offset, _) in highs.items() if tp[1] != 99 and tp[0] == topic} == {
        (topic, 0): 4,
        (topic, 1): 0,
        (topic, 2): 7,
    }
    assert {tp: offset for tp, (offset, _) in lows.items() if tp[1] != 99 and tp[0] == topic} == {
        (topic, 0): 0,
        (topic, 1): 0,
        (topic, 2): 0,
    }
    assert at[(topic, 0)] == (0, None) and at[(topic, 1)] == (None, None)  # an empty partition has no such offset
    # Partitions the metadata puts on no leader are error cells of their own, never sent.
    for answers in (lows, highs, at):
        assert answers[(topic, 99)] == (None, f"{topic}[99]: partition 99 does not exist (the topic has 3)")
        assert answers[("no-such-topic-here", 0)] == (
            None,
            "no-such-topic-here[0]: topic not found (deleted, or hidden from this user by ACLs)",
        )
    # One metadata request fills the client's leader cache first, then 3 queries x 2 batches,
    # all in flight together: one list_offsets call each.
    assert admin.requests.by_kind() == {"list_topics": 1, "list_offsets": 6}
    (future,) = list_offsets(admin, settings, [(topic, 2)], after_ms)
    assert future == {(topic, 2): (None, None)}  # past the last record
    assert admin.requests.by_kind() == {"list_topics": 1, "list_offsets": 7}  # leaders still known


def test_a_topic_created_after_the_last_metadata_is_looked_up_at_once(settings, kafka_bootstrap, loaded, unique):
    topic, _ = loaded
    admin = make_admin(settings)
    list_offsets(admin, settings, [(topic, 0)])
    fresh = unique("fresh")
    create_topic(kafka_bootstrap, fresh, 1)
    produce(kafka_bootstrap, fresh, {0: 2})
    (highs,) = list_offsets(admin, settings, [(topic, 0), (fresh, 0)])
    assert highs == {(topic, 0): (4, None), (fresh, 0): (2, None)}
    assert admin.requests.by_kind() == {"list_topics": 2, "list_offsets": 2}
    # A partition that was missing at the last look is answered from it until PRIME_RETRY_S.
    list_offsets(admin, settings, [(fresh, 5)])
    (again,) = list_offsets(admin, settings, [(fresh, 5)])
    assert again == {(fresh, 5): (None, f"{fresh}[5]: partition 5 does not exist (the topic has 1)")}
    assert admin.requests.by_kind() == {"list_topics": 3, "list_offsets": 2}


def test_list_offsets_with_nothing_to_ask_sends_nothing(settings):
    admin = make_admin(settings)
    assert list_offsets(admin, settings, [], EARLIEST, LATEST) == ({}, {})
    assert admin.requests.total() == 0


def test_closing_a_cluster_flushes_and_stops_what_it_owns(settings, loaded):
    topic, _ = loaded
    cluster = Cluster(settings)
    sampler = lag_sampler(cluster)
    handle = producer_handle(cluster)
    limits = TopicLimits(topic, 3, 1_048_576, "max.message.bytes")
    assert send_one(handle, limits, EventSpec(b'{"n": 1}', partition=1)).error is None
    feed = topics_feed(cluster)
    assert feed.get().snapshot.topic(topic) is not None
    assert lag_sampler(cluster) is sampler and producer_handle(cluster) is handle  # made once
    assert sampler.running and handle.open
    cluster.close()
    assert cluster.closed and not sampler.running and not handle.open
    with pytest.raises(RuntimeError, match="closed"):
        producer_handle(cluster)


def test_evicting_one_cluster_leaves_the_others(settings, kafka_bootstrap):
    other = ClusterSettings(bootstrap_servers=kafka_bootstrap, name="other", embedded=False)
    first, second = resources.cluster(settings), resources.cluster(other)
    sampler = lag_sampler(second)
    try:
        resources.cluster.clear(settings)
        assert first.closed and not second.closed and sampler.running
        assert resources.cluster(other) is second and resources.cluster(settings) is not first
        assert second.describe().brokers  # the survivor still answers
    finally:
        resources.cluster.clear()
    assert second.closed and not sampler.running


def test_an_unreachable_cluster_resets_its_clients_and_keeps_its_parts(unreachable_bootstrap):
    settings = ClusterSettings(bootstrap_servers=unreachable_bootstrap, timeout_s=1, embedded=False)
    with Cluster(settings) as cluster:
        marker = cluster.attached(Part("marker"), object)
        admin = cluster.admin
        with pytest.raises(KafkaIOError, match="Cannot reach Kafka"):
            cluster.describe()
        assert cluster.admin is not admin  # a fresh client for the next try
        assert cluster.attached(Part("marker"), object) is marker


def test_run_hands_the_cluster_to_a_function_and_resets_its_clients_when_unreachable(unreachable_bootstrap):
    settings = ClusterSettings(bootstrap_servers=unreachable_bootstrap, timeout_s=1, embedded=False)
    with Cluster(settings) as cluster:
        assert cluster.run(lambda given, x, *, y: (given, x, y), 1, y=2) == (cluster, 1, 2)
        admin = cluster.admin
        with pytest.raises(KafkaIOError, match="Cannot reach Kafka"):
            cluster.run(describe_brokers, with_configs=False)
        assert cluster.admin is not admin


def test_group_reads_of_an_unreachable_cluster_cross_the_child_in_plain_words(unreachable_bootstrap):
    """The whole child path without a broker: the child's error answers become the
    KafkaExceptions translate_error knows, so the user's one line is the usual one."""
    settings = ClusterSettings(bootstrap_servers=unreachable_bootstrap, timeout_s=1, embedded=False)
    admin = make_admin(settings)
    refused = f"Cannot reach Kafka at {unreachable_bootstrap}: connection refused (is the broker running?)"
    try:
        with pytest.raises(KafkaIOError) as caught:
            list_groups(Connection(admin, settings))
        assert str(caught.value) == refused
        (lag,) = fetch_group_lags(Connection(admin, settings), ["g1"])
        assert (lag.error, lag.state, lag.partitions) == (refused, "UNKNOWN", ())
        assert admin.requests.by_kind() == {
            "list_consumer_groups": 1,
            "describe_consumer_groups": 1,
            "list_consumer_group_offsets": 1,
        }
        assert admin.group_child.child_pid not in (None, os.getpid())
    finally:
        admin.group_child.close()
    assert admin.group_child.child_pid is None


# --- translate_error: Kafka errors only ---------------------------------------------------


SETTINGS = ClusterSettings(bootstrap_servers="127.0.0.1:9", timeout_s=2, embedded=False)


@pytest.mark.parametrize(
    ("exc", "kind", "text"),
    [
        (KafkaException(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART)), NotFound, "what: "),
        (TimeoutError(), Timeout, "what: no answer within 2 s"),
        (
            KafkaException(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED)),
            NotAuthorized,
            "what: not authorized (Broker: Topic authorization failed)",
        ),
        # librdkafka's text with an empty detail (seen while Apache Kafka shuts down): the code is named.
        (
            KafkaException(KafkaError(KafkaError.COORDINATOR_NOT_AVAILABLE, "ConsumerGroupDescribe: ")),
            KafkaIOError,
            "what: ConsumerGroupDescribe: COORDINATOR_NOT_AVAILABLE",
        ),
        (KafkaException(KafkaError(KafkaError.NOT_COORDINATOR, "")), KafkaIOError, "what: NOT_COORDINATOR"),
    ],
)
def test_translate_error_turns_kafka_errors_into_plain_words(exc, kind, text):
    translated = translate_error(exc, SETTINGS, "what")
    assert type(translated) is kind and str(translated).startswith(text)
    assert "KafkaException" not in str(translated)


@pytest.mark.parametrize("bug", [ValueError("bad argument"), TypeError("wrong type"), KeyError("k")])
def test_translate_error_hands_a_bug_back_unchanged(bug):
    # A programming error must reach the page's bug branch with its traceback.
    assert translate_error(bug, SETTINGS, "what") is bug


# --- idle producers are closed --------------------------------------------------------------


def wait_until(check, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_an_idle_shared_producer_is_closed_and_made_again_on_use(settings, loaded):
    topic, _ = loaded
    handle = ProducerHandle(settings)
    handle.idle_close_s = 0.3
    limits = TopicLimits(topic, 3, 1_048_576, "max.message.bytes")
    try:
        assert send_one(handle, limits, EventSpec(b'{"n": 1}', partition=1)).error is None
        wait_until(lambda: not handle.open)
        result = send_one(handle, limits, EventSpec(b'{"n": 2}', partition=1))
        assert result.error is None and handle.open
    finally:
        handle.close()


def test_a_finished_bursts_idle_producer_is_dropped(settings):
    pool = IdleProducers(idle_close_s=0.2)
    made = []
    key = (settings, 1000)
    producer = pool.take(key, lambda: made.append(make_producer(settings)) or made[-1])
    pool.give_back(key, producer)
    assert pool.count() == 1 and pool.take(key, lambda: None) is producer  # reused while fresh
    pool.give_back(key, producer)
    wait_until(lambda: pool.count() == 0)
    assert len(made) == 1


# --- committed offsets in a child process ---------------------------------------------------


def test_committed_offsets_survive_their_client_crashing(settings, kafka_bootstrap, unique):
    """librdkafka crashes the process on some coordinator changes (confluentinc/librdkafka#5040).
    The crash cannot be caused on cue, so the child is killed the way a crash ends it."""
    topic, group = unique("committed"), unique("g")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 5, 1: 2})
    consume_and_commit(kafka_bootstrap, group, topic, {0: 3})
    admin = make_admin(settings)

    def committed():
        return admin.committed_offsets([group])[group].result(10)

    assert committed() == {(topic, 0): 3}
    first = admin.group_child.child_pid
    assert first is not None and first != os.getpid()
    os.kill(first, signal.SIGSTOP)  # the request below stays pending
    pending = admin.committed_offsets([group])[group]
    os.kill(first, signal.SIGKILL)
    with pytest.raises(KafkaException, match="crashed"):
        pending.result(10)
    # The next call starts a new child; this process never noticed anything else.
    assert wait_for(lambda: committed() == {(topic, 0): 3}, 10, "a new child")
    assert admin.group_child.child_pid not in (None, first)
    # A crash mid-sample is that sample's error cell, in plain words.
    os.kill(admin.group_child.child_pid, signal.SIGSTOP)
    sample = {}
    worker = threading.Thread(target=lambda: sample.update(lags=fetch_group_lags(Connection(admin, settings), [group])))
    worker.start()
    wait_for(lambda: admin.group_child.pending, 10, "the sample's request")
    os.kill(admin.group_child.child_pid, signal.SIGKILL)
    worker.join(30)
    (lag,) = sample["lags"]
    assert lag.error == f"group {group}: {CRASHED}"
    admin.group_child.close()
    assert admin.group_child.child_pid is None
