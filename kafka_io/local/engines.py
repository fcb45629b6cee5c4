"""One way to start, stop and check a local broker, whichever engine runs it.

- ``noida``: noida-db, one light binary from PyPI; the default for `make run`
  (no Java needed).
- ``apache``: Apache Kafka in KRaft mode, jars from Maven Central, N nodes; what
  production runs, for tests and `make run KAFKA=apache`.

Each engine keeps its files in its own folder of the data dir, so both can
live in one `.kafka-local/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kafka_io.errors import InvalidInput
from kafka_io.local import apache, noida
from kafka_io.settings import local_settings
from kafka_io.settings.sections import ENGINE_ENV, ENGINES

__all__ = ["DEFAULT_ENGINE", "ENGINES", "ENGINE_ENV", "LocalStatus", "engine_from_env", "start", "status", "stop"]

DEFAULT_ENGINE = ENGINES[0]


@dataclass(frozen=True, slots=True)
class LocalStatus:
    engine: str
    bootstrap: str
    running: bool
    pids: tuple[int | None, ...] = ()
    data_dir: str | None = None
    # True only when this call launched processes (so the caller owns stopping them).
    started: bool = False
    # True when something we did not start already served Kafka on the port.
    reused: bool = False

    @property
    def pid_text(self) -> str:
        return ", ".join("down" if pid is None else str(pid) for pid in self.pids)


def engine_from_env() -> str:
    """KDASH_ENGINE (kafka_io.settings); a --engine flag, where there is one, wins over it."""
    return local_settings().engine


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise InvalidInput(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def engine_dir(engine: str, data_dir: Path) -> Path:
    """noida keeps its files in the data dir itself (as it always has), apache in ``apache/``."""
    return Path(data_dir) / "apache" if engine == "apache" else Path(data_dir)


def start(engine: str, port: int, data_dir: Path, nodes: int = 1) -> LocalStatus:
    folder = engine_dir(check_engine(engine), data_dir)
    if engine == "noida":
        if nodes != 1:
            raise InvalidInput("the noida engine runs one broker; use --engine apache for --nodes > 1")
        s = noida.start_broker(port, folder)
        return LocalStatus(engine, s.bootstrap, s.running, (s.pid,), s.data_dir, s.started, s.reused)
    a = apache.start_cluster(nodes, port, folder)
    return LocalStatus(engine, a.bootstrap, a.running, a.pids, a.data_dir, a.started)


def stop(engine: str, data_dir: Path) -> bool:
    folder = engine_dir(check_engine(engine), data_dir)
    return noida.stop_broker(folder) if engine == "noida" else apache.stop_cluster(folder)


def status(engine: str, port: int, data_dir: Path) -> LocalStatus:
    folder = engine_dir(check_engine(engine), data_dir)
    if engine == "noida":
        s = noida.broker_status(port, folder)
        return LocalStatus(engine, s.bootstrap, s.running, (s.pid,) if s.pid else (), s.data_dir)
    a = apache.cluster_status(folder)
    return LocalStatus(engine, a.bootstrap or f"{apache.HOST}:{port}", a.running, a.pids, a.data_dir)
