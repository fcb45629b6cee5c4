"""The dashboard's own /metrics (an st.App route on its port): served by a fresh
server before any page is opened (the lag sampler starts with the server), with
kafka-lag-exporter's names, and the same bearer-token rule as `watch`."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from support.kafka import commit_offsets, create_topic, produce

WAIT_S = 40


def get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_a_fresh_server_exports_lag_before_any_page_view(start_server, e2e_env, kafka_bootstrap, unique, page):
    topic, group = unique("route-metrics"), unique("route-metrics-group")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 7})
    commit_offsets(kafka_bootstrap, group, topic, {0: 2})
    server = start_server({**e2e_env, "KAFKA_LAG_INTERVAL_S": "1", "KDASH_METRICS_TOKEN": "scrape-me"})
    line = f'kafka_consumergroup_group_lag{{cluster_name="default",group="{group}",topic="{topic}",partition="0"}} 5\n'
    deadline = time.monotonic() + WAIT_S
    while line not in get(f"{server.url}/metrics", token="scrape-me")[1]:
        assert time.monotonic() < deadline, f"no {line!r} on /metrics within {WAIT_S} s"
        time.sleep(0.5)
    assert get(f"{server.url}/metrics")[0] == 401
    # The pages still work on the same server (and share its sampler).
    page.goto(f"{server.url}/consumer_groups?group={group}")
    page.get_by_text(group).first.wait_for(timeout=30_000)
    assert "Traceback" not in page.content()
