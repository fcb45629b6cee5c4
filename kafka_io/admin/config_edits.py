"""PURE: topic config edits: KEY=VALUE and reset keys checked against the topic's
described configs, the diff a preview shows, and the broker's refusal in plain words.

An edit with ``value`` None resets the key to its default (an incremental DELETE:
the topic then inherits the broker's or the cluster's value again).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kafka_io.errors import InvalidInput

__all__ = ["ConfigEdit", "DiffRow", "KnownConfig", "check_edits", "diff_rows", "parse_edits", "plain_refusal"]

_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
DEFAULT = "(default)"
MASKED = "********"  # a sensitive value, as kafka_io.topics.details shows it


@dataclass(frozen=True, slots=True)
class ConfigEdit:
    name: str
    value: str | None  # None: reset to the default

    @property
    def is_reset(self) -> bool:
        return self.value is None


@dataclass(frozen=True, slots=True)
class KnownConfig:
    """What describe_configs said of one key of the topic."""

    value: str | None
    non_default: bool  # set on the topic itself
    read_only: bool = False
    sensitive: bool = False


@dataclass(frozen=True, slots=True)
class DiffRow:
    config: str
    action: str  # "set" or "reset"
    current: str | None
    new: str  # the new value, or "(default)"
    note: str | None = None


def _key(raw: str, what: str) -> str:
    key = (raw or "").strip()
    if not _KEY.match(key):
        raise InvalidInput(f"{what}: {key!r} is not a config name (like retention.ms)")
    return key


def parse_edits(sets: Sequence[str] = (), resets: Sequence[str] = ()) -> tuple[ConfigEdit, ...]:
    """``KEY=VALUE`` strings and reset keys as edits; each key at most once."""
    edits: dict[str, ConfigEdit] = {}
    for raw in sets:
        key, sep, value = (raw or "").partition("=")
        if not sep:
            raise InvalidInput(f"--set needs KEY=VALUE, got {raw!r}")
        key, value = _key(key, "--set"), value.strip()
        if not value:
            raise InvalidInput(f"--set {key}= has no value (use --reset {key} to go back to the default)")
        _add(edits, ConfigEdit(key, value))
    for raw in resets:
        _add(edits, ConfigEdit(_key(raw, "--reset"), None))
    if not edits:
        raise InvalidInput("nothing to change: give --set KEY=VALUE or --reset KEY")
    return tuple(edits.values())


def _add(edits: dict[str, ConfigEdit], edit: ConfigEdit) -> None:
    if edit.name in edits:
        raise InvalidInput(f"{edit.name} is given twice: set it or reset it, once")
    edits[edit.name] = edit


def check_edits(topic: str, edits: Iterable[ConfigEdit], known: Mapping[str, KnownConfig]) -> None:
    """Refuse keys the topic does not have and keys the broker does not let change."""
    for edit in edits:
        found = known.get(edit.name)
        if found is None:
            close = difflib.get_close_matches(edit.name, list(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InvalidInput(f"{edit.name} is not a config of topic {topic!r}{hint}")
        if found.read_only:
            raise InvalidInput(f"{edit.name} is read-only: the broker does not let it change")


def diff_rows(edits: Iterable[ConfigEdit], known: Mapping[str, KnownConfig]) -> tuple[DiffRow, ...]:
    """The preview, one row per edit, sorted by key; a no-op is noted, not dropped."""
    rows = []
    for edit in sorted(edits, key=lambda e: e.name):
        found = known[edit.name]
        current = MASKED if found.sensitive else found.value
        if edit.is_reset:
            note = None if found.non_default else "already the default"
            rows.append(DiffRow(edit.name, "reset", current, DEFAULT, note))
        else:
            note = "unchanged" if found.non_default and found.value == edit.value else None
            rows.append(DiffRow(edit.name, "set", current, MASKED if found.sensitive else edit.value, note))
    return tuple(rows)


# Kafka's ConfigDef messages: "Invalid value soon for configuration retention.ms: Not a number of type LONG".
_INVALID = re.compile(r"^Invalid value (?P<value>.*) for configuration (?P<key>[\w.-]+): (?P<why>.*)$", re.DOTALL)
_UNKNOWN = re.compile(r"^Unknown (?:topic )?config name: (?P<key>[\w.-]+)$")
_WHY = (
    (re.compile(r"^Not a number of type \w+$"), "is not a number"),
    (re.compile(r"^String must be one of: (?P<x>.+)$"), "is not one of {x}"),
    (re.compile(r"^Value must be at least (?P<x>\S+)$"), "is too small (at least {x})"),
    (re.compile(r"^Value must be no more than (?P<x>\S+)$"), "is too large (at most {x})"),
    (re.compile(r"^Expected value to be either true or false$"), "is not true or false"),
)


def plain_refusal(message: str) -> str:
    """A broker's INVALID_CONFIG text in plain words ("retention.ms: soon is not a number");
    a message of another shape comes back as the broker wrote it."""
    text = (message or "").strip().rstrip(".")
    unknown = _UNKNOWN.match(text)
    if unknown:
        return f"{unknown['key']} is not a topic config"
    found = _INVALID.match(text)
    if not found:
        return text
    why = found["why"].strip().rstrip(".")
    for pattern, words in _WHY:
        matched = pattern.match(why)
        if matched:
            return f"{found['key']}: {found['value']} " + words.format(**matched.groupdict())
    return f"{found['key']}: {found['value']} is refused ({why})"
