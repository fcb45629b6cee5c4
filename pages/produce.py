"""Produce page: send test events (one, a templated burst, an uploaded file) and see every one accounted for.

UI only: checks, sending and accounting live in kafka_io.produce (inputs,
burst.source, producer); the template-burst tab is in dashboard.produce_forms.
A burst runs in a kafka_io worker thread; this page polls it from a fragment
and never waits on it.
"""

import pandas as pd
import streamlit as st

from dashboard import auth, resources
from dashboard.burst_panel import BURST_KEY, FROM_KEY, burst_panel, scroll_into_view
from dashboard.produce_forms import NO_HEADERS, flash, header_rows, show_flash, start_burst_here, template_burst
from dashboard.schemas import prefill, schema_example, value_schema_picker
from dashboard.shell import page_settings
from dashboard.widgets import plain, show_errors
from kafka_io.errors import InvalidInput, KafkaIOError
from kafka_io.produce.burst.source import plan_spec_burst
from kafka_io.produce.files import parse_event_file
from kafka_io.produce.inputs import (
    build_event,
    check_specs,
    parse_timestamp,
    pretty_json,
    with_source,
)
from kafka_io.produce.producer import send_one
from kafka_io.produce.validation import encoded_size
from kafka_io.topics.admin import MAX_PARTITIONS, create_topic
from kafka_io.topics.names import validate_topic_name

settings = page_settings()

PARTITIONER_NOTES = {
    "murmur2_random": "keys hashed with murmur2, as Java clients, kafka-python and kafkajs do",
    "murmur2": "keys hashed with murmur2, as Java clients do; no key: one partition",
    "consistent_random": "keys hashed with CRC-32 (librdkafka's default), not as Java clients do",
    "consistent": "keys hashed with CRC-32 (librdkafka), not as Java clients do; no key: one partition",
}
RESULT_KEY = "send_result"
EXAMPLE_VALUE = '{"event_type": "user_signup", "user_id": 123}'

st.title("Produce")
if settings.read_only:
    st.warning(
        f"Cluster **{settings.name}** is read-only, so this page is disabled: nothing can be sent or created. "
        + (
            "It listens beyond this machine without login (see above)."
            if auth.exposure()
            else "Turn off `KAFKA_DASHBOARD_READ_ONLY` (or `read_only` in secrets.toml) to send test events."
        ),
        icon=":material/lock:",
    )
    st.stop()
REFUSED = auth.why_not(settings, "produce")
if REFUSED:
    st.warning(plain(f"This page is disabled for you: {REFUSED}."), icon=":material/lock:")
    st.stop()


def _create(topic: str) -> None:
    state = st.session_state
    if not state.get("create_confirm"):
        return flash("error", "Tick the box to confirm creating the topic.")
    try:
        resources.with_cluster(
            settings,
            create_topic,
            topic,
            int(state["create_partitions"]),
            int(state["create_replication"]),
            actor=auth.actor(),
        )
    except KafkaIOError as exc:
        return flash("error", plain(f"Creating the topic: {exc}"))
    resources.forget_topic_data(settings)  # the Topics page shows it at once too
    flash("success", f"Created topic `{topic}`.")


def _create_missing(topic: str) -> None:
    st.info(f"Topic `{topic}` does not exist yet.", icon=":material/help:")
    with st.form("create_form"):
        brokers = len(resources.cluster_info(settings).brokers)
        left, right = st.columns(2)
        left.number_input("Partitions", min_value=1, max_value=MAX_PARTITIONS, value=3, key="create_partitions")
        right.number_input(
            "Replication factor",
            min_value=1,
            max_value=max(brokers, 1),
            value=min(3, max(brokers, 1)),
            key="create_replication",
        )
        st.checkbox(f"Yes, create topic {topic}", key="create_confirm")
        st.form_submit_button("Create topic", type="primary", on_click=_create, args=(topic,))


def _target():
    """(limits, partition) of the chosen existing topic, or None (with the reason shown)."""
    names = resources.topic_names(settings)
    if not names:
        st.info("No topics yet. Type a name below to create one, then send events to it.", icon=":material/inbox:")
    wanted = st.query_params.get("topic")
    if "produce_topic" not in st.session_state and wanted:
        st.session_state["produce_topic"] = wanted
    typed = st.session_state.get("produce_topic")
    options = names + [typed] if typed and typed not in names else names  # a new name stays pickable
    topic = st.selectbox(
        "Topic",
        options,
        index=None,
        key="produce_topic",
        accept_new_options=True,
        placeholder="Search, or type a new name",
    )
    show_flash()
    if not topic:
        return None
    try:
        topic = validate_topic_name(topic)
    except InvalidInput as exc:
        st.error(plain(exc), icon=":material/error:")  # it quotes what was typed
        return None
    if topic not in names:
        resources.topic_names.clear(settings)  # the cached list may predate a topic made elsewhere
        if topic not in resources.topic_names(settings):
            _create_missing(topic)
            return None
    try:
        limits = resources.produce_limits(settings, topic)
    except KafkaIOError as exc:  # this topic only: the picker stays usable
        st.error(plain(f"Cannot read topic {topic!r}: {exc}"), icon=":material/error:")
        return None
    st.caption(
        f"{limits.partitions} partition{'s' * (limits.partitions != 1)} · messages up to "
        f"{limits.max_message_bytes:,} bytes ({limits.limit_name})"
    )
    auto = st.radio(
        "Partition",
        ["Automatic (by key)", "Explicit"],
        horizontal=True,
        key="produce_part_mode",
        captions=[PARTITIONER_NOTES.get(limits.partitioner, f"keys placed by {limits.partitioner}"), ""],
    )
    partition = None
    if auto == "Explicit":
        partition = int(
            st.number_input(
                f"Partition number (0 to {limits.partitions - 1})",
                min_value=0,
                max_value=limits.partitions - 1,
                value=0,
                key="produce_partition",
            )
        )
    return limits, partition


def _one_event(limits, partition, encoder, example) -> None:
    # Compact, so "Send one" is in view at 1,400 x 900 once a topic is picked: key and
    # timestamp share a row, and the headers table (rarely needed) folds away.
    prefill("one_value", example or EXAMPLE_VALUE)  # the schema's example, when the topic has one
    with st.form("one_form"):
        key_col, ts_col = st.columns(2)
        key = key_col.text_input(
            "Key", key="one_key", help="Empty for no key: Kafka then spreads events over partitions."
        )
        ts_text = ts_col.text_input("Timestamp", key="one_ts", placeholder="now, or 2024-05-01T12:00:00Z, or epoch ms")
        fmt = "JSON" if encoder else st.radio("Value format", ["JSON", "Text"], horizontal=True, key="one_format")
        value = st.text_area("Value", height=140, key="one_value")
        with st.expander("Headers (x-kdash-source: dashboard is always added)"):
            rows = st.data_editor(NO_HEADERS, key="one_headers", num_rows="dynamic", hide_index=True, width="stretch")
        left, right = st.columns(2)
        checked = left.form_submit_button("Check size and format")
        sent = right.form_submit_button("Send one", type="primary")
    if not (checked or sent):
        _last_delivery()
        return
    # Right under the buttons, and scrolled into view: the result first, then the checks.
    with st.container(key=RESULT_KEY), show_errors():
        headers = header_rows(rows)
        encode = None if encoder is None else encoder.encode_text
        event = build_event(limits, value, fmt.lower(), key, headers, partition, encode)
        timestamp_ms = parse_timestamp(ts_text)
        if sent:
            result = send_one(resources.producer_handle(settings), limits, event, timestamp_ms, actor=auth.actor())
            st.session_state["produce_last"] = result
            _last_delivery()
            if result.ok:
                st.toast(f"Delivered to {result.topic} [{result.partition}] @ {result.offset}", icon=":material/check:")
        size = encoded_size(event.value, event.key, with_source(event.headers))
        st.caption(f"Encoded size: {size:,} of {limits.max_message_bytes:,} bytes ({limits.limit_name})")
        if fmt == "JSON":
            st.code(pretty_json(value), language="json")
    scroll_into_view(RESULT_KEY)


def _last_delivery() -> None:
    result = st.session_state.get("produce_last")
    if result is None:
        return
    if not result.ok:
        st.error(plain(f"Not delivered: {result.error}"), icon=":material/error:")
        if result.note:
            st.caption(f"Note: {result.note}")
        return
    stamp = pd.to_datetime(result.timestamp_ms, unit="ms", utc=True) if result.timestamp_ms is not None else None
    st.success(
        f"Delivered to {result.topic} partition {result.partition} at offset {result.offset}",
        icon=":material/check_circle:",
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "partition": result.partition,
                    "offset": result.offset,
                    "timestamp": stamp,
                    "latency ms": round(result.latency_ms, 1),
                }
            ]
        ),
        hide_index=True,
    )
    if result.note:
        st.caption(f"Note: {result.note}")


def _upload(limits, partition, busy: bool) -> None:
    upload = st.file_uploader(
        "Events file",
        type=["jsonl", "ndjson", "json", "csv"],
        help='JSONL: one {"value": ..., "key": ..., "headers": {...}, "partition": N} per line. CSV: the same columns.',
    )
    if upload is None:
        return
    with show_errors("Reading the file"):
        cached = st.session_state.get("produce_upload")
        if cached is None or cached[0] != (upload.file_id, limits):
            events, unreadable = parse_event_file(upload.name, upload.getvalue())
            refused = check_specs(events, limits)  # readable, but the topic would refuse them
            bad = sorted(unreadable + refused, key=lambda row: row[0] or 0)
            cached = st.session_state["produce_upload"] = ((upload.file_id, limits), events, bad, len(refused))
        _, events, bad, refused = cached
        good, wrong = st.columns(2)
        good.metric("Good events", f"{len(events) - refused:,}")
        wrong.metric("Bad lines", f"{len(bad):,}")
        if bad:
            st.error(
                f"{len(bad):,} bad line{'s' * (len(bad) != 1)}: fix the file and upload it again. "
                "Nothing has been sent.",
                icon=":material/rule:",
            )
            st.dataframe(pd.DataFrame(bad, columns=["line", "problem"]), hide_index=True)
            return
        with st.form("upload_form"):
            rate = st.number_input("Rate (events/s)", value=None, placeholder="as fast as possible", key="up_rate")
            problem = st.empty()
            sent = st.form_submit_button(f"Send {len(events):,} events", type="primary", disabled=busy)
        if sent:
            with problem.container(), show_errors():
                start_burst_here(
                    settings, limits, plan_spec_burst(limits, events, partition=partition, rate_per_s=rate), "upload"
                )
    burst_panel("upload")


target = _target()
running = st.session_state.get(BURST_KEY)
busy = running is not None and not running.done
if target is not None:
    limits, partition = target
    encoder = value_schema_picker(settings, limits.topic, "produce_schema")  # None: values go as typed
    example = schema_example(encoder)
    one, many, upload = st.tabs(["Single event", "Template burst", "Upload file"])
    with one:
        _one_event(limits, partition, encoder, example)
    with many:
        template_burst(settings, limits, partition, busy, encoder, example)
    with upload:
        _upload(limits, partition, busy)
elif running is not None:  # no topic picked any more: the burst still shows
    st.session_state[FROM_KEY] = "page"
    burst_panel("page")
