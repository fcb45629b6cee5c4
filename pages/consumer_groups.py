"""Consumer groups: lag, lag in seconds, status and ETA of every group, an
incident watch-list kept in the URL (?pin=ID&pin=ID), and one group in detail
at ?group=ID. Data comes from the shared background sampler; UI only here."""

import time
from datetime import UTC, datetime

import streamlit as st

from dashboard import handles as resources
from dashboard.frames import groups as frames
from dashboard.shell import page_settings
from dashboard.widgets import plain, refreshed_caption, show_errors
from kafka_io.groups import reset as offsets
from kafka_io.groups.health import silent_members_note, with_exact_time_lags
from kafka_io.groups.models import explain_state
from kafka_io.groups.reset_rules import ResetMode, parse_reset_spec
from kafka_io.groups.status import Status

settings = page_settings()

st.title("Consumer groups")

STATUS_BADGE = st.column_config.MultiselectColumn(
    "Status", options=list(frames.STATUS_COLORS), color=list(frames.STATUS_COLORS.values())
)
WINDOWS_S = {"5 min": 300, "15 min": 900, "1 hour": 3600}

sampler = resources.lag_sampler(settings)  # the first view starts it; shared by all sessions
sampler.wait_first(settings.timeout_s + 1)


def badge(df):
    return df.assign(Status=df["Status"].map(lambda s: [s]))


def sample_caption() -> None:
    snapshot = sampler.latest()
    if snapshot.sampled_at_s is None:
        st.error(plain(snapshot.error or "No sample yet."), icon=":material/cloud_off:")
        return
    refreshed_caption(snapshot.sampled_at_s, snapshot.duration_ms)
    st.caption(
        f"Sample {snapshot.sequence}: {snapshot.admin_requests} admin requests · "
        f"{snapshot.admin_requests_total:,} by this app since it started (one sampler for every viewer)"
    )
    if snapshot.error:
        at = time.strftime("%H:%M:%S", time.localtime(snapshot.error_at_s))
        st.warning(
            f"The latest sample failed at {at}: {plain(snapshot.error)}. Showing the last good sample; "
            f"retrying every {sampler.interval_s:g} s.",
            icon=":material/sync_problem:",
        )
    if sampler.full_every_s >= 2 * sampler.interval_s:
        st.caption(
            f"Big cluster: every group is sampled every {sampler.full_every_s:.0f} s, "
            f"pinned groups every {sampler.interval_s:g} s."
        )


def set_pins() -> None:
    st.query_params["pin"] = st.session_state["pins"]


def list_view() -> None:
    pins = st.query_params.get_all("pin")
    ids = sorted(set(sampler.health()) | set(pins))
    st.session_state.setdefault("pins", [p for p in pins if p in ids])
    st.multiselect(
        "Incident watch-list: pinned to the top, sampled every interval, kept in the link",
        ids,
        key="pins",
        on_change=set_pins,
        placeholder="Pin groups to watch…",
    )
    cols = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
    search = cols[0].text_input("Search", placeholder="group id contains…", key="search")
    statuses = cols[1].multiselect("Status", [s.value for s in Status], key="status_filter")
    sort = cols[2].selectbox("Sort", frames.SORTS, key="sort")
    only_lagging = cols[3].toggle("Only lagging", key="only_lagging")
    if st.session_state["pins"] and st.button("Refresh pinned now", icon=":material/refresh:"):
        sampler.refresh_groups(st.session_state["pins"])
    st.fragment(run_every=sampler.interval_s)(groups_table)(search, statuses, sort, only_lagging)


def groups_table(search: str, statuses: list, sort: str, only_lagging: bool) -> None:
    pins = st.session_state.get("pins", [])
    sampler.watch(pins)
    sample_caption()
    df = frames.groups_frame(sampler.health().values(), pins)
    shown = frames.sort_groups(frames.filter_groups(df, statuses, only_lagging, search), sort)
    st.caption(frames.status_summary(df, len(shown)))
    if shown.empty:
        st.info(
            "No group matches these filters."
            if len(df)
            else "No consumer groups on this cluster yet. Groups appear here once a consumer commits offsets.",
            icon=":material/group_off:",
        )
        return
    event = st.dataframe(
        badge(shown),
        hide_index=True,
        placeholder="—",
        key="groups_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Pinned": st.column_config.CheckboxColumn("📌", width="small"),
            "Status": STATUS_BADGE,
            "Trend": st.column_config.LineChartColumn("Total lag, 10 min", y_min=0),
            "Lag s (est.)": st.column_config.NumberColumn(
                help="Estimated from the sampled history; exact in the group's page"
            ),
            "ETA s": st.column_config.NumberColumn(
                help="Time to catch up at current rates; empty when not catching up"
            ),
        },
    )
    if event.selection.rows:
        st.query_params["group"] = shown.iloc[event.selection.rows[0]]["Group"]
        st.rerun()
    st.caption("Select a row to open the group.")


def back_to_list() -> None:
    st.query_params.pop("group", None)
    st.session_state.pop("groups_table", None)  # else the old row selection opens the group again


def detail_view(group_id: str) -> None:
    # A callback, not `if st.button(...)`: it runs before the script, so the
    # click is never lost to an auto-refresh of the fragment below.
    st.button("All groups", icon=":material/arrow_back:", on_click=back_to_list)
    st.subheader(plain(group_id), anchor=False)  # a group id is any string: data, never markup
    sampler.watch([group_id])
    if sampler.latest().group(group_id) is None:
        with st.spinner(f"Reading group {plain(group_id)}…"):
            sampler.refresh_groups([group_id])
    st.fragment(run_every=sampler.interval_s)(group_detail)(group_id)
    group = sampler.latest().group(group_id)
    if group is None or group.error:
        return
    if settings.read_only:
        st.caption("Read-only cluster: offset reset and delete are disabled.")
        return
    reset_section(group)
    delete_section(group)


def group_detail(group_id: str) -> None:
    sample_caption()
    health = sampler.health().get(group_id)
    if health is None:
        st.info(f"Group {plain(group_id)} is not sampled yet.", icon=":material/hourglass_empty:")
        return
    group = health.group
    if group.error:
        st.error(plain(group.error), icon=":material/error:")
        return
    with show_errors("exact lag in seconds"):
        positions = tuple((p.topic, p.partition, p.committed, p.high) for p in group.partitions)
        health = with_exact_time_lags(health, resources.exact_lag_seconds(settings, group_id, positions))
    detail_header(health)
    explanation = explain_state(group.state)
    if explanation:
        st.info(explanation, icon=":material/info:")
    silent = silent_members_note(health)
    if silent:
        st.warning(plain(silent), icon=":material/heart_broken:")
    if not group.partitions:
        return
    partitions_tab, history_tab, members_tab = st.tabs(["Partitions", "Lag history", "Members"])
    with partitions_tab:
        partitions_table(health)
    with history_tab:
        history_charts(group_id)
    with members_tab:
        if group.members:
            st.dataframe(frames.members_frame(group), hide_index=True)
        else:
            st.caption("No members: no consumer is running in this group.")


def detail_header(health) -> None:
    st.badge(health.status.value, color=frames.STATUS_COLORS[health.status.value])
    totals, cols = health.totals, st.columns(5)
    kind = health.group.group_type.lower() or "unknown"
    cols[0].metric("State", health.group.state, help=f"protocol: {kind} (consumer = KIP-848 group.protocol=consumer)")
    cols[1].metric("Members", len(health.group.members))
    cols[2].metric(
        "Total lag",
        f"{totals.total_lag:,}",
        chart_data=health.sparkline or None,
        help=f"max partition lag {totals.max_lag:,}; {totals.unknown_partitions} partition(s) "
        "with no commit; the line is the last 10 minutes",
    )
    cols[3].metric(
        "Lag in seconds",
        frames.format_duration(health.time_lag.seconds),
        help="exact: now − timestamp of the record at the committed offset"
        if health.time_lag.exact
        else "estimated from the sampled history",
    )
    cols[4].metric(
        "ETA",
        frames.eta_text(health.eta_s, totals.total_lag, bool(health.group.partitions)),
        help=f"at current rates: consuming {health.consume_rate_per_s or 0:.1f}/s, "
        f"producing {health.produce_rate_per_s or 0:.1f}/s (∞: not catching up)",
    )


def partitions_table(health) -> None:
    table = frames.partitions_frame(health)
    st.dataframe(
        badge(table),
        hide_index=True,
        placeholder="—",
        column_config={
            "Status": STATUS_BADGE,
            "Lag": st.column_config.ProgressColumn(format="%d", min_value=0, max_value=max(health.totals.max_lag, 1)),
        },
    )
    st.download_button(
        "Download CSV",
        table.to_csv(index=False),
        f"{health.group_id}-partitions.csv",
        "text/csv",
        icon=":material/download:",
    )


def history_charts(group_id: str) -> None:
    cols = st.columns([2, 2, 6])
    window = cols[0].selectbox("Window", list(WINDOWS_S), key="history_window")
    by = cols[1].radio("Lines per", ["Topic", "Partition"], horizontal=True, key="history_by")
    history = frames.history_frame(sampler.history, group_id, since_s=time.time() - WINDOWS_S[window])
    if history.empty:
        st.caption("No history yet: it builds up every few seconds while the dashboard runs.")
        return
    st.altair_chart(frames.lag_chart(history, by), width="stretch")
    st.caption("Produced vs consumed, messages/s")
    st.altair_chart(frames.rates_chart(frames.rates_frame(history)), width="stretch")
    st.download_button(
        "Download history CSV",
        history.to_csv(index=False),
        f"{group_id}-history.csv",
        "text/csv",
        icon=":material/download:",
    )


def allowed(group, what: str) -> bool:
    """False, after saying why in plain words, when the group has consumers."""
    refusal = offsets.active_refusal(group, what)
    if refusal:
        st.warning(plain(refusal), icon=":material/block:")
    return refusal is None


def reset_section(group) -> None:
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
                st.session_state["reset_plan"] = resources.with_admin(
                    settings, offsets.plan_reset, group.group_id, spec, topics=topics, partitions=parts
                )
        plan = st.session_state.get("reset_plan")
        if plan is not None and plan.group_id == group.group_id:
            reset_preview(plan)


def reset_preview(plan) -> None:
    st.markdown(f"**Preview**: reset to {plan.spec.describe()} ({len(plan.changes)} partition(s) change)")
    st.dataframe(frames.reset_preview_frame(plan), hide_index=True)
    apply, cancel = st.columns([2, 8])
    if cancel.button("Cancel"):
        del st.session_state["reset_plan"]
        st.rerun()
    if apply.button(f"Apply to {len(plan.changes)} partition(s)", type="primary", disabled=not plan.changes):
        with show_errors("reset"):
            resources.with_admin(settings, offsets.apply_reset, plan)
            del st.session_state["reset_plan"]
            sampler.refresh_groups([plan.group_id])
            st.success(
                f"Offsets of {plain(plan.group_id)} reset for {len(plan.changes)} partition(s).",
                icon=":material/check_circle:",
            )


def delete_section(group) -> None:
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
                resources.with_admin(settings, offsets.delete_group, group.group_id, confirm=typed)
                sampler.forget(group.group_id)
                st.session_state["deleted_group"] = group.group_id
                del st.query_params["group"]
                st.rerun()


deleted = st.session_state.pop("deleted_group", None)
if deleted:
    st.success(f"Group {plain(deleted)} deleted.", icon=":material/check_circle:")
selected = st.query_params.get("group")
if selected:
    detail_view(selected)
else:
    list_view()
