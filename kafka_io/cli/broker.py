"""python -m kafka_io broker start|stop|status"""

from __future__ import annotations

import argparse
from pathlib import Path

from kafka_io.errors import InvalidInput
from kafka_io.local.noida import DEFAULT_DATA_DIR, DEFAULT_PORT, broker_status, start_broker, stop_broker


def register(subparsers) -> None:
    parser = subparsers.add_parser("broker", help="start, stop or check the embedded dev broker")
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise InvalidInput(f"--port must be between 1 and 65535, got {args.port}")
    if args.action == "start":
        status = start_broker(args.port, args.data_dir)
        if status.reused:
            print(f"a Kafka broker already answers on {status.bootstrap}; reusing it")
        elif not status.started:
            print(f"embedded broker already running on {status.bootstrap} (pid {status.pid})")
        else:
            print(f"embedded broker running on {status.bootstrap} (pid {status.pid}, data {status.data_dir})")
        return 0
    if args.action == "stop":
        stopped = stop_broker(args.data_dir)
        print("embedded broker stopped" if stopped else f"no embedded broker recorded in {args.data_dir}")
        return 0
    status = broker_status(args.port, args.data_dir)
    state = "running" if status.running else "not running"
    owner = f" (pid {status.pid})" if status.pid else (" (not started by us)" if status.running else "")
    print(f"{status.bootstrap} {state}{owner}")
    return 0 if status.running else 3
