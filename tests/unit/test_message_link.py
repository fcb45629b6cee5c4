"""Table tests for the Messages page's deep link (dashboard.message_link, PURE)."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from dashboard.message_link import (
    BAD_PARTITION,
    BAD_START,
    BAD_TOPIC,
    LONG_FILTER,
    MAX_FILTER_CHARS,
    TWO_STARTS,
    MessagesQuery,
    from_params,
    page_offset,
    to_params,
)
from kafka_io.messages.model import Seek

Q = MessagesQuery
LINK_CASES = [
    ({}, Q(), ()),  # 1. no link: nothing chosen
    ({"topic": "orders"}, Q("orders"), ()),  # 2. a topic: all partitions, newest
    (
        {"topic": "orders", "partition": "2", "offset": "417"},
        Q("orders", 2, Seek("offset", 417)),
        (),
    ),  # 3. the stuck event
    ({"topic": "orders", "ts": "1700000000000"}, Q("orders", None, Seek("timestamp", 1_700_000_000_000)), ()),  # 4.
    ({"topic": "orders", "from": "oldest"}, Q("orders", None, Seek("oldest")), ()),  # 5.
    ({"topic": "orders", "filter": " value.x > 1 "}, Q("orders", filter_expr="value.x > 1"), ()),  # 6. trimmed
    ({"topic": "orders", "partition": "all"}, Q("orders"), ()),  # 7. all, said out loud
    ({"topic": "bad name!"}, Q(), (BAD_TOPIC,)),  # 8. a name Kafka refuses
    ({"topic": "orders", "partition": "-1"}, Q("orders"), (BAD_PARTITION,)),  # 9.
    ({"topic": "orders", "partition": "x"}, Q("orders"), (BAD_PARTITION,)),  # 10.
    ({"topic": "orders", "offset": "-5"}, Q("orders"), (BAD_START,)),  # 11. back to newest
    ({"topic": "orders", "ts": "yesterday"}, Q("orders"), (BAD_START,)),  # 12.
    ({"topic": "orders", "from": "latest"}, Q("orders"), (BAD_START,)),  # 13. Live events' word is not ours
    ({"topic": "o", "offset": "3", "ts": "9"}, Q("o", None, Seek("offset", 3)), (TWO_STARTS,)),  # 14. offset wins
    ({"topic": "o", "filter": "x" * (MAX_FILTER_CHARS + 1)}, Q("o"), (LONG_FILTER,)),  # 15.
    ({"topic": "o", "offset": "١٢"}, Q("o"), (BAD_START,)),  # 16. Arabic-Indic digits are not an offset
    ({"partition": "1", "offset": "3"}, Q(None, 1, Seek("offset", 3)), ()),  # 17. no topic: the rest is kept
]


@pytest.mark.parametrize(("params", "expected", "warnings"), LINK_CASES, ids=ids(LINK_CASES))
def test_a_link_gives_a_view_and_a_warning_per_dropped_part(params, expected, warnings):
    assert from_params(params) == (expected, warnings)


@pytest.mark.parametrize(("params", "expected", "warnings"), LINK_CASES, ids=ids(LINK_CASES))
def test_every_view_writes_a_link_that_reads_back_the_same(params, expected, warnings):
    if expected.topic is not None:
        assert from_params(to_params(expected)) == (expected, ())


PAGE_CASES = [
    (Q("o", 2, Seek()), [50, 49, 48], Q("o", 2, Seek("offset", 48))),  # 1. one partition: the page's first offset
    (Q("o", None, Seek()), [50, 49], Q("o", None, Seek())),  # 2. all partitions: the start stays
    (Q("o", 2, Seek("offset", 7)), [], Q("o", 2, Seek("offset", 7))),  # 3. an empty page: unchanged
    (Q("o", 0, Seek(), "type == 'x'"), [3], Q("o", 0, Seek("offset", 3), "type == 'x'")),  # 4. the filter stays
]


@pytest.mark.parametrize(("query", "offsets", "expected"), PAGE_CASES, ids=ids(PAGE_CASES))
def test_after_paging_the_address_names_the_page(query, offsets, expected):
    assert page_offset(query, offsets) == expected
