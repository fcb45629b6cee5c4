"""Live events: events/s by type and a live tail, read by an assign-only consumer that never commits.

Deep link: /live_events?topic=T&topic=T2&from=recent:S|earliest|latest|last:N|timestamp:MS[&type=SPEC]
"""

import time
from functools import partial

import streamlit as st

from dashboard.shell import page_settings

settings = page_settings()

from dashboard import live_session as session  # noqa: E402
from dashboard import resources  # noqa: E402
from dashboard.frames import live as frames  # noqa: E402
from dashboard.live_link import (  # noqa: E402
    LINK_WARNINGS_KEY,
    START_LABELS,
    Source,
    form_source,
    from_link,
    reading_text,
)
from dashboard.widgets import plain, refreshed_caption, show_errors  # noqa: E402
from kafka_io.errors import InvalidInput  # noqa: E402
from kafka_io.live.model import (  # noqa: E402
    DEFAULT_RECENT_S,
    MAX_LAST_N,
    MAX_RECENT_S,
    TAIL_MAX,
    TailRecord,
    TailSnapshot,
)
from kafka_io.live.output import payload_view, record_fields  # noqa: E402
from kafka_io.live.rates import DEFAULT_TYPE_FIELD  # noqa: E402

REFRESH_S = 1
IDLE_REFRESH_S = 3  # the redraw's cadence once the view is idle (dashboard.live_session.idle)
WINDOWS_S = {"1 min": 60, "5 min": 300, "15 min": 900}
DEFAULT_LAST_N = 100
FIELD_PX = 250  # wide enough for the longest start label, "Earliest (replay all)", and its arrow
TYPE_LABELS = {
    "auto": "Auto-detect",
    "field": "JSON field",
    "header": "Header",
    "key": "Message key",
}
AUTO_HELP = "Auto-detect reads event_type, then type, eventType, event.type, CloudEvents' ce_type header or type field."


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
        return form_source(topics, kind, value, type_kind, type_name)
    except InvalidInput as exc:
        st.error(plain(exc), icon=":material/error:")
        return None


def _controls(view) -> tuple[int, str]:
    # Callbacks run before the rerun, so the buttons and the data already show the new state.
    window_col, scale_col, pause_col, clear_col, _ = st.columns([3, 3, 1, 1, 1], vertical_alignment="bottom")
    label = window_col.segmented_control("Window", list(WINDOWS_S), default="5 min", key="live_window", required=True)
    window_s = WINDOWS_S[label or "5 min"]
    scale = scale_col.segmented_control(
        "Y axis",
        list(frames.SCALES),
        default="Clip spikes",
        key="live_scale",
        required=True,
        help="Clip spikes: a burst does not flatten normal traffic (its peak is labelled). Log: everything, on a log axis.",
    )
    if view.paused:
        pause_col.button("Resume", icon=":material/play_arrow:", width="stretch", on_click=view.resume)
    else:
        pause_col.button("Pause", icon=":material/pause:", width="stretch", on_click=view.pause, args=(window_s,))
    clear_col.button(
        "Clear", icon=":material/delete_sweep:", width="stretch", on_click=session.clear_view, args=(view,)
    )
    return window_s, frames.SCALES[scale or "Clip spikes"]


def _status(snap: TailSnapshot, source: Source) -> None:
    badge_col, text_col = st.columns([1, 5], vertical_alignment="center")
    label = "paused" if snap.paused else snap.status
    with badge_col:
        st.badge(label, color=frames.STATUS_COLORS.get(label, "gray"))
    text_col.text(reading_text(source, snap.partitions, snap.shared, snap.viewers))
    if snap.status in ("reconnecting…", "topic deleted", "waiting for topic", "failed"):
        st.warning(plain(snap.detail), icon=":material/warning:")
    if snap.errors:
        with st.expander(f"Recent read errors ({len(snap.errors)})"):
            st.code("\n".join(snap.errors), language=None)


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
        st.altair_chart(frames.rate_chart(snap, scale, session.type_order(snap)), width="stretch")
        ceiling = frames.chart_ceiling(snap) if scale == "clip" else None
        if ceiling is not None:
            st.caption(frames.ceiling_caption(ceiling))
        st.caption(
            "Stacked events/s in 1 s buckets by record time. Shaded bands: events sent from this "
            "dashboard's Produce page or CLI (one band per burst)."
        )
        st.caption(frames.marker_caption(snap))
    table_col.dataframe(
        frames.type_frame(snap),
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
    records, pinned = session.shown_records(snap, types, text)
    if not records:
        st.caption("No message matches the filters." if snap.tail else "No messages yet: the newest appear here first.")
    else:
        table_key = session.table_key()
        st.dataframe(
            frames.tail_frame(records),
            key=table_key,
            on_select=partial(session.on_pick, table_key),
            selection_mode="single-row",
            hide_index=True,
            width="stretch",
            height=320,
        )
        filtered = not pinned and (types or text)
        matching = f"{len(records):,} of {len(snap.tail):,} messages match the filters. " if filtered else ""
        st.caption(
            f"{matching}Newest first by record time, across partitions; the last {TAIL_MAX} messages read at most. "
            "Select a row to see its full payload."
        )
    if pinned:
        st.button(
            "Follow the live tail",
            icon=":material/sync:",
            on_click=session.reset_tail,
            help="The tail holds still while you inspect a message",
        )
    if (record := session.selected()) is not None:
        _detail(record)


def _detail(record: TailRecord) -> None:
    with st.container(border=True):
        st.subheader("Message", anchor=False)
        st.json(record_fields(record), expanded=False)
        kind, body = payload_view(record)
        if kind == "json":
            st.json(body)
        elif kind in ("text", "hex"):
            st.code(body, language=None, wrap_lines=True)
        else:
            st.info(body)
        if record.raw is not None and not record.raw_complete:
            st.caption(f"Showing the first {len(record.raw):,} of {record.value_size:,} bytes.")


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
    if session.idle(snap) != idle_cadence:
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

current = session.current_source(from_link())
chosen = _source_form(names, current)
if chosen is not None:
    session.choose(chosen)
    current = chosen
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
    (idle_live_section if session.idle() else live_section)(live, current)
