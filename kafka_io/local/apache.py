"""A real Apache Kafka (KRaft) cluster on 127.0.0.1 for laptops and tests.

N combined broker+controller nodes (kafka_io.local.kraft). Each node lives in
``data_dir/node-<i>/`` (properties, log4j2 config, server.log, stdout.log,
data/); ``data_dir/apache.json`` records the cluster id, ports and pids.

The jars come from Maven Central (kafka_io.local.jars).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kafka_io.errors import KafkaIOError, Unavailable
from kafka_io.local.jars import ensure_jars
from kafka_io.local.kraft import (
    CONTROLLER_PORT_OFFSET,
    HOST,
    NO_EXTRAS,
    NodeExtras,
    format_nodes,
    launch,
    log_tail,
    node_dir,
    random_cluster_id,
    write_node_config,
)
from kafka_io.local.noida import port_in_use, process_matches, terminate_process

__all__ = [
    "ApacheStatus",
    "CONTROLLER_PORT_OFFSET",
    "NodeExtras",
    "DEFAULT_DATA_DIR",
    "READY_TIMEOUT_S",
    "cluster_status",
    "kill_node",
    "start_cluster",
    "start_node",
    "stop_cluster",
]

DEFAULT_DATA_DIR = Path(".kafka-local/apache")
PID_FILE = "apache.json"
READY_TIMEOUT_S = 90.0
# A clean 3-node stop took ~6 s here (the last node waits 5 s for a lost quorum).
STOP_TIMEOUT_S = 30.0
PROBE_TIMEOUT_S = 2.0
POLL_INTERVAL_S = 0.25
WARM_UP_GROUP = "kdash-warm-up"  # only asked about: never joined, never committed, so never created


@dataclass(frozen=True, slots=True)
class ApacheStatus:
    bootstrap: str
    # True when the cluster answers metadata (a cluster with a killed node still runs).
    running: bool
    # Indexed by node id; None for a node whose process is not alive.
    pids: tuple[int | None, ...]
    data_dir: str
    nodes: int
    # True only when this call launched processes (so the caller owns stopping them).
    started: bool = False


def _read_state(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / PID_FILE).read_text())
    except (OSError, ValueError):
        return None


def _write_state(data_dir: Path, state: dict) -> None:
    tmp = data_dir / (PID_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(data_dir / PID_FILE)


def _alive(data_dir: Path, node_id: int, pid: int | None) -> bool:
    # The properties path is unique per node, so a recycled pid never matches.
    props = str(node_dir(data_dir, node_id) / "server.properties").encode()
    return pid is not None and process_matches(int(pid), props)


def _bootstrap(port: int, nodes: int) -> str:
    return ",".join(f"{HOST}:{port + i}" for i in range(nodes))


def _warm_group_coordinator(bootstrap: str, timeout_s: float) -> None:
    """Have __consumer_offsets created and its coordinator loaded before anything asks about groups.

    A fresh cluster creates it at the first group request. Until then, the admin API's
    list_consumer_group_offsets crashes the process (SIGSEGV in librdkafka, confluent-kafka
    2.16.1, Kafka 4.4: the demo died of it), while a consumer's committed() only answers
    NOT_COORDINATOR. So a consumer asks, under a group id that is never joined or committed.
    """
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": WARM_UP_GROUP,
            "enable.auto.commit": False,
            "log_level": 0,
            "error_cb": lambda _err: None,
        }
    )
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                consumer.committed([TopicPartition("__consumer_offsets", 0)], timeout=PROBE_TIMEOUT_S)
                return
            except KafkaException as exc:  # NOT_COORDINATOR while it loads
                if time.monotonic() > deadline:
                    raise Unavailable(f"the group coordinator on {bootstrap} did not come up: {exc}") from None
                time.sleep(POLL_INTERVAL_S)
    finally:
        consumer.close()


def _broker_ids(bootstrap: str, timeout_s: float = PROBE_TIMEOUT_S) -> set[int]:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(
        {
            "bootstrap.servers": bootstrap,
            "log_level": 0,
            "error_cb": lambda _err: None,
            "socket.connection.setup.timeout.ms": max(int(timeout_s * 1000), 1000),
        }
    )
    try:
        return set(admin.list_topics(timeout=timeout_s).brokers)
    except Exception:
        return set()


def _wait_ready(
    data_dir: Path, state: dict, want: set[int], launched: dict[int, subprocess.Popen], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    bootstrap = _bootstrap(state["port"], state["nodes"])
    while time.monotonic() < deadline:
        # poll(), not _alive(): for a moment after Popen returns, the child's cmdline is still empty.
        for node_id, process in launched.items():
            if process.poll() is not None:
                raise Unavailable(
                    f"Kafka node {node_id} exited with code {process.returncode} while starting:\n"
                    f"{log_tail(data_dir, node_id)}"
                )
        # Each node must answer for itself: the others keep listing a killed node until its session expires.
        ports = [state["port"] + i for i in want]
        if all(port_in_use(p) and want <= _broker_ids(f"{HOST}:{p}") for p in ports):
            return
        time.sleep(POLL_INTERVAL_S)
    tails = "\n".join(log_tail(data_dir, i) for i in sorted(want))
    raise Unavailable(f"Kafka nodes {sorted(want)} did not all answer on {bootstrap} within {timeout_s:g} s:\n{tails}")


def _status(data_dir: Path, state: dict, started: bool = False) -> ApacheStatus:
    pids = tuple(pid if _alive(data_dir, i, pid) else None for i, pid in enumerate(state["pids"]))
    bootstrap = _bootstrap(state["port"], state["nodes"])
    running = any(pids) and bool(_broker_ids(bootstrap))
    return ApacheStatus(bootstrap, running, pids, str(data_dir), state["nodes"], started)


def start_cluster(
    nodes: int = 1,
    port: int = 9092,
    data_dir: Path = DEFAULT_DATA_DIR,
    ready_timeout_s: float = READY_TIMEOUT_S,
    extras: NodeExtras = NO_EXTRAS,
) -> ApacheStatus:
    """Start (or reuse) an N-node KRaft cluster and return once every broker is in metadata.

    `extras` adds listeners, properties and format arguments (TLS, SASL users, an
    authorizer) on top of the PLAINTEXT cluster; it applies when nodes are (re)written.
    """
    if not 1 <= nodes <= CONTROLLER_PORT_OFFSET:
        raise KafkaIOError(f"nodes must be between 1 and {CONTROLLER_PORT_OFFSET}, not {nodes}")
    data_dir = Path(data_dir).resolve()
    state = _read_state(data_dir)
    if state and (state["nodes"], state["port"]) != (nodes, port):
        if any(_alive(data_dir, i, pid) for i, pid in enumerate(state["pids"])):
            raise KafkaIOError(
                f"{data_dir} runs a {state['nodes']}-node cluster on port {state['port']}; stop it first"
            )
        raise KafkaIOError(
            f"{data_dir} holds a {state['nodes']}-node cluster on port {state['port']}; "
            "start it with those settings, or remove the directory"
        )
    if state and all(_alive(data_dir, i, pid) for i, pid in enumerate(state["pids"])):
        _wait_ready(data_dir, state, set(range(nodes)), {}, ready_timeout_s)
        return _status(data_dir, state)
    dead = [i for i in range(nodes) if not (state and _alive(data_dir, i, state["pids"][i]))]
    busy = [
        p for i in dead for p in (port + i, port + CONTROLLER_PORT_OFFSET + i, *extras.ports(port, i)) if port_in_use(p)
    ]
    if busy:
        raise Unavailable(f"ports {busy} on {HOST} are in use; choose another base port")
    jars = ensure_jars()
    data_dir.mkdir(parents=True, exist_ok=True)
    state = state or {"cluster_id": random_cluster_id(), "nodes": nodes, "port": port, "pids": [None] * nodes}
    for i in dead:
        write_node_config(data_dir, i, nodes, port, extras)
    format_nodes(jars, data_dir, dead, state["cluster_id"], extras.format_args)
    launched = {i: launch(jars, data_dir, i) for i in dead}
    state["pids"] = [launched[i].pid if i in launched else pid for i, pid in enumerate(state["pids"])]
    _write_state(data_dir, state)
    try:
        _wait_ready(data_dir, state, set(range(nodes)), launched, ready_timeout_s)
        _warm_group_coordinator(_bootstrap(port, nodes), ready_timeout_s)
    except KafkaIOError:
        _terminate_all([p.pid for p in launched.values() if p.poll() is None])  # only what this call launched
        state["pids"] = [pid if i not in dead else None for i, pid in enumerate(state["pids"])]
        _write_state(data_dir, state)
        raise
    return _status(data_dir, state, started=True)


def _terminate_all(pids: list[int]) -> None:
    # One at a time, the last nodes would wait out the lost quorum; together they share one budget.
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for pid in pids:
        terminate_process(pid, max(deadline - time.monotonic(), POLL_INTERVAL_S))


def stop_cluster(data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    """Stop every node recorded in data_dir; False when none was running. Data is kept."""
    data_dir = Path(data_dir).resolve()
    state = _read_state(data_dir)
    if not state:
        return False
    live = [int(pid) for i, pid in enumerate(state["pids"]) if _alive(data_dir, i, pid)]
    _terminate_all(live)
    state["pids"] = [None] * state["nodes"]
    _write_state(data_dir, state)
    return bool(live)


def cluster_status(data_dir: Path = DEFAULT_DATA_DIR) -> ApacheStatus:
    data_dir = Path(data_dir).resolve()
    state = _read_state(data_dir)
    if not state:
        return ApacheStatus("", False, (), str(data_dir), 0)
    return _status(data_dir, state)


def _node_state(data_dir: Path, node_id: int) -> dict:
    state = _read_state(data_dir)
    if not state:
        raise KafkaIOError(f"no Apache Kafka cluster is recorded in {data_dir}")
    if not 0 <= node_id < state["nodes"]:
        raise KafkaIOError(f"node {node_id} is not in the {state['nodes']}-node cluster in {data_dir}")
    return state


def kill_node(data_dir: Path, node_id: int) -> bool:
    """SIGKILL one node (a crash, not a clean stop); False when it was not running."""
    data_dir = Path(data_dir).resolve()
    state = _node_state(data_dir, node_id)
    pid = state["pids"][node_id]
    if not _alive(data_dir, node_id, pid):
        return False
    os.kill(int(pid), signal.SIGKILL)
    terminate_process(int(pid), POLL_INTERVAL_S)  # reaps it when it is our child
    state["pids"][node_id] = None
    _write_state(data_dir, state)
    return True


def start_node(data_dir: Path, node_id: int, ready_timeout_s: float = READY_TIMEOUT_S) -> ApacheStatus:
    """Restart one stopped or killed node and wait until it is back in metadata."""
    data_dir = Path(data_dir).resolve()
    state = _node_state(data_dir, node_id)
    if _alive(data_dir, node_id, state["pids"][node_id]):
        return _status(data_dir, state)
    process = launch(ensure_jars(), data_dir, node_id)
    state["pids"][node_id] = process.pid
    _write_state(data_dir, state)
    _wait_ready(data_dir, state, {node_id}, {node_id: process}, ready_timeout_s)
    return _status(data_dir, state, started=True)
