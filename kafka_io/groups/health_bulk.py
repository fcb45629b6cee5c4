"""PURE: The health of every group at once: health.assess_group for thousands of groups.

health.assess_group is the reference (one group, plain Python, table tests);
`assess_groups` returns the same GroupHealth values, equal field for field,
for a whole sample. It exists because the sampler's health() at 10,000
groups x 10 partitions took 3.04 s of Python per sample (issue #25): here the
history is read once into matrices (history_bulk) and the status rules, rates,
ETA and time lags are array operations (status_bulk, lag_bulk); what is left
per partition is building its frozen PartitionHealth.

Rows whose offsets are too large for the exact float comparisons of
status_bulk, or whose lag is negative (the reference raises), go through the
reference per partition. No I/O, no clock: `now_s` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

import numpy as np

from kafka_io.groups import history_bulk, lag_bulk, status_bulk
from kafka_io.groups.health import GroupHealth, PartitionHealth, _partition
from kafka_io.groups.history import LagHistory
from kafka_io.groups.lag_math import GroupTotals, TimeLag
from kafka_io.groups.models import GroupLag
from kafka_io.groups.status import Status

__all__ = ["assess_groups"]

# Partitions judged per pass: large enough that per-pass costs vanish (10,000 groups x 10
# take two passes), small enough that the matrices of 50,000 groups are not all held at once.
CHUNK_PARTITIONS = 50_000
_UNKNOWN_TIME_LAG = TimeLag(None, False)
_CAUGHT_UP_TIME_LAG = TimeLag(0.0, False)

# PartitionHealth built by setting its slots directly: the frozen dataclass __init__
# looks up object.__setattr__ for each of its 12 fields, and 100,000 of them took
# 236 ms against 139 ms so (a third of assess_groups). Equal objects either way; a
# field added to PartitionHealth must be added here, which the check below enforces.
_FIELDS = ("topic", "partition", "committed", "high", "lag", "status", "produce_rate_per_s", "consume_rate_per_s")
_FIELDS += ("eta_s", "time_lag", "owner", "error")
if tuple(f.name for f in fields(PartitionHealth)) != _FIELDS:
    raise TypeError("PartitionHealth's fields changed: update health_bulk._partition_health")
(
    _S_TOPIC,
    _S_PARTITION,
    _S_COMMITTED,
    _S_HIGH,
    _S_LAG,
    _S_STATUS,
    _S_PRODUCE,
    _S_CONSUME,
    _S_ETA,
    _S_TIME_LAG,
    _S_OWNER,
    _S_ERROR,
) = (PartitionHealth.__dict__[name].__set__ for name in _FIELDS)
_new = object.__new__


def _partition_health(topic, partition, committed, high, lag, status, produce, consume, eta, time_lag, owner, error):
    health = _new(PartitionHealth)
    _S_TOPIC(health, topic)
    _S_PARTITION(health, partition)
    _S_COMMITTED(health, committed)
    _S_HIGH(health, high)
    _S_LAG(health, lag)
    _S_STATUS(health, status)
    _S_PRODUCE(health, produce)
    _S_CONSUME(health, consume)
    _S_ETA(health, eta)
    _S_TIME_LAG(health, time_lag)
    _S_OWNER(health, owner)
    _S_ERROR(health, error)
    return health


def _ints(values: list, missing: int = -1) -> np.ndarray:
    return np.array([missing if v is None else v for v in values], dtype=np.int64)


def _nones(values: np.ndarray) -> list:
    """Floats with NaN as None (unknown is None in the values pages get)."""
    return [None if v != v else v for v in values.tolist()]


class _Partitions:
    """The partitions of all groups, flattened in group order, as columns."""

    def __init__(self, groups: list[GroupLag]) -> None:
        self.items = items = [p for g in groups for p in g.partitions]
        self.topics, self.numbers = [p.topic for p in items], [p.partition for p in items]
        self.committed_values, self.high_values = [p.committed for p in items], [p.high for p in items]
        self.lag_values, self.owners, self.errors = (
            [p.lag for p in items],
            [p.owner for p in items],
            [p.error for p in items],
        )
        self.sizes = np.array([len(g.partitions) for g in groups], dtype=np.int64)
        group_ids = [g.group_id for g in groups for _ in g.partitions]
        self.keys = list(zip(group_ids, self.topics, self.numbers))
        self.tps = list(zip(self.topics, self.numbers))
        self.has_members = np.repeat(np.array([bool(g.members) for g in groups], dtype=bool), self.sizes)
        self.lag_known = np.array([lag is not None for lag in self.lag_values], dtype=bool)
        self.lags = _ints(self.lag_values, 0)
        self.committed = _ints(self.committed_values)
        self.highs = _ints(self.high_values)
        self.high_known = np.array([high is not None for high in self.high_values], dtype=bool)
        self.failed = np.array([bool(error) for error in self.errors], dtype=bool)


def assess_groups(
    groups: Iterable[GroupLag],
    history: LagHistory,
    now_s: float,
    *,
    window_s: float,
    stale_after_s: float,
    sparkline_s: float,
) -> dict[str, GroupHealth]:
    """{group_id: assess_group(group, history, now_s, ...)} for every group, in passes of about
    CHUNK_PARTITIONS partitions: a group's health depends on its own rows only, and one pass
    over 500,000 partitions held ~240 MB of matrices at once (bench/group_memory.py)."""
    out: dict[str, GroupHealth] = {}
    chunk: list[GroupLag] = []
    size = 0
    for group in groups:
        chunk.append(group)
        size += len(group.partitions)
        if size >= CHUNK_PARTITIONS:
            out.update(_assess(chunk, history, now_s, window_s, stale_after_s, sparkline_s))
            chunk, size = [], 0
    if chunk or not out:
        out.update(_assess(chunk, history, now_s, window_s, stale_after_s, sparkline_s))
    return out


def _assess(groups, history, now_s, window_s, stale_after_s, sparkline_s) -> dict[str, GroupHealth]:
    parts = _Partitions(groups)
    times, committed, highs = history_bulk.window_columns(history, parts.keys, parts.tps, now_s - window_s)
    present = committed != history_bulk.ABSENT
    ranks = status_bulk.partition_ranks(
        times, committed, highs, parts.has_members, now_s, stale_after_s, history_bulk.ABSENT
    )
    ranks[parts.failed] = status_bulk.UNKNOWN
    produce = lag_bulk.rate_per_s(times, highs, present & (highs >= 0))
    consume = lag_bulk.rate_per_s(times, committed, present & (committed >= 0))
    _warm_start_produce(history, parts, produce, now_s)
    eta = lag_bulk.eta_s(parts.lags, consume, produce)
    eta[~parts.lag_known] = np.nan
    seconds, extrapolated = _time_lags(history, parts, now_s)
    scalar = np.flatnonzero(status_bulk.needs_scalar(committed, highs) | (parts.lag_known & (parts.lags < 0)))
    reference = _reference(groups, parts, scalar, history, now_s, window_s, stale_after_s)
    for i, ph in zip(scalar.tolist(), reference, strict=True):
        ranks[i], produce[i], consume[i] = ph.status.rank, _nan(ph.produce_rate_per_s), _nan(ph.consume_rate_per_s)
        eta[i], seconds[i], extrapolated[i] = _nan(ph.eta_s), _nan(ph.time_lag.seconds), ph.time_lag.extrapolated
    time_lags = _time_lag_values(seconds, extrapolated)
    partitions = list(
        map(
            _partition_health,
            parts.topics,
            parts.numbers,
            parts.committed_values,
            parts.high_values,
            parts.lag_values,
            [status_bulk.RANKS[r] for r in ranks.tolist()],
            _nones(produce),
            _nones(consume),
            _nones(eta),
            time_lags,
            parts.owners,
            parts.errors,
        )
    )
    for i, ph in zip(scalar.tolist(), reference, strict=True):
        partitions[i] = ph
    sparklines = history_bulk.total_lag_rows(history, [g.group_id for g in groups], now_s - sparkline_s)
    return _groups(groups, parts, partitions, ranks, produce, consume, eta, seconds, time_lags, sparklines)


def _nan(value: float | None) -> float:
    return np.nan if value is None else value


def _warm_start_produce(history: LagHistory, parts: _Partitions, produce: np.ndarray, now_s: float) -> None:
    """health._partition's first minute: no produce rate from the window, the newest warm-start point instead."""
    rows = np.flatnonzero(np.isnan(produce) & parts.high_known)
    if len(rows):
        tps = [parts.tps[i] for i in rows.tolist()]
        seed_t, seed_h = history_bulk.newest_seeds(history, tps)
        seeded = np.isfinite(seed_t)
        rate = lag_bulk.two_point_rate_per_s(seed_t, seed_h, now_s, parts.highs[rows])
        produce[rows[seeded]] = rate[seeded]


def _time_lags(history: LagHistory, parts: _Partitions, now_s: float) -> tuple[np.ndarray, np.ndarray]:
    """health._partition's time lag: 0.0 caught up, unknown without a lag or commit, else estimated."""
    lagging = parts.lag_known & (parts.lags != 0)
    seconds = np.where(parts.lag_known & (parts.lags == 0), 0.0, np.nan)
    extrapolated = np.zeros(len(parts.items), dtype=bool)
    rows = np.flatnonzero(lagging & (parts.committed >= 0))  # no commit: estimate_time_lag says unknown
    if len(rows):
        tps = [parts.tps[i] for i in rows.tolist()]
        committed = parts.committed[rows]
        pt_t, pt_h, count = history_bulk.time_lag_point_columns(history, tps, committed)
        seconds[rows], extrapolated[rows] = lag_bulk.estimate_time_lag(pt_t, pt_h, count, committed, now_s)
    return seconds, extrapolated


def _time_lag_values(seconds: np.ndarray, extrapolated: np.ndarray) -> list[TimeLag]:
    # Shared instances for unknown and caught up (TimeLag is frozen and equal by value): only estimates are built.
    out = [_UNKNOWN_TIME_LAG] * len(seconds)
    for i in np.flatnonzero((seconds == 0.0) & ~extrapolated).tolist():
        out[i] = _CAUGHT_UP_TIME_LAG
    estimated = np.flatnonzero(~np.isnan(seconds) & ((seconds != 0.0) | extrapolated))
    for i, time_lag in zip(
        estimated.tolist(), map(TimeLag, seconds[estimated].tolist(), extrapolated[estimated].tolist()), strict=True
    ):
        out[i] = time_lag
    return out


def _reference(groups, parts: _Partitions, rows: np.ndarray, history, now_s, window_s, stale_after_s):
    """health._partition itself, for the rows the arrays cannot judge exactly."""
    out = []
    for i in rows.tolist():
        p, (group_id, topic, partition) = parts.items[i], parts.keys[i]
        window = history.samples(group_id, topic, partition, since_s=now_s - window_s)
        out.append(_partition(p, window, history, bool(parts.has_members[i]), now_s, stale_after_s))
    return out


def _groups(groups, parts: _Partitions, partitions, ranks, produce, consume, eta, seconds, time_lags, sparklines):
    """assess_group's group figures from the partitions' columns, one group per segment."""
    sizes = parts.sizes
    ends = np.cumsum(sizes)
    starts = ends - sizes
    lagging = parts.lag_known & (parts.lags != 0)
    status = _segments(np.maximum, ranks, sizes, starts, status_bulk.UNKNOWN).tolist()
    if parts.lags.size and np.abs(parts.lags).max() >= status_bulk.EXACT_BELOW:
        totals = [g.totals for g in groups]  # int64 sums could overflow: group_totals itself
    else:
        known_lags = np.where(parts.lag_known, parts.lags, 0)
        totals = list(
            map(
                GroupTotals,
                _segments(np.add, known_lags, sizes, starts, 0).tolist(),
                _segments(np.maximum, known_lags, sizes, starts, 0).tolist(),
                _segments(np.add, (~parts.lag_known).astype(np.int64), sizes, starts, 0).tolist(),
                sizes.tolist(),
            )
        )
    # group_eta_s: None as soon as one lagging partition has no ETA, else the slowest, 0.0 with none lagging.
    blocked = _segments(np.maximum, lagging & np.isnan(eta), sizes, starts, False)
    slowest = _segments(np.maximum, np.where(lagging, eta, 0.0), sizes, starts, 0.0)
    group_eta = _nones(np.where(blocked, np.nan, slowest))
    # max_time_lag: the first partition with the largest known seconds.
    known = ~np.isnan(seconds)
    filled = np.where(known, seconds, -np.inf)
    largest = np.repeat(_segments(np.maximum, filled, sizes, starts, -np.inf), sizes)
    index = np.where(known & (filled == largest), np.arange(len(filled)), len(filled))
    first = _segments(np.minimum, index, sizes, starts, len(filled)).tolist()
    produced, consumed = _nones(_ordered_sums(produce, sizes, starts)), _nones(_ordered_sums(consume, sizes, starts))
    out = {}
    for g, start, end, rank, total, p_rate, c_rate, g_eta, top, spark in zip(
        groups, starts.tolist(), ends.tolist(), status, totals, produced, consumed, group_eta, first, sparklines
    ):
        out[g.group_id] = GroupHealth(
            group=g,
            status=Status.UNKNOWN if g.error else status_bulk.RANKS[rank],
            totals=total,
            produce_rate_per_s=p_rate,
            consume_rate_per_s=c_rate,
            eta_s=g_eta,
            time_lag=_UNKNOWN_TIME_LAG if top == len(time_lags) else time_lags[top],
            sparkline=spark,
            partitions=tuple(partitions[start:end]),
        )
    return out


def _segments(ufunc, values: np.ndarray, sizes: np.ndarray, starts: np.ndarray, empty) -> np.ndarray:
    """ufunc reduced over each group's partitions; `empty` for a group without any.
    Only for order-free reductions (max, min, integer sums): float sums use _ordered_sums."""
    out = np.full(len(sizes), empty, dtype=np.result_type(values, np.min_scalar_type(empty)))
    filled = sizes > 0
    if filled.any():
        out[filled] = ufunc.reduceat(values, starts[filled])
    return out


def _ordered_sums(values: np.ndarray, sizes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """health._sum_known per group: the known (non-NaN) values added in partition order,
    one position at a time, so the float sum is the reference's to the last bit
    (numpy's own reductions add pairwise); NaN when none is known."""
    order = np.argsort(-sizes, kind="stable")  # the groups still adding at position k are a prefix
    sizes_desc, starts_desc = sizes[order], starts[order]
    sums, any_known = np.zeros(len(sizes)), np.zeros(len(sizes), dtype=bool)
    for k in range(int(sizes_desc[0]) if len(sizes) else 0):
        active = int(np.searchsorted(-sizes_desc, -k, side="left"))  # groups with more than k partitions
        value = values[starts_desc[:active] + k]
        known = ~np.isnan(value)
        sums[:active] += np.where(known, value, 0.0)
        any_known[:active] |= known
    out = np.full(len(sizes), np.nan)
    out[order] = np.where(any_known, sums, np.nan)
    return out
