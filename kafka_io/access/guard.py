"""The one write guard: every kafka_io write path enters ``write_guard`` first.

It refuses on a read-only cluster, then on the caller's role, and appends one
audit line for the attempt: refused, error (with the words the user saw) or ok.
The UI asks ``refusal`` to say why a control is off; the guard enforces it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from kafka_io.access.actor import Actor
from kafka_io.access.audit import AuditEntry, append_entry, audit_path, check_appendable
from kafka_io.access.roles import READ_ACTIONS, action_words, required_role
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError, NotAllowed, ReadOnly

__all__ = ["AuditNote", "audit_outcome", "check_allowed", "refusal", "write_guard"]

log = logging.getLogger("kafka_io")


@dataclass
class AuditNote:
    """What the write adds to its audit line: counts in ``details``, or an ``error``
    for a write that failed without raising (a delivery report, a burst's summary)."""

    details: dict[str, object] = field(default_factory=dict)
    error: str | None = None


def refusal(settings: ClusterSettings, actor: Actor | None, action: str) -> KafkaIOError | None:
    """The error ``action`` would be refused with, or None when it is allowed."""
    words = action_words(action)
    if settings.read_only and action not in READ_ACTIONS:
        return ReadOnly(f"cluster {settings.name!r} is read-only: {words} is disabled")
    actor = actor or Actor.local()
    role = actor.role(settings.access)
    if role is None:
        return NotAllowed(f"{actor.who} has no role on cluster {settings.name!r}: {words} is not allowed")
    if role < required_role(action):
        return NotAllowed(f"{role.label}: {words} is not allowed")
    return None


def check_allowed(
    settings: ClusterSettings,
    actor: Actor | None,
    action: str,
    target: str,
    details: Mapping[str, object] | None = None,
    refused: KafkaIOError | None = None,
) -> None:
    """Raise (and audit) the refusal of ``action``; for a write that ends later, in
    another thread (a burst), whose outcome ``audit_outcome`` records. ``refused``:
    a refusal the caller found itself (a switch in settings), recorded the same way."""
    actor = actor or Actor.local()
    refused = refusal(settings, actor, action) or refused
    path = audit_path()
    if refused is not None:
        _append(path, settings, actor, action, target, AuditNote(dict(details or {})), "refused", str(refused))
        raise refused
    check_appendable(path)


def audit_outcome(
    settings: ClusterSettings,
    actor: Actor | None,
    action: str,
    target: str,
    details: Mapping[str, object],
    error: str | None = None,
) -> None:
    """The audit line of an allowed write: ok, or error with the words the user saw."""
    note = AuditNote(dict(details), error)
    _append(audit_path(), settings, actor or Actor.local(), action, target, note, "error" if error else "ok", error)


@contextmanager
def write_guard(
    settings: ClusterSettings,
    actor: Actor | None,
    action: str,
    target: str,
    details: Mapping[str, object] | None = None,
    refused: KafkaIOError | None = None,
) -> Iterator[AuditNote]:
    """Refuse, or run the body as the write; either way one audit line."""
    actor = actor or Actor.local()
    check_allowed(settings, actor, action, target, details, refused)
    note = AuditNote(dict(details or {}))
    try:
        yield note
    except KafkaIOError as exc:
        audit_outcome(settings, actor, action, target, note.details, str(exc))
        raise
    except BaseException as exc:
        audit_outcome(settings, actor, action, target, note.details, f"{type(exc).__name__}: {exc}")
        raise
    audit_outcome(settings, actor, action, target, note.details, note.error)


def _append(path, settings, actor, action, target, note, result, error) -> None:
    entry = AuditEntry(time.time(), actor.who, actor.via, settings.name, action, target, note.details, result, error)
    try:
        append_entry(entry, path)
    except OSError as exc:  # the write is done (or refused) either way; check_appendable stops the next one
        log.warning("could not append to the audit log %s: %s", path, exc)
