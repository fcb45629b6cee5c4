"""Failures we cannot get from a healthy broker, produced for real on loopback.

- HangingProxy: a TCP proxy we control; hang() keeps every connection open but
  stops forwarding, like a broker that accepted the connection and went silent.
- frozen_process(pid): SIGSTOP a real broker process (a hung broker for clients
  that are already connected), SIGCONT on exit.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

BUFFER_BYTES = 65536


class HangingProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._forwarding = threading.Event()
        self._forwarding.set()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def hang(self) -> None:
        self._forwarding.clear()

    def resume(self) -> None:
        self._forwarding.set()

    def close(self) -> None:
        self._closed.set()
        self._forwarding.set()
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        while not self._closed.is_set():
            if not self._forwarding.is_set():
                self._forwarding.wait(0.1)  # hold the bytes: nobody gets an answer
                continue
            try:
                readable, _, _ = select.select(list(peers), [], [], 0.1)
                for sock in readable:
                    data = sock.recv(BUFFER_BYTES)
                    if not data:
                        return
                    peers[sock].sendall(data)
            except OSError:
                return


@contextlib.contextmanager
def frozen_process(pid: int, stop_timeout_s: float = 5.0) -> Iterator[None]:
    os.kill(pid, signal.SIGSTOP)
    try:
        # kill() returns before every thread has stopped; on a loaded runner a JVM thread
        # busy in the kernel answered one more request after it. Enter only once all are.
        deadline = time.monotonic() + stop_timeout_s
        while not _all_threads_stopped(pid):
            if time.monotonic() > deadline:
                raise AssertionError(f"process {pid} not stopped {stop_timeout_s:g} s after SIGSTOP")
            time.sleep(0.01)
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def _all_threads_stopped(pid: int) -> bool:
    states = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            states.append(stat.read_text().rpartition(")")[2].split()[0])
        except (OSError, IndexError):
            continue  # a thread that ended while we looked
    return bool(states) and all(state in ("T", "t", "Z", "X") for state in states)


@contextlib.contextmanager
def dedicated_broker(tmp_path) -> Iterator[tuple[str, int]]:
    """A broker of the test's own, to kill, freeze or restart: (bootstrap, pid)."""
    from .own_broker import start_own_broker

    own = start_own_broker(tmp_path / "broker")
    try:
        yield own.bootstrap, own.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(own.pid, signal.SIGCONT)
        own.stop()
