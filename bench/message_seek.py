"""Messages seek: the first page after a seek to an offset and to a time, on a topic of 10 M events.

    .venv/bin/python bench/message_seek.py [--events 10000000] [--partitions 3] [--runs 5]

Apache Kafka only (noida-db rewrites its whole state as JSON: no place for
10 M events). Starts its own broker (free port, temporary data dir, stopped at
the end), produces EVENTS small events round-robin over PARTITIONS partitions,
event i at time BASE + i // 100 ms, then, as medians of RUNS interleaved
rounds, the first page of 50 events over all partitions, cold (a new Cluster
handle, so its metadata read counts):
  (a) ours: kafka_io.messages.browse.read_page(seek=offset:N / timestamp:T)
      (metadata, one ListOffsets for both watermarks (+ the time), a viewer consumer);
  (b) raw:  a confluent Consumer: offsets_for_times (for the time) or the
      offset itself, assign(), consume until 50 events arrived.
Prints each time (target: ours <= 1 s) and a/b = ours / raw (time; lower is better).
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

from benchlib import fresh_broker  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from kafka_io.cluster import Cluster  # noqa: E402
from kafka_io.config import load_settings  # noqa: E402
from kafka_io.messages.browse import read_page  # noqa: E402
from kafka_io.messages.model import Seek  # noqa: E402

TOPIC = "bench-seek"
PAGE = 50
TARGET_S = 1.0
TIMEOUT_S = 60.0
BASE_MS = (int(time.time()) - 3 * 3600) * 1000
PER_MS = 100  # events per millisecond of event time


def produce(bootstrap: str, events: int, partitions: int) -> float:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(TOPIC, partitions, 1, config={"retention.ms": "-1"})])[TOPIC].result(TIMEOUT_S)
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "linger.ms": 50,
            "batch.size": 1_000_000,
            "batch.num.messages": 100_000,
            "queue.buffering.max.messages": 2_000_000,
            "queue.buffering.max.kbytes": 1_048_576,
            "compression.type": "lz4",
            "acks": 1,
        }
    )
    started = time.perf_counter()
    value = b'{"event_type":"tick"}'
    send = producer.produce
    for i in range(events):
        while True:
            try:
                send(TOPIC, value, partition=i % partitions, timestamp=BASE_MS + i // PER_MS)
                break
            except BufferError:
                producer.poll(0.05)
    assert producer.flush(300) == 0, "events not delivered"
    return time.perf_counter() - started


def ours(bootstrap: str, seek: Seek) -> float:
    settings = load_settings(env={"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_TIMEOUT_S": "10"})
    started = time.perf_counter()
    with Cluster(settings) as cluster:
        page = read_page(cluster, TOPIC, seek=seek, limit=PAGE)
        took = time.perf_counter() - started
    assert len(page.messages) == PAGE and not page.errors, (len(page.messages), page.errors)
    return took


def raw(bootstrap: str, partitions: int, seek: Seek) -> float:
    started = time.perf_counter()
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"kdash-bench-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    try:
        if seek.kind == "timestamp":
            wanted = [TopicPartition(TOPIC, p, seek.value) for p in range(partitions)]
            tps = consumer.offsets_for_times(wanted, timeout=TIMEOUT_S)
        else:
            tps = [TopicPartition(TOPIC, p, seek.value) for p in range(partitions)]
        consumer.assign(tps)
        seen = 0
        while seen < PAGE:
            seen += sum(1 for m in consumer.consume(PAGE - seen, 1.0) if m.error() is None)
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError("raw: no page")
        took = time.perf_counter() - started
    finally:
        consumer.close()
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("engine: apache")
    workdir = Path(tempfile.mkdtemp(prefix="kdash-bench-seek-"))
    try:
        with fresh_broker(workdir, "seek", "apache") as broker:
            took = produce(broker.bootstrap, args.events, args.partitions)
            print(f"produced {args.events:,} events over {args.partitions} partitions in {took:.1f} s")
            middle = args.events // 2
            seeks = {
                "offset": Seek("offset", middle // args.partitions),
                "time": Seek("timestamp", BASE_MS + middle // PER_MS),
            }
            raw(broker.bootstrap, args.partitions, seeks["offset"])  # warm-up: the broker's first read
            for name, seek in seeks.items():
                times = {"ours": [], "raw": []}
                for _ in range(args.runs):
                    times["ours"].append(ours(broker.bootstrap, seek))
                    times["raw"].append(raw(broker.bootstrap, args.partitions, seek))
                a, b = statistics.median(times["ours"]), statistics.median(times["raw"])
                runs = ", ".join(f"{t:.3f}" for t in times["ours"])
                print(f"seek to {name:6} ({seek}): ours {a:.3f} s (runs {runs}), raw {b:.3f} s")
                print(
                    f"  first page in {a:.3f} s (target <= {TARGET_S:g} s); a/b = {a / b:.2f} (time, lower is better)"
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
