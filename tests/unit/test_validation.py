"""Table tests for kafka_io.produce.validation: every rule, its exact answer or its exact message."""

from __future__ import annotations

import math

import pytest

from kafka_io.errors import InvalidInput
from kafka_io.produce import files as eventfiles
from kafka_io.produce.files import parse_csv, parse_jsonl
from kafka_io.produce.validation import (
    DEFAULT_MAX_MESSAGE_BYTES,
    MAX_BURST_EVENTS,
    MAX_RATE_PER_S,
    EventSpec,
    encoded_size,
    parse_header,
    parse_json,
    validate_count,
    validate_encoded_size,
    validate_partition,
    validate_rate,
)
from kafka_io.topics.names import topic_name_warning, validate_topic_name


def ids(cases) -> list[str]:
    return [f"{i:02d}" for i in range(1, len(cases) + 1)]


def message_of(fn, *args) -> str:
    with pytest.raises(InvalidInput) as caught:
        fn(*args)
    return str(caught.value)


def test_limits():
    assert (MAX_BURST_EVENTS, MAX_RATE_PER_S, DEFAULT_MAX_MESSAGE_BYTES) == (1_000_000, 1_000_000.0, 1_048_576)


# --- topic names -----------------------------------------------------------------

TOPIC_OK = [
    ("orders", "orders"),  # 1.
    ("  orders\n", "orders"),  # 2. surrounding whitespace dropped
    ("a.b-c_D9", "a.b-c_D9"),  # 3. every allowed character class
    ("...", "..."),  # 4. only "." and ".." are reserved
    ("x" * 249, "x" * 249),  # 5. longest legal name
]


@pytest.mark.parametrize("name, expected", TOPIC_OK, ids=ids(TOPIC_OK))
def test_valid_topic_names(name, expected):
    assert validate_topic_name(name) == expected


ALLOWED = "use only letters, digits, '.', '_' and '-'"
TOPIC_BAD = [
    ("", "topic name is empty"),  # 1.
    ("   ", "topic name is empty"),  # 2.
    (None, "topic name is empty"),  # 3.
    (".", "topic name cannot be '.'"),  # 4.
    ("..", "topic name cannot be '..'"),  # 5.
    ("x" * 250, "topic name is 250 characters; the limit is 249"),  # 6.
    ("my topic", f"topic name has ' ' at position 3; {ALLOWED}"),  # 7.
    ("ordérs", f"topic name has 'é' at position 4; {ALLOWED}"),  # 8.
    ("a/b", f"topic name has '/' at position 2; {ALLOWED}"),  # 9.
]


@pytest.mark.parametrize("name, message", TOPIC_BAD, ids=ids(TOPIC_BAD))
def test_invalid_topic_names(name, message):
    assert message_of(validate_topic_name, name) == message


WARNINGS = [
    ("orders", None),  # 1.
    ("orders.v1", None),  # 2.
    ("orders_v1", None),  # 3.
    (
        " a.b_c ",
        "topic name 'a.b_c' mixes '.' and '_': Kafka metric names treat them alike, "
        "so it can collide with another topic",
    ),  # 4.
]


@pytest.mark.parametrize("name, expected", WARNINGS, ids=ids(WARNINGS))
def test_topic_name_warning(name, expected):
    assert topic_name_warning(name) == expected


# --- JSON ------------------------------------------------------------------------

JSON_OK = [
    ('{"a": 1}', {"a": 1}),  # 1.
    (b'[1, "x", null]', [1, "x", None]),  # 2. bytes too
    ("42", 42),  # 3. any JSON value
    ('{"id": 123456789012345678901234567890}', {"id": 123456789012345678901234567890}),  # 4. exact
    ('{"n": -9223372036854775809}', {"n": -9223372036854775809}),  # 5. below int64, exact
    ('{"s": "1234567890123456789"}', {"s": "1234567890123456789"}),  # 6. digits in a string
    ('{"e": "café"}', {"e": "café"}),  # 7.
]


@pytest.mark.parametrize("text, expected", JSON_OK, ids=ids(JSON_OK))
def test_parse_json(text, expected):
    assert parse_json(text) == expected


JSON_BAD = [
    ('{"a": 1,\n "b": }', "--value", "invalid JSON in --value at line 2 column 7: unexpected character"),  # 1.
    ("", "--value", "invalid JSON in --value at line 1 column 1: empty input"),  # 2.
    ("  \n ", "value", "invalid JSON in value at line 1 column 1: empty input"),  # 3.
    ('{"a": NaN}', "--value", "invalid JSON in --value at line 1 column 7: "),  # 4. strict JSON
    ("[1] x", "--key", "invalid JSON in --key at line 1 column 5: unexpected content after document"),  # 5.
    ('{"é": }', "--value", "invalid JSON in --value at line 1 column 7: "),  # 6. columns count characters
    (b"\xff{}", "--value", "--value is not UTF-8: byte 0xff at position 0"),  # 7.
    ("[" * 2000, "--value", "invalid JSON in --value at line 1 column 1026: depth limit exceeded"),  # 8.
    (None, "--value", "--value must be text, got NoneType"),  # 9.
]


@pytest.mark.parametrize("text, field, message", JSON_BAD, ids=ids(JSON_BAD))
def test_parse_json_errors_name_field_line_and_column(text, field, message):
    got = message_of(parse_json, text, field)
    assert got.startswith(message) and "\n" not in got


# --- headers ---------------------------------------------------------------------

HEADER_OK = [
    ("k=v", ("k", b"v")),  # 1.
    ("k=v=w", ("k", b"v=w")),  # 2. split at the first '='
    ("k=", ("k", b"")),  # 3. empty value
    ("k= v ", ("k", b" v ")),  # 4. value kept verbatim
    ("trace-id=café", ("trace-id", "café".encode())),  # 5.
]


@pytest.mark.parametrize("line, expected", HEADER_OK, ids=ids(HEADER_OK))
def test_parse_header(line, expected):
    assert parse_header(line) == expected


HEADER_BAD = [
    ("kv", "header 'kv' must be key=value"),  # 1.
    ("=v", "header '=v' has an empty key"),  # 2.
    ("  =v", "header '  =v' has an empty key"),  # 3.
    (" k=v", "header key ' k' has spaces around it; write key=value"),  # 4.
    ("k =v", "header key 'k ' has spaces around it; write key=value"),  # 5.
    ("k=\udcff", "header 'k' has a value that cannot be encoded as UTF-8"),  # 6. argv surrogate escape
]


@pytest.mark.parametrize("line, message", HEADER_BAD, ids=ids(HEADER_BAD))
def test_parse_header_errors(line, message):
    assert message_of(parse_header, line) == message


# --- partition, count, rate, size ------------------------------------------------

PARTITION_OK = [(None, 3, None), (0, 3, 0), (2, 3, 2), (0, 1, 0)]


@pytest.mark.parametrize("partition, count, expected", PARTITION_OK, ids=["01-auto", "02-first", "03-last", "04-only"])
def test_validate_partition(partition, count, expected):
    assert validate_partition(partition, count) == expected


PARTITION_BAD = [
    (3, 3, "partition 3 does not exist: the topic has 3 partitions (0 to 2); leave it empty for automatic"),  # 1.
    (-1, 3, "partition -1 does not exist: the topic has 3 partitions (0 to 2); leave it empty for automatic"),  # 2.
    (1, 1, "partition 1 does not exist: the topic has 1 partition (0); leave it empty for automatic"),  # 3.
    (True, 3, "partition must be a whole number, got True"),  # 4.
    ("1", 3, "partition must be a whole number, got '1'"),  # 5.
    (0, 0, "partition count must be at least 1, got 0"),  # 6.
]


@pytest.mark.parametrize("partition, count, message", PARTITION_BAD, ids=ids(PARTITION_BAD))
def test_validate_partition_errors(partition, count, message):
    assert message_of(validate_partition, partition, count) == message


@pytest.mark.parametrize("n", [1, 500, 1_000_000], ids=["01-one", "02-some", "03-max"])
def test_validate_count(n):
    assert validate_count(n) == n


@pytest.mark.parametrize("n", [0, -3, 1_000_001, 2.0, True, None], ids=["0", "neg", "over", "float", "bool", "none"])
def test_validate_count_errors(n):
    assert message_of(validate_count, n) == f"count must be a whole number from 1 to 1,000,000, got {n!r}"


RATE_OK = [(None, None), (1, 1.0), (0.5, 0.5), (1_000_000, 1_000_000.0)]


@pytest.mark.parametrize("rate, expected", RATE_OK, ids=["01-fastest", "02-int", "03-fraction", "04-max"])
def test_validate_rate(rate, expected):
    assert validate_rate(rate) == expected


RANGE = "rate must be above 0 and at most 1,000,000 events/s (empty for as fast as possible), got"
RATE_BAD = [
    (0, f"{RANGE} 0"),  # 1.
    (-2.5, f"{RANGE} -2.5"),  # 2.
    (1_000_000.5, f"{RANGE} 1000000.5"),  # 3.
    (math.nan, "rate must be a number of events/s, got nan"),  # 4.
    (math.inf, "rate must be a number of events/s, got inf"),  # 5.
    ("10", "rate must be a number of events/s, got '10'"),  # 6.
    (True, "rate must be a number of events/s, got True"),  # 7.
]


@pytest.mark.parametrize("rate, message", RATE_BAD, ids=ids(RATE_BAD))
def test_validate_rate_errors(rate, message):
    assert message_of(validate_rate, rate) == message


def test_event_spec_defaults():
    assert EventSpec(b"v") == EventSpec(value=b"v", key=None, headers=(), partition=None)


# --- JSONL -----------------------------------------------------------------------

JSONL_CASES = [
    # 1. every field; objects are JSON-encoded compactly
    (
        b'{"value": {"a": 1}, "key": "k", "headers": {"h": "v"}, "partition": 2}',
        [EventSpec(b'{"a":1}', b"k", (("h", b"v"),), 2)],
        [],
    ),
    (b'{"value": "plain text"}', [EventSpec(b"plain text")], []),  # 2. strings as is
    (b'{"value": null}', [EventSpec(None)], []),  # 3. tombstone
    (b'{"value": [1, true]}\n{"value": 7.5}', [EventSpec(b"[1,true]"), EventSpec(b"7.5")], []),  # 4.
    (b'{"value": 1, "key": 42}', [EventSpec(b"1", b"42")], []),  # 5. non-string key JSON-encoded
    (b'{"value": 123456789012345678901234567890}', [EventSpec(b"123456789012345678901234567890")], []),  # 6.
    (b'\n  \n{"value": "a"}\r\n\n', [EventSpec(b"a")], []),  # 7. blank lines and CRLF
    (b'\xef\xbb\xbf{"value": "bom"}', [EventSpec(b"bom")], []),  # 8. UTF-8 BOM
    ('{"value": "a\u2028b"}'.encode(), [EventSpec("a\u2028b".encode())], []),  # 9. U+2028 is not a newline
    (b"", [], []),  # 10.
    # 11. bad rows are reported with their line, good rows kept
    (
        b'{"value": 1}\nnot json\n[1]\n{"key": "k"}\n{"value": 1, "partition": -1}\n'
        b'{"value": 1, "extra": 2}\n{"value": 1, "headers": {"h": 1}}\n{"value": 1, "headers": {"": "v"}}\n'
        b'{"value": 1, "partition": true}\n{"value": "\\ud800"}\n{"value": 2}',
        [EventSpec(b"1"), EventSpec(b"2")],
        [
            (2, "invalid JSON at column 1: invalid literal, expected 'null'"),
            (3, 'expected a JSON object with a "value" field'),
            (4, 'expected a JSON object with a "value" field'),
            (5, '"partition" must be a whole number ≥ 0, got -1'),
            (6, "unknown field 'extra': expected value, key, headers, partition"),
            (7, '"headers" must be an object of names to strings'),
            (8, '"headers" needs non-empty names, at most 100'),
            (9, '"partition" must be a whole number ≥ 0, got True'),
            (10, "invalid JSON at column 12: no low surrogate in string"),
        ],
    ),
]


@pytest.mark.parametrize("data, events, bad_rows", JSONL_CASES, ids=ids(JSONL_CASES))
def test_parse_jsonl(data, events, bad_rows):
    assert parse_jsonl(data) == (events, bad_rows)


# --- CSV -------------------------------------------------------------------------

CSV_CASES = [
    # 1. every column; the headers cell holds a JSON object
    (
        b'value,key,partition,headers\n"{""a"": 1}",k1,0,"{""h"": ""v""}"\n',
        [EventSpec(b'{"a": 1}', b"k1", (("h", b"v"),), 0)],
        [],
    ),
    (b"value\nplain\n\n,\nlast\n", [EventSpec(b"plain"), EventSpec(b"last")], []),  # 2. empty rows skipped
    (b"key,value\n,x\n", [EventSpec(b"x")], []),  # 3. empty key means no key
    (b"value,key\n,k\n", [EventSpec(b"", b"k")], []),  # 4. empty value is b"", never a tombstone
    (b"\xef\xbb\xbf Value \r\nabc\r\n", [EventSpec(b"abc")], []),  # 5. BOM, CRLF, header case and spaces
    (b'value\n"multi\nline"\nnext\n', [EventSpec(b"multi\nline"), EventSpec(b"next")], []),  # 6.
    (b"", [], []),  # 7. nothing at all
    (b"value\n", [], []),  # 8. header only
    # 9. bad rows keep the line they start on
    (
        b'value,partition,headers\n"a\nb",x,\nok,,\nc,-1,\nd,,notjson\ne,,"[1]"\nf,1\ng, 2 ,\n',
        [EventSpec(b"ok"), EventSpec(b"g", partition=2)],
        [
            (2, "\"partition\" must be a whole number ≥ 0, got 'x'"),
            (5, '"partition" must be a whole number ≥ 0, got -1'),
            (6, "\"headers\" is not JSON: invalid literal, expected 'null'"),
            (7, '"headers" must be an object of names to strings'),
            (8, "expected 3 columns, got 2"),
        ],
    ),
]


@pytest.mark.parametrize("data, events, bad_rows", CSV_CASES, ids=ids(CSV_CASES))
def test_parse_csv(data, events, bad_rows):
    assert parse_csv(data) == (events, bad_rows)


FILE_ERRORS = [
    (parse_jsonl, b'{"value": 1}\n{"value": "\xff"}', "file is not UTF-8: byte 0xff at position 24"),  # 1.
    (parse_csv, b"\xef\xbb\xbfvalue\n\xc3(", "file is not UTF-8: byte 0xc3 at position 9"),  # 2. after BOM
    (parse_csv, b"value,foo\n1,2\n", "unknown CSV column 'foo': expected value, key, headers, partition"),  # 3.
    (parse_csv, b"key\n1\n", 'CSV needs a "value" column'),  # 4.
    (parse_csv, b"value,Value\n1,2\n", "CSV header repeats a column"),  # 5.
    (parse_csv, b'value\nok\n"unterminated\n', "CSV syntax error at line 3: unexpected end of data"),  # 6.
    (parse_csv, b'value\n"x"y\n', "CSV syntax error at line 2: ',' expected after '\"'"),  # 7.
]


@pytest.mark.parametrize("parse, data, message", FILE_ERRORS, ids=ids(FILE_ERRORS))
def test_file_level_errors(parse, data, message):
    assert message_of(parse, data) == message


@pytest.mark.parametrize("parse, row", [(parse_jsonl, b'{"value": 1}'), (parse_csv, b"1")], ids=["jsonl", "csv"])
def test_files_are_capped_at_max_burst_events(monkeypatch, parse, row):
    monkeypatch.setattr(eventfiles, "MAX_BURST_EVENTS", 3)
    header = b"value\n" if parse is parse_csv else b""
    assert len(parse(header + b"\n".join([row] * 3))[0]) == 3
    message = message_of(parse, header + b"\n".join([row] * 4))
    assert message == f"file has more than 3 events (line {4 + len(header) // 6}); split it"


@pytest.mark.parametrize("parse, row", [(parse_jsonl, b"junk"), (parse_csv, b"x,y")], ids=["jsonl", "csv"])
def test_files_with_too_many_bad_rows_are_refused(monkeypatch, parse, row):
    monkeypatch.setattr(eventfiles, "MAX_BAD_ROWS", 2)
    header = b"value\n" if parse is parse_csv else b""
    assert len(parse(header + b"\n".join([row] * 2))[1]) == 2
    assert message_of(parse, header + b"\n".join([row] * 3)).startswith("file has over 2 bad rows; first, line ")


# --- encoded size (what the broker compares with max.message.bytes) ---------------

SOURCE = [("x-kdash-source", b"dashboard")]
SIZE_CASES = [
    # The first two were measured against a broker with max.message.bytes=2000:
    # one more value byte was refused with "Message size too large".
    (b"x" * 1930, None, [], 2000),  # 1. largest accepted lone value
    (b"x" * 1895, b"k" * 10, SOURCE, 2000),  # 2. with a key and our source header
    (None, None, [], 61 + 1 + 6),  # 3. tombstone: null key and value are one byte each
    (b"", b"", [], 61 + 1 + 6),  # 4. empty is not null but also one length byte
    (b"x" * 63, None, [], 61 + 2 + 69),  # 5. a value length of 63 still fits one varint byte
    (b"x" * 64, None, [], 61 + 2 + 71),  # 6. ... 64 needs two (zigzag doubles it)
    (b"v", None, [("é", None)], 61 + 1 + 11),  # 7. header names count in UTF-8 bytes, null header value
]


@pytest.mark.parametrize("value, key, headers, expected", SIZE_CASES, ids=ids(SIZE_CASES))
def test_encoded_size(value, key, headers, expected):
    assert encoded_size(value, key, headers) == expected


def test_validate_encoded_size_names_the_limit():
    assert validate_encoded_size(2000, 2000, "max.message.bytes of topic 'x'") == 2000
    assert message_of(validate_encoded_size, 2001, 2000, "max.message.bytes of topic 'x'") == (
        "message is 2,001 bytes as sent (value, key, headers and framing), "
        "over the limit of 2,000 bytes (max.message.bytes of topic 'x')"
    )


def test_file_events_remember_their_line_without_changing_equality():
    events, _ = parse_jsonl(b'\n{"value": 1}\nbad\n{"value": 2}')
    assert [e.line for e in events] == [2, 4]
    events, _ = parse_csv(b'value\n"a\nb"\nc\n')
    assert [e.line for e in events] == [2, 4]
    assert events[1] == EventSpec(b"c", line=99)
