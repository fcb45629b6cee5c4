"""python -m kafka_io cluster: which cluster the settings reach (or why not), and its health."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from kafka_io._client import Connection, make_admin
from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, settings_from_args
from kafka_io.cluster import describe_cluster
from kafka_io.topics.snapshot import cluster_snapshot


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "cluster", help="show the cluster id, brokers and health findings (a connectivity check)"
    )
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    connection = Connection(make_admin(settings), settings)
    info = describe_cluster(connection)
    # The same findings as the Overview's banner: missing brokers, offline and under-replicated partitions.
    problems = cluster_snapshot(connection).problems()
    if args.format == "json":
        print_json({"settings": settings.sanitize(), **asdict(info), "problems": problems})
        return 0
    print(f"cluster {info.cluster_id} at {settings.bootstrap_servers} (controller {info.controller_id})")
    for broker in info.brokers:
        print(f"  broker {broker.id}  {broker.host}:{broker.port}  rack {broker.rack or '—'}")
    print("health: " + ("; ".join(problems) if problems else "no problems found"))
    return 0
