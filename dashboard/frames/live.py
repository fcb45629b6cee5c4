"""Tables and the rate chart of the Live events page, built from a TailSnapshot.

pandas + altair only (no Streamlit), so the page stays UI-only and these are
unit-testable. Every cell is plain text or a number: payloads never become
markup.
"""

from __future__ import annotations

import time

import altair as alt
import pandas as pd

from kafka_io.live.model import TailRecord, TailSnapshot
from kafka_io.live.rates import OTHER

__all__ = ["MAX_CHART_TYPES", "STATUS_COLORS", "rate_frame", "marker_frame", "rate_chart", "type_frame", "tail_frame"]

MAX_CHART_TYPES = 10  # more colours than this are unreadable: the rest are summed as OTHER
CHART_HEIGHT_PX = 260
STATUS_COLORS = {
    "running": "green",
    "starting": "blue",
    "reconnecting…": "orange",
    "topic deleted": "red",
    "waiting for topic": "orange",
    "paused": "gray",
    "stopped": "gray",
    "failed": "red",
}


def _chart_types(snapshot: TailSnapshot) -> list[str]:
    in_window: dict[str, int] = {}
    for _, event_type, count in snapshot.series:
        in_window[event_type] = in_window.get(event_type, 0) + count
    return sorted(in_window, key=lambda t: (-in_window[t], t))[:MAX_CHART_TYPES]


def rate_frame(snapshot: TailSnapshot) -> pd.DataFrame:
    """One row per (second, type) over the whole window, zero-filled (stacked areas need every second)."""
    last_s = snapshot.now_s - 1
    seconds = range(last_s - snapshot.window_s + 1, last_s + 1)
    keep = set(_chart_types(snapshot))
    if not keep:
        return pd.DataFrame({"time": _times(pd.Series([], dtype="int64")), "type": [], "events/s": []})
    rows: dict[tuple[int, str], int] = {}
    for sec, event_type, count in snapshot.series:
        event_type = event_type if event_type in keep else OTHER
        rows[sec, event_type] = rows.get((sec, event_type), 0) + count
    types = sorted({t for _, t in rows})
    index = pd.MultiIndex.from_product([seconds, types], names=["second", "type"])
    counts = pd.Series(rows, dtype="int64").reindex(index, fill_value=0)
    frame = counts.rename("events/s").reset_index()
    frame["time"] = _times(frame.pop("second"))
    return frame[["time", "type", "events/s"]]


def marker_frame(snapshot: TailSnapshot) -> pd.DataFrame:
    frame = pd.DataFrame(list(snapshot.markers), columns=["second", "type", "injected"])
    frame["time"] = _times(frame.pop("second"))
    return frame


def _times(seconds):
    # Time-zone aware, so the browser shows its own local time.
    return pd.to_datetime(seconds, unit="s", utc=True)


def rate_chart(snapshot: TailSnapshot) -> alt.LayerChart | alt.Chart:
    """Stacked areas of events/s by type; dashed rules mark events injected from the Produce page."""
    rates = rate_frame(snapshot)
    last_s = snapshot.now_s - 1
    domain = [_times(last_s - snapshot.window_s + 1).isoformat(), _times(last_s).isoformat()]
    x = alt.X("time:T", title=None, scale=alt.Scale(domain=domain), axis=alt.Axis(format="%H:%M:%S"))
    areas = (
        alt.Chart(rates)
        .mark_area(interpolate="linear", opacity=0.85)
        .encode(
            x=x,
            y=alt.Y("events/s:Q", stack="zero", title="events/s"),
            color=alt.Color(
                "type:N", title="type", sort=_chart_types(snapshot) + [OTHER], scale=alt.Scale(scheme="tableau10")
            ),
            tooltip=[alt.Tooltip("time:T", format="%H:%M:%S"), "type:N", "events/s:Q"],
        )
    )
    markers = marker_frame(snapshot)
    if markers.empty:
        return areas.properties(height=CHART_HEIGHT_PX)
    rules = (
        alt.Chart(markers)
        .mark_rule(color="#444", strokeDash=[4, 3], strokeWidth=1.5)
        .encode(
            x=x,
            tooltip=[
                alt.Tooltip("time:T", format="%H:%M:%S"),
                "type:N",
                alt.Tooltip("injected:Q", title="injected from dashboard"),
            ],
        )
    )
    points = rules.mark_point(shape="triangle-down", filled=True, size=90, color="#444").encode(y=alt.value(6))
    return alt.layer(areas, rules, points).properties(height=CHART_HEIGHT_PX)


def _clock(ts_s: float, with_ms: bool = False) -> str:
    stamp = time.strftime("%H:%M:%S", time.localtime(ts_s))
    return f"{stamp}.{int(ts_s * 1000) % 1000:03d}" if with_ms else stamp


def type_frame(snapshot: TailSnapshot) -> pd.DataFrame:
    """Per type: count, share of all counted, current rate, last seen; biggest first."""
    total = sum(snapshot.totals.values())
    rows = [
        {
            "type": event_type,
            "count": count,
            "share %": round(100 * count / total, 1) if total else 0.0,
            "rate /s": round(snapshot.rates_per_s.get(event_type, 0.0), 1),
            "last seen": _clock(snapshot.last_seen_s[event_type]) if event_type in snapshot.last_seen_s else "—",
        }
        for event_type, count in sorted(snapshot.totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return pd.DataFrame(rows, columns=["type", "count", "share %", "rate /s", "last seen"])


TAIL_COLUMNS = ["time", "type", "injected", "topic", "partition", "offset", "key", "value", "headers"]


def tail_frame(records: list[TailRecord] | tuple[TailRecord, ...]) -> pd.DataFrame:
    """The tail as text columns, in the order given (newest first)."""
    rows = [
        (
            _clock(r.ts_ms / 1000, with_ms=True) if r.ts_ms >= 0 else "—",
            r.type,
            "⚑ dashboard" if r.injected else "",
            r.topic,
            r.partition,
            r.offset,
            r.key,
            r.preview,
            "; ".join(f"{name}={value}" for name, value in r.headers),
        )
        for r in records
    ]
    return pd.DataFrame(rows, columns=TAIL_COLUMNS)
