"""A real schema registry for the tests: Apicurio Registry (Confluent-compatible API), in memory.

``tests/registry/ensure_registry.sh`` (run by ``make test``) unpacks it from
Maven Central; ``start_registry`` runs it on a free port and waits until its
Confluent API answers. With SCHEMA_REGISTRY_URL set, the tests use that
registry instead, as they use KAFKA_BOOTSTRAP_SERVERS' cluster.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .ports import free_port

ROOT = Path(__file__).resolve().parents[2]
VERSION = "3.0.9"
HOME = Path(os.environ.get("KDASH_REGISTRY_HOME") or ROOT / ".cache" / "apicurio") / VERSION
CCOMPAT = "/apis/ccompat/v7"
START_TIMEOUT_S = 90.0  # ~6 s on a quiet machine; a loaded 2-core runner takes several times that


@dataclass
class Registry:
    url: str
    process: subprocess.Popen | None
    log_path: Path | None = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def runner_jar() -> Path | None:
    marker = HOME / ".complete"
    return Path(marker.read_text().strip()) if marker.is_file() else None


def start_registry(log_dir: Path) -> Registry:
    external = os.environ.get("SCHEMA_REGISTRY_URL")
    if external:
        return Registry(external.rstrip("/"), None)
    jar = runner_jar()
    if jar is None:
        subprocess.run(["bash", str(ROOT / "tests" / "registry" / "ensure_registry.sh")], check=True, timeout=900)
        jar = runner_jar()
    port, management_port = free_port(), free_port()
    log_path = log_dir / "apicurio.log"
    command = [
        "java",
        "-Xmx384m",
        "-XX:TieredStopAtLevel=1",  # starts faster; the tests send a few hundred schemas at most
        "-Dquarkus.http.host=127.0.0.1",
        f"-Dquarkus.http.port={port}",
        "-Dquarkus.management.host=127.0.0.1",
        f"-Dquarkus.management.port={management_port}",
        "-Dapicurio.storage.kind=sql",
        "-Dapicurio.storage.sql.kind=h2",
        "-Dapicurio.datasource.url=jdbc:h2:mem:registry",
        "-Dquarkus.http.access-log.enabled=false",
        "-jar",
        str(jar),
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=jar.parent, stdout=log, stderr=subprocess.STDOUT)
    registry = Registry(f"http://127.0.0.1:{port}{CCOMPAT}", process, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Apicurio exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{registry.url}/subjects", timeout=2) as answer:
                if answer.status == 200:
                    return registry
        except OSError:
            time.sleep(0.3)
    registry.stop()
    raise RuntimeError(f"Apicurio did not answer within {START_TIMEOUT_S:g} s:\n{log_path.read_text()[-3000:]}")
