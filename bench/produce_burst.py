"""Benchmark: our templated burst path against raw confluent-kafka produce, in one run.

    .venv/bin/python bench/produce_burst.py [--engine noida|apache] [--events 200000] [--runs 3] [--template mixed]

Starts its own local broker (noida-db, or Apache Kafka with --engine apache; free
port, temporary data dir) and stops it at the end.
Each run, in alternating order:

- ours: ``plan_template_burst`` + ``start_burst`` for N events of a built-in
  template: rendering, the source header, a per-event delivery callback and
  exact accounting included; timed from the start call to the final summary.
- raw: ``Producer.produce(topic, value)`` in a tight loop over N values rendered
  beforehand (not timed), ``poll`` on a full queue, then ``flush``: the target
  ratio is against this one.
- raw+header: the same, each event with the source header every dashboard event
  carries, for how much of the gap that mandatory header alone costs.

Both use the same client settings (``clients.make_producer``: idempotent,
acks=all, linger.ms=5), each on a warm producer (one event sent first), each to
a fresh 3-partition topic that is deleted afterwards so the broker's state stays
small. Prints the medians and ratio ours/raw (target: at least 0.4).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchlib import add_engine_arg, fresh_broker  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from kafka_io._client import Connection, make_admin, make_producer  # noqa: E402
from kafka_io.config import ClusterSettings  # noqa: E402
from kafka_io.produce.burst.source import plan_template_burst  # noqa: E402
from kafka_io.produce.burst.start import start_burst  # noqa: E402
from kafka_io.produce.inputs import SOURCE_HEADER_PAIR  # noqa: E402
from kafka_io.produce.target import topic_limits  # noqa: E402
from kafka_io.produce.templates import BUILTIN_TEMPLATES, compile_template  # noqa: E402

TARGET_RATIO = 0.4
TIMEOUT_S = 120


def new_topic(admin: AdminClient, name: str) -> str:
    admin.create_topics([NewTopic(name, 3)])[name].result(TIMEOUT_S)
    return name


def drop_topic(admin: AdminClient, name: str) -> None:
    admin.delete_topics([name])[name].result(TIMEOUT_S)


def run_ours(settings: ClusterSettings, topic: str, template: str, events: int) -> float:
    limits = topic_limits(Connection(make_admin(settings), settings), topic)
    source = plan_template_burst(limits, template, events)
    started = time.perf_counter()
    summary = start_burst(settings, limits, source).wait(TIMEOUT_S)
    elapsed = time.perf_counter() - started
    assert summary is not None and summary.delivered == events, summary
    return events / elapsed


def run_raw(settings: ClusterSettings, topic: str, values: list[bytes], producer, headers=None) -> float:
    produce, poll = producer.produce, producer.poll
    started = time.perf_counter()
    for value in values:
        try:
            produce(topic, value, headers=headers)
        except BufferError:
            while True:
                poll(0.005)
                try:
                    produce(topic, value, headers=headers)
                    break
                except BufferError:
                    pass
    assert producer.flush(TIMEOUT_S) == 0
    return len(values) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--template", default="mixed", choices=sorted(BUILTIN_TEMPLATES))
    add_engine_arg(parser)
    args = parser.parse_args()
    print(f"engine: {args.engine}")
    with (
        tempfile.TemporaryDirectory(prefix="bench-produce-") as tmp,
        fresh_broker(Path(tmp), "data", args.engine) as status,
    ):
        return measure(status.bootstrap, args)


def measure(bootstrap: str, args) -> int:
    settings = ClusterSettings(bootstrap_servers=bootstrap, embedded=False, timeout_s=10)
    admin = make_admin(settings)
    template = BUILTIN_TEMPLATES[args.template]
    values = [v.encode() for v in compile_template(template).render_many(1, args.events, 0, random.Random(1))]
    raw_producer = make_producer(settings)
    warm = new_topic(admin, "bench-warm")
    raw_producer.produce(warm, b"{}")
    raw_producer.flush(TIMEOUT_S)
    run_ours(settings, warm, template, 10)  # warms the burst producer kept for reuse

    runners = {
        "ours": lambda topic: run_ours(settings, topic, template, args.events),
        "raw": lambda topic: run_raw(settings, topic, values, raw_producer),
        "raw+header": lambda topic: run_raw(settings, topic, values, raw_producer, [SOURCE_HEADER_PAIR]),
    }
    rates: dict[str, list[float]] = {name: [] for name in runners}
    for run in range(args.runs):
        names = list(runners) if run % 2 == 0 else list(runners)[::-1]
        for name in names:
            topic = new_topic(admin, f"bench-{name.replace('+', '-')}-{run}")
            rates[name].append(runners[name](topic))
            drop_topic(admin, topic)
            print(f"run {run + 1} {name:10s} {rates[name][-1]:>10,.0f} events/s", flush=True)
    medians = {name: statistics.median(found) for name, found in rates.items()}
    print(f"events per run: {args.events:,} ({args.template} template, {len(values[0])}-byte first value)")
    print(f"ours (templated burst path):         {medians['ours']:>10,.0f} events/s (median of {args.runs})")
    print(f"raw produce, values only:            {medians['raw']:>10,.0f} events/s")
    print(f"raw produce, values + source header: {medians['raw+header']:>10,.0f} events/s")
    ratio = medians["ours"] / medians["raw"]
    print(
        f"ratio ours/raw: {ratio:.2f} (target >= {TARGET_RATIO}); "
        f"ours/raw with the same header: {medians['ours'] / medians['raw+header']:.2f}"
    )
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
