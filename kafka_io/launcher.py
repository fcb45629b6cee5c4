"""`make run`: the embedded broker (when no cluster is configured), the demo, and the app.

Everything started here is stopped here, in reverse order, on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kafka_io.broker import DEFAULT_DATA_DIR, start_broker, stop_broker
from kafka_io.config import DEFAULT_EMBEDDED_PORT, load_settings

__all__ = ["Launcher", "serve"]

APP_PATH = Path(__file__).resolve().parent.parent / "app.py"
CHILD_STOP_TIMEOUT_S = 10.0


@dataclass
class Launcher:
    app_port: int
    demo: bool = True
    data_dir: Path = DEFAULT_DATA_DIR
    children: list[subprocess.Popen] = field(default_factory=list)
    started_broker: bool = False

    def start(self) -> str:
        settings = load_settings()
        env = dict(os.environ)
        if settings.embedded:
            port = int(os.environ.get("KAFKA_EMBEDDED_PORT", DEFAULT_EMBEDDED_PORT))
            status = start_broker(port, self.data_dir)
            self.started_broker = status.started
            how = "started" if status.started else "reusing"
            print(f"embedded broker: {how} on {status.bootstrap} (data in {self.data_dir})", flush=True)
            env["KAFKA_EMBEDDED_PORT"] = str(port)
            if self.demo:
                self._spawn([sys.executable, "-m", "kafka_io", "demo", "--bootstrap", status.bootstrap], env)
        else:
            print(f"cluster: {settings.bootstrap_servers} (no embedded broker, no demo)", flush=True)
        self._spawn(
            [sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.port", str(self.app_port)],
            env,
        )
        url = f"http://127.0.0.1:{self.app_port}"
        print(f"dashboard: {url}  (Ctrl-C stops everything)", flush=True)
        return url

    def _spawn(self, argv: list[str], env: dict[str, str]) -> None:
        # Own process group: Ctrl-C reaches us first, so we stop children in order.
        self.children.append(subprocess.Popen(argv, env=env, cwd=APP_PATH.parent, start_new_session=True))

    def wait(self) -> int:
        while all(child.poll() is None for child in self.children):
            time.sleep(0.5)
        return next(child.returncode for child in self.children if child.poll() is not None)

    def stop(self) -> None:
        for child in reversed(self.children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + CHILD_STOP_TIMEOUT_S
        for child in reversed(self.children):
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self.started_broker:
            stop_broker(self.data_dir)
            print("embedded broker stopped", flush=True)


def _raise_interrupt(_signum, _frame) -> None:
    # SIGTERM (e.g. from a supervisor) stops everything the same way Ctrl-C does.
    raise KeyboardInterrupt


def serve(app_port: int, demo: bool, data_dir: Path = DEFAULT_DATA_DIR) -> int:
    launcher = Launcher(app_port, demo, data_dir)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        launcher.start()
        return launcher.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        launcher.stop()
