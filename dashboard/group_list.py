"""The Consumer groups list's clicks and order: pins from the URL and the table,
row clicks that open a group, rows that keep their order while only lag moves, and
the recent alerts under the list."""

from __future__ import annotations

import streamlit as st

from dashboard.frames import groups as frames
from kafka_io.alerts.watcher import recent_alerts
from kafka_io.groups.incident import stable_order

__all__ = ["clicked", "pin_clicked", "recent_alerts_box", "set_pins", "stable"]


def set_pins() -> None:
    st.query_params["pin"] = st.session_state["pins"]


def stable(df, sort: str, pins: list[str]):
    """The rows in the order shown last time unless a status changed
    (incident.stable_order), so rows do not re-sort under the reader's eyes."""
    context = (sort, tuple(pins))
    rows = list(zip(df["Group"], df["Status"], strict=True))
    previous = st.session_state.get("groups_order")
    order = stable_order(rows, previous[1] if previous and previous[0] == context else None)
    status_of = dict(rows)
    st.session_state["groups_order"] = (context, [(g, status_of[g]) for g in order])
    return frames.order_by_ids(df, order)


def clicked(shown, row: int, column: str) -> None:
    st.session_state["groups_table_n"] += 1
    if column != "Pin":  # the Pin column's buttons call pin_clicked
        st.query_params["group"] = shown.iloc[row]["Group"]
    st.rerun()


def pin_clicked() -> None:
    """A Pin button was clicked (the click lasts one run): pin its group, or unpin it, and
    redraw the whole page, not just this fragment, so the watch-list above shows it too."""
    click, rows = st.session_state.get("pin_click"), st.session_state.get("pin_rows", [])
    if click is None or not 0 <= click["row"] < len(rows):
        return
    group_id = rows[click["row"]]  # the rows as drawn when it was clicked
    pins = st.session_state.get("pins", [])
    pins = [p for p in pins if p != group_id] if group_id in pins else [*pins, group_id]
    st.session_state["pins_from_table"] = pins  # applied before the watch-list is drawn
    st.query_params["pin"] = pins
    st.rerun()


def recent_alerts_box(cluster_name: str) -> None:
    """The webhooks' latest alerts for this cluster, when alerts are configured."""
    deliveries = recent_alerts(cluster_name)
    if not deliveries:
        return
    with st.expander(f"Recent alerts ({len(deliveries)})", icon=":material/notifications:"):
        st.dataframe(frames.alerts_frame(deliveries), hide_index=True, width="stretch")
