"""Warm start: at the first sample, read back each involved partition's end-offset
history for the last hour from Kafka's offsets-for-times, so produce rates and
time-lag estimates are not empty in the first minute of an incident.

The offset for a time T is the first record at or after T, so the high watermark
at T was that offset (or today's, when nothing was written since T). Retention
can make an hour-old point too high (records written after T already deleted):
an estimate, like every time lag in the list.
"""

from __future__ import annotations

import logging

from kafka_io._client import ClusterClient, list_offsets
from kafka_io.errors import KafkaIOError
from kafka_io.groups.history import LagHistory
from kafka_io.wire import TP

__all__ = ["RECENT_S", "STEP_S", "WARM_START_S", "backfill", "seed_times_ms"]

WARM_START_S = 3600.0
STEP_S = 300.0  # 12 points over the hour...
RECENT_S = 60.0  # ...and one a minute ago, for the produce rate of the first minute
log = logging.getLogger("kafka_io")


def seed_times_ms(now_s: float) -> list[int]:
    back = [WARM_START_S - i * STEP_S for i in range(int(WARM_START_S / STEP_S))] + [RECENT_S]
    return [int((now_s - s) * 1000) for s in back]


def backfill(cluster: ClusterClient, history: LagHistory, highs: dict[TP, int], now_s: float) -> int:
    """Seed ``history`` for the partitions of ``highs`` (their watermarks now); returns how many."""
    admin, settings = cluster.admin, cluster.settings
    stamps = seed_times_ms(now_s)
    try:
        answers = list_offsets(admin, settings, highs, *stamps)
    except KafkaIOError as exc:  # the first minute just starts empty, as before
        log.info("warm start skipped: %s", exc)
        return 0
    points: dict[TP, list[tuple[float, int]]] = {tp: [] for tp in highs}
    for ts_ms, found in zip(stamps, answers, strict=True):
        for tp, (offset, error) in found.items():
            if error is None:
                points[tp].append((ts_ms / 1000, highs[tp] if offset is None else offset))
    history.seed_highs(points)
    return len(points)
