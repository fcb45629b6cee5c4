"""Offsets reads from fresh admin clients under churn: ours vs raw confluent-kafka.

    .venv/bin/python bench/offsets_crash.py [--engine apache|noida] [--seconds 150]

librdkafka's ListOffsets can crash the process (SIGSEGV, a use-after-free) when
a partition's leader is not in the client's metadata cache: a fresh client, a
deleted topic, a leaderless partition. Starts its own local broker with 40
topics x 3 partitions, then runs, each in a process of its own for SECONDS:
  (a) ours: 3 threads, each in a loop: make_admin + kafka_io._client.list_offsets
      of the 120 partitions (and of the churned ones) for the warm start's 13
      timestamps;
  (b) raw: the same loop with AdminClient.list_offsets, one call per timestamp;
while a fourth thread creates and deletes a 2-partition topic that the loops
also ask for. Prints each side's exit (139 is SIGSEGV), rounds and rounds/s,
and a/b of rounds/s (the cost of reading leaders first). Expect (b) to crash
on Apache Kafka on a loaded machine (2 runs in 2 within 150 s on 2026-12-06),
and (a) never.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchlib import add_engine_arg, fresh_broker  # noqa: E402
from confluent_kafka import TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec  # noqa: E402
from support.kafka import create_topic  # noqa: E402

from kafka_io._client import list_offsets, make_admin  # noqa: E402
from kafka_io.config import ClusterSettings  # noqa: E402
from kafka_io.groups.warm_start import seed_times_ms  # noqa: E402

TOPICS, PARTITIONS, THREADS, TIMEOUT_S = 40, 3, 3, 10.0


def _ours(settings: ClusterSettings, tps: list) -> None:
    list_offsets(make_admin(settings), settings, tps, *seed_times_ms(time.time()))


def _raw(settings: ClusterSettings, tps: list) -> None:
    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    futures = []
    for ts_ms in seed_times_ms(time.time()):
        asked = {TopicPartition(t, p): OffsetSpec.for_timestamp(ts_ms) for t, p in tps}
        futures.extend(admin.list_offsets(asked, request_timeout=TIMEOUT_S).values())
    for future in futures:
        try:
            future.result(timeout=TIMEOUT_S + 2)
        except Exception:  # a deleted topic's partitions answer errors: expected
            pass


def worker(side: str, bootstrap: str, seconds: float) -> None:
    settings = ClusterSettings(bootstrap_servers=bootstrap)
    read = _ours if side == "ours" else _raw
    base = [(f"bench-offsets-{i}", p) for i in range(TOPICS) for p in range(PARTITIONS)]
    churned: list = []
    rounds = [0]
    deadline = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < deadline:
            read(settings, base + list(churned))
            rounds[0] += 1

    def churn() -> None:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for i in range(10**6):
            if time.monotonic() >= deadline:
                return
            name = f"bench-churn-{side}-{i}"
            churned[:] = [(name, 0), (name, 1)]
            try:
                admin.create_topics([NewTopic(name, 2, 1)])[name].result(TIMEOUT_S)
                time.sleep(0.2)
                admin.delete_topics([name])[name].result(TIMEOUT_S)
            except Exception as exc:  # a slow broker: the loops go on regardless
                print(f"churn: {exc}", file=sys.stderr)

    def report() -> None:  # a crash kills the process mid-run: its last count is already out
        while time.monotonic() < deadline:
            print(rounds[0], flush=True)
            time.sleep(1.0)

    threading.Thread(target=report, daemon=True).start()
    threads = [threading.Thread(target=loop) for _ in range(THREADS)] + [threading.Thread(target=churn)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(rounds[0], flush=True)


def run_side(side: str, bootstrap: str, seconds: float) -> tuple[int, int, float]:
    """(exit code, rounds, seconds) of one side's process."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, __file__, "--worker", side, "--bootstrap", bootstrap, "--seconds", str(seconds)],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    elapsed = time.monotonic() - started
    lines = done.stdout.split()
    return done.returncode, int(lines[-1]) if lines else 0, elapsed


def describe(code: int) -> str:
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit {code}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_engine_arg(parser)
    parser.add_argument("--seconds", type=float, default=150.0)
    parser.add_argument("--worker", choices=("ours", "raw"), help=argparse.SUPPRESS)
    parser.add_argument("--bootstrap", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.bootstrap, args.seconds)
        return
    with tempfile.TemporaryDirectory() as tmp, fresh_broker(Path(tmp), "offsets", args.engine) as broker:
        for i in range(TOPICS):
            create_topic(broker.bootstrap, f"bench-offsets-{i}", PARTITIONS)
        results = {side: run_side(side, broker.bootstrap, args.seconds) for side in ("ours", "raw")}
    rates = {}
    for side, (code, rounds, elapsed) in results.items():
        rates[side] = rounds / elapsed if rounds else 0.0
        print(f"{side}: {describe(code)} after {elapsed:.0f} s, {rounds} rounds, {rates[side]:.1f} rounds/s")
    if rates["raw"]:
        print(f"a/b rounds per second: {rates['ours'] / rates['raw']:.2f}")


if __name__ == "__main__":
    main()
