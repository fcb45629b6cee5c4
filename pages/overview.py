"""Overview: cluster identity, brokers, health, counts; refreshed on a timer."""

import streamlit as st

from dashboard import handles as resources
from dashboard.frames.topics import brokers_frame, group_states_frame
from dashboard.shell import page_settings
from dashboard.widgets import auto_refresh, plain, refreshed_caption, show_errors

settings = page_settings()

st.title("Overview")

controls = st.columns([2, 1], vertical_alignment="bottom")
with controls[0]:
    every_s = auto_refresh("overview")
show_internal = controls[1].toggle("Count internal topics (`__*`)", key="overview_internal")


def _health(problems: list[str], partitions: int, brokers: int) -> None:
    if not problems:
        st.success(
            f"Healthy: {brokers} broker(s) reachable; all {partitions:,} partition(s) have a leader and a full ISR.",
            icon=":material/check_circle:",
        )
        return
    lines = "\n".join(f"- {plain(p)}" for p in problems)
    st.error(f"**{len(problems)} problem(s) found**\n\n{lines}", icon=":material/warning:")


def _groups() -> None:
    with show_errors("Consumer groups"):
        states = resources.group_states(settings)
        st.metric("Consumer groups", f"{states.total:,}")
        if states.total:
            st.dataframe(group_states_frame(states), hide_index=True, width="content")
        for error in states.errors:
            st.warning(plain(error), icon=":material/warning:")


@st.fragment(run_every=every_s)
def overview() -> None:
    with show_errors():
        view = resources.topics_view(settings, show_internal)
        snapshot = view.snapshot
        info = resources.cluster_info(settings)
        _health(snapshot.problems(), snapshot.partition_count, len(snapshot.brokers))
        cols = st.columns(6)
        hidden = "" if show_internal else " (internal hidden)"
        cols[0].metric("Topics", f"{len(snapshot.topics):,}", help=f"Topics counted{hidden}")
        cols[1].metric("Partitions", f"{snapshot.partition_count:,}")
        cols[2].metric("Under-replicated", f"{snapshot.under_replicated:,}")
        cols[3].metric("Offline", f"{snapshot.offline:,}")
        cols[4].metric("Retained messages", f"{snapshot.messages:,}", help="Σ (high − low) over partitions")
        cols[5].metric("Brokers", f"{len(info.brokers):,}")
        refreshed_caption(snapshot.sampled_at_s, snapshot.took_ms)
        left, right = st.columns([2, 1])
        with left:
            st.subheader("Brokers")
            st.caption(f"Cluster id `{info.cluster_id or 'unknown'}` · controller {info.controller_id}")
            st.dataframe(
                brokers_frame(info.brokers, info.controller_id),
                hide_index=True,
                placeholder="—",
                column_config={"controller": st.column_config.CheckboxColumn("Controller")},
            )
        with right:
            st.subheader("Groups by state")
            _groups()


overview()
