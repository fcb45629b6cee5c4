"""The embedded Kafka-protocol broker (noida-db) for laptops and tests.

It is a dev/demo broker: we run the binary inside the noida_db wheel directly,
because SIGTERM to its pip wrapper script orphans the server, and we stop it
by PID (SIGTERM, wait, SIGKILL). See docs/demo.md, "The embedded broker".
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kafka_io.errors import KafkaIOError, Unavailable
from kafka_io.settings.sections import DEFAULT_DATA_DIR, DEFAULT_EMBEDDED_PORT

__all__ = [
    "BrokerStatus",
    "DEFAULT_DATA_DIR",
    "DEFAULT_PORT",
    "READY_TIMEOUT_S",
    "broker_status",
    "process_matches",
    "start_broker",
    "stop_broker",
    "terminate_process",
]

DEFAULT_PORT = DEFAULT_EMBEDDED_PORT
HOST = "127.0.0.1"
READY_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
PROBE_TIMEOUT_S = 1.0
PID_FILE = "broker.json"
LOG_FILE = "broker.log"
LOG_TAIL_LINES = 20


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    bootstrap: str
    running: bool
    pid: int | None = None
    # True when something we did not start already served Kafka on the port.
    reused: bool = False
    data_dir: str | None = None
    # True only when this call launched the process (so the caller owns stopping it).
    started: bool = False


def binary_path() -> Path:
    try:
        import noida_db
    except ImportError:
        raise KafkaIOError("noida-db is not installed; run `make run` (or pip install -r requirements.txt)") from None
    path = Path(noida_db.__file__).parent / "noida-db"
    if not path.is_file():
        raise KafkaIOError(f"the noida-db binary is missing from its package ({path})")
    return path


def speaks_kafka(port: int, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True when a Kafka broker answers a metadata request on 127.0.0.1:port."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(
        {
            "bootstrap.servers": f"{HOST}:{port}",
            "socket.connection.setup.timeout.ms": max(int(timeout_s * 1000), 1000),
            "log_level": 0,
            "error_cb": lambda _err: None,
        }
    )
    try:
        admin.list_topics(timeout=timeout_s)
        return True
    except Exception:
        return False


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(PROBE_TIMEOUT_S)
        return sock.connect_ex((HOST, port)) == 0


def _read_pid_file(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / PID_FILE).read_text())
    except (OSError, ValueError):
        return None


def process_matches(pid: int, marker: bytes) -> bool:
    """True when process `pid` is alive and its command line contains `marker`.

    The marker guards against a recycled PID from a stale PID file.
    """
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc (macOS): trust the PID file
    return marker in cmdline


def _is_our_process(pid: int) -> bool:
    return process_matches(pid, b"noida-db")


def _log_tail(data_dir: Path) -> str:
    try:
        lines = (data_dir / LOG_FILE).read_text(errors="replace").splitlines()
    except OSError:
        return "(no broker log)"
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(broker log is empty)"


def start_broker(
    port: int = DEFAULT_PORT,
    data_dir: Path = DEFAULT_DATA_DIR,
    ready_timeout_s: float = READY_TIMEOUT_S,
) -> BrokerStatus:
    """Start the broker in the background and return once it answers metadata."""
    data_dir = Path(data_dir).resolve()
    if port_in_use(port):
        if speaks_kafka(port):
            recorded = _read_pid_file(data_dir)
            pid = recorded["pid"] if recorded and recorded.get("port") == port else None
            return BrokerStatus(f"{HOST}:{port}", True, pid, reused=pid is None, data_dir=str(data_dir))
        raise Unavailable(f"port {port} is in use by something that does not speak Kafka; choose another port")
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOG_FILE, "ab") as log_file:
        process = subprocess.Popen(
            [
                str(binary_path()),
                "start",
                "--only",
                "kafka",
                "--host",
                HOST,
                "--kafka-port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal must not kill it before we stop it cleanly
        )
    (data_dir / PID_FILE).write_text(json.dumps({"pid": process.pid, "port": port}))
    _wait_ready(process, port, data_dir, ready_timeout_s)
    return BrokerStatus(f"{HOST}:{port}", True, process.pid, data_dir=str(data_dir), started=True)


def _wait_ready(process: subprocess.Popen, port: int, data_dir: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            (data_dir / PID_FILE).unlink(missing_ok=True)
            raise Unavailable(
                f"the embedded broker exited with code {process.returncode}; log tail:\n{_log_tail(data_dir)}"
            )
        if port_in_use(port) and speaks_kafka(port):
            return
        time.sleep(0.1)
    terminate_process(process.pid)
    (data_dir / PID_FILE).unlink(missing_ok=True)
    raise Unavailable(
        f"the embedded broker did not answer on {HOST}:{port} within {timeout_s:g} s; log tail:\n{_log_tail(data_dir)}"
    )


def terminate_process(pid: int, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM, wait up to timeout_s, then SIGKILL."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            reaped, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            reaped = 0  # not our child: fall back to probing with signal 0
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            if _is_zombie(pid):
                return  # dead; only its parent has not reaped it yet
        else:
            if reaped == pid:
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        return


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]  # the state follows the "(comm)" field


def stop_broker(data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    """Stop the broker recorded in data_dir; False when none was running."""
    data_dir = Path(data_dir).resolve()
    recorded = _read_pid_file(data_dir)
    (data_dir / PID_FILE).unlink(missing_ok=True)
    if not recorded or not _is_our_process(int(recorded["pid"])):
        return False
    terminate_process(int(recorded["pid"]))
    return True


def broker_status(port: int = DEFAULT_PORT, data_dir: Path = DEFAULT_DATA_DIR) -> BrokerStatus:
    data_dir = Path(data_dir).resolve()
    recorded = _read_pid_file(data_dir)
    if recorded and _is_our_process(int(recorded["pid"])):
        port = int(recorded.get("port", port))
        return BrokerStatus(f"{HOST}:{port}", speaks_kafka(port), int(recorded["pid"]), data_dir=str(data_dir))
    running = port_in_use(port) and speaks_kafka(port)
    return BrokerStatus(f"{HOST}:{port}", running, None, reused=running, data_dir=str(data_dir))
