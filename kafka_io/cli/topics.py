"""python -m kafka_io topics: brokers, topics and partitions with watermarks."""

from __future__ import annotations

import argparse

from kafka_io._client import Connection, make_admin
from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args
from kafka_io.topics.snapshot import ClusterSnapshot, cluster_snapshot


def register(subparsers) -> None:
    parser = subparsers.add_parser("topics", help="list topics, partitions and message counts")
    add_cluster_options(parser)
    parser.add_argument("--topic", metavar="NAME", help="only this topic (exit 1 if it does not exist)")
    parser.add_argument("--include-internal", action="store_true", help="also list __* topics")
    add_format_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    snapshot = cluster_snapshot(Connection(make_admin(settings), settings), args.include_internal, args.topic)
    if args.format == "json":
        print_json(snapshot_json(snapshot))
        return 0
    print(
        f"cluster {snapshot.cluster_id}: {len(snapshot.brokers)} broker(s), {len(snapshot.topics)} topic(s), "
        f"{snapshot.partition_count} partition(s), {snapshot.messages} message(s)"
    )
    for problem in snapshot.problems():
        print(f"problem: {problem}")
    if args.topic is None:
        print_table(
            ["TOPIC", "PARTITIONS", "RF", "UNDER-REPLICATED", "MESSAGES", "ERROR"],
            [
                (t.name, len(t.partitions), t.replication_factor, t.under_replicated, t.messages, t.problem)
                for t in snapshot.topics
            ],
        )
        return 0
    print_table(
        ["PARTITION", "LEADER", "REPLICAS", "ISR", "LOW", "HIGH", "MESSAGES", "ERROR"],
        [
            (
                p.partition,
                p.leader,
                ",".join(map(str, p.replicas)),
                ",".join(map(str, p.isr)),
                p.low,
                p.high,
                p.messages,
                p.error,
            )
            for p in snapshot.topics[0].partitions
        ],
    )
    return 0


def snapshot_json(snapshot: ClusterSnapshot) -> dict:
    """The JSON shape documented in docs/cli.md, "topics" (low/high are null for a failing partition)."""
    return {
        "cluster_id": snapshot.cluster_id,
        "problems": snapshot.problems(),
        "brokers": [{"id": b.id, "host": b.host, "port": b.port} for b in snapshot.brokers],
        "topics": [
            {
                "name": t.name,
                "partitions": len(t.partitions),
                "replication_factor": t.replication_factor,
                "under_replicated": t.under_replicated,
                "messages": t.messages,
                "partitions_detail": [
                    {
                        "partition": p.partition,
                        "leader": p.leader,
                        "replicas": list(p.replicas),
                        "isr": list(p.isr),
                        "low": p.low,
                        "high": p.high,
                    }
                    for p in t.partitions
                ],
            }
            for t in snapshot.topics
        ],
    }
