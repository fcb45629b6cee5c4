"""Consumer-group lag against the real broker: exact numbers, lag in seconds,
statuses driven by real consumers, and the sampler through a broker outage."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Producer
from support.groups import GroupMember, consume_and_commit, produce_at, wait_for
from support.kafka import TIMEOUT_S, create_topic, produce
from support.own_broker import start_own_broker

from kafka_io._client import Connection, make_admin
from kafka_io.config import ClusterSettings
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.groups.lag_math import GroupTotals
from kafka_io.groups.record_reads import exact_time_lags
from kafka_io.groups.sampler import LagSampler
from kafka_io.groups.status import Status


def test_exact_lag_numbers_per_partition_and_in_total(settings, kafka_bootstrap, unique):
    topic, idle, group = unique("orders"), unique("idle"), unique("billing")
    create_topic(kafka_bootstrap, topic, 3)
    create_topic(kafka_bootstrap, idle, 2)
    produce(kafka_bootstrap, topic, {0: 10, 1: 20, 2: 5})
    consume_and_commit(kafka_bootstrap, group, topic, {0: 4, 1: 15})
    # A running member assigned the idle topic that has not committed: lag unknown, not 0.
    member = GroupMember(kafka_bootstrap, group, [idle], commit="never", client_id="billing-7").wait_assigned()
    try:
        (lag,) = fetch_group_lags(Connection(make_admin(settings), settings), [group])
    finally:
        member.stop()
    assert {(p.topic, p.partition): (p.committed, p.high, p.lag) for p in lag.partitions} == {
        (topic, 0): (4, 10, 6),
        (topic, 1): (15, 20, 5),
        (idle, 0): (None, 0, None),
        (idle, 1): (None, 0, None),
    }
    assert lag.totals == GroupTotals(total_lag=11, max_lag=6, unknown_partitions=2, partitions=4)
    assert (lag.state, [m.client_id for m in lag.members]) == ("STABLE", ["billing-7"])
    assert {p.owner.client_id for p in lag.partitions if p.topic == idle} == {"billing-7"}
    assert lag.error is None


def test_one_failing_group_is_an_error_in_its_row(settings, kafka_bootstrap, unique):
    topic, good = unique("t"), unique("good")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 3})
    consume_and_commit(kafka_bootstrap, good, topic, {0: 1})
    groups = fetch_group_lags(Connection(make_admin(settings), settings), [good, ""])
    assert groups[0].totals.total_lag == 2 and groups[0].error is None
    # An id the client refuses fails only its own row.
    assert (groups[1].group_id, groups[1].error) == ("", "a group id cannot be empty")


def test_exact_time_lag_reads_the_record_at_the_committed_offset(settings, kafka_bootstrap, unique):
    topic, group = unique("ts"), unique("slow")
    create_topic(kafka_bootstrap, topic, 1)
    now_ms = int(time.time() * 1000)
    produce_at(kafka_bootstrap, topic, 0, [now_ms - 60_000, now_ms - 30_000, now_ms - 10_000])
    consume_and_commit(kafka_bootstrap, group, topic, {0: 1})  # next record: 30 s old
    (lag,) = fetch_group_lags(Connection(make_admin(settings), settings), [group])
    lags = exact_time_lags(settings, lag.partitions)
    seconds = lags[(topic, 0)].seconds
    assert lags[(topic, 0)].exact and 30.0 <= seconds < 30.0 + 5


def test_statuses_follow_real_consumers(settings, kafka_bootstrap, unique):
    """keeps up -> OK, then stops -> STOP; falls behind -> WARN; member stuck -> STALL."""
    keeps_up, behind, stuck = unique("keeps-up"), unique("behind"), unique("stuck")
    topics = {g: unique("t") for g in (keeps_up, behind, stuck)}
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topics[stuck], {0: 20})
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 0})

    def producing(topic: str, n: int):
        def tick() -> None:
            for _ in range(n):
                producer.produce(topic, b"{}", partition=0)
            producer.flush(TIMEOUT_S)

        return tick

    sampler = LagSampler(settings, interval_s=0.3, window_s=2.0).start()
    fast = GroupMember(kafka_bootstrap, keeps_up, [topics[keeps_up]], on_tick=producing(topics[keeps_up], 5))
    slow = GroupMember(kafka_bootstrap, behind, [topics[behind]], max_per_poll=2, on_tick=producing(topics[behind], 10))
    stalled = GroupMember(kafka_bootstrap, stuck, [topics[stuck]], commit="first", max_per_poll=5)
    members = [fast, slow, stalled]
    try:
        for member in members:
            member.wait_assigned()

        def status(group: str) -> Status | None:
            found = sampler.health().get(group)
            return found.status if found else None

        wait_for(
            lambda: status(keeps_up) is Status.OK and status(behind) is Status.WARN and status(stuck) is Status.STALL,
            20,
            "OK / WARN / STALL",
        )
        fast.stop()
        members.remove(fast)
        tick = producing(topics[keeps_up], 5)  # the producer goes on; nobody consumes any more
        wait_for(lambda: tick() or status(keeps_up) is Status.STOP, 15, "STOP after the consumer stopped", every_s=0.2)
        assert sampler.health()[keeps_up].group.members == ()
    finally:
        for member in members:
            member.stop()
        sampler.stop()


class ListingMisses:
    """The real admin client, except that the group listing leaves some groups out:
    what a broker in controlled shutdown answers (it lists only the groups it still
    has loaded). Apache Kafka does it in a window too short to hit on purpose."""

    def __init__(self, admin, missing: set[str]):
        self._admin, self._missing = admin, missing

    def __getattr__(self, name):
        return getattr(self._admin, name)

    def group_listings(self, **kwargs):
        import concurrent.futures
        import dataclasses

        real = self._admin.group_listings(**kwargs).result(TIMEOUT_S)
        kept = tuple(g for g in real.groups if g.group_id not in self._missing)
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(dataclasses.replace(real, groups=kept))
        return future


def test_a_group_the_listing_misses_is_kept_until_kafka_says_it_is_gone(settings, kafka_bootstrap, unique):
    topic, group, never = unique("t"), unique("g"), unique("never-existed")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 9, 1: 4})
    consume_and_commit(kafka_bootstrap, group, topic, {0: 3, 1: 4})
    admin = ListingMisses(make_admin(settings), {group})
    assert group not in {g.group_id for g in fetch_group_lags(Connection(admin, settings))}  # the gap itself
    lags = {g.group_id: g for g in fetch_group_lags(Connection(admin, settings), recheck=[group, never])}
    assert never not in lags  # DEAD, no members, no commits: gone
    assert [(p.partition, p.committed, p.lag) for p in lags[group].partitions] == [(0, 3, 6), (1, 4, 0)]
    assert lags[group].error is None


@pytest.mark.skipif(
    bool(__import__("os").environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="stops and restarts its own embedded broker"
)
def test_sampler_records_an_outage_keeps_history_and_resumes(tmp_path, unique):
    own_broker = start_own_broker(tmp_path / "own-broker")
    bootstrap = own_broker.bootstrap
    own = ClusterSettings(bootstrap_servers=bootstrap, embedded=False, timeout_s=1)
    topic, group = unique("t"), unique("g")
    create_topic(bootstrap, topic, 1)
    produce(bootstrap, topic, {0: 7})
    consume_and_commit(bootstrap, group, topic, {0: 2})
    sampler = LagSampler(own, interval_s=0.2).start()
    try:
        wait_for(lambda: len(sampler.history.samples(group, topic, 0)) >= 2, 10, "samples before the outage")
        # Not a controlled shutdown on Apache Kafka: that first answers a sample or two with
        # coordinator and leader-epoch errors, which are that sample's error cells.
        own_broker.go_down()
        down = wait_for(lambda: (s := sampler.latest()).error and s, 15, "the outage")
        assert down.error.startswith(f"Cannot reach Kafka at {bootstrap}")
        assert down.group(group).totals.total_lag == 5  # the last good sample is kept
        kept = sampler.history.samples(group, topic, 0)
        own_broker.start()
        back = wait_for(
            lambda: (s := sampler.latest()).error is None and s.sampled_at_s > down.error_at_s and s,
            20,
            "the sampler to resume by itself",
        )
        assert back.group(group).totals.total_lag == 5
        assert sampler.history.samples(group, topic, 0)[: len(kept)] == kept
    finally:
        sampler.stop()
        own_broker.stop()


def test_big_cluster_mode_samples_the_watch_list_between_full_samples(settings, kafka_bootstrap, unique, monkeypatch):
    import kafka_io.groups.sampler as sampler_module

    # As if a full sample took ages: full samples get spaced out far beyond the test.
    monkeypatch.setattr(sampler_module, "FULL_SCAN_DUTY", 10**6)
    topic, watched, other = unique("t"), unique("watched"), unique("other")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 9})
    sampler = LagSampler(settings, interval_s=0.2).start()
    try:
        first = sampler.wait_first(10)
        assert sampler.full_every_s > 60 and first.full_sample
        consume_and_commit(kafka_bootstrap, watched, topic, {0: 3})
        consume_and_commit(kafka_bootstrap, other, topic, {0: 1})
        sampler.watch([watched])
        latest = wait_for(lambda: (s := sampler.latest()).group(watched) and s, 10, "the pinned group")
        assert not latest.full_sample and latest.group(watched).totals.total_lag == 6
        assert latest.group(other) is None  # not pinned: waits for the next full sample
        assert sampler.refresh_groups([other]).group(other).totals.total_lag == 8  # on demand
    finally:
        sampler.stop()


@pytest.mark.skipif(
    bool(__import__("os").environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="stops and restarts its own embedded broker"
)
def test_outage_is_marked_within_interval_plus_timeout_and_recovery_takes_at_most_10_s(tmp_path, unique):
    """Issue #17, item 5, with the defaults a user runs (5 s interval, 5 s timeout):
    a stopped broker is a failed sample within one interval plus the timeout;
    after it returns, a good sample within 10 s, every time (two outages, the
    second at another point of the sampling cycle); and a failed sample never
    makes a 1-group cluster look "big" (full samples spaced out)."""
    own_broker = start_own_broker(tmp_path / "own-broker")
    bootstrap = own_broker.bootstrap
    own = ClusterSettings(bootstrap_servers=bootstrap, embedded=False, timeout_s=5)
    topic, group = unique("t"), unique("g")
    create_topic(bootstrap, topic, 1)
    produce(bootstrap, topic, {0: 7})
    consume_and_commit(bootstrap, group, topic, {0: 2})
    sampler = LagSampler(own, interval_s=5).start()
    bound_s = sampler.interval_s + own.timeout_s
    try:
        sampler.wait_first(10)
        for pause_s in (0.5, 3.0):
            time.sleep(pause_s)  # a different phase of the 5 s cycle each round
            own_broker.go_down()
            stopped = time.monotonic()
            wait_for(lambda: sampler.latest().error, bound_s, f"a failed sample within {bound_s:g} s")
            marked_s = time.monotonic() - stopped
            assert not_spaced_out(sampler)  # not "big cluster"
            time.sleep(2)
            own_broker.start()  # returns once the broker answers
            started = time.monotonic()
            wait_for(lambda: sampler.latest().error is None, 10, "a good sample within 10 s")
            print(f"outage marked after {marked_s:.2f} s, recovered after {time.monotonic() - started:.2f} s")
        assert not_spaced_out(sampler)
    finally:
        sampler.stop()
        own_broker.stop()


def not_spaced_out(sampler: LagSampler) -> bool:
    """Full samples not spaced out by a failed sample. A failed one waits up to the 5 s timeout, which
    would space them to 4 x 5 = 20 s; a healthy 1-group sample may take over interval / 4 (1.25 s)
    on a loaded runner (1.34 s seen with both test passes side by side), and spacing to 2 intervals
    allows that while catching a timeout-long sample."""
    return sampler.full_every_s <= 2 * sampler.interval_s
