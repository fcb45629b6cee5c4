"""python -m kafka_io serve: what `make run` calls."""

from __future__ import annotations

import argparse
from pathlib import Path

from kafka_io.cli.launcher import serve
from kafka_io.errors import InvalidInput
from kafka_io.local import engines
from kafka_io.settings import file_settings


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="run the dashboard (and the embedded broker and demo)")
    parser.add_argument("--port", type=int, default=8501, help="dashboard port (default 8501)")
    parser.add_argument("--demo", choices=("0", "1"), default="1", help="start demo traffic (embedded only)")
    parser.add_argument("--data-dir", type=Path, help="(default KDASH_DATA_DIR, or .kafka-local)")
    parser.add_argument(
        "--engine", choices=engines.ENGINES, default=None, help="embedded broker: noida (default) or apache"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise InvalidInput(f"--port must be between 1 and 65535, got {args.port}")
    data_dir = args.data_dir or file_settings().local_data_dir  # the flag wins over the environment
    return serve(args.port, args.demo == "1", data_dir, args.engine or engines.engine_from_env())
