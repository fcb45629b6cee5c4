"""Table tests: one parse of a value gives the filter's `value` and the same type as the Live events rules."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from kafka_io.live.rates import TypeSpec, make_extractor, make_object_extractor
from kafka_io.messages.candidate import parse_value, value_object

VALUES = [
    # (raw value, the filter's value)
    (b'{"event_type": "a", "n": 1}', {"event_type": "a", "n": 1}),  # 1. a JSON object
    (b"[1, 2]", [1, 2]),  # 2. JSON but not an object: no type field
    (b'"text"', "text"),  # 3. a JSON string
    (b"", ""),  # 4. empty: the text ""
    (None, None),  # 5. a tombstone
    (b"not json", "not json"),  # 6. text
    (b"\xff\xfe", "\ufffd\ufffd"),  # 7. binary: replaced characters, never an error
    (b'{"type": 3}', {"type": 3}),  # 8.
    (b'{"specversion": "1.0", "type": "ce.type"}', {"specversion": "1.0", "type": "ce.type"}),  # 9. CloudEvents
    (b'{"a": {"b": "deep"}}', {"a": {"b": "deep"}}),  # 10. a nested path
]
SPECS = ["auto", "type", "a.b", "key", "header:ce_type"]
HEADERS = [None, [("ce_type", b"from.header")]]


@pytest.mark.parametrize("raw, expected", VALUES, ids=ids(VALUES))
def test_parse_value_gives_the_filters_value(raw, expected):
    assert parse_value(raw)[0] == expected
    assert value_object(raw, None) == expected
    assert value_object(raw, '{"decoded": true}') == {"decoded": True}  # a schema record wins


@pytest.mark.parametrize("raw, _", VALUES, ids=ids(VALUES))
@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("headers", HEADERS, ids=["no-headers", "ce_type"])
def test_one_parse_types_like_the_live_rules(raw, _, spec, headers):
    spec = TypeSpec.parse(spec)
    expected = make_extractor(spec)(raw, headers, b"k1")
    assert make_object_extractor(spec)(parse_value(raw)[1], headers, b"k1") == expected
