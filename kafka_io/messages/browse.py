"""Pages of messages: seek (newest, oldest, an offset, a time), page forward and back, read at an offset.

Every read is one metadata request, one batched ListOffsets and one viewer
consumer for the page's offset ranges (kafka_io.messages.reading), whatever
the size of the topic: a seek never reads from the start. The ranges are the
pure page math of kafka_io.messages.model.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from kafka_io.cluster import Cluster
from kafka_io.errors import InvalidInput, NotFound
from kafka_io.live.rates import TypeSpec
from kafka_io.messages.model import (
    PAGE_SIZE,
    Message,
    Page,
    PartitionError,
    Seek,
    Span,
    backward_spans,
    check_limit,
    forward_spans,
    start_offsets,
)
from kafka_io.messages.reading import Layout, layout, read_ranges, reader, watermarks

__all__ = ["NEWEST", "next_page", "prev_page", "read_at", "read_page", "in_order"]

NEWEST = Seek()


def read_page(
    cluster: Cluster,
    topic: str,
    *,
    partition: int | None = None,
    seek: Seek = NEWEST,
    limit: int = PAGE_SIZE,
    type_field: str = "auto",
) -> Page:
    """The page at ``seek``: the newest ``limit`` events, or ``limit`` events from the start point on."""
    check_limit(limit)
    TypeSpec.parse(type_field)  # a bad type spec is refused before anything is sent
    if not isinstance(seek, Seek):
        raise InvalidInput(f"seek must be a Seek, got {seek!r}")
    with reader(cluster.settings, type_field) as read:
        found = layout(cluster, topic, partition, seek)
        if seek.kind == "newest":
            spans = backward_spans(found.highs, found.lows, limit)
        else:
            spans = forward_spans(start_offsets(seek, found.lows, found.highs, found.found), found.highs, limit)
        return _page(cluster, read, found, partition, seek, spans, limit)


def next_page(cluster: Cluster, page: Page, limit: int = PAGE_SIZE, type_field: str = "auto") -> Page:
    """The newer events after ``page`` (its partitions, from its next positions)."""
    check_limit(limit)
    with reader(cluster.settings, type_field) as read:
        found = watermarks(cluster, page.topic, page.next_positions)
        starts = {p: min(max(page.next_positions[p], found.lows[p]), found.highs[p]) for p in found.partitions}
        spans = forward_spans(starts, found.highs, limit)
        return _page(cluster, read, found, page.partition, page.seek, spans, limit)


def prev_page(cluster: Cluster, page: Page, limit: int = PAGE_SIZE, type_field: str = "auto") -> Page:
    """The older events before ``page`` (its partitions, ending where it starts)."""
    check_limit(limit)
    with reader(cluster.settings, type_field) as read:
        found = watermarks(cluster, page.topic, page.start_positions)
        ends = {p: min(max(page.start_positions[p], found.lows[p]), found.highs[p]) for p in found.partitions}
        spans = backward_spans(ends, found.lows, limit)
        return _page(cluster, read, found, page.partition, page.seek, spans, limit)


def read_at(
    cluster: Cluster, topic: str, partition: int, offset: int, count: int = 1, type_field: str = "auto"
) -> tuple[Message, ...]:
    """The records at offsets [offset, offset + count) of one partition (fewer at the end of the log)."""
    if type(offset) is not int or offset < 0:
        raise InvalidInput(f"offset must be a whole number ≥ 0, got {offset!r}")
    check_limit(count)
    TypeSpec.parse(type_field)
    if partition is None:
        raise InvalidInput("read_at needs a partition")
    with reader(cluster.settings, type_field) as (consumer, make):
        found = layout(cluster, topic, partition)
        if found.errors:
            raise NotFound(found.errors[0].error)
        span = (max(offset, found.lows[partition]), min(offset + count, found.highs[partition]))
        tp = (found.topic, partition)
        result = read_ranges(cluster.settings, consumer, {tp: span}, make)
    if tp in result.errors and not result.messages[tp]:
        raise NotFound(result.errors[tp])
    return tuple(result.messages[tp])


def _page(
    cluster: Cluster,
    read,
    found: Layout,
    partition: int | None,
    seek: Seek,
    spans: Mapping[int, Span],
    limit: int,
) -> Page:
    consumer, make = read
    result = read_ranges(cluster.settings, consumer, {(found.topic, p): span for p, span in spans.items()}, make)
    starts = {p: span[0] for p, span in spans.items()}
    errors = list(found.errors)
    errors.extend(PartitionError(tp[1], text) for tp, text in sorted(result.errors.items()))
    lists = [result.messages[(found.topic, p)] for p in sorted(spans)]
    return Page(
        topic=found.topic,
        partition=partition,
        seek=seek,
        messages=in_order(lists, newest_first=seek.kind == "newest"),
        next_positions={p: result.reached[(found.topic, p)] for p in spans},
        prev_positions={p: span[0] for p, span in backward_spans(starts, found.lows, limit).items()},
        watermarks={p: (found.lows[p], found.highs[p]) for p in found.partitions},
        errors=tuple(errors),
        start_positions=starts,
        limit=limit,
    )


def in_order(lists: Iterable[list[Message]], newest_first: bool = False) -> tuple[Message, ...]:
    """Partitions' messages merged by time, each partition's in offset order (reversed: newest first)."""
    merged = list(heapq.merge(*lists, key=_time_key))
    if newest_first:
        merged.reverse()
    return tuple(merged)


def _time_key(message: Message) -> int:
    return -1 if message.timestamp_ms is None else message.timestamp_ms
