"""Export events as JSONL or CSV (formats.py): switched by [messages] export, audited.

An export is a read, not a write: read-only mode does not refuse it, but the
one guard still decides and records it (action ``messages.export``, any role
from viewer up, as in kafbat/kafka-ui: a viewer may save what a viewer may
already read). ``[messages] export = false`` in .streamlit/secrets.toml (or
``[clusters.<name>.messages]`` for one cluster, see kafka_io.access.switches)
refuses it for everybody. Every attempt is one audit line: who, the topic, the
format and the number of events; refusals too.
"""

from __future__ import annotations

from collections.abc import Sequence

from kafka_io.access.actor import Actor
from kafka_io.access.guard import audit_outcome, check_allowed, refusal, write_guard
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, KafkaIOError, NotAllowed
from kafka_io.messages.formats import from_csv, to_csv, to_jsonl
from kafka_io.messages.model import Message

__all__ = [
    "EXPORT_ACTION",
    "EXPORT_FORMATS",
    "check_export",
    "export_allowed",
    "export_done",
    "export_messages",
    "export_refusal",
    "from_csv",
    "to_csv",
    "to_jsonl",
]

EXPORT_ACTION = "messages.export"
EXPORT_FORMATS = {"jsonl": to_jsonl, "csv": to_csv}


def export_allowed(settings: ClusterSettings) -> bool:
    """False when secrets.toml turns export off for this cluster ([messages] export = false)."""
    return settings.messages_export


def _switched_off(settings: ClusterSettings) -> NotAllowed | None:
    if export_allowed(settings):
        return None
    return NotAllowed(
        f"exporting messages is turned off on cluster {settings.name!r} ([messages] export = false in secrets.toml)"
    )


def export_refusal(settings: ClusterSettings, actor: Actor | None = None) -> KafkaIOError | None:
    """Why ``actor`` may not export from this cluster (for a page to say so), or None."""
    return refusal(settings, actor, EXPORT_ACTION) or _switched_off(settings)


def export_messages(
    settings: ClusterSettings,
    messages: Sequence[Message],
    fmt: str,
    *,
    actor: Actor | None = None,
    topic: str,
) -> str:
    """The events as ``fmt`` ("jsonl" or "csv") text; NotAllowed when export is off or the role forbids it."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"export format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    details = {"format": fmt, "count": len(messages)}
    with write_guard(settings, actor, EXPORT_ACTION, topic, details, refused=_switched_off(settings)):
        return EXPORT_FORMATS[fmt](messages)


def check_export(settings: ClusterSettings, topic: str, fmt: str, *, actor: Actor | None = None) -> None:
    """Before reading what a caller streams out itself (the CLI's jsonl/csv): refuse, audited, when
    export is off or the role forbids it; ``export_done`` records the count afterwards."""
    check_allowed(settings, actor, EXPORT_ACTION, topic, {"format": fmt}, refused=_switched_off(settings))


def export_done(settings: ClusterSettings, topic: str, fmt: str, count: int, *, actor: Actor | None = None) -> None:
    """The audit line of an export that ``check_export`` allowed: who, topic, format, count."""
    audit_outcome(settings, actor, EXPORT_ACTION, topic, {"format": fmt, "count": count})
