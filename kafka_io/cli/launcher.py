"""`make run`: the embedded broker (when no cluster is configured), the demo, and the app.

Everything started here is stopped here on Ctrl-C or SIGTERM: the app and the
demo first (SIGTERM, so the demo closes its consumers cleanly), the broker last.

While the app runs, serve reaps the broker it started as soon as it exits:
an unreaped child stays a zombie, and `broker stop` from another terminal
then waits its full 10 s for a process that is already dead. A broker or demo
that exits is reported on this terminal; the broker's exit also in the app's
sidebar (kafka_io.local.notices) until a broker answers on its port again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kafka_io.access.audit import audit_path, audit_path_reason
from kafka_io.config import load_settings
from kafka_io.demo.control import stop_demo
from kafka_io.local import engines
from kafka_io.local.noida import DEFAULT_DATA_DIR, port_in_use
from kafka_io.local.notices import clear_broker_notice, write_broker_notice
from kafka_io.settings import child_environment, file_settings, local_settings
from kafka_io.settings.sections import DATA_DIR_ENV, EMBEDDED_PORT_ENV

__all__ = ["Launcher", "serve"]

APP_PATH = Path(__file__).resolve().parents[2] / "app.py"
# The demo closes its consumers and flushes its producer on SIGTERM: ~1 s.
CHILD_STOP_TIMEOUT_S = 15.0
WAIT_POLL_S = 0.5


@dataclass
class Launcher:
    app_port: int
    demo: bool = True
    data_dir: Path = DEFAULT_DATA_DIR
    engine: str = engines.DEFAULT_ENGINE
    children: list[subprocess.Popen] = field(default_factory=list)
    app: subprocess.Popen | None = None
    demo_process: subprocess.Popen | None = None
    started_broker: bool = False
    broker_pids: list[int] = field(default_factory=list)  # ours, not yet reaped
    broker_port: int | None = None
    broker_gone: bool = False  # exited under us; a notice is up until a broker answers again

    def start(self) -> str:
        settings, port = load_settings(), local_settings().embedded_port
        data_dir = Path(self.data_dir).resolve()
        # The app finds the demo's control files (sidebar Pause/Resume) through this.
        env = child_environment(**{DATA_DIR_ENV: str(data_dir)})
        if settings.embedded:
            status = engines.start(self.engine, port, data_dir)
            self.started_broker = status.started
            if status.started:
                self.broker_pids = [pid for pid in status.pids if pid is not None]
                self.broker_port = port
                clear_broker_notice(data_dir)
            how = "started" if status.started else "reusing"
            what = "embedded broker" if self.engine == "noida" else "embedded Apache Kafka"
            print(f"{what}: {how} on {status.bootstrap} (data in {status.data_dir})", flush=True)
            env[EMBEDDED_PORT_ENV] = str(port)
            if self.demo:
                self.demo_process = self._spawn(
                    [
                        sys.executable,
                        "-m",
                        "kafka_io",
                        "demo",
                        "--bootstrap",
                        status.bootstrap,
                        "--data-dir",
                        str(data_dir),
                    ],
                    env,
                )
        else:
            print(f"cluster: {settings.bootstrap_servers} (no embedded broker, no demo)", flush=True)
        self.app = self._spawn(
            [sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.port", str(self.app_port)],
            env,
        )
        url = f"http://127.0.0.1:{self.app_port}"
        files = file_settings(env)  # the app's, as the app will see them
        print(f"audit log: {audit_path(files)} ({audit_path_reason(files)})", flush=True)
        print(f"dashboard: {url}  (Ctrl-C stops everything)", flush=True)
        return url

    def _spawn(self, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        # Own process group: Ctrl-C reaches us first, so we stop children in order.
        child = subprocess.Popen(argv, env=env, cwd=APP_PATH.parent, start_new_session=True)
        self.children.append(child)
        return child

    def wait(self) -> int:
        """Until the app exits. A broker or demo that exits is reported; the dashboard keeps running."""
        demo_reported = False
        while self.app.poll() is None:
            if self.demo_process and not demo_reported and self.demo_process.poll() is not None:
                print(f"demo {_how(self.demo_process.returncode)}; the dashboard keeps running", flush=True)
                demo_reported = True
            self.watch_broker()
            time.sleep(WAIT_POLL_S)
        return self.app.returncode

    def watch_broker(self) -> None:
        """Reap the broker child that exited, and say so; clear the notice when one is back."""
        for pid in list(self.broker_pids):
            try:
                reaped, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # already reaped elsewhere (engines.stop at exit)
                reaped, status = pid, 0
            if reaped != pid:
                continue
            self.broker_pids.remove(pid)
            self.broker_gone = True
            code = os.waitstatus_to_exitcode(status)
            at = time.strftime("%H:%M:%S")
            text = (
                f"The embedded broker (pid {pid}) {_how(code)} at {at}. "
                f"Start it again with: python -m kafka_io broker start --port {self.broker_port} "
                f"--data-dir {self.data_dir}"
            )
            print(f"{text}; the dashboard keeps running", flush=True)
            write_broker_notice(Path(self.data_dir).resolve(), text)
        if self.broker_gone and self.broker_port is not None and port_in_use(self.broker_port):
            self.broker_gone = False
            clear_broker_notice(Path(self.data_dir).resolve())
            print(f"a broker answers on port {self.broker_port} again", flush=True)

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
        if self.demo:
            # A demo restarted from the sidebar is the app's child in its own session: stop it too.
            stop_demo(Path(self.data_dir).resolve())
        if self.started_broker:
            engines.stop(self.engine, Path(self.data_dir).resolve())
            clear_broker_notice(Path(self.data_dir).resolve())
            print("embedded broker stopped", flush=True)


def _how(code: int | None) -> str:
    """'exited with code 1', or 'was stopped by SIGTERM' for a signal."""
    if code is not None and code < 0:
        try:
            return f"was stopped by {signal.Signals(-code).name}"
        except ValueError:
            return f"was stopped by signal {-code}"
    return f"exited with code {code}"


def _raise_interrupt(_signum, _frame) -> None:
    # SIGTERM (e.g. from a supervisor) stops everything the same way Ctrl-C does.
    raise KeyboardInterrupt


def serve(app_port: int, demo: bool, data_dir: Path = DEFAULT_DATA_DIR, engine: str = engines.DEFAULT_ENGINE) -> int:
    launcher = Launcher(app_port, demo, data_dir, engine)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        launcher.start()
        return launcher.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        launcher.stop()
