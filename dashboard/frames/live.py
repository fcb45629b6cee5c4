"""Tables and the rate chart of the Live events page, built from a TailSnapshot.

pandas + altair only (no Streamlit), so the page stays UI-only and these are
unit-testable. Every cell is plain text or a number: payloads never become
markup.
"""

from __future__ import annotations

import time

import altair as alt
import pandas as pd

from kafka_io.live.chart_rules import (
    Ceiling,
    MarkerBand,
    color_scale,
    marker_bands,
    totals_per_second,
    x_domain,
    y_ceiling,
)
from kafka_io.live.model import TailRecord, TailSnapshot
from kafka_io.live.rates import OTHER

__all__ = [
    "MAX_CHART_TYPES",
    "SCALES",
    "STATUS_COLORS",
    "band_frame",
    "ceiling_caption",
    "chart_ceiling",
    "chart_span",
    "marker_caption",
    "rate_chart",
    "rate_frame",
    "tail_frame",
    "type_frame",
]

MAX_CHART_TYPES = 10  # more colours than this are unreadable: the rest are summed as OTHER
CHART_HEIGHT_PX = 260
MAX_BANDS_LISTED = 4
LABEL_ROWS_PX = (6, 20)  # y of band labels (pixels from the top); the spike's label sits below both
# The y-axis choices: a spike clipped (default), everything linear, or a log axis.
SCALES = {"Clip spikes": "clip", "Linear": "linear", "Log": "log"}
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


def chart_span(snapshot: TailSnapshot) -> tuple[int, int]:
    """The x axis (first, last second): the window, or from the first event until it fills."""
    # Markers are a subset of the series; counted too so a band is never left of the axis.
    counted = (sec for sec, _, count in (*snapshot.series, *snapshot.markers) if count > 0)
    first_s = min(counted, default=None)
    return x_domain(snapshot.now_s, snapshot.window_s, first_s)


def rate_frame(snapshot: TailSnapshot) -> pd.DataFrame:
    """One row per (second, type) over the chart's span, zero-filled (stacked areas need every second)."""
    first_s, last_s = chart_span(snapshot)
    seconds = range(first_s, last_s + 1)
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


def band_frame(bands: list[MarkerBand]) -> pd.DataFrame:
    """One row per band of injected events: start, end (one second past the last), count, types."""
    rows = [(_times(b.first_s), _times(b.last_s + 1), b.count, ", ".join(b.types), _band_label(b)) for b in bands]
    return pd.DataFrame(rows, columns=["start", "end", "injected", "types", "label"])


def _band_label(band: MarkerBand) -> str:
    return f"⚑ {band.count:,}"


def _times(seconds):
    # Time-zone aware, so the browser shows its own local time.
    return pd.to_datetime(seconds, unit="s", utc=True)


def rate_chart(
    snapshot: TailSnapshot, scale: str = "clip", type_order: tuple[str, ...] = ()
) -> alt.LayerChart | alt.Chart:
    """Stacked areas of events/s by type; shaded bands mark events injected from this dashboard.

    ``type_order``: the view's types in first-seen order (chart_rules.first_seen);
    a type's colour is its place there, so it keeps it between redraws.

    ``scale``: "clip" ends the axis above normal traffic when a spike towers
    over it (the spike's peak is labelled), "linear" shows everything, "log" a
    symmetric log axis (zero stays drawable).
    """
    if scale not in SCALES.values():
        raise ValueError(f"scale must be one of {', '.join(SCALES.values())}, got {scale!r}")
    rates = rate_frame(snapshot)
    first_s, last_s = chart_span(snapshot)
    domain = [_times(first_s).isoformat(), _times(last_s).isoformat()]
    shown = _chart_types(snapshot)
    if len(set(rates["type"])) > len(shown):
        shown.append(OTHER)
    color_domain, color_range = color_scale(type_order, shown, OTHER)
    x = alt.X("time:T", title=None, scale=alt.Scale(domain=domain), axis=alt.Axis(format="%H:%M:%S"))
    ceiling = chart_ceiling(snapshot) if scale == "clip" else None
    if scale == "log":
        y_scale = alt.Scale(type="symlog")
    elif ceiling is not None:
        y_scale = alt.Scale(domain=[0, ceiling.y_max], clamp=True)
    else:
        y_scale = alt.Scale()
    areas = (
        alt.Chart(rates)
        .mark_area(interpolate="linear", opacity=0.85, clip=True)
        .encode(
            x=x,
            y=alt.Y("events/s:Q", stack="zero", title="events/s", scale=y_scale),
            color=alt.Color(
                "type:N",
                title="type",
                sort=color_domain,
                scale=alt.Scale(domain=color_domain, range=color_range),
                # Below the chart: at the side, ten type names took half the width from the time axis.
                legend=alt.Legend(orient="bottom", columns=4, title=None),
            ),
            tooltip=[alt.Tooltip("time:T", format="%H:%M:%S"), "type:N", "events/s:Q"],
        )
    )
    layers = [areas]
    if ceiling is not None:
        peak = pd.DataFrame({"time": [_times(ceiling.peak_s)], "label": [f"↑ peak {ceiling.peak:,}/s"]})
        layers.append(
            alt.Chart(peak)
            # Below the bands' labels (which sit at the top edge), left of the spike: they never overlap.
            .mark_text(align="right", dx=-4, baseline="top", fontWeight="bold", color="#b00")
            .encode(x=alt.X("time:T", title=None, scale=alt.Scale(domain=domain)), y=alt.value(34), text="label:N")
        )
    bands = band_frame(marker_bands(snapshot.markers))
    if not bands.empty:
        band_x = alt.X("start:T", title=None, scale=alt.Scale(domain=domain))
        tooltip = [
            alt.Tooltip("start:T", format="%H:%M:%S", title="from"),
            alt.Tooltip("end:T", format="%H:%M:%S", title="until"),
            alt.Tooltip("injected:Q", title="injected from this dashboard", format=","),
            alt.Tooltip("types:N", title="types"),
        ]
        base = alt.Chart(bands).encode(x=band_x, tooltip=tooltip)
        layers += [
            base.mark_rect(
                clip=True, color="#444", opacity=0.22, stroke="#222", strokeDash=[4, 3], strokeWidth=1
            ).encode(x2="end:T"),
            base.mark_point(shape="triangle-down", filled=True, size=80, color="#222").encode(y=alt.value(6)),
        ]
        # A label reads away from the nearer edge, so a band at the right edge (the newest) is not cut off.
        bands["late"] = bands["start"] > _times((first_s + last_s) // 2)
        # Neighbouring bands alternate between two rows, so close labels do not print over each other.
        bands["label_y"] = [LABEL_ROWS_PX[i % len(LABEL_ROWS_PX)] for i in range(len(bands))]
        for late, align, dx in ((False, "left", 6), (True, "right", -6)):
            layers.append(
                base.transform_filter(alt.datum.late == late)
                .mark_text(align=align, dx=dx, baseline="middle", fontSize=11, color="#222")
                .encode(y=alt.Y("label_y:Q", scale=None), text="label:N")
            )
    if len(layers) == 1:
        return areas.properties(height=CHART_HEIGHT_PX)
    return alt.layer(*layers).properties(height=CHART_HEIGHT_PX)


def chart_ceiling(snapshot: TailSnapshot) -> Ceiling | None:
    """The clipped axis's top for this snapshot, or None when no spike towers over normal traffic."""
    return y_ceiling(totals_per_second(snapshot.series))


def marker_caption(snapshot: TailSnapshot, max_bands: int = MAX_BANDS_LISTED) -> str:
    """The chart's bands in words, newest first: what a screen reader, a test and a glance can read."""
    bands = marker_bands(snapshot.markers)
    if not bands:
        return "No events injected from this dashboard in this window."
    parts = []
    for band in reversed(bands[-max_bands:]):
        when = _clock(band.first_s) if band.seconds == 1 else f"{_clock(band.first_s)}–{_clock(band.last_s)}"
        parts.append(f"{when} · {band.count:,} event{'s' * (band.count != 1)} ({', '.join(band.types)})")
    more = f" and {len(bands) - max_bands} earlier" if len(bands) > max_bands else ""
    return f"⚑ Injected from this dashboard: {'; '.join(parts)}{more}."


def ceiling_caption(ceiling: Ceiling) -> str:
    return (
        f"Axis clipped at {ceiling.y_max:,.0f} events/s so normal traffic stays readable: "
        f"a spike peaks at {ceiling.peak:,}/s at {_clock(ceiling.peak_s)} "
        f"({ceiling.clipped_seconds} s above the axis). Choose Linear to see all of it."
    )


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
