"""Helpers shared by the bench scripts: process stats, a broker per phase, the app in Chromium."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (str(ROOT), str(ROOT / "tests")):
    if extra not in sys.path:
        sys.path.insert(0, extra)

from support.ports import free_base_port  # noqa: E402

from kafka_io.errors import Unavailable  # noqa: E402
from kafka_io.local import engines  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


@dataclass(frozen=True)
class BenchBroker:
    engine: str
    bootstrap: str
    pids: tuple[int, ...]

    def cpu_s(self) -> float:
        """CPU seconds of every node of the broker (one JVM per Apache Kafka node)."""
        return sum(proc_cpu_s(pid) for pid in self.pids)


def add_engine_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=engines.ENGINES,
        default=engines.DEFAULT_ENGINE,
        help="the local broker the run starts: noida (default, noida-db) or apache (Apache Kafka, KRaft)",
    )


def _start(engine: str, data_dir: Path, tries: int = 3, nodes: int = 1) -> engines.LocalStatus:
    """A free port can be taken between pick and bind (Apache Kafka binds two ports a node)."""
    for attempt in range(tries):
        try:
            return engines.start(engine, free_base_port(nodes), data_dir, nodes)
        except Unavailable:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def fresh_broker(workdir: Path, name: str, engine: str = engines.DEFAULT_ENGINE, nodes: int = 1):
    """A broker of its own per phase: noida rewrites its whole store on every change, so
    data left by one phase would bill its persistence work to the next."""
    data_dir = workdir / name
    status = _start(engine, data_dir, nodes=nodes)
    try:
        yield BenchBroker(engine, status.bootstrap, tuple(pid for pid in status.pids if pid))
    finally:
        engines.stop(engine, data_dir)


@contextlib.contextmanager
def app_and_page(bootstrap: str, workdir: Path):
    from e2e.conftest import CHROMIUM_ARGS, StreamlitServer  # the e2e tier's server: same flags, same config
    from playwright.sync_api import sync_playwright

    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    app = StreamlitServer(env, workdir / "streamlit.log")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield app, browser.new_page(viewport={"width": 1400, "height": 900})
            browser.close()
    finally:
        app.stop()
