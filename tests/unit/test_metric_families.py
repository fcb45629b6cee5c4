"""Table tests for the Prometheus text of /metrics (kafka_io.exporter.families):
kafka-lag-exporter's names and labels, unknown values left out, never 0, and
text that prometheus_client's own parser reads back."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kafka_io.exporter.families import FAMILIES, exposition
from kafka_io.groups.lag_math import TimeLag
from kafka_io.groups.status import Status


def part(topic, n, committed, high, lag, seconds):
    return SimpleNamespace(
        topic=topic, partition=n, committed=committed, high=high, lag=lag, time_lag=TimeLag(seconds, False)
    )


def group(group_id, status, partitions, seconds=None, eta_s=None):
    return SimpleNamespace(
        group_id=group_id, status=status, partitions=partitions, time_lag=TimeLag(seconds, False), eta_s=eta_s
    )


def render(health, earliest=None, cluster="prod") -> dict[str, float]:
    """{'name{label="v",...}': value}, read back with prometheus_client's parser, labels sorted."""
    text = exposition([(cluster, health, earliest or {})]).decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}"] = sample.value
    return out


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


G = 'cluster_name="prod",group="billing"'
P0 = f'{G},partition="0",topic="orders"'
P1 = f'{G},partition="1",topic="orders"'
BILLING = group(
    "billing",
    Status.WARN,
    [part("orders", 0, 40, 100, 60, 12.5), part("orders", 1, 7, 7, 0, 0.0)],
    seconds=12.5,
    eta_s=30.0,
)

CASES = [
    # 1-3. per partition: offset, lag and seconds
    pytest.param(f"kafka_consumergroup_group_offset{{{P0}}}", 40.0, id="01-offset"),
    pytest.param(f"kafka_consumergroup_group_lag{{{P0}}}", 60.0, id="02-lag"),
    pytest.param(f"kafka_consumergroup_group_lag_seconds{{{P0}}}", 12.5, id="03-lag-seconds"),
    # 4-6. per group
    pytest.param(f"kafka_consumergroup_group_sum_lag{{{G}}}", 60.0, id="04-sum"),
    pytest.param(f"kafka_consumergroup_group_max_lag{{{G}}}", 60.0, id="05-max"),
    pytest.param(f"kafka_consumergroup_group_max_lag_seconds{{{G}}}", 12.5, id="06-max-seconds"),
    # 7-8. partition offsets, deduplicated across groups
    pytest.param('kafka_partition_latest_offset{cluster_name="prod",partition="0",topic="orders"}', 100.0, id="07"),
    pytest.param('kafka_partition_earliest_offset{cluster_name="prod",partition="0",topic="orders"}', 3.0, id="08"),
    # 9-11. ours: the status is one-hot, ETA in seconds
    pytest.param(f'kdash_consumergroup_status{{{G},status="WARN"}}', 1.0, id="09-current-status"),
    pytest.param(f'kdash_consumergroup_status{{{G},status="OK"}}', 0.0, id="10-other-status"),
    pytest.param(f"kdash_consumergroup_eta_seconds{{{G}}}", 30.0, id="11-eta"),
]


@pytest.mark.parametrize("sample, value", CASES)
def test_kafka_lag_exporter_names_and_values(sample, value):
    assert render([BILLING], {("orders", 0): 3})[sample] == value


def test_unknown_values_are_left_out_not_zero():
    fresh = group("new", Status.UNKNOWN, [part("t", 0, None, 50, None, None), part("t", 1, 5, 9, 4, None)])
    samples = render([fresh])
    g = 'cluster_name="prod",group="new"'
    assert f'kafka_consumergroup_group_offset{{{g},partition="0",topic="t"}}' not in samples  # no commit
    assert f'kafka_consumergroup_group_lag{{{g},partition="0",topic="t"}}' not in samples
    assert f'kafka_consumergroup_group_lag_seconds{{{g},partition="1",topic="t"}}' not in samples
    assert f"kafka_consumergroup_group_max_lag_seconds{{{g}}}" not in samples  # a lagging partition is unknown
    assert samples[f"kafka_consumergroup_group_sum_lag{{{g}}}"] == 4.0
    assert f"kdash_consumergroup_eta_seconds{{{g}}}" not in samples
    assert 'kafka_partition_earliest_offset{cluster_name="prod",partition="0",topic="t"}' not in samples


def test_label_values_are_escaped():
    odd = group('we"ird\\group', Status.OK, [part("t", 0, 1, 1, 0, 0.0)])
    assert 'kafka_consumergroup_group_sum_lag{cluster_name="prod",group="we\\"ird\\\\group"}' in render([odd])


def test_two_clusters_share_each_family_once():
    text = exposition([("prod", [BILLING], {}), ("dev", [BILLING], {})]).decode()
    for name in FAMILIES:
        assert text.count(f"# TYPE {name} gauge\n") == 1
    families = {f.name: f for f in text_string_to_metric_families(text)}
    lags = families["kafka_consumergroup_group_sum_lag"].samples
    assert sorted((s.labels["cluster_name"], s.value) for s in lags) == [("dev", 60.0), ("prod", 60.0)]
