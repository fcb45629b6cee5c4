"""Issue #25: committed offsets read from ``__consumer_offsets`` equal the admin
API's, exactly, for every group; and where the log cannot serve, the reader
says so and names the admin API.

Covered: plain commits, transactional commits (committed and aborted), a
KIP-848 group (Apache Kafka 4 only), a deleted group, offsets deleted by
Kafka's DeleteConsumerGroupOffsets, and a topic deleted under a group.
noida-db lists the topic but logs no commits: there the reader must say so.
"""

from __future__ import annotations

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from support.groups import GroupMember, committed_offsets, delete_group_offsets, wait_for
from support.kafka import TIMEOUT_S, commit_offsets, create_topic, produce

from kafka_io._client import ADMIN_REQUESTS, Connection, make_admin
from kafka_io.groups.commit_reader import ADMIN_API, COMMIT_LOG, CommitLogReader
from kafka_io.groups.describe_plan import full_pass_share
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.groups.sampler import LagSampler


def admin_committed(settings) -> dict[str, dict[tuple[str, int], int]]:
    """Every listed group's committed offsets through today's admin path (fetch.py)."""
    groups = fetch_group_lags(Connection(make_admin(settings), settings))
    assert all(g.error is None for g in groups), [g.error for g in groups if g.error]
    return {
        g.group_id: {(p.topic, p.partition): p.committed for p in g.partitions if p.committed is not None}
        for g in groups
    }


def commit_in_transaction(bootstrap: str, group: str, topic: str, offsets: dict[int, int], commit: bool) -> None:
    """Commit `offsets` for `group` inside a transaction, then commit or abort it (send_offsets_to_transaction)."""
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"txn-{group}-{commit}"})
    # A group handle for the transaction only: this consumer never subscribes, so it never joins.
    member = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        producer.init_transactions(30)  # the first one waits for __transaction_state to load
        producer.begin_transaction()
        tps = [TopicPartition(topic, p, o) for p, o in offsets.items()]
        producer.send_offsets_to_transaction(tps, member.consumer_group_metadata(), TIMEOUT_S)
        (producer.commit_transaction if commit else producer.abort_transaction)(TIMEOUT_S)
    finally:
        member.close()


def kip848_group(bootstrap: str, group: str, topic: str) -> None:
    """A KIP-848 (group.protocol=consumer) member reads the topic's 4 records, commits, and leaves."""
    member = GroupMember(bootstrap, group, [topic], config={"group.protocol": "consumer"})
    try:
        member.wait_assigned()
        wait_for(lambda: member.consumed == 4 and member.commits >= 1, TIMEOUT_S, "the KIP-848 member's commit")
        wait_for(lambda: sum(committed_offsets(bootstrap, group).values()) == 4, TIMEOUT_S, "its commits")
    finally:
        member.stop()


def make_groups(bootstrap: str, engine: str, unique) -> tuple[dict[str, str], dict[str, dict]]:
    topic, doomed_topic = unique("reader"), unique("reader-doomed")
    create_topic(bootstrap, topic, 3)
    create_topic(bootstrap, doomed_topic, 1)
    names = {
        k: unique(f"reader-{k}") for k in ("plain", "txn", "aborted", "deleted", "offsets-deleted", "topic-deleted")
    }
    commit_offsets(bootstrap, names["plain"], topic, {0: 5, 1: 7})
    commit_offsets(bootstrap, names["plain"], topic, {0: 6})
    commit_offsets(bootstrap, names["txn"], topic, {0: 1})
    commit_in_transaction(bootstrap, names["txn"], topic, {0: 4, 2: 2}, commit=True)
    commit_offsets(bootstrap, names["aborted"], topic, {1: 3})
    commit_in_transaction(bootstrap, names["aborted"], topic, {1: 8, 2: 8}, commit=False)
    commit_offsets(bootstrap, names["deleted"], topic, {0: 1})
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.delete_consumer_groups([names["deleted"]])[names["deleted"]].result(timeout=TIMEOUT_S)
    commit_offsets(bootstrap, names["offsets-deleted"], topic, {0: 2, 1: 2})
    delete_group_offsets(bootstrap, names["offsets-deleted"], topic, [1])
    commit_offsets(bootstrap, names["topic-deleted"], topic, {2: 9})
    commit_offsets(bootstrap, names["topic-deleted"], doomed_topic, {0: 1})
    admin.delete_topics([doomed_topic])[doomed_topic].result(timeout=TIMEOUT_S)
    expected = {
        names["plain"]: {(topic, 0): 6, (topic, 1): 7},
        names["txn"]: {(topic, 0): 4, (topic, 2): 2},
        names["aborted"]: {(topic, 1): 3},
        names["offsets-deleted"]: {(topic, 0): 2},
    }
    if engine == "apache":
        # Kafka drops a deleted topic's offsets from its groups, in the background.
        wait_for(
            lambda: committed_offsets(bootstrap, names["topic-deleted"]) == {(topic, 2): 9},
            TIMEOUT_S,
            "the deleted topic's offsets to be dropped",
        )
        expected[names["topic-deleted"]] = {(topic, 2): 9}
        names["kip848"] = unique("reader-kip848")
        kip_topic = unique("reader-kip848")
        create_topic(bootstrap, kip_topic, 2)
        produce(bootstrap, kip_topic, {0: 3, 1: 1})
        kip848_group(bootstrap, names["kip848"], kip_topic)
        expected[names["kip848"]] = {(kip_topic, 0): 3, (kip_topic, 1): 1}
    return names, expected


def test_every_group_reads_the_same_from_the_log_as_from_the_admin_api(settings, kafka_bootstrap, engine, unique):
    names, expected = make_groups(kafka_bootstrap, engine, unique)
    before = admin_committed(settings)
    # The scenarios did what they say, by the admin API (the reference).
    assert {g: before.get(g) for g in expected} == expected
    assert names["deleted"] not in before
    reader = CommitLogReader(settings)
    try:
        caught_up = reader.catch_up()
        source = reader.confirm(before)
        after = admin_committed(settings)
        if engine == "noida":
            # noida-db lists __consumer_offsets (50 partitions) and writes no commit there.
            assert (caught_up.name, reader.caught_up) == (ADMIN_API, True)
            assert source.name == ADMIN_API
            assert source.reason.startswith("the broker writes no commit records to __consumer_offsets (group '")
            assert reader.table.groups() == []
            assert reader.catch_up().name == ADMIN_API  # for good: never read again
            return
        assert source.name == COMMIT_LOG and source.reason == ""
        # Every group whose commits did not move while we read: exactly the admin API's.
        steady = {g for g in before if before[g] == after.get(g)}
        assert set(expected) <= steady
        assert {g: reader.offsets(g) for g in steady} == {g: before[g] for g in steady}
        # And the log knows no group with commits the admin API does not list.
        assert set(reader.table.groups()) <= set(before) | set(after)
        assert names["deleted"] not in reader.table.groups()
        assert reader.table.undecodable == 0
        # The next read takes only what was committed since, and says which groups changed.
        reader.table.take_changed()
        ((topic, _), *_) = expected[names["plain"]]
        commit_offsets(kafka_bootstrap, names["plain"], topic, {1: 8})
        assert reader.catch_up().name == COMMIT_LOG
        assert reader.offsets(names["plain"]) == {(topic, 0): 6, (topic, 1): 8}
        assert names["plain"] in reader.table.take_changed()
    finally:
        reader.close()


def committed_of(snapshot) -> dict[str, dict[tuple[str, int], int | None]]:
    return {g.group_id: {(p.topic, p.partition): p.committed for p in g.partitions} for g in snapshot.groups}


def test_the_sampler_takes_committed_offsets_from_the_log_once_it_agrees(settings, kafka_bootstrap, engine, unique):
    topic, groups = unique("sampled"), [unique("sampled-a"), unique("sampled-b")]
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 4, 1: 4})
    commit_offsets(kafka_bootstrap, groups[0], topic, {0: 1, 1: 4})
    commit_offsets(kafka_bootstrap, groups[1], topic, {1: 2})
    sampler = LagSampler(settings, interval_s=0.1, commit_log=True)

    def fetched_by(take):
        before = ADMIN_REQUESTS.by_kind().get("list_consumer_group_offsets", 0)
        snapshot = take()
        return snapshot, ADMIN_REQUESTS.by_kind().get("list_consumer_group_offsets", 0) - before

    try:
        # The first sample probes (up to PROBE_GROUPS) groups through the admin API, then
        # reads the log and compares: here both groups, each fetched once, never twice.
        first, probed = fetched_by(lambda: sampler.refresh_groups(groups))
        second, fetched = fetched_by(lambda: sampler.refresh_groups(groups))
        assert (
            committed_of(second)
            == committed_of(first)
            == {
                groups[0]: {(topic, 0): 1, (topic, 1): 4},
                groups[1]: {(topic, 1): 2},
            }
        )
        assert [g.totals.total_lag for g in second.groups] == [3, 2]
        assert probed == 2
        if engine == "noida":
            for snapshot in (first, second):
                assert snapshot.offsets_source == ADMIN_API
                assert snapshot.offsets_source_reason.startswith(
                    "the broker writes no commit records to __consumer_offsets"
                )
            assert fetched == 2  # one OffsetFetch per group, as before
            return
        assert (first.offsets_source, first.offsets_source_reason) == (COMMIT_LOG, "")
        assert (second.offsets_source, second.offsets_source_reason, fetched) == (COMMIT_LOG, "", 0)
        # A new commit shows in the next sample.
        commit_offsets(kafka_bootstrap, groups[1], topic, {0: 4})
        third = sampler.refresh_groups(groups)
        assert committed_of(third)[groups[1]] == {(topic, 0): 4, (topic, 1): 2}
        assert third.offsets_source == COMMIT_LOG
    finally:
        sampler.stop()


def quiet_name(unique, prefix: str, turns: int) -> str:
    """A group id that the slow full pass does not pick in the first `turns` full samples."""
    while True:
        name = unique(prefix)
        if not any(full_pass_share(name, t) for t in range(turns)):
            return name


def test_a_full_sample_from_the_log_describes_only_the_groups_the_log_named(settings, kafka_bootstrap, engine, unique):
    """Issue #25: describing every group is most of a sample at 10,000 groups. Once the log
    serves, a group is described again only when the log names it (a commit, a rebalance,
    a KIP-848 member record) or its listed state changed; the others carry over."""
    topic = unique("described")
    quiet, classic, kip848 = (quiet_name(unique, f"described-{k}", 7) for k in ("quiet", "classic", "kip848"))
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 4, 1: 4})
    for group in (quiet, classic, kip848):
        commit_offsets(kafka_bootstrap, group, topic, {0: 1, 1: 1})
    sampler = LagSampler(settings, interval_s=0.1, commit_log=True)
    ours = (quiet, classic, kip848)

    def sample() -> dict:
        snapshot = sampler.refresh()
        assert snapshot.error is None, snapshot.error
        return {g.group_id: g for g in snapshot.groups if g.group_id in ours}

    try:
        sample()  # the first: every group described (nothing to carry over yet)
        steady = sample()
        if engine == "noida":  # no commit records: the admin path describes every group, every time
            assert [steady[g].described for g in ours] == [True, True, True]
            assert sampler.latest().offsets_source == ADMIN_API
            return
        assert sampler.latest().offsets_source == COMMIT_LOG
        assert [steady[g].described for g in ours] == [False, False, False]
        assert [steady[g].state for g in ours] == ["EMPTY", "EMPTY", "EMPTY"]  # from the listing
        # A classic member joins: its rebalance writes the group's metadata to the log.
        member = GroupMember(kafka_bootstrap, classic, [topic], client_id="classic-worker").wait_assigned()
        try:
            joined = sample()
            assert (joined[quiet].described, joined[classic].described) == (False, True)
            assert [m.client_id for m in joined[classic].members] == ["classic-worker"]
            assert joined[classic].state == "STABLE"
        finally:
            member.stop()
        left = sample()
        assert (left[classic].described, left[classic].members, left[classic].state) == (True, (), "EMPTY")
        # A KIP-848 member writes member and assignment records (key versions 4 and up).
        member = GroupMember(
            kafka_bootstrap, kip848, [topic], client_id="kip848-worker", config={"group.protocol": "consumer"}
        ).wait_assigned()
        try:
            joined = sample()
            assert (joined[quiet].described, joined[kip848].described) == (False, True)
            assert [m.client_id for m in joined[kip848].members] == ["kip848-worker"]
        finally:
            member.stop()
        # The quiet group was never described again, and its lag is still exact.
        assert sample()[quiet].described is False
        assert sample()[quiet].totals.total_lag == 6
    finally:
        sampler.stop()
