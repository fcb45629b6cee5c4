"""Shared fixtures: one real Kafka broker per test session.

Without KAFKA_BOOTSTRAP_SERVERS, a local broker is started on a free port with a
temporary data dir: noida-db, or Apache Kafka with KDASH_ENGINE=apache (`make
test` runs the integration and app tiers on both). With it, every tier runs
against that cluster instead. Names get uuid suffixes so runs never collide.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from support.ports import free_port
from support.registry import start_registry

from kafka_io.config import ClusterSettings, load_settings
from kafka_io.errors import Unavailable
from kafka_io.local import engines

# Every write the tests make is audited: into a file of this run, never the user's ~/.kdash.
# Set before any fixture, so the app, CLI and demo processes the tests start inherit it.
if not os.environ.get("KDASH_AUDIT_LOG"):
    os.environ["KDASH_AUDIT_LOG"] = os.path.join(
        os.environ.get("TMPDIR", "/tmp"), f"kdash-test-audit-{os.getpid()}-{uuid.uuid4().hex[:6]}.jsonl"
    )

# Session fixtures that live beside their helpers in tests/support.
pytest_plugins = ["support.secure_kafka"]

EXTERNAL_BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
ENGINE = engines.engine_from_env()
PORT_TRIES = 3  # a free port's neighbours (Apache Kafka's controller port) may be taken


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory) -> str:
    if EXTERNAL_BOOTSTRAP:
        yield EXTERNAL_BOOTSTRAP
        return
    data_dir = tmp_path_factory.mktemp("kafka-data")
    status = start_local(data_dir)
    try:
        yield status.bootstrap
    finally:
        engines.stop(ENGINE, data_dir)


def start_local(data_dir: Path, nodes: int = 1) -> engines.LocalStatus:
    """The session's engine on a free port (a few tries: ports can be taken between pick and bind)."""
    for attempt in range(PORT_TRIES):
        try:
            return engines.start(ENGINE, free_port(), data_dir, nodes)
        except Unavailable:
            if attempt == PORT_TRIES - 1:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def engine() -> str:
    return ENGINE


@pytest.fixture(scope="session")
def cluster_env(kafka_bootstrap) -> dict[str, str]:
    """Environment that points the app, CLI and kafka_io at the test cluster."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env["KAFKA_BOOTSTRAP_SERVERS"] = kafka_bootstrap
    for key in (
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SASL_MECHANISM",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "KAFKA_CLIENT_PROPERTIES",
    ):
        if os.environ.get(key):
            env[key] = os.environ[key]
    return env


@pytest.fixture(scope="session")
def settings(cluster_env) -> ClusterSettings:
    return load_settings(env=cluster_env, secrets_path=Path("/nonexistent"))


@pytest.fixture(scope="session")
def schema_registry(tmp_path_factory):
    """A real schema registry (Apicurio, in memory), one per session; its Confluent-API URL."""
    registry = start_registry(tmp_path_factory.mktemp("registry"))
    try:
        yield registry.url
    finally:
        registry.stop()


@pytest.fixture
def registry_env(cluster_env, schema_registry) -> dict[str, str]:
    return {**cluster_env, "SCHEMA_REGISTRY_URL": schema_registry}


@pytest.fixture
def registry_settings(registry_env) -> ClusterSettings:
    return load_settings(env=registry_env, secrets_path=Path("/nonexistent"))


@pytest.fixture
def unique():
    """unique("orders") -> "test-orders-1a2b3c4d"."""
    return lambda prefix="t": f"test-{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def unreachable_bootstrap() -> str:
    return f"127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
