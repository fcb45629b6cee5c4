"""Table tests for kafka_io.messages.cel: match, no match, evaluation error, broken syntax
(the exact one-line message), kafbat's record.* names, headers, bytes and null keys."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from support.table_cases import ids, message_of

from kafka_io.messages.cel import (
    ALL_NAMES,
    CelFilter,
    FilterEvalError,
    compile_filter,
    filter_variables,
    names_in,
)


@dataclass(frozen=True)
class Msg:
    """Stands in for kafka_io.messages.model.Message (filter_variables reads fields by name)."""

    key: bytes | None = b"a-17"
    value: bytes | None = b'{"type": "order_paid", "amount": 150, "customer": {"country": "DE"}, "note": null}'
    headers: tuple = (("source", b"web"), ("trace", b"t-1"), ("empty", None))
    partition: int = 2
    offset: int = 417
    timestamp_ms: int | None = 1_700_000_000_000
    type: str = "order_paid"
    decoded: str | None = None


def variables(msg: Msg = Msg(), names=ALL_NAMES) -> dict:
    value = None if msg.value is None else json.loads(msg.decoded or msg.value)
    return filter_variables(msg, value, names)


def evaluate(expression: str, msg: Msg = Msg()) -> bool:
    return compile_filter(expression).matches(variables(msg))


# --- match / no match --------------------------------------------------------------

CASES = [
    ('value.amount > 100 && type == "order_paid"', Msg(), True),  # 1. the typical filter
    ('value.amount > 200 && type == "order_paid"', Msg(), False),  # 2.
    ('headers["source"] == "web"', Msg(), True),  # 3. headers are a map of text
    ("headers.source == 'app'", Msg(), False),  # 4. field syntax on the map
    ('"trace" in headers && !("nope" in headers)', Msg(), True),  # 5.
    ('headers.empty == ""', Msg(), True),  # 6. a null header value reads as ""
    ("size(headers) == 3", Msg(), True),  # 7.
    ('key == "a-17" && key.startsWith("a-")', Msg(), True),  # 8. key is text
    ("key == null", Msg(key=None), True),  # 9. a null key is null
    ('key == "\\ufffd\\ufffd"', Msg(key=b"\xff\xfe"), True),  # 10. bytes that are not UTF-8 stay visible
    ("partition == 2 && offset >= 417 && offset < 418", Msg(), True),  # 11.
    ("timestamp > 1700000000000", Msg(), False),  # 12. timestamp in ms
    ("timestamp == null", Msg(timestamp_ms=None), True),  # 13.
    ("value.note == null", Msg(), True),  # 14. JSON null
    ("has(value.customer.country) && value.customer.country in ['DE', 'FR']", Msg(), True),  # 15.
    ("value.amount == 150.0", Msg(), True),  # 16. numbers compare across int and double
    ("value == null", Msg(value=None), True),  # 17. a tombstone
    ('value.startsWith("plain")', Msg(value=b'"plain text"'), True),  # 18. a JSON string value
    ('type.startsWith("order_")', Msg(), True),  # 19. `type` works although CEL has a type() function
    ("type(value) == map && type(offset) == int", Msg(), True),  # 20. ... and that function still works
    ('value.type.lowerAscii().split("_")[0] == "order"', Msg(), True),  # 21. kafbat's strings extension
    ("value.amount > 100 || value.missing > 1", Msg(), True),  # 22. an error on the losing side of || is fine
    ('type in ["order_paid", "refund"]', Msg(), True),  # 23.
    ('value.customer.exists(k, k == "country" && type == "order_paid")', Msg(), True),  # 24. inside a macro
]


@pytest.mark.parametrize("expression, msg, expected", CASES, ids=ids(CASES))
def test_filter_answers(expression, msg, expected):
    assert evaluate(expression, msg) is expected


# --- kafbat's record.* names: each pair gives the same answer ------------------------

KAFBAT = [
    ("record.partition == 2", "partition == 2", Msg()),  # 1.
    ("record.offset == 417", "offset == 417", Msg()),  # 2.
    ("record.timestampMs == 1700000000000", "timestamp == 1700000000000", Msg()),  # 3.
    ("record.keyAsText == 'a-17'", "key == 'a-17'", Msg()),  # 4.
    ("record.key == 'a-17'", "key == 'a-17'", Msg()),  # 5. a non-JSON key is its text
    ("record.value.amount > 100", "value.amount > 100", Msg()),  # 6.
    ("record.valueAsText.contains('\"amount\": 150')", "value.amount == 150", Msg(value=b'{"amount": 150}')),  # 7.
    ("record.headers['k1'] == 'v1'", "headers['k1'] == 'v1'", Msg(headers=(("k1", b"v1"),))),  # 8.
    ("record.headers.size() == 1 && !has(record.headers.k2)", "size(headers) == 1", Msg(headers=(("k1", b"v1"),))),
    # 9. ^
    (  # 10. the example in kafbat's docs
        "record.value.name.first == 'user1' && record.keyAsText.startsWith('a')",
        "value.name.first == 'user1' && key.startsWith('a')",
        Msg(value=b'{"name": {"first": "user1"}}'),
    ),
    (  # 11. kafbat's encoders extension
        "string(base64.decode(record.value.split('.')[1])).contains('abc')",
        "string(base64.decode(value.split('.')[1])) == 'abc'",
        Msg(value=b'"test.YWJj"'),
    ),
]


@pytest.mark.parametrize("kafbat, ours, msg", KAFBAT, ids=ids(KAFBAT))
def test_kafbat_record_names_carry_over(kafbat, ours, msg):
    assert evaluate(kafbat, msg) is True
    assert evaluate(ours, msg) is True
    other = Msg(b"zz", b'{"amount": 1, "name": {"first": "x"}}', (("k1", b"v0"), ("k2", b"")), 0, 1, 5)
    assert evaluate(kafbat.replace("base64", "false && base64"), other) is False


HAS = [
    ("!has(record.key) && !has(record.keyAsText)", Msg(key=None), True),  # 1. null key: absent, as in kafbat
    ("!has(record.value) && !has(record.valueAsText)", Msg(value=None), True),  # 2. tombstone
    ("!has(record.timestampMs)", Msg(timestamp_ms=None), True),  # 3.
    ("has(record.key.name.first) && record.key.name.first == 'user1'", Msg(key=b'{"name":{"first":"user1"}}'), True),
    # 4. ^ a JSON-object key is parsed, as kafbat does
    ("record.key == '{not json'", Msg(key=b"{not json"), True),  # 5. ... and left as text when it is not JSON
    ("record.key == '[1]'", Msg(key=b"[1]"), True),  # 6. only objects are parsed (kafbat)
    ("record.valueAsText == '{\"id\": 1}'", Msg(value=b"\x00\x00\x00\x00\x05avro", decoded='{"id": 1}'), True),
    # 7. ^ a schema-registry record: valueAsText is its decoded JSON
]


@pytest.mark.parametrize("expression, msg, expected", HAS, ids=ids(HAS))
def test_kafbat_absent_entries(expression, msg, expected):
    assert evaluate(expression, msg) is expected


# --- evaluation errors: the event does not match, and the caller counts it -----------

EVAL_ERRORS = [
    ("value.missing > 1", Msg(), 'Key not found in map : "missing"'),  # 1. missing field
    ('value.amount > "100"', Msg(), "No matching overloads found : _>_(int64, string)"),  # 2. wrong type
    ('headers["nope"] == "x"', Msg(), 'Key not found in map : "nope"'),  # 3. missing header
    ('key.startsWith("a")', Msg(key=None), "No matching overloads found : (null_type).startsWith(string)"),  # 4.
    ("value.amount", Msg(), "the filter gave 150, not true or false"),  # 5. not a boolean
    (
        "value.amount > 1",
        Msg(value=None),
        "a field of something that is not a map (null, text, a number or a list)",
    ),  # 6. a tombstone
    ("offset / 0 == 1", Msg(), "divide by zero"),  # 7.
]


@pytest.mark.parametrize("expression, msg, error", EVAL_ERRORS, ids=ids(EVAL_ERRORS))
def test_evaluation_errors_raise_filter_eval_error(expression, msg, error):
    with pytest.raises(FilterEvalError) as caught:
        evaluate(expression, msg)
    assert error in str(caught.value)


def test_a_value_cel_cannot_hold_is_an_evaluation_error_not_a_crash():
    cel_filter = compile_filter("value.when > 1")
    with pytest.raises(FilterEvalError, match="Non-CEL value type"):
        cel_filter.matches({"value": {"when": (1, 2)}})


def test_counting_matches_and_errors_over_a_batch():
    """The scan's arithmetic: 6 events, 2 match, 3 do not, 1 cannot be evaluated."""
    batch = [
        Msg(offset=i, value=json.dumps({"amount": amount}).encode()) for i, amount in enumerate(range(0, 600, 100))
    ]
    batch[4] = Msg(offset=4, value=b'{"other": 1}')
    cel_filter = compile_filter("value.amount > 250")
    matched = failed = 0
    for msg in batch:
        try:
            matched += cel_filter.matches(variables(msg, cel_filter.names))
        except FilterEvalError:
            failed += 1
    assert (matched, failed, len(batch) - matched - failed) == (2, 1, 3)


# --- broken expressions: one line naming the position, before anything is read ------

KNOWN = "(variables: key, value, headers, partition, offset, timestamp, type, record)"
BROKEN = [
    ('value.amount > && type == "x"', "filter: syntax error: unexpected '&&' at column 16"),  # 1.
    ("value.amount >", "filter: syntax error: the expression ends too early at column 15"),  # 2.
    ("(value.amount > 1", "filter: syntax error: missing ')' at column 18"),  # 3.
    ("value.amount > 1 )", "filter: syntax error: unexpected ')' at column 18"),  # 4.
    ("value.x = 1", "filter: syntax error: unexpected text '= ' at column 9"),  # 5. = is not ==
    ('"unterminated', "filter: syntax error: unexpected text '\"unterminated' at column 1"),  # 6.
    ("offset > 1 &&\n  offset ====", "filter: syntax error: unexpected '==' at line 2, column 12"),  # 7.
    ("vlaue.amount > 1", f"filter: unknown name 'vlaue' at column 1 {KNOWN}"),  # 8. misspelt variable
    ('offset > 1 && heders["a"] == "b"', f"filter: unknown name 'heders' at column 15 {KNOWN}"),  # 9.
    ("nosuch(offset)", f"filter: unknown name 'nosuch' at column 1 {KNOWN}"),  # 10. unknown function
    ("", "filter: the expression is empty"),  # 11.
    ("   \n ", "filter: the expression is empty"),  # 12.
]


@pytest.mark.parametrize("expression, message", BROKEN, ids=ids(BROKEN))
def test_broken_expressions_get_one_line_with_the_position(expression, message):
    assert message_of(compile_filter, expression) == message
    assert "\n" not in message


# --- the variables themselves, and which ones a filter needs ------------------------


def test_filter_variables_are_exactly_the_contract():
    got = variables(Msg(headers=(("source", b"web"), ("source", b"app"))))
    assert got == {
        "key": "a-17",
        "value": {"type": "order_paid", "amount": 150, "customer": {"country": "DE"}, "note": None},
        "headers": {"source": "app"},  # a repeated header: the last one wins, as in a map
        "partition": 2,
        "offset": 417,
        "timestamp": 1_700_000_000_000,
        "type": "order_paid",
        "record": {
            "partition": 2,
            "offset": 417,
            "headers": {"source": "app"},
            "timestampMs": 1_700_000_000_000,
            "key": "a-17",
            "keyAsText": "a-17",
            "value": got["value"],
            "valueAsText": Msg.value.decode(),
        },
    }


NAMES = [
    ('value.amount > 100 && type == "order_paid"', {"value", "type"}),  # 1.
    ("headers.source == 'web'", {"headers"}),  # 2. no value: the scan may skip parsing it
    ("record.keyAsText.startsWith('a')", {"record"}),  # 3.
    ("record.value.offset > 1", {"record", "value", "offset"}),  # 4. over-counting is harmless
    ("'key' == 'x' || partition == 1", {"key", "partition"}),  # 5. ... a name in a string counts too
    ("true", set()),  # 6.
]


@pytest.mark.parametrize("expression, names", NAMES, ids=ids(NAMES))
def test_a_filter_knows_the_variables_it_reads(expression, names):
    assert names_in(expression) == names
    assert compile_filter(expression).names == names


def test_building_only_the_named_variables_gives_the_same_answers():
    for expression, msg, expected in CASES:
        cel_filter = compile_filter(expression)
        assert cel_filter.matches(variables(msg, cel_filter.names)) is expected, expression


def test_compile_keeps_the_text_and_strips_it():
    cel_filter = compile_filter("  offset == 1\n")
    assert isinstance(cel_filter, CelFilter)
    assert (cel_filter.expression, repr(cel_filter)) == ("offset == 1", "CelFilter('offset == 1')")
