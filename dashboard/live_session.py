"""The Live events page's session state: which view is current, the tail held
still at a picked row, and the idle cadence. Streamlit glue, no drawing."""

import time

import streamlit as st

from dashboard.live_link import LINK_WARNINGS_KEY, SOURCE_KEY, Source, write_link
from kafka_io.live.chart_rules import first_seen
from kafka_io.live.model import TailRecord, TailSnapshot, filter_records
from kafka_io.live.reader import RUNNING

__all__ = [
    "GEN_KEY",
    "PINNED_KEY",
    "SELECTED_KEY",
    "SHOWN_KEY",
    "choose",
    "clear_view",
    "current_source",
    "idle",
    "new_view",
    "on_pick",
    "reset_tail",
    "selected",
    "shown_records",
    "table_key",
    "type_order",
]

# Most of an idle live page's CPU is its redraw: after IDLE_AFTER_S with no new
# event the view redraws every IDLE_REFRESH_S (the page's), and the first new event
# brings the 1 s cadence back (docs/performance.md, idle live page).
IDLE_AFTER_S = 10
ACTIVITY_KEY = "live_activity"  # (events seen, monotonic time they last changed, status)
SHOWN_KEY, PINNED_KEY, SELECTED_KEY, GEN_KEY = "live_shown", "live_pinned", "live_selected", "live_tail_gen"
TYPE_ORDER_KEY = "live_type_order"  # types in first-seen order: their colours, for the life of the view


def current_source(linked: Source | None) -> Source:
    """The view's source: a new deep link's replaces the session's, and starts a new view."""
    if linked is not None:
        st.session_state[SOURCE_KEY] = linked
        new_view()
    return st.session_state.get(SOURCE_KEY) or Source(())


def choose(source: Source) -> None:
    """The form's new source: remembered, written to the link, and a new view."""
    st.session_state[SOURCE_KEY] = source
    st.session_state[LINK_WARNINGS_KEY] = []
    write_link(source)
    new_view()


def new_view() -> None:
    st.session_state[TYPE_ORDER_KEY] = ()
    reset_tail()


def reset_tail() -> None:
    st.session_state[ACTIVITY_KEY] = None
    st.session_state[PINNED_KEY] = None
    st.session_state[SELECTED_KEY] = None
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1


def on_pick(table_key: str) -> None:
    """Hold the tail still at the rows the user clicked on, and remember the picked message."""
    rows = st.session_state[table_key].selection.rows
    shown = st.session_state.get(SHOWN_KEY) or []
    if st.session_state.get(PINNED_KEY) is None:
        st.session_state[PINNED_KEY] = shown
    st.session_state[SELECTED_KEY] = shown[rows[0]] if rows and rows[0] < len(shown) else None


def shown_records(snap: TailSnapshot, types: list[str], text: str) -> tuple[list[TailRecord], bool]:
    """The tail's rows, and whether they are pinned: held still since a row was picked,
    else the snapshot's newest, filtered."""
    pinned = st.session_state.get(PINNED_KEY)
    records = pinned if pinned is not None else filter_records(snap.tail, types, text)
    st.session_state[SHOWN_KEY] = records
    return records, pinned is not None


def table_key() -> str:
    """A new key per view, so a new view's table starts with no row selected."""
    return f"live_tail_{st.session_state.get(GEN_KEY, 0)}"


def selected() -> TailRecord | None:
    return st.session_state.get(SELECTED_KEY)


def clear_view(view) -> None:
    view.clear()
    reset_tail()


def type_order(snap: TailSnapshot) -> tuple[str, ...]:
    """The view's types in first-seen order (their colours), with this snapshot's new ones."""
    order = st.session_state[TYPE_ORDER_KEY] = first_seen(st.session_state.get(TYPE_ORDER_KEY, ()), snap.series)
    return order


def idle(snap: TailSnapshot | None = None) -> bool:
    """No new event for IDLE_AFTER_S while reading steadily (records `snap` first when given)."""
    now = time.monotonic()
    seen = st.session_state.get(ACTIVITY_KEY)
    if snap is not None and (seen is None or seen[0] != snap.messages or seen[2] != snap.status):
        st.session_state[ACTIVITY_KEY] = seen = (snap.messages, now, snap.status)
    return seen is not None and seen[2] == RUNNING and now - seen[1] >= IDLE_AFTER_S
