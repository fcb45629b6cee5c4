"""/metrics of the headless `watch` command: kafka-lag-exporter's names with exact
values from the real broker, the optional bearer token, and a real Prometheus
server (Debian's `prometheus`) that scrapes it and answers a PromQL query with
the exact lag. The dashboard's own /metrics route is checked in the browser tier
(tests/e2e/test_metrics_browser.py), on the server the pages use.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.kafka import commit_offsets, create_topic, produce
from support.ports import free_port

from kafka_io.cluster import Cluster
from kafka_io.exporter.exporter import MetricsExporter, earliest_offsets
from kafka_io.groups.sampler import lag_sampler

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
WAIT_S = 40


def get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def until(check, what: str, timeout_s: float = WAIT_S):
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:g} s: {what}")
        time.sleep(0.3)


def samples(text: str) -> dict[str, float]:
    """{'name{label="v",...}': value} read with prometheus_client's parser, labels sorted."""
    return {
        s.name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items())) + "}": s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def watch(cluster_env, tmp_path):
    started = []

    def start(**env_extra) -> str:
        port = free_port()
        log = open(tmp_path / f"watch-{port}.log", "wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "kafka_io", "watch", "--port", str(port)],
            cwd=ROOT,
            env={**cluster_env, "KAFKA_LAG_INTERVAL_S": "1", **env_extra},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        until(lambda: get(f"{url}/healthz")[0] == 200, "watch answers /healthz")
        return url

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def lagging_group(kafka_bootstrap, unique):
    topic, group = unique("metrics"), unique("metrics-group")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 10, 1: 5})
    commit_offsets(kafka_bootstrap, group, topic, {0: 4, 1: 5})
    return topic, group


def test_watch_exports_kafka_lag_exporter_metrics_with_exact_values(watch, lagging_group, settings):
    topic, group = lagging_group
    url = watch()
    p0 = f'cluster_name="{settings.name}",group="{group}",partition="0",topic="{topic}"'
    p1 = f'cluster_name="{settings.name}",group="{group}",partition="1",topic="{topic}"'
    g = f'cluster_name="{settings.name}",group="{group}"'
    found = until(
        lambda: (s := samples(get(f"{url}/metrics")[1])) and f"kafka_consumergroup_group_lag{{{p0}}}" in s and s, "lag"
    )
    assert found[f"kafka_consumergroup_group_offset{{{p0}}}"] == 4
    assert found[f"kafka_consumergroup_group_offset{{{p1}}}"] == 5
    assert found[f"kafka_consumergroup_group_lag{{{p0}}}"] == 6
    assert found[f"kafka_consumergroup_group_lag{{{p1}}}"] == 0
    assert found[f"kafka_consumergroup_group_sum_lag{{{g}}}"] == 6
    assert found[f"kafka_consumergroup_group_max_lag{{{g}}}"] == 6
    assert found[f'kafka_partition_latest_offset{{cluster_name="{settings.name}",partition="0",topic="{topic}"}}'] == 10
    assert (
        found[f'kdash_consumergroup_status{{{g},status="OK"}}']
        + found[f'kdash_consumergroup_status{{{g},status="STOP"}}']
        == 1
    )
    earliest = f'kafka_partition_earliest_offset{{cluster_name="{settings.name}",partition="0",topic="{topic}"}}'
    assert until(lambda: samples(get(f"{url}/metrics")[1]).get(earliest) == 0.0 or None, "earliest offset") is True


def test_a_metrics_token_is_required_when_set(watch):
    url = watch(KDASH_METRICS_TOKEN="s3cret-scrape-token")
    assert get(f"{url}/metrics")[0] == 401
    assert get(f"{url}/metrics", token="wrong")[0] == 401
    status, body = get(f"{url}/metrics", token="s3cret-scrape-token")
    assert status == 200 and "# TYPE kafka_consumergroup_group_lag gauge" in body


@pytest.mark.skipif(
    not Path(PROMETHEUS).exists(), reason="Debian's prometheus is not installed (make test installs it)"
)
def test_a_real_prometheus_scrapes_the_exact_lag(watch, lagging_group, tmp_path, settings):
    topic, group = lagging_group
    url = watch()
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: kdash\n    static_configs: [{{targets: ['{url.removeprefix('http://')}']}}]\n"
    )
    log = open(tmp_path / "prometheus.log", "wb")
    prometheus = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        query = f'kafka_consumergroup_group_lag{{cluster_name="{settings.name}",group="{group}",topic="{topic}",partition="0"}}'
        api = f"http://127.0.0.1:{port}/api/v1/query?query={urllib.parse.quote(query)}"

        def answered():
            status, body = get(api)
            if status == 503:  # "Service Unavailable" until its storage is ready: slow on a loaded machine
                return None
            result = json.loads(body)["data"]["result"]
            return result[0]["value"][1] if result else None

        assert until(answered, "Prometheus answers the PromQL query", timeout_s=60) == "6"
    finally:
        prometheus.terminate()
        prometheus.wait(timeout=15)


def test_while_scraped_each_new_sample_is_rendered_before_the_next_scrape(lagging_group, settings):
    """Issue #25: at 10,000 groups the text is 43 MB and ~0.7 s to render; once something
    scrapes, each new sample's text is rendered in the background, so a scrape only reads it."""
    settings = replace(settings, name="warm-metrics")
    with Cluster(settings) as cluster:
        sampler = lag_sampler(cluster)
        exporter = MetricsExporter(lambda: [cluster]).start()
        try:
            sampler.wait_first(WAIT_S)
            # The low watermarks are read in the background after the first sample, and a new
            # version of them is rendered too: wait for it, or it may land between the two reads
            # below (as on a loaded clean-clone run, 2026-12-08). The next read is 30 s away.
            earliest = earliest_offsets(cluster)
            until(lambda: earliest.version > 0, "the low watermarks read")
            assert exporter.held() is None  # nobody scraped yet: nothing rendered
            first = exporter.render()
            (_, sequence, _), *_ = exporter.held()
            sampler.refresh()  # a new sample, and no scrape
            until(lambda: exporter.held()[0][1] > sequence, "the new sample rendered without a scrape")
            held = exporter.held()
            body = exporter.render()
            # The scrape read what was rendered ahead (unless yet another sample landed meanwhile).
            assert exporter.held() == held or (sampler.latest().sequence, earliest.version) != held[0][1:]
            topic, group = lagging_group
            key = f'kafka_consumergroup_group_lag{{cluster_name="warm-metrics",group="{group}",partition="0",topic="{topic}"}}'
            assert samples(body.decode())[key] == samples(first.decode())[key] == 6
        finally:
            exporter.close()  # before the cluster closes: nothing renders a closed one
