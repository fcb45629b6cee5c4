"""python -m kafka_io broker start|stop|status [--engine noida|apache] [--nodes N]"""

from __future__ import annotations

import argparse
from pathlib import Path

from kafka_io.errors import InvalidInput
from kafka_io.local import engines
from kafka_io.local.jars import ensure_jars
from kafka_io.settings import file_settings, local_settings

MAX_NODES = 9


def register(subparsers) -> None:
    parser = subparsers.add_parser("broker", help="start, stop or check the embedded dev broker")
    parser.add_argument("action", choices=("start", "stop", "status", "fetch-jars"))
    parser.add_argument("--port", type=int, help="(first) broker port (default KAFKA_EMBEDDED_PORT, or 9092)")
    parser.add_argument("--data-dir", type=Path, help="(default KDASH_DATA_DIR, or .kafka-local)")
    parser.add_argument(
        "--engine",
        choices=engines.ENGINES,
        default=None,
        help=f"noida (light, the default) or apache (Apache Kafka, KRaft; needs Java 17); env {engines.ENGINE_ENV}",
    )
    parser.add_argument("--nodes", type=int, default=1, help="Apache Kafka nodes (default 1)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Flags win over the environment (kafka_io.settings), as everywhere.
    args.port = local_settings().embedded_port if args.port is None else args.port
    args.data_dir = args.data_dir or file_settings().local_data_dir
    if not 0 < args.port < 65536:
        raise InvalidInput(f"--port must be between 1 and 65535, got {args.port}")
    if not 1 <= args.nodes <= MAX_NODES:
        raise InvalidInput(f"--nodes must be between 1 and {MAX_NODES}, got {args.nodes}")
    engine = args.engine or engines.engine_from_env()
    name = "embedded broker" if engine == "noida" else "embedded Apache Kafka"
    if args.action == "fetch-jars":
        print(f"Apache Kafka jars in {ensure_jars()}")
        return 0
    if args.action == "start":
        status = engines.start(engine, args.port, args.data_dir, args.nodes)
        if status.reused:
            print(f"a Kafka broker already answers on {status.bootstrap}; reusing it")
        elif not status.started:
            print(f"{name} already running on {status.bootstrap} (pid {status.pid_text})")
        else:
            print(f"{name} running on {status.bootstrap} (pid {status.pid_text}, data {status.data_dir})")
        return 0
    if args.action == "stop":
        stopped = engines.stop(engine, args.data_dir)
        print(f"{name} stopped" if stopped else f"no {name} recorded in {args.data_dir}")
        return 0
    status = engines.status(engine, args.port, args.data_dir)
    state = "running" if status.running else "not running"
    owner = f" (pid {status.pid_text})" if status.pids else (" (not started by us)" if status.running else "")
    print(f"{status.bootstrap} {state}{owner}")
    return 0 if status.running else 3
