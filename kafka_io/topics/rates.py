"""PURE: produce rates from high-watermark deltas between two snapshots.

Each partition keeps only its last two samples (ts_s, high). A rate needs
both; until then it is None ("—" on screen), never 0. The arithmetic itself
is lag.produce_rate_per_s, so a watermark that went down (topic recreated)
gives None rather than a negative rate.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from kafka_io.groups.lag_math import Sample, produce_rate_per_s

__all__ = ["MAX_SAMPLE_AGE_S", "WatermarkPair", "advance", "pair_rate_per_s", "topic_rate_per_s"]

# A partition unseen for this long is forgotten, which bounds the cache and
# keeps a rate from spanning a long gap (it would be an average, not a rate).
MAX_SAMPLE_AGE_S = 600.0


@dataclass(frozen=True, slots=True)
class WatermarkPair:
    latest: tuple[float, int]
    previous: tuple[float, int] | None = None


def advance(
    pairs: Mapping[Hashable, WatermarkPair],
    observed: Iterable[tuple[Hashable, int | None]],
    ts_s: float,
    max_age_s: float = MAX_SAMPLE_AGE_S,
) -> dict[Hashable, WatermarkPair]:
    """The pairs after observing `observed` (key, high) at `ts_s`.

    A sample not newer than a key's latest (the same cached snapshot seen by
    another session, or an older one arriving late) changes nothing. A
    previous sample older than `max_age_s` is dropped, as is a key unseen
    for that long.
    """
    updated = {k: p for k, p in pairs.items() if ts_s - p.latest[0] <= max_age_s}
    for key, high in observed:
        if high is None or high < 0:
            continue
        pair = updated.get(key)
        if pair is None:
            updated[key] = WatermarkPair((ts_s, high))
        elif ts_s > pair.latest[0]:
            previous = pair.latest if ts_s - pair.latest[0] <= max_age_s else None
            updated[key] = WatermarkPair((ts_s, high), previous)
    return updated


def pair_rate_per_s(pair: WatermarkPair | None) -> float | None:
    """Messages/s between the two samples, or None with fewer than two."""
    if pair is None or pair.previous is None:
        return None
    (t0, h0), (t1, h1) = pair.previous, pair.latest
    return produce_rate_per_s([Sample(t0, h0, None), Sample(t1, h1, None)])


def topic_rate_per_s(partition_rates: Iterable[float | None]) -> float | None:
    """Sum of the known partition rates; None when none is known yet."""
    known = [r for r in partition_rates if r is not None]
    return sum(known) if known else None
