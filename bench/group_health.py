"""Benchmark (issue #25): the health of every group of a sample, per group against in bulk.

    .venv/bin/python bench/group_health.py [--groups 10000] [--runs 5]

No broker: a LagHistory is filled in memory the way the sampler fills it, with
GROUPS groups x 10 partitions (topics of 10 partitions, 10 groups a topic, as
bench/group_scale.py builds on a broker), 13 cycles 5 s apart, and the
warm-start points a started sampler seeds (12 over the hour before, one a
minute before). Traffic: most groups caught up or keeping up with saw-toothed
batch commits, some falling behind, some stalled with members (STALL) or
without (STOP), some reset back in the window (REWIND), some topics idle.
Times, as medians in this one run:

  (base) today's per-group path: {group: health.assess_group(...)} for every
         group, what LagSampler.health() ran before;
  (bulk) health_bulk.assess_groups(...), what it runs now.

Checks that both give equal values for every group, prints the statuses seen,
and bulk/base (target <= 0.2: issue #25 leaves health 0.6 s of a 3 s sample).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kafka_io.groups.health import assess_group  # noqa: E402
from kafka_io.groups.health_bulk import assess_groups  # noqa: E402
from kafka_io.groups.history import LagHistory  # noqa: E402
from kafka_io.groups.lag_math import partition_lag  # noqa: E402
from kafka_io.groups.models import GroupLag, MemberInfo, PartitionLag  # noqa: E402
from kafka_io.groups.sampler import SPARKLINE_S, STALE_AFTER_SAMPLES, STATUS_WINDOW_S  # noqa: E402

PARTITIONS, GROUPS_PER_TOPIC, CYCLES, INTERVAL_S = 10, 10, 13, 5.0
START_S = 1_800_000_000.0
# Share of groups per behaviour (the rest are caught up at every sample).
KINDS = (("keeps-up", 0.25), ("behind", 0.10), ("stalled", 0.05), ("stopped", 0.10), ("rewound", 0.03))


def _kind(rng: random.Random) -> str:
    roll = rng.random()
    for kind, share in KINDS:
        if roll < share:
            return kind
        roll -= share
    return "caught-up"


def build(groups: int, seed: int = 25) -> tuple[LagHistory, list[GroupLag], float]:
    rng = random.Random(seed)
    topics = [f"topic-{t:05d}" for t in range((groups + GROUPS_PER_TOPIC - 1) // GROUPS_PER_TOPIC)]
    rate = {t: rng.choice([0, 0, 10, 50, 200, 1000]) for t in topics}  # records/s a partition; some topics idle
    high = {(t, p): rng.randint(10_000, 5_000_000) for t in topics for p in range(PARTITIONS)}
    history = LagHistory()
    history.seed_highs(
        {
            tp: [(START_S - back, max(0, h - int(rate[tp[0]] * back))) for back in (*range(3600, 0, -300), 60)]
            for tp, h in high.items()
        }
    )
    kinds = {f"group-{g:05d}": _kind(rng) for g in range(groups)}
    topic_of = {g: topics[i // GROUPS_PER_TOPIC] for i, g in enumerate(kinds)}
    committed = {
        (g, topic_of[g], p): high[(topic_of[g], p)] - rng.randint(0, 5000) for g in kinds for p in range(PARTITIONS)
    }
    for cycle in range(CYCLES):
        ts_s = START_S + cycle * INTERVAL_S
        rows = []
        for tp in high:
            high[tp] += int(rate[tp[0]] * INTERVAL_S * rng.uniform(0.5, 1.5))
        for (g, topic, p), commit in committed.items():
            committed[(g, topic, p)] = _commit(rng, kinds[g], commit, high[(topic, p)], cycle)
            rows.append((g, topic, p, high[(topic, p)], committed[(g, topic, p)]))
        history.record(ts_s, rows)
    snapshot = [_group(g, kind, topic_of[g], high, committed, ts_s) for g, kind in kinds.items()]
    return history, snapshot, ts_s + 1.0


def _commit(rng: random.Random, kind: str, commit: int, high: int, cycle: int) -> int:
    if kind == "caught-up":
        return high
    if kind == "keeps-up":  # batch commits: saw teeth a few hundred records behind
        return max(commit, high - rng.randint(0, 300))
    if kind == "behind":
        return commit + (high - commit) // 3
    if kind in ("stalled", "stopped"):
        return commit
    return max(0, commit - 100_000) if cycle == CYCLES - 4 else high - rng.randint(0, 50)  # rewound


def _group(group_id: str, kind: str, topic: str, high, committed, ts_s: float) -> GroupLag:
    member = MemberInfo(f"{group_id}-m", f"{group_id}-client", "/10.0.0.1", None, ())
    members = () if kind == "stopped" else (member,)
    partitions = tuple(
        PartitionLag(
            topic,
            p,
            committed[(group_id, topic, p)],
            high[(topic, p)],
            partition_lag(high[(topic, p)], committed[(group_id, topic, p)]),
            member if members else None,
        )
        for p in range(PARTITIONS)
    )
    return GroupLag(group_id, "STABLE" if members else "EMPTY", members, partitions, ts_s, "range")


def median_s(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    history, groups, now_s = build(args.groups)
    options = {
        "window_s": STATUS_WINDOW_S,
        "stale_after_s": STALE_AFTER_SAMPLES * INTERVAL_S,
        "sparkline_s": SPARKLINE_S,
    }

    def base():
        return {g.group_id: assess_group(g, history, now_s, **options) for g in groups}

    def bulk():
        return assess_groups(groups, history, now_s, **options)

    same = base() == bulk()
    statuses = Counter(h.status.value for h in bulk().values())
    b = median_s(base, args.runs)
    a = median_s(bulk, args.runs)
    print(
        f"{len(groups):,} groups x {PARTITIONS} partitions, {CYCLES} cycles ({history.depth} kept), identical: {same}"
    )
    print("group statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())))
    print(f"(base) per group, assess_group: {b * 1000:8.1f} ms")
    print(f"(bulk) assess_groups:           {a * 1000:8.1f} ms")
    print(f"bulk/base = {a / b:.3f} (target <= 0.2), {b / a:.1f}x faster")
    if not same:
        raise SystemExit("assess_groups differs from assess_group")


if __name__ == "__main__":
    main()
