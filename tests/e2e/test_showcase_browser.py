"""One broker and one app of this module's own, with realistic data ("orders",
"payments", "clicks", three consumer groups), for two things the session
broker cannot give cleanly:

1. A screenshot of every page (test-artifacts/screenshot-*.png; the
   docs/*.png the README and docs/pages.md show are copies of these), taken first while the seeded history is fresh.
2. Viewer load: 8 Chromium tabs on the consumer-groups page (20 with
   KDASH_SHOWCASE_VIEWERS=20, the figure in docs/performance.md), each
   auto-refreshing every sampling interval (1 s), cost the admin requests of one
   tab. Eight prove it as well as twenty (one request per viewer would be 8x),
   at a third of the CPU that make test's two passes side by side share. Counted over the same number of intervals, twice:
   - at the kafka_io boundary: the page's caption shows the sample number and
     the process-wide count of admin calls (_client.CountingAdmin) when that
     sample ended, so requests per sample = delta count / delta sample;
   - through the broker: noida-db's activity log lists each ListGroups it
     served (one per lag sample), stamped to the second; nothing else talks
     to this broker.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import time
from dataclasses import dataclass

import pytest
from confluent_kafka import Producer
from support.browser import real_console_errors, wait_for_app
from support.faults import dedicated_broker
from support.kafka import TIMEOUT_S, commit_offsets, create_topic

from kafka_io.local.noida import binary_path

INTERVAL_S = 1
VIEWERS = int(os.environ.get("KDASH_SHOWCASE_VIEWERS", "8"))
WINDOW_S = 5
MAX_RATIO = 1.2
CAPTION = re.compile(r"sample (\d+) cost (\d+) admin requests · ([\d,]+) by this app")
UI_TIMEOUT_MS = 30_000

TOPICS = {
    "orders": (3, ("order_created", "order_paid", "order_shipped")),
    "payments": (2, ("payment_ok", "payment_failed")),
    "clicks": (1, ("page_view", "add_to_cart", "search")),
}
HISTORY_S = 270  # events spread over most of the chart's 5 min window: it has a shape


@dataclass(frozen=True)
class Showcase:
    bootstrap: str
    data_dir: object
    url: str
    events: int


def seed(bootstrap: str) -> dict[str, dict[int, int]]:
    """Topics with typed JSON events at a varying rate; returns the end offsets."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    now_ms = int(time.time() * 1000)
    ends: dict[str, dict[int, int]] = {}
    for name, (partitions, types) in TOPICS.items():
        create_topic(bootstrap, name, partitions)
        ends[name] = dict.fromkeys(range(partitions), 0)
        for second in range(HISTORY_S):
            for t, event_type in enumerate(types):
                rate = max(int((5 - 2 * t) * (1.2 + math.sin(second / 20 + t))), 0)
                for i in range(rate):
                    partition = (second + i) % partitions
                    value = {"event_type": event_type, "id": f"{name[0]}-{second}-{t}-{i}", "amount": 10 + i}
                    producer.produce(
                        name,
                        json.dumps(value).encode(),
                        partition=partition,
                        timestamp=now_ms - (HISTORY_S - second) * 1000,
                    )
                    ends[name][partition] += 1
    assert producer.flush(TIMEOUT_S) == 0
    return ends


@pytest.fixture(scope="module")
def showcase(tmp_path_factory, e2e_env, start_module_server):
    data = tmp_path_factory.mktemp("showcase")
    with dedicated_broker(data) as (bootstrap, _pid):
        ends = seed(bootstrap)
        lagging = {p: n * 55 // 100 for p, n in ends["orders"].items()}
        commit_offsets(bootstrap, "billing", "orders", lagging)
        commit_offsets(bootstrap, "analytics", "clicks", ends["clicks"])
        commit_offsets(bootstrap, "fraud-check", "payments", {p: n * 9 // 10 for p, n in ends["payments"].items()})
        srv = start_module_server(
            {**e2e_env, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_LAG_INTERVAL_S": str(INTERVAL_S)}
        )
        yield Showcase(bootstrap, data / "broker", srv.url, sum(sum(e.values()) for e in ends.values()))


# --- screenshots -------------------------------------------------------------------


def test_a_screenshot_of_every_page(showcase, page, artifacts):
    def shoot(name: str) -> None:
        wait_for_app(page)
        page.screenshot(path=str(artifacts / f"screenshot-{name}.png"))

    page.goto(showcase.url)
    # Green on the first sample; orange ("N groups stopped · brokers and partitions are fine") once judged.
    page.get_by_text(re.compile(r"^Healthy: 1 broker| · brokers and partitions are fine")).first.wait_for(
        timeout=UI_TIMEOUT_MS
    )
    shoot("overview")

    page.goto(f"{showcase.url}/topics?topic=orders")
    page.get_by_role("heading", name="Topic orders").wait_for(timeout=UI_TIMEOUT_MS)
    shoot("topics")

    page.goto(f"{showcase.url}/consumer_groups")
    page.get_by_text("3 groups: STOP 2 · OK 1").wait_for(timeout=UI_TIMEOUT_MS)  # after 2 samples
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    shoot("consumer_groups")

    page.goto(f"{showcase.url}/produce?topic=orders")
    page.get_by_role("tab", name="Template burst").click()
    page.get_by_text("Preview of the first 3 events").wait_for(timeout=UI_TIMEOUT_MS)
    template = page.get_by_label("Template", exact=True)  # widgets draw lazily: wait for the text itself
    page.wait_for_function("el => el.value.includes('user_signup')", arg=template.element_handle())
    page.get_by_role("button", name="Start burst").wait_for()
    shoot("produce")

    topics = "&".join(f"topic={name}" for name in TOPICS)
    page.goto(f"{showcase.url}/live_events?{topics}&from=earliest")
    seen = page.get_by_test_id("stMetric").filter(has_text="Events seen")
    seen.get_by_text(f"{showcase.events:,}", exact=True).wait_for(timeout=UI_TIMEOUT_MS)
    chart = page.locator('[data-testid="stVegaLiteChart"]')
    page.get_by_role("heading", name="Live tail").scroll_into_view_if_needed()
    chart.scroll_into_view_if_needed()
    shoot("live_events")
    assert real_console_errors(page) == []


# --- viewer load -------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    samples: int
    admin_requests: int
    broker_list_groups: int
    broker_seconds: int

    @property
    def requests_per_sample(self) -> float:
        return self.admin_requests / self.samples

    @property
    def list_groups_per_interval(self) -> float:
        return self.broker_list_groups / self.broker_seconds * INTERVAL_S


def caption(tab) -> tuple[int, int]:
    """(sample number, process-wide admin requests when it ended), as the tab shows them."""
    seq, _, total = CAPTION.search(tab.get_by_text(CAPTION).inner_text(timeout=UI_TIMEOUT_MS)).groups()
    return int(seq), int(total.replace(",", ""))


def next_sample(tab) -> tuple[int, int, float]:
    """Wait until the tab shows a newer sample: (sample, admin requests, when seen)."""
    seq, _ = caption(tab)
    deadline = time.monotonic() + 10 * INTERVAL_S
    while time.monotonic() < deadline:
        now = caption(tab)
        if now[0] > seq:
            return *now, time.time()
        time.sleep(0.05)
    raise AssertionError(f"no new sample shown within {10 * INTERVAL_S} s")


def broker_list_groups(data_dir, start_s: float, end_s: float) -> tuple[int, int]:
    """ListGroups the broker logged in the whole seconds within [start_s, end_s], and how many seconds."""
    first, last = math.ceil(start_s), math.floor(end_s)
    stamps = {time.strftime("%H:%M:%S", time.localtime(s)) for s in range(first, last)}
    out = subprocess.run(
        [str(binary_path()), "activity", "--data-dir", str(data_dir)], capture_output=True, text=True, timeout=10
    ).stdout
    lines = [line.split() for line in out.splitlines()]
    return sum(1 for words in lines if words[:1] and words[0] in stamps and "ListGroups" in words), last - first


def measure(tab, data_dir) -> Window:
    seq0, total0, t0 = next_sample(tab)
    time.sleep(WINDOW_S)
    seq1, total1, t1 = next_sample(tab)
    count, seconds = broker_list_groups(data_dir, t0, t1)
    return Window(seq1 - seq0, total1 - total0, count, seconds)


def test_many_viewers_cost_the_admin_requests_of_one(showcase, browser, artifacts):
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        first = context.new_page()
        first.console_errors = []
        first.on("console", lambda m: m.type == "error" and first.console_errors.append(m.text))
        first.goto(f"{showcase.url}/consumer_groups")
        one = measure(first, showcase.data_dir)

        tabs = [first]
        for _ in range(VIEWERS - 1):
            tab = context.new_page()
            tab.evaluate("url => { location.href = url; }", f"{showcase.url}/consumer_groups")  # no wait: load together
            tabs.append(tab)
        opened = [caption(tab)[0] for tab in tabs]  # every tab has drawn its table
        many = measure(first, showcase.data_dir)
        shown = [caption(tab)[0] for tab in tabs]
        assert real_console_errors(first) == []
    finally:
        context.close()
    report = (
        f"viewer load, {INTERVAL_S} s interval, {WINDOW_S} s window: 1 viewer {one.requests_per_sample:.2f} "
        f"admin requests/sample ({one}), {one.list_groups_per_interval:.2f} ListGroups/interval; {VIEWERS} "
        f"viewers {many.requests_per_sample:.2f} admin requests/sample ({many}), "
        f"{many.list_groups_per_interval:.2f} ListGroups/interval"
    )
    (artifacts / "viewer-load.txt").write_text(report + "\n")
    print(f"\n{report}")
    # Every tab kept auto-refreshing through the window: each shows a newer sample than when it opened.
    assert all(now > then for now, then in zip(shown, opened)), (opened, shown)
    # The sampler kept its pace under every viewer, so a sample is an interval.
    assert min(one.samples, many.samples) >= WINDOW_S / INTERVAL_S - 1
    assert many.requests_per_sample <= MAX_RATIO * one.requests_per_sample
    assert many.list_groups_per_interval <= MAX_RATIO * one.list_groups_per_interval
