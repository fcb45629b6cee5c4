"""python -m kafka_io audit: the audit log's newest entries, oldest first."""

from __future__ import annotations

import argparse
import sys
import time

from kafka_io.access.audit import audit_path, read_entries
from kafka_io.cli.common import add_format_option, print_json, print_table
from kafka_io.errors import InvalidInput

DEFAULT_LIMIT = 50


def register(subparsers) -> None:
    parser = subparsers.add_parser("audit", help="show the audit log of writes (KDASH_AUDIT_LOG)")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N", help="newest N entries (default 50)")
    add_format_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise InvalidInput(f"--limit must be at least 1, got {args.limit}")
    path = audit_path()
    read = read_entries(path, args.limit)
    if read.unreadable_lines:
        print(f"note: {read.unreadable_lines} unreadable line(s) in {path} skipped", file=sys.stderr)
    if args.format == "json":
        print_json({"entries": [e.to_dict() for e in read.entries]})
        return 0
    if not read.entries:
        print(f"no audit entries in {path}")
        return 0
    print_table(
        ["AT", "WHO", "VIA", "CLUSTER", "ACTION", "TARGET", "RESULT", "ERROR"],
        [(_when(e.at), e.who, e.via, e.cluster, e.action, e.target, e.result, e.error) for e in read.entries],
    )
    return 0


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))
