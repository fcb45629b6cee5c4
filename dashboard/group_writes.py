"""The Consumer groups page's write forms: offset reset (preview, then apply),
deleting the offsets of one topic (preview, then type the id) and delete, for
empty groups only. UI glue; kafka_io.groups.reset and kafka_io.admin.group_offsets
do the work and refuse writes on a read-only cluster by themselves."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard import auth, resources
from dashboard.frames import groups as frames
from dashboard.widgets import plain, show_errors
from kafka_io.admin import group_offsets
from kafka_io.admin.group_offsets import OffsetDeletePlan
from kafka_io.config import ClusterSettings
from kafka_io.groups import reset as offsets
from kafka_io.groups.models import GroupLag
from kafka_io.groups.reset import ResetPlan
from kafka_io.groups.reset_rules import ResetMode, parse_reset_spec
from kafka_io.groups.sampler import LagSampler

__all__ = ["SECTIONS", "delete_section", "offsets_section", "reset_section"]


def allowed(group: GroupLag, what: str) -> bool:
    """False, after saying why in plain words, when the group has consumers."""
    refusal = offsets.active_refusal(group, what)
    if refusal:
        st.warning(plain(refusal), icon=":material/block:")
    return refusal is None


def reset_section(settings: ClusterSettings, sampler: LagSampler, group: GroupLag) -> None:
    with st.expander("Reset offsets", icon=":material/restart_alt:"):
        if not allowed(group, "reset its offsets"):
            return
        mode = st.radio("Reset to", [m.value for m in ResetMode], horizontal=True, key="reset_mode")
        with st.form("reset_form"):
            value = None
            if mode == ResetMode.OFFSET:
                value = st.number_input("Offset", min_value=0, step=1, value=0)
            elif mode == ResetMode.SHIFT:
                value = st.number_input("Shift by (negative = back, re-read; positive = skip ahead)", step=1, value=-1)
            elif mode == ResetMode.TIMESTAMP:
                day, clock = st.columns(2)
                when = datetime.combine(day.date_input("Date (UTC)"), clock.time_input("Time (UTC)"), UTC)
                value = int(when.timestamp() * 1000)
            topics = st.multiselect("Topics", group.topics, default=list(group.topics))
            chosen = st.multiselect(
                "Only these partitions (optional)",
                [f"{p.topic}[{p.partition}]" for p in group.partitions if p.topic in topics],
            )
            preview = st.form_submit_button("Preview", type="primary", icon=":material/preview:")
        if preview:
            with show_errors("preview"):
                spec = parse_reset_spec(mode, value)
                parts = [(p.topic, p.partition) for p in group.partitions if f"{p.topic}[{p.partition}]" in chosen]
                st.session_state["reset_plan"] = resources.with_cluster(
                    settings, offsets.plan_reset, group.group_id, spec, topics=topics, partitions=parts
                )
        plan = st.session_state.get("reset_plan")
        if plan is not None and plan.group_id == group.group_id:
            reset_preview(settings, sampler, plan)


def reset_preview(settings: ClusterSettings, sampler: LagSampler, plan: ResetPlan) -> None:
    st.markdown(f"**Preview**: reset to {plan.spec.describe()} ({len(plan.changes)} partition(s) change)")
    st.dataframe(frames.reset_preview_frame(plan), hide_index=True)
    apply, cancel = st.columns([2, 8])
    if cancel.button("Cancel"):
        del st.session_state["reset_plan"]
        st.rerun()
    if apply.button(f"Apply to {len(plan.changes)} partition(s)", type="primary", disabled=not plan.changes):
        with show_errors("reset"):
            resources.with_cluster(settings, offsets.apply_reset, plan, actor=auth.actor())
            del st.session_state["reset_plan"]
            sampler.refresh_groups([plan.group_id])
            st.success(
                f"Offsets of {plain(plan.group_id)} reset for {len(plan.changes)} partition(s).",
                icon=":material/check_circle:",
            )


def delete_section(settings: ClusterSettings, sampler: LagSampler, group: GroupLag) -> None:
    with st.expander("Delete group", icon=":material/delete:"):
        if not allowed(group, "delete it"):
            return
        st.caption(
            "Deletes the group and its committed offsets. Consumers that start later with this id "
            "begin from their auto.offset.reset position."
        )
        with st.form("delete_form", clear_on_submit=True):
            typed = st.text_input(f"Type {plain(group.group_id)} to confirm", key="delete_confirm")
            submitted = st.form_submit_button("Delete group", type="primary", icon=":material/delete_forever:")
        if submitted:
            with show_errors("delete"):
                resources.with_cluster(
                    settings, offsets.delete_group, group.group_id, confirm=typed, actor=auth.actor()
                )
                sampler.forget(group.group_id)
                st.session_state["deleted_group"] = group.group_id
                del st.query_params["group"]
                st.rerun()


def offsets_section(settings: ClusterSettings, sampler: LagSampler, group: GroupLag) -> None:
    with st.expander("Delete offsets of a topic", icon=":material/playlist_remove:"):
        if not allowed(group, group_offsets.WHAT):
            return
        st.caption(
            "Deletes the group's committed offsets on one topic; its other topics keep theirs. Consumers "
            "that start later with this id read that topic from their auto.offset.reset position."
        )
        topics = sorted({p.topic for p in group.partitions if p.committed is not None})
        with st.form("offsets_form"):
            topic = st.selectbox("Topic", topics, key="offsets_topic")
            preview = st.form_submit_button("Preview", icon=":material/preview:")
        if preview and topic:
            with show_errors("preview"):
                st.session_state["offsets_plan"] = resources.with_cluster(
                    settings, group_offsets.plan_offset_delete, group.group_id, topic
                )
        plan = st.session_state.get("offsets_plan")
        if plan is not None and plan.group_id == group.group_id:
            offsets_preview(settings, sampler, plan)


def offsets_preview(settings: ClusterSettings, sampler: LagSampler, plan: OffsetDeletePlan) -> None:
    kept = f"; offsets on {', '.join(plan.other_topics)} stay" if plan.other_topics else ""
    st.markdown(
        plain(
            f"**Preview**: {len(plan.rows)} partition(s) of {plan.topic} lose their offsets; "
            f"a lag of {plan.lag:,} stops being counted{kept}."
        )
    )
    st.dataframe(frames.offsets_preview_frame(plan), hide_index=True)
    with st.form("offsets_confirm_form", clear_on_submit=True):
        typed = st.text_input(f"Type {plain(plan.group_id)} to confirm", key="offsets_confirm")
        submitted = st.form_submit_button("Delete offsets", type="primary", icon=":material/delete_forever:")
    if submitted:
        with show_errors("delete offsets"):
            resources.with_cluster(settings, group_offsets.apply_offset_delete, plan, confirm=typed, actor=auth.actor())
            del st.session_state["offsets_plan"]
            sampler.refresh_groups([plan.group_id])
            st.success(
                f"Offsets of {plain(plan.group_id)} on {plain(plan.topic)} deleted ({len(plan.rows)} partition(s)).",
                icon=":material/check_circle:",
            )


# The detail page's write forms, in order, each with the action the write guard checks.
SECTIONS = (
    ("group.reset_offsets", reset_section),
    (group_offsets.DELETE_OFFSETS, offsets_section),
    ("group.delete", delete_section),
)
