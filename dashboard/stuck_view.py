"""The group page's "stuck events" view: the event at each lagging partition's committed offset,
a link to it on the Messages page, and Skip (commit offset N+1) for an EMPTY group.

Read on request (a button), never on the page's refresh tick: reading events
costs a consumer per read, and an incident screen stays open for hours.
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth, resources
from dashboard.frames.groups import reset_preview_frame
from dashboard.frames.messages import stuck_frame
from dashboard.message_link import MessagesQuery, to_params
from dashboard.widgets import plain, show_errors
from kafka_io.config import ClusterSettings
from kafka_io.groups import reset as offsets
from kafka_io.groups.models import GroupLag
from kafka_io.groups.sampler import LagSampler
from kafka_io.messages.model import Seek
from kafka_io.messages.stuck import StuckEvent, stuck_events

__all__ = ["MESSAGES_PAGE", "event_link", "stuck_links", "stuck_section"]

MESSAGES_PAGE = "pages/messages.py"
STUCK_KEY, SKIP_KEY, SKIPPED_KEY = "stuck_events", "skip_plan", "skip_done"
MAX_LINKS = 8  # the most lagging partitions get a link under the table; the table links every one
SKIP_ACTION = "group.reset_offsets"


def event_link(topic: str, partition: int, offset: int) -> dict[str, str]:
    """The Messages page's query for one event (what a lagging partition's row links to)."""
    return to_params(MessagesQuery(topic, partition, Seek("offset", offset)))


def stuck_links(health) -> None:
    """One link per lagging partition (most lagging first) to the event at its committed offset:
    one click from the incident to the event, and reachable with the keyboard (the table is a canvas)."""
    lagging = sorted(
        (p for p in health.partitions if p.committed is not None and (p.lag or 0) > 0),
        key=lambda p: (-p.lag, p.topic, p.partition),
    )
    if not lagging:
        return
    row = st.container(horizontal=True, vertical_alignment="center")
    row.caption("Stuck on:", width="content")
    for p in lagging[:MAX_LINKS]:
        row.page_link(
            MESSAGES_PAGE,
            label=plain(f"{p.topic} [{p.partition}] @ {p.committed:,}"),
            icon=":material/open_in_new:",
            query_params=event_link(p.topic, p.partition, p.committed),
        )
    if len(lagging) > MAX_LINKS:
        row.caption(f"and {len(lagging) - MAX_LINKS:,} more in the table's Stuck on column", width="content")


def stuck_section(settings: ClusterSettings, sampler: LagSampler, group: GroupLag) -> None:
    done = st.session_state.get(SKIPPED_KEY)
    done = done[1] if done and done[0] == group.group_id else None
    with st.expander("Stuck events", icon=":material/report:", expanded=STUCK_KEY in st.session_state or bool(done)):
        if done:
            st.success(plain(done), icon=":material/check_circle:")
        st.caption(
            "The event each lagging partition's consumer is stuck on: the record at its committed offset. "
            "Read when you ask; nothing here joins or commits the group."
        )
        if st.button("Read stuck events", icon=":material/search:", key="stuck_read"):
            st.session_state.pop(SKIPPED_KEY, None)
            with show_errors("Stuck events"):
                st.session_state[STUCK_KEY] = (
                    group.group_id,
                    stuck_events(resources.cluster(settings), group.group_id),
                )
        held = st.session_state.get(STUCK_KEY)
        if held is None or held[0] != group.group_id:
            return
        events: tuple[StuckEvent, ...] = held[1]
        if not events:
            st.info("No partition of this group is lagging: nothing is stuck.", icon=":material/check_circle:")
            return
        st.dataframe(stuck_frame(events), hide_index=True, placeholder="—")
        for event in events:
            if event.committed is not None:
                st.page_link(
                    MESSAGES_PAGE,
                    label=plain(f"{event.topic} [{event.partition}] at offset {event.committed:,}: open in Messages"),
                    icon=":material/open_in_new:",
                    query_params=event_link(event.topic, event.partition, event.committed),
                )
        _skip(settings, sampler, group, events)


def _skip(settings: ClusterSettings, sampler: LagSampler, group: GroupLag, events: tuple[StuckEvent, ...]) -> None:
    st.markdown("**Skip an event**: commit offset N+1 on its partition, so the group moves past it.")
    refused = auth.why_not(settings, SKIP_ACTION)
    if refused:
        st.caption(plain(f"{refused[:1].upper()}{refused[1:]}."))
        return
    active = offsets.active_refusal(group, "skip an event")
    if active:
        st.warning(plain(active), icon=":material/block:")
        return
    choices = {f"{e.topic} [{e.partition}] offset {e.committed:,}": e for e in events if e.committed is not None}
    with st.form("skip_form", border=False):
        label = st.selectbox("Event to skip", list(choices))
        preview = st.form_submit_button("Preview skip", icon=":material/preview:")
    if preview and label is not None:
        event = choices[label]
        with show_errors("Skip"):
            st.session_state[SKIP_KEY] = offsets.plan_skip(
                resources.cluster(settings), group.group_id, event.topic, event.partition, event.committed
            )
    plan = st.session_state.get(SKIP_KEY)
    if plan is not None and plan.group_id == group.group_id:
        _confirm_skip(settings, sampler, plan)


def _confirm_skip(settings: ClusterSettings, sampler: LagSampler, plan) -> None:
    """The preview (the lag the skip leaves), then the one button that writes."""
    st.dataframe(reset_preview_frame(plan), hide_index=True)
    (row,) = plan.rows
    st.caption(
        f"Lag this leaves on {plain(row.topic)} [{row.partition}]: {_count(row.lag_after)} (now {_count(row.lag_before)})."
    )
    confirm, cancel = st.columns([3, 7])
    if cancel.button("Cancel", key="skip_cancel"):
        del st.session_state[SKIP_KEY]
        st.rerun()
    if confirm.button(
        f"Skip: commit offset {_count(row.new)}", type="primary", disabled=row.new is None, key="skip_apply"
    ):
        with show_errors("Skip"):
            resources.with_cluster(settings, offsets.apply_reset, plan, actor=auth.actor())
            del st.session_state[SKIP_KEY]
            st.session_state.pop(STUCK_KEY, None)
            st.session_state[SKIPPED_KEY] = (
                plan.group_id,
                f"Skipped {row.topic} [{row.partition}] offset {row.new - 1:,}: the group now resumes at {row.new:,}.",
            )
            sampler.refresh_groups([plan.group_id])
            st.rerun()


def _count(n: int | None) -> str:
    return "unknown" if n is None else f"{n:,}"
