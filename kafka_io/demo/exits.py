"""Why the demo stopped, and starting it again: what the sidebar's "demo stopped: <reason>" and Restart use.

A demo that exits writes ``demo-exit.json`` (reason, bootstrap, prefix, speed)
next to its status file; a new demo removes it when it starts. A demo killed
without a word (SIGKILL, a crash of the interpreter) leaves its status file
behind with a dead PID: that is reported too, so the badge never just vanishes.

Restart spawns ``python -m kafka_io demo`` in its own session, logging to
``demo.log`` in the data dir. Whoever stops the app stops it with
``stop_demo`` (the launcher does), as it stops a demo it started itself.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kafka_io.access.actor import Actor
from kafka_io.access.guard import write_guard
from kafka_io.config import ClusterSettings
from kafka_io.demo.state import STATUS_FILE, demo_status, read_json, write_json
from kafka_io.errors import KafkaIOError
from kafka_io.settings import child_environment
from kafka_io.settings.sections import DEMO_AUDITED_ENV

__all__ = ["EXIT_FILE", "LOG_FILE", "DemoExit", "clear_exit", "demo_exit", "restart_demo", "write_exit"]

EXIT_FILE = "demo-exit.json"
LOG_FILE = "demo.log"
ROOT = Path(__file__).resolve().parents[2]
REASON_CHARS = 300  # a reason is one line in the sidebar


@dataclass(frozen=True, slots=True)
class DemoExit:
    reason: str
    bootstrap: str
    prefix: str
    speed: float
    stopped_at_s: float


def write_exit(data_dir: Path, reason: str, bootstrap: str, prefix: str, speed: float) -> None:
    path = Path(data_dir) / EXIT_FILE
    payload = {
        "reason": " ".join(str(reason).split())[:REASON_CHARS],
        "bootstrap": bootstrap,
        "prefix": prefix,
        "speed": speed,
        "stopped_at_s": time.time(),
    }
    write_json(path, payload)  # the app never reads half a file


def clear_exit(data_dir: Path) -> None:
    (Path(data_dir) / EXIT_FILE).unlink(missing_ok=True)


def demo_exit(data_dir: Path) -> DemoExit | None:
    """Why the demo of this data dir stopped; None while one runs or when none ever ran here."""
    data_dir = Path(data_dir)
    if demo_status(data_dir) is not None:
        return None
    data = read_json(data_dir / EXIT_FILE)
    if data is None:
        stale = read_json(data_dir / STATUS_FILE)  # written by a demo that never got to say goodbye
        if stale is None:
            return None
        data = {**stale, "reason": f"the demo process (pid {stale.get('pid')}) exited without saying why"}
    try:
        return DemoExit(
            str(data["reason"]),
            str(data["bootstrap"]),
            str(data["prefix"]),
            float(data.get("speed", 1.0)),
            float(data.get("stopped_at_s", 0.0)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def restart_demo(data_dir: Path, stopped: DemoExit, settings: ClusterSettings, *, actor: Actor | None = None) -> int:
    """Start the demo again as it ran before (same broker, prefix and speed); its PID."""
    data_dir = Path(data_dir).resolve()
    details = {"speed": stopped.speed, "restart": True}
    with write_guard(settings, actor, "demo.start", stopped.prefix, details) as note:
        if demo_status(data_dir) is not None:
            raise KafkaIOError("a demo is already running")
        note.details["pid"] = pid = _spawn_demo(data_dir, stopped)
        return pid


def _spawn_demo(data_dir: Path, stopped: DemoExit) -> int:
    clear_exit(data_dir)
    (data_dir / STATUS_FILE).unlink(missing_ok=True)  # a dead demo's leftover
    argv = [
        sys.executable,
        "-m",
        "kafka_io",
        "demo",
        "--bootstrap",
        stopped.bootstrap,
        "--prefix",
        stopped.prefix,
        "--speed",
        f"{stopped.speed:g}",
        "--data-dir",
        str(data_dir),
    ]
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOG_FILE, "ab") as log:
        # Its own session: a Ctrl-C meant for the app does not reach it; stop_demo does.
        child = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=child_environment(**{DEMO_AUDITED_ENV: "1"}),  # this app audited the restart
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    threading.Thread(target=child.wait, name="kdash-demo-reaper", daemon=True).start()  # no zombie once it exits
    return child.pid
