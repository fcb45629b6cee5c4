"""Table tests for kafka_io.groups.lag_math and kafka_io.groups.status, in Burrow's style:
one numbered, commented table per rule, each case with its exact answer."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from kafka_io.errors import InvalidInput
from kafka_io.groups.lag_math import (
    GroupTotals,
    Sample,
    TimeLag,
    consume_rate_per_s,
    estimate_time_lag,
    eta_s,
    exact_time_lag,
    group_totals,
    partition_lag,
    produce_rate_per_s,
    sanitize_points,
)
from kafka_io.groups.status import Status, at_or_above, group_status, partition_status

NOW_S = 1000.0  # later than every sample in the tables below
OFFSET_INVALID = -1001  # librdkafka's "no committed offset"


def window(*points: tuple[int, int | None], t0_s: float = 100.0, step_s: float = 10.0) -> list[Sample]:
    """Samples at t0_s, t0_s + step_s, ... from (high, committed) pairs."""
    return [Sample(t0_s + i * step_s, high, committed) for i, (high, committed) in enumerate(points)]


# --- partition_lag ----------------------------------------------------------

PARTITION_LAG_CASES = [
    # 1. plain lag
    pytest.param(100, 40, 60, id="01-behind"),
    # 2. caught up
    pytest.param(100, 100, 0, id="02-caught-up"),
    # 3. commit read after the watermark: clamp, never negative
    pytest.param(100, 120, 0, id="03-ahead-clamped"),
    # 4. no commit: unknown, not 0
    pytest.param(100, None, None, id="04-no-commit"),
    # 5. librdkafka OFFSET_INVALID sentinel is "no commit"
    pytest.param(100, OFFSET_INVALID, None, id="05-offset-invalid"),
    # 6. any negative commit is a sentinel
    pytest.param(100, -1, None, id="06-negative-commit"),
    # 7. empty partition, committed at 0
    pytest.param(0, 0, 0, id="07-empty-partition"),
    # 8. unknown watermark (-1): unknown lag
    pytest.param(-1, 5, None, id="08-unknown-high"),
    # 9. big offsets stay exact ints
    pytest.param(10**15, 1, 10**15 - 1, id="09-big-offsets"),
]


@pytest.mark.parametrize(("high", "committed", "expected"), PARTITION_LAG_CASES)
def test_partition_lag(high, committed, expected):
    assert partition_lag(high, committed) == expected
    assert Sample(0.0, high, committed).lag == expected


# --- group_totals -----------------------------------------------------------

GROUP_TOTALS_CASES = [
    # 1. no partitions
    pytest.param([], GroupTotals(0, 0, 0, 0), id="01-empty"),
    # 2. all known
    pytest.param([5, 0, 7], GroupTotals(12, 7, 0, 3), id="02-all-known"),
    # 3. all unknown: totals are 0 but every partition is counted as unknown
    pytest.param([None, None], GroupTotals(0, 0, 2, 2), id="03-all-unknown"),
    # 4. mixed: unknown is counted apart, not added as 0
    pytest.param([3, None, 0], GroupTotals(3, 3, 1, 3), id="04-mixed"),
    # 5. a generator is fine (read once)
    pytest.param((x for x in [1, 2]), GroupTotals(3, 2, 0, 2), id="05-generator"),
]


@pytest.mark.parametrize(("lags", "expected"), GROUP_TOTALS_CASES)
def test_group_totals(lags, expected):
    assert group_totals(lags) == expected


# --- Status -----------------------------------------------------------------


def test_status_values_and_severity_order():
    assert [s.value for s in Status] == ["UNKNOWN", "OK", "WARN", "REWIND", "STALL", "STOP"]
    assert [s.rank for s in Status] == [0, 1, 2, 3, 4, 5]
    assert Status.OK == "OK"
    assert str(Status.STALL) == "STALL"
    assert f"{Status.WARN}" == "WARN"


STATUS_PARSE_CASES = [
    # 1. exact name
    pytest.param("STOP", Status.STOP, id="01-exact"),
    # 2. lower case
    pytest.param("ok", Status.OK, id="02-lower"),
    # 3. mixed case and padding
    pytest.param("  Warn\n", Status.WARN, id="03-mixed-padded"),
    # 4. a Status passes through
    pytest.param(Status.REWIND, Status.REWIND, id="04-status"),
]


@pytest.mark.parametrize(("text", "expected"), STATUS_PARSE_CASES)
def test_status_parse(text, expected):
    assert Status.parse(text) is expected


# 1. empty, 2. Burrow's group-level ERR is not ours, 3. near miss, 4. None, 5. not text
@pytest.mark.parametrize(
    "text", ["", "ERR", "okay", None, 3], ids=["01-empty", "02-err", "03-okay", "04-none", "05-int"]
)
def test_status_parse_rejects(text):
    with pytest.raises(InvalidInput, match="unknown status"):
        Status.parse(text)


# --- produce / consume rates ------------------------------------------------

PRODUCE_RATE_CASES = [
    # 1. nothing sampled
    pytest.param([], None, id="01-empty"),
    # 2. one sample: no interval
    pytest.param(window((100, 0)), None, id="02-one-sample"),
    # 3. 50 messages in 10 s
    pytest.param(window((100, 0), (150, 0)), 5.0, id="03-two-samples"),
    # 4. only the oldest and newest count: (200 - 100) / 20 s
    pytest.param(window((100, 0), (400, 0), (200, 0)), 5.0, id="04-ends-only"),
    # 5. same timestamp twice: Δt = 0
    pytest.param([Sample(5.0, 100, 0), Sample(5.0, 150, 0)], None, id="05-zero-dt"),
    # 6. watermark went down (topic recreated): no negative rate
    pytest.param(window((500, 0), (20, 0)), None, id="06-high-went-down"),
    # 7. idle topic
    pytest.param(window((100, 0), (100, 0)), 0.0, id="07-idle"),
    # 8. given newest first: oldest/newest are by time, not position
    pytest.param(window((100, 0), (150, 0))[::-1], 5.0, id="08-unordered"),
    # 9. unknown watermark in the newest sample is skipped: (150 - 100) / 10 s
    pytest.param(window((100, 0), (150, 0), (-1, 0)), 5.0, id="09-unknown-high"),
]


@pytest.mark.parametrize(("samples", "expected"), PRODUCE_RATE_CASES)
def test_produce_rate_per_s(samples, expected):
    assert produce_rate_per_s(samples) == expected


CONSUME_RATE_CASES = [
    # 1. 50 commits in 10 s
    pytest.param(window((0, 10), (0, 60)), 5.0, id="01-two-commits"),
    # 2. a sample without commit in the middle is skipped: 100 in 20 s
    pytest.param(window((0, 10), (0, None), (0, 110)), 5.0, id="02-gap"),
    # 3. newest has no commit: use the newest with one, 50 in 10 s
    pytest.param(window((0, 10), (0, 60), (0, None)), 5.0, id="03-newest-uncommitted"),
    # 4. one commit only
    pytest.param(window((0, None), (0, 60)), None, id="04-one-commit"),
    # 5. no commit at all
    pytest.param(window((0, None), (0, None)), None, id="05-no-commit"),
    # 6. net rewind: None, not negative
    pytest.param(window((0, 100), (0, 40)), None, id="06-rewind"),
    # 7. rewind overtaken again: only the ends count, 30 in 20 s
    pytest.param(window((0, 100), (0, 40), (0, 130)), 1.5, id="07-rewind-overtaken"),
    # 8. OFFSET_INVALID is "no commit": 50 in 10 s from the second sample
    pytest.param(window((0, OFFSET_INVALID), (0, 10), (0, 60)), 5.0, id="08-sentinel"),
    # 9. not moving
    pytest.param(window((0, 50), (0, 50)), 0.0, id="09-not-moving"),
]


@pytest.mark.parametrize(("samples", "expected"), CONSUME_RATE_CASES)
def test_consume_rate_per_s(samples, expected):
    assert consume_rate_per_s(samples) == expected


# --- eta_s ------------------------------------------------------------------

ETA_CASES = [
    # 1. unknown lag
    pytest.param(None, 5.0, 1.0, None, id="01-unknown-lag"),
    # 2. caught up, rates unknown: 0, not "unknown"
    pytest.param(0, None, None, 0.0, id="02-caught-up-no-rates"),
    # 3. caught up even though the producer is faster right now
    pytest.param(0, 1.0, 5.0, 0.0, id="03-caught-up-slow-consumer"),
    # 4. 100 / (5 - 1)
    pytest.param(100, 5.0, 1.0, 25.0, id="04-catching-up"),
    # 5. keeping pace only: never catches up
    pytest.param(100, 5.0, 5.0, None, id="05-keeping-pace"),
    # 6. falling behind
    pytest.param(100, 1.0, 5.0, None, id="06-falling-behind"),
    # 7. consume rate unknown
    pytest.param(100, None, 1.0, None, id="07-no-consume-rate"),
    # 8. produce rate unknown
    pytest.param(100, 5.0, None, None, id="08-no-produce-rate"),
    # 9. idle producer: 100 / 2.5
    pytest.param(100, 2.5, 0.0, 40.0, id="09-idle-producer"),
    # 10. non-finite rates are not a result
    pytest.param(100, math.inf, 0.0, None, id="10-inf-rate"),
    # 11. NaN rate
    pytest.param(100, math.nan, 0.0, None, id="11-nan-rate"),
]


@pytest.mark.parametrize(("lag_", "consume", "produce", "expected"), ETA_CASES)
def test_eta_s(lag_, consume, produce, expected):
    assert eta_s(lag_, consume, produce) == expected


def test_eta_s_rejects_negative_lag():
    with pytest.raises(InvalidInput, match="negative"):
        eta_s(-1, 5.0, 1.0)


# --- sanitize_points (kafka-lag-exporter lookup-table rules) ----------------

SANITIZE_CASES = [
    # 1. nothing
    pytest.param([], [], id="01-empty"),
    # 2. clean input is kept as is
    pytest.param([(0, 0), (10, 5), (20, 9)], [(0, 0), (10, 5), (20, 9)], id="02-clean"),
    # 3. time going back: dropped
    pytest.param([(0, 0), (10, 5), (5, 7), (20, 9)], [(0, 0), (10, 5), (20, 9)], id="03-time-back"),
    # 4. duplicate time: the later one is dropped
    pytest.param([(0, 0), (10, 5), (10, 6)], [(0, 0), (10, 5)], id="04-duplicate-time"),
    # 5. offset going down: dropped
    pytest.param([(0, 0), (10, 5), (20, 3), (30, 9)], [(0, 0), (10, 5), (30, 9)], id="05-offset-down"),
    # 6. plateau keeps its first and latest points only
    pytest.param([(0, 5), (10, 5), (20, 5), (30, 5), (40, 9)], [(0, 5), (30, 5), (40, 9)], id="06-plateau"),
    # 7. a plateau after a rise: the rise point stays, the middle goes
    pytest.param([(0, 0), (10, 5), (20, 5), (30, 5)], [(0, 0), (10, 5), (30, 5)], id="07-plateau-after-rise"),
    # 8. unknown watermark and NaN time are dropped
    pytest.param([(0, 0), (10, -1), (math.nan, 3), (20, 4)], [(0, 0), (20, 4)], id="08-unusable"),
]


@pytest.mark.parametrize(("points", "expected"), SANITIZE_CASES)
def test_sanitize_points(points, expected):
    assert sanitize_points(points) == expected


# --- estimate_time_lag ------------------------------------------------------

# Log end: 0 at t=100, 100 at t=110, 300 at t=120, 400 at t=130.
PTS = [(100.0, 0), (110.0, 100), (120.0, 300), (130.0, 400)]
# Flat run at 50 from t=110 to t=130, then 100 at t=140.
PLATEAU = [(100.0, 0), (110.0, 50), (120.0, 50), (130.0, 50), (140.0, 100)]
# Window that starts above the commit: 1000 at t=100 .. 1200 at t=120 (10/s).
LATE_WINDOW = [(100.0, 1000), (110.0, 1100), (120.0, 1200)]

ESTIMATE_CASES = [
    # 1. no commit
    pytest.param(PTS, None, 135.0, TimeLag(None, False), id="01-no-commit"),
    # 2. sentinel commit
    pytest.param(PTS, OFFSET_INVALID, 135.0, TimeLag(None, False), id="02-sentinel"),
    # 3. at the newest watermark: caught up
    pytest.param(PTS, 400, 135.0, TimeLag(0.0, False), id="03-at-newest"),
    # 4. above the newest watermark (commit read later): 0, not negative
    pytest.param(PTS, 450, 135.0, TimeLag(0.0, False), id="04-above-newest"),
    # 5. between 300@120 and 400@130: t_est = 125, lag 135 - 125
    pytest.param(PTS, 350, 135.0, TimeLag(10.0, False), id="05-interpolate"),
    # 6. exactly on a point: newest bracketing pair (100@110, 300@120) -> t_est 110
    pytest.param(PTS, 100, 135.0, TimeLag(25.0, False), id="06-on-a-point"),
    # 7. in the oldest segment: t_est 105
    pytest.param(PTS, 50, 135.0, TimeLag(30.0, False), id="07-oldest-segment"),
    # 8. at the oldest point: t_est 100
    pytest.param(PTS, 0, 135.0, TimeLag(35.0, False), id="08-at-oldest"),
    # 9. plateau: the log end sat at 50 until t=130, so the record is 20 s old
    pytest.param(PLATEAU, 50, 150.0, TimeLag(20.0, False), id="09-plateau-latest-time"),
    # 10. below the window: extrapolate at 10/s, t_est = 80, flagged
    pytest.param(LATE_WINDOW, 800, 130.0, TimeLag(50.0, True), id="10-extrapolated"),
    # 11. one point, commit below it
    pytest.param([(100.0, 50)], 10, 130.0, TimeLag(None, False), id="11-one-point"),
    # 12. one point, commit at it: caught up needs no history
    pytest.param([(100.0, 50)], 50, 130.0, TimeLag(0.0, False), id="12-one-point-caught-up"),
    # 13. no points at all
    pytest.param([], 0, 130.0, TimeLag(None, False), id="13-no-points"),
    # 14. nothing produced in the window and commit below it: no rate, no guess
    pytest.param([(100.0, 50), (110.0, 50)], 10, 130.0, TimeLag(None, False), id="14-flat-window"),
    # 15. now before the newest point (clock skew): t_est 125, clamp at 0
    pytest.param(PTS, 350, 120.0, TimeLag(0.0, False), id="15-clamped"),
    # 16. dirty input (duplicate, time back, offset down) sanitizes to PTS: as case 5
    pytest.param(
        [(100.0, 0), (110.0, 100), (110.0, 100), (105.0, 50), (120.0, 90), (120.0, 300), (130.0, 400)],
        350,
        135.0,
        TimeLag(10.0, False),
        id="16-dirty-input",
    ),
    # 17. only unknown watermarks
    pytest.param([(100.0, -1), (110.0, -1)], 5, 130.0, TimeLag(None, False), id="17-unknown-highs"),
]


@pytest.mark.parametrize(("points", "committed", "now_s", "expected"), ESTIMATE_CASES)
def test_estimate_time_lag(points, committed, now_s, expected):
    assert estimate_time_lag(points, committed, now_s) == expected


# --- exact_time_lag ---------------------------------------------------------

EXACT_CASES = [
    # 1. no record at the committed offset
    pytest.param(None, 100.0, TimeLag(None, False, False), id="01-no-record"),
    # 2. record without timestamp (librdkafka -1)
    pytest.param(-1, 100.0, TimeLag(None, False, False), id="02-no-timestamp"),
    # 3. 10 s old
    pytest.param(90_000, 100.0, TimeLag(10.0, False, True), id="03-ten-seconds"),
    # 4. written right now
    pytest.param(100_000, 100.0, TimeLag(0.0, False, True), id="04-now"),
    # 5. producer clock ahead of ours: clamp
    pytest.param(105_000, 100.0, TimeLag(0.0, False, True), id="05-future-clamped"),
    # 6. realistic epoch, sub-second precision
    pytest.param(1_700_000_000_500, 1_700_000_010.0, TimeLag(9.5, False, True), id="06-epoch-ms"),
]


@pytest.mark.parametrize(("record_ts_ms", "now_s", "expected"), EXACT_CASES)
def test_exact_time_lag(record_ts_ms, now_s, expected):
    assert exact_time_lag(record_ts_ms, now_s) == expected


# --- partition_status -------------------------------------------------------
# Samples every 10 s from t=100 as (high, committed); evaluated at NOW_S.

STATUS_CASES = [
    # Rule 1: UNKNOWN
    # 1. nothing sampled
    pytest.param([], True, Status.UNKNOWN, id="01-unknown-empty"),
    # 2. a single sample
    pytest.param([(10, 5)], True, Status.UNKNOWN, id="02-unknown-one-sample"),
    # 3. newest sample has no commit (offsets deleted?)
    pytest.param([(10, 5), (20, None)], True, Status.UNKNOWN, id="03-unknown-newest-uncommitted"),
    # 4. only one sample with a commit
    pytest.param([(10, None), (20, 5)], True, Status.UNKNOWN, id="04-unknown-one-commit"),
    # 5. sentinels only
    pytest.param([(10, OFFSET_INVALID), (20, OFFSET_INVALID)], False, Status.UNKNOWN, id="05-unknown-sentinels"),
    # 6. newest watermark unknown
    pytest.param([(10, 5), (-1, 5)], True, Status.UNKNOWN, id="06-unknown-newest-high"),
    # 6b. one sample caught up: lag 0 needs no history (rule 2 before 2b)
    pytest.param([(10, 10)], False, Status.OK, id="06b-ok-one-sample-caught-up"),
    # Rule 2: OK when caught up now
    # 7. lag was 5, now 0
    pytest.param([(10, 5), (20, 20)], True, Status.OK, id="07-ok-caught-up"),
    # 8. idle topic with lag 0 and no members is OK, not STOP
    pytest.param([(50, 50), (50, 50), (50, 50)], False, Status.OK, id="08-ok-idle-topic"),
    # 9. topic recreated, consumer caught up: the offset drop is not a REWIND
    pytest.param([(500, 500), (20, 20)], True, Status.OK, id="09-ok-recreated-caught-up"),
    # 10. commit read after the watermark: lag clamps to 0
    pytest.param([(10, 5), (20, 25)], True, Status.OK, id="10-ok-commit-ahead"),
    # Rule 3: REWIND
    # 11. commit dropped 80 -> 30 and stays below 80
    pytest.param([(100, 80), (110, 30), (120, 40)], True, Status.REWIND, id="11-rewind"),
    # 12. dropped then got back above 80: not a rewind (lags 20, 80, 35 -> OK)
    pytest.param([(100, 80), (110, 30), (120, 85)], True, Status.OK, id="12-rewind-recovered"),
    # 13. REWIND beats "lag was 0 in the window" (Burrow's order)
    pytest.param([(80, 80), (100, 30)], True, Status.REWIND, id="13-rewind-after-zero-lag"),
    # 14. first reset recovered, second one not
    pytest.param([(100, 80), (100, 30), (150, 90), (150, 40)], True, Status.REWIND, id="14-rewind-second-reset"),
    # 15. REWIND beats STOP
    pytest.param([(100, 80), (100, 30), (100, 30)], False, Status.REWIND, id="15-rewind-beats-stop"),
    # Rule 4: OK when lag was 0 at some sample in the window
    # 16. commit stuck while new records arrive, but it was caught up at t=100
    pytest.param([(50, 50), (60, 50), (70, 50)], True, Status.OK, id="16-ok-was-caught-up"),
    # 17. the same with no members
    pytest.param([(50, 50), (60, 50), (70, 50)], False, Status.OK, id="17-ok-was-caught-up-no-members"),
    # Rules 5 and 6: STOP / STALL
    # 18. commit not moving, lag constant, nobody in the group
    pytest.param([(100, 50), (100, 50), (100, 50)], False, Status.STOP, id="18-stop"),
    # 19. the same with members: they are stuck
    pytest.param([(100, 50), (100, 50), (100, 50)], True, Status.STALL, id="19-stall"),
    # 20. commit not moving while lag grows, no members: STOP beats WARN
    pytest.param([(100, 50), (120, 50), (140, 50)], False, Status.STOP, id="20-stop-beats-warn"),
    # 21. the same with members
    pytest.param([(100, 50), (120, 50), (140, 50)], True, Status.STALL, id="21-stall-beats-warn"),
    # 22. a sample without commit in the middle is skipped
    pytest.param([(100, 50), (100, None), (100, 50)], True, Status.STALL, id="22-stall-gap"),
    # Rule 7: WARN
    # 23. lag 50, 60, 70 with a moving commit
    pytest.param([(100, 50), (120, 60), (140, 70)], True, Status.WARN, id="23-warn-growing"),
    # 24. lag 50, 60, 60, 80: flat steps allowed, grew overall
    pytest.param([(100, 50), (120, 60), (130, 70), (150, 70)], True, Status.WARN, id="24-warn-flat-step"),
    # 24b. 67 % of the produce rate, but lag saw-toothed back below its earlier peak
    #     (100, 190, 120, 200): a batchy consumer, not yet running away
    pytest.param([(1000, 900), (1100, 910), (1200, 1080), (1300, 1100)], True, Status.OK, id="24b-ok-saw-tooth"),
    # 25. membership does not matter for WARN
    pytest.param([(100, 50), (120, 60), (140, 70)], False, Status.WARN, id="25-warn-no-members"),
    # 25b. one rise between two samples is not yet a trend (MIN_WARN_SAMPLES = 3)
    pytest.param([(100, 50), (120, 60)], True, Status.OK, id="25b-two-samples-not-warn"),
    # Rule 8: OK
    # 26. constant lag 50 with a moving commit: keeping pace (Burrow would WARN)
    pytest.param([(100, 50), (110, 60), (120, 70)], True, Status.OK, id="26-ok-constant-lag"),
    # 27. lag 50, 60, 55, 70: the later half (55, 70) came back below the earlier half's 60:
    #     not yet risen beyond the wobble, though it consumed only 60 %
    pytest.param([(100, 50), (120, 60), (125, 70), (150, 80)], True, Status.OK, id="27-ok-dip-within-the-wobble"),
    # 28. lag 50, 40, 30: catching up
    pytest.param([(100, 50), (100, 60), (100, 70)], True, Status.OK, id="28-ok-catching-up"),
    # Trend rules (7, 7b), on 100 records produced per step
    # 29. consuming ~58 % in batches: lag dips once (190 -> 180) and it is WARN all the same
    pytest.param(
        list(zip(range(1000, 1700, 100), [950, 1000, 1100, 1110, 1220, 1230, 1300], strict=True)),
        True,
        Status.WARN,
        id="29-warn-at-58-percent-with-dips",
    ),
    # 30. keeping up, commits wobbling (lag 40, 70, 30, 50, 10, 60, 45): never WARN
    #     (consumed 99 % of produced, and the saw teeth overlap)
    pytest.param(
        list(zip(range(1000, 1700, 100), [960, 1030, 1170, 1250, 1390, 1440, 1555], strict=True)),
        True,
        Status.OK,
        id="30-ok-healthy-wobble",
    ),
    # 31. was WARN (77 %), now consumes 90 % with lag still rising: stays WARN (hysteresis)
    pytest.param(
        list(zip(range(1000, 1800, 100), [950, 960, 1050, 1140, 1230, 1320, 1410, 1500], strict=True)),
        True,
        Status.WARN,
        id="31-warn-sticky-until-it-really-recovers",
    ),
    # 32. slow, then faster than the producers: lag 200 -> 50, OK
    pytest.param(
        list(zip(range(1000, 1700, 100), [950, 1000, 1050, 1100, 1250, 1400, 1550], strict=True)),
        True,
        Status.OK,
        id="32-ok-recovered",
    ),
    # 33. caught up once, but outside the 7-sample trend window: WARN at 50 %
    pytest.param(
        list(zip(range(1000, 1900, 100), range(1000, 1450, 50), strict=True)),
        True,
        Status.WARN,
        id="33-warn-zero-lag-left-the-trend-window",
    ),
]


@pytest.mark.parametrize(("points", "has_members", "expected"), STATUS_CASES)
def test_partition_status(points, has_members, expected):
    assert partition_status(window(*points), has_members, NOW_S) is expected


@pytest.mark.parametrize(("points", "has_members", "expected"), STATUS_CASES)
def test_partition_status_ignores_input_order(points, has_members, expected):
    assert partition_status(window(*points)[::-1], has_members, NOW_S) is expected


TIME_CASES = [
    # 1. samples at t=100, 110; at now=105 the t=110 one is in the future: one left
    pytest.param(105.0, None, Status.UNKNOWN, id="01-future-sample-ignored"),
    # 2. at now=110 both count: lag constant, commit stuck, members -> STALL
    pytest.param(110.0, None, Status.STALL, id="02-both-count"),
    # 3. newest sample 890 s old, stale after 60 s
    pytest.param(NOW_S, 60.0, Status.UNKNOWN, id="03-stale"),
    # 4. exactly at the staleness limit is still fresh
    pytest.param(170.0, 60.0, Status.STALL, id="04-stale-boundary"),
]


@pytest.mark.parametrize(("now_s", "stale_after_s", "expected"), TIME_CASES)
def test_partition_status_clock(now_s, stale_after_s, expected):
    samples = window((100, 50), (100, 50))
    assert partition_status(samples, True, now_s, stale_after_s=stale_after_s) is expected


# --- group_status / at_or_above ---------------------------------------------

U, O, W, R, SL, SP = Status.UNKNOWN, Status.OK, Status.WARN, Status.REWIND, Status.STALL, Status.STOP

GROUP_STATUS_CASES = [
    # 1. no partitions
    pytest.param([], U, id="01-empty"),
    # 2. nothing known
    pytest.param([U, U], U, id="02-all-unknown"),
    # 3. one known partition beats unknown ones
    pytest.param([U, O], O, id="03-unknown-and-ok"),
    # 4. worst wins
    pytest.param([O, W, O], W, id="04-warn"),
    # 5. REWIND above WARN
    pytest.param([W, R], R, id="05-rewind"),
    # 6. STALL above REWIND
    pytest.param([R, SL], SL, id="06-stall"),
    # 7. STOP is the worst
    pytest.param([SL, SP, O], SP, id="07-stop"),
    # 8. unknown partitions do not soften a STOP
    pytest.param([SP, U], SP, id="08-stop-and-unknown"),
    # 9. plain strings are accepted
    pytest.param(["ok", "warn"], W, id="09-strings"),
    # 10. a generator is fine
    pytest.param((s for s in [O, R]), R, id="10-generator"),
]


@pytest.mark.parametrize(("statuses", "expected"), GROUP_STATUS_CASES)
def test_group_status(statuses, expected):
    assert group_status(statuses) is expected


AT_OR_ABOVE_CASES = [
    pytest.param(W, W, True, id="01-equal"),  # 1. the threshold itself fires
    pytest.param(O, W, False, id="02-ok-below-warn"),  # 2.
    pytest.param(SP, W, True, id="03-stop-above-warn"),  # 3.
    pytest.param(U, O, False, id="04-unknown-below-ok"),  # 4. unknown never alerts at OK
    pytest.param(R, W, True, id="05-rewind-above-warn"),  # 5.
    pytest.param(W, R, False, id="06-warn-below-rewind"),  # 6.
    pytest.param(SL, SP, False, id="07-stall-below-stop"),  # 7.
    pytest.param(U, U, True, id="08-unknown-at-unknown"),  # 8. threshold UNKNOWN = everything
]


@pytest.mark.parametrize(("status", "threshold", "expected"), AT_OR_ABOVE_CASES)
def test_at_or_above(status, threshold, expected):
    assert at_or_above(status, threshold) is expected


def test_at_or_above_agrees_with_rank_for_every_pair():
    for status in Status:
        for threshold in Status:
            assert at_or_above(status, threshold) is (status.rank >= threshold.rank)


# --- module shape -----------------------------------------------------------


def test_lag_does_not_import_status():
    # status builds on lag, never the other way: the pair once had an import cycle.
    code = "import sys, kafka_io.groups.lag_math; print('kafka_io.groups.status' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout.strip()) == (0, "False"), result.stderr


def test_either_module_can_be_imported_first():
    code = "import kafka_io.groups.status; from kafka_io.groups.status import Status; print(Status.parse('ok'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout.strip()) == (0, "OK"), result.stderr
