"""Charts of one group's sampled history for its page: the long-format
history, lag over time, and produced-vs-consumed rates (pandas + altair).

Two rules, both from issue #17: every time axis and tooltip uses a 24-hour
clock, and a chart with no data is not drawn at all (an empty one makes Vega
log "Infinite extent" on every refresh); the builders return None instead.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from kafka_io.groups.history import LagHistory

__all__ = ["TIME_AXIS", "TIME_TOOLTIP", "history_frame", "lag_chart", "rates_chart", "rates_frame"]

# Vega's default axis format shows 14:04 as "02:04" (a 12-hour clock without AM/PM).
TIME_AXIS = alt.Axis(format="%H:%M", title=None)
TIME_TOOLTIP = alt.Tooltip("Time:T", format="%H:%M:%S", title="Time")


def history_frame(history: LagHistory, group_id: str, since_s: float | None = None) -> pd.DataFrame:
    """Long format: one row per (time, topic, partition) with both offsets and the lag."""
    rows = [
        {"Time": s.ts_s, "Topic": topic, "Partition": partition, "High": s.high, "Committed": s.committed, "Lag": s.lag}
        for (topic, partition), samples in history.group_samples(group_id, since_s).items()
        for s in samples
    ]
    df = pd.DataFrame(rows, columns=["Time", "Topic", "Partition", "High", "Committed", "Lag"])
    df["Time"] = pd.to_datetime(df["Time"], unit="s", utc=True)
    for column in ("High", "Committed", "Lag"):
        df[column] = df[column].astype("Int64")
    return df


def lag_chart(history_df: pd.DataFrame, by: str = "Topic") -> alt.Chart | None:
    """Lag over time, summed per topic or one line per partition; None with no known lag."""
    known = history_df.dropna(subset=["Lag"])
    if by == "Partition":
        data = known.assign(Series=known["Topic"] + "[" + known["Partition"].astype(str) + "]")
    else:
        data = known.groupby(["Time", "Topic"], as_index=False)["Lag"].sum().rename(columns={"Topic": "Series"})
    if data.empty:
        return None  # an empty chart makes Vega log "Infinite extent" on every refresh
    data = data.assign(Lag=data["Lag"].astype("int64"))
    return (
        alt.Chart(data)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("Time:T", axis=TIME_AXIS),
            y=alt.Y("Lag:Q", title="Lag (messages)"),
            color=alt.Color("Series:N", title=by),
            tooltip=[TIME_TOOLTIP, "Series:N", "Lag:Q"],
        )
    )


def rates_frame(history_df: pd.DataFrame) -> pd.DataFrame:
    """Messages/s produced (high watermark deltas) and consumed (commit deltas)
    between consecutive samples, summed over the group's partitions."""
    if history_df.empty:
        return pd.DataFrame(columns=["Time", "Kind", "Messages/s"])
    df = history_df.sort_values("Time")
    parts = []
    for _, series in df.groupby(["Topic", "Partition"]):
        dt_s = series["Time"].diff().dt.total_seconds()
        parts.append(
            pd.DataFrame(
                {
                    "Time": series["Time"],
                    "Produced": (series["High"].astype("Float64").diff() / dt_s).clip(lower=0),
                    "Consumed": (series["Committed"].astype("Float64").diff() / dt_s).clip(lower=0),
                }
            )
        )
    # Two samples with the same time stamp give a 0 s step: inf, which Vega cannot scale.
    summed = (
        pd.concat(parts)
        .replace([math.inf, -math.inf], pd.NA)
        .dropna()
        .groupby("Time", as_index=False)[["Produced", "Consumed"]]
        .sum()
    )
    return summed.melt(id_vars="Time", var_name="Kind", value_name="Messages/s")


def rates_chart(rates_df: pd.DataFrame) -> alt.Chart | None:
    """Produced vs consumed messages/s; None until two samples give a rate."""
    if rates_df.empty:
        return None  # an empty chart makes Vega log "Infinite extent" on every refresh
    data = rates_df.assign(**{"Messages/s": rates_df["Messages/s"].astype("float64")})
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("Time:T", axis=TIME_AXIS),
            y=alt.Y("Messages/s:Q"),
            color=alt.Color("Kind:N", scale=alt.Scale(domain=["Produced", "Consumed"], range=["#e45756", "#4c78a8"])),
            tooltip=[TIME_TOOLTIP, "Kind:N", alt.Tooltip("Messages/s:Q", format=".1f")],
        )
    )
