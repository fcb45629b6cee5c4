"""PURE: roles, the [access] lists that grant them, and the role each write needs.

An [access] table has three lists, ``viewers``, ``operators`` and ``admins``; an
entry is an email, ``*@domain`` or ``*``. A login gets the highest role whose
list matches it; none matches: no access at all. A cluster's own
``[clusters.<name>.access]`` replaces the lists it names and inherits the rest.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from kafka_io.errors import InvalidInput

__all__ = ["ACTIONS", "READ_ACTIONS", "AccessPolicy", "Role", "action_words", "parse_access", "required_role"]


class Role(enum.IntEnum):
    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()


# action (the audit log's name for it) -> (the least role allowed to do it, the words a refusal uses)
ACTIONS: dict[str, tuple[Role, str]] = {
    "produce": (Role.OPERATOR, "sending events"),
    "topic.create": (Role.OPERATOR, "creating topics"),
    "topic.add_partitions": (Role.OPERATOR, "adding partitions"),
    "group.reset_offsets": (Role.OPERATOR, "resetting offsets"),
    "messages.redrive": (Role.OPERATOR, "redriving messages"),
    # A viewer may export what a viewer may already read, as in kafbat/kafka-ui; a
    # deployment that must keep payloads in the cluster turns it off ([messages] export).
    "messages.export": (Role.VIEWER, "exporting messages"),
    "demo.start": (Role.OPERATOR, "starting the demo"),
    "demo.pause": (Role.OPERATOR, "pausing the demo"),
    "demo.resume": (Role.OPERATOR, "resuming the demo"),
    "topic.alter_configs": (Role.OPERATOR, "changing topic configs"),
    "topic.delete": (Role.ADMIN, "deleting topics"),
    "topic.purge": (Role.ADMIN, "purging records"),
    "acl.create": (Role.ADMIN, "creating ACLs"),
    "acl.delete": (Role.ADMIN, "deleting ACLs"),
    "group.delete": (Role.ADMIN, "deleting consumer groups"),
    "group.delete_offsets": (Role.ADMIN, "deleting a group's offsets"),
}
# Audited reads: roles and switches apply, read-only mode (which refuses writes) does not.
READ_ACTIONS = frozenset({"messages.export"})
_LISTS = (("viewers", Role.VIEWER), ("operators", Role.OPERATOR), ("admins", Role.ADMIN))


def required_role(action: str) -> Role:
    return ACTIONS[action][0]


def action_words(action: str) -> str:
    return ACTIONS[action][1]


@dataclass(frozen=True)
class AccessPolicy:
    viewers: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()

    def role_of(self, email: str | None) -> Role | None:
        """The highest role whose list matches ``email``; None: no access."""
        if not email:
            return None
        for name, role in reversed(_LISTS):
            if any(_matches(pattern, email) for pattern in getattr(self, name)):
                return role
        return None

    def overridden(self, table: Mapping[str, object], where: str) -> AccessPolicy:
        """This policy with the lists ``table`` names replaced."""
        return AccessPolicy(**{name: _entries(table, name, where, getattr(self, name)) for name, _ in _LISTS})


def parse_access(table: object, where: str) -> AccessPolicy:
    if not isinstance(table, Mapping):
        raise InvalidInput(f"{where} must be a table with viewers, operators and admins lists")
    return AccessPolicy().overridden(table, where)


def _entries(table: Mapping[str, object], name: str, where: str, inherited: tuple[str, ...]) -> tuple[str, ...]:
    unknown = sorted(set(table) - {n for n, _ in _LISTS})
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r} (expected viewers, operators, admins)")
    if name not in table:
        return inherited
    value = table[name]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{where}: {name} must be a list of emails, '*@domain' or '*'")
    entries = tuple(v.strip().lower() for v in value)
    for entry in entries:
        if not _valid(entry):
            raise InvalidInput(f"{where}: {name} entry {entry!r} is not an email, '*@domain' or '*'")
    return entries


def _valid(entry: str) -> bool:
    if entry == "*":
        return True
    local, at, domain = entry.partition("@")
    return bool(at and local and domain and "*" not in domain and (local == "*" or "*" not in local))


def _matches(pattern: str, email: str) -> bool:
    email = email.strip().lower()
    if pattern == "*":
        return True
    if pattern.startswith("*@"):
        return email.endswith(pattern[1:]) and email.count("@") == 1
    return email == pattern
