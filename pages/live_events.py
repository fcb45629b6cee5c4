"""Live events: events/s by type and a live tail, read by an assign-only consumer that never commits.

Deep link: /live_events?topic=T&topic=T2&from=recent:S|earliest|latest|last:N|timestamp:MS[&type=SPEC]
"""

import time
from functools import partial

import streamlit as st

from dashboard.shell import page_settings

settings = page_settings()

from dashboard import handles as resources  # noqa: E402
from dashboard.frames.live import (  # noqa: E402
    SCALES,
    STATUS_COLORS,
    ceiling_caption,
    chart_ceiling,
    marker_caption,
    rate_chart,
    tail_frame,
    type_frame,
)
from dashboard.live_link import LINK_WARNINGS_KEY, SOURCE_KEY, Source, from_link, write_link  # noqa: E402
from dashboard.widgets import plain, refreshed_caption, show_errors  # noqa: E402
from kafka_io.errors import InvalidInput  # noqa: E402
from kafka_io.live.chart_rules import first_seen  # noqa: E402
from kafka_io.live.model import (  # noqa: E402
    DEFAULT_RECENT_S,
    MAX_LAST_N,
    MAX_RECENT_S,
    TAIL_MAX,
    StartPosition,
    TailRecord,
    TailSnapshot,
    filter_records,
)
from kafka_io.live.output import payload_view  # noqa: E402
from kafka_io.live.rates import DEFAULT_TYPE_FIELD, TypeSpec  # noqa: E402
from kafka_io.live.reader import RUNNING  # noqa: E402

REFRESH_S = 1
# Most of an idle live page's CPU is its redraw: after IDLE_AFTER_S with no new
# event the view redraws every IDLE_REFRESH_S, and the first new event brings
# the 1 s cadence back (docs/performance.md, idle live page).
IDLE_REFRESH_S = 3
IDLE_AFTER_S = 10
ACTIVITY_KEY = "live_activity"  # (events seen, monotonic time they last changed, status)
WINDOWS_S = {"1 min": 60, "5 min": 300, "15 min": 900}
DEFAULT_LAST_N = 100
FIELD_PX = 250  # wide enough for the longest start label, "Earliest (replay all)", and its arrow
START_LABELS = {
    "recent": "Recent (seconds back)",
    "latest": "Latest (new events)",
    "earliest": "Earliest (replay all)",
    "last": "Last N per partition",
    "timestamp": "From a time",
}
TYPE_LABELS = {
    "auto": "Auto-detect",
    "field": "JSON field",
    "header": "Header",
    "key": "Message key",
}
AUTO_HELP = "Auto-detect reads event_type, then type, eventType, event.type, CloudEvents' ce_type header or type field."
SHOWN_KEY, PINNED_KEY, SELECTED_KEY, GEN_KEY = "live_shown", "live_pinned", "live_selected", "live_tail_gen"
TYPE_ORDER_KEY = "live_type_order"  # types in first-seen order: their colours, for the life of the view


def _source_form(names: list[str], current: Source) -> Source | None:
    # No st.form: a form cannot show the input a start mode needs when the mode
    # changes, so each mode's input appears only once it is chosen.
    options = names + [t for t in current.topics if t not in names]
    topics = st.multiselect("Topics", options, default=list(current.topics), placeholder="Choose topics")
    # One row sized to its contents: equal columns cut "Latest (new events)" short, and an
    # input the start mode does not need would still have held its space.
    row = st.container(horizontal=True, vertical_alignment="bottom")
    kinds = list(START_LABELS)
    kind = row.selectbox(
        "Start at", kinds, index=kinds.index(current.start.kind), format_func=START_LABELS.get, width=FIELD_PX
    )
    value = None
    if kind == "recent":
        value = row.number_input(
            "Seconds back",
            1,
            MAX_RECENT_S,
            current.start.value if current.start.kind == "recent" else DEFAULT_RECENT_S,
            help="Start this long before Watch, so what was just sent is there; then follow new events",
            width=FIELD_PX,
        )
    elif kind == "last":
        value = row.number_input(
            "N per partition",
            1,
            MAX_LAST_N,
            current.start.value if current.start.kind == "last" else DEFAULT_LAST_N,
            width=FIELD_PX,
        )
    elif kind == "timestamp":
        value = row.datetime_input("From (your time zone)", value="now", step=60, width=FIELD_PX)
    type_kinds = list(TYPE_LABELS)
    spec_kind = "auto" if current.spec.source == "field" and current.spec.path is None else current.spec.source
    type_kind = row.selectbox(
        "Event type from",
        type_kinds,
        index=type_kinds.index(spec_kind),
        format_func=TYPE_LABELS.get,
        help=AUTO_HELP,
        width=FIELD_PX,
    )
    type_name = ""
    if type_kind in ("field", "header"):
        type_name = row.text_input(
            "Field path" if type_kind == "field" else "Header name",
            value=current.spec.path or DEFAULT_TYPE_FIELD,
            width=FIELD_PX,
        )
    if not row.button("Watch", type="primary", icon=":material/play_arrow:"):
        return None
    try:
        if kind in ("last", "recent"):
            value = int(value)
        elif kind == "timestamp":
            value = int(value.timestamp() * 1000) if value else None
        spec = TypeSpec("field") if type_kind == "auto" else TypeSpec(type_kind, type_name.strip() or None)
        return Source(tuple(topics), StartPosition(kind, value), spec)
    except InvalidInput as exc:
        st.error(plain(exc), icon=":material/error:")
        return None


def _new_view() -> None:
    st.session_state[TYPE_ORDER_KEY] = ()
    _reset_tail()


def _reset_tail() -> None:
    st.session_state[ACTIVITY_KEY] = None
    st.session_state[PINNED_KEY] = None
    st.session_state[SELECTED_KEY] = None
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1


def _on_pick(table_key: str) -> None:
    """Hold the tail still at the rows the user clicked on, and remember the picked message."""
    rows = st.session_state[table_key].selection.rows
    shown = st.session_state.get(SHOWN_KEY) or []
    if st.session_state.get(PINNED_KEY) is None:
        st.session_state[PINNED_KEY] = shown
    st.session_state[SELECTED_KEY] = shown[rows[0]] if rows and rows[0] < len(shown) else None


def _clear(view) -> None:
    view.clear()
    _reset_tail()


def _controls(view) -> tuple[int, str]:
    # Callbacks run before the rerun, so the buttons and the data already show the new state.
    window_col, scale_col, pause_col, clear_col, _ = st.columns([3, 3, 1, 1, 1], vertical_alignment="bottom")
    label = window_col.segmented_control("Window", list(WINDOWS_S), default="5 min", key="live_window", required=True)
    window_s = WINDOWS_S[label or "5 min"]
    scale = scale_col.segmented_control(
        "Y axis",
        list(SCALES),
        default="Clip spikes",
        key="live_scale",
        required=True,
        help="Clip spikes: a burst does not flatten normal traffic (its peak is labelled). Log: everything, on a log axis.",
    )
    if view.paused:
        pause_col.button("Resume", icon=":material/play_arrow:", width="stretch", on_click=view.resume)
    else:
        pause_col.button("Pause", icon=":material/pause:", width="stretch", on_click=view.pause, args=(window_s,))
    clear_col.button("Clear", icon=":material/delete_sweep:", width="stretch", on_click=_clear, args=(view,))
    return window_s, SCALES[scale or "Clip spikes"]


def _status(snap: TailSnapshot, source: Source) -> None:
    badge_col, text_col = st.columns([1, 5], vertical_alignment="center")
    label = "paused" if snap.paused else snap.status
    with badge_col:
        st.badge(label, color=STATUS_COLORS.get(label, "gray"))
    who = f"shared by {snap.viewers} viewer{'s' * (snap.viewers != 1)}" if snap.shared else "private to this tab"
    # Plain text: a header name or field path from a link must not become markup.
    text_col.text(
        f"Reading {', '.join(source.topics)} from {_start_words(source.start)} "
        f"({snap.partitions} partitions) · type: {source.spec} · reader {who}"
    )
    if snap.status in ("reconnecting…", "topic deleted", "waiting for topic", "failed"):
        st.warning(plain(snap.detail), icon=":material/warning:")
    if snap.errors:
        with st.expander(f"Recent read errors ({len(snap.errors)})"):
            st.code("\n".join(snap.errors), language=None)


def _start_words(start: StartPosition) -> str:
    if start.kind == "recent":
        return f"{start.value:,} s before Watch"
    return START_LABELS[start.kind].lower()


def _metrics(snap: TailSnapshot) -> None:
    cols = st.columns(4)
    cols[0].metric("Total rate", f"{snap.total_rate_per_s:,.1f} events/s")
    cols[1].metric("Events seen", f"{snap.messages:,}")
    cols[2].metric("Types", f"{len(snap.totals):,}")
    cols[3].metric(
        "Injected from dashboard",
        f"{sum(m[2] for m in snap.markers):,}",
        help="Events sent from this dashboard's Produce page or CLI, in the chart's window (demo traffic is not counted)",
    )


def _rates(snap: TailSnapshot, source: Source, scale: str) -> None:
    if not snap.messages:
        hint = " Only new events appear: send some from Produce, or start at Earliest." if source.start.shared else ""
        st.info(f"Waiting for events on {plain(', '.join(source.topics))}.{hint}", icon=":material/hourglass_empty:")
        return
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        order = st.session_state[TYPE_ORDER_KEY] = first_seen(st.session_state.get(TYPE_ORDER_KEY, ()), snap.series)
        st.altair_chart(rate_chart(snap, scale, order), width="stretch")
        ceiling = chart_ceiling(snap) if scale == "clip" else None
        if ceiling is not None:
            st.caption(ceiling_caption(ceiling))
        st.caption(
            "Stacked events/s in 1 s buckets by record time. Shaded bands: events sent from this "
            "dashboard's Produce page or CLI (one band per burst)."
        )
        st.caption(marker_caption(snap))
    table_col.dataframe(
        type_frame(snap),
        hide_index=True,
        width="stretch",
        column_config={
            "share %": st.column_config.ProgressColumn("share", format="%.1f%%", min_value=0, max_value=100)
        },
    )


def _tail(snap: TailSnapshot) -> None:
    st.subheader("Live tail", anchor=False)
    type_col, text_col = st.columns([2, 3])
    chosen = st.session_state.get("live_filter_types") or []
    types = type_col.multiselect("Filter by type", sorted(set(snap.totals) | set(chosen)), key="live_filter_types")
    text = text_col.text_input("Filter by text", key="live_filter_text", placeholder="key, value, header or topic")
    pinned = st.session_state.get(PINNED_KEY)
    records = pinned if pinned is not None else filter_records(snap.tail, types, text)
    st.session_state[SHOWN_KEY] = records
    if not records:
        st.caption("No message matches the filters." if snap.tail else "No messages yet: the newest appear here first.")
    else:
        table_key = f"live_tail_{st.session_state.get(GEN_KEY, 0)}"
        st.dataframe(
            tail_frame(records),
            key=table_key,
            on_select=partial(_on_pick, table_key),
            selection_mode="single-row",
            hide_index=True,
            width="stretch",
            height=320,
        )
        matching = (
            f"{len(records):,} of {len(snap.tail):,} messages match the filters. "
            if pinned is None and (types or text)
            else ""
        )
        st.caption(
            f"{matching}Newest first by record time, across partitions; the last {TAIL_MAX} messages read at most. "
            "Select a row to see its full payload."
        )
    if pinned is not None:
        st.button(
            "Follow the live tail",
            icon=":material/sync:",
            on_click=_reset_tail,
            help="The tail holds still while you inspect a message",
        )
    selected = st.session_state.get(SELECTED_KEY)
    if selected is not None:
        _detail(selected)


def _detail(record: TailRecord) -> None:
    with st.container(border=True):
        st.subheader("Message", anchor=False)
        st.json(
            {
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "timestamp_ms": record.ts_ms,
                "key": record.key,
                "type": record.type,
                "headers": [list(h) for h in record.headers],
                "value_bytes": record.value_size,
            },
            expanded=False,
        )
        kind, body = payload_view(record)
        if kind == "json":
            st.json(body)
        elif kind in ("text", "hex"):
            st.code(body, language=None, wrap_lines=True)
        else:
            st.info(body)
        if record.raw is not None and not record.raw_complete:
            st.caption(f"Showing the first {len(record.raw):,} of {record.value_size:,} bytes.")


def _idle(snap: TailSnapshot | None = None) -> bool:
    """No new event for IDLE_AFTER_S while reading steadily (records `snap` first when given)."""
    now = time.monotonic()
    seen = st.session_state.get(ACTIVITY_KEY)
    if snap is not None and (seen is None or seen[0] != snap.messages or seen[2] != snap.status):
        st.session_state[ACTIVITY_KEY] = seen = (snap.messages, now, snap.status)
    return seen is not None and seen[2] == RUNNING and now - seen[1] >= IDLE_AFTER_S


def _live_body(view, source: Source, idle_cadence: bool) -> None:
    started = time.perf_counter()
    with show_errors("Live view"):  # a fragment rerun is outside the shell's error guard
        window_s, scale = _controls(view)
        snap = view.snapshot(window_s)
        _status(snap, source)
        _metrics(snap)
        _rates(snap, source, scale)
        _tail(snap)
    refreshed_caption(time.time(), (time.perf_counter() - started) * 1000)
    if _idle(snap) != idle_cadence:
        st.rerun()  # the other cadence: a full run picks the other fragment


@st.fragment(run_every=REFRESH_S)
def live_section(view, source: Source) -> None:
    _live_body(view, source, idle_cadence=False)


@st.fragment(run_every=IDLE_REFRESH_S)
def idle_live_section(view, source: Source) -> None:
    _live_body(view, source, idle_cadence=True)


st.title("Live events")
st.caption("Events per second by type, and the newest messages. Reading never joins or commits a consumer group.")

names = None
with show_errors("Listing topics"):
    names = resources.topic_names(settings)
if names is None:
    st.stop()

linked = from_link()
if linked is not None:
    st.session_state[SOURCE_KEY] = linked
    _new_view()
current = st.session_state.get(SOURCE_KEY) or Source(())
chosen = _source_form(names, current)
if chosen is not None:
    st.session_state[SOURCE_KEY] = current = chosen
    st.session_state[LINK_WARNINGS_KEY] = []
    write_link(chosen)
    _new_view()
for warning in st.session_state.get(LINK_WARNINGS_KEY, []):
    st.warning(warning, icon=":material/link_off:")

if not current.topics:
    if names:
        st.info(
            "Pick one or more topics and press Watch. Share a view with a link such as "
            "`/live_events?topic=orders&from=earliest`.",
            icon=":material/touch_app:",
        )
    else:
        st.info("No topics yet: create one on the Topics page, or send events from Produce.", icon=":material/inbox:")
    st.stop()

live = None
with show_errors("Starting the live view"):
    live = resources.live_view(settings, current.topics, current.spec, current.start)
if live is not None:
    (idle_live_section if _idle() else live_section)(live, current)
