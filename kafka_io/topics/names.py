"""PURE: topic names as Kafka accepts them, checked before anything is sent."""

from __future__ import annotations

import re

from kafka_io.errors import InvalidInput

__all__ = ["MAX_TOPIC_NAME_CHARS", "topic_name_warning", "validate_topic_name"]

MAX_TOPIC_NAME_CHARS = 249
_TOPIC_BAD_CHAR = re.compile(r"[^a-zA-Z0-9._-]")


def validate_topic_name(name: str) -> str:
    """The name without surrounding whitespace, if Kafka would accept it."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("topic name is empty")
    name = name.strip()
    if len(name) > MAX_TOPIC_NAME_CHARS:
        raise InvalidInput(f"topic name is {len(name)} characters; the limit is {MAX_TOPIC_NAME_CHARS}")
    if name in (".", ".."):
        raise InvalidInput(f"topic name cannot be {name!r}")
    bad = _TOPIC_BAD_CHAR.search(name)
    if bad:
        raise InvalidInput(
            f"topic name has {bad.group()!r} at position {bad.start() + 1}; use only letters, digits, '.', '_' and '-'"
        )
    return name


def topic_name_warning(name: str) -> str | None:
    """A warning for legal but risky names, or None."""
    if not isinstance(name, str):
        return None
    name = name.strip()
    if "." in name and "_" in name:
        return (
            f"topic name {name!r} mixes '.' and '_': Kafka metric names treat them alike, "
            "so it can collide with another topic"
        )
    return None
