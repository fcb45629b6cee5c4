"""The embedded broker lifecycle, the cluster probe, and the unreachable-cluster error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from support.ports import free_port

from kafka_io._client import Connection, make_admin
from kafka_io.cluster import describe_cluster
from kafka_io.config import ClusterSettings
from kafka_io.errors import Unavailable


def cli(*args: str, env: dict | None = None, timeout_s: float = 60) -> subprocess.CompletedProcess:
    # The broker tests here are about the default engine (noida-db), whatever engine the session runs on.
    env = env if env is not None else {k: v for k, v in os.environ.items() if k != "KDASH_ENGINE"}
    return subprocess.run(
        [sys.executable, "-m", "kafka_io", *args], capture_output=True, text=True, env=env, timeout=timeout_s
    )


def noida_pids() -> set[int]:
    out = subprocess.run(["pgrep", "-f", "noida-db start"], capture_output=True, text=True).stdout
    return {int(pid) for pid in out.split()}


def test_broker_cli_start_status_stop_leaves_nothing_behind(tmp_path):
    port, data_dir = free_port(), tmp_path / "data"
    before = noida_pids()  # other brokers (e.g. the session's) may run too
    started = cli("broker", "start", "--port", str(port), "--data-dir", str(data_dir))
    assert started.returncode == 0, started.stderr
    assert f"127.0.0.1:{port}" in started.stdout
    pid = json.loads((data_dir / "broker.json").read_text())["pid"]
    assert pid in noida_pids() - before

    again = cli("broker", "start", "--port", str(port), "--data-dir", str(data_dir))
    assert again.returncode == 0 and "already running" in again.stdout

    status = cli("broker", "status", "--port", str(port), "--data-dir", str(data_dir))
    assert status.returncode == 0 and f"127.0.0.1:{port} running (pid {pid})" in status.stdout

    stopped = cli("broker", "stop", "--data-dir", str(data_dir))
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    deadline = time.monotonic() + 5
    while pid in noida_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pid not in noida_pids()
    status = cli("broker", "status", "--port", str(port), "--data-dir", str(data_dir))
    assert status.returncode == 3 and "not running" in status.stdout


def test_broker_start_refuses_a_port_that_is_not_kafka(tmp_path):
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = cli("broker", "start", "--port", str(port), "--data-dir", str(tmp_path), timeout_s=30)
    assert result.returncode == 1
    assert f"port {port} is in use by something that does not speak Kafka" in result.stderr
    assert "Traceback" not in result.stderr


def test_describe_cluster_reports_the_broker(settings, kafka_bootstrap):
    info = describe_cluster(Connection(make_admin(settings), settings))
    assert info.cluster_id
    assert len(info.brokers) >= 1
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        host, port = kafka_bootstrap.rsplit(":", 1)
        assert (info.brokers[0].host, info.brokers[0].port) == (host, int(port))


def test_unreachable_cluster_gives_a_clear_error_within_the_timeout(unreachable_bootstrap):
    settings = ClusterSettings(bootstrap_servers=unreachable_bootstrap, timeout_s=2, embedded=False)
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        describe_cluster(Connection(make_admin(settings), settings))
    assert time.monotonic() - started < 2 + 1
    assert str(caught.value) == (
        f"Cannot reach Kafka at {unreachable_bootstrap}: connection refused (is the broker running?)"
    )


def test_cli_unreachable_cluster_is_one_line_on_stderr(unreachable_bootstrap):
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": unreachable_bootstrap, "KAFKA_TIMEOUT_S": "2"}
    started = time.monotonic()
    result = cli("cluster", env=env)
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: Cannot reach Kafka at {unreachable_bootstrap}: connection refused (is the broker running?)"
    )
    # The 1 s margin is for the call; interpreter start-up is measured separately.
    assert elapsed < 2 + 1 + 3


def test_cli_cluster_json_masks_secrets(cluster_env):
    env = {**cluster_env, "KAFKA_SASL_USERNAME": "alice", "KAFKA_SASL_PASSWORD": "hunter2-secret"}
    env.setdefault("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    result = cli("cluster", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    assert "hunter2-secret" not in result.stdout + result.stderr
    shown = json.loads(result.stdout)["settings"]
    assert shown["sasl.password"] == "********"
    assert shown["sasl.username"] == "alice"
