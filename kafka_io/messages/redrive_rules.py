"""PURE: the rules of a redrive (copying events to a topic), checked before anything is sent.

- The copy keeps the key, the value and every header byte for byte, in order,
  and adds ``x-kdash-redrive-from: topic/partition/offset``: where it came
  from (a second redrive adds a second one, so the trail stays readable).
  It gets a new timestamp (now), as Spring's and Connect's own republishers
  do: an old timestamp would be deleted at once by a topic's retention.
- A value held truncated (over MAX_VALUE_BYTES) is refused, never copied cut:
  the whole request is refused before anything is sent. Such a value is also
  over Kafka's default max.message.bytes (1,048,588), so it only occurs on a
  topic whose limit was raised.
- The original topic is named by Spring Kafka's dead-letter header
  ``kafka_dlt-original-topic`` or Kafka Connect's DLQ header
  ``__connect.errors.topic``; the first valid topic name wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kafka_io.errors import InvalidInput
from kafka_io.messages.model import MAX_VALUE_BYTES, Message
from kafka_io.produce.validation import EventSpec
from kafka_io.topics.names import validate_topic_name

__all__ = [
    "MAX_REDRIVE_EVENTS",
    "ORIGINAL_TOPIC_HEADERS",
    "REDRIVE_HEADER",
    "common_original_topic",
    "original_topic",
    "redrive_events",
    "source_of",
]

REDRIVE_HEADER = "x-kdash-redrive-from"  # value "topic/partition/offset"
ORIGINAL_TOPIC_HEADERS = ("kafka_dlt-original-topic", "__connect.errors.topic")
# Events are held in memory (up to 1 MB each) between reading and sending.
MAX_REDRIVE_EVENTS = 10_000


def source_of(message: Message) -> str:
    return f"{message.topic}/{message.partition}/{message.offset}"


def original_topic(headers: Iterable[tuple[str, bytes | None]]) -> str | None:
    """The topic a dead-letter event first went to, from its headers; None when none names one."""
    found = dict.fromkeys(ORIGINAL_TOPIC_HEADERS)
    for name, value in headers or ():
        if name in found and found[name] is None and value:
            found[name] = value
    for value in found.values():
        try:
            return validate_topic_name(value.decode("utf-8"))
        except (AttributeError, UnicodeDecodeError, InvalidInput):
            continue
    return None


def common_original_topic(messages: Iterable[Message]) -> str | None:
    """The original topic every one of ``messages`` names, or None (none, or they differ)."""
    topics = {original_topic(m.headers) for m in messages}
    return topics.pop() if len(topics) == 1 else None


def redrive_events(messages: Sequence[Message]) -> list[EventSpec]:
    """The copies to send, in order; InvalidInput (nothing sent) for an empty, too large or truncated request."""
    if not messages:
        raise InvalidInput("no events to redrive: select at least one")
    if len(messages) > MAX_REDRIVE_EVENTS:
        raise InvalidInput(f"{len(messages):,} events selected; a redrive copies at most {MAX_REDRIVE_EVENTS:,}")
    cut = [m for m in messages if m.truncated]
    if cut:
        first = cut[0]
        more = f" (and {len(cut) - 1:,} more)" if len(cut) > 1 else ""
        raise InvalidInput(
            f"event {source_of(first)}{more} has a {first.value_size:,}-byte value, held cut at "
            f"{MAX_VALUE_BYTES:,} bytes; redrive copies whole events only, so nothing was sent"
        )
    return [
        EventSpec(m.value, m.key, (*m.headers, (REDRIVE_HEADER, source_of(m).encode())), None, line=index)
        for index, m in enumerate(messages)
    ]
