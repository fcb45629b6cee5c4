"""python -m kafka_io purge: delete a topic's records (delete_records), as
kafka-delete-records.sh does; the topic stays, its low watermarks move up.

Without --yes it prints the plan (per partition: low, high, the new low watermark,
how many offsets go) and changes nothing. --yes writes the same plan through the
one write guard (admins only; audited; read-only mode refuses it).
"""

from __future__ import annotations

import argparse
import sys

from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args

COLUMNS = ("PARTITION", "LOW", "HIGH", "NEW-LOW", "RECORDS", "NOTE")


def register(subparsers) -> None:
    parser = subparsers.add_parser("purge", help="delete a topic's records before an offset, or all (needs --yes)")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partition", type=int, metavar="P", help="only this partition (default: every one)")
    parser.add_argument("--before-offset", type=int, metavar="N", help="the records before N (default: all)")
    parser.add_argument("--yes", action="store_true", help="purge; without it, print the plan and change nothing")
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kafka_io.access.actor import Actor
    from kafka_io.admin.purge import apply_purge, plan_purge
    from kafka_io.cluster import Cluster
    from kafka_io.errors import InvalidInput
    from kafka_io.topics.names import validate_topic_name

    topic = validate_topic_name(args.topic)
    for flag, value in (("--partition", args.partition), ("--before-offset", args.before_offset)):
        if value is not None and value < 0:
            raise InvalidInput(f"{flag} must be >= 0, got {value}")
    with Cluster(settings_from_args(args)) as cluster:
        plan = cluster.run(plan_purge, topic, args.partition, args.before_offset)
        result = None
        if args.yes:
            result = cluster.run(apply_purge, plan, topic, actor=Actor.local())
    _print(plan, result, args.format)
    return 0


def _print(plan, result, fmt: str) -> None:
    lows = dict(result.low_watermarks) if result else {}
    if fmt == "json":
        print_json(
            {
                "topic": plan.topic,
                "before_offset": plan.before_offset,
                "executed": result is not None,
                "records": result.records if result else plan.records,
                "partitions": [
                    {
                        "partition": r.partition,
                        "low": r.low,
                        "high": r.high,
                        "new_low": lows.get(r.partition, r.new_low),
                        "records": r.records,
                        "note": r.note,
                        "error": r.error,
                    }
                    for r in plan.rows
                ],
            }
        )
    else:
        rows = [
            (r.partition, r.low, r.high, lows.get(r.partition, r.new_low), r.records, r.error or r.note)
            for r in plan.rows
        ]
        print_table(COLUMNS, rows)
    if result is None:
        print(f"dry run: nothing was changed; add --yes to purge {plan.records} record(s)", file=sys.stderr)
    elif fmt != "json":
        print(f"purged {result.records} record(s) from {plan.topic!r}")
