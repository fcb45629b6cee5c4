"""SASL credentials never leak: not in CLI output, logs or errors.

noida-db accepts any SASL/PLAIN credentials, so the same settings work against
it for real; when the session runs on Apache Kafka (a PLAINTEXT listener), this
module starts a noida-db of its own for that. The unreachable case exercises the
error path.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support.ports import free_port

from kafka_io.local.noida import start_broker, stop_broker

PASSWORD = "S3cret-Pa55word-do-not-show"


def sasl_env(bootstrap: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env.update(
        {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM": "PLAIN",
            "KAFKA_SASL_USERNAME": "alice",
            "KAFKA_SASL_PASSWORD": PASSWORD,
            "KAFKA_TIMEOUT_S": "2",
        }
    )
    return env


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kafka_io", "-v", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.fixture(scope="module")
def sasl_bootstrap(engine, kafka_bootstrap, tmp_path_factory):
    if engine == "noida":
        yield kafka_bootstrap
        return
    data_dir = tmp_path_factory.mktemp("sasl-noida")
    status = start_broker(free_port(), data_dir)
    try:
        yield status.bootstrap
    finally:
        stop_broker(data_dir)


@pytest.mark.skipif(bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="needs the embedded broker's SASL/PLAIN")
def test_sasl_plain_works_and_the_password_is_never_printed(sasl_bootstrap):
    result = run_cli("cluster", "--format", "json", env=sasl_env(sasl_bootstrap))
    assert result.returncode == 0, result.stderr
    assert '"sasl.password":"********"' in result.stdout
    assert PASSWORD not in result.stdout + result.stderr


def test_failed_connection_with_verbose_logs_never_prints_the_password(unreachable_bootstrap):
    result = run_cli("cluster", env=sasl_env(unreachable_bootstrap))
    assert result.returncode == 1
    assert f"Cannot reach Kafka at {unreachable_bootstrap}" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
