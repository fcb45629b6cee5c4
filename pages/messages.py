"""Messages: find any event by topic, partition, offset or time, filter with CEL, and see it in full.

Deep link: /messages?topic=T[&partition=P][&offset=N | &ts=MS | &from=oldest][&filter=EXPR];
the address follows the view. Reading never joins or commits a consumer group.
"""

from datetime import UTC, datetime

import streamlit as st

from dashboard.shell import page_settings

settings = page_settings()

from dashboard import messages_ui as ui  # noqa: E402
from dashboard import resources  # noqa: E402
from dashboard.frames.messages import MESSAGE_COLUMNS, messages_frame, progress_text  # noqa: E402
from dashboard.message_link import MessagesQuery  # noqa: E402
from dashboard.scan_job import ScanBounds  # noqa: E402
from dashboard.widgets import plain, show_errors  # noqa: E402
from kafka_io.errors import InvalidInput, KafkaIOError  # noqa: E402
from kafka_io.messages.model import PAGE_SIZE, Seek  # noqa: E402
from kafka_io.messages.scan import DEFAULT_MAX_SCAN  # noqa: E402

START_LABELS = {"newest": "Newest", "oldest": "Oldest", "offset": "An offset", "timestamp": "A time (UTC)"}
ALL = "All partitions"
MATCHES_KEY = "msg_max_matches"
MAX_KEPT_MATCHES = 1_000  # each match holds up to 1 MB in the session
FIELD_PX = 220
FILTER_HELP = (
    "CEL, as kafbat-ui's smart filters: key, value (parsed JSON or the decoded record), headers (a map), "
    "partition, offset, timestamp (ms), type; also record.* names. "
    "Example: value.amount > 100 && headers['source'] == 'web'"
)


def _partitions(topic: str | None) -> list[str]:
    if topic is None:
        return [ALL]
    try:
        return [ALL, *(str(p) for p in range(resources.produce_limits(settings, topic).partitions))]
    except KafkaIOError:  # a missing topic: the read below says so, once
        return [ALL]


def _start_input(current: MessagesQuery) -> Seek:
    """The start chooser; only the input the chosen start needs is shown."""
    row = st.container(horizontal=True, vertical_alignment="bottom")
    kinds = list(START_LABELS)
    kind = row.selectbox(
        "Start at", kinds, index=kinds.index(current.seek.kind), format_func=START_LABELS.get, width=FIELD_PX
    )
    if kind == "offset":
        value = current.seek.value if current.seek.kind == "offset" else 0
        return Seek("offset", int(row.number_input("Offset", min_value=0, value=value, step=1, width=FIELD_PX)))
    if kind == "timestamp":
        if current.seek.kind == "timestamp":
            default = datetime.fromtimestamp(current.seek.value / 1000, UTC).replace(tzinfo=None)
        else:
            default = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        when = row.datetime_input("From (UTC)", value=default, step=60, width=FIELD_PX)
        return Seek("timestamp", int(when.replace(tzinfo=UTC).timestamp() * 1000)) if when else Seek()
    return Seek(kind)


def source_form(names: list[str], current: MessagesQuery) -> MessagesQuery | None:
    options = names + ([current.topic] if current.topic and current.topic not in names else [])
    index = options.index(current.topic) if current.topic in options else None
    row = st.container(horizontal=True, vertical_alignment="bottom")
    topic = row.selectbox("Topic", options, index=index, placeholder="Choose a topic", width=320)
    parts = _partitions(topic)
    chosen = str(current.partition) if current.partition is not None and topic == current.topic else ALL
    partition = row.selectbox("Partition", parts, index=parts.index(chosen) if chosen in parts else 0, width=160)
    seek = _start_input(current)
    with st.form("msg_filter_form", border=False, enter_to_submit=True):
        row = st.container(horizontal=True, vertical_alignment="bottom")
        expression = row.text_input(
            "Filter (CEL, optional)",
            value=current.filter_expr,
            placeholder="e.g. value.status == 'failed'",
            help=FILTER_HELP,
        )
        row.number_input(
            "Keep matches",
            min_value=1,
            max_value=MAX_KEPT_MATCHES,
            value=PAGE_SIZE,
            step=50,
            key=MATCHES_KEY,
            help=f"A filter's scan stops once this many events matched (at most {MAX_KEPT_MATCHES:,}); "
            "export and redrive take them all",
            width=150,
        )
        submitted = row.form_submit_button("Read", type="primary", icon=":material/search:")
    if not submitted or topic is None:
        return None
    broken = ui.check_filter(expression)
    if broken:  # one line naming the position; nothing is read
        st.error(plain(broken), icon=":material/error:")
        return None
    return MessagesQuery(topic, None if partition == ALL else int(partition), seek, expression.strip())


def pager(query: MessagesQuery) -> None:
    page = ui.current_page()
    if page is None:
        return
    row = st.container(horizontal=True, vertical_alignment="center")
    row.button(
        "Older",
        icon=":material/arrow_back:",
        on_click=ui.turn,
        args=(settings, True),
        disabled=not page.has_prev,
        key="msg_older",
    )
    row.button(
        "Newer",
        icon=":material/arrow_forward:",
        on_click=ui.turn,
        args=(settings, False),
        disabled=not page.has_next,
        key="msg_newer",
    )
    marks = ", ".join(f"p{p}: {low:,}–{high:,}" for p, (low, high) in sorted(page.watermarks.items()))
    row.caption(plain(f"{len(page.messages):,} events on this page · offsets kept (oldest–end): {marks}"))
    for error in page.errors:
        st.error(plain(f"Partition {error.partition}: {error.error}"), icon=":material/error:")


def scan_summary(query: MessagesQuery) -> None:
    job = ui.current_job()
    if job is None:
        return
    if job.running:
        ui.scan_progress()
        return
    if job.error:
        st.error(plain(job.error), icon=":material/error:")
        return
    st.text(progress_text(job.progress))
    for error in job.result.errors:
        st.error(plain(f"Partition {error.partition}: {error.error}"), icon=":material/error:")


def table(messages) -> list:
    """The events, newest first or in offset order as read; returns the selected ones."""
    gen = st.session_state.setdefault("msg_table_gen", 0)
    event = st.dataframe(
        messages_frame(messages),
        key=f"msg_table_{gen}",
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(messages), 420),
        column_order=MESSAGE_COLUMNS,
        column_config={"headers": st.column_config.NumberColumn("headers", help="header count")},
    )
    return [messages[i] for i in event.selection.rows if i < len(messages)]


st.title("Messages")
st.caption(
    "Find any event by offset or time, filter with CEL, see it in full. Reading never joins or commits a "
    "consumer group; nothing is read until you ask."
)

names = None
with show_errors("Listing topics"):
    names = resources.topic_names(settings)
if names is None:
    st.stop()

current = ui.apply_link()
chosen = source_form(names, current)
if chosen is not None:
    ui.show(chosen)
    st.session_state["msg_table_gen"] = st.session_state.get("msg_table_gen", 0) + 1
    current = chosen

if current.topic is None:
    if names:
        st.info(
            "Choose a topic and press Read. Share a view with a link such as "
            "`/messages?topic=orders&partition=0&offset=417`.",
            icon=":material/touch_app:",
        )
    else:
        st.info("No topics yet: create one on the Topics page, or send events from Produce.", icon=":material/inbox:")
    st.stop()

bounds = ScanBounds(
    limit=int(st.session_state.get(MATCHES_KEY, PAGE_SIZE)), max_scan=DEFAULT_MAX_SCAN, max_seconds=ui.SCAN_MAX_SECONDS
)
try:
    ui.read(settings, current, bounds)
except InvalidInput as exc:
    st.error(plain(exc), icon=":material/error:")
    st.stop()
if current.filter_expr:
    scan_summary(current)
else:
    pager(current)

messages = ui.shown()
if messages is None:
    st.stop()
if not messages:
    if current.filter_expr:
        st.info("Nothing matched the filter in the range scanned.", icon=":material/filter_alt_off:")
    else:
        st.info(f"No events in {plain(current.topic)} from this start.", icon=":material/inbox:")
    st.stop()

selected = table(messages)
st.caption(
    "Select a row to see its payload; select several to export or redrive just those."
    if not selected
    else f"{len(selected):,} selected."
)
what = "the selected events" if selected else ("the matched events" if current.filter_expr else "this page")
ui.export_section(settings, current.topic, tuple(selected or messages), what)
ui.redrive_section(settings, tuple(selected or messages), what)
focus = selected[0] if selected else ui.linked_event(current, messages)
if focus is not None:
    ui.detail(focus)
