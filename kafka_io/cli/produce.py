"""python -m kafka_io produce: send one event, N copies, a templated burst, or a file.

Everything is checked before anything is sent: a bad input prints one line and
exits 2 with nothing sent. After sending, the exit code is 0 only when every
event was delivered (1 otherwise, 130 after Ctrl-C, which still prints the summary).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kafka_io._client import Connection, make_admin
from kafka_io.access.actor import Actor
from kafka_io.access.guard import audit_outcome, check_allowed
from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, KafkaIOError
from kafka_io.produce.burst.report import BurstProgress, BurstSummary
from kafka_io.produce.burst.source import plan_spec_burst, plan_template_burst, plan_value_burst
from kafka_io.produce.burst.start import BurstInterrupted, send_burst
from kafka_io.produce.files import parse_event_file
from kafka_io.produce.inputs import TopicLimits, build_event, encode_value, refuse_reserved
from kafka_io.produce.target import topic_limits
from kafka_io.produce.user_templates import all_templates
from kafka_io.produce.validation import parse_header, validate_count, validate_rate
from kafka_io.topics.names import validate_topic_name

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
SHOWN_FAILURES = 20


def register(subparsers) -> None:
    parser = subparsers.add_parser("produce", help="send test events (one, a templated burst, or a file)")
    parser.add_argument("--topic", required=True)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--value", help="the event's value (JSON unless --raw)")
    what.add_argument("--template", metavar="NAME", help="a built-in or saved template, or template text")
    what.add_argument("--file", type=Path, metavar="F.jsonl", help="JSONL (or .csv) of value/key/headers/partition")
    parser.add_argument("--raw", action="store_true", help="send --value as plain text instead of JSON")
    parser.add_argument("--key", help="the key (with --template it may hold placeholders); empty for none")
    parser.add_argument("--header", action="append", default=[], metavar="K=V", help="repeatable")
    parser.add_argument("--partition", type=int, help="default: chosen by Kafka from the key")
    parser.add_argument("--count", type=int, help="how many events (default 1)")
    parser.add_argument("--rate", type=float, metavar="R", help="events per second (default: as fast as possible)")
    add_cluster_options(parser)
    add_format_option(parser)
    parser.set_defaults(func=run)


def _local_checks(args: argparse.Namespace) -> list[tuple[str, bytes]]:
    """Everything that needs no cluster, so bad input fails fast even when Kafka is down."""
    if args.value is None and args.template is None and args.file is None:
        raise InvalidInput("give --value, --template or --file")
    if args.file is not None and (args.count is not None or args.key is not None or args.header):
        raise InvalidInput("--count, --key and --header do not apply to --file: each line says its own")
    if args.raw and args.value is None:
        raise InvalidInput("--raw applies to --value only")
    validate_topic_name(args.topic)
    if args.count is not None:
        validate_count(args.count)
    validate_rate(args.rate)
    headers = [parse_header(line) for line in args.header]
    for key, _ in headers:
        refuse_reserved(key, "--header: ")
    if args.value is not None:
        encode_value(args.value, "text" if args.raw else "json", "--value")
    return headers


def _template(settings: ClusterSettings, topic: str, name: str) -> tuple[str, str | None]:
    """(template text, saved key) for a template name; text with a placeholder is a template itself."""
    found = all_templates(settings.bootstrap_servers, topic)
    if name in found:
        return found[name].template, found[name].key
    if "{{" in name:
        return name, None
    raise InvalidInput(f"unknown template {name!r}; known for topic {topic!r}: {', '.join(found)}")


def _read_file(path: Path) -> list:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    try:
        events, bad = parse_event_file(path.name, data)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc}") from None
    if bad:
        line, reason = bad[0]
        more = f" (and {len(bad) - 1:,} more bad lines)" if len(bad) > 1 else ""
        raise InvalidInput(f"{path} line {line}: {reason}{more}")
    return events


def _plan(args: argparse.Namespace, settings: ClusterSettings, limits: TopicLimits, headers: list):
    count = args.count or 1
    if args.file is not None:
        events = _read_file(args.file)
        try:
            return plan_spec_burst(limits, events, partition=args.partition, rate_per_s=args.rate)
        except InvalidInput as exc:
            joint = " " if str(exc).startswith("line ") else ": "
            raise InvalidInput(f"{args.file}{joint}{exc}") from None
    if args.template is not None:
        text, saved_key = _template(settings, limits.topic, args.template)
        key = args.key if args.key is not None else saved_key
        return plan_template_burst(
            limits, text, count, key_text=key, headers=tuple(headers), partition=args.partition, rate_per_s=args.rate
        )
    fmt = "text" if args.raw else "json"
    event = build_event(limits, args.value, fmt, args.key, tuple(headers), args.partition)
    return plan_value_burst(limits, event, count, rate_per_s=args.rate)


def _progress(progress: BurstProgress) -> None:
    sys.stderr.write(f"\r{progress.delivered:,} delivered, {progress.failed:,} failed of {progress.planned:,}")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    actor = Actor.local()
    details = {"mode": "file" if args.file is not None else "burst"}
    check_allowed(settings, actor, "produce", args.topic, details)  # refused before any input is read
    try:
        headers = _local_checks(args)
        limits = topic_limits(Connection(make_admin(settings), settings), args.topic)
        source = _plan(args, settings, limits, headers)
    except KafkaIOError as exc:  # nothing was sent, but the attempt is on record
        audit_outcome(settings, actor, "produce", args.topic, details, str(exc))
        raise
    show_progress = args.format == "table" and sys.stderr.isatty()
    try:
        progress = _progress if show_progress else None
        summary = send_burst(settings, limits, source, on_progress=progress, actor=actor)
        code = 0 if summary.ok else EXIT_FAILED
    except BurstInterrupted as interrupted:
        summary, code = interrupted.summary, EXIT_INTERRUPTED
    if show_progress:
        sys.stderr.write("\n")
    _print(summary, args.format)
    return code


def _print(summary: BurstSummary, fmt: str) -> None:
    if fmt == "json":
        print_json(summary.to_json())
        return
    print(
        f"sent {summary.requested:,} events to {summary.topic!r}: {summary.delivered:,} delivered, "
        f"{summary.failed:,} failed in {summary.duration_s:.2f} s ({summary.rate_per_s:,.0f} events/s)"
    )
    if summary.not_sent:
        print(f"stopped: {summary.not_sent:,} of {summary.planned:,} planned events were not sent")
    for note in summary.notes:
        print(f"note: {note}")
    if summary.partitions:
        print_table(("partition", "delivered"), summary.partitions)
    if summary.failed:
        print(f"failed events (first {min(summary.failed, SHOWN_FAILURES)} of {summary.failed:,}):")
        print_table(("index", "error"), summary.failure_rows(SHOWN_FAILURES))
