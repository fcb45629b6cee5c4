"""`python -m kafka_io serve` (what `make run` runs) supervising its broker:
it reaps a broker that exits, so `broker stop` from another terminal is quick,
and says so on its terminal and, through the notice file, in the sidebar."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.groups import wait_for
from support.ports import free_port

from kafka_io.local.notices import read_broker_notice

ROOT = Path(__file__).resolve().parents[2]
# `broker stop` on a zombie waited its full 10 s stop timeout before this was fixed.
FAST_STOP_S = 3.0

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")) or os.environ.get("KDASH_ENGINE", "noida") != "noida",
    reason="runs serve with its own embedded noida broker",
)


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kafka_io", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_serve_reaps_its_broker_so_broker_stop_is_fast_and_says_so(tmp_path):
    data_dir, out_path = tmp_path / "data", tmp_path / "serve.out"
    broker_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "KDASH_"))}
    env["KAFKA_EMBEDDED_PORT"] = str(broker_port)
    with open(out_path, "wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "kafka_io", "serve", "--port", str(free_port()), "--demo", "0"]
            + ["--data-dir", str(data_dir)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: "dashboard: http" in out_path.read_text(), 60, "serve to start the broker and the app")
        pid = json.loads((data_dir / "broker.json").read_text())["pid"]

        started = time.monotonic()
        stopped = cli("broker", "stop", "--data-dir", str(data_dir), env=env)
        took_s = time.monotonic() - started
        assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout + stopped.stderr
        assert took_s < FAST_STOP_S, f"broker stop took {took_s:.1f} s"
        # Reaped by serve: no zombie left behind in the process table.
        wait_for(lambda: not Path(f"/proc/{pid}").exists(), 2, f"broker pid {pid} to be reaped")
        said = f"The embedded broker (pid {pid}) exited with code 0"  # noida exits cleanly on SIGTERM
        wait_for(lambda: said in out_path.read_text(), 2, "serve to say so on its terminal")
        assert said in (read_broker_notice(data_dir) or "")  # and in the app's sidebar
        assert f"broker start --port {broker_port}" in read_broker_notice(data_dir)

        restarted = cli("broker", "start", "--port", str(broker_port), "--data-dir", str(data_dir), env=env)
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        wait_for(lambda: read_broker_notice(data_dir) is None, 3, "the notice to go once a broker answers")
        assert f"a broker answers on port {broker_port} again" in out_path.read_text()
        assert serve.poll() is None  # the dashboard kept running throughout
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=30)
        cli("broker", "stop", "--data-dir", str(data_dir), env=env)
    assert "embedded broker stopped" in out_path.read_text()
