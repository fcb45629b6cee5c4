"""python -m kafka_io redrive: copy events from a partition, from an offset on, to a topic.

Key, value and headers are copied byte for byte, plus x-kdash-redrive-from:
topic/partition/offset (kafka_io.messages.redrive). The write goes through the
one write guard (audited; read-only mode refuses it before anything is read)
and prints ``produce``'s summary; each JSON error also names its source event.
Exit codes as produce: 0 every copy delivered, 1 some failed (or a Kafka
error), 2 bad input (nothing sent), 130 Ctrl-C (the summary is still printed).
"""

from __future__ import annotations

import argparse
import sys

from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args
from kafka_io.errors import InvalidInput, KafkaIOError

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
SHOWN_FAILURES = 20


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "redrive", help="copy events (e.g. from a dead-letter topic) to a topic, headers kept, audited"
    )
    parser.add_argument("--topic", required=True, help="where the events are")
    parser.add_argument("--partition", type=int, required=True, metavar="P")
    parser.add_argument("--offset", type=int, required=True, metavar="N", help="the first event to copy")
    parser.add_argument(
        "--count", type=int, default=1, metavar="K", help="the events at offsets N to N+K-1 (default 1)"
    )
    parser.add_argument("--to", required=True, metavar="TOPIC", help="the topic to copy them to")
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def _local_checks(args: argparse.Namespace) -> None:
    from kafka_io.messages.redrive_rules import MAX_REDRIVE_EVENTS
    from kafka_io.topics.names import validate_topic_name

    validate_topic_name(args.topic)
    validate_topic_name(args.to)
    if args.partition < 0 or args.offset < 0:
        raise InvalidInput(f"--partition and --offset must be >= 0, got {args.partition} and {args.offset}")
    if not 1 <= args.count <= MAX_REDRIVE_EVENTS:
        raise InvalidInput(f"--count must be between 1 and {MAX_REDRIVE_EVENTS:,}, got {args.count}")


def run(args: argparse.Namespace) -> int:
    _local_checks(args)  # before the heavy imports: bad input fails fast
    from kafka_io.access.actor import Actor
    from kafka_io.access.guard import audit_outcome, check_allowed
    from kafka_io.cluster import Cluster
    from kafka_io.messages.browse import read_at
    from kafka_io.messages.redrive import REDRIVE_ACTION, RedriveSummary, redrive
    from kafka_io.produce.burst.start import BurstInterrupted

    topic, to_topic = args.topic.strip(), args.to.strip()
    settings, actor = settings_from_args(args), Actor.local()
    where = f"{topic}/{args.partition}/{args.offset}"
    details = {"from": where, "requested": args.count}
    check_allowed(settings, actor, REDRIVE_ACTION, to_topic, details)  # refused before anything is read
    cluster = Cluster(settings)
    try:
        span = f"offsets {args.offset}-{args.offset + args.count - 1}" if args.count > 1 else f"offset {args.offset}"
        try:
            messages = _read(read_at, cluster, topic, args.partition, args.offset, args.count)
            if not messages:
                raise InvalidInput(f"no event at {topic}/{args.partition} {span}: nothing to redrive")
        except KafkaIOError as exc:  # nothing was sent, but the attempt is on record
            audit_outcome(settings, actor, REDRIVE_ACTION, to_topic, details, str(exc))
            raise
        if len(messages) < args.count:
            print(
                f"note: {len(messages)} events in {span}: the rest are past the end or compacted away",
                file=sys.stderr,
            )
        try:
            summary, code = redrive(cluster, messages, to_topic, actor=actor), 0
        except BurstInterrupted as interrupted:
            summary, code = RedriveSummary.of(interrupted.summary, messages), EXIT_INTERRUPTED
    finally:
        cluster.close()
    _print(summary, messages, args.format)
    return code or (EXIT_FAILED if summary.failed else 0)


def _read(read_at, cluster, topic: str, partition: int, offset: int, count: int) -> tuple:
    """The events at offsets [offset, offset + count), read a page at a time."""
    from kafka_io.messages.model import MAX_PAGE_SIZE

    found: list = []
    for start in range(offset, offset + count, MAX_PAGE_SIZE):
        found.extend(read_at(cluster, topic, partition, start, min(MAX_PAGE_SIZE, offset + count - start)))
    return tuple(found)


def _print(summary, messages, fmt: str) -> None:
    if fmt == "json":
        print_json(summary.to_json(messages))
        return
    first, last = messages[0], messages[-1]
    print(
        f"redrove {summary.requested:,} events from {first.topic}/{first.partition} offsets {first.offset}-"
        f"{last.offset} to {summary.to_topic!r}: {summary.delivered:,} delivered, {summary.failed:,} failed"
    )
    if summary.burst is not None and summary.burst.partitions:
        print_table(("partition", "delivered"), summary.burst.partitions)
    if summary.failed:
        print(f"failed events (first {min(summary.failed, SHOWN_FAILURES)} of {summary.failed:,}):")
        print_table(("from", "error"), (e.split(": ", 1) for e in summary.errors[:SHOWN_FAILURES]))
