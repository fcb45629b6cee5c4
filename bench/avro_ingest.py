"""Live ingest of Avro events: our decode and count by type vs a raw AvroDeserializer loop.

    .venv/bin/python bench/avro_ingest.py [--engine noida|apache] [--events 1000000] [--runs 3]

Starts its own local broker and a real schema registry (Apicurio, in memory;
SCHEMA_REGISTRY_URL to use another), produces EVENTS Avro events (5 types,
framed by confluent-kafka's AvroSerializer), then, as medians of RUNS
interleaved rounds, reads the topic from the beginning to per-type counts:
  (a) ours: kafka_io.live.worker.TailWorker with the cluster's registry
      (its consumer thread, WireDecoder over confluent's AvroDeserializer,
      type extraction, per-second buckets, tail ring);
  (b) raw:  confluent consume(10000) + AvroDeserializer(value,
      SerializationContext(topic, VALUE)), as confluent-kafka's avro_consumer
      example calls it + collections.Counter;
  (b0) the same without a context (no subject lookups): the fastest raw loop.
Prints a/b (target >= 0.8) and a/b0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchlib import add_engine_arg, fresh_broker  # noqa: E402
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from confluent_kafka.schema_registry import SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402
from support.registry import start_registry  # noqa: E402

from kafka_io.config import load_settings  # noqa: E402
from kafka_io.live.model import StartPosition  # noqa: E402
from kafka_io.live.rates import TypeSpec  # noqa: E402
from kafka_io.live.worker import TailWorker  # noqa: E402

TYPES = ("page_view", "click", "purchase", "signup", "logout")
SCHEMA = """{"type": "record", "name": "Event", "namespace": "bench", "fields": [
  {"name": "event_type", "type": "string"}, {"name": "user_id", "type": "string"},
  {"name": "seq", "type": "long"}, {"name": "amount", "type": "int"}, {"name": "ts", "type": "long"}]}"""
DISTINCT = 10_000  # distinct serialized events, cycled (serializing 1 M in Python would dominate the setup)
TIMEOUT_S = 300.0
TARGET_AB = 0.8


def produce(bootstrap: str, registry_url: str, topic: str, count: int) -> None:
    serialize = AvroSerializer(SchemaRegistryClient({"url": registry_url}), SCHEMA)
    ctx = SerializationContext(topic, MessageField.VALUE)
    values = [
        serialize({"event_type": TYPES[i % 5], "user_id": f"u{i:05d}", "seq": i, "amount": i % 1000, "ts": i}, ctx)
        for i in range(DISTINCT)
    ]
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "queue.buffering.max.messages": 1_000_000})
    for i in range(count):
        while True:
            try:
                producer.produce(topic, values[i % DISTINCT])
                break
            except BufferError:
                producer.poll(0.05)
    assert producer.flush(TIMEOUT_S) == 0


def run_ours(settings, topic: str, expected: int) -> float:
    started = time.perf_counter()
    worker = TailWorker(settings, (topic,), TypeSpec("field", "event_type"), StartPosition("earliest")).start()
    try:
        while worker.messages < expected:
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"ours: only {worker.messages} of {expected}")
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
        totals = worker.snapshot(1).totals
    finally:
        worker.stop()
        worker.join()
    assert totals == {t: expected // 5 for t in TYPES}, totals
    return elapsed


def run_raw(bootstrap: str, registry_url: str, topic: str, expected: int, with_context: bool = True) -> float:
    started = time.perf_counter()
    deserialize = AvroDeserializer(SchemaRegistryClient({"url": registry_url}))
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"kdash-bench-{uuid.uuid4()}", "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    ctx = SerializationContext(topic, MessageField.VALUE) if with_context else None
    counts: Counter = Counter()
    seen = 0
    try:
        while seen < expected:
            for m in consumer.consume(10000, 1.0):
                if m.error():
                    continue
                counts[deserialize(m.value(), ctx)["event_type"]] += 1
                seen += 1
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"raw: only {seen} of {expected}")
        elapsed = time.perf_counter() - started
    finally:
        consumer.close()
    assert counts == {t: expected // 5 for t in TYPES}, counts
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_engine_arg(parser)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kdash-bench-avro-") as tmp:
        workdir = Path(tmp)
        registry = start_registry(workdir)
        try:
            with fresh_broker(workdir, "avro", args.engine) as broker:
                topic = "bench-avro"
                admin = AdminClient({"bootstrap.servers": broker.bootstrap})
                admin.create_topics([NewTopic(topic, 1, 1, config={"retention.ms": "-1"})])[topic].result(60)
                started = time.perf_counter()
                produce(broker.bootstrap, registry.url, topic, args.events)
                print(f"produced {args.events:,} Avro events in {time.perf_counter() - started:.1f} s")
                settings = load_settings(
                    env={"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, "SCHEMA_REGISTRY_URL": registry.url},
                    secrets_path=Path("/nonexistent"),
                )
                run_raw(broker.bootstrap, registry.url, topic, args.events)  # warm-up (the broker's first read)
                times: dict[str, list[float]] = {"ours": [], "raw": [], "raw0": []}
                for _ in range(args.runs):
                    times["ours"].append(run_ours(settings, topic, args.events))
                    times["raw"].append(run_raw(broker.bootstrap, registry.url, topic, args.events))
                    times["raw0"].append(run_raw(broker.bootstrap, registry.url, topic, args.events, False))
        finally:
            registry.stop()
    rate = {name: args.events / statistics.median(ts) for name, ts in times.items()}
    print(f"engine {args.engine}, {args.events:,} events, medians of {args.runs} rounds:")
    print(f"  (a)  ours: TailWorker + WireDecoder        {rate['ours']:>10,.0f} events/s")
    print(f"  (b)  raw: AvroDeserializer with a context  {rate['raw']:>10,.0f} events/s")
    print(f"  (b0) raw: AvroDeserializer, no context     {rate['raw0']:>10,.0f} events/s")
    ab = rate["ours"] / rate["raw"]
    print(f"a/b = {ab:.2f} (target >= {TARGET_AB}); a/b0 = {rate['ours'] / rate['raw0']:.2f}")
    return 0 if ab >= TARGET_AB else 1


if __name__ == "__main__":
    sys.exit(main())
