"""Filtered scans against a real broker: a table of CEL filters with exact matched and
"could not be evaluated" counts, and a broken expression refused before anything is read."""

from __future__ import annotations

import time

import orjson
import pytest
from confluent_kafka import Producer
from support.kafka import TIMEOUT_S, create_topic
from support.table_cases import ids

from kafka_io.cli import main
from kafka_io.cluster import Cluster
from kafka_io.errors import InvalidInput
from kafka_io.messages.scan import scan

# Partition p holds COUNTS[p] events: value {"event_type": "bad" every 4th else "ok", "p": p, "i": i},
# key "p-i", header "attempt" = str(i % 3) on every event.
COUNTS = {0: 20, 1: 20, 2: 4}
TOTAL = sum(COUNTS.values())


@pytest.fixture(scope="module")
def events(kafka_bootstrap):
    topic = f"test-msg-filter-{time.time_ns() % 10**8}"
    create_topic(kafka_bootstrap, topic, 3)
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 5})
    for p, n in COUNTS.items():
        for i in range(n):
            value = orjson.dumps({"event_type": "bad" if i % 4 == 3 else "ok", "p": p, "i": i})
            producer.produce(topic, value, key=f"{p}-{i}".encode(), partition=p, headers=[("attempt", str(i % 3))])
    assert producer.flush(TIMEOUT_S) == 0
    return topic


@pytest.fixture
def cluster(settings):
    with Cluster(settings) as handle:
        yield handle


FILTERS = [
    # (expression, matched, could not be evaluated)
    ('type == "bad"', 11, 0),  # 1. i % 4 == 3: 5 + 5 + 1
    ("value.i >= 18", 4, 0),  # 2. two at the end of partitions 0 and 1
    ("partition == 2 && offset < 2", 2, 0),  # 3.
    ('key.startsWith("1-1")', 11, 0),  # 4. 1-1 and 1-10 to 1-19
    ("record.offset == 0", 3, 0),  # 5. kafbat's names work too
    ('headers["attempt"] == "2"', 13, 0),  # 6. i % 3 == 2: 6 + 6 + 1
    ("value.missing == 1", 0, TOTAL),  # 7. a missing field: no match, counted
    ('value.i > "x"', 0, TOTAL),  # 8. a wrong type: no match, counted
    ("false", 0, 0),  # 9. nothing matches, everything evaluated
]


@pytest.mark.parametrize("expression, matched, unevaluated", FILTERS, ids=ids(FILTERS))
def test_filter_counts_are_exact(cluster, events, expression, matched, unevaluated):
    result = scan(cluster, events, filter_expr=expression, limit=1000)
    got = result.progress
    assert (got.scanned, got.matched, got.unevaluated, got.stopped_by) == (TOTAL, matched, unevaluated, "end")
    assert len(result.messages) == matched


def test_a_filter_stops_at_the_limit_with_exact_positions(cluster, events):
    result = scan(cluster, events, partition=0, filter_expr='type == "bad"', limit=2)
    assert [m.offset for m in result.messages] == [3, 7]
    assert (result.progress.scanned, result.progress.stopped_by, result.progress.positions) == (8, "limit", {0: 8})


def test_a_broken_expression_is_refused_before_anything_is_read(cluster, events):
    with pytest.raises(InvalidInput, match=r"^filter: .*column \d+"):
        scan(cluster, f"{events}-does-not-exist", filter_expr="value.i >")  # no NotFound: nothing was asked


def test_cli_filter_summary_and_broken_expression(capsys, kafka_bootstrap, events):
    args = ["messages", "--bootstrap", kafka_bootstrap, "--topic", events, "--from-beginning", "--format", "jsonl"]
    assert main([*args, "--filter", "value.missing == 1", "--max-scan", "30"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "30 scanned, 0 matched, 30 could not be evaluated; stopped by --max-scan 30 reached" in err
    assert main([*args, "--filter", 'type == "bad"', "--limit", "3"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3 and "stopped by --limit 3 reached" in err
    assert main([*args, "--filter", "value.i >"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith("error: filter: ")
