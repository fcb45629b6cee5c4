"""PURE: per-second event counts by type, in a fixed ring, for the live chart.

Not thread-safe by itself: the tail worker holds its lock around every call.
"""

from __future__ import annotations

from kafka_io.errors import InvalidInput
from kafka_io.live.rates import MAX_TYPES, MAX_WINDOW_S, OTHER

__all__ = ["RateBuckets"]

# One slot more than the window, so a full window of complete seconds survives
# while the current second is being written.
_RING_SLOTS = MAX_WINDOW_S + 1
_NEVER_S = -(1 << 62)


class RateBuckets:
    """Per-second counts by type in a fixed ring of ``MAX_WINDOW_S`` (+1) seconds.

    Memory is bounded: at most ``MAX_TYPES`` distinct types are tracked, later
    new types are counted under ``OTHER``; old seconds are recycled in place.
    Seconds come from the caller's clock. A second far in the future occupies
    its slot until real time passes it, so callers bucket by arrival second
    or clamp record timestamps to now.
    Not thread-safe: the owner (the tail worker) holds a lock around calls.
    """

    __slots__ = ("_slot_s", "_slot_counts", "_totals", "_last_seen_s")

    def __init__(self) -> None:
        self._slot_s: list[int] = [_NEVER_S] * _RING_SLOTS
        self._slot_counts: list[dict[str, int]] = [{} for _ in range(_RING_SLOTS)]
        self._totals: dict[str, int] = {}
        self._last_seen_s: dict[str, int] = {}

    def clear(self) -> None:
        self.__init__()

    def _slot(self, ts_s: int) -> dict[str, int] | None:
        """The bucket for ``ts_s``, recycled if it holds an older second; None if too old."""
        idx = ts_s % _RING_SLOTS
        held_s = self._slot_s[idx]
        if held_s == ts_s:
            return self._slot_counts[idx]
        if held_s > ts_s:
            return None  # a newer second owns the slot: ts_s fell out of the ring
        self._slot_s[idx] = ts_s
        counts = self._slot_counts[idx]
        counts.clear()
        return counts

    def _admit(self, event_type: str) -> str:
        if event_type in self._totals or len(self._totals) < MAX_TYPES:
            return event_type
        return OTHER

    def add(self, ts_s: int, event_type: str, n: int = 1) -> None:
        """Count ``n`` events of ``event_type`` in second ``ts_s``."""
        if n <= 0:
            if n < 0:
                raise InvalidInput(f"event count must be ≥ 0, got {n}")
            return
        event_type = self._admit(event_type)
        totals = self._totals
        totals[event_type] = totals.get(event_type, 0) + n
        last = self._last_seen_s
        if last.get(event_type, _NEVER_S) < ts_s:
            last[event_type] = ts_s
        bucket = self._slot(ts_s)
        if bucket is not None:
            bucket[event_type] = bucket.get(event_type, 0) + n

    def add_counts(self, ts_s: int, counts: dict[str, int]) -> None:
        """Add a batch counted by the caller (``{type: n}``) to second ``ts_s``."""
        for event_type, n in counts.items():
            self.add(ts_s, event_type, n)

    def _window(self, first_s: int, last_s: int):
        """Yield (second, counts) for live slots in [first_s, last_s]."""
        slot_s, slot_counts = self._slot_s, self._slot_counts
        for sec in range(first_s, last_s + 1):
            idx = sec % _RING_SLOTS
            if slot_s[idx] == sec and slot_counts[idx]:
                yield sec, slot_counts[idx]

    def series(self, now_s: int, window_s: int, zero_fill: bool = False) -> list[tuple[int, str, int]]:
        """Rows (second, type, count) for seconds in (now_s − window_s, now_s], sorted.

        Seconds without events are omitted unless ``zero_fill``, which adds a
        0 row for every type seen in the window at every second (for line
        charts that would otherwise draw straight across gaps). ``now_s`` is
        usually incomplete: pass ``now_s - 1`` to chart complete seconds only.
        """
        _check_window("window_s", window_s, MAX_WINDOW_S)
        first_s = now_s - window_s + 1
        rows = [(sec, t, c) for sec, counts in self._window(first_s, now_s) for t, c in counts.items()]
        if zero_fill:
            seen = {(sec, t) for sec, t, _ in rows}
            types = {t for _, t, _ in rows}
            rows.extend((sec, t, 0) for sec in range(first_s, now_s + 1) for t in types if (sec, t) not in seen)
        rows.sort()
        return rows

    def rate_per_s(self, now_s: int, over_s: int = 10) -> dict[str, float]:
        """Mean events/s per type over the ``over_s`` complete seconds before ``now_s``.

        Types with no events in that span are omitted (their rate is 0).
        """
        _check_window("over_s", over_s, MAX_WINDOW_S)
        sums: dict[str, int] = {}
        for _, counts in self._window(now_s - over_s, now_s - 1):
            for event_type, n in counts.items():
                sums[event_type] = sums.get(event_type, 0) + n
        return {event_type: n / over_s for event_type, n in sums.items()}

    def totals(self) -> dict[str, int]:
        """Events per type since creation or the last ``clear()``."""
        return dict(self._totals)

    def last_seen_s(self) -> dict[str, int]:
        """Latest second each type was counted in."""
        return dict(self._last_seen_s)


def _check_window(name: str, value: int, limit: int) -> None:
    if type(value) is not int or not 1 <= value <= limit:
        raise InvalidInput(f"{name} must be a whole number of seconds from 1 to {limit}, got {value!r}")
