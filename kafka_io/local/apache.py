"""A real Apache Kafka (KRaft) cluster on 127.0.0.1 for laptops and tests.

Node i (0-based; also its node.id) is a combined broker+controller with its
broker listener on ``port + i`` and its controller listener on
``port + CONTROLLER_PORT_OFFSET + i``. The quorum is static
(``controller.quorum.voters``), so every node is formatted the same way and a
killed node can rejoin without any reconfiguration. Each node lives in
``data_dir/node-<i>/`` (properties, log4j2 config, server.log, stdout.log,
data/); ``data_dir/apache.json`` records the cluster id, ports and pids.

The jars come from Maven Central via ``pom.xml`` beside this file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from kafka_io.local.noida import port_in_use, process_matches, terminate_process
from kafka_io.errors import KafkaIOError, Unavailable

__all__ = ["ApacheStatus", "CONTROLLER_PORT_OFFSET", "DEFAULT_DATA_DIR", "READY_TIMEOUT_S", "cluster_status",
           "ensure_jars", "jars_dir", "kill_node", "start_cluster", "start_node", "stop_cluster"]

HOST = "127.0.0.1"
DEFAULT_DATA_DIR = Path(".kafka-local/apache")
CONTROLLER_PORT_OFFSET = 100
POM = Path(__file__).with_name("pom.xml")
JARS_ENV = "KDASH_KAFKA_JARS"
JARS_MARKER = ".complete"
PID_FILE = "apache.json"
# Kafka's own defaults (kafka-run-class.sh) minus the 1 GiB heap: a dev node idles at ~300 MB RSS.
JVM_OPTS = ("-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true")
# Kafka logs its own shutdown from a JVM hook, so log4j's hook must not close the file first.
LOG4J2_TEMPLATE = "\n".join([
    "status = warn", "shutdownHook = disable", "rootLogger.level = INFO", "rootLogger.appenderRef.file.ref = file",
    "appender.file.type = RollingFile", "appender.file.name = file",
    "appender.file.fileName = {log}", "appender.file.filePattern = {log}.%i",
    "appender.file.layout.type = PatternLayout", "appender.file.layout.pattern = [%d] %p %m (%c)%n",
    "appender.file.policies.type = Policies", "appender.file.policies.size.type = SizeBasedTriggeringPolicy",
    "appender.file.policies.size.size = 10MB",
    "appender.file.strategy.type = DefaultRolloverStrategy", "appender.file.strategy.max = 2", ""])

DOWNLOAD_TIMEOUT_S = 900.0
FORMAT_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 90.0
# A clean 3-node stop took ~6 s here (the last node waits 5 s for a lost quorum).
STOP_TIMEOUT_S = 30.0
PROBE_TIMEOUT_S = 2.0
POLL_INTERVAL_S = 0.25
LOG_TAIL_LINES = 30


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


def jars_dir() -> Path:
    default = Path(__file__).resolve().parents[2] / ".cache" / "kafka-jars"
    return Path(os.environ.get(JARS_ENV) or default)


def _pom_digest() -> str:
    # Keyed on the pom so a version bump never mixes old and new jars on one classpath.
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise KafkaIOError(f"`{tool}` is not on PATH; the Apache Kafka engine needs Java 17+ and Maven "
                           "(Debian: apt-get install -y openjdk-17-jre-headless maven)")
    return path


def ensure_jars(timeout_s: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """The jar directory, downloading the jars with Maven first when it is missing or stale."""
    _need("java")
    target = jars_dir()
    marker = target / JARS_MARKER
    if marker.is_file() and marker.read_text().strip() == _pom_digest():
        return target
    mvn = _need("mvn")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        done = subprocess.run(
            [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies", f"-DoutputDirectory={staging}"],
            capture_output=True, text=True, timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise KafkaIOError(f"downloading the Kafka jars took over {timeout_s:g} s; try again") from None
    if done.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise KafkaIOError(f"Maven could not fetch the Kafka jars (exit {done.returncode}):\n{tail}")
    # Only jars and the marker are ever removed: KDASH_KAFKA_JARS may name a directory we do not own.
    target.mkdir(parents=True, exist_ok=True)
    for old in [*target.glob("*.jar"), marker]:
        old.unlink(missing_ok=True)
    for jar in staging.glob("*.jar"):
        jar.replace(target / jar.name)
    shutil.rmtree(staging, ignore_errors=True)
    marker.write_text(_pom_digest())
    return target


def _read_state(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / PID_FILE).read_text())
    except (OSError, ValueError):
        return None


def _write_state(data_dir: Path, state: dict) -> None:
    tmp = data_dir / (PID_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(data_dir / PID_FILE)


def _random_cluster_id() -> str:
    # Kafka's Uuid.toString(): unpadded url-safe base64 of 16 bytes; a leading "-" would read as a CLI flag.
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def _node_dir(data_dir: Path, node_id: int) -> Path:
    return data_dir / f"node-{node_id}"


def _alive(data_dir: Path, node_id: int, pid: int | None) -> bool:
    # The properties path is unique per node, so a recycled pid never matches.
    props = str(_node_dir(data_dir, node_id) / "server.properties").encode()
    return pid is not None and process_matches(int(pid), props)


def _bootstrap(port: int, nodes: int) -> str:
    return ",".join(f"{HOST}:{port + i}" for i in range(nodes))


def _write_node_config(data_dir: Path, node_id: int, nodes: int, port: int) -> None:
    node = _node_dir(data_dir, node_id)
    (node / "data").mkdir(parents=True, exist_ok=True)
    rf = min(3, nodes)
    voters = ",".join(f"{i}@{HOST}:{port + CONTROLLER_PORT_OFFSET + i}" for i in range(nodes))
    broker, controller = port + node_id, port + CONTROLLER_PORT_OFFSET + node_id
    props = {
        "process.roles": "broker,controller", "node.id": node_id, "controller.quorum.voters": voters,
        "listeners": f"PLAINTEXT://{HOST}:{broker},CONTROLLER://{HOST}:{controller}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{broker}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names": "CONTROLLER", "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": node / "data", "num.partitions": 1,
        # Internal topics default to RF 3, which a 1- or 2-node cluster could never create.
        "offsets.topic.replication.factor": rf, "transaction.state.log.replication.factor": rf,
        "share.coordinator.state.topic.replication.factor": rf,
        "transaction.state.log.min.isr": 1, "share.coordinator.state.topic.min.isr": 1,
        # Tests join groups constantly; the default 3 s delay would slow every first join.
        "group.initial.rebalance.delay.ms": 0,
        # 2 cores shared by up to 3 nodes: the defaults (3 network, 8 io threads each) only add idle threads.
        "num.network.threads": 2, "num.io.threads": 2,
    }
    (node / "server.properties").write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    (node / "log4j2.properties").write_text(LOG4J2_TEMPLATE.format(log=node / "server.log"))


def _format_nodes(jars: Path, data_dir: Path, node_ids: list[int], cluster_id: str) -> None:
    # In parallel and JIT-light: the tool runs for about a second, so C2 and G1 only cost start-up time.
    runs = {}
    for i in node_ids:
        node = _node_dir(data_dir, i)
        if not (node / "data" / "meta.properties").is_file():  # else formatted on an earlier start: keep its data
            runs[i] = subprocess.Popen(
                ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", f"{jars}/*",
                 f"-Dlog4j2.configurationFile={node / 'log4j2.properties'}", "kafka.tools.StorageTool", "format",
                 "-t", cluster_id, "-c", str(node / "server.properties")],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for i, run in runs.items():
        try:
            output, _ = run.communicate(timeout=FORMAT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            run.kill()
            output, _ = run.communicate()
        if run.returncode != 0:
            raise KafkaIOError(f"formatting Kafka node {i} failed (exit {run.returncode}): {output.strip()[-2000:]}")


def _launch(jars: Path, data_dir: Path, node_id: int) -> subprocess.Popen:
    node = _node_dir(data_dir, node_id)
    with open(node / "stdout.log", "ab") as out:
        process = subprocess.Popen(
            ["java", *JVM_OPTS, f"-Dkafka.logs.dir={node}", f"-Dlog4j2.configurationFile={node / 'log4j2.properties'}",
             "-cp", f"{jars}/*", "kafka.Kafka", str(node / "server.properties")],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)  # Ctrl-C in a terminal must not kill it before we stop it cleanly
    return process


def _log_tail(data_dir: Path, node_id: int) -> str:
    # stdout.log has what the JVM says before log4j starts (bad options, missing classes).
    parts = []
    for log in (_node_dir(data_dir, node_id) / name for name in ("stdout.log", "server.log")):
        lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
        if lines:
            parts.append(f"--- {log}\n" + "\n".join(lines[-LOG_TAIL_LINES:]))
    return "\n".join(parts) or f"(node {node_id} wrote no log)"


def _broker_ids(bootstrap: str, timeout_s: float = PROBE_TIMEOUT_S) -> set[int]:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0, "error_cb": lambda _err: None,
                         "socket.connection.setup.timeout.ms": max(int(timeout_s * 1000), 1000)})
    try:
        return set(admin.list_topics(timeout=timeout_s).brokers)
    except Exception:
        return set()


def _wait_ready(data_dir: Path, state: dict, want: set[int], launched: dict[int, subprocess.Popen],
                timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    bootstrap = _bootstrap(state["port"], state["nodes"])
    while time.monotonic() < deadline:
        # poll(), not _alive(): for a moment after Popen returns, the child's cmdline is still empty.
        for node_id, process in launched.items():
            if process.poll() is not None:
                raise Unavailable(f"Kafka node {node_id} exited with code {process.returncode} while starting:\n"
                                  f"{_log_tail(data_dir, node_id)}")
        # Each node must answer for itself: the others keep listing a killed node until its session expires.
        ports = [state["port"] + i for i in want]
        if all(port_in_use(p) and want <= _broker_ids(f"{HOST}:{p}") for p in ports):
            return
        time.sleep(POLL_INTERVAL_S)
    tails = "\n".join(_log_tail(data_dir, i) for i in sorted(want))
    raise Unavailable(f"Kafka nodes {sorted(want)} did not all answer on {bootstrap} within {timeout_s:g} s:\n{tails}")


def _status(data_dir: Path, state: dict, started: bool = False) -> ApacheStatus:
    pids = tuple(pid if _alive(data_dir, i, pid) else None for i, pid in enumerate(state["pids"]))
    bootstrap = _bootstrap(state["port"], state["nodes"])
    running = any(pids) and bool(_broker_ids(bootstrap))
    return ApacheStatus(bootstrap, running, pids, str(data_dir), state["nodes"], started)


def start_cluster(nodes: int = 1, port: int = 9092, data_dir: Path = DEFAULT_DATA_DIR,
                  ready_timeout_s: float = READY_TIMEOUT_S) -> ApacheStatus:
    """Start (or reuse) an N-node KRaft cluster and return once every broker is in metadata."""
    if not 1 <= nodes <= CONTROLLER_PORT_OFFSET:
        raise KafkaIOError(f"nodes must be between 1 and {CONTROLLER_PORT_OFFSET}, not {nodes}")
    data_dir = Path(data_dir).resolve()
    state = _read_state(data_dir)
    if state and (state["nodes"], state["port"]) != (nodes, port):
        if any(_alive(data_dir, i, pid) for i, pid in enumerate(state["pids"])):
            raise KafkaIOError(f"{data_dir} runs a {state['nodes']}-node cluster on port {state['port']}; stop it first")
        raise KafkaIOError(f"{data_dir} holds a {state['nodes']}-node cluster on port {state['port']}; "
                           "start it with those settings, or remove the directory")
    if state and all(_alive(data_dir, i, pid) for i, pid in enumerate(state["pids"])):
        _wait_ready(data_dir, state, set(range(nodes)), {}, ready_timeout_s)
        return _status(data_dir, state)
    dead = [i for i in range(nodes) if not (state and _alive(data_dir, i, state["pids"][i]))]
    busy = [p for i in dead for p in (port + i, port + CONTROLLER_PORT_OFFSET + i) if port_in_use(p)]
    if busy:
        raise Unavailable(f"ports {busy} on {HOST} are in use; choose another base port")
    jars = ensure_jars()
    data_dir.mkdir(parents=True, exist_ok=True)
    state = state or {"cluster_id": _random_cluster_id(), "nodes": nodes, "port": port, "pids": [None] * nodes}
    for i in dead:
        _write_node_config(data_dir, i, nodes, port)
    _format_nodes(jars, data_dir, dead, state["cluster_id"])
    launched = {i: _launch(jars, data_dir, i) for i in dead}
    state["pids"] = [launched[i].pid if i in launched else pid for i, pid in enumerate(state["pids"])]
    _write_state(data_dir, state)
    try:
        _wait_ready(data_dir, state, set(range(nodes)), launched, ready_timeout_s)
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
    process = _launch(ensure_jars(), data_dir, node_id)
    state["pids"][node_id] = process.pid
    _write_state(data_dir, state)
    _wait_ready(data_dir, state, {node_id}, {node_id: process}, ready_timeout_s)
    return _status(data_dir, state, started=True)
