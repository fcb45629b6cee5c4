"""python -m kafka_io delete-offsets: delete an EMPTY group's committed offsets for
one topic, as `kafka-consumer-groups.sh --delete-offsets` does (Kafka's OffsetDelete).

Without --yes it prints the plan (per partition: the committed offset, the end of
the log, the lag that stops being counted) and changes nothing. --yes deletes
exactly those offsets through the one write guard (admins only; audited;
read-only mode refuses it). The group keeps its offsets on other topics. A group
with members is refused in one line, exit 2, as reset-offsets does.
"""

from __future__ import annotations

import argparse
import sys

from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args

COLUMNS = ("TOPIC", "PARTITION", "COMMITTED", "END", "LAG")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "delete-offsets",
        help="delete an empty group's committed offsets for one topic (needs --yes), like kafka-consumer-groups.sh",
    )
    parser.add_argument("--group", required=True, metavar="ID")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--yes", action="store_true", help="delete; without it, print the plan and change nothing")
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kafka_io.access.actor import Actor
    from kafka_io.admin.group_offsets import apply_offset_delete, checked_names, plan_offset_delete
    from kafka_io.cluster import Cluster

    group, topic = checked_names(args.group, args.topic)
    with Cluster(settings_from_args(args)) as cluster:
        plan = cluster.run(plan_offset_delete, group, topic)
        if args.yes:  # --yes is the confirmation the page asks for by typing the group id
            cluster.run(apply_offset_delete, plan, confirm=group, actor=Actor.local())
    _print(plan, args.format, executed=args.yes)
    return 0


def _print(plan, fmt: str, executed: bool) -> None:
    if fmt == "json":
        print_json(
            {
                "group": plan.group_id,
                "topic": plan.topic,
                "executed": executed,
                "lag": plan.lag,
                "kept_topics": list(plan.other_topics),
                "partitions": [
                    {"partition": r.partition, "committed": r.committed, "high": r.high, "lag": r.lag}
                    for r in plan.rows
                ],
            }
        )
    else:
        print_table(COLUMNS, [(plan.topic, r.partition, r.committed, r.high, r.lag) for r in plan.rows])
    count = f"{len(plan.rows)} partition(s) of {plan.topic!r}"
    if not executed:
        print(f"dry run: nothing was changed; add --yes to delete the offsets on {count}", file=sys.stderr)
    elif fmt != "json":
        print(f"deleted the offsets of group {plan.group_id!r} on {count}")
