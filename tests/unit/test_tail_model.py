"""Table tests for the live tail's pure pieces: start positions, records, ring, views, output."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from kafka_io.errors import InvalidInput
from kafka_io.live.model import (
    MAX_LAST_N,
    MAX_RAW_BYTES,
    PREVIEW_CHARS,
    TAIL_MAX,
    Baseline,
    StartPosition,
    TailRing,
    TailSnapshot,
    filter_records,
    make_record,
    rates_from_series,
    since,
)
from kafka_io.live.output import HEX_DUMP_MAX_BYTES, TailSummary, hexdump, payload_view, text_or_base64
from kafka_io.live.rates import TypeSpec


def record(seq=0, value=b'{"event_type": "a"}', event_type="a", key=b"k", headers=None, injected=False, **kw):
    base = dict(topic="t", partition=0, offset=seq, ts_ms=1_000_000 + seq)
    base.update(kw)
    return make_record(
        seq, base["topic"], base["partition"], base["offset"], base["ts_ms"], key, headers, value, event_type, injected
    )


# --- StartPosition ---------------------------------------------------------------

START_CASES = [
    ("latest", StartPosition("latest")),  # 1.
    ("earliest", StartPosition("earliest")),  # 2.
    ("  EARLIEST ", StartPosition("earliest")),  # 3. case and spaces forgiven
    ("last:100", StartPosition("last", 100)),  # 4.
    ("timestamp:1700000000000", StartPosition("timestamp", 1_700_000_000_000)),  # 5.
    ("timestamp:0", StartPosition("timestamp", 0)),  # 6. the epoch is a time
    ("recent:60", StartPosition("recent", 60)),  # 7. the last minute (the page's default)
]


@pytest.mark.parametrize("text, expected", START_CASES, ids=[f"{i:02d}" for i in range(1, len(START_CASES) + 1)])
def test_start_position_parse(text, expected):
    parsed = StartPosition.parse(text)
    assert parsed == expected
    assert StartPosition.parse(str(parsed)) == parsed  # deep links round-trip


START_ERRORS = [
    ("newest", "start must be one of latest, earliest, last, timestamp, recent"),  # 1.
    ("last", "needs a whole number"),  # 2.
    ("last:x", "needs a whole number after ':'"),  # 3.
    ("last:0", "from 1 to 100000"),  # 4.
    (f"last:{MAX_LAST_N + 1}", "from 1 to 100000"),  # 5.
    ("timestamp:-5", "≥ 0 ms"),  # 6.
    ("latest:3", "takes no number"),  # 7.
    ("recent:0", "recent seconds must be from 1 to 604800"),  # 8.
    ("recent", "needs a whole number"),  # 9.
]


@pytest.mark.parametrize("text, message", START_ERRORS, ids=[f"{i:02d}" for i in range(1, len(START_ERRORS) + 1)])
def test_start_position_rejects(text, message):
    with pytest.raises(InvalidInput, match=message):
        StartPosition.parse(text)


RESOLVE_CASES = [
    (StartPosition("recent", 60), 1_000_000, StartPosition("timestamp", 940_000)),  # 1. a minute before now
    (StartPosition("recent", 60), 30_000, StartPosition("timestamp", 0)),  # 2. never before the epoch
    (StartPosition("latest"), 1_000_000, StartPosition("latest")),  # 3. other starts stay as they are
    (StartPosition("timestamp", 5), 1_000_000, StartPosition("timestamp", 5)),  # 4.
]


@pytest.mark.parametrize("start, now_ms, expected", RESOLVE_CASES, ids=[f"{i:02d}" for i in range(1, 5)])
def test_recent_resolves_to_a_timestamp_when_reading_starts(start, now_ms, expected):
    assert start.resolved(now_ms) == expected


def test_only_latest_is_shared():
    assert [StartPosition.parse(t).shared for t in ("latest", "earliest", "last:5", "timestamp:1")] == [
        True,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize("text", ["auto", "key", "header:ce_type", "field:event.type"])
def test_type_spec_text_round_trips(text):
    assert str(TypeSpec.parse(text)) == text


# --- records and the ring ----------------------------------------------------------


def test_a_10_mb_value_is_kept_bounded():
    big = b'{"event_type": "big", "pad": "' + b"x" * 10_000_000 + b'"}'
    rec = record(value=big, event_type="big")
    assert rec.value_size == len(big)
    assert len(rec.raw) == MAX_RAW_BYTES and not rec.raw_complete
    assert len(rec.preview) <= PREVIEW_CHARS + 30 and rec.preview.endswith(f"…({len(big)} bytes)")


RECORD_CASES = [
    # (value, key, headers) -> (kind, preview, key text, headers shown)
    (b'{"a": 1}', b"user-1", [("h", b"v")], ("json", '{"a":1}', "user-1", (("h", "v"),))),  # 1.
    (b"plain text", None, None, ("text", "plain text", "", ())),  # 2. no key
    (b"\x00\x01\xff", b"\xff", None, ("binary", "0001ff", "ff", ())),  # 3. Avro/Protobuf-like bytes
    (None, b"k", [("h", None)], ("null", "", "k", (("h", ""),))),  # 4. tombstone, null header
    (b"x", None, [("h", b"\xff" * 3)], ("text", "x", "", (("h", "\ufffd" * 3),))),  # 5. bad UTF-8 header
]


@pytest.mark.parametrize("value, key, headers, expected", RECORD_CASES, ids=[f"{i:02d}" for i in range(1, 6)])
def test_make_record_decodes_as_text(value, key, headers, expected):
    rec = record(value=value, key=key, headers=headers)
    assert (rec.kind, rec.preview, rec.key, rec.headers) == expected


def test_headers_are_capped():
    rec = record(headers=[(f"h{i}", b"v" * 1000) for i in range(50)])
    assert len(rec.headers) == 20 and all(len(v) == 200 for _, v in rec.headers)


def test_ring_keeps_the_newest_first():
    ring = TailRing()
    ring.extend(record(i) for i in range(TAIL_MAX + 20))
    newest = ring.newest_first()
    assert len(newest) == TAIL_MAX
    assert (newest[0].seq, newest[-1].seq) == (TAIL_MAX + 19, 20)
    assert [r.seq for r in ring.newest_first(after_seq=TAIL_MAX + 17)] == [TAIL_MAX + 19, TAIL_MAX + 18]


# (partition, offset, ts_ms) in arrival order -> (partition, offset) newest first
ORDER_CASES = [
    ([(0, 0, 10), (0, 1, 20), (1, 0, 15), (1, 1, 30)], [(1, 1), (0, 1), (1, 0), (0, 0)]),  # 1. two partitions' batches
    ([(0, 0, 10), (1, 0, 10), (0, 1, 10)], [(0, 1), (1, 0), (0, 0)]),  # 2. equal times: the later arrival first
    ([(0, 0, -1), (0, 1, 5)], [(0, 1), (0, 0)]),  # 3. no timestamp (-1): last
    ([(1, 0, 50), (0, 0, 40), (0, 1, 45)], [(1, 0), (0, 1), (0, 0)]),  # 4. a late batch with older events
]


@pytest.mark.parametrize(("arrivals", "expected"), ORDER_CASES, ids=[f"{i:02d}" for i in range(1, 5)])
def test_newest_first_is_by_record_time_across_partitions(arrivals, expected):
    ring = TailRing()
    ring.extend(record(seq, partition=p, offset=o, ts_ms=ts) for seq, (p, o, ts) in enumerate(arrivals))
    assert [(r.partition, r.offset) for r in ring.newest_first()] == expected


def test_ring_drops_raw_copies_of_the_oldest_over_budget():
    ring = TailRing(max_records=10, raw_budget_bytes=2500)
    ring.extend(record(i, value=b"v" * 1000) for i in range(5))
    kept = ring.newest_first()
    assert [r.raw is not None for r in kept] == [True, True, False, False, False]
    assert ring.raw_bytes == 2000
    assert kept[-1].preview == "v" * 300 + "…(1000 bytes)"  # the preview stays


def test_ring_decodes_lazily_and_once():
    decoded = []

    def decode(item):
        decoded.append(item)
        return record(item, value=b"x" * 10)

    ring = TailRing(decode=decode, max_records=3)
    for seq in range(10):
        ring.add(seq, seq, 10)
    assert decoded == [] and ring.raw_bytes == 30  # only the newest 3 are kept, none decoded yet
    assert [r.seq for r in ring.newest_first()] == [9, 8, 7]
    ring.newest_first()
    assert decoded == [7, 8, 9]  # decoded once (oldest first, to sort by time), then cached


def test_ring_over_budget_decodes_then_drops_raw():
    ring = TailRing(decode=lambda seq: record(seq, value=b"v" * 1000), max_records=10, raw_budget_bytes=1500)
    ring.add(0, 0, 1000)
    ring.add(1, 1, 1000)
    newest, oldest = ring.newest_first()
    assert (newest.raw is not None, oldest.raw, ring.raw_bytes) == (True, None, 1000)


def test_ring_clear():
    ring = TailRing()
    ring.extend([record(1)])
    ring.clear()
    assert (len(ring), ring.raw_bytes, ring.newest_first()) == (0, 0, ())


# --- filters, rates, per-viewer clear ------------------------------------------------

FILTER_RECORDS = [
    record(0, b'{"event_type": "login", "user": "Ann"}', "login", key=b"u1"),
    record(1, b'{"event_type": "click"}', "click", key=b"u2", headers=[("trace", b"abc")]),
    record(2, b"oops", "(unparseable)", key=None),
]
FILTER_CASES = [
    ((), "", [0, 1, 2]),  # 1. no filter
    (("login",), "", [0]),  # 2. by type
    (("login", "click"), "", [0, 1]),  # 3. several types
    ((), "ann", [0]),  # 4. text in the value, case-insensitive
    ((), "u2", [1]),  # 5. text in the key
    ((), "trace=abc", [1]),  # 6. text in a header
    (("click",), "ann", []),  # 7. both must match
    ((), "  OOPS ", [2]),  # 8. spaces around the text ignored
]


@pytest.mark.parametrize("types, text, expected", FILTER_CASES, ids=[f"{i:02d}" for i in range(1, 9)])
def test_filter_records(types, text, expected):
    assert [r.seq for r in filter_records(FILTER_RECORDS, types, text)] == expected


RATES_CASES = [
    ([(96, "a", 10), (100, "a", 5), (100, "b", 1)], 100, 5, {"a": 3.0, "b": 0.2}),  # 1. 96..100
    ([(95, "a", 10)], 100, 5, {}),  # 2. outside the span
    ([(101, "a", 10)], 100, 5, {}),  # 3. the incomplete second is not counted
    ([(100, "a", 0)], 100, 1, {}),  # 4. zero rows dropped
]


@pytest.mark.parametrize("rows, last_s, over_s, expected", RATES_CASES, ids=[f"{i:02d}" for i in range(1, 5)])
def test_rates_from_series(rows, last_s, over_s, expected):
    assert rates_from_series(rows, last_s, over_s) == expected


def test_since_a_clear_hides_what_came_before():
    snap = TailSnapshot(
        status="running",
        messages=10,
        seq=10,
        totals={"a": 8, "b": 2},
        last_seen_s={"a": 105, "b": 99},
        series=((99, "b", 2), (100, "a", 3), (104, "a", 5)),
        markers=((99, "b", 1), (104, "a", 1)),
        tail=tuple(record(i) for i in reversed(range(10))),
        now_s=105,
    )
    baseline = Baseline(seq=7, messages=7, totals={"a": 5, "b": 2}, cleared_s=100)
    after = since(snap, baseline)
    assert after.totals == {"a": 3} and after.messages == 3
    assert after.last_seen_s == {"a": 105}
    assert after.series == ((104, "a", 5),) and after.markers == ((104, "a", 1),)
    assert after.rates_per_s == {"a": 1.0}
    assert [r.seq for r in after.tail] == [9, 8, 7]


# --- output: detail payload, CLI ---------------------------------------------------

PAYLOAD_CASES = [
    (b'{"n": 123456789012345678901234567890}', "json", {"n": 123456789012345678901234567890}),  # 1. exact
    (b"just text\nline 2", "text", "just text\nline 2"),  # 2.
    (b"\x00AB", "hex", "00000000  00 41 42" + " " * 39 + "  .AB"),  # 3. binary (Avro, Protobuf…)
    (None, "none", "This message has no value (a tombstone)."),  # 4.
    (b'{"<b>": "<script>"}', "json", {"<b>": "<script>"}),  # 5. data, never markup
    (b"[" * 100 + b"]" * 100, "json", eval("[" * 100 + "]" * 100)),  # 6. deep, still a tree
    (b"[" * 101 + b"]" * 101, "text", "[" * 101 + "]" * 101),  # 7. deeper: text (st.json's encoder recurses)
    (b'{"a":' * 1000 + b"1" + b"}" * 1000, "text", '{"a":' * 1000 + "1" + "}" * 1000),  # 8. parses, too deep
    (b'"just a string"', "json", "just a string"),  # 9. a scalar has no depth
]


@pytest.mark.parametrize("value, kind, body", PAYLOAD_CASES, ids=[f"{i:02d}" for i in range(1, len(PAYLOAD_CASES) + 1)])
def test_payload_view(value, kind, body):
    assert payload_view(record(value=value)) == (kind, body)


def test_payload_view_without_raw_says_so():
    kind, body = payload_view(replace(record(), raw=None))
    assert kind == "none" and "no longer held" in body


def test_payload_view_of_a_cut_json_value_is_text():
    big = b'{"pad": "' + b"x" * (MAX_RAW_BYTES + 10) + b'"}'
    kind, body = payload_view(record(value=big))
    assert kind == "text" and len(body) == MAX_RAW_BYTES


def test_hex_dump_is_capped():
    kind, body = payload_view(record(value=b"\x00" * (HEX_DUMP_MAX_BYTES + 1)))
    assert kind == "hex" and body.endswith(f"… first {HEX_DUMP_MAX_BYTES} of {HEX_DUMP_MAX_BYTES + 1} bytes")


def test_hexdump_layout():
    assert hexdump(bytes(range(0x41, 0x41 + 17))).splitlines() == [
        "00000000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP",
        "00000010  51" + " " * 45 + "  Q",
    ]


@pytest.mark.parametrize(
    "data, expected",
    [
        (None, None),  # 1.
        (b"caf\xc3\xa9\n\tok", "café\n\tok"),  # 2. text with newline and tab
        (b"\xff\x00", base64.b64encode(b"\xff\x00").decode()),  # 3. not UTF-8
        (b"\x00\x02ab", base64.b64encode(b"\x00\x02ab").decode()),  # 4. valid UTF-8 but binary (Avro-like)
    ],
    ids=["01-null", "02-utf8", "03-not-utf8", "04-control-chars"],
)
def test_text_or_base64(data, expected):
    assert text_or_base64(data) == expected


def test_summary_json_shape():
    summary = TailSummary()
    for topic, partition, offset, event_type in [
        ("t", 10, 5, "a"),
        ("t", 2, 7, "b"),
        ("t", 10, 6, "a"),
        ("u", 0, 0, "a"),
    ]:
        summary.add(topic, partition, offset, event_type)
    assert summary.as_json(2.0) == {
        "messages": 4,
        "seconds": 2.0,
        "rate_per_s": 2.0,
        "by_type": {"a": 3, "b": 1},
        "first_offsets": {"t/2": 7, "t/10": 5, "u/0": 0},
        "last_offsets": {"t/2": 7, "t/10": 6, "u/0": 0},
    }
    assert TailSummary().as_json(0.0)["rate_per_s"] == 0.0
