"""Table tests for kafka_io.live.rates: type extraction, per-second buckets, previews."""

from __future__ import annotations

import os
import time

import pytest

from kafka_io.errors import InvalidInput
from kafka_io.live.buckets import RateBuckets
from kafka_io.live.preview import decode_preview
from kafka_io.live.rates import (
    AUTO_TYPE_FIELDS,
    DEFAULT_TYPE_FIELD,
    MAX_TYPES,
    MAX_WINDOW_S,
    OTHER,
    UNKNOWN,
    UNPARSEABLE,
    TypeSpec,
    make_extractor,
)

LONG_TYPE = "x" * 150
CE = [("ce_type", b"com.example.created")]


def test_constants():
    assert (UNKNOWN, UNPARSEABLE, OTHER) == ("(unknown)", "(unparseable)", "(other)")
    assert DEFAULT_TYPE_FIELD == "event_type"
    assert AUTO_TYPE_FIELDS == ("event_type", "type", "eventType", "event.type")
    assert (MAX_WINDOW_S, MAX_TYPES) == (900, 200)


# --- TypeSpec.parse ------------------------------------------------------------

PARSE_CASES = [
    ("key", TypeSpec("key")),  # 1. the message key
    ("auto", TypeSpec("field")),  # 2. auto-detect
    ("field", TypeSpec("field")),  # 3. field without a path is auto-detect too
    ("field:event_type", TypeSpec("field", "event_type")),  # 4.
    ("header:ce_type", TypeSpec("header", "ce_type")),  # 5.
    ("event.type", TypeSpec("field", "event.type")),  # 6. bare path is a field
    ("  type  ", TypeSpec("field", "type")),  # 7. surrounding spaces dropped
    ("field:a:b", TypeSpec("field", "a:b")),  # 8. only the first ':' separates
    ("header:X-Type", TypeSpec("header", "X-Type")),  # 9. header names keep their case
]


@pytest.mark.parametrize(
    "text, expected", PARSE_CASES, ids=[f"{i:02d}-{c[0].strip()}" for i, c in enumerate(PARSE_CASES, 1)]
)
def test_type_spec_parse(text, expected):
    assert TypeSpec.parse(text) == expected


PARSE_ERRORS = [
    ("", "type spec is empty"),  # 1.
    ("   ", "type spec is empty"),  # 2.
    (None, "type spec is empty"),  # 3. not text at all
    ("foo:bar", "unknown type source 'foo'"),  # 4.
    ("header:", "needs a name after ':'"),  # 5.
    ("field:", "needs a name after ':'"),  # 6.
    ("key:k", "'key' takes no name"),  # 7.
    ("a..b", "empty segment"),  # 8.
    (".a", "empty segment"),  # 9.
    ("x" * 201, "the limit is 200"),  # 10.
    ("field: a", "surrounding spaces"),  # 11.
    ("a\tb", "control characters"),  # 12.
]


@pytest.mark.parametrize("text, message", PARSE_ERRORS, ids=[f"{i:02d}" for i in range(1, len(PARSE_ERRORS) + 1)])
def test_type_spec_parse_rejects_junk(text, message):
    with pytest.raises(InvalidInput, match=message):
        TypeSpec.parse(text)


@pytest.mark.parametrize(
    "source, path, message",
    [
        ("value", None, "must be one of field, header, key"),
        ("header", None, "needs a header name"),
        ("key", "k", "takes no name"),
    ],
    ids=["01-bad-source", "02-header-without-name", "03-key-with-name"],
)
def test_type_spec_constructor_validates(source, path, message):
    with pytest.raises(InvalidInput, match=message):
        TypeSpec(source, path)


# --- make_extractor ------------------------------------------------------------

# (spec, value, headers, key, expected type)
EXTRACT_CASES = [
    # field:event_type
    ("event_type", b'{"event_type": "login"}', None, None, "login"),  # 1.
    ("event_type", b'{"type": "login"}', None, None, UNKNOWN),  # 2. missing field
    ("event_type", None, None, None, UNKNOWN),  # 3. null value (tombstone)
    ("event_type", b"", None, None, UNKNOWN),  # 4. empty value: nothing to parse
    ("event_type", b"hello", None, None, UNPARSEABLE),  # 5. not JSON
    ("event_type", b"\xff\xfe", None, None, UNPARSEABLE),  # 6. not UTF-8
    ("event_type", b"[1, 2]", None, None, UNKNOWN),  # 7. JSON but no fields
    ("event_type", b'{"event_type": 3}', None, None, "3"),  # 8. int is str()-ed
    ("event_type", b'{"event_type": 1.5}', None, None, "1.5"),  # 9. float
    ("event_type", b'{"event_type": true}', None, None, "true"),  # 10. JSON spelling
    ("event_type", b'{"event_type": null}', None, None, UNKNOWN),  # 11.
    ("event_type", b'{"event_type": ""}', None, None, UNKNOWN),  # 12. blank label
    ("event_type", b'{"event_type": {"a": 1}}', None, None, UNPARSEABLE),  # 13. object
    ("event_type", b'{"event_type": ["a"]}', None, None, UNPARSEABLE),  # 14. list
    ("event_type", b'{"event_type": "%s"}' % LONG_TYPE.encode(), None, None, "x" * 100),  # 15.
    ("event_type", '{"event_type": "café"}'.encode(), None, None, "café"),  # 16.
    ("event_type", b'{"event_type": "a"}', CE, b"k", "a"),  # 17. headers/key ignored
    # dotted paths
    ("event.type", b'{"event": {"type": "click"}}', None, None, "click"),  # 18.
    ("event.type", b'{"event.type": "exact", "event": {"type": "nested"}}', None, None, "exact"),  # 19.
    ("event.type", b'{"event": "flat"}', None, None, UNKNOWN),  # 20. walk hits a string
    ("a.b.c", b'{"a": {"b": {"c": 7}}}', None, None, "7"),  # 21.
    ("a.b.c", b'{"a": {"b": {}}}', None, None, UNKNOWN),  # 22.
    ("event", b'{"event": {"type": "x"}}', None, None, UNPARSEABLE),  # 23. points at an object
    # headers
    ("header:ce_type", b"not json", CE, None, "com.example.created"),  # 24.
    ("header:ce_type", b"{}", [("other", b"x")], None, UNKNOWN),  # 25.
    ("header:ce_type", b"{}", None, None, UNKNOWN),  # 26. no headers at all
    ("header:ce_type", b"{}", [("ce_type", None)], None, UNKNOWN),  # 27. null header value
    ("header:ce_type", b"{}", [("ce_type", b"\xff")], None, UNPARSEABLE),  # 28.
    ("header:t", None, [("t", b"first"), ("t", b"last")], None, "last"),  # 29. last wins
    ("header:t", None, [("t", b"")], None, UNKNOWN),  # 30.
    ("header:T", None, [("t", b"lower")], None, UNKNOWN),  # 31. names are case-sensitive
    # key
    ("key", b"{}", None, b"user-1", "user-1"),  # 32.
    ("key", b"{}", None, None, UNKNOWN),  # 33.
    ("key", b"{}", None, b"\xc3", UNPARSEABLE),  # 34. truncated UTF-8
    ("key", None, None, LONG_TYPE.encode(), "x" * 100),  # 35.
    # auto-detect
    ("auto", b'{"event_type": "a"}', None, None, "a"),  # 36.
    ("auto", b'{"type": "b"}', None, None, "b"),  # 37.
    ("auto", b'{"eventType": "c"}', None, None, "c"),  # 38.
    ("auto", b'{"event": {"type": "d"}}', None, None, "d"),  # 39.
    ("auto", b'{"event.type": "e"}', None, None, "e"),  # 40.
    ("auto", b'{"type": "second", "event_type": "first"}', None, None, "first"),  # 41. order
    ("auto", b'{"event_type": null, "type": "t"}', None, None, "t"),  # 42. null skipped
    ("auto", b'{"event_type": "body"}', CE, None, "com.example.created"),  # 43. ce_type wins
    ("auto", None, CE, None, "com.example.created"),  # 44. binary-mode tombstone
    ("auto", b'{"specversion": "1.0", "type": "ce", "event_type": "x"}', None, None, "ce"),  # 45.
    ("auto", b'{"specversion": "1.0", "event_type": "x"}', None, None, "x"),  # 46.
    ("auto", b'{"name": "x"}', [("h", b"v")], None, UNKNOWN),  # 47.
    ("auto", b"nope", None, None, UNPARSEABLE),  # 48.
    ("auto", b'"a string"', None, None, UNKNOWN),  # 49.
    ("auto", None, None, None, UNKNOWN),  # 50.
]


@pytest.mark.parametrize(
    "spec, value, headers, key, expected",
    EXTRACT_CASES,
    ids=[f"{i:02d}-{c[0]}" for i, c in enumerate(EXTRACT_CASES, 1)],
)
def test_extractor(spec, value, headers, key, expected):
    assert make_extractor(TypeSpec.parse(spec))(value, headers, key) == expected


def test_extractor_survives_json_bomb():
    extract = make_extractor(TypeSpec("field"))
    assert extract(b"[" * 100_000, None, None) == UNPARSEABLE


# --- RateBuckets ---------------------------------------------------------------


def filled() -> RateBuckets:
    buckets = RateBuckets()
    buckets.add(99, "c")
    buckets.add(100, "a")
    buckets.add(100, "a")
    buckets.add(100, "b", 3)
    buckets.add(101, "a")
    return buckets


SERIES_CASES = [
    (101, 2, False, [(100, "a", 2), (100, "b", 3), (101, "a", 1)]),  # 1. 99 is outside
    (101, 3, False, [(99, "c", 1), (100, "a", 2), (100, "b", 3), (101, "a", 1)]),  # 2.
    (101, 1, False, [(101, "a", 1)]),  # 3.
    (500, 10, False, []),  # 4. long after
    (102, 3, True, [(100, "a", 2), (100, "b", 3), (101, "a", 1), (101, "b", 0), (102, "a", 0), (102, "b", 0)]),
    (98, 5, False, []),  # 6. before anything happened
]


@pytest.mark.parametrize("now_s, window_s, zero_fill, expected", SERIES_CASES, ids=[f"{i:02d}" for i in range(1, 7)])
def test_series(now_s, window_s, zero_fill, expected):
    assert filled().series(now_s, window_s, zero_fill=zero_fill) == expected


def steady() -> RateBuckets:
    """5 'a'/s over seconds 100..109, a burst of 100 in the current second 110, one 'b' at 95."""
    buckets = RateBuckets()
    for sec in range(100, 110):
        buckets.add(sec, "a", 5)
    buckets.add(110, "a", 100)
    buckets.add(95, "b")
    return buckets


RATE_CASES = [
    (110, 10, {"a": 5.0}),  # 1. current second 110 is not complete: excluded
    (110, 20, {"a": 2.5, "b": 0.05}),  # 2.
    (111, 1, {"a": 100.0}),  # 3.
    (110, 1, {"a": 5.0}),  # 4.
    (200, 10, {}),  # 5. quiet types are omitted
]


@pytest.mark.parametrize("now_s, over_s, expected", RATE_CASES, ids=[f"{i:02d}" for i in range(1, 6)])
def test_rate_per_s(now_s, over_s, expected):
    assert steady().rate_per_s(now_s, over_s) == expected


def test_default_rate_window_is_ten_seconds():
    assert steady().rate_per_s(110) == {"a": 5.0}


def test_totals_and_last_seen():
    buckets = filled()
    buckets.add(50, "a")  # late event: counted, but last_seen keeps the latest second
    assert buckets.totals() == {"c": 1, "a": 4, "b": 3}
    assert buckets.last_seen_s() == {"c": 99, "a": 101, "b": 100}


def test_add_counts_matches_add():
    one_by_one, batch = RateBuckets(), RateBuckets()
    for event_type, n in {"a": 3, "b": 1}.items():
        one_by_one.add(7, event_type, n)
    batch.add_counts(7, {"a": 3, "b": 1})
    assert batch.series(7, 1) == one_by_one.series(7, 1) == [(7, "a", 3), (7, "b", 1)]
    assert batch.totals() == one_by_one.totals()


def test_old_buckets_are_recycled():
    buckets = RateBuckets()
    buckets.add(5, "a")
    buckets.add(5 + MAX_WINDOW_S + 1, "b")  # same ring slot, a newer second
    assert buckets.series(5 + MAX_WINDOW_S + 1, MAX_WINDOW_S) == [(906, "b", 1)]
    assert buckets.totals() == {"a": 1, "b": 1}


def test_events_older_than_the_ring_are_counted_but_not_bucketed():
    buckets = RateBuckets()
    buckets.add(1000, "a")
    buckets.add(1000 - MAX_WINDOW_S - 1, "a")  # its slot belongs to second 1000
    assert buckets.series(1000, MAX_WINDOW_S) == [(1000, "a", 1)]
    assert buckets.totals() == {"a": 2}


def test_full_window_and_full_rate_span_both_fit():
    buckets = RateBuckets()
    for sec in range(100, 100 + MAX_WINDOW_S + 1):  # 901 seconds, up to the current one
        buckets.add(sec, "a")
    now_s = 100 + MAX_WINDOW_S
    assert len(buckets.series(now_s, MAX_WINDOW_S)) == MAX_WINDOW_S
    assert buckets.rate_per_s(now_s, MAX_WINDOW_S) == {"a": 1.0}


def test_types_beyond_the_limit_fold_into_other():
    buckets = RateBuckets()
    for i in range(MAX_TYPES):
        buckets.add(1, f"t{i}")
    buckets.add(1, "late-1")
    buckets.add(1, "late-2", 2)
    buckets.add(1, "t0")  # known types keep their own line
    totals = buckets.totals()
    assert len(totals) == MAX_TYPES + 1
    assert (totals[OTHER], totals["t0"]) == (3, 2)
    assert "late-1" not in buckets.last_seen_s()


def test_memory_stays_bounded():
    buckets = RateBuckets()
    for sec in range(10_000):
        buckets.add(sec, f"t{sec % 300}")
    cells = sum(len(counts) for counts in buckets._slot_counts)
    assert cells <= (MAX_WINDOW_S + 1) and len(buckets.totals()) == MAX_TYPES + 1


def test_clear_forgets_everything():
    buckets = filled()
    buckets.clear()
    assert (buckets.series(101, 10), buckets.totals(), buckets.last_seen_s()) == ([], {}, {})
    buckets.add(101, "z")
    assert buckets.series(101, 10) == [(101, "z", 1)]


@pytest.mark.parametrize("n, expected", [(0, {}), (2, {"a": 2})], ids=["01-zero-is-a-no-op", "02-two"])
def test_add_counts_n(n, expected):
    buckets = RateBuckets()
    buckets.add(1, "a", n)
    assert buckets.totals() == expected


def test_add_rejects_negative_counts():
    with pytest.raises(InvalidInput, match="≥ 0"):
        RateBuckets().add(1, "a", -1)


@pytest.mark.parametrize("window_s", [0, -5, MAX_WINDOW_S + 1, 1.5, True], ids=["0", "neg", "901", "float", "bool"])
def test_windows_are_validated(window_s):
    with pytest.raises(InvalidInput, match="from 1 to 900"):
        RateBuckets().series(100, window_s)
    with pytest.raises(InvalidInput, match="over_s"):
        RateBuckets().rate_per_s(100, window_s)


# --- decode_preview ------------------------------------------------------------

PREVIEW_CASES = [
    (None, 500, ("null", "")),  # 1.
    (b'{"a": 1, "b": [1, 2]}', 500, ("json", '{"a":1,"b":[1,2]}')),  # 2. compacted
    (b'"hi"', 500, ("json", '"hi"')),  # 3.
    (b"42", 500, ("json", "42")),  # 4.
    (b'{"big": 123456789012345678901234567890}', 500, ("json", '{"big":123456789012345678901234567890}')),  # 5.
    (b"hello world", 500, ("text", "hello world")),  # 6.
    (b"", 500, ("text", "")),  # 7. empty is not null
    ("café".encode(), 500, ("text", "café")),  # 8.
    (b"line1\nline2\ttab\r\n", 500, ("text", "line1\nline2\ttab\r\n")),  # 9.
    (b"NaN", 500, ("text", "NaN")),  # 10. not strict JSON
    (b"\x00\x01\xff", 500, ("binary", "0001ff")),  # 11.
    (b"a\x00b", 500, ("binary", "610062")),  # 12. NUL makes it binary
    (b"abc\xc3", 500, ("binary", "616263c3")),  # 13. cut UTF-8 at the very end
    (b"a" * 10, 4, ("text", "aaaa…(10 bytes)")),  # 14.
    (b'{"k": "vvvvvvvv"}', 5, ("json", '{"k":…(17 bytes)')),  # 15. size of the original
    (bytes(range(10)), 3, ("binary", "000102…(10 bytes)")),  # 16.
    ("ééé".encode(), 2, ("text", "éé…(6 bytes)")),  # 17. limit counts characters
    (b"hello", 0, ("text", "…(5 bytes)")),  # 18.
    (b"hello", -3, ("text", "…(5 bytes)")),  # 19. negative limit acts as 0
    (b"[" * 500 + b"]" * 500, 4, ("json", "[[[[…(1000 bytes)")),  # 20. deeper than orjson writes
    (b"[" * 1000 + b"]" * 1000, 3, ("json", "[[[…(2000 bytes)")),  # 21. deeper than json writes
    (b'{"a": 1, "big": 12345678901234567890123}', 500, ("json", '{"a":1,"big":12345678901234567890123}')),  # 22.
]


@pytest.mark.parametrize(
    "value, limit_chars, expected", PREVIEW_CASES, ids=[f"{i:02d}" for i in range(1, len(PREVIEW_CASES) + 1)]
)
def test_decode_preview(value, limit_chars, expected):
    assert decode_preview(value, limit_chars) == expected


TEN_MB = 10 * 1024 * 1024
HOSTILE_CASES = [
    (b"[" * 100_000, "text", "[" * 20 + "…(100000 bytes)"),  # 1. JSON bomb
    (b"x" * TEN_MB, "text", "x" * 20 + f"…({TEN_MB} bytes)"),  # 2.
    (b"[" + b"1," * (TEN_MB // 2) + b"1]", "text", "[1,1,1,1,1,1,1,1,1,1…(10485763 bytes)"),  # 3. too big to parse
    (b"\xff" * TEN_MB, "binary", "ff" * 20 + f"…({TEN_MB} bytes)"),  # 4.
    (b"\x00" * TEN_MB, "binary", "00" * 20 + f"…({TEN_MB} bytes)"),  # 5.
    (b"{" * 2000 + b"}" * 2000, "text", "{" * 20 + "…(4000 bytes)"),  # 6. beyond orjson's depth
]


@pytest.mark.parametrize(
    "value, kind, text", HOSTILE_CASES, ids=["01-bomb", "02-10mb-text", "03-10mb-json", "04-ff", "05-nul", "06-deep"]
)
def test_decode_preview_is_quick_on_hostile_values(value, kind, text):
    started = time.perf_counter()
    assert decode_preview(value, 20) == (kind, text)
    assert time.perf_counter() - started < 1.0


def test_decode_preview_random_bytes_never_raise():
    for size in (1, 7, 64, 4096):
        kind, _ = decode_preview(os.urandom(size))
        assert kind in {"json", "text", "binary"}


@pytest.mark.parametrize("value", ["a str", 12], ids=["01-str", "02-int"])
def test_decode_preview_never_raises_on_wrong_types(value):
    assert decode_preview(value)[0] in {"json", "text", "binary"}
