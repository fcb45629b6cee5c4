"""The Topics page's config edit and purge forms: preview first, then apply.

UI glue only: kafka_io.admin plans, validates (the broker checks the values) and
writes through the one write guard. Each section returns the success sentence
after a write, for the page to show once the data is refreshed.
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth, resources
from dashboard.frames.admin import config_diff_frame, purge_frame
from dashboard.widgets import plain, show_errors
from kafka_io.admin.config_edits import parse_edits
from kafka_io.admin.purge import apply_purge, plan_purge
from kafka_io.admin.topic_configs import apply_config_change, plan_config_change
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput
from kafka_io.topics.admin import parse_config_lines

__all__ = ["config_section", "purge_section"]

CONFIG_PLAN = "topic_config_plan"
PURGE_PLAN = "topic_purge_plan"
ALL = "All partitions"


def config_section(settings: ClusterSettings, topic: str) -> str | None:
    configs = resources.topic_configs(settings, topic)
    if configs is None or configs.error:
        st.error(plain(configs.error if configs else "no configs returned"), icon=":material/error:")
        return None
    refused = auth.why_not(settings, "topic.alter_configs")
    entries = sorted((e for e in configs.entries if not e.read_only), key=lambda e: (not e.non_default, e.name))
    with st.form(f"config_edit_{topic}"):
        st.markdown(f"**Change configs of `{topic}`** (the broker checks each value before the preview)")
        sets = st.text_area("Set (key=value per line)", placeholder="retention.ms=86400000", key="config_sets")
        resets = st.multiselect(
            "Reset to the default (non-defaults first)", [e.name for e in entries], key="config_resets"
        )
        preview = st.form_submit_button(
            "Preview changes", icon=":material/preview:", disabled=bool(refused), help=refused
        )
    if preview:
        st.session_state.pop(CONFIG_PLAN, None)
        with show_errors("Configs not changed"):
            if not sets.strip() and not resets:
                raise InvalidInput("nothing to change: give key=value lines to set, or keys to reset")
            edits = parse_edits([f"{k}={v}" for k, v in parse_config_lines(sets).items()], resets)
            st.session_state[CONFIG_PLAN] = resources.with_cluster(settings, plan_config_change, topic, edits)
    plan = st.session_state.get(CONFIG_PLAN)
    if plan is None or plan.topic != topic:
        return None
    st.markdown(f"**Preview**: {len(plan.changes)} change(s) to `{topic}`")
    st.dataframe(config_diff_frame(plan), hide_index=True, placeholder="—")
    apply, cancel = st.columns([2, 8])
    if cancel.button("Cancel", key="config_cancel"):
        del st.session_state[CONFIG_PLAN]
        st.rerun()
    if not apply.button(f"Apply {len(plan.changes)} change(s)", type="primary", key="config_apply"):
        return None
    with show_errors("Configs not changed"):
        resources.with_cluster(settings, apply_config_change, plan, actor=auth.actor())
        del st.session_state[CONFIG_PLAN]
        names = ", ".join(r.config for r in plan.changes)
        return f"Changed {len(plan.changes)} config(s) of {topic!r}: {names}."
    return None


def purge_section(settings: ClusterSettings, topic: str, partitions: int) -> str | None:
    refused = auth.why_not(settings, "topic.purge")
    with st.form(f"purge_{topic}"):
        st.markdown(f"**Purge records of `{topic}`**: the topic stays, its oldest records are gone for good.")
        left, right = st.columns(2)
        which = left.selectbox("Partitions", [ALL] + list(range(partitions)), key="purge_partition")
        before = right.number_input(
            "Before offset (empty: every record)", min_value=0, value=None, step=1, key="purge_before"
        )
        preview = st.form_submit_button(
            "Preview purge", icon=":material/preview:", disabled=bool(refused), help=refused
        )
    if preview:
        st.session_state.pop(PURGE_PLAN, None)
        with show_errors("Nothing purged"):
            partition = None if which == ALL else int(which)
            before_offset = None if before is None else int(before)
            st.session_state[PURGE_PLAN] = resources.with_cluster(settings, plan_purge, topic, partition, before_offset)
    plan = st.session_state.get(PURGE_PLAN)
    if plan is None or plan.topic != topic:
        return None
    st.markdown(f"**Preview**: {plan.records:,} record(s) go ({plan.describe()}); the new low watermarks:")
    st.dataframe(purge_frame(plan), hide_index=True, placeholder="—")
    with st.form(f"purge_confirm_{topic}", clear_on_submit=True):
        typed = st.text_input(f"Type {topic} to confirm the purge", key="purge_confirm")
        go = st.form_submit_button(f"Purge {plan.records:,} record(s)", type="primary", icon=":material/delete_sweep:")
    if not go:
        return None
    with show_errors("Nothing purged"):
        result = resources.with_cluster(settings, apply_purge, plan, typed, actor=auth.actor())
        del st.session_state[PURGE_PLAN]
        lows = ", ".join(f"p{p}: {low}" for p, low in result.low_watermarks)
        return f"Purged {result.records:,} record(s) from {topic!r}; new low watermarks {lows}."
    return None
