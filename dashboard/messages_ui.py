"""The Messages page's Streamlit glue: its state and link, reads on request, the detail view,
and the Export and Redrive sections. UI only; kafka_io.messages does the work.

An open page costs nothing: it reads when a link or the form asks, or a page
button is pressed, and keeps what it read in session state across reruns.
"""

from __future__ import annotations

import time

import streamlit as st

from dashboard import auth, resources
from dashboard.frames.messages import headers_frame, message_meta, progress_text, record_of, size_text
from dashboard.message_link import MessagesQuery, from_params, page_offset, to_params
from dashboard.scan_job import ScanBounds, ScanJob
from dashboard.widgets import plain, show_errors
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, KafkaIOError
from kafka_io.live.output import payload_as, payload_view
from kafka_io.messages import browse
from kafka_io.messages.export import export_messages, export_refusal
from kafka_io.messages.model import PAGE_SIZE, Message
from kafka_io.messages.redrive import REDRIVE_ACTION, redrive
from kafka_io.messages.redrive_rules import common_original_topic

__all__ = [
    "apply_link",
    "check_filter",
    "detail",
    "linked_event",
    "export_section",
    "read",
    "redrive_section",
    "scan_progress",
    "shown",
]

QUERY_KEY, LINK_KEY, WARN_KEY = "msg_query", "msg_link", "msg_link_warnings"
PAGE_KEY, JOB_KEY, REDRIVEN_KEY = "msg_page", "msg_scan", "msg_redriven"
SCAN_POLL_S = 0.5
SCAN_MAX_SECONDS = 30.0  # a page's scan stops after this long: the form can raise it
VIEW_LABELS = {"json": "JSON tree", "text": "Text", "hex": "Hex"}


def _link_params() -> dict[str, str]:
    return {
        k: st.query_params.get(k)
        for k in ("topic", "partition", "offset", "ts", "from", "filter")
        if k in st.query_params
    }


def apply_link() -> MessagesQuery:
    """The view: the link's, once per distinct link (a form choice is not overridden), else the last one."""
    params = _link_params()
    link = tuple(sorted(params.items()))
    if params and st.session_state.get(LINK_KEY) != link:
        st.session_state[LINK_KEY] = link
        query, st.session_state[WARN_KEY] = from_params(params)
        show(query)
    for warning in st.session_state.get(WARN_KEY, ()):
        st.warning(warning, icon=":material/link_off:")
    query = st.session_state.get(QUERY_KEY) or MessagesQuery()
    if not params and query.topic is not None:  # back from another page: the address names the view again
        _write_link(query)
    return query


def show(query: MessagesQuery) -> None:
    """Make ``query`` the view: forget what was read for the last one, read it on this run."""
    st.session_state[QUERY_KEY] = query
    st.session_state[PAGE_KEY] = None
    job = st.session_state.pop(JOB_KEY, None)
    if job is not None:
        job.cancel()
    _write_link(query)


def _write_link(query: MessagesQuery) -> None:
    params = to_params(query)
    st.query_params.from_dict(params)
    st.session_state[LINK_KEY] = tuple(sorted(params.items()))


def check_filter(expression: str) -> str | None:
    """One line naming what is wrong with a CEL filter and where, or None; nothing is read."""
    if not expression.strip():
        return None
    from kafka_io.messages import cel  # the CEL library loads only when a filter is asked for

    try:
        cel.compile_filter(expression)
    except KafkaIOError as exc:
        return str(exc)
    return None


# --- reading ---------------------------------------------------------------------


def read(settings: ClusterSettings, query: MessagesQuery, bounds: ScanBounds) -> None:
    """Read the view when nothing is held for it yet: a page, or a scan when there is a filter."""
    if query.filter_expr:
        job = st.session_state.get(JOB_KEY)
        if job is None or job.query != query:
            broken = check_filter(query.filter_expr)  # a link's filter too: one line, before anything is read
            if broken:
                raise InvalidInput(broken)
            st.session_state[JOB_KEY] = ScanJob(resources.cluster(settings), query, bounds).start()
        return
    if st.session_state.get(PAGE_KEY) is None:
        with show_errors("Reading"), st.spinner("Reading…"):
            st.session_state[PAGE_KEY] = browse.read_page(
                resources.cluster(settings), query.topic, partition=query.partition, seek=query.seek, limit=PAGE_SIZE
            )


def turn(settings: ClusterSettings, older: bool) -> None:
    """Older or newer events than the page shown (a button's callback)."""
    page = st.session_state.get(PAGE_KEY)
    if page is None:
        return
    try:
        step = browse.prev_page if older else browse.next_page
        page = st.session_state[PAGE_KEY] = step(resources.cluster(settings), page)
    except KafkaIOError as exc:
        st.toast(plain(exc), icon=":material/error:")
        return
    query = page_offset(st.session_state[QUERY_KEY], [m.offset for m in page.messages])
    st.session_state[QUERY_KEY] = query
    _write_link(query)


def shown() -> tuple[Message, ...] | None:
    """The messages on screen: the page's, or a finished scan's matches; None while nothing is read."""
    job = st.session_state.get(JOB_KEY)
    query = st.session_state.get(QUERY_KEY)
    if query is not None and query.filter_expr:
        result = job.result if job is not None else None
        return None if result is None else result.messages
    page = st.session_state.get(PAGE_KEY)
    return None if page is None else page.messages


def linked_event(query: MessagesQuery, messages: tuple[Message, ...]) -> Message | None:
    """The event a link names (one partition, an offset): shown in full without a click."""
    if query.partition is None or query.seek.kind != "offset":
        return None
    return next((m for m in messages if m.partition == query.partition and m.offset == query.seek.value), None)


def current_page():
    return st.session_state.get(PAGE_KEY)


def current_job() -> ScanJob | None:
    return st.session_state.get(JOB_KEY)


@st.fragment(run_every=SCAN_POLL_S)
def scan_progress() -> None:
    """Scanned, matched, position while a scan runs, and Cancel; the whole page redraws when it ends.
    A fragment that ticks only while a scan runs: an idle page never polls."""
    job = st.session_state.get(JOB_KEY)
    if job is None:
        return
    if not job.running:
        st.rerun()
    progress = job.progress
    st.text(progress_text(progress) if progress is not None else "Starting the scan…")
    st.button("Cancel", icon=":material/cancel:", on_click=job.cancel, key="msg_scan_cancel")


# --- the selected message ------------------------------------------------------


def detail(message: Message) -> None:
    """The payload as a JSON tree, text or hex dump, its headers, and its size (never markdown)."""
    with st.container(border=True):
        st.subheader(f"Partition {message.partition} · offset {message.offset:,}", anchor=False)
        st.json(message_meta(message), expanded=False)
        record = record_of(message)
        default, _ = payload_view(record)
        views = list(VIEW_LABELS)
        view = st.segmented_control(
            "Show the value as",
            views,
            default=default if default in views else "text",
            format_func=VIEW_LABELS.get,
            key=f"msg_view_{message.partition}_{message.offset}",
        )
        kind, body = payload_as(record, view or (default if default in views else "text"))
        if kind == "json":
            st.json(body)
        elif kind in ("text", "hex"):
            st.code(body, language=None, wrap_lines=True)
        else:
            st.info(plain(body), icon=":material/info:")
        if message.truncated:
            st.caption(
                f"Value truncated: showing the first {len(message.value or b''):,} of "
                f"{message.value_size:,} bytes ({size_text(message.value_size)})."
            )
        if message.headers:
            st.caption(f"Headers ({len(message.headers)})")
            st.dataframe(headers_frame(message), hide_index=True)
        else:
            st.caption("No headers.")


# --- export and redrive ----------------------------------------------------------


def export_section(settings: ClusterSettings, topic: str, messages: tuple[Message, ...], what: str) -> None:
    """JSONL and CSV downloads of ``messages``; one sentence instead when export is off for this user."""
    refused = export_refusal(settings, auth.actor())
    if refused is not None:
        st.caption(plain(f"Export is off: {refused}."))
        return
    actor = auth.actor()  # read now: the download runs on another thread, without the session

    def make(fmt: str):
        def data() -> str:
            try:
                return export_messages(settings, messages, fmt, actor=actor, topic=topic)
            except KafkaIOError as exc:  # refused after the page was drawn: the file says why
                return f"export refused: {exc}\n"

        return data

    row = st.container(horizontal=True, vertical_alignment="center")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    for fmt, mime in (("jsonl", "application/x-ndjson"), ("csv", "text/csv")):
        row.download_button(
            f"{fmt.upper()}",
            data=make(fmt),
            file_name=f"{topic}-{stamp}.{fmt}",
            mime=mime,
            on_click="ignore",
            icon=":material/download:",
            key=f"msg_export_{fmt}",
        )
    row.caption(f"Export {what} ({len(messages):,} events). Each download is one audit line.")


def redrive_section(settings: ClusterSettings, messages: tuple[Message, ...], what: str) -> None:
    """Copy ``messages`` to a topic (pre-filled from a dead-letter header), then the result like a burst's."""
    with st.expander(f"Redrive {what}", icon=":material/replay:"):
        refused = auth.why_not(settings, REDRIVE_ACTION)
        if refused:
            st.caption(plain(f"{refused[:1].upper()}{refused[1:]}."))
            return
        original = common_original_topic(messages)
        with st.form("msg_redrive_form"):
            target = st.text_input(
                "Target topic",
                value=original or "",
                help="Pre-filled from kafka_dlt-original-topic or __connect.errors.topic when every event names it",
            )
            go = st.form_submit_button(
                f"Redrive {len(messages):,} events", type="primary", icon=":material/replay:", disabled=not messages
            )
        if original:
            st.caption(plain(f"The events' original topic, from their dead-letter header: {original}"))
        if go:
            with show_errors("Redrive"):
                st.session_state[REDRIVEN_KEY] = redrive(
                    resources.cluster(settings), list(messages), target.strip(), actor=auth.actor()
                )
        summary = st.session_state.get(REDRIVEN_KEY)
        if summary is not None:
            _redriven(summary)


def _redriven(s) -> None:
    ok = s.failed == 0
    st.markdown(f"**Redrive to {plain(s.to_topic)}: {'all delivered' if ok else f'{s.failed:,} failed'}**")
    cells = st.columns(3)
    for cell, (label, value) in zip(
        cells, [("Requested", s.requested), ("Delivered", s.delivered), ("Failed", s.failed)], strict=True
    ):
        cell.metric(label, f"{value:,}")
    if s.errors:
        st.code("\n".join(s.errors[:20]), language=None)
