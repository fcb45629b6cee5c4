"""The Live events page's tables and chart data (pandas/altair, no Streamlit)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.frames.live import (
    MAX_CHART_TYPES,
    ceiling_caption,
    chart_ceiling,
    marker_caption,
    rate_chart,
    rate_frame,
    tail_frame,
    type_frame,
)
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


def test_chart_draws_one_band_per_burst_of_injected_events():
    markers = tuple((965 + s, "a", 500) for s in range(5)) + ((998, "b", 1),)
    spec = rate_chart(snap(series=((998, "a", 2),), markers=markers, window_s=40)).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "rect", "point", "text", "text"]
    rows = [rows for rows in spec["datasets"].values() if rows and "injected" in rows[0]]
    # The older band is labelled to its right, the newest (near the right edge) to its left.
    assert [(r["injected"], r["label"], r["late"], r["label_y"]) for r in rows[0]] == [
        (2500, "⚑ 2,500", False, 6),
        (1, "⚑ 1", True, 20),
    ]
    assert [(layer["mark"]["align"], layer["transform"]) for layer in spec["layer"][3:]] == [
        ("left", [{"filter": "(datum.late === false)"}]),
        ("right", [{"filter": "(datum.late === true)"}]),
    ]


def spiky(**kw) -> TailSnapshot:
    series = tuple((940 + s, "a", 20) for s in range(59)) + ((999, "a", 500),)
    return snap(series=series, window_s=60, **kw)


def test_chart_clips_a_spike_by_default_and_labels_its_peak():
    spec = rate_chart(spiky()).to_dict()
    y_scale = spec["layer"][0]["encoding"]["y"]["scale"]
    assert y_scale == {"domain": [0, 24.0], "clamp": True}
    labels = [rows for rows in spec["datasets"].values() if rows and "label" in rows[0]]
    assert labels[0][0]["label"] == "↑ peak 500/s"
    assert chart_ceiling(spiky()).peak == 500
    assert ceiling_caption(chart_ceiling(spiky())).startswith("Axis clipped at 24 events/s")


@pytest.mark.parametrize(("scale", "expected"), [("linear", {}), ("log", {"type": "symlog"})])
def test_linear_and_log_axes_show_the_whole_spike(scale, expected):
    spec = rate_chart(spiky(), scale).to_dict()
    layer = spec["layer"][0] if "layer" in spec else spec
    assert layer["encoding"]["y"].get("scale") == expected


def test_an_unknown_scale_is_a_bug():
    with pytest.raises(ValueError, match="scale must be one of clip, linear, log"):
        rate_chart(spiky(), "cubic")


def test_marker_caption_lists_bands_newest_first():
    assert marker_caption(snap()) == "No events injected from this dashboard in this window."
    markers = ((990, "a", 1),) + tuple((995 + s, "b", 400) for s in range(3))
    text = marker_caption(snap(markers=markers, window_s=20))
    assert text.startswith("⚑ Injected from this dashboard: ")
    assert text.index("1,200 events (b)") < text.index("1 event (a)")


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


def _color_of(spec: dict) -> dict[str, str]:
    layer = spec["layer"][0] if "layer" in spec else spec
    scale = layer["encoding"]["color"]["scale"]
    return dict(zip(scale["domain"], scale["range"], strict=True))


def test_a_type_keeps_its_colour_when_the_ranking_changes_between_redraws():
    order = ("page_view", "click")
    first = rate_chart(snap(series=((996, "page_view", 9), (997, "click", 1))), type_order=order).to_dict()
    later = rate_chart(snap(series=((996, "page_view", 1), (997, "click", 9))), type_order=order).to_dict()
    assert _color_of(first) == _color_of(later) == {"page_view": "#4e79a7", "click": "#f28e2b"}


def test_the_x_axis_starts_at_the_first_event_until_the_window_fills():
    spec = rate_chart(snap(series=((990, "a", 1),), window_s=300)).to_dict()
    assert spec["encoding"]["x"]["scale"]["domain"] == [
        pd.Timestamp(970, unit="s", tz="UTC").isoformat(),  # at least 30 s wide
        pd.Timestamp(999, unit="s", tz="UTC").isoformat(),
    ]
    assert len(rate_frame(snap(series=((990, "a", 1),), window_s=300))) == 30  # zero-filled from 970 only
