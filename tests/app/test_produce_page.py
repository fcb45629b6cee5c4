"""The Produce page in AppTest against the real broker: the forms, their exact error
texts, a delivery report, a templated burst to its summary, uploads, topic creation,
saved templates, read-only mode and the empty state."""

from __future__ import annotations

import pytest
from support.kafka import create_topic
from support.own_broker import start_own_broker

PAGE = "pages/produce.py"
NO_PARTITION = "does not exist: the topic has 2 partitions (0 to 1); leave it empty for automatic"


def texts(elements) -> list[str]:
    return [e.value for e in elements]


@pytest.fixture
def topic(kafka_bootstrap, unique):
    name = unique("page")
    create_topic(kafka_bootstrap, name, partitions=2)
    return name


@pytest.fixture
def page(make_app, app_env, tmp_path, topic):
    app_env.setenv("KDASH_TEMPLATES_PATH", str(tmp_path / "templates.json"))
    at = make_app(PAGE, query={"topic": topic}).run()
    assert not at.exception and not at.error, texts(at.error)
    return at


def submit(at, label: str):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def test_the_target_shows_partitions_and_the_size_limit(page, topic):
    assert page.title[0].value == "Produce"
    assert page.selectbox(key="produce_topic").value == topic
    assert (
        texts(page.main.caption)[0]
        == f"2 partitions · messages up to 1,048,588 bytes (max.message.bytes of topic '{topic}')"
    )
    assert [t.label for t in page.tabs] == ["Single event", "Template burst", "Upload file"]
    # Which partitioner places keys is said where the user picks automatic placement.
    assert page.radio(key="produce_part_mode").proto.captions[0].startswith("keys hashed with murmur2")


def test_the_librdkafka_partitioner_is_named_when_chosen(app_env, make_app, topic):
    app_env.setenv("KAFKA_PARTITIONER", "consistent_random")
    at = make_app(PAGE, query={"topic": topic}).run()
    assert not at.exception
    caption = at.radio(key="produce_part_mode").proto.captions[0]
    assert caption == "keys hashed with CRC-32 (librdkafka's default), not as Java clients do"


ONE_EVENT_ERRORS = [
    (
        {"one_value": '{"event": }'},
        "invalid JSON in value at line 1 column 11: unexpected character, expected a JSON value",
    ),
    (
        {"one_ts": "yesterday"},
        "timestamp must be milliseconds since 1970 or ISO 8601 like 2024-05-01T12:00:00Z, got 'yesterday'",
    ),
    (
        {"one_headers": {"edited_rows": {}, "added_rows": [{"value": "orphan"}], "deleted_rows": []}},
        "header row 1 has a value but no key",
    ),
]


@pytest.mark.parametrize("state, message", ONE_EVENT_ERRORS, ids=["json", "timestamp", "header"])
def test_single_event_errors_are_shown_and_nothing_is_sent(page, state, message):
    for key, value in state.items():
        if key == "one_headers":
            page.session_state[key] = value
        else:
            page.text_area(key=key).set_value(value) if key == "one_value" else page.text_input(key=key).set_value(
                value
            )
    submit(page, "Send one")
    assert texts(page.error) == [message]
    assert "produce_last" not in page.session_state


def test_send_one_shows_the_delivery_report(page, topic, settings):
    page.radio(key="produce_part_mode").set_value("Explicit").run()
    page.number_input(key="produce_partition").set_value(1)
    page.text_input(key="one_key").set_value("k1")
    page.session_state["one_headers"] = {
        "edited_rows": {},
        "added_rows": [{"key": "trace", "value": "t1"}],
        "deleted_rows": [],
    }
    submit(page, "Send one")
    assert texts(page.error) == []
    assert texts(page.success) == [f"Delivered to {topic} partition 1 at offset 0"]
    assert page.main.code[0].value == '{\n  "event_type": "user_signup",\n  "user_id": 123\n}'
    assert f"of 1,048,588 bytes (max.message.bytes of topic '{topic}')" in " ".join(texts(page.main.caption))
    result = page.session_state["produce_last"]
    assert (result.partition, result.offset, result.error) == (1, 0, None)


def test_an_oversized_value_is_refused_naming_the_limit(make_app, app_env, kafka_bootstrap, unique):
    name = unique("tiny")
    create_topic(kafka_bootstrap, name, partitions=1, config={"max.message.bytes": "500"})
    at = make_app(PAGE, query={"topic": name}).run()
    at.radio(key="one_format").set_value("Text")
    at.text_area(key="one_value").set_value("x" * 500)
    submit(at, "Check size and format")
    assert texts(at.error) == [
        "message is 595 bytes as sent (value, key, headers and framing), over the limit of 500 bytes "
        f"(max.message.bytes of topic '{name}')"
    ]


def test_a_templated_burst_runs_to_its_summary(page, topic):
    page.text_area(key="tpl_text").set_value('{"n": {{seq}}, "x": {{foo}}}')
    submit(page, "Preview")
    assert texts(page.error) == ["Preview: template: unknown placeholder {{foo}} at line 1 column 21"]
    page.text_area(key="tpl_text").set_value('{"n": {{seq}}}')
    page.number_input(key="burst_count").set_value(0)
    submit(page, "Start burst")
    assert texts(page.error) == ["count must be a whole number from 1 to 1,000,000, got 0"]
    assert [c.value for c in page.main.code] == ['{"n": 1}', '{"n": 2}', '{"n": 3}']

    page.number_input(key="burst_count").set_value(50)
    submit(page, "Start burst")
    summary = page.session_state["produce_burst"].wait(30)
    assert (summary.requested, summary.delivered, summary.failed) == (50, 50, 0)
    page.run()  # AppTest does not tick run_every: this is the rerun the progress fragment asks for
    assert texts(page.subheader) == [f"Burst to {topic}: all delivered"]
    metrics = {m.label: m.value for m in page.metric}
    assert (metrics["Requested"], metrics["Delivered"], metrics["Failed"]) == ("50", "50", "0")


def test_templates_are_saved_per_topic(page, topic):
    page.text_area(key="tpl_text").set_value('{"mine": {{seq}}}')
    page.text_input(key="tpl_save_as").set_value("my shape")
    submit(page, "Save template")
    assert [s for s in texts(page.success) if s.startswith("Template saved (in ")]
    picker = page.selectbox(key="tpl_name")
    assert picker.value.name == "my shape" and "my shape (saved)" in picker.options


def test_a_saved_template_can_be_deleted(page, topic):
    page.text_area(key="tpl_text").set_value('{"mine": {{seq}}}')
    page.text_input(key="tpl_save_as").set_value("short-lived")
    submit(page, "Save template")
    page.button(key="tpl_delete").click().run()
    assert "Template 'short-lived' deleted." in texts(page.success)
    picker = page.selectbox(key="tpl_name")
    assert "short-lived (saved)" not in picker.options and picker.value.saved_at == "built-in"


def test_uploads_get_a_validation_report_before_sending(page):
    bad = b'{"value": 1}\nnot json\n{"value": 2, "partition": 5}\n'
    page.get("file_uploader")[0].set_value(("events.jsonl", bad, "application/json")).run()
    assert texts(page.error) == ["2 bad lines: fix the file and upload it again. Nothing has been sent."]
    assert {m.label: m.value for m in page.metric} == {"Good events": "1", "Bad lines": "2"}
    report = next(d.value for d in page.main.dataframe if list(d.value.columns) == ["line", "problem"])
    assert report.to_dict("records") == [
        {"line": 2, "problem": "invalid JSON at column 1: invalid literal, expected 'null'"},
        {"line": 3, "problem": f"partition 5 {NO_PARTITION}"},
    ]
    assert not [b for b in page.button if b.label.startswith("Send ") and b.label.endswith(" events")]

    page.get("file_uploader")[0].set_value(("events.csv", b"value,key\na,k1\nb,k2\n", "text/csv")).run()
    assert texts(page.error) == []
    submit(page, "Send 2 events")
    summary = page.session_state["produce_burst"].wait(30)
    assert (summary.requested, summary.delivered) == (2, 2)


def test_a_missing_topic_is_created_after_confirmation(make_app, app_env, unique, settings):
    name = unique("new")
    at = make_app(PAGE, query={"topic": name}).run()
    assert f"Topic `{name}` does not exist yet." in texts(at.info)
    submit(at, "Create topic")
    assert texts(at.error) == ["Tick the box to confirm creating the topic."]
    at.checkbox[0].check()
    submit(at, "Create topic")
    assert texts(at.success) == [f"Created topic `{name}`."]
    assert texts(at.main.caption)[0].startswith("3 partitions · ")


def test_read_only_disables_the_page(make_app, app_env, topic):
    app_env.setenv("KAFKA_DASHBOARD_READ_ONLY", "1")
    at = make_app(PAGE, query={"topic": topic}).run()
    assert not at.exception
    assert len(at.warning) == 1 and "is read-only, so this page is disabled" in at.warning[0].value
    assert [b.label for b in at.button] == [] and len(at.get("tab_container")) == 0


def test_an_empty_cluster_says_so(make_app, app_env, tmp_path):
    status = start_own_broker(tmp_path / "empty-kafka")
    try:
        app_env.setenv("KAFKA_BOOTSTRAP_SERVERS", status.bootstrap)
        at = make_app(PAGE).run()
        assert texts(at.info) == ["No topics yet. Type a name below to create one, then send events to it."]
        assert at.selectbox(key="produce_topic").options == []
    finally:
        status.stop()


def test_failed_events_are_listed_and_offered_for_download(make_app, app_env, kafka_bootstrap, unique, tmp_path):
    from kafka_io.produce.files import parse_jsonl
    from kafka_io.produce.inputs import SOURCE_HEADER_PAIR
    from kafka_io.produce.validation import encoded_size

    app_env.setenv("KDASH_TEMPLATES_PATH", str(tmp_path / "templates.json"))
    name = unique("fails")
    create_topic(kafka_bootstrap, name, partitions=1, config={"max.message.bytes": "1000"})
    # One-digit seqs fill the limit exactly; from seq 10 on the broker refuses the event.
    pad = max(n for n in range(800, 1000) if encoded_size(b"x" * n + b"9", None, [SOURCE_HEADER_PAIR]) <= 1000)
    at = make_app(PAGE, query={"topic": name}).run()
    at.text_area(key="tpl_text").set_value("x" * pad + "{{seq}}")
    at.number_input(key="burst_count").set_value(12)
    submit(at, "Start burst")
    burst = at.session_state["produce_burst"]
    assert burst.wait(30).failed == 3
    at.run()
    assert texts(at.subheader) == [f"Burst to {name}: 3 failed"]
    failures = next(d.value for d in at.main.dataframe if list(d.value.columns) == ["index", "reason"])
    assert failures.to_dict("records") == [
        {"index": i, "reason": "Broker: Message size too large"} for i in (9, 10, 11)
    ]
    assert [b.label for b in at.get("download_button")] == ["Download failed events (JSONL, ready to upload again)"]
    events, bad = parse_jsonl(burst.failures_jsonl())
    assert bad == [] and [e.value for e in events] == [b"x" * pad + str(seq).encode() for seq in (10, 11, 12)]


def test_the_single_event_form_is_compact(page):
    """'Send one' was below the fold at 1,400 x 900: key and timestamp share a row and the headers
    table folds away (tests/e2e/test_layout_browser.py measures the fold itself)."""
    form = page.tabs[0]
    row = [c.text_input[0].key for c in form.columns if c.text_input]
    assert row == ["one_key", "one_ts"]  # one row, two columns
    (headers,) = [e for e in form.expander if e.label.startswith("Headers")]
    assert headers.label == "Headers (x-kdash-source: dashboard is always added)"
    assert not headers.proto.expanded
    assert [d.key for d in headers.dataframe] == ["one_headers"]
