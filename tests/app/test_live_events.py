"""The Live events page in AppTest, against the real broker: deep link, counts, controls, empty states."""

from __future__ import annotations

import json
import time

import pytest

from kafka_helpers import create_topic
from kafka_io.resources import tail_pool

APP_POLL_S = 0.3


def produce_typed(bootstrap: str, topic: str, counts: dict[str, int], extra: list[bytes] = ()) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for event_type, n in counts.items():
        for i in range(n):
            producer.produce(topic, json.dumps({"event_type": event_type, "i": i}).encode(), key=f"k{i}".encode())
    for value in extra:
        producer.produce(topic, value)
    assert producer.flush(10) == 0


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def run_until(at, check, timeout_s: float = 20):
    deadline = time.monotonic() + timeout_s
    while True:
        at.run()
        assert not at.exception, at.exception
        if check(at):
            return at
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; metrics {[(m.label, m.value) for m in at.metric]}")
        time.sleep(APP_POLL_S)


def test_without_a_selection_the_page_asks_for_topics(make_app, kafka_bootstrap, unique):
    create_topic(kafka_bootstrap, unique("live-empty"))
    at = make_app("pages/live_events.py").run()
    assert not at.exception
    assert at.title[0].value == "Live events"
    assert any("Pick one or more topics" in i.value for i in at.info), [i.value for i in at.info]
    assert [b.label for b in at.button] == ["Watch"]
    assert tail_pool().stats().workers == 0


def test_deep_link_from_earliest_counts_exactly_and_shows_the_tail(make_app, kafka_bootstrap, unique):
    topic = unique("live")
    create_topic(kafka_bootstrap, topic, 2)
    produce_typed(kafka_bootstrap, topic, {"login": 7, "click": 5}, extra=[b"not json", b'{"other": 1}'])
    at = make_app("pages/live_events.py", query={"topic": topic, "from": "earliest"})
    run_until(at, lambda at: metric(at, "Events seen") == "14")
    types = at.dataframe[0].value
    assert dict(zip(types["type"], types["count"])) == {"login": 7, "click": 5, "(unparseable)": 1, "(unknown)": 1}
    tail = at.dataframe[1].value
    assert len(tail) == 14 and set(tail["topic"]) == {topic}
    assert "not json" in set(tail["value"])
    assert at.multiselect[0].value == [topic]
    assert [b.value for b in at.get("badge")] if at.get("badge") else True
    stats = tail_pool().stats()
    assert (stats.shared_workers, stats.private_workers) == (0, 1)
