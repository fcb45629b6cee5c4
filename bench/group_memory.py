"""Benchmark (issue #25): the lag sampler's memory for many groups, without a broker.

    .venv/bin/python bench/group_memory.py [--groups 10000 50000] [--cycles 13] [--trace]

For each size, a fresh process builds what a LagSampler keeps between samples
(groups/sampler.py), with the classes it keeps them in: the LagHistory filled
cycle by cycle as the sampler fills it (bench/group_health.py's traffic, GROUPS
groups x 10 partitions, topics of 10 partitions read by 10 groups each, the
warm-start points), the CommitTable a reader of __consumer_offsets fills, the
latest LagSnapshot (GroupLag and PartitionLag values) and the health of every
group (health_bulk.assess_groups). Then one more sample: a new snapshot and its
health computed while the previous ones are still held, as in the sampler.

Prints the process RSS after the imports, after each part, and its peak; the
baseline is the same information as bare numpy arrays (per committed partition:
group and partition index, committed offset and commit time, and one int64 per
cycle held for its committed offset and its partition's high watermark), so
(RSS held - RSS of the imports) / baseline is the price of the Python objects.
With --trace, also tracemalloc's top allocation sites (slower, and the process
is bigger while it traces).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

TARGET_MB = 600  # issue #25: app RSS <= 600 MB at 50,000 groups
TOP = 12


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill_commit_table(table, groups) -> None:
    """What a reader of __consumer_offsets keeps: every group's latest commit."""
    from kafka_io.groups.commit_log import CommitValue, OffsetRecord

    for g in groups:
        for p in g.partitions:
            value = CommitValue(p.committed, None, "", int(g.sampled_at_s * 1000), None)
            table._apply_offset(OffsetRecord(g.group_id, p.topic, p.partition, value))
    table.take_changed()


def next_sample(groups, ts_s: float):
    """The same groups one interval later, as new values (a new sample builds new ones)."""
    from dataclasses import replace

    return [replace(g, sampled_at_s=ts_s, partitions=tuple(replace(p) for p in g.partitions)) for g in groups]


def measure(groups_n: int, cycles: int, trace: bool) -> dict:
    """One size, in this process: {part: RSS MB}, the baseline, and the top allocation sites."""
    import group_health
    import numpy as np

    from kafka_io.config import ClusterSettings
    from kafka_io.groups import sampler as sampler_module
    from kafka_io.groups.sampler import LagSampler
    from kafka_io.groups.sampler_config import history_rows
    from kafka_io.groups.sampler_snapshot import LagSnapshot

    if trace:
        import tracemalloc

        tracemalloc.start()
    out, traced = {}, {}

    def mark(part: str) -> None:
        gc.collect()
        out[part] = rss_mb()
        if trace:
            traced[part] = tracemalloc.get_traced_memory()[0] / 2**20

    mark("imports")
    started = time.perf_counter()
    group_health.CYCLES = cycles
    # Samples that end now: the sampler judges health against the clock.
    group_health.START_S = time.time() - cycles * group_health.INTERVAL_S
    history, groups, now_s = group_health.build(groups_n)
    mark("history")
    # A sampler that never connects: its state is put in place as its samples would leave it,
    # and its clock reads the time of its latest sample (building 50,000 groups takes longer
    # than a status stays fresh).
    clock = {"now_s": now_s}
    sampler_module.time = SimpleNamespace(time=lambda: clock["now_s"], monotonic=time.monotonic)
    settings = ClusterSettings(bootstrap_servers="127.0.0.1:9", embedded=False)
    sampler = LagSampler(settings, interval_s=group_health.INTERVAL_S, history=history, commit_log=True)
    fill_commit_table(sampler._commit_log.table, groups)
    mark("commit table")
    sampler._snapshot = LagSnapshot(now_s, 0.0, tuple(groups), sequence=1)
    del groups
    sampler.health()
    mark("snapshot + health")
    # The next sample replaces the snapshot; then the thread computes its health (LagSampler._run).
    clock["now_s"] = now_s + group_health.INTERVAL_S
    fresh = next_sample(sampler.latest().groups, clock["now_s"])
    history.record(clock["now_s"], list(history_rows(fresh)))
    sampler._snapshot = LagSnapshot(clock["now_s"], 0.0, tuple(fresh), sequence=2)
    del fresh
    sampler.health()
    mark("after a second sample")
    out["peak"] = peak_mb()
    groups = sampler.latest().groups
    keys = sum(len(g.partitions) for g in groups)
    tps = len({(p.topic, p.partition) for g in groups for p in g.partitions})
    held = min(cycles, history.depth)
    baseline = (
        np.zeros(keys, np.int32).nbytes * 2  # group and partition index
        + np.zeros(keys, np.int64).nbytes * 2  # committed offset, commit time
        + np.zeros((keys, held), np.int64).nbytes  # committed offsets per cycle held
        + np.zeros((tps, held), np.int64).nbytes  # high watermarks per cycle held
    )
    result = {
        "groups": groups_n,
        "partitions": keys,
        "cycles": cycles,
        "depth": history.depth,
        "dropped_keys": history.dropped_keys,
        "rss_mb": out,
        "baseline_mb": baseline / 2**20,
        "build_s": time.perf_counter() - started,
        "statuses": dict(Counter(h.status.value for h in sampler.health().values())),
    }
    if trace:
        stats = tracemalloc.take_snapshot().statistics("lineno")
        result["top"] = [(str(s.traceback[0]), s.size / 2**20, s.count) for s in stats[:TOP]]
        result["traced_mb"] = traced
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--cycles", type=int, default=13, help="samples recorded (the history keeps what fits)")
    parser.add_argument("--trace", action="store_true", help="also tracemalloc's top allocation sites")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process of one size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.cycles, args.trace)))
        return 0
    for n in args.groups:
        command = [sys.executable, __file__, "--one", str(n), "--cycles", str(args.cycles)]
        done = subprocess.run(command + (["--trace"] if args.trace else []), capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        r = json.loads(done.stdout.splitlines()[-1])
        rss = r["rss_mb"]
        print(
            f"{r['groups']:,} groups x 10 partitions ({r['partitions']:,} committed), {r['cycles']} cycles, "
            f"history depth {r['depth']}, keys dropped {r['dropped_keys']:,}, built in {r['build_s']:.1f} s"
        )
        print("  group statuses: " + ", ".join(f"{s} {n:,}" for s, n in sorted(r["statuses"].items())))
        before, traced = rss["imports"], r.get("traced_mb", {})
        for part, mb in rss.items():
            held_now = f"  Python objects held {traced[part]:7.1f} MB" if part in traced else ""
            print(f"  RSS {part:24} {mb:8.1f} MB  (+{mb - before:7.1f}){held_now}")
            before = mb
        held = rss["after a second sample"] - rss["imports"]
        print(
            f"  held {held:.1f} MB against a numpy baseline of {r['baseline_mb']:.1f} MB: "
            f"{held / r['baseline_mb']:.1f}x; peak {rss['peak']:.0f} MB (target <= {TARGET_MB} MB at 50,000 groups)"
        )
        for site, mb, count in r.get("top", []):
            print(f"    {mb:8.1f} MB {count:>9,} blocks  {site}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
