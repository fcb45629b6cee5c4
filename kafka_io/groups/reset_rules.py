"""PURE: Rules for resetting a group's committed offsets (no I/O).

A reset spec is validated before anything is sent; `target_offset` says where
one partition would go. Targets are clamped to the partition's current
[earliest, end] range, as kafka-consumer-groups.sh does, and every clamp or
fallback comes with a note that the preview shows.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kafka_io.errors import InvalidInput

__all__ = ["ResetMode", "ResetSpec", "parse_reset_spec", "target_offset"]


class ResetMode(str, enum.Enum):
    EARLIEST = "earliest"
    LATEST = "latest"
    TIMESTAMP = "timestamp"  # value: epoch milliseconds
    OFFSET = "offset"  # value: the offset itself
    SHIFT = "shift"  # value: +N forward, -N back from the committed offset

    def __str__(self) -> str:
        return self.value


_NEEDS_VALUE = {ResetMode.TIMESTAMP, ResetMode.OFFSET, ResetMode.SHIFT}


@dataclass(frozen=True, slots=True)
class ResetSpec:
    mode: ResetMode
    value: int | None = None

    def describe(self) -> str:
        if self.mode is ResetMode.SHIFT:
            return f"shift by {self.value:+d}"
        if self.mode is ResetMode.TIMESTAMP:
            return f"the first record at or after {self.value} ms"
        if self.mode is ResetMode.OFFSET:
            return f"offset {self.value}"
        return str(self.mode)


def parse_reset_spec(mode: str, value: object = None) -> ResetSpec:
    """Validate a mode and its value; InvalidInput with the reason otherwise."""
    try:
        parsed = ResetMode(str(mode).strip().lower())
    except ValueError:
        names = ", ".join(m.value for m in ResetMode)
        raise InvalidInput(f"unknown reset mode {mode!r}; expected one of {names}") from None
    if parsed not in _NEEDS_VALUE:
        return ResetSpec(parsed)
    if value is None or value == "" or isinstance(value, bool):
        raise InvalidInput(f"reset to {parsed} needs a value")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"reset to {parsed} needs a whole number, got {value!r}") from None
    if parsed is ResetMode.SHIFT and number == 0:
        raise InvalidInput("a shift of 0 changes nothing; use +N or -N")
    if parsed is not ResetMode.SHIFT and number < 0:
        raise InvalidInput(f"reset to {parsed} needs a number >= 0, got {number}")
    return ResetSpec(parsed, number)


def _clamp(offset: int, low: int, high: int) -> tuple[int, str | None]:
    if offset < low:
        return low, f"{offset} is before the earliest offset {low}: using {low}"
    if offset > high:
        return high, f"{offset} is past the end of the log {high}: using {high}"
    return offset, None


def target_offset(
    spec: ResetSpec, committed: int | None, low: int, high: int, ts_offset: int | None = None
) -> tuple[int | None, str | None]:
    """(new committed offset, note) for one partition; (None, reason) to skip it.

    `low`/`high` are the partition's earliest and end offsets; `ts_offset` is
    the first offset whose timestamp is >= spec.value (None or < 0 when no
    record is that recent).
    """
    if spec.mode is ResetMode.EARLIEST:
        return low, None
    if spec.mode is ResetMode.LATEST:
        return high, None
    if spec.mode is ResetMode.TIMESTAMP:
        if ts_offset is None or ts_offset < 0:
            return high, "no record at or after that time: using the end of the log"
        return _clamp(ts_offset, low, high)
    if spec.mode is ResetMode.OFFSET:
        return _clamp(spec.value, low, high)
    if committed is None or committed < 0:
        return None, "no committed offset to shift from: left unchanged"
    return _clamp(committed + spec.value, low, high)
