"""PURE: CEL filters over messages, the language of kafbat-ui's "smart filters".

Two sets of names, so a kafbat user's filter carries over unchanged:

    key, value, headers, partition, offset, timestamp, type        ours
    record.key, record.keyAsText, record.value, record.valueAsText,
    record.headers, record.partition, record.offset, record.timestampMs   kafbat's

As in kafbat, ``record.key`` / ``record.value`` are absent (``has()`` is false)
for a null key or a tombstone, and ``record.key`` is the parsed JSON object when
the key is one. kafbat's two CEL extensions come too: strings (``split``,
``lowerAscii`` ...) and encoders (``base64.decode``).

The library is Google's C++ runtime (cel-expr-python): ~4x the evaluations/s of
the Rust binding and ~50x the pure-Python one here (see requirements.txt).
An evaluation error (a missing field, a wrong type) is FilterEvalError: the
event does not match, and the caller counts it. In a scan:

    cel_filter = compile_filter(text)            # InvalidInput before anything is read
    cel_filter.matches(filter_variables(message, value_obj, cel_filter.names))

``names`` builds only the variables the filter reads (no ``value`` in it: no
need to parse the payload); without it every variable is built.
"""

from __future__ import annotations

import re
from functools import cache

import orjson
from cel_expr_python import cel
from cel_expr_python.ext import ext_encoders, ext_strings

from kafka_io.errors import InvalidInput

__all__ = ["ALL_NAMES", "VARIABLES", "CelFilter", "FilterEvalError", "compile_filter", "filter_variables", "names_in"]

VARIABLES = ("key", "value", "headers", "partition", "offset", "timestamp", "type", "record")
ALL_NAMES = frozenset(VARIABLES)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# `type` is also CEL's type() function and cannot be declared to the checker; the
# program is compiled unchecked and resolves `type` from the variables at run time.
_DECLARED = tuple(name for name in VARIABLES if name != "type")
# "ERROR: <input>:1:16: Syntax error: extraneous input '&&' expecting {...}"
_ERROR_LINE = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*)")
_EXPECTING = re.compile(r" expecting (\{.*\}|\S+)$")
_STATUS_PREFIX = re.compile(r"^[A-Z_]+: ")
_UNDECLARED = re.compile(r"undeclared reference to '([^'.]+)")
# `value.amount` on a tombstone or on text, in a user's words
_SELECT_ON_NULL = "Applying SELECT to non-message type"
_SELECT_ON_NULL_PLAIN = "a field of something that is not a map (null, text, a number or a list)"
# ANTLR's words, in a user's
_PLAIN_WORDS = (
    ("mismatched input '<EOF>'", "the expression ends too early"),
    (" at '<EOF>'", ""),
    ("token recognition error at: ", "unexpected text "),
    ("extraneous input", "unexpected"),
    ("mismatched input", "unexpected"),
)


class FilterEvalError(Exception):
    """The filter could not be evaluated on one event: that event does not match."""


class CelFilter:
    """A compiled filter; ``matches`` is safe to call from several threads."""

    __slots__ = ("expression", "names", "_program")

    def __init__(self, expression: str, program) -> None:
        self.expression = expression
        self.names = names_in(expression)  # for filter_variables(message, value, names)
        self._program = program

    def __repr__(self) -> str:
        return f"CelFilter({self.expression!r})"

    def matches(self, variables: dict) -> bool:
        try:
            result = self._program.eval(data=variables)
            answer = result.value()
        except Exception as exc:  # a Python value CEL cannot hold (e.g. a tuple deep in a record)
            raise FilterEvalError(_plain(str(exc))) from None
        if answer.__class__ is bool:
            return answer
        if result.type() == cel.Type.ERROR:
            raise FilterEvalError(_plain(answer).replace(_SELECT_ON_NULL, _SELECT_ON_NULL_PLAIN))
        raise FilterEvalError(f"the filter gave {_short(answer)}, not true or false")


def compile_filter(expression: str) -> CelFilter:
    """InvalidInput("filter: <what> at column N") when ``expression`` does not parse."""
    text = (expression or "").strip()
    if not text:
        raise InvalidInput("filter: the expression is empty")
    try:
        program = _env().compile(text, disable_check=True)
    except Exception as exc:  # the library raises RuntimeError with the parser's report
        raise InvalidInput(_compile_message(str(exc))) from None
    _reject_unknown_names(text)
    return CelFilter(text, program)


def filter_variables(message, value_obj: object, names: frozenset[str] = ALL_NAMES) -> dict:
    """The variables for one message (duck-typed: key, value, headers, partition, offset,
    timestamp_ms, type, decoded); ``value_obj`` is the parsed value. Pass a filter's
    ``names`` to build only what it reads (a header filter then skips the record map)."""
    return {name: _BUILDERS[name](message, value_obj) for name in names}


def _key(message, value_obj) -> str | None:
    raw = message.key
    return None if raw is None else raw.decode("utf-8", "replace")


def _headers(message, value_obj) -> dict[str, str]:
    return {name: "" if raw is None else raw.decode("utf-8", "replace") for name, raw in message.headers}


def _record(message, value_obj) -> dict:
    """kafbat's map: a null key or value leaves its entries out, so has() is false."""
    record = {"partition": message.partition, "offset": message.offset, "headers": _headers(message, None)}
    if message.timestamp_ms is not None:
        record["timestampMs"] = message.timestamp_ms
    if message.key is not None:
        key = message.key.decode("utf-8", "replace")
        record["key"] = _json_object_or_text(key)
        record["keyAsText"] = key
    if message.value is not None:
        record["value"] = value_obj
        record["valueAsText"] = message.decoded or message.value.decode("utf-8", "replace")
    return record


_BUILDERS = {
    "key": _key,
    "value": lambda message, value_obj: value_obj,
    "headers": _headers,
    "partition": lambda message, value_obj: message.partition,
    "offset": lambda message, value_obj: message.offset,
    "timestamp": lambda message, value_obj: message.timestamp_ms,
    "type": lambda message, value_obj: message.type,
    "record": _record,
}


def names_in(expression: str) -> frozenset[str]:
    """The variables an expression may read: every identifier token that names one.
    Over-counting (a field or a string spelled `value`) only costs a little time;
    a name can never be missed."""
    return frozenset(_IDENTIFIER.findall(expression)) & ALL_NAMES


@cache
def _env():
    return cel.NewEnv(
        variables={name: cel.Type.DYN for name in _DECLARED},
        extensions=[ext_strings.ExtStrings(), ext_encoders.ExtEncoders()],
    )


def _reject_unknown_names(text: str) -> None:
    """A misspelt variable (``vlaue.amount``) would fail on every event: say so now.
    Other checker complaints are left to run time, where `type` resolves."""
    try:
        _env().compile(text)
    except Exception as exc:
        unknown = _UNDECLARED.search(str(exc))
        if unknown:
            name = unknown.group(1)
            at = re.search(rf"(?<![\w.]){re.escape(name)}\b", text)
            line = text.count("\n", 0, at.start()) + 1 if at else 1
            column = at.start() - text.rfind("\n", 0, at.start()) if at else 1
            known = ", ".join(VARIABLES)
            raise InvalidInput(
                f"filter: unknown name '{name}' at {_where(line, column)} (variables: {known})"
            ) from None


def _compile_message(report: str) -> str:
    found = _ERROR_LINE.search(report)
    if not found:
        return f"filter: {_plain(report.splitlines()[0] if report else 'invalid expression')}"
    line, column, what = int(found.group(1)), int(found.group(2)), found.group(3)
    what = _EXPECTING.sub("", what.strip())
    for words, plain in _PLAIN_WORDS:
        what = what.replace(words, plain)
    what = what[0].lower() + what[1:] if what else "invalid expression"
    return f"filter: {what} at {_where(line, column)}"


def _where(line: int, column: int) -> str:
    return f"column {column}" if line == 1 else f"line {line}, column {column}"


def _plain(text: str) -> str:
    """'NOT_FOUND: Key not found in map : "x"' -> 'Key not found in map : "x"'."""
    return _STATUS_PREFIX.sub("", text.strip()).removesuffix(" [INVALID_ARGUMENT]")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _json_object_or_text(text: str) -> object:
    """kafbat's record.key: the JSON object when the key is one, else the text."""
    if text[:1] != "{":
        return text
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    return parsed if isinstance(parsed, dict) else text
