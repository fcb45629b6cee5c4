"""Soak: the dashboard under steady traffic for a long time (not part of `make test`).

    .venv/bin/python bench/soak.py [--minutes 30] [--rate 1000] [--sample-s 30]

Starts its own embedded broker (free port, temporary data dir, stopped at the
end), produces RATE JSON events/s to `soak.events` (6 partitions, 5-minute
retention so the broker's store stays bounded), runs a consumer group that
keeps up (`soak-consumer`), and opens the Live events page and the Consumer
groups page in Chromium (auto-refresh on both) against `streamlit run app.py`.

Every SAMPLE_S it records the app's and the broker's RSS and CPU and scans both
pages for errors. It reports errors seen, RSS at start (after a warm-up) and at
the end (target: the app flat within 10 %), and the broker's.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import orjson  # noqa: E402
from benchlib import add_engine_arg, app_and_page, fresh_broker, proc_cpu_s, proc_rss_mb
from confluent_kafka import Consumer, Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "soak.events"
GROUP = "soak-consumer"
TYPES = ("page_view", "click", "purchase", "signup", "logout")
WARMUP_S = 120
TARGET_RSS_GROWTH = 0.10
ERROR_MARKERS = ("Cannot reach Kafka", "Unexpected ", "Traceback", "reconnecting")


def create_topic(bootstrap: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    config = {"retention.ms": "300000", "retention.bytes": "20000000"}
    admin.create_topics([NewTopic(TOPIC, 6, 1, config=config)])[TOPIC].result(timeout=30)


def produce_steadily(bootstrap: str, rate_per_s: int, stop: threading.Event, stats: dict) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    failed = []
    seq, started = 0, time.monotonic()
    while not stop.is_set():
        due = int((time.monotonic() - started) * rate_per_s)
        while seq < due:
            event = {"event_type": TYPES[seq % len(TYPES)], "user_id": seq % 10_000, "seq": seq}
            producer.produce(TOPIC, orjson.dumps(event), on_delivery=lambda err, _m: err and failed.append(err))
            seq += 1
        producer.poll(0)
        time.sleep(0.01)
    producer.flush(30)
    stats.update(produced=seq, produce_failures=len(failed))


def consume_steadily(bootstrap: str, stop: threading.Event, stats: dict) -> None:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": GROUP,
            "group.instance.id": f"soak-{uuid.uuid4().hex[:6]}",
            "auto.offset.reset": "earliest",
            "receive.message.max.bytes": 2_000_000_000,
        }
    )
    consumer.subscribe([TOPIC])
    consumed = 0
    try:
        while not stop.is_set():
            consumed += len(consumer.consume(1000, timeout=0.5))
    finally:
        consumer.close()
    stats.update(consumed=consumed)


def page_errors(page) -> list[str]:
    text = page.locator("body").inner_text()
    return [marker for marker in ERROR_MARKERS if marker in text]


def sample(app, broker_pid: int, pages: dict) -> dict:
    row = {
        "t_s": time.monotonic(),
        "app_rss_mb": proc_rss_mb(app.process.pid),
        "broker_rss_mb": proc_rss_mb(broker_pid),
        "app_cpu_s": proc_cpu_s(app.process.pid),
        "broker_cpu_s": proc_cpu_s(broker_pid),
    }
    row["errors"] = {name: page_errors(pg) for name, pg in pages.items() if page_errors(pg)}
    return row


def report(rows: list[dict], stats: dict, console_errors: list[str], elapsed_s: float) -> None:
    warm = [r for r in rows if r["t_s"] - rows[0]["t_s"] >= WARMUP_S] or rows
    start_rss = statistics.median(r["app_rss_mb"] for r in warm[:3])
    end_rss = statistics.median(r["app_rss_mb"] for r in warm[-3:])
    growth = (end_rss - start_rss) / start_rss
    span_s = max(warm[-1]["t_s"] - warm[0]["t_s"], 1e-9)
    app_cpu = 100 * (warm[-1]["app_cpu_s"] - warm[0]["app_cpu_s"]) / span_s
    broker_cpu = 100 * (warm[-1]["broker_cpu_s"] - warm[0]["broker_cpu_s"]) / span_s
    errors = [(round(r["t_s"] - rows[0]["t_s"]), r["errors"]) for r in rows if r["errors"]]
    print(
        f"soak: {elapsed_s / 60:.1f} min, produced {stats.get('produced', 0):,} "
        f"({stats.get('produced', 0) / elapsed_s:,.0f}/s), produce failures {stats.get('produce_failures')}, "
        f"consumed {stats.get('consumed', 0):,}"
    )
    print(
        f"app RSS: {start_rss:.1f} MB after warm-up -> {end_rss:.1f} MB at the end "
        f"({growth:+.1%}; target within ±{TARGET_RSS_GROWTH:.0%}: {'met' if abs(growth) <= TARGET_RSS_GROWTH else 'MISSED'})"
    )
    print(
        f"broker RSS: {warm[0]['broker_rss_mb']:.1f} MB -> {warm[-1]['broker_rss_mb']:.1f} MB "
        f"(max {max(r['broker_rss_mb'] for r in rows):.1f} MB)"
    )
    print(f"CPU after warm-up: app {app_cpu:.1f}% + broker {broker_cpu:.1f}% of one core")
    print(
        f"page errors seen: {len(errors)} samples {errors[:5]}; console errors: {len(console_errors)} "
        f"{console_errors[:3]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--sample-s", type=float, default=30)
    add_engine_arg(parser)
    args = parser.parse_args()
    from support.browser import real_console_errors

    with (
        tempfile.TemporaryDirectory(prefix="kdash-soak-") as tmp,
        fresh_broker(Path(tmp), "broker", args.engine) as broker,
    ):
        create_topic(broker.bootstrap)
        stop, stats = threading.Event(), {}
        workers = [
            threading.Thread(target=produce_steadily, args=(broker.bootstrap, args.rate, stop, stats)),
            threading.Thread(target=consume_steadily, args=(broker.bootstrap, stop, stats)),
        ]
        for worker in workers:
            worker.start()
        rows: list[dict] = []
        started = time.monotonic()
        try:
            with app_and_page(broker.bootstrap, Path(tmp)) as (app, live):
                live.goto(f"{app.url}/live_events?topic={TOPIC}&from=latest")
                groups = live.context.browser.new_page(viewport={"width": 1400, "height": 900})
                groups.console_errors = []
                groups.on("console", lambda m: m.type == "error" and groups.console_errors.append(m.text))
                live.console_errors = []
                live.on("console", lambda m: m.type == "error" and live.console_errors.append(m.text))
                groups.goto(f"{app.url}/consumer_groups")
                pages = {"live_events": live, "consumer_groups": groups}
                while time.monotonic() - started < args.minutes * 60:
                    time.sleep(args.sample_s)
                    rows.append(sample(app, broker.pids[0], pages))
                    last = rows[-1]
                    print(
                        f"  t={last['t_s'] - started:6.0f}s app {last['app_rss_mb']:.1f} MB "
                        f"broker {last['broker_rss_mb']:.1f} MB errors {last['errors'] or '-'}",
                        flush=True,
                    )
                console = real_console_errors(live) + real_console_errors(groups)
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=60)
        report(rows, stats, console, time.monotonic() - started)


if __name__ == "__main__":
    main()
