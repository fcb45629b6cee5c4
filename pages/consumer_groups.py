"""Consumer groups: lag, lag in seconds, status and ETA of every group, an
incident watch-list kept in the URL (?pin=ID&pin=ID), and one group in detail
at ?group=ID. Data comes from the shared background sampler; UI only here."""

import time

import streamlit as st

from dashboard import auth, group_list, group_writes, paging, resources, sampling, stuck_view
from dashboard.frames import groups as frames
from dashboard.shell import page_settings
from dashboard.widgets import plain, show_errors
from kafka_io.groups.health import silent_members_note, with_exact_time_lags
from kafka_io.groups.models import explain_state
from kafka_io.groups.status import Status

settings = page_settings()

st.title("Consumer groups")

BADGE_COLORS = {**frames.STATUS_COLORS, **frames.STALE_COLORS}
STATUS_BADGE = st.column_config.MultiselectColumn(
    "Status", options=list(BADGE_COLORS), color=list(BADGE_COLORS.values()), width=140
)
# What an incident needs first, so it fits a 1,024 px laptop; the rest scrolls.
# Widths in px, Pin to ETA: 653, inside the 674 px the table gets there beside the open sidebar
# (measured in Chromium: auto widths put ETA at 1,045 px of 1,214, cut off).
INCIDENT_WIDTHS = {"Group": 140, "Lag s (est.)": 80, "Total lag": 75, "Trend": 100, "ETA s": 70}
# The incident question first: who is behind, by how much in seconds and messages, getting
# better or worse, when it catches up, consuming how fast against producing; then the rest.
LIST_COLUMNS = (
    *("Pin", "Group", "Status", "Lag s (est.)", "Total lag", "Trend", "ETA s", "Consume/s", "Produce/s"),
    *("State", "Members", "Topics", "Max lag", "Unknown", "Error"),
)
WINDOWS_S = {"5 min": 300, "15 min": 900, "1 hour": 3600}

sampler = resources.lag_sampler(settings)  # the first view starts it; shared by all sessions
sampler.wait_first(settings.timeout_s + 1)


def list_view() -> None:
    pins = st.query_params.get_all("pin")
    if "pins_from_table" in st.session_state:  # a click in the table's Pin column
        st.session_state["pins"] = st.session_state.pop("pins_from_table")
    st.session_state.setdefault("pins", list(pins))
    # The groups on screen and the pinned ones, not all 10,000: any other id can be typed.
    ids = sorted(set(st.session_state.get("pin_rows", [])) | set(st.session_state["pins"]) | set(pins))
    st.multiselect(
        "Incident watch-list: pinned to the top, sampled every interval, kept in the link",
        ids,
        key="pins",
        on_change=group_list.set_pins,
        accept_new_options=True,
        placeholder="Pin groups to watch… (or click + in the table)",
    )
    cols = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
    search = cols[0].text_input("Search", placeholder="group id contains…", key="search")
    statuses = cols[1].multiselect("Status", [s.value for s in Status], key="status_filter")
    sort = cols[2].selectbox("Sort", frames.SORTS, key="sort")
    only_lagging = cols[3].toggle("Only lagging", key="only_lagging")
    if st.session_state["pins"] and st.button("Refresh pinned now", icon=":material/refresh:"):
        sampler.refresh_groups(st.session_state["pins"])
    st.fragment(run_every=sampling.tick_s(sampler))(groups_table)(search, statuses, sort, only_lagging)


def groups_table(search: str, statuses: list, sort: str, only_lagging: bool) -> None:
    group_list.pin_clicked()
    pins = st.session_state.get("pins", [])
    sampler.watch(pins)
    fresh = sampling.current_freshness(sampler, settings)
    sampling.sample_status(sampler, settings, fresh)
    df = frames.groups_frame(sampler.health().values(), pins)
    shown = group_list.stable(
        frames.sort_groups(frames.filter_groups(df, statuses, only_lagging, search), sort), sort, pins
    )
    st.caption(frames.status_summary(df, len(shown)))
    if not shown.empty:  # only the rows on screen go to the browser
        start, stop = paging.page_of("groups_page", len(shown), (search, tuple(statuses), sort, only_lagging), "Groups")
        shown = shown.iloc[start:stop]
    if shown.empty:
        st.info(
            "No group matches these filters."
            if len(df)
            else "No consumer groups on this cluster yet. Groups appear here once a consumer commits offsets.",
            icon=":material/group_off:",
        )
        return
    # A fresh key after each handled click: the table comes back with nothing
    # selected, so the next click on the same cell counts again.
    table_key = f"groups_table_{st.session_state.setdefault('groups_table_n', 0)}"
    st.session_state["pin_rows"] = list(shown["Group"])
    event = st.dataframe(
        frames.list_display(shown, stale=fresh.stale),
        hide_index=True,
        placeholder="—",
        key=table_key,
        on_select="rerun",
        selection_mode="single-cell",
        column_order=LIST_COLUMNS,
        column_config={
            "Pin": st.column_config.ButtonColumn(
                "Pin",
                width=48,
                type="tertiary",
                help="Click to pin or unpin",
                key="pin_click",
            ),
            "Group": st.column_config.TextColumn(help="Click a name to open the group", width=INCIDENT_WIDTHS["Group"]),
            "Status": STATUS_BADGE,
            "Trend": st.column_config.LineChartColumn(
                "Lag, 10 min", y_min=0, width=INCIDENT_WIDTHS["Trend"], help="Total lag over the last 10 minutes"
            ),
            "Lag s (est.)": st.column_config.NumberColumn(
                help="Estimated from the sampled history; exact in the group's page",
                width=INCIDENT_WIDTHS["Lag s (est.)"],
            ),
            "Total lag": st.column_config.NumberColumn(width=INCIDENT_WIDTHS["Total lag"]),
            "ETA s": st.column_config.NumberColumn(
                help="Time to catch up at current rates; empty when not catching up", width=INCIDENT_WIDTHS["ETA s"]
            ),
        },
    )
    if event.selection.cells:
        group_list.clicked(shown, *event.selection.cells[0])
    st.caption(
        "Click a group's name to open it; click :material/add: to pin it to the top, :material/push_pin: to unpin."
    )
    group_list.recent_alerts_box(settings.name)
    sampling.sample_details(sampler)


def back_to_list() -> None:
    st.query_params.pop("group", None)


def detail_view(group_id: str) -> None:
    # A callback, not `if st.button(...)`: it runs before the script, so the
    # click is never lost to an auto-refresh of the fragment below.
    st.button("All groups", icon=":material/arrow_back:", on_click=back_to_list)
    st.subheader(plain(group_id), anchor=False)  # a group id is any string: data, never markup
    sampler.watch([group_id])
    if sampler.latest().group(group_id) is None:
        with st.spinner(f"Reading group {plain(group_id)}…"):
            sampler.refresh_groups([group_id])
    st.fragment(run_every=sampling.tick_s(sampler))(group_detail)(group_id)
    group = sampler.latest().group(group_id)
    if group is None or group.error:
        return
    stuck_view.stuck_section(settings, sampler, group)
    if settings.read_only:
        st.caption("Read-only cluster: offset reset, offset deletion and group delete are disabled.")
        return
    for action, section in group_writes.SECTIONS:
        refused = auth.why_not(settings, action)
        if refused:
            st.caption(plain(f"{refused[:1].upper()}{refused[1:]}."))
        else:
            section(settings, sampler, group)


def group_detail(group_id: str) -> None:
    fresh = sampling.current_freshness(sampler, settings)
    sampling.sample_status(sampler, settings, fresh)
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
    detail_header(health, fresh)
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
        partitions_table(health, fresh.stale)
    with history_tab:
        history_charts(group_id)
    with members_tab:
        if group.members:
            st.dataframe(frames.members_frame(group), hide_index=True)
        else:
            st.caption("No members: no consumer is running in this group.")


def detail_header(health, fresh) -> None:
    if fresh.stale:  # a memory, not a fact: grey, and since when
        st.badge(f"{health.status.value} · stale, {fresh.as_of}", color="gray", icon=":material/history:")
    else:
        st.badge(health.status.value, color=frames.STATUS_COLORS[health.status.value])
    totals, cols = health.totals, st.columns(5)
    kind = health.group.group_type.lower() or "unknown"
    cols[0].metric("State", health.group.state, help=f"protocol: {kind} (consumer = KIP-848 group.protocol=consumer)")
    cols[1].metric("Members", len(health.group.members))
    cols[2].metric(
        "Total lag",
        f"{totals.total_lag:,}",
        # No chart_data sparkline: Streamlit's metric sparkline makes Vega log
        # "Infinite extent" on every redraw (seen in Chromium); the Lag history
        # tab charts the same series.
        help=f"max partition lag {totals.max_lag:,}; {totals.unknown_partitions} partition(s) with no commit",
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


def partitions_table(health, stale: bool) -> None:
    table = frames.partitions_frame(health)
    suffix = frames.STALE_SUFFIX if stale else ""
    st.dataframe(
        table.assign(Status=table["Status"].map(lambda s: [f"{s}{suffix}"]), Event=frames.event_links(table)),
        hide_index=True,
        placeholder="—",
        # The link beside the lag it explains; at the end it fell off a 1,400 px screen.
        column_order=[
            *table.columns[: table.columns.get_loc("Lag s") + 1],
            "Event",
            *table.columns[table.columns.get_loc("Lag s") + 1 :],
        ],
        column_config={
            "Event": st.column_config.LinkColumn(
                "Stuck on",
                help="A lagging partition: the event at its committed offset, on the Messages page",
                display_text=r"offset=(\d+)$",
                width=90,
            ),
            "Status": STATUS_BADGE,
            "Lag": st.column_config.ProgressColumn(format="%d", min_value=0, max_value=max(health.totals.max_lag, 1)),
        },
    )
    stuck_view.stuck_links(health)
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
    lag = frames.lag_chart(history, by)
    if lag is None:
        st.caption("No known lag yet: no partition of this group has a commit.")
    else:
        st.altair_chart(lag, width="stretch")
    st.caption("Produced vs consumed, messages/s")
    rates = frames.rates_chart(frames.rates_frame(history))
    if rates is None:
        st.caption("Rates need two samples; the next one comes within seconds.")
    else:
        st.altair_chart(rates, width="stretch")
    st.download_button(
        "Download history CSV",
        history.to_csv(index=False),
        f"{group_id}-history.csv",
        "text/csv",
        icon=":material/download:",
    )


deleted = st.session_state.pop("deleted_group", None)
if deleted:
    st.success(f"Group {plain(deleted)} deleted.", icon=":material/check_circle:")
selected = st.query_params.get("group")
if selected:
    detail_view(selected)
else:
    list_view()
