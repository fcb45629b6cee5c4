"""The Live events page's tables and chart data (pandas/altair, no Streamlit)."""

from __future__ import annotations

import pandas as pd

from dashboard.frames.live import MAX_CHART_TYPES, rate_chart, rate_frame, tail_frame, type_frame
from kafka_io.live.model import TailSnapshot, make_record
from kafka_io.live.rates import OTHER


def snap(**kw) -> TailSnapshot:
    base = dict(status="running", now_s=1000, window_s=5)
    base.update(kw)
    return TailSnapshot(**base)


def test_rate_frame_zero_fills_every_second_of_the_window():
    frame = rate_frame(snap(series=((996, "a", 3), (998, "b", 1))))
    assert len(frame) == 5 * 2  # seconds 995..999 x types a, b
    by = {(int(t.timestamp()), ty): n for t, ty, n in frame.itertuples(index=False)}
    assert by[(996, "a")] == 3 and by[(998, "b")] == 1 and by[(995, "a")] == 0 and by[(999, "b")] == 0
    assert sum(by.values()) == 4


def test_rate_frame_keeps_the_busiest_types_and_sums_the_rest():
    series = tuple((999, f"t{i:02d}", 100 - i) for i in range(MAX_CHART_TYPES + 3))
    frame = rate_frame(snap(series=series, window_s=1))
    assert set(frame["type"]) == {f"t{i:02d}" for i in range(MAX_CHART_TYPES)} | {OTHER}
    assert frame.loc[frame["type"] == OTHER, "events/s"].sum() == sum(
        100 - i for i in range(MAX_CHART_TYPES, MAX_CHART_TYPES + 3)
    )


def test_empty_snapshot_gives_an_empty_frame_and_a_chart():
    assert rate_frame(snap()).empty
    assert rate_chart(snap()).to_dict()["mark"]["type"] == "area"


def test_chart_layers_markers_for_injected_events():
    spec = rate_chart(snap(series=((998, "a", 2),), markers=((998, "a", 1),))).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "rule", "point"]


def test_type_frame_shares_and_order():
    frame = type_frame(snap(totals={"a": 3, "b": 1}, rates_per_s={"a": 0.6}, last_seen_s={"a": 999, "b": 990}))
    assert list(frame["type"]) == ["a", "b"]
    assert list(frame["count"]) == [3, 1] and list(frame["share %"]) == [75.0, 25.0]
    assert list(frame["rate /s"]) == [0.6, 0.0]


def test_tail_frame_is_text_with_markers():
    records = [make_record(1, "t", 0, 7, 1_000_500, b"k", [("x-kdash-source", b"dashboard")], b"**bold**", "a", True)]
    frame = tail_frame(records)
    assert list(frame.columns) == [
        "time",
        "type",
        "injected",
        "topic",
        "partition",
        "offset",
        "key",
        "value",
        "headers",
    ]
    row = frame.iloc[0]
    assert (row["value"], row["headers"], row["injected"]) == ("**bold**", "x-kdash-source=dashboard", "⚑ dashboard")
    assert row["time"].endswith(".500")
    assert isinstance(tail_frame([]), pd.DataFrame) and tail_frame([]).empty
