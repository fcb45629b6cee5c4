"""A broker of a test's own, on the session's engine (KDASH_ENGINE), to stop,
restart, freeze or kill without touching the session's broker."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from kafka_io.errors import Unavailable
from kafka_io.local import engines

from .ports import free_port

ENGINE = engines.engine_from_env()
PORT_TRIES = 3  # a free port's neighbour (Apache Kafka's controller port) may be taken


@dataclass
class OwnBroker:
    data_dir: Path
    port: int
    bootstrap: str
    pid: int

    def stop(self) -> None:
        engines.stop(ENGINE, self.data_dir)

    def go_down(self) -> None:
        """Down at once, to come back whole: SIGKILL on Apache Kafka (its log survives a
        kill, and there is no controlled-shutdown window whose partial answers would race
        the test), a clean stop on noida-db (which saves its data only on a clean stop)."""
        if ENGINE == "apache":
            self.kill()
        else:
            self.stop()

    def kill(self, timeout_s: float = 10.0) -> None:
        """SIGKILL, as a crashing machine ends a broker: no controlled shutdown, no goodbye."""
        os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout_s
        while Path(f"/proc/{self.pid}").exists() and _state(self.pid) not in ("Z", "X"):
            if time.monotonic() > deadline:
                raise AssertionError(f"broker {self.pid} still alive {timeout_s:g} s after SIGKILL")
            time.sleep(0.05)

    def start(self) -> OwnBroker:
        """Start it again on the same port and data: the same cluster comes back."""
        status = engines.start(ENGINE, self.port, self.data_dir)
        self.pid = status.pids[0]
        return self


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return "X"


def start_own_broker(data_dir: Path) -> OwnBroker:
    for attempt in range(PORT_TRIES):
        port = free_port()
        try:
            status = engines.start(ENGINE, port, data_dir)
        except Unavailable:
            if attempt == PORT_TRIES - 1:
                raise
            continue
        return OwnBroker(Path(data_dir), port, status.bootstrap, status.pids[0])
    raise AssertionError("unreachable")
