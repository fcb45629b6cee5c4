"""Table tests for the consumer-groups page's data shaping (dashboard.frames.groups),
the sampler's interval setting, and the lag CLI's JSON shape."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.frames import groups as frames
from kafka_io.cli.lag import lag_report
from kafka_io.groups.health import GroupHealth, PartitionHealth
from kafka_io.groups.history import LagHistory
from kafka_io.groups.lag_math import GroupTotals, TimeLag
from kafka_io.groups.models import GroupLag, PartitionLag
from kafka_io.groups.sampler_snapshot import LagSnapshot
from kafka_io.groups.status import Status


def health(group_id, status, total, seconds=None, partitions=()):
    group = GroupLag(group_id, "EMPTY", (), tuple(partitions), 1.0)
    return GroupHealth(
        group, Status(status), GroupTotals(total, total, 0, 1), None, None, None, TimeLag(seconds, False), (total,), ()
    )


GROUPS = [
    health("alpha", "OK", 0, 0.0),
    health("bravo", "STOP", 50, 30.0),
    health("charlie", "WARN", 500, 10.0),
    health("delta", "STOP", 70, None),
    health("echo-pinned", "OK", 0, 0.0),
]


def ids(df: pd.DataFrame) -> list[str]:
    return list(df["Group"])


SORT_CASES = [
    # 1. default: pinned first, then worst status, then most lag
    pytest.param("Worst first", ["echo-pinned", "delta", "bravo", "charlie", "alpha"], id="01-worst-first"),
    # 2. by total lag
    pytest.param("Total lag", ["echo-pinned", "charlie", "delta", "bravo", "alpha"], id="02-total-lag"),
    # 3. by seconds; unknown seconds last
    pytest.param("Lag seconds", ["echo-pinned", "bravo", "charlie", "alpha", "delta"], id="03-seconds"),
    # 4. by id
    pytest.param("Group id", ["echo-pinned", "alpha", "bravo", "charlie", "delta"], id="04-id"),
]


@pytest.mark.parametrize(("by", "expected"), SORT_CASES)
def test_sort_groups(by, expected):
    assert ids(frames.sort_groups(frames.groups_frame(GROUPS, ["echo-pinned"]), by)) == expected


FILTER_CASES = [
    # 1. no filter
    pytest.param((), False, "", ["alpha", "bravo", "charlie", "delta", "echo-pinned"], id="01-none"),
    # 2. by status; the pinned group always stays
    pytest.param(("STOP",), False, "", ["bravo", "delta", "echo-pinned"], id="02-status"),
    # 3. only lagging
    pytest.param((), True, "", ["bravo", "charlie", "delta", "echo-pinned"], id="03-only-lagging"),
    # 4. search, any case, literal (no regex)
    pytest.param((), False, "CHAR", ["charlie", "echo-pinned"], id="04-search"),
    # 5. regex characters are literal
    pytest.param((), False, "a.p", ["echo-pinned"], id="05-literal"),
    # 6. combined
    pytest.param(("OK", "WARN"), True, "c", ["charlie", "echo-pinned"], id="06-combined"),
]


@pytest.mark.parametrize(("statuses", "only_lagging", "search", "expected"), FILTER_CASES)
def test_filter_groups(statuses, only_lagging, search, expected):
    df = frames.groups_frame(GROUPS, ["echo-pinned"])
    assert ids(frames.filter_groups(df, statuses, only_lagging, search)) == expected


def test_groups_frame_row():
    row = frames.groups_frame([health("bravo", "STOP", 50, 30.04)]).iloc[0]
    assert (row["Group"], row["Status"], row["Total lag"], row["Lag s (est.)"], row["Trend"]) == (
        "bravo",
        "STOP",
        50,
        30.0,
        [50],
    )
    assert not row["Pinned"]


DURATION_CASES = [
    pytest.param(None, "—", id="01-unknown"),  # 1.
    pytest.param(math.nan, "—", id="02-nan"),  # 2.
    pytest.param(0.0, "0.0 s", id="03-zero"),  # 3.
    pytest.param(59.94, "59.9 s", id="04-under-a-minute"),  # 4.
    pytest.param(65.0, "1 min 05 s", id="05-minutes"),  # 5.
    pytest.param(3600.0 * 2 + 180, "2 h 03 min", id="06-hours"),  # 6.
]


@pytest.mark.parametrize(("seconds", "text"), DURATION_CASES)
def test_format_duration(seconds, text):
    assert frames.format_duration(seconds) == text


def test_history_and_rates_frames_from_samples():
    history = LagHistory()
    # two partitions, 10 s apart: produced 20 + 10 msgs, consumed 10 + 0 msgs
    history.record(100.0, [("g", "t", 0, 100, 90), ("g", "t", 1, 50, None)])
    history.record(110.0, [("g", "t", 0, 120, 100), ("g", "t", 1, 60, 40)])
    df = frames.history_frame(history, "g")
    assert list(df["Lag"].astype(object).where(df["Lag"].notna(), None)) == [10, 20, None, 20]
    rates = frames.rates_frame(df)
    by_kind = dict(zip(rates["Kind"], rates["Messages/s"]))
    # partition 1 has no commit at t=100, so only partition 0 gives a consume delta
    assert by_kind == {"Produced": 2.0, "Consumed": 1.0}
    assert frames.lag_chart(df, "Partition").to_dict()["mark"]["type"] == "line"
    assert frames.rates_frame(frames.history_frame(LagHistory(), "g")).empty


def test_partitions_frame_keeps_unknown_as_missing():
    ph = PartitionHealth("t", 0, None, 10, None, Status.UNKNOWN, None, None, None, TimeLag(None, False), None, None)
    table = frames.partitions_frame(
        GroupHealth(
            GroupLag("g", "EMPTY", (), (), 1.0),
            Status.UNKNOWN,
            GroupTotals(0, 0, 1, 1),
            None,
            None,
            None,
            TimeLag(None, False),
            (),
            (ph,),
        )
    )
    assert table["Lag"].isna().all() and table["Committed"].isna().all()
    assert table["High"].iloc[0] == 10


def test_lag_report_has_exactly_the_documented_shape():
    part = PartitionHealth(
        "orders", 2, None, 40, None, Status.UNKNOWN, None, None, None, TimeLag(None, False), None, None
    )
    g = GroupHealth(
        GroupLag("billing", "STABLE", (), (PartitionLag("orders", 2, None, 40, None),), 9.0, group_type="CONSUMER"),
        Status.WARN,
        GroupTotals(0, 0, 1, 1),
        None,
        None,
        None,
        TimeLag(12.3456, True),
        (),
        (part,),
    )
    report = lag_report(LagSnapshot(9.0, 3.21, (g.group,)), [g])
    assert report == {
        "sampled_at": 9.0,
        "duration_ms": 3.21,
        "groups": [
            {
                "group": "billing",
                "state": "STABLE",
                "type": "consumer",
                "members": 0,
                "total_lag": 0,
                "max_lag": 0,
                "unknown_partitions": 1,
                "status": "WARN",
                "lag_seconds": 12.346,
                "partitions": [
                    {
                        "topic": "orders",
                        "partition": 2,
                        "committed": None,
                        "high": 40,
                        "lag": None,
                        "lag_seconds": None,
                        "status": "UNKNOWN",
                    }
                ],
            }
        ],
    }


ETA_TEXT_CASES = [
    pytest.param(None, 0, False, "—", id="01-no-partitions"),  # 1. nothing to catch up on
    pytest.param(0.0, 0, True, "caught up", id="02-caught-up"),  # 2.
    pytest.param(None, 5, True, "∞", id="03-not-catching-up"),  # 3.
    pytest.param(90.0, 5, True, "1 min 30 s", id="04-duration"),  # 4.
]


@pytest.mark.parametrize(("eta_s", "total_lag", "has_partitions", "text"), ETA_TEXT_CASES)
def test_eta_text(eta_s, total_lag, has_partitions, text):
    assert frames.eta_text(eta_s, total_lag, has_partitions) == text


def test_status_summary_counts_every_group_worst_first():
    df = frames.groups_frame(GROUPS, ["echo-pinned"])
    assert frames.status_summary(df, len(df)) == "5 groups: STOP 2 · WARN 1 · OK 2"
    assert frames.status_summary(df, 2) == "5 groups: STOP 2 · WARN 1 · OK 2 (showing 2)"
    assert frames.status_summary(df.iloc[0:0], 0) == "No consumer groups yet."


def test_list_display_marks_pins_and_greys_stale_statuses():
    df = frames.groups_frame(GROUPS[:2], ["bravo"])
    current = frames.list_display(df)
    assert list(current["Pin"]) == [frames.UNPINNED_MARK, frames.PIN_MARK] == [":material/add:", ":material/push_pin:"]
    assert list(current["Status"]) == [["OK"], ["STOP"]]
    stale = frames.list_display(df, stale=True)
    assert list(stale["Status"]) == [["OK · stale"], ["STOP · stale"]]
    # every value the badge column can show has a colour, and stale ones are grey
    assert {"OK · stale", "STOP · stale"} <= set(frames.STALE_COLORS)
    assert set(frames.STALE_COLORS.values()) == {"gray"}


def test_order_by_ids_follows_the_given_order():
    df = frames.groups_frame(GROUPS)
    assert ids(frames.order_by_ids(df, ["delta", "alpha", "echo-pinned", "bravo", "charlie"])) == [
        "delta",
        "alpha",
        "echo-pinned",
        "bravo",
        "charlie",
    ]


def test_charts_use_a_24_hour_clock_and_skip_empty_data():
    history = LagHistory()
    history.record(100.0, [("g", "t", 0, 100, 90)])
    one_sample = frames.history_frame(history, "g")
    # One sample has no rate yet: no chart at all, rather than an empty one that
    # makes Vega log "Infinite extent" on every refresh.
    assert frames.rates_chart(frames.rates_frame(one_sample)) is None
    assert frames.lag_chart(frames.history_frame(LagHistory(), "g")) is None
    history.record(110.0, [("g", "t", 0, 130, 100)])
    history.record(110.0, [("g", "t", 0, 130, 100)])  # same time stamp twice: a 0 s step
    df = frames.history_frame(history, "g")
    rates = frames.rates_frame(df)
    assert rates["Messages/s"].map(math.isfinite).all()
    for chart in (frames.lag_chart(df), frames.rates_chart(rates)):
        spec = chart.to_dict()
        assert spec["encoding"]["x"]["axis"]["format"] == "%H:%M"  # 14:04, never 02:04
        assert spec["encoding"]["tooltip"][0]["format"] == "%H:%M:%S"


LINK_CASES = [
    (("orders", 2, 417, 3), "messages?topic=orders&partition=2&offset=417"),  # 1. lagging: the stuck event
    (("orders", 0, 10, 0), None),  # 2. caught up: no link
    (("orders", 1, None, None), None),  # 3. no commit: lag unknown, nothing to link to
    (("a b&c", 0, 0, 1), "messages?topic=a+b%26c&partition=0&offset=0"),  # 4. quoted (a name from the broker)
]


@pytest.mark.parametrize(("row", "expected"), LINK_CASES, ids=[f"{i:02d}" for i in range(1, len(LINK_CASES) + 1)])
def test_a_lagging_partition_links_to_the_event_at_its_committed_offset(row, expected):
    table = pd.DataFrame([row], columns=["Topic", "Partition", "Committed", "Lag"])
    for column in ("Committed", "Lag"):
        table[column] = table[column].astype("Int64")
    assert frames.event_links(table) == [expected]
