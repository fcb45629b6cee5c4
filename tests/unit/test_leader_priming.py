"""When list_offsets may trust the leaders it last read, and what it answers for
partitions that have none (kafka_io._client.offsets: never hand librdkafka a partition
its metadata cache cannot place, or it can crash the process)."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from kafka_io._client.offsets import PRIME_MAX_AGE_S, PRIME_RETRY_S, _Leaders

KNOWN = _Leaders(
    at_s=100.0,
    leaders={"orders": {0: 1, 1: 2, 2: -1}, "empty": {}},
    missing=frozenset({("orders", 2), ("gone", 0)}),
)

UNPLACED = [
    (("orders", 0), None),  # 01 a leader
    (
        ("orders", 2),
        "no leader (an election under way, or every replica offline)",
    ),  # 02 leader -1 (an election in progress)
    (("orders", 7), "partition 7 does not exist (the topic has 3)"),  # 03
    (("gone", 0), "topic not found (deleted, or hidden from this user by ACLs)"),  # 04
    (
        ("empty", 0),
        "topic not found (deleted, or hidden from this user by ACLs)",
    ),  # 05 no partitions in the metadata yet (being created)
]


@pytest.mark.parametrize(("tp", "why"), UNPLACED, ids=ids(UNPLACED))
def test_why_a_partition_cannot_be_sent(tp, why):
    assert KNOWN.unplaced(tp) == why


FRESH = [
    ([("orders", 0), ("orders", 1)], 100.0 + PRIME_MAX_AGE_S, True),  # 01 placed, at the age limit
    ([("orders", 0)], 100.0 + PRIME_MAX_AGE_S + 0.1, False),  # 02 too old: librdkafka's cache may have expired
    ([("orders", 2), ("gone", 0)], 100.0 + PRIME_RETRY_S, True),  # 03 missing at the last look, asked again soon
    ([("gone", 0)], 100.0 + PRIME_RETRY_S + 0.1, False),  # 04 ...and later: look again
    ([("orders", 0), ("new", 0)], 101.0, False),  # 05 never asked about: a topic created since
    ([("orders", 7)], 101.0, False),  # 06 a partition added since
]


@pytest.mark.parametrize(("tps", "now_s", "fresh"), FRESH, ids=ids(FRESH))
def test_when_the_last_metadata_still_answers(tps, now_s, fresh):
    assert KNOWN.fresh_for(tps, now_s, PRIME_MAX_AGE_S) is fresh


def test_a_shorter_metadata_max_age_shortens_the_trust():
    assert KNOWN.fresh_for([("orders", 0)], 111.0, max_age_s=10.0) is False


def test_a_topic_error_from_the_metadata_is_the_reason_given():
    denied = _Leaders(100.0, {"secret": {}}, frozenset(), {"secret": "Broker: Topic authorization failed"})
    assert denied.unplaced(("secret", 0)) == "Broker: Topic authorization failed"
