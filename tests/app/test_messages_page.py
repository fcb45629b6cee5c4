"""The Messages page in AppTest, against the real broker: exact offsets, deep links, filters,
export and write refusals, hostile payloads shown literally."""

from __future__ import annotations

import json
import time

from confluent_kafka import Producer
from support.kafka import create_topic

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
    at.button(key="msg_newer").click().run()
    assert list(table(at)["offset"]) == list(range(119, 69, -1))
    assert at.button(key="msg_newer").disabled and not at.button(key="msg_older").disabled
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


def secrets(tmp_path, text: str) -> None:
    (tmp_path / ".streamlit").mkdir(exist_ok=True)
    (tmp_path / ".streamlit" / "secrets.toml").write_text(text)


def test_export_offers_jsonl_and_csv_and_is_hidden_with_a_sentence_when_off(
    make_app, kafka_bootstrap, unique, tmp_path
):
    topic = unique("msg-export")
    create_topic(kafka_bootstrap, topic)
    produce_json(kafka_bootstrap, topic, [{"i": i} for i in range(3)])
    at = make_app("pages/messages.py", query={"topic": topic}).run()
    assert [b.label for b in at.get("download_button")] == ["JSONL", "CSV"]
    assert "Export this page (3 events). Each download is one audit line." in [c.value for c in at.caption]
    secrets(tmp_path, "[messages]\nexport = false\n")
    at = make_app("pages/messages.py", query={"topic": topic}).run()
    assert not at.exception, at.exception
    assert not at.get("download_button")
    assert (
        "Export is off: exporting messages is turned off on cluster 'default' ([messages] export = false in "
        "secrets.toml)."
    ) in [c.value.replace("\\", "") for c in at.caption]


def test_a_viewer_is_refused_redrive_with_the_reason(make_app, kafka_bootstrap, unique, tmp_path):
    from test_stuck_events import VIEWER_SECRETS, login

    topic = unique("msg-viewer")
    create_topic(kafka_bootstrap, topic)
    produce_json(kafka_bootstrap, topic, [{"i": 0}])
    secrets(tmp_path, VIEWER_SECRETS)
    at = make_app("pages/messages.py", query={"topic": topic})
    login(at, "val@example.com")
    at.run()
    assert not at.exception, at.exception
    assert list(table(at)["offset"]) == [0]  # a viewer reads
    assert "Viewer: redriving messages is not allowed." in [c.value for c in at.caption]
    assert not at.get("form") or all("redrive" not in str(f.proto).lower() for f in at.get("form"))


HOSTILE = [b"<script>alert(1)</script>", b"**bold** _x_ [link](http://evil)", b"$$\\frac{1}{0}$$", b"<img src=x>"]


def test_hostile_payloads_keys_and_headers_stay_literal(make_app, kafka_bootstrap, unique):
    topic = unique("msg-hostile")
    create_topic(kafka_bootstrap, topic)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    for value in HOSTILE:
        producer.produce(topic, value, key=b"**k**", partition=0, headers=[("<b>h</b>", b"$$x$$")])
    assert producer.flush(10) == 0
    at = make_app("pages/messages.py", query={"topic": topic, "partition": "0", "offset": "0"}).run()
    assert not at.exception, at.exception
    rows = table(at)
    assert list(rows["value"]) == [v.decode() for v in HOSTILE]  # data cells: literal
    assert set(rows["key"]) == {"**k**"}
    assert at.code[0].value == "<script>alert(1)</script>"  # the linked event's payload, as text
    headers = next(d.value for d in at.dataframe if "name" in d.value.columns)
    assert headers.values.tolist() == [["<b>h</b>", "$$x$$", 5]]
    shown_as_markup = " ".join(str(m.value) for m in [*at.markdown, *at.caption, *at.info, *at.subheader])
    for needle in ("<script>", "**bold**", "$$", "<img", "<b>h</b>"):
        assert needle not in shown_as_markup


def run_until(at, check, timeout_s: float = 20):
    deadline = time.monotonic() + timeout_s
    while True:
        at.run()
        assert not at.exception, at.exception
        if check(at):
            return at
        assert time.monotonic() < deadline, [t.value for t in at.text]
        time.sleep(APP_POLL_S)


def scan_line(at) -> str:
    return next((t.value for t in at.text if t.value.startswith("Scanned ")), "")


def test_a_filter_scans_with_exact_matched_and_unevaluated_counts(make_app, kafka_bootstrap, unique):
    topic = unique("msg-filter")
    create_topic(kafka_bootstrap, topic)
    values = [{"event_type": "pay", "amount": i} for i in range(10)] + [{"event_type": "ping"}] * 3
    produce_json(kafka_bootstrap, topic, values)
    at = make_app("pages/messages.py", query={"topic": topic, "from": "oldest", "filter": "value.amount >= 7"})
    run_until(at, lambda at: "stopped:" in scan_line(at))
    assert scan_line(at).startswith("Scanned 13 · matched 3 · 3 could not be evaluated · ")
    assert scan_line(at).endswith("stopped: the end of the range")
    assert list(table(at)["offset"]) == [7, 8, 9]
    assert link(at) == {"topic": topic, "from": "oldest", "filter": "value.amount >= 7"}


def test_nothing_matched_says_so(make_app, kafka_bootstrap, unique):
    topic = unique("msg-nomatch")
    create_topic(kafka_bootstrap, topic)
    produce_json(kafka_bootstrap, topic, [{"i": i} for i in range(4)])
    at = make_app("pages/messages.py", query={"topic": topic, "from": "oldest", "filter": "value.i > 100"})
    run_until(at, lambda at: "stopped:" in scan_line(at))
    assert scan_line(at).startswith("Scanned 4 · matched 0 · 0 could not be evaluated")
    assert [i.value for i in at.info] == ["Nothing matched the filter in the range scanned."]


def test_a_broken_filter_gets_one_line_naming_the_position_and_reads_nothing(make_app, kafka_bootstrap, unique):
    topic = unique("msg-broken")
    create_topic(kafka_bootstrap, topic)
    produce_json(kafka_bootstrap, topic, [{"i": 0}])
    at = make_app("pages/messages.py", query={"topic": topic, "filter": "value.i >"}).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("filter: ") and "column" in at.error[0].value
    assert not at.dataframe and not scan_line(at)


def test_the_form_reads_a_filter_and_refuses_a_broken_one_before_reading(make_app, kafka_bootstrap, unique):
    topic = unique("msg-form")
    create_topic(kafka_bootstrap, topic, 2)
    produce_json(kafka_bootstrap, topic, [{"event_type": "a", "n": i} for i in range(6)], partition=1)
    at = make_app("pages/messages.py").run()
    at.selectbox[0].set_value(topic).run()
    assert at.selectbox[1].options == ["All partitions", "0", "1"]
    at.selectbox[1].set_value("1")
    at.selectbox[2].set_value("oldest").run()
    at.text_input[0].set_value("value.n >")
    at.button(key="FormSubmitter:msg_filter_form-Read").click().run()
    assert len(at.error) == 1 and at.error[0].value.startswith("filter: ")
    assert not at.dataframe and link(at) == {}  # nothing read, the address unchanged
    at.text_input[0].set_value("value.n % 2 == 0")
    at.button(key="FormSubmitter:msg_filter_form-Read").click()
    run_until(at, lambda at: "stopped:" in scan_line(at))
    assert list(table(at)["offset"]) == [0, 2, 4]
    assert link(at) == {"topic": topic, "partition": "1", "from": "oldest", "filter": "value.n % 2 == 0"}


def test_a_value_over_1_mb_is_cut_with_its_full_size_named(make_app, kafka_bootstrap, unique):
    topic = unique("msg-big")
    create_topic(kafka_bootstrap, topic, config={"max.message.bytes": "4000000"})
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "message.max.bytes": 4_000_000})
    producer.produce(topic, b"x" * 1_572_864, partition=0)
    assert producer.flush(10) == 0
    at = make_app("pages/messages.py", query={"topic": topic, "partition": "0", "offset": "0"}).run()
    assert not at.exception, at.exception
    assert list(table(at)["size"]) == ["1.5 MB"]
    assert "Value truncated: showing the first 1,048,576 of 1,572,864 bytes (1.5 MB)." in [c.value for c in at.caption]
    assert len(at.code[0].value) == 1_048_576  # the text view holds the first 1 MB


def test_redrive_is_prefilled_from_the_original_topic_header_and_counts_like_a_burst(make_app, kafka_bootstrap, unique):
    dlq, target = unique("msg-dlq"), unique("msg-orders")
    create_topic(kafka_bootstrap, dlq)
    create_topic(kafka_bootstrap, target)
    headers = [("kafka_dlt-original-topic", target.encode()), ("trace", b"\x00\x01")]
    produce_json(kafka_bootstrap, dlq, [{"event_type": "order", "i": i} for i in range(2)], headers=headers)
    at = make_app("pages/messages.py", query={"topic": dlq, "from": "oldest"}).run()
    box = next(t for t in at.text_input if t.label == "Target topic")
    assert box.value == target
    at.button(key="FormSubmitter:msg_redrive_form-Redrive 2 events").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Requested"], metrics["Delivered"], metrics["Failed"]) == ("2", "2", "0")
    copied = make_app("pages/messages.py", query={"topic": target, "partition": "0", "offset": "0"}).run()
    assert list(table(copied)["offset"]) == [0, 1]
    names = next(d.value for d in copied.dataframe if "name" in d.value.columns)
    assert names.values.tolist() == [
        ["kafka_dlt-original-topic", target, len(target)],
        ["trace", "\x00\x01", 2],
        ["x-kdash-redrive-from", f"{dlq}/0/0", len(f"{dlq}/0/0")],
    ]


def test_back_from_another_page_the_address_names_the_view_again(make_app, kafka_bootstrap, unique):
    topic = unique("msg-back")
    create_topic(kafka_bootstrap, topic)
    produce_json(kafka_bootstrap, topic, [{"i": i} for i in range(3)])
    at = make_app("pages/messages.py", query={"topic": topic, "partition": "0", "offset": "1"}).run()
    at.switch_page("pages/topics.py").run()
    at.query_params.clear()
    at.switch_page("pages/messages.py").run()
    assert list(table(at)["offset"]) == [1, 2]  # held, not read again
    assert link(at) == {"topic": topic, "partition": "0", "offset": "1"}


def test_a_link_to_a_missing_topic_says_so_in_one_line(make_app, unique):
    missing = unique("msg-missing")
    at = make_app("pages/messages.py", query={"topic": missing}).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [f"Reading: topic '{missing}' does not exist"]
    assert not at.dataframe


def test_a_filter_keeps_as_many_matches_as_asked_for_export_and_redrive(make_app, kafka_bootstrap, unique):
    topic = unique("msg-many")
    create_topic(kafka_bootstrap, topic)
    produce_json(kafka_bootstrap, topic, [{"n": i} for i in range(200)])
    at = make_app("pages/messages.py", query={"topic": topic, "from": "oldest"}).run()
    at.text_input[0].set_value("value.n % 2 == 1")
    at.number_input(key="msg_max_matches").set_value(80)
    at.button(key="FormSubmitter:msg_filter_form-Read").click()
    run_until(at, lambda at: "stopped:" in scan_line(at))
    assert scan_line(at).startswith("Scanned ") and " · matched 80 · " in scan_line(at)
    assert scan_line(at).endswith("stopped: as many matches as asked for")
    assert list(table(at)["offset"]) == list(range(1, 160, 2))
    assert "Export the matched events (80 events). Each download is one audit line." in [c.value for c in at.caption]
