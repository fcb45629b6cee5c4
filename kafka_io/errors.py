"""PURE: errors raised by kafka_io, in plain words a user can act on.

    KafkaIOError            base; str(exc) is safe to show (no secrets, no traceback)
     ├── Unavailable        brokers cannot be reached or the client is broken
     ├── Timeout            a call did not answer within its named timeout
     ├── NotFound           unknown topic, group or partition
     ├── NotAuthorized      the cluster's ACLs refuse this user the action
     ├── InvalidInput       bad input caught before anything was sent
     ├── ReadOnly           a write was refused because the cluster is read-only
     └── NotAllowed         the dashboard's roles refuse this user the write

Pages and the CLI catch KafkaIOError and show str(exc); anything else is a bug.
"""

from __future__ import annotations

__all__ = [
    "KafkaIOError",
    "Unavailable",
    "Timeout",
    "NotFound",
    "NotAuthorized",
    "InvalidInput",
    "ReadOnly",
    "NotAllowed",
]


class KafkaIOError(Exception):
    """Base class: the message is meant for the user."""


class Unavailable(KafkaIOError):
    pass


class Timeout(KafkaIOError):
    pass


class NotFound(KafkaIOError):
    pass


class NotAuthorized(KafkaIOError):
    pass


class InvalidInput(KafkaIOError):
    pass


class ReadOnly(KafkaIOError):
    pass


class NotAllowed(KafkaIOError):
    pass
