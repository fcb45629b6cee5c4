"""The demo survives its broker: three hard restarts of the test's own broker, and it keeps producing.

The broker (of the session's engine) is SIGKILLed, not stopped: noida-db then loses about a second of
acknowledged writes, the demo's idempotent producer finds its sequence numbers
ahead of the broker's and gets a fatal OUT_OF_ORDER_SEQUENCE_NUMBER (the error
issue #17 saw on a presenter's third stop/start). The demo must recreate its
producer and carry on, every time; if it stops, it must say why.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.own_broker import start_own_broker

from kafka_io.config import ClusterSettings
from kafka_io.demo.control import demo_status
from kafka_io.demo.exits import demo_exit
from kafka_io.demo.plan import DemoPlan
from kafka_io.errors import KafkaIOError
from kafka_io.local.noida import port_in_use

ROOT = Path(__file__).resolve().parents[2]
RESTARTS = 3
SPEED = 2  # ~50 events/s: enough in flight at the kill for the broker to lose acknowledged ones
RECOVER_S = 60  # per restart, on a loaded 2-core machine
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="kills and restarts its own embedded broker"
)


def wait_for(check, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.2)


def total_high(settings: ClusterSettings, topics: list[str]) -> int | None:
    """Σ high watermarks of the demo topics, or None while the broker is away."""
    from confluent_kafka import TopicPartition

    from kafka_io._client import make_viewer_consumer

    try:
        consumer = make_viewer_consumer(settings)
    except KafkaIOError:
        return None
    try:
        total = 0
        for topic in topics:
            for p in range(3):
                _, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=2)
                total += high
        return total
    except Exception:  # the broker is still starting: ask again
        return None
    finally:
        consumer.close()


def kill_broker(own) -> None:
    pid = own.pid
    own.kill()
    try:
        os.waitpid(pid, os.WNOHANG)  # noida's start_broker leaves it our child: reap it
    except ChildProcessError:
        pass
    wait_for(lambda: not port_in_use(own.port), 30, "the broker's port to be free")


def test_the_demo_keeps_producing_through_three_broker_restarts(tmp_path):
    data_dir = tmp_path / "demo"
    status = start_own_broker(tmp_path / "broker")
    settings = ClusterSettings(bootstrap_servers=status.bootstrap, embedded=False, timeout_s=2)
    prefix = f"survive{time.time_ns() % 10**6}"
    topics = [t.name for t in DemoPlan(prefix).topics]
    log_path = tmp_path / "demo.log"
    with open(log_path, "wb") as log:
        demo = subprocess.Popen(
            [sys.executable, "-m", "kafka_io", "demo", "--bootstrap", status.bootstrap]
            + ["--prefix", prefix, "--speed", str(SPEED), "--data-dir", str(data_dir)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "KDASH_DEBUG": "1"},
        )
    try:
        wait_for(lambda: demo_status(data_dir), 30, "the demo to start")
        wait_for(lambda: (total_high(settings, topics) or 0) > 50, 30, "the demo's first events")
        for restart in range(1, RESTARTS + 1):
            time.sleep(0.3)  # mid-traffic (not a wait for a condition): events in flight when the broker dies
            kill_broker(status)
            status.start()
            after = wait_for(lambda: total_high(settings, topics), RECOVER_S, f"the broker back (restart {restart})")
            wait_for(
                lambda after=after: (total_high(settings, topics) or 0) >= after + 50,
                RECOVER_S,
                f"50 new demo events after restart {restart}",
            )
            alive = demo_status(data_dir)
            assert alive is not None and demo.poll() is None, (demo_exit(data_dir), log_path.read_text()[-3000:])
        survived = demo_status(data_dir)
        log_text = log_path.read_text(errors="replace")
        print(f"demo survived {RESTARTS} restarts: {survived}")
        # The fatal error happens for real here (2 of 3 restarts when this was written) and
        # is survived by a new producer; when no write happened to be lost, the log shows none either.
        assert survived.producer_recreated > 0 or "out of order sequence" not in log_text.lower(), log_text[-3000:]
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
        status.stop()
    stopped = demo_exit(data_dir)
    assert stopped is not None and stopped.reason == "stopped on request"
