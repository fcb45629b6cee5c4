"""python -m kafka_io messages: print a topic's events from a seek, filtered or not, or the events
a group is stuck on (--group G --at-committed).

Same code as the Messages page (kafka_io.messages): assign-only viewer consumer,
throwaway group id, never a commit. Every flag is checked before anything is
sent; bad input is one line on stderr and exit 2. Events go to stdout (table,
jsonl or csv); the scan's summary (what stopped it) goes to stderr.
"""

from __future__ import annotations

import argparse
import sys

from kafka_io.cli.common import add_cluster_options, settings_from_args
from kafka_io.errors import InvalidInput

FORMATS = ("table", "jsonl", "csv")
DEFAULT_LIMIT = 50
TABLE_VALUE_CHARS = 80


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "messages",
        help="print a topic's events from an offset, a time or the newest, optionally filtered with CEL "
        "(never commits, never joins a group)",
    )
    parser.add_argument("--topic", metavar="TOPIC")
    parser.add_argument("--partition", metavar="P", help="one partition (default: all)")
    parser.add_argument("--offset", metavar="N", help="start at offset N (in every partition without --partition)")
    parser.add_argument("--from-timestamp", metavar="MS", help="start at the first event at or after this time")
    parser.add_argument("--from-beginning", action="store_true", help="start at the oldest retained event")
    parser.add_argument("--last", metavar="N", help="the newest N events (default: the newest --limit)")
    parser.add_argument("--limit", metavar="K", default=str(DEFAULT_LIMIT), help="print at most K events (default 50)")
    parser.add_argument("--filter", metavar="EXPR", help="a CEL expression, e.g. value.amount > 100 && type == 'order'")
    parser.add_argument("--max-scan", metavar="N", help="with --filter: read at most N events (default 1,000,000)")
    parser.add_argument("--max-seconds", metavar="S", help="with --filter: stop after S seconds")
    parser.add_argument("--group", metavar="G", help="with --at-committed: the consumer group")
    parser.add_argument("--at-committed", action="store_true", help="the event at each lagging partition's commit")
    parser.add_argument("--following", metavar="N", default="0", help="with --at-committed: N more events after it")
    parser.add_argument("--type-field", default="auto", metavar="PATH", help="where the event type is (as in tail)")
    parser.add_argument("--format", default="table", metavar="FORMAT", help="table (default), jsonl or csv")
    add_cluster_options(parser)
    parser.set_defaults(func=run)


def _whole(text: str | None, flag: str, least: int = 0) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput(f"{flag} needs a whole number, got {text!r}") from None
    if value < least:
        raise InvalidInput(f"{flag} must be ≥ {least}, got {value}")
    return value


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"--max-seconds needs a number of seconds, got {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise InvalidInput(f"--max-seconds must be > 0, got {text}")
    return value


def _validate(args: argparse.Namespace) -> dict:
    """Every flag checked, before anything is sent: the scan's or the stuck read's arguments."""
    if not args.topic:
        raise InvalidInput("--topic is required")
    if args.format not in FORMATS:
        raise InvalidInput(f"--format must be one of {', '.join(FORMATS)}, got {args.format!r}")
    starts = [f for f in ("offset", "from_timestamp", "last") if getattr(args, f) is not None]
    starts += ["from_beginning"] if args.from_beginning else []
    if len(starts) > 1:
        raise InvalidInput("choose one start: --offset, --from-timestamp, --from-beginning or --last")
    if args.at_committed or args.group is not None:
        return _validate_committed(args, starts)
    if args.following != "0":
        raise InvalidInput("--following goes with --group G --at-committed")
    bounds = [f for f in ("max_scan", "max_seconds") if getattr(args, f) is not None]
    if bounds and not args.filter:
        raise InvalidInput(f"--{bounds[0].replace('_', '-')} bounds a --filter scan; add --filter")
    return {
        "partition": _whole(args.partition, "--partition"),
        "seek": _seek(args),
        "filter_expr": args.filter,
        "limit": _whole(args.limit, "--limit", 1),
        "max_scan": _max_scan(args),
        "max_seconds": _seconds(args.max_seconds),
        "type_field": args.type_field,
    }


def _validate_committed(args: argparse.Namespace, starts: list[str]) -> dict:
    if not (args.at_committed and args.group):
        raise InvalidInput("--group and --at-committed go together: --group G --topic T --at-committed")
    others = starts + [f for f in ("partition", "filter", "max_scan", "max_seconds") if getattr(args, f) is not None]
    if others:
        raise InvalidInput(f"--at-committed reads at the group's offsets: drop --{others[0].replace('_', '-')}")
    return {"following": _whole(args.following, "--following"), "type_field": args.type_field}


def _seek(args: argparse.Namespace):
    from kafka_io.messages.model import Seek

    if args.from_beginning:
        return Seek("oldest")
    if args.offset is not None:
        return Seek("offset", _whole(args.offset, "--offset"))
    if args.from_timestamp is not None:
        return Seek("timestamp", _whole(args.from_timestamp, "--from-timestamp"))
    return Seek()


def _max_scan(args: argparse.Namespace) -> int:
    from kafka_io.messages.scan import DEFAULT_MAX_SCAN

    if args.last is not None:  # the newest N: the scan's window
        return _whole(args.last, "--last", 1)
    found = _whole(args.max_scan, "--max-scan", 1)
    return DEFAULT_MAX_SCAN if found is None else found


def run(args: argparse.Namespace) -> int:
    from kafka_io.cluster import Cluster

    options = _validate(args)
    if options.get("filter_expr"):
        from kafka_io.messages.cel import compile_filter

        compile_filter(options["filter_expr"])  # a broken expression: one line, exit 2, nothing read
    settings = settings_from_args(args)
    exporting = args.format in ("jsonl", "csv")
    if exporting:  # an export, as from the page: [messages] export = false refuses it, audited
        from kafka_io.messages.export import check_export

        check_export(settings, args.topic, args.format)
    with Cluster(settings) as cluster:
        if "following" in options:
            return _at_committed(cluster, args, options)
        return _scan(cluster, args, options)


def _scan(cluster, args: argparse.Namespace, options: dict) -> int:
    from kafka_io.messages.scan import scan

    result = scan(cluster, args.topic, **options)
    _print(cluster, args, result.messages)
    progress = result.progress
    stop = {
        "limit": f"--limit {options['limit']} reached",
        "max_scan": f"--last {args.last}" if args.last is not None else f"--max-scan {options['max_scan']:,} reached",
        "max_seconds": f"--max-seconds {args.max_seconds} passed",
        "end": "end of the topic as it was when the scan started",
        "cancelled": "cancelled",
    }.get(progress.stopped_by, str(progress.stopped_by))
    positions = " ".join(f"{p}:{o}" for p, o in sorted(progress.positions.items()))
    line = f"messages: {progress.scanned:,} scanned, {progress.matched:,} matched"
    if options["filter_expr"]:
        line += f", {progress.unevaluated:,} could not be evaluated"
    print(f"{line}; stopped by {stop} ({progress.elapsed_s:.2f} s); next offsets {positions or '—'}", file=sys.stderr)
    return _report_errors(result.errors)


def _at_committed(cluster, args: argparse.Namespace, options: dict) -> int:
    from kafka_io.messages.stuck import stuck_events
    from kafka_io.topics.names import validate_topic_name

    topic = validate_topic_name(args.topic)
    found = stuck_events(cluster, args.group, topic=topic, **options)
    _print(cluster, args, [m for event in found for m in event.messages])
    for event in found:
        print(
            f"messages: {event.topic}[{event.partition}] committed {event.committed}, lag {event.lag:,}",
            file=sys.stderr,
        )
    if not found:
        print(f"messages: group {args.group!r} has no lagging partition on {topic}", file=sys.stderr)
    errors = [e for e in found if e.error]
    for event in errors:
        print(f"warning: {event.topic}[{event.partition}]: {event.error}", file=sys.stderr)
    return 1 if errors else 0


def _report_errors(errors) -> int:
    for error in errors:
        print(f"warning: partition {error.partition}: {error.error}", file=sys.stderr)
    return 1 if errors else 0


def _print(cluster, args: argparse.Namespace, messages) -> None:
    if args.format == "table":
        _print_table(messages)
    else:
        from kafka_io.messages.export import export_done

        sys.stdout.write(_to_jsonl(messages) if args.format == "jsonl" else _to_csv(messages))
        export_done(cluster.settings, args.topic, args.format, len(messages))
    sys.stdout.flush()


def _to_jsonl(messages) -> str:
    """kafka_io.messages.formats' lines (the export's shape), written with orjson."""
    import json

    import orjson

    from kafka_io.messages.formats import jsonl_line

    lines = []
    for m in messages:
        line = jsonl_line(m)
        try:
            lines.append(orjson.dumps(line))
        except TypeError:  # a decoded record's integer beyond 64 bits: the json module keeps it
            lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode())
    return b"".join(text + b"\n" for text in lines).decode()


def _to_csv(messages) -> str:
    from kafka_io.messages.export import to_csv

    return to_csv(messages)


def _print_table(messages) -> None:
    import time

    from kafka_io.cli.common import print_table
    from kafka_io.live.preview import decode_preview

    rows = []
    for m in messages:
        stamp = None
        if m.timestamp_ms is not None:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(m.timestamp_ms / 1000))
            stamp += f".{m.timestamp_ms % 1000:03d}"
        key = decode_preview(m.key, 40)[1].replace("\r", "\\r").replace("\n", "\\n")
        value = (
            m.decoded[:TABLE_VALUE_CHARS] if m.decoded is not None else decode_preview(m.value, TABLE_VALUE_CHARS)[1]
        )
        value = value.replace("\r", "\\r").replace("\n", "\\n")
        rows.append((m.partition, m.offset, stamp, key or None, m.type, len(m.headers), m.value_size, value))
    print_table(["PARTITION", "OFFSET", "TIME", "KEY", "TYPE", "HEADERS", "SIZE", "VALUE"], rows)
