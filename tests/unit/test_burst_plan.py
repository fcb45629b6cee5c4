"""Burst planning (every bad input refused before sending) and burst reports (shape, spans)."""

from __future__ import annotations

import json

import pytest
from support.table_cases import ids, message_of

from kafka_io.produce.burst.report import BurstSummary, FailureSpan, failure_jsonl_lines, merge_failures
from kafka_io.produce.burst.source import (
    SpecSource,
    TemplateSource,
    plan_spec_burst,
    plan_template_burst,
    plan_value_burst,
    template_preview,
)
from kafka_io.produce.files import parse_jsonl
from kafka_io.produce.inputs import TopicLimits
from kafka_io.produce.partitioner import key_partition
from kafka_io.produce.validation import EventSpec

LIMITS = TopicLimits("orders", 3, 300, "max.message.bytes of topic 'orders'")


# --- planning ----------------------------------------------------------------------

PLAN_BAD = [
    (dict(template_text='{"e": {{foo}}}', count=5), "template: unknown placeholder {{foo}} at line 1 column 7"),
    (
        dict(template_text="{{seq}}", count=5, key_text="{{randint:9:1}}"),
        "key template: bad placeholder {{randint:9:1}} at line 1 column 1: low 9 is greater than high 1",
    ),
    (dict(template_text="{{seq}}", count=0), "count must be a whole number from 1 to 1,000,000, got 0"),
    (dict(template_text="{{seq}}", count=-4), "count must be a whole number from 1 to 1,000,000, got -4"),
    (dict(template_text="{{seq}}", count=1_000_001), "count must be a whole number from 1 to 1,000,000, got 1000001"),
    (
        dict(template_text="{{seq}}", count=5, rate_per_s=0),
        "rate must be above 0 and at most 1,000,000 events/s (empty for as fast as possible), got 0",
    ),
    (
        dict(template_text="{{seq}}", count=5, rate_per_s=-1.5),
        "rate must be above 0 and at most 1,000,000 events/s (empty for as fast as possible), got -1.5",
    ),
    (
        dict(template_text="{{seq}}", count=5, partition=3),
        "partition 3 does not exist: the topic has 3 partitions (0 to 2); leave it empty for automatic",
    ),
    (
        dict(template_text="{{seq}}", count=5, partition=-1),
        "partition -1 does not exist: the topic has 3 partitions (0 to 2); leave it empty for automatic",
    ),
    (
        dict(template_text='"' + "x" * 300 + '{{seq}}"', count=5),
        "message is 398 bytes as sent (value, key, headers and framing), "
        "over the limit of 300 bytes (max.message.bytes of topic 'orders')",
    ),
]


@pytest.mark.parametrize("kwargs, message", PLAN_BAD, ids=ids(PLAN_BAD))
def test_template_bursts_refuse_bad_input(kwargs, message):
    assert message_of(plan_template_burst, LIMITS, **kwargs) == message


def test_template_burst_plan():
    source = plan_template_burst(LIMITS, '{"n": {{seq}}}', 4500, key_text="user-1", partition=2, rate_per_s=100)
    assert (source.count, source.key, source.partition, source.chunk_events, source.chunks) == (
        4500,
        b"user-1",
        2,
        5,
        900,
    )
    templated_key = plan_template_burst(LIMITS, "{{seq}}", 3, key_text="u{{seq}}", seed=4)
    assert templated_key.render(0, 0) == ([b"1", b"2", b"3"], [b"u1", b"u2", b"u3"])
    assert plan_template_burst(LIMITS, "{{seq}}", 3).partition == -1


def test_rendering_is_repeatable_per_chunk_and_differs_between_chunks():
    source = TemplateSource(plan_template_burst(LIMITS, "{{uuid}}", 1).value, None, 20, chunk_events=10, seed=3)
    first, again = source.render(0, 0), source.render(0, 0)
    assert first == again and len(first[0]) == 10
    assert set(first[0]).isdisjoint(source.render(1, 0)[0])
    assert source.events([3, 12], lambda chunk: 0) == {
        3: EventSpec(first[0][3], None),
        12: EventSpec(source.render(1, 0)[0][2], None),
    }


def test_value_burst_sends_the_same_event():
    event = EventSpec(b"{}", b"k", (("h", b"v"),), 1)
    source = plan_value_burst(LIMITS, event, 3)
    assert source.render(0, 0) == ([b"{}"] * 3, b"k") and source.partition == 1 and source.headers == (("h", b"v"),)
    assert message_of(plan_value_burst, LIMITS, EventSpec(b"x" * 400), 2).startswith("message is 495 bytes")


def test_spec_bursts_report_the_first_bad_line_and_how_many_more():
    specs, bad = parse_jsonl(b'{"value": "a"}\n{"value": "b", "partition": 5}\n\n{"value": "' + b"x" * 400 + b'"}')
    assert bad == []
    assert message_of(plan_spec_burst, LIMITS, specs) == (
        "line 2: partition 5 does not exist: the topic has 3 partitions (0 to 2); "
        "leave it empty for automatic (and 1 more)"
    )
    assert message_of(plan_spec_burst, LIMITS, []) == "the file has no events to send"
    assert isinstance(plan_spec_burst(LIMITS, specs[:1], partition=1), SpecSource)


def test_template_preview():
    assert template_preview('{"n": {{seq}}}', 0) == ['{"n": 1}', '{"n": 2}', '{"n": 3}']
    assert message_of(template_preview, "{{nope}}", 0) == "template: unknown placeholder {{nope}} at line 1 column 1"


# --- reports -----------------------------------------------------------------------


def summary(**kwargs) -> BurstSummary:
    base = dict(
        topic="t",
        planned=10,
        requested=10,
        delivered=7,
        failed=3,
        duration_s=2.0,
        partitions=((0, 4), (2, 3)),
        failures=(FailureSpan(1, 2, "a"), FailureSpan(8, 1, "b")),
    )
    return BurstSummary(**{**base, **kwargs})


def test_summary_json_has_exactly_the_documented_shape():
    assert summary().to_json() == {
        "requested": 10,
        "delivered": 7,
        "failed": 3,
        "duration_s": 2.0,
        "rate_per_s": 3.5,
        "partitions": {"0": 4, "2": 3},
        "errors": [{"index": 1, "error": "a"}, {"index": 2, "error": "a"}, {"index": 8, "error": "b"}],
    }
    assert json.loads(json.dumps(summary().to_json())) == summary().to_json()


def test_summary_properties():
    s = summary(planned=15, duration_s=0.0)
    assert (s.not_sent, s.rate_per_s, s.ok) == (5, 0.0, False)
    assert list(s.failure_rows(limit=2)) == [(1, "a"), (2, "a")]


MERGE_CASES = [
    ([], [], []),  # 1.
    ([(5, "x"), (3, "x"), (4, "x")], [], [(3, 3, "x")]),  # 2. out of order, neighbours merge
    ([(3, "x"), (4, "y")], [], [(3, 1, "x"), (4, 1, "y")]),  # 3. different reasons stay apart
    ([(2, "x")], [FailureSpan(3, 4, "x"), FailureSpan(9, 1, "z")], [(2, 5, "x"), (9, 1, "z")]),  # 4.
    ([(1, "x")], [FailureSpan(3, 1, "x")], [(1, 1, "x"), (3, 1, "x")]),  # 5. a gap keeps them apart
]


@pytest.mark.parametrize("single, spans, expected", MERGE_CASES, ids=ids(MERGE_CASES))
def test_merge_failures(single, spans, expected):
    assert [(s.first, s.count, s.reason) for s in merge_failures(single, spans)] == expected


def test_failure_file_can_be_uploaded_again():
    s = summary(failures=(FailureSpan(1, 2, "timed out"),), failed=2)
    events = {1: EventSpec(b'{"a": 1}', b"k", (("h", b"v"),), 2), 2: EventSpec(None)}
    data = b"".join(failure_jsonl_lines(s, events))
    assert data == (
        b'{"index": 1, "error": "timed out", "value": "{\\"a\\": 1}", "key": "k", "headers": {"h": "v"}, "partition": 2}\n'
        b'{"index": 2, "error": "timed out", "value": null}\n'
    )
    assert parse_jsonl(data) == ([events[1], events[2]], [])


@pytest.mark.parametrize("partitioner", ["murmur2_random", "consistent_random", "fnv1a_random"])
def test_an_uploaded_file_places_keys_with_the_clusters_partitioner(partitioner):
    """Keyed events of a file land where the cluster's producers would put them (KAFKA_PARTITIONER)."""
    limits = TopicLimits("orders", 12, 1_000_000, "max.message.bytes of topic 'orders'", partitioner)
    keys = [f"customer-{i}".encode() for i in range(50)]
    source = plan_spec_burst(limits, [EventSpec(b"{}", k) for k in keys])
    assert source.chunk(0).partitions == [key_partition(k, 12, partitioner) for k in keys]
