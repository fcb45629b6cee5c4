"""The Messages page's tables and payload views (pandas, no Streamlit; payload_as is PURE)."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from dashboard.frames.messages import (
    clock_utc,
    headers_frame,
    message_meta,
    messages_frame,
    progress_text,
    record_of,
    size_text,
    stuck_frame,
)
from kafka_io.live.output import HEX_DUMP_MAX_BYTES, NOT_A_TREE, hexdump, payload_as
from kafka_io.messages.model import Message
from kafka_io.messages.scan import ScanProgress
from kafka_io.messages.stuck import StuckEvent


def msg(value=b'{"a": 1}', size=None, key=b"k", headers=(), decoded=None, schema=None, offset=7) -> Message:
    size = len(value or b"") if size is None else size
    return Message("t", 2, offset, 1_700_000_000_123, key, value, size, headers, "order", decoded, schema)


VIEW_CASES = [
    (msg(), "json", ("json", {"a": 1})),  # 1. JSON as a tree
    (msg(), "text", ("text", '{"a": 1}')),  # 2. ... or as its text
    (msg(), "hex", ("hex", hexdump(b'{"a": 1}'))),  # 3. ... or its bytes
    (msg(b"plain words"), "json", ("none", NOT_A_TREE)),  # 4. text is no tree
    (msg(b"plain words"), "text", ("text", "plain words")),  # 5.
    (msg(b"\x00\x01\xff"), "text", ("text", "\x00\x01\ufffd")),  # 6. binary as text: invalid bytes replaced
    (msg(b"\x00\x01\xff"), "hex", ("hex", hexdump(b"\x00\x01\xff"))),  # 7.
    (msg(None, 0), "json", ("none", "This message has no value (a tombstone).")),  # 8. a tombstone, any view
    (msg(None, 0), "hex", ("none", "This message has no value (a tombstone).")),  # 9.
    (msg(b'{"a": 1', size=2_000_000), "json", ("none", NOT_A_TREE)),  # 10. cut at 1 MB: no tree
    (msg(b"\x00avro", decoded='{"id": 5}', schema="AVRO schema 5"), "json", ("json", {"id": 5})),  # 11. decoded
    (msg(b"\x00avro", decoded='{"id": 5}', schema="AVRO schema 5"), "text", ("text", '{"id": 5}')),  # 12.
    (msg(b"\x00avro", decoded='{"id": 5}', schema="AVRO schema 5"), "hex", ("hex", hexdump(b"\x00avro"))),  # 13.
    (msg(b"<script>alert(1)</script>"), "text", ("text", "<script>alert(1)</script>")),  # 14. literal
]


@pytest.mark.parametrize(("message", "view", "expected"), VIEW_CASES, ids=ids(VIEW_CASES))
def test_a_payload_shows_the_way_the_reader_asks(message, view, expected):
    assert payload_as(record_of(message), view) == expected


def test_a_long_hex_dump_is_capped_with_the_full_size_named():
    kind, body = payload_as(record_of(msg(b"\x00" * (HEX_DUMP_MAX_BYTES + 5), size=3_000_000)), "hex")
    assert kind == "hex" and body.endswith(f"… first {HEX_DUMP_MAX_BYTES} of 3000000 bytes")


def test_an_unknown_view_is_a_bug():
    with pytest.raises(ValueError, match="view must be one of json, text, hex"):
        payload_as(record_of(msg()), "yaml")


def test_a_row_shows_partition_offset_time_key_type_headers_size_and_preview():
    frame = messages_frame([msg(headers=(("h", b"1"), ("n", None)), size=2_000_000)])
    assert frame.to_dict("records") == [
        {
            "partition": 2,
            "offset": 7,
            "time (UTC)": "2023-11-14 22:13:20.123",
            "key": "k",
            "type": "order",
            "headers": 2,
            "size": "1.9 MB",
            "value": '{"a":1}',
        }
    ]


def test_meta_names_the_full_size_of_a_cut_value_and_the_schema():
    meta = message_meta(msg(b"x" * 10, size=2_000_000, schema="AVRO schema 5"))
    assert (meta["value_bytes"], meta["truncated_to_bytes"], meta["schema"]) == (2_000_000, 10, "AVRO schema 5")
    assert "truncated_to_bytes" not in message_meta(msg())


def test_headers_are_listed_in_order_with_null_and_binary_values():
    frame = headers_frame(msg(headers=(("a", b"x"), ("b", None), ("c", b"\xff"))))
    assert frame.values.tolist() == [["a", "x", 1], ["b", "(null)", 0], ["c", "\ufffd", 1]]


SIZE_CASES = [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KB"), (1_048_576, "1.0 MB"), (1_572_864, "1.5 MB")]


@pytest.mark.parametrize(("n", "text"), SIZE_CASES, ids=ids(SIZE_CASES))
def test_sizes_read_as_bytes_kb_mb(n, text):
    assert size_text(n) == text


def test_clock_is_utc_to_the_millisecond():
    assert (clock_utc(0), clock_utc(None), clock_utc(-1)) == ("1970-01-01 00:00:00.000", "—", "—")


def test_progress_says_scanned_matched_unevaluated_and_where():
    running = ScanProgress(1200, 3, 2, {1: 700, 0: 500}, 1.25, None)
    assert progress_text(running) == (
        "Scanned 1,200 · matched 3 · 2 could not be evaluated · 1.2 s · next: p0@500, p1@700"
    )
    done = ScanProgress(10, 0, 0, {}, 0.5, "cancelled")
    assert progress_text(done).endswith("· 0.5 s · stopped: cancelled")


def test_stuck_rows_show_the_event_at_the_committed_offset_or_why_not():
    events = [
        StuckEvent("g", "t", 2, 7, 5, (msg(),)),
        StuckEvent("g", "t", 0, 3, 1, ()),
        StuckEvent("g", "t", 1, None, None, (), "broker said no"),
    ]
    rows = stuck_frame(events).to_dict("records")
    assert [(r["partition"], r["committed"], r["type"], r["value"], r["error"]) for r in rows] == [
        (2, 7, "order", '{"a":1}', ""),
        (0, 3, "", "", "no event at the committed offset (deleted by retention?)"),
        (1, None, "", "", "broker said no"),
    ]
