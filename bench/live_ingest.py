"""Live ingest: our tail worker vs raw confluent-kafka vs kcat; memory and idle CPU of the live page.

    .venv/bin/python bench/live_ingest.py [--engine noida|apache] [--events 1000000] [--runs 3]
                                          [--rss-events 5000000] [--idle-s 60] [--skip-rss] [--skip-idle]

Starts its own local broker (noida-db, or Apache Kafka with --engine apache;
free port, temporary data dir, stopped at the end) and produces EVENTS JSON events (5 types, about 100 bytes). Then, in the
same run and as medians of RUNS interleaved rounds, from the beginning of the
topic to per-type counts:
  (a) ours: kafka_io.live.worker.TailWorker (its own thread and consumer, batch
      consume, type extraction, per-second buckets, tail ring);
  (b) raw:  confluent consume(10000) + orjson.loads + collections.Counter;
  (c) kcat: `kcat -C -e -o beginning -X receive.message.max.bytes=2000000000` to /dev/null
and prints a/b (target >= 0.8) and a/c (target >= 0.5).

Then `streamlit run app.py` against the same broker with the live page open
in Chromium (Playwright, /usr/bin/chromium):
  - RSS growth of the app process while it tails RSS_EVENTS events (target <= 50 MB);
  - CPU of the app process + the broker over IDLE_S seconds with the page
    open on an idle topic, from /proc/<pid>/stat (target <= 5% of one core),
    against the broker's own idle CPU over IDLE_S seconds with no app at all
    (the raw baseline): the page's cost is the app plus what the broker spends
    beyond its baseline. On Apache Kafka, whose fetches long-poll, that cost
    has its own target: <= 1% of one core.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import orjson  # noqa: E402
from benchlib import CHROMIUM, add_engine_arg, app_and_page, fresh_broker, proc_cpu_s, proc_rss_mb  # noqa: E402
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from kafka_io.config import load_settings  # noqa: E402
from kafka_io.live.model import StartPosition  # noqa: E402
from kafka_io.live.rates import TypeSpec  # noqa: E402
from kafka_io.live.worker import TailWorker  # noqa: E402

TYPES = ("page_view", "click", "purchase", "signup", "logout")
TIMEOUT_S = 120.0
KCAT = "/usr/bin/kcat"

TARGET_AB, TARGET_AC, TARGET_RSS_MB, TARGET_CPU_PCT = 0.8, 0.5, 50.0, 5.0
TARGET_IDLE_COST_PCT = {"apache": 1.0}  # fetch long-polls on Kafka: an idle tail should cost next to nothing
PRODUCE_CHUNK = 250_000
RSS_TOPIC_RETENTION_BYTES = 20_000_000  # keeps the embedded broker's store small while 5 M events flow


def event(i: int) -> bytes:
    body = {
        "event_type": TYPES[i % 5],
        "user_id": f"u{i % 9973:05d}",
        "seq": i,
        "amount": i % 1000,
        "ts": 1_700_000_000 + i,
    }
    return orjson.dumps(body).ljust(100)  # JSON allows trailing spaces: exactly 100 bytes


def create_topic(bootstrap: str, name: str, config: dict | None = None) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, 1, 1, config=config or {})])[name].result(timeout=TIMEOUT_S)


def produce(bootstrap: str, topic: str, count: int, start: int = 0) -> None:
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "linger.ms": 20,
            "batch.num.messages": 10000,
            "queue.buffering.max.messages": 1_000_000,
            "compression.type": "none",
        }
    )
    for i in range(start, start + count):
        while True:
            try:
                producer.produce(topic, event(i))
                break
            except BufferError:
                producer.poll(0.05)
    assert producer.flush(TIMEOUT_S) == 0, "events not delivered"


# --- the three readers ---------------------------------------------------------


def run_ours(settings, topic: str, expected: int) -> float:
    started = time.perf_counter()
    worker = TailWorker(settings, (topic,), TypeSpec("field", "event_type"), StartPosition("earliest")).start()
    try:
        while worker.messages < expected:
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"ours: only {worker.messages} of {expected} in {TIMEOUT_S} s")
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
        totals = worker.snapshot(1).totals
    finally:
        worker.stop()
        worker.join()
    assert totals == {t: expected // 5 for t in TYPES}, totals
    return elapsed


def run_raw(bootstrap: str, topic: str, expected: int, parse: bool = True) -> float:
    """(b); with parse=False only consume() itself: the floor for any Python reader."""
    started = time.perf_counter()
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"kdash-bench-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "receive.message.max.bytes": 2_000_000_000,
        }
    )
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    counts: Counter = Counter()
    seen = 0
    loads = orjson.loads
    try:
        while seen < expected:
            for m in consumer.consume(10000, 1.0):
                if m.error():
                    continue
                if parse:
                    counts[loads(m.value()).get("event_type")] += 1
                seen += 1
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"raw: only {seen} of {expected}")
        elapsed = time.perf_counter() - started
    finally:
        consumer.close()
    assert counts == ({t: expected // 5 for t in TYPES} if parse else {}), counts
    return elapsed


def run_kcat(bootstrap: str, topic: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            KCAT,
            "-C",
            "-b",
            bootstrap,
            "-t",
            topic,
            "-e",
            "-q",
            "-o",
            "beginning",
            "-X",
            "receive.message.max.bytes=2000000000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=TIMEOUT_S,
    )
    return time.perf_counter() - started


def throughput(bootstrap: str, settings, events: int, runs: int) -> None:
    topic = "bench-live"
    create_topic(bootstrap, topic, {"retention.ms": "-1"})
    started = time.perf_counter()
    produce(bootstrap, topic, events)
    print(f"produced {events:,} events of 100 bytes in {time.perf_counter() - started:.1f} s")
    have_kcat = Path(KCAT).exists()
    if not have_kcat:
        print(f"(c) skipped: {KCAT} is missing (apt-get install kcat)")
    run_raw(bootstrap, topic, events)  # warm-up: the broker's first read of the log is slower
    times: dict[str, list[float]] = {"ours": [], "raw": [], "consume": [], "kcat": []}
    for _ in range(runs):
        times["ours"].append(run_ours(settings, topic, events))
        times["raw"].append(run_raw(bootstrap, topic, events))
        times["consume"].append(run_raw(bootstrap, topic, events, parse=False))
        if have_kcat:
            times["kcat"].append(run_kcat(bootstrap, topic))
    rate = {name: events / statistics.median(ts) for name, ts in times.items() if ts}
    labels = (
        ("ours", "(a) ours"),
        ("raw", "(b) raw consume+orjson+Counter"),
        ("consume", "    raw consume() alone (the floor)"),
        ("kcat", "(c) kcat"),
    )
    for name, label in labels:
        if name in rate:
            runs_s = ", ".join(f"{t:.2f}" for t in times[name])
            print(f"{label:34} {rate[name]:>10,.0f} events/s  (median of {runs}: {runs_s} s)")
    print(f"a/b = {rate['ours'] / rate['raw']:.2f}  (target >= {TARGET_AB})")
    if "kcat" in rate:
        print(
            f"a/c = {rate['ours'] / rate['kcat']:.2f}  (target >= {TARGET_AC}; "
            f"b/c = {rate['raw'] / rate['kcat']:.2f}, consume-alone/c = {rate['consume'] / rate['kcat']:.2f})"
        )


# --- the app in a browser --------------------------------------------------------


def seen_on_page(page) -> int:
    text = page.get_by_test_id("stMetric").filter(has_text="Events seen").inner_text()
    return int(text.split("\n")[-1].replace(",", "").split()[0])


def open_live(app, page, topic: str) -> None:
    page.goto(f"{app.url}/live_events?topic={topic}&from=latest")
    page.get_by_text("running", exact=True).first.wait_for(timeout=60_000)


def wait_seen(page, expected: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while seen_on_page(page) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the page saw {seen_on_page(page)} of {expected} events")
        time.sleep(0.5)


def rss_phase(bootstrap: str, app, page, events: int) -> None:
    topic = "bench-flow"
    create_topic(bootstrap, topic, {"retention.bytes": str(RSS_TOPIC_RETENTION_BYTES)})
    open_live(app, page, topic)
    warmup = PRODUCE_CHUNK
    produce(bootstrap, topic, warmup)
    wait_seen(page, warmup, TIMEOUT_S)
    before = proc_rss_mb(app.process.pid)
    sent = warmup
    started = time.perf_counter()
    while sent < warmup + events:
        produce(bootstrap, topic, PRODUCE_CHUNK, start=sent)
        sent += PRODUCE_CHUNK
        wait_seen(page, sent, TIMEOUT_S)
    after = proc_rss_mb(app.process.pid)
    took = time.perf_counter() - started
    print(
        f"app RSS while tailing {events:,} events: {before:.0f} MB -> {after:.0f} MB, "
        f"growth {after - before:+.1f} MB (target <= {TARGET_RSS_MB:g} MB; {events / took:,.0f} events/s end to end)"
    )


def cpu_pct(sample, idle_s: float) -> tuple[float, float]:
    """CPU of `sample()` (cumulative CPU seconds) over idle_s of wall time, as % of one core."""
    cpu0, t0 = sample(), time.monotonic()
    time.sleep(idle_s)
    wall = time.monotonic() - t0
    return 100 * (sample() - cpu0) / wall, wall


def idle_phase(broker, app, page, idle_s: float) -> tuple[float, float]:
    topic = "bench-idle"
    create_topic(broker.bootstrap, topic)
    open_live(app, page, topic)
    time.sleep(5)  # let the page settle (first chart, caches)
    app_cpu0, broker_cpu0, t0 = proc_cpu_s(app.process.pid), broker.cpu_s(), time.monotonic()
    time.sleep(idle_s)
    wall = time.monotonic() - t0
    app_pct = 100 * (proc_cpu_s(app.process.pid) - app_cpu0) / wall
    broker_pct = 100 * (broker.cpu_s() - broker_cpu0) / wall
    print(
        f"idle live page for {wall:.0f} s: app {app_pct:.2f}% + broker {broker_pct:.2f}% = "
        f"{app_pct + broker_pct:.2f}% of one core (target <= {TARGET_CPU_PCT:g}%)"
    )
    return app_pct, broker_pct


def idle_cost(engine: str, workdir: Path, idle_s: float) -> None:
    """The raw baseline first: the same broker with no app, then with the live page open."""
    with fresh_broker(workdir, "idle-baseline", engine) as broker:
        create_topic(broker.bootstrap, "bench-idle")
        time.sleep(5)
        baseline_pct, wall = cpu_pct(broker.cpu_s, idle_s)
    print(f"broker alone, idle, for {wall:.0f} s: {baseline_pct:.2f}% of one core (the raw baseline)")
    with fresh_broker(workdir, "idle", engine) as broker, app_and_page(broker.bootstrap, workdir) as (app, page):
        app_pct, broker_pct = idle_phase(broker, app, page, idle_s)
    cost = app_pct + max(broker_pct - baseline_pct, 0.0)
    target = TARGET_IDLE_COST_PCT.get(engine)
    print(
        f"idle live page cost on {engine}: app {app_pct:.2f}% + broker beyond its baseline "
        f"{max(broker_pct - baseline_pct, 0.0):.2f}% = {cost:.2f}% of one core"
        + (f" (target <= {target:g}%)" if target else "")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rss-events", type=int, default=5_000_000)
    parser.add_argument("--idle-s", type=float, default=60.0)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--skip-idle", action="store_true")
    add_engine_arg(parser)
    args = parser.parse_args()
    print(f"engine: {args.engine}")
    workdir = Path(tempfile.mkdtemp(prefix="kdash-bench-live-"))
    browser = Path(CHROMIUM).exists()
    if not browser:
        print(f"RSS and idle CPU skipped: {CHROMIUM} is missing")
    try:
        if not args.skip_throughput:
            with fresh_broker(workdir, "throughput", args.engine) as broker:
                settings = load_settings(env={"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, "KAFKA_TIMEOUT_S": "30"})
                throughput(broker.bootstrap, settings, args.events, args.runs)
        if browser and not args.skip_idle:
            idle_cost(args.engine, workdir, args.idle_s)
        if browser and not args.skip_rss:
            with (
                fresh_broker(workdir, "rss", args.engine) as broker,
                app_and_page(broker.bootstrap, workdir) as (app, page),
            ):
                rss_phase(broker.bootstrap, app, page, args.rss_events)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
