"""python -m kafka_io topic-config: print a topic's configs, or set and reset them.

Without --set/--reset it prints the configs (non-defaults first). With them it
checks the keys, has the broker validate the values (validate_only), writes them
through the one write guard (audited; read-only mode and roles refuse it) with
incremental_alter_configs, and prints what changed as read back from the broker.
A value the broker refuses is bad input: one line, exit 2.
"""

from __future__ import annotations

import argparse

from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args


def register(subparsers) -> None:
    parser = subparsers.add_parser("topic-config", help="print a topic's configs, or --set / --reset them")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="set a config (repeatable)")
    parser.add_argument("--reset", action="append", default=[], metavar="KEY", help="back to the default (repeatable)")
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kafka_io.access.actor import Actor
    from kafka_io.admin.config_edits import parse_edits
    from kafka_io.admin.topic_configs import apply_config_change, plan_config_change, read_topic_configs
    from kafka_io.cluster import Cluster
    from kafka_io.topics.names import validate_topic_name

    topic = validate_topic_name(args.topic)
    edits = parse_edits(args.set, args.reset) if args.set or args.reset else ()
    with Cluster(settings_from_args(args)) as cluster:
        if not edits:
            _print_configs(cluster.run(read_topic_configs, topic), args.format)
            return 0
        plan = cluster.run(plan_config_change, topic, edits)
        after = cluster.run(apply_config_change, plan, actor=Actor.local())
    _print_changes(plan, after, args.format)
    return 0


def _ordered(configs):
    return sorted(configs.entries, key=lambda e: (not e.non_default, e.name))


def configs_json(configs) -> list[dict]:
    return [
        {
            "name": e.name,
            "value": e.value,
            "source": e.source,
            "non_default": e.non_default,
            "read_only": e.read_only,
            "sensitive": e.sensitive,
        }
        for e in _ordered(configs)
    ]


def _print_configs(configs, fmt: str) -> None:
    if fmt == "json":
        print_json({"topic": configs.topic, "configs": configs_json(configs)})
        return
    print_table(
        ["CONFIG", "VALUE", "SOURCE", "NON-DEFAULT"],
        [(e.name, e.value, e.source, "yes" if e.non_default else "") for e in _ordered(configs)],
    )


def _print_changes(plan, after, fmt: str) -> None:
    rows = [(r.config, r.action, r.current, after.get(r.config), r.note) for r in plan.rows]
    if fmt == "json":
        changed = [{"config": c, "action": a, "before": b, "after": v, "note": n} for c, a, b, v, n in rows]
        print_json({"topic": plan.topic, "changed": changed, "configs": configs_json(after)})
        return
    print_table(["CONFIG", "ACTION", "BEFORE", "AFTER", "NOTE"], rows)
