"""Topics at scale: our snapshot vs the minimal raw confluent-kafka calls, and
the Topics page in Chromium.

    .venv/bin/python bench/topics_scale.py [--topics 2000] [--partitions 6] [--runs 7] [--browser-runs 3]

Starts its own local broker (noida-db, or Apache Kafka with --engine apache;
free port, temporary data dir, stopped at the end), creates TOPICS x PARTITIONS with one message per partition, then in the
same run times, as medians:
  - ours: kafka_io.topics.snapshot.cluster_snapshot (frozen dataclasses, errors carried);
  - raw:  list_topics + list_offsets earliest + list_offsets latest for all
          partitions (both requests in flight at once, as ours), summed per topic;
and prints ours/raw (target <= 1.3x). Then `streamlit run app.py` against that
broker and Chromium (Playwright, /usr/bin/chromium): seconds from navigation
to /topics until the table is visible (target <= 3 s), median of the runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchlib import add_engine_arg, fresh_broker  # noqa: E402
from confluent_kafka import Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec  # noqa: E402

from kafka_io._client import Connection, make_admin  # noqa: E402
from kafka_io.config import load_settings  # noqa: E402
from kafka_io.topics.details import topic_configs  # noqa: E402
from kafka_io.topics.snapshot import cluster_snapshot  # noqa: E402

CREATE_BATCH = 250
TIMEOUT_S = 30.0
TARGET_RATIO = 1.3
TARGET_PAGE_S = 3.0
PAGE_CACHE_TTL_S = 5  # dashboard.resources.SNAPSHOT_TTL_S (importing it outside a server only warns)


def create_topics(bootstrap: str, topics: int, partitions: int) -> list[str]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = [f"bench-{i:05d}" for i in range(topics)]
    for start in range(0, topics, CREATE_BATCH):
        batch = [NewTopic(n, partitions, 1) for n in names[start : start + CREATE_BATCH]]
        for future in admin.create_topics(batch, operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S).values():
            future.result(timeout=TIMEOUT_S)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for name in names:
        for p in range(partitions):
            producer.produce(name, value=b'{"type":"bench"}', partition=p)
        producer.poll(0)
    assert producer.flush(TIMEOUT_S) == 0, "messages not delivered"
    return names


def raw_snapshot(admin: AdminClient, timeout_s: float) -> dict[str, int]:
    """The least work that yields the same numbers: Σ(high − low) per topic."""
    metadata = admin.list_topics(timeout=timeout_s)
    tps = [(n, p) for n, t in metadata.topics.items() if not n.startswith("__") for p in t.partitions]
    lows = admin.list_offsets({TopicPartition(n, p): OffsetSpec.earliest() for n, p in tps}, request_timeout=timeout_s)
    highs = admin.list_offsets({TopicPartition(n, p): OffsetSpec.latest() for n, p in tps}, request_timeout=timeout_s)
    low = {(tp.topic, tp.partition): f.result().offset for tp, f in lows.items()}
    messages: dict[str, int] = {}
    for tp, f in highs.items():
        messages[tp.topic] = messages.get(tp.topic, 0) + f.result().offset - low[(tp.topic, tp.partition)]
    return messages


def time_api(bootstrap: str, runs: int) -> tuple[float, float, float]:
    settings = load_settings(env={"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_TIMEOUT_S": str(TIMEOUT_S)})
    ours_admin = make_admin(settings)
    raw_admin = AdminClient({"bootstrap.servers": bootstrap})
    expected = raw_snapshot(raw_admin, TIMEOUT_S)  # warm-up both clients, and a correctness check
    snap = cluster_snapshot(Connection(ours_admin, settings))
    assert {t.name: t.messages for t in snap.topics} == expected, "ours and raw disagree"
    ours, raw = [], []
    for i in range(runs):
        order = [
            ("ours", lambda: cluster_snapshot(Connection(ours_admin, settings))),
            ("raw", lambda: raw_snapshot(raw_admin, TIMEOUT_S)),
        ]
        for label, call in order if i % 2 == 0 else reversed(order):
            started = time.perf_counter()
            call()
            (ours if label == "ours" else raw).append(time.perf_counter() - started)
    names = [t.name for t in snap.topics]
    started = time.perf_counter()
    configs = topic_configs(Connection(ours_admin, settings), names)
    configs_s = time.perf_counter() - started
    assert len(configs) == len(names) and not any(c.error for c in configs.values())
    return statistics.median(ours), statistics.median(raw), configs_s


def time_page(bootstrap: str, topics: int, runs: int) -> tuple[float, list[float]]:
    """(first load on a fresh server, later loads with fresh sessions after the snapshot TTL)."""
    from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, StreamlitServer
    from playwright.sync_api import sync_playwright

    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("KAFKA_")}
    env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    log = Path(tempfile.mkdtemp(prefix="bench-streamlit-")) / "streamlit.log"
    server = StreamlitServer(env, log)
    loads = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for i in range(runs + 1):
                    if i:
                        time.sleep(PAGE_CACHE_TTL_S + 1)  # the snapshot is fetched again, as for a new viewer
                    context = browser.new_context(viewport={"width": 1400, "height": 900})
                    page = context.new_page()
                    started = time.perf_counter()
                    page.goto(f"{server.url}/topics")
                    page.get_by_text(f"{topics:,} of {topics:,} topic(s)").wait_for(timeout=60_000)
                    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible", timeout=60_000)
                    loads.append(time.perf_counter() - started)
                    context.close()
            finally:
                browser.close()
    finally:
        server.stop()
    return loads[0], loads[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topics", type=int, default=2000)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--browser-runs", type=int, default=3)
    add_engine_arg(parser)
    args = parser.parse_args()
    print(f"engine: {args.engine}")
    with (
        tempfile.TemporaryDirectory(prefix="bench-topics-") as tmp,
        fresh_broker(Path(tmp), "data", args.engine) as status,
    ):
        started = time.perf_counter()
        create_topics(status.bootstrap, args.topics, args.partitions)
        print(f"setup: {args.topics} topics x {args.partitions} partitions in {time.perf_counter() - started:.1f} s")
        ours_s, raw_s, configs_s = time_api(status.bootstrap, args.runs)
        ratio = ours_s / raw_s
        print(
            f"snapshot ({args.topics * args.partitions} partitions), median of {args.runs}: "
            f"ours {ours_s * 1000:.0f} ms, raw {raw_s * 1000:.0f} ms, ratio {ratio:.2f}x "
            f"(target <= {TARGET_RATIO}x) {'OK' if ratio <= TARGET_RATIO else 'OVER'}"
        )
        print(
            f"topic configs (one describe_configs for {args.topics} topics, cached 30 s by the page): "
            f"{configs_s * 1000:.0f} ms"
        )
        if args.browser_runs:
            first_s, loads = time_page(status.bootstrap, args.topics, args.browser_runs)
            median_s = statistics.median(loads)
            print(
                f"topics page in Chromium, navigation -> table visible: first load on a fresh server "
                f"{first_s:.2f} s; median of {len(loads)} later loads {median_s:.2f} s "
                f"({', '.join(f'{s:.2f}' for s in loads)}) (target <= {TARGET_PAGE_S} s) "
                f"{'OK' if median_s <= TARGET_PAGE_S else 'OVER'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
