"""python -m kafka_io cluster: which cluster the settings reach, or why not."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, settings_from_args
from kafka_io.clients import make_admin
from kafka_io.cluster import describe_cluster


def register(subparsers) -> None:
    parser = subparsers.add_parser("cluster", help="show the cluster id and brokers (a connectivity check)")
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    info = describe_cluster(make_admin(settings), settings)
    if args.format == "json":
        print_json({"settings": settings.sanitize(), **asdict(info)})
        return 0
    print(f"cluster {info.cluster_id} at {settings.bootstrap_servers} (controller {info.controller_id})")
    for broker in info.brokers:
        print(f"  broker {broker.id}  {broker.host}:{broker.port}  rack {broker.rack or '—'}")
    return 0
