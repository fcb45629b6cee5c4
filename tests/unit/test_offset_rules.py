"""Table tests for kafka_io.groups.reset_rules: reset specs and where each partition goes."""

from __future__ import annotations

import pytest

from kafka_io.errors import InvalidInput
from kafka_io.groups.reset_rules import ResetMode, ResetSpec, parse_reset_spec, target_offset

PARSE_CASES = [
    # 1. earliest takes no value
    pytest.param("earliest", None, ResetSpec(ResetMode.EARLIEST), id="01-earliest"),
    # 2. any case and padding; a stray value is ignored for latest
    pytest.param(" LATEST ", "5", ResetSpec(ResetMode.LATEST), id="02-latest-case"),
    # 3. timestamp in epoch ms, from text
    pytest.param("timestamp", "1700000000000", ResetSpec(ResetMode.TIMESTAMP, 1_700_000_000_000), id="03-ts"),
    # 4. offset from an int
    pytest.param("offset", 42, ResetSpec(ResetMode.OFFSET, 42), id="04-offset"),
    # 5. shift back
    pytest.param("shift", "-10", ResetSpec(ResetMode.SHIFT, -10), id="05-shift-back"),
    # 6. shift forward with a plus sign
    pytest.param("shift", "+3", ResetSpec(ResetMode.SHIFT, 3), id="06-shift-forward"),
]


@pytest.mark.parametrize(("mode", "value", "expected"), PARSE_CASES)
def test_parse_reset_spec(mode, value, expected):
    assert parse_reset_spec(mode, value) == expected


PARSE_ERRORS = [
    # 1. unknown mode names the choices
    pytest.param(
        "beginning",
        None,
        "unknown reset mode 'beginning'; expected one of earliest, latest, timestamp, offset, shift",
        id="01-unknown-mode",
    ),
    # 2. missing value
    pytest.param("offset", None, "reset to offset needs a value", id="02-missing"),
    # 3. empty text
    pytest.param("shift", "", "reset to shift needs a value", id="03-empty"),
    # 4. not a whole number
    pytest.param("offset", "1.5", "reset to offset needs a whole number, got '1.5'", id="04-fraction"),
    # 5. a shift of zero does nothing
    pytest.param("shift", 0, "a shift of 0 changes nothing; use +N or -N", id="05-zero-shift"),
    # 6. negative offset
    pytest.param("offset", -1, "reset to offset needs a number >= 0, got -1", id="06-negative-offset"),
    # 7. negative timestamp
    pytest.param("timestamp", "-5", "reset to timestamp needs a number >= 0, got -5", id="07-negative-ts"),
    # 8. a bool is not a number
    pytest.param("offset", True, "reset to offset needs a value", id="08-bool"),
]


@pytest.mark.parametrize(("mode", "value", "message"), PARSE_ERRORS)
def test_parse_reset_spec_rejects(mode, value, message):
    with pytest.raises(InvalidInput) as caught:
        parse_reset_spec(mode, value)
    assert str(caught.value) == message


E, L, T, O, S = ResetMode.EARLIEST, ResetMode.LATEST, ResetMode.TIMESTAMP, ResetMode.OFFSET, ResetMode.SHIFT
# Partition with earliest offset 10 and end 100; group committed at 50.
TARGET_CASES = [
    # 1. earliest -> low
    pytest.param(ResetSpec(E), 50, None, (10, None), id="01-earliest"),
    # 2. latest -> end of log
    pytest.param(ResetSpec(L), 50, None, (100, None), id="02-latest"),
    # 3. earliest works without a commit
    pytest.param(ResetSpec(E), None, None, (10, None), id="03-earliest-no-commit"),
    # 4. timestamp found
    pytest.param(ResetSpec(T, 1), 50, 70, (70, None), id="04-ts-found"),
    # 5. no record that recent: end of log, said so
    pytest.param(
        ResetSpec(T, 1), 50, -1, (100, "no record at or after that time: using the end of the log"), id="05-ts-none"
    ),
    # 6. None from the broker is the same
    pytest.param(
        ResetSpec(T, 1),
        50,
        None,
        (100, "no record at or after that time: using the end of the log"),
        id="06-ts-missing",
    ),
    # 7. an offset inside the range
    pytest.param(ResetSpec(O, 42), 50, None, (42, None), id="07-offset"),
    # 8. an offset before the earliest: clamped
    pytest.param(ResetSpec(O, 3), 50, None, (10, "3 is before the earliest offset 10: using 10"), id="08-below"),
    # 9. past the end: clamped
    pytest.param(ResetSpec(O, 500), 50, None, (100, "500 is past the end of the log 100: using 100"), id="09-above"),
    # 10. the end itself is allowed (consume nothing until new records)
    pytest.param(ResetSpec(O, 100), 50, None, (100, None), id="10-offset-at-end"),
    # 11. shift back
    pytest.param(ResetSpec(S, -20), 50, None, (30, None), id="11-shift-back"),
    # 12. shift forward
    pytest.param(ResetSpec(S, 20), 50, None, (70, None), id="12-shift-forward"),
    # 13. shift back past the earliest: clamped
    pytest.param(
        ResetSpec(S, -45), 50, None, (10, "5 is before the earliest offset 10: using 10"), id="13-shift-clamped-low"
    ),
    # 14. shift forward past the end: clamped
    pytest.param(
        ResetSpec(S, 60), 50, None, (100, "110 is past the end of the log 100: using 100"), id="14-shift-clamped-high"
    ),
    # 15. shift with no commit: nothing to shift from, left unchanged
    pytest.param(
        ResetSpec(S, 5),
        None,
        None,
        (None, "no committed offset to shift from: left unchanged"),
        id="15-shift-no-commit",
    ),
    # 16. a sentinel commit is "no commit"
    pytest.param(
        ResetSpec(S, 5),
        -1001,
        None,
        (None, "no committed offset to shift from: left unchanged"),
        id="16-shift-sentinel",
    ),
]


@pytest.mark.parametrize(("spec", "committed", "ts_offset", "expected"), TARGET_CASES)
def test_target_offset(spec, committed, ts_offset, expected):
    assert target_offset(spec, committed, 10, 100, ts_offset) == expected


DESCRIBE_CASES = [
    pytest.param(ResetSpec(E), "earliest", id="01-earliest"),  # 1.
    pytest.param(ResetSpec(S, -3), "shift by -3", id="02-shift"),  # 2. the sign is always shown
    pytest.param(ResetSpec(S, 3), "shift by +3", id="03-shift-plus"),  # 3.
    pytest.param(ResetSpec(O, 7), "offset 7", id="04-offset"),  # 4.
    pytest.param(ResetSpec(T, 5), "the first record at or after 5 ms", id="05-ts"),  # 5.
]


@pytest.mark.parametrize(("spec", "text"), DESCRIBE_CASES)
def test_spec_describe(spec, text):
    assert spec.describe() == text
