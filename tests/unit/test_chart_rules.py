"""Table tests for the live chart's readability rules: which events count as injected,
injected events grouped into bands, and the y axis a spike cannot flatten."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from kafka_io.live.chart_rules import (
    HEADROOM,
    MIN_SPAN_S,
    OTHER_COLOR,
    PALETTE,
    Ceiling,
    MarkerBand,
    color_scale,
    first_seen,
    marker_bands,
    totals_per_second,
    x_domain,
    y_ceiling,
)
from kafka_io.wire import SOURCE_HEADER_KEY, from_dashboard

SOURCE_CASES = [
    ([(SOURCE_HEADER_KEY, b"dashboard")], True),  # 1. the Produce page and the CLI
    ([(SOURCE_HEADER_KEY, b"demo")], False),  # 2. the demo's background traffic
    ([("trace", b"t"), (SOURCE_HEADER_KEY, b"dashboard")], True),  # 3. among other headers
    ([(SOURCE_HEADER_KEY, None)], False),  # 4. a header with no value
    ([(SOURCE_HEADER_KEY, b"Dashboard")], False),  # 5. someone else's spelling
    ([(SOURCE_HEADER_KEY, b"demo"), (SOURCE_HEADER_KEY, b"dashboard")], False),  # 6. the first one decides
    ([("X-KDASH-SOURCE", b"dashboard")], False),  # 7. header names are case-sensitive in Kafka
    ([], False),  # 8. no headers
    (None, False),  # 9. librdkafka gives None when a record has none
]


@pytest.mark.parametrize(("headers", "expected"), SOURCE_CASES, ids=ids(SOURCE_CASES))
def test_only_the_dashboards_own_source_counts_as_injected(headers, expected):
    assert from_dashboard(headers) is expected


BAND_CASES = [
    ([], []),  # 1. nothing injected
    ([(100, "a", 1)], [MarkerBand(100, 100, 1, ("a",))]),  # 2. one event sent by hand
    (  # 3. a burst over 4 seconds is one band, however many events
        [(100, "a", 500), (101, "a", 500), (102, "a", 500), (103, "a", 12)],
        [MarkerBand(100, 103, 1512, ("a",))],
    ),
    (  # 4. one quiet second inside a burst does not split it (gap 2)
        [(100, "a", 5), (102, "a", 5)],
        [MarkerBand(100, 102, 10, ("a",))],
    ),
    (  # 5. two events sent by hand 10 s apart are two bands
        [(100, "a", 1), (110, "b", 1)],
        [MarkerBand(100, 100, 1, ("a",)), MarkerBand(110, 110, 1, ("b",))],
    ),
    (  # 6. types most frequent first, three at most; the same (second, type) twice adds up
        [(100, "c", 1), (100, "a", 3), (101, "b", 2), (101, "d", 1), (100, "c", 1)],
        [MarkerBand(100, 101, 8, ("a", "b", "c"))],
    ),
    (
        [(105, "a", 1), (100, "a", 1)],
        [MarkerBand(100, 100, 1, ("a",)), MarkerBand(105, 105, 1, ("a",))],
    ),  # 7. any order
    ([(100, "a", 0)], []),  # 8. zero counts draw nothing
]


@pytest.mark.parametrize(("markers", "expected"), BAND_CASES, ids=ids(BAND_CASES))
def test_injected_markers_group_into_one_band_per_burst(markers, expected):
    assert marker_bands(markers) == expected


def test_a_burst_of_thousands_is_one_band_not_thousands_of_rules():
    markers = [(1000 + s, t, 250) for s in range(20) for t in ("login", "purchase")]
    assert marker_bands(markers) == [MarkerBand(1000, 1019, 10_000, ("login", "purchase"))]


def test_totals_sum_types_per_second():
    assert totals_per_second([(1, "a", 2), (1, "b", 3), (2, "a", 1)]) == {1: 5, 2: 1}


def steady(n: int = 60, rate: int = 20, start: int = 0) -> dict[int, int]:
    return {start + i: rate + (i % 3) for i in range(n)}  # 20..22 events/s


CEILING_CASES = [
    ({}, None),  # 1. no traffic
    (steady(4), None),  # 2. too few busy seconds to know what normal is
    (steady(), None),  # 3. steady traffic: nothing to clip
    ({**steady(), 30: 60}, None),  # 4. a wobble under 4x the median is not a spike
    ({**steady(), 30: 500}, Ceiling(22 * HEADROOM, 500, 30, 1)),  # 5. one 500/s second
    (  # 6. a 500/s burst of 10 s over 20/s traffic: axis at the traffic's height
        {**steady(), **{s: 520 for s in range(40, 50)}},
        Ceiling(22 * HEADROOM, 520, 40, 10),
    ),
    ({**steady(), 10: 0, 30: 500}, Ceiling(22 * HEADROOM, 500, 30, 1)),  # 7. idle seconds are not "normal"
    ({s: 500 for s in range(40)} | steady(10, start=100), None),  # 8. mostly a burst: the burst is normal
]


@pytest.mark.parametrize(("totals", "expected"), CEILING_CASES, ids=ids(CEILING_CASES))
def test_the_axis_clips_a_spike_and_keeps_normal_traffic_readable(totals, expected):
    assert y_ceiling(totals) == expected


FIRST_SEEN_CASES = [
    ((), [], ()),  # 1. nothing yet
    ((), [(10, "b", 1), (12, "a", 1)], ("b", "a")),  # 2. by first second, not by name
    ((), [(12, "a", 1), (10, "b", 1), (10, "a", 1)], ("a", "b")),  # 3. any order; a's first second is 10
    (("page_view",), [(10, "click", 9), (11, "page_view", 1)], ("page_view", "click")),  # 4. known keep their place
    ((), [(10, "b", 1), (10, "a", 1)], ("a", "b")),  # 5. same second: by name, so redraws agree
    ((), [(10, "a", 0)], ()),  # 6. a zero count is not a sighting
    (("a", "b"), [(5, "c", 1), (1, "b", 9)], ("a", "b", "c")),  # 7. a busier known type does not move
]


@pytest.mark.parametrize(("known", "series", "expected"), FIRST_SEEN_CASES, ids=ids(FIRST_SEEN_CASES))
def test_types_are_ordered_by_first_sighting_and_the_order_only_grows(known, series, expected):
    assert first_seen(known, series) == expected


COLOR_CASES = [
    (("a", "b"), ["b", "a"], (["b", "a"], [PALETTE[1], PALETTE[0]])),  # 1. colour follows first sighting, not rank
    (("a", "b"), ["b"], (["b"], [PALETTE[1]])),  # 2. a type keeps its colour when another leaves the chart
    (("a",), ["a", "OTHER"], (["a", "OTHER"], [PALETTE[0], OTHER_COLOR])),  # 3. OTHER is grey
    (("a",), ["z"], (["z"], [PALETTE[1]])),  # 4. unknown to the order: the next free slot
    (tuple(f"t{i}" for i in range(21)), ["t20"], (["t20"], [PALETTE[0]])),  # 5. the 21st type reuses the first colour
    ((), [], ([], [])),  # 6. nothing shown
]


@pytest.mark.parametrize(("order", "shown", "expected"), COLOR_CASES, ids=ids(COLOR_CASES))
def test_each_type_keeps_the_colour_of_its_first_sighting(order, shown, expected):
    assert color_scale(order, shown, "OTHER") == expected


X_CASES = [
    (1000, 300, None, (700, 999)),  # 1. no event: the whole window
    (1000, 300, 500, (700, 999)),  # 2. first event before the window: the window has filled
    (1000, 300, 900, (900, 999)),  # 3. first event 100 s ago: start there
    (1000, 300, 995, (970, 999)),  # 4. just after Watch: at least MIN_SPAN_S (30 s) wide
    (1000, 20, 995, (980, 999)),  # 5. a window shorter than MIN_SPAN_S stays the window
    (1000, 300, 701, (701, 999)),  # 6. one second short of full
    (1000, 300, 700, (700, 999)),  # 7. exactly full
    (1000, 300, 1200, (970, 999)),  # 8. a record time in the future (clock skew): the newest 30 s
]


@pytest.mark.parametrize(("now_s", "window_s", "first_s", "expected"), X_CASES, ids=ids(X_CASES))
def test_the_x_axis_starts_at_the_first_event_until_the_window_fills(now_s, window_s, first_s, expected):
    assert x_domain(now_s, window_s, first_s) == expected
    assert MIN_SPAN_S == 30
