"""A consumed record as a filter sees it, before it becomes a Message.

A scan evaluates its filter on every record it reads and keeps few of them, so
a record is turned into a ``Message`` only once it matches. Until then the
filter reads a ``Candidate``: the same attributes, each taken from the
confluent record when the expression asks for it, and the value parsed once
for both the filter's ``value`` and the Live events type rules. Records with a
schema registry go the full way (decoding first).
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from confluent_kafka import TIMESTAMP_NOT_AVAILABLE

from kafka_io.live.rates import UNKNOWN, UNPARSEABLE, make_object_extractor

__all__ = ["Candidate", "accepter", "parse_value", "value_object"]

_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError
_READS_VALUE = frozenset({"value", "record", "type"})


def value_object(raw: bytes | None, decoded: str | None) -> object:
    """What a filter's ``value`` is: the decoded record, parsed JSON, else the text (None: a tombstone)."""
    if decoded is not None:
        return _loads(decoded)
    return parse_value(raw)[0]


def parse_value(raw: bytes | None) -> tuple[object, object]:
    """(the filter's value, what the type rules read: a JSON object or the type it stands for), one parse."""
    if raw is None:
        return None, UNKNOWN
    try:
        parsed = _loads(raw)
    except _JSONDecodeError:
        return raw.decode("utf-8", "replace"), UNPARSEABLE if raw else UNKNOWN
    return parsed, parsed if type(parsed) is dict else UNKNOWN


class Candidate:
    """A confluent record with Message's attribute names (what cel.filter_variables reads)."""

    __slots__ = ("_m", "_extract", "_obj")
    decoded = None  # no schema registry on this path

    def __init__(self, m, extract, obj) -> None:
        self._m, self._extract, self._obj = m, extract, obj

    @property
    def key(self) -> bytes | None:
        return self._m.key()

    @property
    def value(self) -> bytes | None:
        return self._m.value()

    @property
    def headers(self) -> tuple:
        found = self._m.headers()
        return tuple(found) if found else ()

    @property
    def partition(self) -> int:
        return self._m.partition()

    @property
    def offset(self) -> int:
        return self._m.offset()

    @property
    def timestamp_ms(self) -> int | None:
        ts_type, ts_ms = self._m.timestamp()
        return None if ts_type == TIMESTAMP_NOT_AVAILABLE else ts_ms

    @property
    def type(self) -> str:
        m = self._m
        return self._extract(self._obj, m.headers(), m.key())


def accepter(program, variables: Callable, maker) -> Callable[[object], bool]:
    """``accept(record) -> bool`` for a compiled filter; raises the filter's evaluation error."""
    matches = program.matches
    names = getattr(program, "names", None)  # what the expression reads (cel's, beyond the contract)
    if maker.decoder is not None or names is None:

        def accept_message(m) -> bool:
            message = maker(m)
            value = value_object(m.value(), message.decoded)
            return matches(variables(message, value) if names is None else variables(message, value, names))

        return accept_message
    extract = make_object_extractor(maker.spec)
    if not names & _READS_VALUE:
        return lambda m: matches(variables(Candidate(m, extract, None), None, names))

    def accept(m) -> bool:
        value, obj = parse_value(m.value())
        return matches(variables(Candidate(m, extract, obj), value, names))

    return accept
