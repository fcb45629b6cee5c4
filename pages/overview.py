"""Overview: cluster identity, brokers, health, counts; refreshed on a timer."""

import streamlit as st

from dashboard import resources, sampling
from dashboard.frames.groups import STATUS_COLORS, format_duration
from dashboard.frames.topics import brokers_frame, group_states_frame
from dashboard.shell import page_settings
from dashboard.widgets import auto_refresh, plain, refreshed_caption, show_errors
from kafka_io.errors import KafkaIOError
from kafka_io.groups.health import with_exact_time_lags
from kafka_io.groups.incident import Freshness, GroupsSummary, banner_text, summarize_groups

settings = page_settings()

st.title("Overview")

controls = st.columns([2, 1], vertical_alignment="bottom")
with controls[0]:
    every_s = auto_refresh("overview")
show_internal = controls[1].toggle("Count internal topics (`__*`)", key="overview_internal")


def _health(problems: list[str], partitions: int, brokers: int, groups: GroupsSummary, fresh: Freshness) -> None:
    """Green only when the cluster *and* every consumer group are fine."""
    banner = banner_text(len(problems), groups)
    stale = f" Group statuses are stale, {fresh.as_of}." if fresh.stale and groups.total else ""
    if not banner:
        st.success(
            f"Healthy: {brokers} broker(s) reachable; all {partitions:,} partition(s) have a leader and a full ISR; "
            f"{groups.total:,} consumer group(s), none in trouble.{stale}",
            icon=":material/check_circle:",
        )
        return
    headline = f"**{banner[0].upper()}{banner[1:]}**"
    if not problems:
        st.warning(f"{headline}{stale}", icon=":material/group:")
        return
    lines = "\n".join(f"- {plain(p)}" for p in problems)
    st.error(f"{headline}{stale}\n\n{lines}", icon=":material/warning:")


def _exact_lag_s(group_id: str, health: dict) -> float | None:
    """Exact lag in seconds (the record at the committed offset), as on the group's page.
    The sampled estimate cannot place a commit older than the sampler's history."""
    group_health = health.get(group_id)
    if group_health is None:
        return None
    positions = tuple((p.topic, p.partition, p.committed, p.high) for p in group_health.group.partitions)
    try:
        exact = resources.exact_lag_seconds(settings, group_id, positions)
    except KafkaIOError:
        return None  # the estimate (or "unknown") stands
    return with_exact_time_lags(group_health, exact).time_lag.seconds


def _group_health(summary: GroupsSummary, fresh: Freshness, health: dict) -> None:
    """Counts by status, then the worst groups, each a link to its page."""
    st.subheader("Consumer group health")
    if not summary.total:
        st.caption("No consumer groups sampled yet." if fresh.stale else "No consumer groups on this cluster.")
        return
    color = "gray" if fresh.stale else None
    st.markdown(" ".join(f":{color or STATUS_COLORS[s.value]}-badge[{s.value} {n}]" for s, n in summary.counts))
    if fresh.stale:
        st.caption(f"Stale: {fresh.as_of} ({plain(fresh.why)})")
    for worst in summary.worst:
        lag_s = _exact_lag_s(worst.group_id, health) if worst.lag_s is None or worst.status.value == "STOP" else None
        lag_s = worst.lag_s if lag_s is None else lag_s
        behind = f"{format_duration(lag_s)} behind" if lag_s is not None else "lag in seconds unknown"
        st.page_link(
            "pages/consumer_groups.py",
            label=f"{plain(worst.group_id)} · {worst.status.value} · {behind} · {worst.total_lag:,} messages",
            query_params={"group": worst.group_id},
            icon=":material/warning:" if worst.status.value == "WARN" else ":material/error:",
        )
    if not summary.worst:
        st.caption("No group is stopped, stalled, rewound or falling behind.")


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
        sampler = resources.lag_sampler(settings)  # shared with the Consumer groups page
        sampler.wait_first(settings.timeout_s + 1)
        fresh = sampling.current_freshness(sampler, settings)
        health = sampler.health()
        groups = summarize_groups(health.values())
        _health(snapshot.problems(), snapshot.partition_count, len(snapshot.brokers), groups, fresh)
        cols = st.columns(6)
        hidden = "" if show_internal else " (internal hidden)"
        cols[0].metric("Topics", f"{len(snapshot.topics):,}", help=f"Topics counted{hidden}")
        cols[1].metric("Partitions", f"{snapshot.partition_count:,}")
        cols[2].metric("Under-replicated", f"{snapshot.under_replicated:,}")
        cols[3].metric("Offline", f"{snapshot.offline:,}")
        cols[4].metric("Retained messages", f"{snapshot.messages:,}", help="Σ (high − low) over partitions")
        cols[5].metric("Brokers", f"{len(info.brokers):,}")
        refreshed_caption(snapshot.sampled_at_s, snapshot.took_ms)
        # Groups first: during an incident they are what the Overview is opened for.
        left, right = st.columns([2, 1])
        with left:
            _group_health(groups, fresh, health)
        with right:
            st.subheader("Groups by state")
            _groups()
        st.subheader("Brokers")
        st.caption(f"Cluster id `{info.cluster_id or 'unknown'}` · controller {info.controller_id}")
        st.dataframe(
            brokers_frame(info.brokers, info.controller_id),
            hide_index=True,
            placeholder="—",
            column_config={"controller": st.column_config.CheckboxColumn("Controller")},
        )


overview()
