"""Table tests for the Messages browser's pure pieces: seeks, page ranges, page flags."""

from __future__ import annotations

import pytest
from support.table_cases import ids, message_of

from kafka_io.messages.model import (
    MAX_PAGE_SIZE,
    MAX_VALUE_BYTES,
    Message,
    Page,
    Seek,
    backward_spans,
    check_limit,
    forward_spans,
    share,
    start_offsets,
)

# --- Seek.parse ------------------------------------------------------------------

SEEK_CASES = [
    ("newest", Seek()),  # 1. the default
    ("oldest", Seek("oldest")),  # 2.
    ("offset:0", Seek("offset", 0)),  # 3. the first offset is an offset
    ("offset:417", Seek("offset", 417)),  # 4.
    ("timestamp:1700000000000", Seek("timestamp", 1_700_000_000_000)),  # 5.
    ("  OFFSET: 12 ", Seek("offset", 12)),  # 6. case and spaces forgiven (deep links, typed text)
    ("timestamp:0", Seek("timestamp", 0)),  # 7. the epoch is a time
]


@pytest.mark.parametrize("text, expected", SEEK_CASES, ids=ids(SEEK_CASES))
def test_seek_parse(text, expected):
    parsed = Seek.parse(text)
    assert parsed == expected
    assert Seek.parse(str(parsed)) == parsed  # str is the inverse of parse


SEEK_ERRORS = [
    ("latest", "seek must be one of newest, oldest, offset, timestamp, got 'latest'"),  # 1. Live's word, not ours
    ("offset", "seek 'offset' needs a whole number, got None"),  # 2.
    ("offset:x", "seek 'offset:x' needs a whole number after ':'"),  # 3.
    ("offset:-1", "seek offset must be ≥ 0, got -1"),  # 4.
    ("timestamp:-5", "seek timestamp (ms since the epoch) must be ≥ 0, got -5"),  # 5.
    ("newest:3", "seek 'newest' takes no number"),  # 6.
    ("offset:1.5", "seek 'offset:1.5' needs a whole number after ':'"),  # 7.
    ("", "seek must be one of newest, oldest, offset, timestamp, got ''"),  # 8.
]


@pytest.mark.parametrize("text, error", SEEK_ERRORS, ids=ids(SEEK_ERRORS))
def test_seek_parse_refuses(text, error):
    assert message_of(Seek.parse, text) == error


def test_seek_refuses_a_bool_as_a_number():
    assert message_of(Seek, "offset", True) == "seek 'offset' needs a whole number, got True"


# --- share: a page's size split between partitions ------------------------------

SHARE_CASES = [
    (50, {0: 100}, {0: 50}),  # 1. one partition
    (50, {0: 10}, {0: 10}),  # 2. fewer than a page
    (9, {0: 100, 1: 100, 2: 100}, {0: 3, 1: 3, 2: 3}),  # 3. even
    (10, {0: 100, 1: 100, 2: 100}, {0: 4, 1: 3, 2: 3}),  # 4. leftover to the lowest partition first
    (50, {0: 30, 1: 30, 2: 5}, {0: 23, 1: 22, 2: 5}),  # 5. a short partition gives its share away
    (50, {0: 0, 1: 0}, {0: 0, 1: 0}),  # 6. empty topic
    (50, {0: 20, 1: 20}, {0: 20, 1: 20}),  # 7. everything is less than a page
    (0, {0: 5}, {0: 0}),  # 8. nothing asked
    (3, {0: 0, 1: 7, 2: 0, 3: 7}, {0: 0, 1: 2, 2: 0, 3: 1}),  # 9. empty partitions get nothing
    (5, {}, {}),  # 10. no partitions (all failed)
    (4, {0: 1, 1: 1, 2: 1, 3: 100}, {0: 1, 1: 1, 2: 1, 3: 1}),  # 11.
    (7, {0: 1, 1: 1, 2: 1, 3: 100}, {0: 1, 1: 1, 2: 1, 3: 4}),  # 12. the big one takes the rest
]


@pytest.mark.parametrize("total, available, expected", SHARE_CASES, ids=ids(SHARE_CASES))
def test_share(total, available, expected):
    got = share(total, available)
    assert got == expected
    assert sum(got.values()) == min(total, sum(available.values()))


# --- page ranges -----------------------------------------------------------------

LOWS = {0: 0, 1: 10, 2: 0}
HIGHS = {0: 100, 1: 40, 2: 0}

SPAN_CASES = [
    # (direction, edges, limit, expected spans)
    ("back", HIGHS, 50, {0: (75, 100), 1: (15, 40), 2: (0, 0)}),  # 1. newest page of 3 partitions, one empty
    ("back", {0: 75, 1: 15, 2: 0}, 50, {0: (30, 75), 1: (10, 15), 2: (0, 0)}),  # 2. the page before it
    ("back", {0: 5, 1: 10, 2: 0}, 50, {0: (0, 5), 1: (10, 10), 2: (0, 0)}),  # 3. against the low watermark
    ("fwd", LOWS, 50, {0: (0, 25), 1: (10, 35), 2: (0, 0)}),  # 4. oldest page
    ("fwd", {0: 25, 1: 35, 2: 0}, 50, {0: (25, 70), 1: (35, 40), 2: (0, 0)}),  # 5. next page: partition 1 ends
    ("fwd", HIGHS, 50, {0: (100, 100), 1: (40, 40), 2: (0, 0)}),  # 6. at the end: nothing
    ("fwd", {0: 99}, 1, {0: (99, 100)}),  # 7. the last event of one partition
]


@pytest.mark.parametrize("direction, edges, limit, expected", SPAN_CASES, ids=ids(SPAN_CASES))
def test_page_spans(direction, edges, limit, expected):
    if direction == "back":
        got = backward_spans(edges, {p: LOWS[p] for p in edges}, limit)
    else:
        got = forward_spans(edges, {p: HIGHS[p] for p in edges}, limit)
    assert got == expected


START_CASES = [
    (Seek("oldest"), {}, {0: 0, 1: 10, 2: 0}),  # 1.
    (Seek(), {}, {0: 100, 1: 40, 2: 0}),  # 2. newest: a forward read starts at the end
    (Seek("offset", 20), {}, {0: 20, 1: 20, 2: 0}),  # 3. the same offset in every partition, clamped
    (Seek("offset", 5), {}, {0: 5, 1: 10, 2: 0}),  # 4. below the low watermark (deleted): the oldest left
    (Seek("offset", 500), {}, {0: 100, 1: 40, 2: 0}),  # 5. past the end: the end
    (Seek("timestamp", 7), {0: 42, 1: None, 2: None}, {0: 42, 1: 40, 2: 0}),  # 6. no record that new: the end
]


@pytest.mark.parametrize("seek, found, expected", START_CASES, ids=ids(START_CASES))
def test_start_offsets(seek, found, expected):
    assert start_offsets(seek, LOWS, HIGHS, found) == expected


# --- page flags, limits, messages --------------------------------------------------


def page(next_positions, start_positions, prev_positions, marks):
    return Page("t", None, Seek(), (), next_positions, prev_positions, marks, (), start_positions)


FLAG_CASES = [
    # (next, start, prev, watermarks, has_next, has_prev)
    ({0: 100}, {0: 50}, {0: 0}, {0: (0, 100)}, False, True),  # 1. the newest page of one partition
    ({0: 50}, {0: 0}, {0: 0}, {0: (0, 100)}, True, False),  # 2. the oldest page
    ({0: 10, 1: 5}, {0: 0, 1: 3}, {0: 0, 1: 0}, {0: (0, 10), 1: (0, 9)}, True, True),  # 3. one partition left each way
    ({}, {}, {}, {}, False, False),  # 4. no partitions
    ({0: 7}, {0: 7}, {0: 7}, {0: (7, 7)}, False, False),  # 5. an empty partition
]


@pytest.mark.parametrize("nxt, start, prev, marks, has_next, has_prev", FLAG_CASES, ids=ids(FLAG_CASES))
def test_page_flags(nxt, start, prev, marks, has_next, has_prev):
    got = page(nxt, start, prev, marks)
    assert (got.has_next, got.has_prev) == (has_next, has_prev)


@pytest.mark.parametrize("limit", [0, -1, MAX_PAGE_SIZE + 1, 2.0, "5", None, True])
def test_check_limit_refuses(limit):
    assert (
        message_of(check_limit, limit) == f"page size must be a whole number from 1 to {MAX_PAGE_SIZE}, got {limit!r}"
    )


def test_message_truncated_flag():
    cut = Message("t", 0, 1, 5, None, b"x" * MAX_VALUE_BYTES, MAX_VALUE_BYTES + 1, (), "a")
    whole = Message("t", 0, 1, 5, None, b"xy", 2, (), "a")
    tombstone = Message("t", 0, 1, 5, None, None, 0, (), "(unknown)")
    assert (cut.truncated, whole.truncated, tombstone.truncated) == (True, False, False)
