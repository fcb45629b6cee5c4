"""PURE: Prometheus text (exposition format 0.0.4) of the clusters' latest samples.

Names and labels follow kafka-lag-exporter (``kafka_consumergroup_group_lag``
and friends, ``cluster_name, group, topic, partition``); ours are prefixed
``kdash_``. Unknown values (no commit, no time lag yet) are left out, never
exported as 0: a Grafana panel then shows a gap, not a false "caught up".

Written here rather than with prometheus_client's generate_latest, which took
10.8 times as long for the 24,600 samples of 300 groups x 5,400 partitions
(261 ms against 24 ms; bench/metrics_scrape.py, docs/performance.md). The tests check the text with
prometheus_client's own parser, and a real Prometheus scrapes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from kafka_io.groups.status import Status

__all__ = ["FAMILIES", "Families", "exposition"]

# name -> help text; the output lists them in this order, each once, whatever the cluster count.
FAMILIES = {
    "kafka_consumergroup_group_offset": "Last committed offset of a group's partition",
    "kafka_consumergroup_group_lag": "Messages behind the partition's end (high watermark)",
    "kafka_consumergroup_group_lag_seconds": "Estimated seconds behind the partition's end",
    "kafka_consumergroup_group_sum_lag": "Sum of the group's partition lags",
    "kafka_consumergroup_group_max_lag": "Largest partition lag of the group",
    "kafka_consumergroup_group_max_lag_seconds": "Largest partition lag of the group, in seconds",
    "kafka_partition_latest_offset": "High watermark of a partition",
    "kafka_partition_earliest_offset": "Low watermark of a partition",
    "kdash_consumergroup_status": "1 for the group's current status (OK, WARN, STALL, STOP, REWIND, UNKNOWN)",
    "kdash_consumergroup_eta_seconds": "Seconds until the group catches up at current rates",
}


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


class Families:
    """Sample lines per metric name, added cluster by cluster, then ``exposition()``."""

    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = {name: [] for name in FAMILIES}

    def add_cluster(self, cluster_name: str, health: Iterable, earliest: Mapping[tuple[str, int], int]) -> None:
        """``health``: GroupHealth values (their partitions' committed, high, lag and time
        lag); ``earliest``: low watermarks by (topic, partition)."""
        out = self.lines
        cluster = _label(cluster_name)
        latest: dict[tuple[str, int], int] = {}
        for group in health:
            g = f'cluster_name="{cluster}",group="{_label(group.group_id)}"'
            for p in group.partitions:
                labels = f'{g},topic="{_label(p.topic)}",partition="{p.partition}"'
                if p.committed is not None:
                    out["kafka_consumergroup_group_offset"].append(f"{{{labels}}} {_number(p.committed)}")
                if p.lag is not None:
                    out["kafka_consumergroup_group_lag"].append(f"{{{labels}}} {_number(p.lag)}")
                if p.time_lag.seconds is not None:
                    out["kafka_consumergroup_group_lag_seconds"].append(f"{{{labels}}} {_number(p.time_lag.seconds)}")
                if p.high is not None:
                    latest[(p.topic, p.partition)] = p.high
            known = [p.lag for p in group.partitions if p.lag is not None]
            if known:
                out["kafka_consumergroup_group_sum_lag"].append(f"{{{g}}} {sum(known)}")
                out["kafka_consumergroup_group_max_lag"].append(f"{{{g}}} {max(known)}")
            behind = [p.time_lag.seconds for p in group.partitions if p.lag]
            if None not in behind:  # one lagging partition of unknown seconds makes the maximum unknown
                out["kafka_consumergroup_group_max_lag_seconds"].append(f"{{{g}}} {_number(max(behind, default=0.0))}")
            for status in Status:
                out["kdash_consumergroup_status"].append(
                    f'{{{g},status="{status.value}"}} {1 if group.status is status else 0}'
                )
            if group.eta_s is not None:
                out["kdash_consumergroup_eta_seconds"].append(f"{{{g}}} {_number(group.eta_s)}")
        for (topic, partition), high in sorted(latest.items()):
            labels = f'cluster_name="{cluster}",topic="{_label(topic)}",partition="{partition}"'
            out["kafka_partition_latest_offset"].append(f"{{{labels}}} {high}")
            if (topic, partition) in earliest:
                out["kafka_partition_earliest_offset"].append(f"{{{labels}}} {earliest[(topic, partition)]}")

    def exposition(self) -> bytes:
        text = []
        for name, help_text in FAMILIES.items():
            text.append(f"# HELP {name} {help_text}\n# TYPE {name} gauge\n")
            text.extend(f"{name}{line}\n" for line in self.lines[name])
        return "".join(text).encode()


def exposition(clusters: Iterable[tuple[str, Iterable, Mapping[tuple[str, int], int]]]) -> bytes:
    """The text of (cluster name, group health, low watermarks) for each cluster."""
    families = Families()
    for cluster_name, health, earliest in clusters:
        families.add_cluster(cluster_name, health, earliest)
    return families.exposition()
