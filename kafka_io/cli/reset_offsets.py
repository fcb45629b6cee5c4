"""python -m kafka_io reset-offsets: move an EMPTY group's committed offsets, as
kafka-consumer-groups.sh --reset-offsets does.

A dry run unless --execute: it prints the plan (current, new, lag before and
after, per partition) and changes nothing. --execute writes the same plan
through the one write guard (audited; read-only mode and roles refuse it) and
prints it as applied. A group with members is refused, in one line, exit 2
(like every refusal of what was asked: the reset cannot be done as asked). The
new offset is clamped to each partition's [earliest, end], with a note.
--to-datetime takes ISO 8601 (UTC when it names no zone) or milliseconds.
"""

from __future__ import annotations

import argparse
import sys

from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args
from kafka_io.errors import InvalidInput

COLUMNS = ("TOPIC", "PARTITION", "CURRENT", "NEW", "LAG-BEFORE", "LAG-AFTER", "NOTE")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "reset-offsets",
        help="reset an empty group's committed offsets (dry run unless --execute), like kafka-consumer-groups.sh",
    )
    parser.add_argument("--group", required=True, metavar="ID")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partition", type=int, action="append", metavar="P", help="only this partition (repeatable)")
    to = parser.add_mutually_exclusive_group(required=True)
    to.add_argument("--to-offset", type=int, metavar="N", help="this offset (clamped to each partition's range)")
    to.add_argument("--to-earliest", action="store_true", help="the oldest retained event")
    to.add_argument("--to-latest", action="store_true", help="the end of the log (skip everything)")
    to.add_argument("--to-datetime", metavar="ISO", help="the first event at or after this time")
    to.add_argument("--shift-by", type=int, metavar="N", help="move the committed offset by +N or -N")
    run_mode = parser.add_mutually_exclusive_group()
    run_mode.add_argument("--dry-run", action="store_true", help="print the plan, change nothing (the default)")
    run_mode.add_argument("--execute", action="store_true", help="write the plan")
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def _spec(args: argparse.Namespace):
    from kafka_io.groups.reset_rules import parse_reset_spec
    from kafka_io.produce.inputs import parse_timestamp

    if args.to_earliest:
        return parse_reset_spec("earliest")
    if args.to_latest:
        return parse_reset_spec("latest")
    if args.to_datetime is not None:
        ts_ms = parse_timestamp(args.to_datetime)
        if ts_ms is None:
            raise InvalidInput("--to-datetime needs a time, e.g. 2026-12-07T09:30:00Z")
        return parse_reset_spec("timestamp", ts_ms)
    if args.shift_by is not None:
        return parse_reset_spec("shift", args.shift_by)
    return parse_reset_spec("offset", args.to_offset)


def _local_checks(args: argparse.Namespace):
    from kafka_io.topics.names import validate_topic_name

    if not args.group.strip():
        raise InvalidInput("--group needs a non-empty group id")
    validate_topic_name(args.topic)
    for partition in args.partition or ():
        if partition < 0:
            raise InvalidInput(f"--partition must be >= 0, got {partition}")
    return _spec(args)


def run(args: argparse.Namespace) -> int:
    from kafka_io.access.actor import Actor
    from kafka_io.cluster import Cluster
    from kafka_io.groups.reset import apply_reset, plan_reset

    spec = _local_checks(args)
    group, topic = args.group.strip(), args.topic.strip()
    cluster = Cluster(settings_from_args(args))
    try:
        plan = cluster.run(plan_reset, group, spec, topics=[topic])
        plan = _only_partitions(plan, topic, args.partition)
        if args.execute:
            plan = cluster.run(apply_reset, plan, actor=Actor.local())
    finally:
        cluster.close()
    _print(plan, args.format, executed=args.execute)
    return 0


def _only_partitions(plan, topic: str, partitions: list[int] | None):
    if not partitions:
        return plan
    known = {row.partition for row in plan.rows}
    missing = sorted(set(partitions) - known)
    if missing:
        raise InvalidInput(f"topic {topic!r} has no partition {missing[0]} (it has {len(known)}: 0-{max(known)})")
    from dataclasses import replace

    return replace(plan, rows=tuple(row for row in plan.rows if row.partition in set(partitions)))


def plan_json(plan, executed: bool) -> dict:
    return {
        "group": plan.group_id,
        "to": plan.spec.describe(),
        "executed": executed,
        "partitions": [
            {
                "topic": r.topic,
                "partition": r.partition,
                "current": r.current,
                "new": r.new,
                "low": r.low,
                "high": r.high,
                "lag_before": r.lag_before,
                "lag_after": r.lag_after,
                "note": r.note,
                "error": r.error,
            }
            for r in plan.rows
        ],
    }


def _print(plan, fmt: str, executed: bool) -> None:
    if fmt == "json":
        print_json(plan_json(plan, executed))
    else:
        rows = [
            (r.topic, r.partition, r.current, r.new, r.lag_before, r.lag_after, r.error or r.note) for r in plan.rows
        ]
        print_table(COLUMNS, rows)
    if not executed:
        print("dry run: nothing was changed; add --execute to reset these offsets", file=sys.stderr)
