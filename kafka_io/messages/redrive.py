"""Redrive: copy events (typically from a dead-letter topic) to another topic.

The rules (what is copied, the header added, truncated values refused) are in
redrive_rules.py. This module is the write: it enters the one write guard
(action ``messages.redrive``, operator role; read-only mode refuses it) before
anything else, checks every copy against the target topic's size limit, and
sends them as a burst (produce.burst.start: the burst's own producer and its exact
books, so ``requested == delivered + failed``). One audit line: the sources,
the counts, and the error when any copy failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kafka_io.access.actor import Actor
from kafka_io.access.guard import audit_outcome, check_allowed
from kafka_io.cluster import Cluster
from kafka_io.errors import InvalidInput, KafkaIOError
from kafka_io.messages.model import Message
from kafka_io.messages.redrive_rules import (
    MAX_REDRIVE_EVENTS,
    ORIGINAL_TOPIC_HEADERS,
    REDRIVE_HEADER,
    common_original_topic,
    original_topic,
    redrive_events,
    source_of,
)
from kafka_io.produce.burst.report import BurstSummary
from kafka_io.produce.burst.source import SpecSource, chunk_events_for
from kafka_io.produce.burst.start import send_burst
from kafka_io.produce.inputs import TopicLimits
from kafka_io.produce.target import topic_limits
from kafka_io.produce.validation import EventSpec, encoded_size, validate_encoded_size

__all__ = [
    "MAX_REDRIVE_EVENTS",
    "ORIGINAL_TOPIC_HEADERS",
    "REDRIVE_ACTION",
    "REDRIVE_HEADER",
    "RedriveSummary",
    "common_original_topic",
    "original_topic",
    "redrive",
]

REDRIVE_ACTION = "messages.redrive"


@dataclass(frozen=True)
class RedriveSummary:
    requested: int
    delivered: int
    failed: int
    errors: tuple[str, ...]  # one per failed copy: "topic/partition/offset: reason" (the source event)
    to_topic: str = ""
    # The burst's own report (duration, partitions, failures by index), for the produce-shaped JSON.
    burst: BurstSummary | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, burst: BurstSummary, messages: Sequence[Message]) -> RedriveSummary:
        errors = tuple(f"{source_of(messages[i])}: {reason}" for i, reason in burst.failure_rows())
        return cls(burst.requested, burst.delivered, burst.failed, errors, burst.topic, burst)

    def to_json(self, messages: Sequence[Message]) -> dict:
        """``produce --format json``'s object; each error also names its source event ("from")."""
        payload = self.burst.to_json() if self.burst is not None else {}
        payload["errors"] = [{**e, "from": source_of(messages[e["index"]])} for e in payload.get("errors", [])]
        return payload


def redrive(
    cluster: Cluster, messages: Sequence[Message], to_topic: str, *, actor: Actor | None = None
) -> RedriveSummary:
    """Copy ``messages`` to ``to_topic`` (see redrive_rules); refused, with nothing sent, on bad input."""
    settings = cluster.settings
    actor = actor or Actor.local()
    details = {"from": _sources(messages), "requested": len(messages)}
    check_allowed(settings, actor, REDRIVE_ACTION, to_topic, details)  # refused before anything is read
    try:
        events = redrive_events(messages)
        limits = cluster.run(topic_limits, to_topic)
        _check_sizes(events, limits, messages)
    except KafkaIOError as exc:  # nothing was sent, but the attempt is on record
        audit_outcome(settings, actor, REDRIVE_ACTION, to_topic, details, str(exc))
        raise
    source = SpecSource(
        events,
        chunk_events=chunk_events_for(None),
        partition_count=limits.partitions,
        partitioner=limits.partitioner,
        tag_source=False,
    )
    burst = send_burst(settings, limits, source, actor=actor, action=REDRIVE_ACTION, details=details)
    return RedriveSummary.of(burst, messages)


def _sources(messages: Sequence[Message]) -> str:
    """Where the events come from, for the audit line: "dlq/0/5-9, dlq/1/3"."""
    spans: dict[tuple[str, int], list[int]] = {}
    for m in messages:
        spans.setdefault((m.topic, m.partition), []).append(m.offset)
    return ", ".join(
        f"{topic}/{partition}/{min(offsets)}" + (f"-{max(offsets)}" if len(offsets) > 1 else "")
        for (topic, partition), offsets in sorted(spans.items())
    )


def _check_sizes(events: list[EventSpec], limits: TopicLimits, messages: Sequence[Message]) -> None:
    """Each copy as sent (its own headers plus ours) within the target's limit, or InvalidInput naming it."""
    for event, message in zip(events, messages):
        try:
            validate_encoded_size(
                encoded_size(event.value, event.key, event.headers), limits.max_message_bytes, limits.limit_name
            )
        except InvalidInput as exc:
            raise InvalidInput(f"event {source_of(message)}: {exc}; nothing was sent") from None
