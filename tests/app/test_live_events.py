"""The Live events page in AppTest, against the real broker: deep link, counts, controls, empty states."""

from __future__ import annotations

import json
import time

from support.kafka import create_topic

from dashboard.resources import tail_pool
from kafka_io.live.model import StartPosition
from kafka_io.live.rates import TypeSpec
from kafka_io.live.worker import TailWorker

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
    assert ":green-badge[running]" in markdown(at)
    assert f"Reading {topic} from earliest (replay all) (2 partitions)" in at.text[0].value
    stats = tail_pool().stats()
    assert (stats.shared_workers, stats.private_workers) == (0, 1)


def test_controls_pause_resume_clear_window_and_filters(make_app, kafka_bootstrap, unique, settings):
    topic = unique("live-ctl")
    create_topic(kafka_bootstrap, topic)
    produce_typed(kafka_bootstrap, topic, {"login": 3, "click": 2})
    at = make_app("pages/live_events.py", query={"topic": topic, "from": "earliest"})
    run_until(at, lambda at: metric(at, "Events seen") == "5")

    at.multiselect(key="live_filter_types").set_value(["click"]).run()
    assert list(at.dataframe[1].value["type"]) == ["click", "click"]
    assert any(c.value.startswith("2 of 5 messages match the filters.") for c in at.caption)
    at.text_input(key="live_filter_text").set_value('"I":2').run()  # clicks have i 0..1 only
    assert len(at.dataframe) == 1 and "No message matches the filters." in [c.value for c in at.caption]
    at.multiselect(key="live_filter_types").set_value([]).run()
    assert list(at.dataframe[1].value["value"]) == ['{"event_type":"login","i":2}']
    assert any(c.value.startswith("1 of 5 messages match the filters.") for c in at.caption)
    at.text_input(key="live_filter_text").set_value("").run()
    assert not any("match the filters" in c.value for c in at.caption)

    at.button_group(key="live_window").set_value("1 min").run()
    assert at.button_group(key="live_window").value == "1 min"

    button(at, "Pause").click().run()
    assert ":gray-badge[paused]" in markdown(at) and button(at, "Resume")
    produce_typed(kafka_bootstrap, topic, {"late": 4})
    # Frozen, judged after positive events: an unpaused reader of the topic has read the 4,
    # and the page's paused worker went round twice more (pause() returns at a turn's start).
    witness = TailWorker(settings, (topic,), TypeSpec("field"), StartPosition("earliest")).start()
    try:
        run_until(at, lambda at: witness.snapshot().messages == 9)
    finally:
        witness.stop()
        assert witness.join()
    (paused,) = tail_pool().workers()
    for _ in range(3):
        paused.pause()
    at.run()
    assert metric(at, "Events seen") == "5"  # frozen while paused
    button(at, "Resume").click().run()
    run_until(at, lambda at: metric(at, "Events seen") == "9")

    button(at, "Clear").click().run()
    assert metric(at, "Events seen") == "0"
    assert any("Waiting for events on" in i.value for i in at.info)


def test_the_form_starts_a_view_and_writes_a_shareable_link(make_app, kafka_bootstrap, unique):
    topic = unique("live-form")
    create_topic(kafka_bootstrap, topic, 2)
    produce_typed(kafka_bootstrap, topic, {"a": 6, "b": 6})
    at = make_app("pages/live_events.py").run()
    # Each start mode shows only the input it needs; the default, recent, its seconds back.
    assert [w.label for w in at.number_input] == ["Seconds back"] and at.number_input[0].value == 60
    assert (len(at.datetime_input), len(at.text_input)) == (0, 0)
    at.selectbox[0].set_value("timestamp").run()
    assert [w.label for w in at.datetime_input] == ["From (your time zone)"] and not at.number_input
    at.multiselect[0].set_value([topic])
    at.selectbox[0].set_value("last").run()
    assert [w.label for w in at.number_input] == ["N per partition"] and not at.datetime_input
    at.number_input[0].set_value(2)
    at.selectbox[1].set_value("header").run()
    assert [w.label for w in at.text_input] == ["Header name"]
    at.selectbox[1].set_value("key").run()
    assert not at.text_input
    button(at, "Watch").click()
    run_until(at, lambda at: metric(at, "Events seen") == "4")  # last 2 of each of 2 partitions
    link = {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}
    assert link == {"topic": [topic], "from": ["last:2"], "type": ["key"]}
    types = at.dataframe[0].value
    assert int(types["count"].sum()) == 4 and all(t.startswith("k") for t in types["type"])


def test_bad_link_parts_are_ignored_with_a_warning(make_app, unique):
    missing = unique("live-missing")
    at = make_app("pages/live_events.py", query={"topic": [missing, "bad name!"], "from": "yesterday"})
    run_until(at, lambda at: "waiting for topic" in markdown(at))
    warnings = [w.value for w in at.warning]
    assert "Ignoring topic names in the link that Kafka would not accept." in warnings
    assert any(w.startswith("Ignoring the link's from/type value: use from=recent:S|latest|earliest") for w in warnings)
    assert f"Topic {missing} does not exist (yet); waiting for it." in warnings
    stats = tail_pool().stats()  # fell back to the default start, the last minute: a private reader
    assert (stats.shared_workers, stats.private_workers) == (0, 1)


def test_by_default_what_was_sent_just_before_watch_is_there(make_app, kafka_bootstrap, unique):
    topic = unique("live-recent")
    create_topic(kafka_bootstrap, topic, 2)
    produce_typed(kafka_bootstrap, topic, {"page_view": 3, "click": 2})
    at = make_app("pages/live_events.py").run()
    at.multiselect[0].set_value([topic])
    button(at, "Watch").click()
    run_until(at, lambda at: metric(at, "Events seen") == "5")
    assert dict(at.query_params) == {"topic": [topic], "from": ["recent:60"]} or at.query_params["from"] == "recent:60"
    assert f"Reading {topic} from 60 s before Watch (2 partitions)" in at.text[0].value
    # The chart counts complete seconds only: the order fills once the events' second has passed.
    run_until(at, lambda at: at.session_state["live_type_order"] != ())
    assert sorted(at.session_state["live_type_order"]) == ["click", "page_view"]


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def markdown(at) -> str:
    return " ".join(str(m.value) for m in at.markdown)
