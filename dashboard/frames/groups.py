"""Tables and charts for the consumer-groups page: DataFrames and altair specs
built from the sampler's values. No streamlit here (the page draws them)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from urllib.parse import urlencode

import pandas as pd

from dashboard.frames.group_charts import history_frame, lag_chart, rates_chart, rates_frame
from dashboard.message_link import MessagesQuery, to_params
from kafka_io.admin.group_offsets import OffsetDeletePlan
from kafka_io.groups.health import GroupHealth
from kafka_io.groups.models import GroupLag
from kafka_io.groups.reset import ResetPlan
from kafka_io.groups.status import Status
from kafka_io.messages.model import Seek

__all__ = [
    "event_links",
    "STATUS_COLORS",
    "UNPINNED_MARK",
    "SORTS",
    "filter_groups",
    "eta_text",
    "format_duration",
    "groups_frame",
    "list_display",
    "order_by_ids",
    "history_frame",
    "lag_chart",
    "members_frame",
    "partitions_frame",
    "rates_chart",
    "rates_frame",
    "reset_preview_frame",
    "sort_groups",
    "status_summary",
]

STATUS_COLORS = {"OK": "green", "WARN": "orange", "REWIND": "blue", "STALL": "red", "STOP": "red", "UNKNOWN": "gray"}
STALE_SUFFIX = " · stale"
# A stale status keeps its word but loses its colour: it is a memory, not a fact.
STALE_COLORS = {f"{status}{STALE_SUFFIX}": "gray" for status in STATUS_COLORS}
# The Pin column's buttons: icons Streamlit ships (Material Symbols), so no emoji font is needed.
PIN_MARK = ":material/push_pin:"  # pinned: a click unpins
UNPINNED_MARK = ":material/add:"  # not pinned: a click pins
SORTS = ("Worst first", "Total lag", "Lag seconds", "Group id")
_RANK = {s.value: s.rank for s in Status}


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def groups_frame(health: Iterable[GroupHealth], pinned: Iterable[str] = ()) -> pd.DataFrame:
    """One row per group, pinned ones flagged (sorting puts them first)."""
    pinned = set(pinned)
    rows = [
        {
            "Pinned": h.group_id in pinned,
            "Group": h.group_id,
            "Status": h.status.value,
            "State": h.group.state,
            "Type": h.group.group_type.lower(),  # classic, or consumer (KIP-848)
            "Members": len(h.group.members),
            "Topics": ", ".join(h.group.topics),
            "Total lag": h.totals.total_lag,
            "Max lag": h.totals.max_lag,
            "Unknown": h.totals.unknown_partitions,
            "Lag s (est.)": _round(h.time_lag.seconds),
            "Consume/s": _round(h.consume_rate_per_s),
            "Produce/s": _round(h.produce_rate_per_s),
            "ETA s": _round(h.eta_s, 0),
            "Trend": list(h.sparkline),
            "Error": h.group.error or "",
        }
        for h in health
    ]
    columns = [
        "Pinned",
        "Group",
        "Status",
        "State",
        "Type",
        "Members",
        "Topics",
        "Total lag",
        "Max lag",
        "Unknown",
        "Lag s (est.)",
        "Consume/s",
        "Produce/s",
        "ETA s",
        "Trend",
        "Error",
    ]
    return pd.DataFrame(rows, columns=columns)


def filter_groups(
    df: pd.DataFrame, statuses: Iterable[str] = (), only_lagging: bool = False, search: str = ""
) -> pd.DataFrame:
    """Status in `statuses` (all when empty), total lag > 0, id contains `search` (any case).
    Pinned groups always stay: the watch-list is never filtered away."""
    keep = pd.Series(True, index=df.index)
    if statuses:
        keep &= df["Status"].isin(list(statuses))
    if only_lagging:
        keep &= df["Total lag"] > 0
    if search.strip():
        keep &= df["Group"].str.contains(search.strip(), case=False, regex=False)
    return df[keep | df["Pinned"]]


def status_summary(df: pd.DataFrame, shown: int) -> str:
    """'12 groups: STOP 2 · OK 10', with ' (showing N)' when filters hide some."""
    if df.empty:
        return "No consumer groups yet."
    counts = df["Status"].value_counts()
    by_status = " · ".join(f"{s} {counts[s]}" for s in sorted(counts.index, key=lambda s: -_RANK[s]))
    return f"{len(df)} groups: {by_status}" + (f" (showing {shown})" if shown != len(df) else "")


def sort_groups(df: pd.DataFrame, by: str = SORTS[0]) -> pd.DataFrame:
    """Pinned first, then by `by`: worst status (then total lag), lag, seconds, or id."""
    ranked = df.assign(_rank=df["Status"].map(_RANK), _pin=~df["Pinned"])
    keys = {
        "Worst first": (["_pin", "_rank", "Total lag", "Group"], [True, False, False, True]),
        "Total lag": (["_pin", "Total lag", "Group"], [True, False, True]),
        "Lag seconds": (["_pin", "Lag s (est.)", "Group"], [True, False, True]),
        "Group id": (["_pin", "Group"], [True, True]),
    }
    columns, ascending = keys.get(by, keys["Worst first"])
    return ranked.sort_values(columns, ascending=ascending, na_position="last").drop(columns=["_rank", "_pin"])


def order_by_ids(df: pd.DataFrame, group_ids: list[str]) -> pd.DataFrame:
    """The rows of `df` in the order of `group_ids` (incident.stable_order)."""
    position = {group_id: i for i, group_id in enumerate(group_ids)}
    return df.iloc[sorted(range(len(df)), key=lambda i: position.get(df["Group"].iloc[i], len(position)))]


def list_display(df: pd.DataFrame, stale: bool = False) -> pd.DataFrame:
    """What the list shows: a pin button in the Pin column (pinned, a click unpins; else a
    plus, a click pins), the status as a one-item list for the badge column, greyed and
    marked stale when the sample behind it is not current."""
    suffix = STALE_SUFFIX if stale else ""
    shown = df.assign(
        Pinned=df["Pinned"].map(lambda pinned: PIN_MARK if pinned else UNPINNED_MARK),
        Status=df["Status"].map(lambda status: [f"{status}{suffix}"]),
    )
    return shown.rename(columns={"Pinned": "Pin"})


def event_links(table: pd.DataFrame) -> list[str | None]:
    """Per partitions_frame row: the Messages page's link to the event at the committed offset,
    for a lagging partition (relative, so it works under any base path); None elsewhere."""
    links: list[str | None] = []
    for topic, partition, committed, lag in zip(
        table["Topic"], table["Partition"], table["Committed"], table["Lag"], strict=True
    ):
        lagging = not pd.isna(committed) and not pd.isna(lag) and lag > 0
        if lagging:
            query = MessagesQuery(topic, int(partition), Seek("offset", int(committed)))
            links.append(f"messages?{urlencode(to_params(query))}")
        else:
            links.append(None)
    return links


def partitions_frame(health: GroupHealth) -> pd.DataFrame:
    rows = [
        {
            "Topic": p.topic,
            "Partition": p.partition,
            "Committed": p.committed,
            "High": p.high,
            "Lag": p.lag,
            "Lag s": _round(p.time_lag.seconds),
            "Exact": p.time_lag.exact,
            "Status": p.status.value,
            "Owner": p.owner.client_id if p.owner else "",
            "Host": p.owner.host if p.owner else "",
            "Consume/s": _round(p.consume_rate_per_s),
            "Produce/s": _round(p.produce_rate_per_s),
            "ETA s": _round(p.eta_s, 0),
            "Error": p.error or "",
        }
        for p in health.partitions
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "Topic",
            "Partition",
            "Committed",
            "High",
            "Lag",
            "Lag s",
            "Exact",
            "Status",
            "Owner",
            "Host",
            "Consume/s",
            "Produce/s",
            "ETA s",
            "Error",
        ],
    )
    for column in ("Committed", "High", "Lag"):
        df[column] = df[column].astype("Int64")  # None stays missing, not 0 or NaN-as-float
    return df


def members_frame(group: GroupLag) -> pd.DataFrame:
    rows = [
        {
            "Client id": m.client_id,
            "Host": m.host,
            "Member id": m.member_id,
            "Instance id": m.instance_id or "",
            "Partitions": len(m.assignment),
            "Assignment": ", ".join(f"{t}[{p}]" for t, p in m.assignment),
        }
        for m in group.members
    ]
    return pd.DataFrame(rows, columns=["Client id", "Host", "Member id", "Instance id", "Partitions", "Assignment"])


def reset_preview_frame(plan: ResetPlan) -> pd.DataFrame:
    rows = [
        {
            "Topic": r.topic,
            "Partition": r.partition,
            "Current": r.current,
            "New": r.new,
            "Lag now": r.lag_before,
            "Lag after": r.lag_after,
            "Note": r.error or r.note or "",
        }
        for r in plan.rows
    ]
    df = pd.DataFrame(rows, columns=["Topic", "Partition", "Current", "New", "Lag now", "Lag after", "Note"])
    for column in ("Current", "New", "Lag now", "Lag after"):
        df[column] = df[column].astype("Int64")
    return df


def offsets_preview_frame(plan: OffsetDeletePlan) -> pd.DataFrame:
    rows = [(plan.topic, r.partition, r.committed, r.high, r.lag) for r in plan.rows]
    df = pd.DataFrame(rows, columns=["Topic", "Partition", "Committed", "End", "Lag that goes"])
    for column in ("Committed", "End", "Lag that goes"):
        df[column] = df[column].astype("Int64")
    return df


def format_duration(seconds: float | None) -> str:
    """12.3 s, 4 min 05 s, 2 h 03 min; an em dash when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def eta_text(eta_s: float | None, total_lag: int, has_partitions: bool) -> str:
    """ "caught up", a duration, or ∞ (not catching up at current rates)."""
    if not has_partitions:
        return "—"
    if total_lag == 0:
        return "caught up"
    return "∞" if eta_s is None else format_duration(eta_s)


def alerts_frame(deliveries) -> pd.DataFrame:
    """Newest first: one row per alert and webhook, with how its delivery went."""
    rows = [
        {
            "At": pd.Timestamp(d.alert.at_s, unit="s", tz="UTC"),
            "Group": d.alert.group,
            "Alert": d.alert.state,
            "Status": d.alert.status.value,
            "Was": d.alert.previous.value if d.alert.previous else "",
            "Webhook": d.target,
            "Result": d.result + (f" after {d.attempts} tries" if d.attempts > 1 else ""),
            "Error": d.error or "",
        }
        for d in deliveries
    ]
    return pd.DataFrame(rows, columns=["At", "Group", "Alert", "Status", "Was", "Webhook", "Result", "Error"])
