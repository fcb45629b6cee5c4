"""The files a running demo shares with the UI, in the data dir (the embedded broker's,
`.kafka-local/` by default, or $KDASH_DATA_DIR):

    demo.json         {"paused": bool}     written by set_demo_paused(), polled by the demo
    demo-status.json  {"pid", "bootstrap", "prefix", "topics", "groups", "started_at_s", "speed",
                       "producer_recreated", "worker_restarts"}
                      written by a running demo, removed when it exits

and ``demo-exit.json`` (demo.exits). Here, not in demo.control, because both demo.control
(which runs the demo) and demo.exits (which restarts one) read them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from kafka_io.local.noida import process_matches
from kafka_io.settings import file_settings

__all__ = [
    "CONTROL_FILE",
    "STATUS_FILE",
    "DemoStatus",
    "demo_data_dir",
    "demo_paused",
    "demo_status",
    "read_json",
    "set_demo_paused",
    "write_json",
]

CONTROL_FILE = "demo.json"
STATUS_FILE = "demo-status.json"
# Every demo runs as `python -m kafka_io demo`: a recycled PID will not match.
_PROCESS_MARKER = b"kafka_io"


@dataclass(frozen=True, slots=True)
class DemoStatus:
    pid: int
    bootstrap: str
    prefix: str
    topics: tuple[str, ...]
    groups: tuple[str, ...]
    started_at_s: float
    paused: bool
    producer_recreated: int = 0  # producers the demo replaced after a fatal error
    worker_restarts: int = 0  # worker threads it replaced after they died


def demo_data_dir() -> Path:
    """Where the demo's files live: $KDASH_DATA_DIR (set by `make run`) or .kafka-local."""
    return file_settings().local_data_dir


def read_json(path: Path) -> dict | None:
    """A JSON object from the file, or None (missing, unreadable, not an object)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json(path: Path, payload: dict) -> None:
    # Write then rename, so the other process never reads half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, path)


def demo_paused(data_dir: Path) -> bool:
    return bool((read_json(Path(data_dir) / CONTROL_FILE) or {}).get("paused", False))


def set_demo_paused(data_dir: Path, paused: bool) -> None:
    """Ask the running demo to pause (stop producing) or resume; it reacts within ~0.5 s."""
    write_json(Path(data_dir) / CONTROL_FILE, {"paused": bool(paused)})


def demo_status(data_dir: Path) -> DemoStatus | None:
    """The demo running on this data dir, or None (never started, exited, or a stale file)."""
    data = read_json(Path(data_dir) / STATUS_FILE)
    try:
        pid = int(data["pid"])
        status = DemoStatus(
            pid,
            str(data["bootstrap"]),
            str(data["prefix"]),
            tuple(data["topics"]),
            tuple(data["groups"]),
            float(data["started_at_s"]),
            demo_paused(data_dir),
            int(data.get("producer_recreated", 0)),
            int(data.get("worker_restarts", 0)),
        )
    except (TypeError, KeyError, ValueError):
        return None
    return status if process_matches(pid, _PROCESS_MARKER) else None
