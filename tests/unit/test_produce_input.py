"""Table tests for kafka_io.produce.inputs: form and CLI fields to checked events."""

from __future__ import annotations

import math

import pytest
from support.table_cases import ids, message_of

from kafka_io.produce.inputs import (
    SOURCE_HEADER_PAIR,
    TopicLimits,
    build_event,
    check_specs,
    encode_key,
    encode_value,
    headers_from_rows,
    parse_timestamp,
    pretty_json,
)
from kafka_io.produce.validation import EventSpec

LIMITS = TopicLimits("orders", 3, 200, "max.message.bytes of topic 'orders'")


def test_source_header_is_the_documented_marker():
    assert SOURCE_HEADER_PAIR == ("x-kdash-source", b"dashboard")


@pytest.mark.parametrize(
    "text, expected", [(None, None), ("", None), ("k1", b"k1"), (" k ", b" k "), ("é", "é".encode())], ids=ids(range(5))
)
def test_encode_key(text, expected):
    assert encode_key(text) == expected


VALUE_OK = [
    ('{"a": 1,\n "b": [true, null]}', "json", b'{"a":1,"b":[true,null]}'),  # 1. compacted
    ('{"id": 123456789012345678901234567890}', "json", b'{"id":123456789012345678901234567890}'),  # 2. exact
    ("plain text", "text", b"plain text"),  # 3.
    ("", "text", b""),  # 4. empty text is an empty value, not null
    ("{not json", "text", b"{not json"),  # 5. text is never parsed
]


@pytest.mark.parametrize("text, fmt, expected", VALUE_OK, ids=ids(VALUE_OK))
def test_encode_value(text, fmt, expected):
    assert encode_value(text, fmt) == expected


VALUE_BAD = [
    ('{"event": }', "json", "invalid JSON in value at line 1 column 11: unexpected character"),  # 1.
    ("", "json", "invalid JSON in value at line 1 column 1: empty input"),  # 2.
    ("x", "xml", "value format must be one of json, text, got 'xml'"),  # 3.
    ("\udcff", "text", "value cannot be encoded as UTF-8"),  # 4.
]


@pytest.mark.parametrize("text, fmt, message", VALUE_BAD, ids=ids(VALUE_BAD))
def test_encode_value_errors(text, fmt, message):
    assert message_of(encode_value, text, fmt).startswith(message)


def test_pretty_json():
    assert pretty_json('{"a":[1,{"b":"é"}]}') == '{\n  "a": [\n    1,\n    {\n      "b": "é"\n    }\n  ]\n}'
    assert message_of(pretty_json, "[1,", "value").startswith("invalid JSON in value at line 1 column 4")


ROWS_OK = [
    ([("trace", "abc"), ("empty", None)], (("trace", b"abc"), ("empty", b""))),  # 1. empty cell = empty value
    ([(None, None), ("", ""), (math.nan, math.nan)], ()),  # 2. blank rows skipped (NaN = pandas blank)
    ([("a", "1"), ("a", "2")], (("a", b"1"), ("a", b"2"))),  # 3. repeats are legal in Kafka
    ([("n", 5)], (("n", b"5"),)),  # 4. numbers from the editor become text
]


@pytest.mark.parametrize("rows, expected", ROWS_OK, ids=ids(ROWS_OK))
def test_headers_from_rows(rows, expected):
    assert headers_from_rows(rows) == expected


ROWS_BAD = [
    ([("a", "1"), (None, "orphan")], "header row 2 has a value but no key"),  # 1.
    ([(" a", "1")], "header row 1: key ' a' has spaces around it"),  # 2.
    ([("x-kdash-source", "me")], "header row 1: x-kdash-source is set by the dashboard itself"),  # 3.
    ([(f"h{i}", "v") for i in range(101)], "too many headers: the limit is 100"),  # 4.
]


@pytest.mark.parametrize("rows, message", ROWS_BAD, ids=ids(ROWS_BAD))
def test_headers_from_rows_errors(rows, message):
    assert message_of(headers_from_rows, rows) == message


TS_OK = [
    ("", None),  # 1. now
    ("  ", None),  # 2.
    ("1700000000123", 1_700_000_000_123),  # 3. epoch milliseconds
    ("2023-11-14T22:13:20.123Z", 1_700_000_000_123),  # 4. ISO with Z
    ("2023-11-14T23:13:20.123+01:00", 1_700_000_000_123),  # 5. offset
    ("2023-11-14 22:13:20.123", 1_700_000_000_123),  # 6. no zone means UTC
    ("0", 0),  # 7.
]


@pytest.mark.parametrize("text, expected", TS_OK, ids=ids(TS_OK))
def test_parse_timestamp(text, expected):
    assert parse_timestamp(text) == expected


TS_BAD = [
    ("yesterday", "timestamp must be milliseconds since 1970 or ISO 8601 like 2024-05-01T12:00:00Z, got 'yesterday'"),
    ("-5", "timestamp must be milliseconds since 1970 or ISO 8601 like 2024-05-01T12:00:00Z, got '-5'"),
    ("1969-12-31T23:59:59Z", "timestamp '1969-12-31T23:59:59Z' is outside 1970 to 9999"),
    ("99999999999999999", "timestamp '99999999999999999' is outside 1970 to 9999"),
]


@pytest.mark.parametrize("text, message", TS_BAD, ids=ids(TS_BAD))
def test_parse_timestamp_errors(text, message):
    assert message_of(parse_timestamp, text) == message


def test_build_event_checks_partition_and_size_with_the_source_header():
    event = build_event(LIMITS, '{"a": 1}', "json", "k", (("h", b"v"),), 2)
    assert event == EventSpec(b'{"a":1}', b"k", (("h", b"v"),), 2)
    # 200-byte limit: batch header, record framing and the source header leave 105 bytes of value.
    assert build_event(LIMITS, "x" * 105, "text").value == b"x" * 105
    assert message_of(build_event, LIMITS, "x" * 106, "text") == (
        "message is 201 bytes as sent (value, key, headers and framing), "
        "over the limit of 200 bytes (max.message.bytes of topic 'orders')"
    )
    assert message_of(build_event, LIMITS, "{}", "json", partition=3).startswith(
        "partition 3 does not exist: the topic has 3 partitions (0 to 2)"
    )


def test_check_specs_reports_lines():
    specs = [EventSpec(b"ok", line=1), EventSpec(b"x" * 500, line=4), EventSpec(b"ok", partition=7, line=9)]
    assert check_specs(specs, LIMITS) == [
        (
            4,
            "message is 595 bytes as sent (value, key, headers and framing), "
            "over the limit of 200 bytes (max.message.bytes of topic 'orders')",
        ),
        (9, "partition 7 does not exist: the topic has 3 partitions (0 to 2); leave it empty for automatic"),
    ]
