"""Helpers shared by the bench scripts: process stats, a broker per phase, the app in Chromium."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (str(ROOT), str(ROOT / "tests")):
    if extra not in sys.path:
        sys.path.insert(0, extra)

from kafka_helpers import free_port  # noqa: E402

from kafka_io.local.noida import start_broker, stop_broker  # noqa: E402

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


@contextlib.contextmanager
def fresh_broker(workdir: Path, name: str):
    """A broker of its own per phase: noida rewrites its whole store on every change, so
    data left by one phase would bill its persistence work to the next."""
    data_dir = workdir / name
    status = start_broker(free_port(), data_dir)
    try:
        yield status
    finally:
        stop_broker(data_dir)


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
