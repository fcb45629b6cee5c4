"""Free loopback ports for the brokers, registries and apps the tests start."""

from __future__ import annotations

import socket

from kafka_io.local.apache import CONTROLLER_PORT_OFFSET


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_base_port(nodes: int) -> int:
    """A base port whose broker ports and controller ports (base+100+i) are all free."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        wanted = [base + i for i in range(nodes)] + [base + CONTROLLER_PORT_OFFSET + i for i in range(nodes)]
        if max(wanted) < 65536 and all(bindable(p) for p in wanted):
            return base
    raise RuntimeError("no free run of ports found")


def bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
