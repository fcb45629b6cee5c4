"""PURE: where a burst's events come from, checked before anything is sent.

A source hands the burst engine its events in chunks. Templated sources render
a chunk at a time with ``Template.render_many`` and a random generator seeded
from (seed, chunk number), so any event can be rendered again exactly later:
that is how failed events are offered for download without keeping every
payload in memory. ``{{now_ms}}``/``{{now_iso}}`` are the time a chunk is
rendered; the burst records it per chunk.

Chunks are small at a set rate (about ``RATE_SLICE_S`` worth of events), so
timestamps stay close to the moment of sending, and up to ``MAX_CHUNK_EVENTS``
when sending as fast as possible.

Every event leaves with an explicit partition, so the burst knows where each
one goes without a success report per event (see engine.py). "Automatic" keeps
librdkafka's default (consistent_random) meaning: a keyed event goes to
CRC-32(key) mod partitions, the partition the client itself would pick, and
keyless events go a whole chunk at a time to one partition, the next chunk to
the next one (as Kafka's sticky partitioner does with batches).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kafka_io.errors import InvalidInput
from kafka_io.produce.inputs import TopicLimits, check_event, check_specs, encode_key, with_source
from kafka_io.produce.partitioner import DEFAULT_PARTITIONER, hashes_key, key_partition
from kafka_io.produce.templates import Template, compile_template, preview
from kafka_io.produce.validation import EventSpec, validate_count, validate_partition, validate_rate

__all__ = [
    "MAX_CHUNK_EVENTS",
    "RATE_SLICE_S",
    "PREVIEW_EVENTS",
    "Chunk",
    "TemplateSource",
    "SpecSource",
    "chunk_events_for",
    "auto_partitions",
    "plan_template_burst",
    "plan_value_burst",
    "plan_spec_burst",
    "template_preview",
]

MAX_CHUNK_EVENTS = 2_000
RATE_SLICE_S = 0.05
PREVIEW_EVENTS = 3
_SEED_STRIDE = 1 << 32  # chunk numbers stay below this: MAX_BURST_EVENTS is far smaller


def chunk_events_for(rate_per_s: float | None) -> int:
    if rate_per_s is None:
        return MAX_CHUNK_EVENTS
    return max(1, min(MAX_CHUNK_EVENTS, int(rate_per_s * RATE_SLICE_S)))


def auto_partitions(
    sticky: int, keys: list | bytes | None, partition_count: int, partitioner: str = DEFAULT_PARTITIONER
) -> list[int] | int:
    """Partitions for one chunk's events without an explicit one.

    A keyed event goes where the client itself would send it; keyless events
    of a chunk all go to partition ``sticky`` mod the count (like Kafka's
    sticky partitioner: whole batches, the next chunk to the next partition).
    """
    sticky %= partition_count
    if isinstance(keys, bytes):
        return key_partition(keys, partition_count, partitioner) if hashes_key(keys, partitioner) else sticky
    if keys is None:
        return sticky
    return [
        key_partition(key, partition_count, partitioner) if hashes_key(key, partitioner) else sticky for key in keys
    ]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Events ``start .. start + n - 1``; a field that is not a list holds for every event."""

    start: int
    n: int
    values: list
    keys: list | bytes | None
    partitions: list[int] | int
    headers: list | list[list]  # as sent, with the source header; a list of lists when per event
    per_event_headers: bool = False

    def value_key(self, offset: int) -> tuple[bytes | None, bytes | None]:
        key = self.keys[offset] if isinstance(self.keys, list) else self.keys
        return self.values[offset], key


@dataclass(frozen=True)
class TemplateSource:
    """``count`` events with the same key template, headers and partition (-1: automatic)."""

    value: Template | bytes | None
    key: Template | bytes | None
    count: int
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int = -1
    chunk_events: int = MAX_CHUNK_EVENTS
    seed: int = field(default_factory=lambda: random.getrandbits(31))
    rate_per_s: float | None = None  # None: as fast as possible
    partition_count: int = 1
    partitioner: str = DEFAULT_PARTITIONER
    # A subject's encoder (kafka_io.schemas.encode): rendered JSON -> Confluent-framed bytes.
    encode: Callable[[bytes], bytes] | None = None

    @property
    def chunks(self) -> int:
        return -(-self.count // self.chunk_events)

    def render(self, chunk: int, now_ms: int) -> tuple[list[bytes], list[bytes] | bytes | None]:
        """(values, keys) of chunk number ``chunk``; keys is one shared value when constant."""
        start = chunk * self.chunk_events
        n = min(self.chunk_events, self.count - start)
        rng = random.Random(self.seed * _SEED_STRIDE + chunk)
        values = self._column(self.value, start, n, now_ms, rng)
        if self.encode is not None:
            values = list(map(self.encode, values))
        keys = self.key if not isinstance(self.key, Template) else self._column(self.key, start, n, now_ms, rng)
        return values, keys

    def chunk(self, number: int, now_ms: int) -> Chunk:
        values, keys = self.render(number, now_ms)
        start, n = number * self.chunk_events, len(values)
        partitions = (
            self.partition
            if self.partition >= 0
            else auto_partitions(self.seed + number, keys, self.partition_count, self.partitioner)
        )
        return Chunk(start, n, values, keys, partitions, with_source(self.headers))

    @staticmethod
    def _column(part: Template | bytes | None, start: int, n: int, now_ms: int, rng: random.Random):
        if not isinstance(part, Template):
            return [part] * n
        return [text.encode("utf-8") for text in part.render_many(start + 1, n, now_ms, rng)]

    def events(self, indexes: Sequence[int], now_ms_of_chunk) -> dict[int, EventSpec]:
        """The exact events at ``indexes``, rendered again chunk by chunk."""
        found: dict[int, EventSpec] = {}
        explicit = None if self.partition < 0 else self.partition
        for number in sorted({i // self.chunk_events for i in indexes}):
            chunk = self.chunk(number, now_ms_of_chunk(number))
            for i in (i for i in indexes if i // self.chunk_events == number):
                found[i] = EventSpec(*chunk.value_key(i - chunk.start), self.headers, explicit)
        return found


@dataclass(frozen=True)
class SpecSource:
    """Uploaded events; ``partition`` (-1: automatic) applies where an event names none."""

    specs: Sequence[EventSpec]
    partition: int = -1
    chunk_events: int = MAX_CHUNK_EVENTS
    rate_per_s: float | None = None
    partition_count: int = 1
    partitioner: str = DEFAULT_PARTITIONER
    seed: int = field(default_factory=lambda: random.getrandbits(31))  # where keyless events start
    # False for copies of existing events (a redrive): they keep exactly their own headers.
    tag_source: bool = True

    @property
    def count(self) -> int:
        return len(self.specs)

    @property
    def chunks(self) -> int:
        return -(-self.count // self.chunk_events)

    def chunk(self, number: int, now_ms: int = 0) -> Chunk:
        start = number * self.chunk_events
        specs = self.specs[start : start + self.chunk_events]
        values, keys = [e.value for e in specs], [e.key for e in specs]
        default = (
            self.partition
            if self.partition >= 0
            else auto_partitions(self.seed + number, keys, self.partition_count, self.partitioner)
        )
        partitions = [
            e.partition if e.partition is not None else default if isinstance(default, int) else default[j]
            for j, e in enumerate(specs)
        ]
        headers = [with_source(e.headers) if self.tag_source else list(e.headers) for e in specs]
        return Chunk(start, len(specs), values, keys, partitions, headers, per_event_headers=True)

    def events(self, indexes: Sequence[int], now_ms_of_chunk=None) -> dict[int, EventSpec]:
        return {i: self.specs[i] for i in indexes}


def _compile(text: str, field_name: str) -> Template:
    try:
        return compile_template(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{field_name}: {exc}") from None


# Time placeholders render to the same width for any moment from 2001 to 2286,
# so the size check renders at a fixed one and this module never reads the clock.
SIZE_CHECK_NOW_MS = 4_102_444_799_999


def _check_rendered(source: TemplateSource, limits: TopicLimits, now_ms: int) -> None:
    """Check the first rendered events' size: a template's events differ only a little in size.

    A later event that still grows past the limit fails alone, with the
    broker's reason, and is counted and listed like any other failure.
    """
    values, keys = source.render(0, now_ms)
    for i, value in enumerate(values[:PREVIEW_EVENTS]):
        key = keys[i] if isinstance(keys, list) else keys
        check_event(EventSpec(value, key, source.headers), limits)


def _common(limits: TopicLimits, count: int, partition: int | None, rate_per_s: float | None) -> tuple[int, int]:
    validate_count(count)
    validate_rate(rate_per_s)
    partition = validate_partition(partition, limits.partitions)
    return (-1 if partition is None else partition), chunk_events_for(rate_per_s)


def plan_template_burst(
    limits: TopicLimits,
    template_text: str,
    count: int,
    *,
    key_text: str | None = None,
    headers: tuple[tuple[str, bytes], ...] = (),
    partition: int | None = None,
    rate_per_s: float | None = None,
    seed: int | None = None,
    encode: Callable[[bytes], bytes] | None = None,
) -> TemplateSource:
    """A checked templated burst; the key may hold placeholders too (e.g. ``user-{{randint:1:9}}``).

    With ``encode`` (a subject's encoder) every rendered value is checked against the
    schema and framed; the first rendered events are encoded here, so a template
    that does not fit the schema is refused before anything is sent."""
    part, chunk = _common(limits, count, partition, rate_per_s)
    value = _compile(template_text, "template")
    key = _compile(key_text, "key template") if key_text else None
    if key is not None and not key.placeholders:
        key = encode_key(key_text)
    extra = {} if seed is None else {"seed": seed}
    source = TemplateSource(
        value,
        key,
        count,
        tuple(headers),
        part,
        chunk,
        rate_per_s=rate_per_s,
        partition_count=limits.partitions,
        partitioner=limits.partitioner,
        encode=encode,
        **extra,
    )
    _check_rendered(source, limits, SIZE_CHECK_NOW_MS)
    return source


def plan_value_burst(
    limits: TopicLimits,
    event: EventSpec,
    count: int,
    *,
    rate_per_s: float | None = None,
) -> TemplateSource:
    """The same (checked) event ``count`` times."""
    part, chunk = _common(limits, count, event.partition, rate_per_s)
    check_event(event, limits)
    return TemplateSource(
        event.value,
        event.key,
        count,
        event.headers,
        part,
        chunk,
        rate_per_s=rate_per_s,
        partition_count=limits.partitions,
        partitioner=limits.partitioner,
    )


def plan_spec_burst(
    limits: TopicLimits,
    specs: Sequence[EventSpec],
    *,
    partition: int | None = None,
    rate_per_s: float | None = None,
) -> SpecSource:
    """Uploaded events, refused as a whole when any would be refused by the topic."""
    if not specs:
        raise InvalidInput("the file has no events to send")
    part, chunk = _common(limits, len(specs), partition, rate_per_s)
    bad = check_specs(specs, limits)
    if bad:
        line, reason = bad[0]
        more = f" (and {len(bad) - 1:,} more)" if len(bad) > 1 else ""
        raise InvalidInput(f"line {line}: {reason}{more}")
    return SpecSource(specs, part, chunk, rate_per_s, limits.partitions, partitioner=limits.partitioner)


def template_preview(text: str, now_ms: int, n: int = PREVIEW_EVENTS) -> list[str]:
    """``n`` rendered events for a form, or InvalidInput naming the bad placeholder."""
    return preview(_compile(text, "template"), n, now_ms=now_ms)
