"""Benchmark: /metrics for 300 groups x 5,400 committed partitions (or more), against a raw baseline.

    .venv/bin/python bench/metrics_scrape.py [--runs 7]
    .venv/bin/python bench/metrics_scrape.py --groups 10000 --partitions 10   # issue #25: <= 300 ms

No broker: the groups' health is built in memory exactly as the sampler hands it
to the exporter (300 groups, 18 partitions each, lag and time lag known), so
this measures the exposition itself. Times, as medians in this one run:

  (a) a scrape right after a new sample: every family rendered
      (kafka_io.exporter.families.exposition);
  (p) the same text through prometheus_client (GaugeMetricFamily + generate_latest),
      which this replaced;
  (b) the raw baseline: the same lines written with one f-string each and joined
      (no escaping, no checks for unknown values, no grouping by family).

Prints a (target <= 100 ms) and a/b. Between samples a scrape costs less still:
MetricsExporter keeps the text of the last sample and only compares sequence numbers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prometheus_client import CollectorRegistry, generate_latest  # noqa: E402
from prometheus_client.core import GaugeMetricFamily  # noqa: E402

from kafka_io.exporter.families import FAMILIES, Families, exposition  # noqa: E402
from kafka_io.groups.lag_math import TimeLag  # noqa: E402
from kafka_io.groups.status import Status  # noqa: E402

GROUPS, PARTITIONS_PER_GROUP = 300, 18  # 5,400 committed partitions


def health(group_count: int = GROUPS, partitions_per_group: int = PARTITIONS_PER_GROUP):
    groups = []
    for g in range(group_count):
        parts = [
            SimpleNamespace(
                topic=f"topic-{(g * 3 + i // 6) % 2000:04d}",
                partition=i % 6,
                committed=1_000_000 + i,
                high=1_000_500 + i,
                lag=500,
                time_lag=TimeLag(12.5 + i, False),
            )
            for i in range(partitions_per_group)
        ]
        groups.append(
            SimpleNamespace(
                group_id=f"group-{g:03d}",
                status=Status.OK,
                partitions=parts,
                time_lag=TimeLag(30.0, False),
                eta_s=60.0,
            )
        )
    return groups


class _Collector:
    """Our lines as prometheus_client families: what a client-library exporter would do."""

    def __init__(self, groups) -> None:
        self.groups = groups

    def collect(self):
        families = Families()
        families.add_cluster("prod", self.groups, {})
        for name, doc in FAMILIES.items():
            family = GaugeMetricFamily(name, doc, labels=["cluster_name", "group", "topic", "partition"])
            for line in families.lines[name]:
                labels, value = line.rsplit(" ", 1)
                values = [part.split("=", 1)[1].strip('"') for part in labels.strip("{}").split(",")][:4]
                family.add_metric(values + [""] * (4 - len(values)), float(value))
            yield family


def ours(groups) -> bytes:
    return exposition([("prod", groups, {})])


def through_client(groups) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(groups))
    return generate_latest(registry)


def raw(groups) -> bytes:
    """The same lines, with no escaping, no None checks and no grouping by family."""
    lines = []
    for g in groups:
        gl = f'cluster_name="prod",group="{g.group_id}"'
        for p in g.partitions:
            labels = f'{gl},topic="{p.topic}",partition="{p.partition}"'
            lines.append(f"kafka_consumergroup_group_offset{{{labels}}} {p.committed}")
            lines.append(f"kafka_consumergroup_group_lag{{{labels}}} {p.lag}")
            lines.append(f"kafka_consumergroup_group_lag_seconds{{{labels}}} {p.time_lag.seconds}")
            lines.append(
                f'kafka_partition_latest_offset{{cluster_name="prod",topic="{p.topic}",partition="{p.partition}"}} {p.high}'
            )
        lags = [p.lag for p in g.partitions]
        lines.append(f"kafka_consumergroup_group_sum_lag{{{gl}}} {sum(lags)}")
        lines.append(f"kafka_consumergroup_group_max_lag{{{gl}}} {max(lags)}")
        lines.append(
            f"kafka_consumergroup_group_max_lag_seconds{{{gl}}} {max(p.time_lag.seconds for p in g.partitions)}"
        )
        lines.extend(f'kdash_consumergroup_status{{{gl},status="{s.value}"}} {int(g.status is s)}' for s in Status)
        lines.append(f"kdash_consumergroup_eta_seconds{{{gl}}} {g.eta_s}")
    return "\n".join(lines).encode()


def median_s(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--groups", type=int, default=GROUPS)
    parser.add_argument("--partitions", type=int, default=PARTITIONS_PER_GROUP, help="committed partitions a group")
    args = parser.parse_args()
    groups = health(args.groups, args.partitions)
    target_ms = 100 if args.groups * args.partitions <= GROUPS * PARTITIONS_PER_GROUP else 300
    a = median_s(lambda: ours(groups), args.runs)
    b = median_s(lambda: raw(groups), args.runs)
    p = median_s(lambda: through_client(groups), max(3, args.runs // 2))
    size = len(ours(groups))
    print(f"{args.groups:,} groups x {args.groups * args.partitions:,} partitions, {size / 1e6:.1f} MB of text")
    print(f"(a) scrape after a new sample: {a * 1000:.1f} ms (target <= {target_ms} ms)")
    print(f"(p) via prometheus_client:     {p * 1000:.1f} ms")
    print(f"(b) raw f-string baseline:     {b * 1000:.1f} ms")
    print(f"a/b = {a / b:.2f}   p/a = {p / a:.1f}")


if __name__ == "__main__":
    main()
