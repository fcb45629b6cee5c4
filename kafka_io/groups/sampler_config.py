"""The lag sampler's schedule: when a full sample is due, and what one sample adds to
the history. Its interval and offsets source are kafka_io.settings' SamplerSettings."""

from __future__ import annotations

from collections.abc import Iterable

from kafka_io.groups.models import GroupLag

__all__ = [
    "FULL_SCAN_DUTY",
    "POLL_EVERY_S",
    "RETRY_EVERY_S",
    "SPARKLINE_S",
    "STALE_AFTER_SAMPLES",
    "STATUS_WINDOW_S",
    "WATCH_TTL_S",
    "full_sample_due",
    "history_rows",
]

# The status window: WARN/STALL/STOP judge the samples of the last minute.
STATUS_WINDOW_S = 60.0
SPARKLINE_S = 600.0  # the list's sparkline: total lag over the last 10 minutes
STALE_AFTER_SAMPLES = 3  # a partition not sampled for 3 intervals has no status
FULL_SCAN_DUTY = 4  # a full sample may take at most a quarter of the time
WATCH_TTL_S = 300.0  # a pin nobody looked at for 5 minutes stops being sampled
# While the cluster is unreachable, retry this often (or every interval, if
# shorter): recovery is seen within this plus one sample, not a full interval.
RETRY_EVERY_S = 2.0
# How often the idle sampler serves its admin client's error callback, so a
# lost broker connection triggers a sample within this much time.
POLL_EVERY_S = 0.25


def full_sample_due(now_s: float, last_full_s: float | None, full_every_s: float, *, failing: bool) -> bool:
    """Whether the sampler's tick takes a full sample: the first one always, then every
    full_every_s, and at once while the latest sample failed (the retry)."""
    return failing or last_full_s is None or now_s - last_full_s >= full_every_s


def history_rows(groups: Iterable[GroupLag]):
    for g in groups:
        for p in g.partitions:
            if p.high is not None:
                yield (g.group_id, p.topic, p.partition, p.high, p.consumed_to)  # past txn markers
