"""The Messages page in AppTest, against the real broker: exact offsets, deep links, filters,
export and write refusals, hostile payloads shown literally."""

from __future__ import annotations

import json

from confluent_kafka import Producer
from kafka_helpers import create_topic

APP_POLL_S = 0.3


def produce_json(bootstrap: str, topic: str, values: list[dict], partition: int = 0, headers=None) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i, value in enumerate(values):
        producer.produce(topic, json.dumps(value).encode(), f"k{i}".encode(), partition, headers=headers)
    assert producer.flush(10) == 0


def table(at):
    return at.dataframe[0].value


def test_a_topic_opens_on_its_newest_page_with_exact_offsets(make_app, kafka_bootstrap, unique):
    topic = unique("msg")
    create_topic(kafka_bootstrap, topic)
    produce_json(kafka_bootstrap, topic, [{"event_type": "order", "i": i} for i in range(120)])
    at = make_app("pages/messages.py", query={"topic": topic}).run()
    assert not at.exception, at.exception
    rows = table(at)
    assert list(rows["offset"]) == list(range(119, 69, -1))  # 50, newest first
    assert set(rows["type"]) == {"order"} and set(rows["partition"]) == {0}
    assert list(rows.columns) == ["partition", "offset", "time (UTC)", "key", "type", "headers", "size", "value"]
    assert rows["value"].iloc[0] == '{"event_type":"order","i":119}'  # compact, as Live events previews
    at.button(key="msg_older").click().run()
    assert list(table(at)["offset"]) == list(range(69, 19, -1))
    assert link(at) == {"topic": topic}  # all partitions: the link keeps its start


def link(at) -> dict[str, str]:
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def test_a_deep_link_to_an_offset_reads_from_it_and_shows_that_event(make_app, kafka_bootstrap, unique):
    topic = unique("msg-link")
    create_topic(kafka_bootstrap, topic, 2)
    produce_json(kafka_bootstrap, topic, [{"event_type": "a", "i": i} for i in range(30)], partition=1)
    produce_json(kafka_bootstrap, topic, [{"event_type": "b", "i": i} for i in range(5)], partition=0)
    at = make_app("pages/messages.py", query={"topic": topic, "partition": "1", "offset": "12"}).run()
    assert not at.exception, at.exception
    rows = table(at)
    assert list(rows["offset"]) == list(range(12, 30)) and set(rows["partition"]) == {1}  # offset order
    assert at.subheader[0].value == "Partition 1 · offset 12"  # the linked event, in full, without a click
    assert at.json[-1].value == '{"event_type": "a", "i": 12}' or '"i": 12' in at.json[-1].value
    assert link(at) == {"topic": topic, "partition": "1", "offset": "12"}


def test_a_deep_link_to_a_time_starts_at_the_first_event_at_or_after_it(make_app, kafka_bootstrap, unique):
    topic = unique("msg-ts")
    create_topic(kafka_bootstrap, topic, config={"retention.ms": "-1"})  # 2023's records must stay
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    for i, ts_ms in enumerate([1_700_000_000_000, 1_700_000_001_000, 1_700_000_002_000, 1_700_000_003_000]):
        producer.produce(topic, json.dumps({"i": i}).encode(), partition=0, timestamp=ts_ms)
    assert producer.flush(10) == 0
    at = make_app("pages/messages.py", query={"topic": topic, "ts": "1700000001500"}).run()
    assert not at.exception, at.exception
    rows = table(at)
    assert list(rows["offset"]) == [2, 3]
    assert list(rows["time (UTC)"]) == ["2023-11-14 22:13:22.000", "2023-11-14 22:13:23.000"]
    assert link(at) == {"topic": topic, "ts": "1700000001500"}


def test_empty_states_say_what_to_do(make_app, kafka_bootstrap, unique):
    topic = unique("msg-empty")
    create_topic(kafka_bootstrap, topic)
    at = make_app("pages/messages.py").run()
    assert not at.exception, at.exception
    assert any(i.value.startswith("Choose a topic and press Read.") for i in at.info)
    assert not at.dataframe
    at = make_app("pages/messages.py", query={"topic": topic}).run()
    assert [i.value for i in at.info] == [f"No events in {topic} from this start."]


def test_bad_link_parts_are_dropped_with_a_warning(make_app, kafka_bootstrap, unique):
    topic = unique("msg-bad")
    create_topic(kafka_bootstrap, topic)
    produce_json(kafka_bootstrap, topic, [{"i": 0}])
    at = make_app("pages/messages.py", query={"topic": topic, "partition": "x", "offset": "-1"}).run()
    assert [w.value for w in at.warning] == [
        "Ignoring the link's partition: use a whole number ≥ 0 (or leave it out for all partitions).",
        "Ignoring the link's start: use offset=N or ts=MS (whole numbers ≥ 0), or from=oldest|newest.",
    ]
    assert list(table(at)["offset"]) == [0]
