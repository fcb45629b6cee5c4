"""python -m kafka_io brokers: each broker's id, host, port, rack, controller role,
leader and replica counts, reachability, and its configs (sensitive ones masked).

The table lists the brokers, then each broker's overrides (the configs not at
Kafka's default); --format json has every config with its source as Kafka names it.
"""

from __future__ import annotations

import argparse

from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args


def register(subparsers) -> None:
    parser = subparsers.add_parser("brokers", help="brokers, their roles and partition counts, and their configs")
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kafka_io.admin.brokers import describe_brokers
    from kafka_io.cluster import Cluster

    with Cluster(settings_from_args(args)) as cluster:
        view = cluster.run(describe_brokers)
    if args.format == "json":
        print_json(brokers_json(view))
        return 0
    print_table(
        ["ID", "HOST", "PORT", "RACK", "CONTROLLER", "LEADERS", "REPLICAS", "STATUS"],
        [
            (b.id, b.host, b.port, b.rack, "yes" if b.controller else "", b.leaders, b.replicas, _status(b))
            for b in view.brokers
        ],
    )
    for b in view.brokers:
        print()
        if b.configs_error:
            print(f"broker {b.id} configs: {b.configs_error}")
            continue
        overrides = [c for c in b.configs if c.override]
        print(f"broker {b.id}: {len(overrides)} override(s) of {len(b.configs)} config(s)")
        print_table(["CONFIG", "VALUE", "SOURCE", "READ-ONLY"], [_config_row(c) for c in overrides])
    return 0


def _status(broker) -> str:
    return f"unreachable: {broker.unreachable}" if broker.unreachable else "up"


def _config_row(config) -> tuple:
    return (config.name, config.value, config.source, "yes" if config.read_only else "")


def brokers_json(view) -> dict:
    """The shape documented in docs/cli.md, "brokers"."""
    return {
        "cluster_id": view.cluster_id,
        "brokers": [
            {
                "id": b.id,
                "host": b.host,
                "port": b.port,
                "rack": b.rack,
                "controller": b.controller,
                "leaders": b.leaders,
                "replicas": b.replicas,
                "unreachable": b.unreachable,
                "configs_error": b.configs_error,
                "configs": [
                    {
                        "name": c.name,
                        "value": c.value,
                        "source": c.source,
                        "read_only": c.read_only,
                        "sensitive": c.sensitive,
                    }
                    for c in b.configs
                ],
            }
            for b in view.brokers
        ],
    }
