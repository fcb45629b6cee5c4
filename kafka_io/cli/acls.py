"""python -m kafka_io acls: the ACL bindings (describe_acls), as kafka-acls.sh --list.

--principal keeps one principal's bindings; --topic the bindings that apply to that
topic (literal, prefixed and wildcard, Kafka's MATCH filter). Enum values are
written as Kafka names them (READ, ALLOW, TOPIC, LITERAL). On a cluster without an
authorizer it says "no authorizer configured" (exit 0): there is nothing to list.
"""

from __future__ import annotations

import argparse

from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args

COLUMNS = ("PRINCIPAL", "HOST", "OPERATION", "PERMISSION", "RESOURCE-TYPE", "RESOURCE-NAME", "PATTERN-TYPE")


def register(subparsers) -> None:
    parser = subparsers.add_parser("acls", help="list ACL bindings, like kafka-acls.sh --list")
    parser.add_argument("--principal", metavar="P", help="only this principal's bindings, e.g. User:bob")
    parser.add_argument("--topic", metavar="T", help="only the bindings that apply to this topic")
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kafka_io.admin.acl_rules import validate_binding
    from kafka_io.admin.acls import NO_AUTHORIZER, list_acls
    from kafka_io.cluster import Cluster
    from kafka_io.topics.names import validate_topic_name

    principal = validate_binding(args.principal, "READ", "TOPIC", "x").principal if args.principal else None
    topic = validate_topic_name(args.topic) if args.topic else None
    with Cluster(settings_from_args(args)) as cluster:
        listing = cluster.run(list_acls, principal, topic)
    if args.format == "json":
        print_json({"authorizer": listing.authorizer, "acls": [row.to_dict() for row in listing.rows]})
        return 0
    if not listing.authorizer:
        print(f"{NO_AUTHORIZER}: this cluster enforces no ACLs")
        return 0
    print_table(COLUMNS, [tuple(row.to_dict().values()) for row in listing.rows])
    return 0
