"""Admin requests are counted at the kafka_io boundary, exactly: per client, per
process, and per lag sample (what the consumer-groups page shows)."""

from __future__ import annotations

from confluent_kafka.admin import AdminClient
from support.kafka import TIMEOUT_S, commit_offsets, create_topic, produce

from kafka_io._client import ADMIN_REQUESTS, Connection, make_admin
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.groups.sampler import LagSampler


def test_every_admin_call_is_counted_by_kind(settings, kafka_bootstrap, unique):
    topic, groups = unique("counted"), [unique("count-a"), unique("count-b")]
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 3, 1: 3})
    for group in groups:
        commit_offsets(kafka_bootstrap, group, topic, {0: 1, 1: 2})
    admin = make_admin(settings)
    process_before = ADMIN_REQUESTS.total()
    lags = fetch_group_lags(Connection(admin, settings), groups)
    assert [g.totals.total_lag for g in lags] == [3, 3]
    # One describe batch, one committed-offsets call per group, one list_offsets batch, and
    # the new client's one metadata request that puts the partitions on their leaders first.
    assert admin.requests.by_kind() == {
        "describe_consumer_groups": 1,
        "list_consumer_group_offsets": 2,
        "list_offsets": 1,
        "list_topics": 1,
    }
    assert ADMIN_REQUESTS.total() - process_before >= 5  # other clients of this process count too
    fetch_group_lags(Connection(admin, settings), groups)  # the leaders it read are still good: no metadata request
    assert admin.requests.by_kind() == {
        "describe_consumer_groups": 2,
        "list_consumer_group_offsets": 4,
        "list_offsets": 2,
        "list_topics": 1,
    }

    sampler = LagSampler(settings, interval_s=60)  # never started: samples only when asked
    snapshot = sampler.refresh_groups(groups)
    assert snapshot.admin_requests == 5
    assert snapshot.admin_requests_total >= process_before + 10
    full = sampler.refresh()
    partitions = {(p.topic, p.partition) for g in full.groups for p in g.partitions}
    describe_batches, offsets_batches = 1, -(-len(partitions) // 100)
    # Committed offsets of topics deleted by earlier tests are not on any leader:
    # the metadata is read again once for them (never for the rest: it is 0-30 s old).
    existing = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=TIMEOUT_S).topics
    unplaced = any(topic_ not in existing for topic_, _ in partitions)
    assert full.admin_requests == 1 + describe_batches + len(full.groups) + offsets_batches + int(unplaced)
