"""PURE: how the rate chart stays readable: injected events as bands, a y axis a spike cannot flatten,
colours that stay with their type, and an x axis that starts at the first event until the window fills.

A burst of thousands of injected events is one band (its first to last
second, with a count), not one rule per event: one rule per second and type
drew a solid black block over the chart. And a 500/s burst on a topic that
normally carries 20/s squashes the normal traffic to a flat line, so the axis
can stop at the normal traffic's height, the spike labelled with its real peak.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BAND_GAP_S",
    "HEADROOM",
    "MIN_SECONDS",
    "SPIKE_RATIO",
    "MIN_SPAN_S",
    "OTHER_COLOR",
    "PALETTE",
    "Ceiling",
    "MarkerBand",
    "color_scale",
    "first_seen",
    "marker_bands",
    "x_domain",
    "totals_per_second",
    "y_ceiling",
]

# Injected seconds at most this far apart belong to one band: a burst at 1/s
# (or a stalled second mid-burst) stays one band; events sent by hand a few
# seconds apart stay separate.
BAND_GAP_S = 2
TYPES_NAMED = 3  # a band's tooltip names its most frequent types
# A second is a spike when its total is this many times the median busy second.
SPIKE_RATIO = 4.0
# The clipped axis ends this far above the highest second that is not a spike.
HEADROOM = 1.2
MIN_SECONDS = 5  # fewer busy seconds than this: no "normal" to compare with


@dataclass(frozen=True, slots=True)
class MarkerBand:
    """Injected events from ``first_s`` to ``last_s`` (inclusive): one burst, or one event."""

    first_s: int
    last_s: int
    count: int
    types: tuple[str, ...]  # most frequent first, at most TYPES_NAMED

    @property
    def seconds(self) -> int:
        return self.last_s - self.first_s + 1


def marker_bands(markers: Iterable[tuple[int, str, int]], gap_s: int = BAND_GAP_S) -> list[MarkerBand]:
    """Group (second, type, count) markers into bands, oldest first."""
    per_second: dict[int, dict[str, int]] = {}
    for sec, event_type, count in markers:
        if count > 0:
            per_type = per_second.setdefault(sec, {})
            per_type[event_type] = per_type.get(event_type, 0) + count
    bands: list[MarkerBand] = []
    group: list[int] = []
    for sec in sorted(per_second):
        if group and sec - group[-1] > gap_s:
            bands.append(_band(group, per_second))
            group = []
        group.append(sec)
    if group:
        bands.append(_band(group, per_second))
    return bands


def _band(seconds: list[int], per_second: dict[int, dict[str, int]]) -> MarkerBand:
    types: dict[str, int] = {}
    for sec in seconds:
        for event_type, count in per_second[sec].items():
            types[event_type] = types.get(event_type, 0) + count
    named = sorted(types, key=lambda t: (-types[t], t))[:TYPES_NAMED]
    return MarkerBand(seconds[0], seconds[-1], sum(types.values()), tuple(named))


def totals_per_second(series: Iterable[tuple[int, str, int]]) -> dict[int, int]:
    """All types summed per second (what the stacked chart's top edge shows)."""
    totals: dict[int, int] = {}
    for sec, _, count in series:
        totals[sec] = totals.get(sec, 0) + count
    return totals


@dataclass(frozen=True, slots=True)
class Ceiling:
    """Where the clipped axis ends, and the spike it hides: its peak events/s and second."""

    y_max: float
    peak: int
    peak_s: int
    clipped_seconds: int  # seconds whose total rises above y_max


def y_ceiling(totals: dict[int, int], ratio: float = SPIKE_RATIO) -> Ceiling | None:
    """A y-axis top that keeps normal traffic readable, or None when nothing towers over it.

    "Normal" is the median of the busy (non-zero) seconds: a burst that lasts
    less than half the window does not move it. Seconds above ``ratio`` times
    the median are spikes; the axis ends HEADROOM above the highest other second.
    """
    busy = sorted(n for n in totals.values() if n > 0)
    if len(busy) < MIN_SECONDS:
        return None
    median = busy[(len(busy) - 1) // 2]
    limit = ratio * median
    normal = [n for n in busy if n <= limit]
    if len(normal) == len(busy):
        return None
    y_max = max(normal) * HEADROOM
    peak_s, peak = max(totals.items(), key=lambda kv: (kv[1], -kv[0]))
    return Ceiling(y_max, peak, peak_s, sum(1 for n in busy if n > y_max))


# Tableau 20 in hue pairs: 20 types before a colour repeats (the chart shows 10 at most plus OTHER).
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e",
)  # fmt: skip
OTHER_COLOR = "#c7c7c7"  # OTHER (the summed small types) is always light grey
# Until the window fills the axis spans at least this much, so a first single second is not a sliver.
MIN_SPAN_S = 30


def first_seen(known: tuple[str, ...], series: Iterable[tuple[int, str, int]]) -> tuple[str, ...]:
    """``known`` types, then the types new in ``series`` by their first second (then name).

    The order only grows, so a type keeps its place (and colour) for the life of
    the view however the chart's ranking changes between redraws.
    """
    firsts: dict[str, int] = {}
    for sec, event_type, count in series:
        if count > 0 and event_type not in known and sec < firsts.get(event_type, sec + 1):
            firsts[event_type] = sec
    return known + tuple(sorted(firsts, key=lambda t: (firsts[t], t)))


def color_scale(order: tuple[str, ...], shown: Iterable[str], other: str) -> tuple[list[str], list[str]]:
    """An altair domain and range for the ``shown`` types: each type's colour is its first-seen index.

    ``other`` (the summed small types) is grey; a shown type missing from ``order`` gets the next free slot.
    """
    place = {t: i for i, t in enumerate(order)}
    domain, colors = [], []
    for event_type in shown:
        if event_type == other:
            color = OTHER_COLOR
        else:
            color = PALETTE[place.setdefault(event_type, len(place)) % len(PALETTE)]
        domain.append(event_type)
        colors.append(color)
    return domain, colors


def x_domain(now_s: int, window_s: int, first_s: int | None, min_span_s: int = MIN_SPAN_S) -> tuple[int, int]:
    """The chart's x axis (first second, last second), both inclusive.

    The last complete second is ``now_s - 1``. The axis starts at the window's
    start, or at the first event while the window has not filled yet (at least
    ``min_span_s`` wide), so the first events are not squeezed into a sliver.
    """
    last_s = now_s - 1
    start_s = last_s - window_s + 1
    if first_s is not None and first_s > start_s:
        start_s = min(first_s, last_s - min(min_span_s, window_s) + 1)
    return start_s, last_s
