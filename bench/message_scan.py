"""Filtered scan: our Messages scan vs a raw loop of confluent consume + orjson + the same CEL program.

    .venv/bin/python bench/message_scan.py [--engine noida|apache] [--events 1000000] [--runs 3]

Starts its own local broker (noida-db, or Apache Kafka with --engine apache;
free port, temporary data dir, stopped at the end), produces EVENTS JSON
events of about 100 bytes (5 types, amount = i % 1000) to one partition, then,
as medians of RUNS interleaved rounds, scans the whole topic with the filter
FILTER (2 events in 1,000 match):
  (a) ours: kafka_io.messages.scan.scan(seek=oldest, filter_expr=FILTER)
      (viewer consumer, Message values, type by the Live events rules, CEL);
  (b) raw:  confluent consume(10000) + orjson.loads + the two variables FILTER
      reads (type, value) + the same compiled program (kafka_io.messages.cel.compile_filter).
Both must find the same number of matches. Prints events/s and a/b
(target >= 0.7; aim: ours >= 100k events/s).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import orjson  # noqa: E402
from benchlib import add_engine_arg, fresh_broker  # noqa: E402
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from kafka_io.cluster import Cluster  # noqa: E402
from kafka_io.config import load_settings  # noqa: E402
from kafka_io.messages import cel  # noqa: E402
from kafka_io.messages.model import Seek  # noqa: E402
from kafka_io.messages.scan import scan  # noqa: E402

TOPIC = "bench-scan"
TYPES = ("page_view", "click", "purchase", "signup", "logout")
FILTER = 'type == "purchase" && value.amount >= 990'
TARGET_AB = 0.7
TARGET_RATE = 100_000
TIMEOUT_S = 300.0


def event(i: int) -> bytes:
    body = {"event_type": TYPES[i % 5], "user_id": f"u{i % 9973:05d}", "seq": i, "amount": i % 1000}
    return orjson.dumps(body).ljust(100)  # JSON allows trailing spaces: exactly 100 bytes


def expected_matches(events: int) -> int:
    return sum(1 for i in range(events) if i % 5 == 2 and i % 1000 >= 990)


def produce(bootstrap: str, events: int) -> float:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(TOPIC, 1, 1, config={"retention.ms": "-1"})])[TOPIC].result(TIMEOUT_S)
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "linger.ms": 20,
            "batch.num.messages": 10_000,
            "queue.buffering.max.messages": 1_000_000,
        }
    )
    started = time.perf_counter()
    for i in range(events):
        while True:
            try:
                producer.produce(TOPIC, event(i), key=f"u{i % 9973}".encode())
                break
            except BufferError:
                producer.poll(0.05)
    assert producer.flush(TIMEOUT_S) == 0, "events not delivered"
    return time.perf_counter() - started


def run_ours(settings, events: int, matches: int) -> float:
    started = time.perf_counter()
    with Cluster(settings) as cluster:
        result = scan(cluster, TOPIC, seek=Seek("oldest"), filter_expr=FILTER, limit=10_000, max_scan=events)
    took = time.perf_counter() - started
    got = result.progress
    assert (got.scanned, got.matched, got.unevaluated) == (events, matches, 0), got
    return took


def run_raw(bootstrap: str, events: int, matches: int) -> float:
    started = time.perf_counter()
    program = cel.compile_filter(FILTER)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"kdash-bench-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "receive.message.max.bytes": 2_000_000_000,
            "isolation.level": "read_committed",
        }
    )
    consumer.assign([TopicPartition(TOPIC, 0, OFFSET_BEGINNING)])
    seen = found = 0
    loads, matches_of = orjson.loads, program.matches
    try:
        while seen < events:
            for m in consumer.consume(10_000, 1.0):
                if m.error():
                    continue
                value = loads(m.value())
                # Only what FILTER reads: the leanest loop a developer would write by hand.
                found += matches_of({"type": value["event_type"], "value": value})
                seen += 1
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"raw: only {seen} of {events}")
        took = time.perf_counter() - started
    finally:
        consumer.close()
    assert found == matches, (found, matches)
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    add_engine_arg(parser)
    args = parser.parse_args()
    print(f"engine: {args.engine}; filter: {FILTER}")
    workdir = Path(tempfile.mkdtemp(prefix="kdash-bench-scan-"))
    try:
        with fresh_broker(workdir, "scan", args.engine) as broker:
            took = produce(broker.bootstrap, args.events)
            print(f"produced {args.events:,} events of 100 bytes in {took:.1f} s")
            settings = load_settings(env={"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, "KAFKA_TIMEOUT_S": "30"})
            matches = expected_matches(args.events)
            run_raw(broker.bootstrap, args.events, matches)  # warm-up: the broker's first read of the log
            times: dict[str, list[float]] = {"ours": [], "raw": []}
            for _ in range(args.runs):
                times["ours"].append(run_ours(settings, args.events, matches))
                times["raw"].append(run_raw(broker.bootstrap, args.events, matches))
        rate = {name: args.events / statistics.median(ts) for name, ts in times.items()}
        for name, label in (("ours", "(a) ours: scan()"), ("raw", "(b) raw consume+orjson+CEL")):
            runs = ", ".join(f"{t:.2f}" for t in times[name])
            print(f"{label:28} {rate[name]:>10,.0f} events/s  (median of {args.runs}: {runs} s)")
        print(
            f"a/b = {rate['ours'] / rate['raw']:.2f}  (target >= {TARGET_AB}); "
            f"ours {rate['ours']:,.0f} events/s (aim >= {TARGET_RATE:,}); {matches:,} matches"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
