"""One KRaft node on disk: its properties, log config, storage format and JVM.

Node i (0-based; also its node.id) is a combined broker+controller with its
broker listener on ``port + i`` and its controller listener on
``port + CONTROLLER_PORT_OFFSET + i``, on 127.0.0.1 only. The quorum is static
(``controller.quorum.voters``), so every node is formatted the same way and a
killed node can rejoin without any reconfiguration.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from kafka_io.errors import KafkaIOError
from kafka_io.settings import local_settings

__all__ = [
    "CONTROLLER_PORT_OFFSET",
    "HOST",
    "NO_EXTRAS",
    "NodeExtras",
    "format_nodes",
    "launch",
    "log_tail",
    "node_dir",
    "random_cluster_id",
    "write_node_config",
]

HOST = "127.0.0.1"
CONTROLLER_PORT_OFFSET = 100
# The JVM heap: kafka_io.settings.LocalSettings.heap_opts (KAFKA_HEAP_OPTS, default -Xmx512m).
JVM_OPTS = (
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
# Kafka logs its own shutdown from a JVM hook, so log4j's hook must not close the file first.
LOG4J2_TEMPLATE = "\n".join(
    [
        "status = warn",
        "shutdownHook = disable",
        "rootLogger.level = INFO",
        "rootLogger.appenderRef.file.ref = file",
        "appender.file.type = RollingFile",
        "appender.file.name = file",
        "appender.file.fileName = {log}",
        "appender.file.filePattern = {log}.%i",
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = [%d] %p %m (%c)%n",
        "appender.file.policies.type = Policies",
        "appender.file.policies.size.type = SizeBasedTriggeringPolicy",
        "appender.file.policies.size.size = 10MB",
        "appender.file.strategy.type = DefaultRolloverStrategy",
        "appender.file.strategy.max = 2",
        "",
    ]
)

FORMAT_TIMEOUT_S = 60.0
LOG_TAIL_LINES = 30


@dataclass(frozen=True, slots=True)
class NodeExtras:
    """What a secured cluster adds to every node; the default adds nothing.

    The PLAINTEXT and CONTROLLER listeners stay as they are (the launcher probes
    readiness on PLAINTEXT), so a secured test cluster is the plain one plus these.
    """

    # (listener name, security protocol, offset from the broker port): node i listens on port + offset + i.
    listeners: tuple[tuple[str, str, int], ...] = ()
    # Written after the defaults, so they may override them.
    properties: tuple[tuple[str, str], ...] = ()
    # Appended to `StorageTool format` (e.g. --add-scram), so users exist before the first start.
    format_args: tuple[str, ...] = ()

    def ports(self, port: int, node_id: int) -> list[int]:
        return [port + offset + node_id for _, _, offset in self.listeners]


NO_EXTRAS = NodeExtras()


def random_cluster_id() -> str:
    # Kafka's Uuid.toString(): unpadded url-safe base64 of 16 bytes; a leading "-" would read as a CLI flag.
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def node_dir(data_dir: Path, node_id: int) -> Path:
    return data_dir / f"node-{node_id}"


def write_node_config(data_dir: Path, node_id: int, nodes: int, port: int, extras: NodeExtras = NO_EXTRAS) -> None:
    node = node_dir(data_dir, node_id)
    (node / "data").mkdir(parents=True, exist_ok=True)
    rf = min(3, nodes)
    voters = ",".join(f"{i}@{HOST}:{port + CONTROLLER_PORT_OFFSET + i}" for i in range(nodes))
    broker, controller = port + node_id, port + CONTROLLER_PORT_OFFSET + node_id
    more = [(name, protocol, port + offset + node_id) for name, protocol, offset in extras.listeners]
    advertised = ",".join([f"PLAINTEXT://{HOST}:{broker}", *(f"{n}://{HOST}:{p}" for n, _, p in more)])
    props = {
        "process.roles": "broker,controller",
        "node.id": node_id,
        "controller.quorum.voters": voters,
        "listeners": f"{advertised},CONTROLLER://{HOST}:{controller}",
        "advertised.listeners": advertised,
        "listener.security.protocol.map": ",".join(
            ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT", *(f"{n}:{proto}" for n, proto, _ in more)]
        ),
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": node / "data",
        "num.partitions": 1,
        # Internal topics default to RF 3, which a 1- or 2-node cluster could never create.
        "offsets.topic.replication.factor": rf,
        "transaction.state.log.replication.factor": rf,
        "share.coordinator.state.topic.replication.factor": rf,
        "transaction.state.log.min.isr": 1,
        "share.coordinator.state.topic.min.isr": 1,
        # Tests join groups constantly; the default 3 s delay would slow every first join.
        "group.initial.rebalance.delay.ms": 0,
        # 2 cores shared by up to 3 nodes: the defaults (3 network, 8 io threads each) only add idle threads.
        "num.network.threads": 2,
        "num.io.threads": 2,
        **dict(extras.properties),
    }
    (node / "server.properties").write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    (node / "log4j2.properties").write_text(LOG4J2_TEMPLATE.format(log=node / "server.log"))


def format_nodes(
    jars: Path, data_dir: Path, node_ids: list[int], cluster_id: str, extra_args: tuple[str, ...] = ()
) -> None:
    # In parallel and JIT-light: the tool runs for about a second, so C2 and G1 only cost start-up time.
    runs = {}
    for i in node_ids:
        node = node_dir(data_dir, i)
        if not (node / "data" / "meta.properties").is_file():  # else formatted on an earlier start: keep its data
            runs[i] = subprocess.Popen(
                [
                    "java",
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-cp",
                    f"{jars}/*",
                    f"-Dlog4j2.configurationFile={node / 'log4j2.properties'}",
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cluster_id,
                    "-c",
                    str(node / "server.properties"),
                    *extra_args,
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
    for i, run in runs.items():
        try:
            output, _ = run.communicate(timeout=FORMAT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            run.kill()
            output, _ = run.communicate()
        if run.returncode != 0:
            raise KafkaIOError(f"formatting Kafka node {i} failed (exit {run.returncode}): {output.strip()[-2000:]}")


def launch(jars: Path, data_dir: Path, node_id: int) -> subprocess.Popen:
    node = node_dir(data_dir, node_id)
    with open(node / "stdout.log", "ab") as out:
        process = subprocess.Popen(
            [
                "java",
                *local_settings().heap_opts,
                *JVM_OPTS,
                f"-Dkafka.logs.dir={node}",
                f"-Dlog4j2.configurationFile={node / 'log4j2.properties'}",
                "-cp",
                f"{jars}/*",
                "kafka.Kafka",
                str(node / "server.properties"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # Ctrl-C in a terminal must not kill it before we stop it cleanly
    return process


def log_tail(data_dir: Path, node_id: int) -> str:
    # stdout.log has what the JVM says before log4j starts (bad options, missing classes).
    parts = []
    for log in (node_dir(data_dir, node_id) / name for name in ("stdout.log", "server.log")):
        lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
        if lines:
            parts.append(f"--- {log}\n" + "\n".join(lines[-LOG_TAIL_LINES:]))
    return "\n".join(parts) or f"(node {node_id} wrote no log)"
