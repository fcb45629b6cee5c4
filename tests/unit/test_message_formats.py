"""Table tests for kafka_io.messages.formats (JSONL and CSV of events) and the
[messages] export switch (kafka_io.access.switches)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from support.table_cases import ids, message_of

from kafka_io.access.switches import messages_export
from kafka_io.messages.formats import CSV_COLUMNS, from_csv, to_csv, to_jsonl
from kafka_io.messages.model import Message


def msg(value=b"{}", key=None, headers=(), **fields) -> Message:
    base = dict(topic="orders", partition=0, offset=7, timestamp_ms=1_700_000_000_123, type="order_created")
    base.update(fields)
    size = fields.pop("value_size", None)
    base["value_size"] = len(value or b"") if size is None else size
    return Message(key=key, value=value, headers=tuple(headers), **base)


ROUND_TRIP = [
    msg(),  # 01. plain JSON value, no key
    msg(b"", b""),  # 02. empty value and empty key: not null
    msg(None, None, value_size=0),  # 03. tombstone, no key: null
    msg(b'a,b "quoted"\nnext line\r\nand \r alone', b"k,1"),  # 04. commas, quotes, newlines
    msg(b"\x00\x01\xff\xfe binary", b"\x00"),  # 05. binary: base64 marker
    msg(b"base64:aGVsbG8=", b"base64:"),  # 06. text that looks like the marker stays text after the trip
    msg(b'=HYPERLINK("http://evil")', b"+1", type="-x"),  # 07. formulas are escaped, and come back exact
    msg(b"'quoted already", b"@home"),  # 08. the escape character itself
    msg(b"tab\there", b"\tlead", type="@t"),  # 09. tabs are text
    msg("é ✓ 日本 🎉".encode(), "ключ".encode()),  # 10. UTF-8
    msg(b"\xc3\x28", b"\xe2\x82"),  # 11. invalid UTF-8 (a cut sequence) is binary
    msg(b"x", headers=[("a", b"1"), ("a", b"2"), ("n", None), ("e", b""), ("b", b"\x00\x01"), ("c", b'x,"y"\n')]),
    # 12. headers: repeats in order, null, empty, binary, CSV specials
    msg(b"{}", timestamp_ms=None),  # 13. no timestamp
    msg(b"y" * 10, value_size=3_000_000),  # 14. truncated: the full size survives
    msg(b"\x00\x00\x00\x00\x05\x02", decoded='{"id": 1}', schema="AVRO schema 5"),  # 15. a registry record
    msg(b"x", decoded="", schema=""),  # 16. empty texts are not null
    msg(b"x", decoded="'", schema="=1"),  # 17. escapes in the optional texts
    msg(b"\x1b[31mred\x1b[0m"),  # 18. terminal escapes (control characters) are binary
]


@pytest.mark.parametrize("message", ROUND_TRIP, ids=ids(ROUND_TRIP))
def test_csv_round_trip_is_exact(message):
    text = to_csv([message, message])
    rows = from_csv(text)
    assert [Message(**row) for row in rows] == [message, message]


CELLS = [
    # (message, column, the cell a spreadsheet shows)
    (msg(None, None, value_size=0), "value", ""),  # 01. null: empty
    (msg(b""), "value", "base64:"),  # 02. empty: the marker alone
    (msg(b"\x00\x01"), "value", "base64:AAE="),  # 03. binary
    (msg(b"base64:x"), "value", "base64:YmFzZTY0Ong="),  # 04. marker-like text goes base64
    (msg(b"=1+2"), "value", "'=1+2"),  # 05. a formula is shown as text
    (msg(b"-5"), "value", "'-5"),  # 06. OWASP's list includes the minus sign
    (msg(b'{"a": 1}'), "value", '{"a": 1}'),  # 07. JSON as is
    (msg(b"x", headers=[("h", None), ("b", b"\x00")]), "headers", '[["h", null], ["b", "base64:AA=="]]'),  # 08.
    (msg(b"x"), "headers", "[]"),  # 09. no headers
    (msg(b"x", timestamp_ms=None), "timestamp_ms", ""),  # 10.
]


@pytest.mark.parametrize(("message", "column", "cell"), CELLS, ids=ids(CELLS))
def test_csv_cells(message, column, cell):
    header, row = list(csv.reader(io.StringIO(to_csv([message]), newline="")))
    assert tuple(header) == CSV_COLUMNS
    assert row[CSV_COLUMNS.index(column)] == cell


def test_csv_quotes_newlines_inside_one_record():
    text = to_csv([msg(b"line 1\nline 2, with comma")])
    assert text.count("\r\n") == 2  # the header's and the record's: the value's newline is quoted
    assert '"line 1\nline 2, with comma"' in text


BAD_CSV = [
    ("", "CSV header must be " + ",".join(CSV_COLUMNS)),  # 01. empty
    ("a,b\r\n", "CSV header must be " + ",".join(CSV_COLUMNS)),  # 02. another file
    (",".join(CSV_COLUMNS) + "\r\norders,0\r\n", "CSV line 2: 2 cells, expected 11"),  # 03. short row
    (
        ",".join(CSV_COLUMNS) + "\r\norders,x,1,,,,t,v,1,,\r\n",
        "CSV line 2: invalid literal for int() with base 10: 'x'",
    ),  # 04. partition not a number
    (",".join(CSV_COLUMNS) + "\r\norders,0,1,,,,t,base64:!!,1,,\r\n", "CSV line 2: Only base64 data is allowed"),
    # 05. broken base64
    (
        ",".join(CSV_COLUMNS) + '\r\norders,0,1,,,"{""a"": 1}",t,v,1,,\r\n',
        "CSV line 2: headers must be a JSON array of [name, value] pairs",
    ),  # 06. headers not pairs
]


@pytest.mark.parametrize(("text", "error"), BAD_CSV, ids=ids(BAD_CSV))
def test_from_csv_refuses_what_it_did_not_write(text, error):
    assert message_of(from_csv, text).startswith(error)


def test_jsonl_is_tails_shape_plus_headers():
    lines = to_jsonl(
        [
            msg(b'{"a": 1}', b"user-1", [("trace", b"t1"), ("bin", b"\x00\xff"), ("n", None)]),
            msg(None, b"\x00\x01", value_size=0, type="unknown"),
            msg(b"\x00\x00\x00\x00\x05\x02", decoded='{"id": 12345678901234567890}', schema="AVRO schema 5"),
            msg(b"z" * 4, value_size=2_000_000),
        ]
    ).splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "topic": "orders",
            "partition": 0,
            "offset": 7,
            "timestamp_ms": 1_700_000_000_123,
            "key": "user-1",
            "headers": [["trace", "t1"], ["bin", "AP8="], ["n", None]],
            "type": "order_created",
            "value": '{"a": 1}',
        },
        {
            "topic": "orders",
            "partition": 0,
            "offset": 7,
            "timestamp_ms": 1_700_000_000_123,
            "key": "AAE=",
            "headers": [],
            "type": "unknown",
            "value": None,
        },
        {
            "topic": "orders",
            "partition": 0,
            "offset": 7,
            "timestamp_ms": 1_700_000_000_123,
            "key": None,
            "headers": [],
            "type": "order_created",
            "value": {"id": 12345678901234567890},
            "schema": "AVRO schema 5",
        },
        {
            "topic": "orders",
            "partition": 0,
            "offset": 7,
            "timestamp_ms": 1_700_000_000_123,
            "key": None,
            "headers": [],
            "type": "order_created",
            "value": "zzzz",
            "value_size": 2_000_000,
        },
    ]
    assert list(json.loads(lines[0])) == ["topic", "partition", "offset", "timestamp_ms", "key", "headers"] + [
        "type",
        "value",
    ]


SWITCH = [
    # (secrets.toml data, cluster, export allowed)
    ({}, "prod", True),  # 01. not set: on
    ({"messages": {"export": False}}, "prod", False),  # 02. off everywhere
    ({"messages": {"export": True}}, "prod", True),  # 03.
    ({"messages": {"export": False}, "clusters": {"dev": {"messages": {"export": True}}}}, "dev", True),  # 04. own wins
    ({"messages": {"export": False}, "clusters": {"dev": {"messages": {"export": True}}}}, "prod", False),  # 05.
    ({"clusters": {"prod": {"messages": {"export": False}}}}, "prod", False),  # 06. one cluster only
    ({"clusters": {"prod": {"messages": {"export": False}}}}, "dev", True),  # 07.
    ({"messages": {}}, "prod", True),  # 08. an empty table changes nothing
]


@pytest.mark.parametrize(("data", "cluster", "allowed"), SWITCH, ids=ids(SWITCH))
def test_the_export_switch(data, cluster, allowed):
    assert messages_export(data, cluster, "secrets.toml") is allowed


BAD_SWITCH = [
    ({"messages": {"export": "false"}}, "secrets.toml [messages]: export must be true or false, got 'false'"),  # 01.
    ({"messages": {"exprot": False}}, "secrets.toml [messages]: unknown key 'exprot' (expected export)"),  # 02.
    ({"messages": False}, "secrets.toml [messages] must be a table, e.g. export = false"),  # 03.
    (
        {"clusters": {"prod": {"messages": {"export": 0}}}},
        "secrets.toml [clusters.prod.messages]: export must be true or false, got 0",
    ),  # 04.
]


@pytest.mark.parametrize(("data", "error"), BAD_SWITCH, ids=ids(BAD_SWITCH))
def test_a_misspelt_switch_is_refused_not_ignored(data, error):
    assert message_of(messages_export, data, "prod", "secrets.toml") == error


def test_settings_carry_the_switch_from_secrets_toml(tmp_path):
    from kafka_io.config import load_clusters

    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[messages]\nexport = false\n\n"
        '[clusters.prod]\nbootstrap_servers = "127.0.0.1:9092"\n\n'
        '[clusters.dev]\nbootstrap_servers = "127.0.0.1:9093"\n[clusters.dev.messages]\nexport = true\n'
    )
    clusters = load_clusters(env={}, secrets_path=secrets)
    assert {name: s.messages_export for name, s in clusters.items()} == {"prod": False, "dev": True}
    # The global switch also holds for a cluster given by flags or the environment.
    flagged = load_clusters(flags={"bootstrap_servers": "127.0.0.1:9094"}, env={}, secrets_path=secrets)
    assert [s.messages_export for s in flagged.values()] == [False]


def test_jsonl_names_the_schema_of_an_undecodable_value_as_tail_does():
    (line,) = to_jsonl([msg(b"\x00\x00\x00\x00\x09\x01", schema="undecodable: unknown schema id 9")]).splitlines()
    assert json.loads(line)["value"] == "AAAAAAkB" and json.loads(line)["schema"] == "undecodable: unknown schema id 9"
