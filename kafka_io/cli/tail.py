"""python -m kafka_io tail: read topics live and count events by type.

Reads with the live page's assign-only reader (kafka_io.live.reader): a
throwaway kdash-viewer-<uuid> group id, no subscribe, no commit. Without
--seconds or --max-messages it runs until Ctrl-C, then prints the summary.
"""

from __future__ import annotations

import argparse
import sys
import time

import orjson

from kafka_io._client import Connection, diagnose_handshake, make_admin, tcp_reason
from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args
from kafka_io.errors import InvalidInput, NotFound, Unavailable
from kafka_io.live.framed import decoder_for, framed_view
from kafka_io.live.model import FramedView, StartPosition
from kafka_io.live.output import TailSummary, text_or_base64
from kafka_io.live.preview import decode_preview
from kafka_io.live.rates import TypeSpec, make_extractor
from kafka_io.live.reader import RECONNECTING, RUNNING, WAITING, TailReader
from kafka_io.live.worker import BATCH_MAX, POLL_TIMEOUT_S
from kafka_io.topics.absent import absent_topic
from kafka_io.topics.names import validate_topic_name

TABLE_VALUE_CHARS = 80


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "tail", help="read topics live and count events by type (never commits, never joins a group)"
    )
    parser.add_argument("--topic", action="append", required=True, metavar="TOPIC", help="repeat for more topics")
    add_cluster_options(parser)
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--from-beginning", action="store_true", help="read from the oldest retained event")
    start.add_argument("--from-timestamp", type=int, metavar="MS", help="read from this time (ms since the epoch)")
    stop = parser.add_mutually_exclusive_group()
    stop.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds")
    stop.add_argument("--max-messages", type=int, metavar="N", help="stop after N messages")
    parser.add_argument(
        "--type-field",
        default="auto",
        metavar="PATH",
        help="JSON field path of the event type (default: auto = event_type, type, eventType, "
        "event.type, CloudEvents); also key or header:NAME",
    )
    add_format_option(parser, ("table", "json", "jsonl"))
    parser.set_defaults(func=run)


def _validate(args: argparse.Namespace) -> tuple[tuple[str, ...], StartPosition, TypeSpec]:
    topics = tuple(dict.fromkeys(validate_topic_name(t) for t in args.topic))
    if args.seconds is not None and not args.seconds > 0:
        raise InvalidInput(f"--seconds must be > 0, got {args.seconds:g}")
    if args.max_messages is not None and args.max_messages < 1:
        raise InvalidInput(f"--max-messages must be ≥ 1, got {args.max_messages}")
    if args.from_beginning:
        start = StartPosition("earliest")
    elif args.from_timestamp is not None:
        start = StartPosition("timestamp", args.from_timestamp)
    else:
        start = StartPosition("latest")
    return topics, start, TypeSpec.parse(args.type_field)


def run(args: argparse.Namespace) -> int:
    topics, start, spec = _validate(args)
    settings = settings_from_args(args)
    reader = TailReader(settings, topics, start)
    reader.open()
    try:
        status, _ = reader.status()
        if status == RECONNECTING:
            failed_handshake = diagnose_handshake(settings)
            if failed_handshake:
                raise Unavailable(failed_handshake)
            reason = tcp_reason(settings.bootstrap_servers) or f"no answer within {settings.timeout_s:g} s"
            raise Unavailable(f"Cannot reach Kafka at {settings.bootstrap_servers}: {reason}")
        if status == WAITING:
            # Kafka hides topics this user may not describe: name that instead of "does not exist".
            admin = make_admin(settings)
            for topic in reader.missing_topics:
                error = absent_topic(Connection(admin, settings), topic)
                if not isinstance(error, NotFound):
                    raise error
            raise NotFound(f"topic {', '.join(reader.missing_topics)} does not exist")
        decoder = decoder_for(settings)
        try:
            return _read(args, reader, spec, decoder)
        finally:
            if decoder is not None:
                decoder.close()
    finally:
        reader.close()


def _read(args: argparse.Namespace, reader: TailReader, spec: TypeSpec, decoder) -> int:
    extract = make_extractor(spec, decoder)
    summary = TailSummary()
    emit = {"jsonl": _emit_jsonl, "table": _emit_table, "json": None}[args.format]
    if args.format == "table":
        print("TIME          TOPIC/PARTITION@OFFSET  TYPE  KEY  VALUE")
    started = time.monotonic()
    deadline = started + args.seconds if args.seconds else None
    limit = args.max_messages
    last_status = RUNNING
    try:
        while (limit is None or summary.messages < limit) and (deadline is None or time.monotonic() < deadline):
            want = BATCH_MAX if limit is None else min(BATCH_MAX, limit - summary.messages)
            wait_s = POLL_TIMEOUT_S if deadline is None else max(min(POLL_TIMEOUT_S, deadline - time.monotonic()), 0)
            for m in reader.read(want, wait_s):
                event_type = extract(m.value(), m.headers(), m.key())
                summary.add(m.topic(), m.partition(), m.offset(), event_type)
                if emit is not None:
                    emit(m, event_type, framed_view(decoder, m.value(), m.key()))
            reader.maintain()
            last_status = _report_status(reader, last_status)
    except KeyboardInterrupt:
        pass  # Ctrl-C ends a tail normally: print what was seen
    seconds = time.monotonic() - started
    _print_summary(args.format, summary, seconds)
    return 0


def _report_status(reader: TailReader, last: str) -> str:
    status, detail = reader.status()
    if status != last:
        print(f"tail: {status}{': ' + detail if detail else ''}", file=sys.stderr, flush=True)
    return status


def _emit_jsonl(m, event_type: str, framed: FramedView | None) -> None:
    line = {
        "topic": m.topic(),
        "partition": m.partition(),
        "offset": m.offset(),
        "timestamp_ms": m.timestamp()[1],
        "key": text_or_base64(m.key()),
        "type": event_type,
        "value": text_or_base64(m.value()),
    }
    if framed is not None:  # a schema registry's record: the value as data, the schema named
        line["schema"] = framed.schema
        if framed.value_json is not None:
            line["value"] = orjson.loads(framed.value_json)
        if framed.key_text is not None:
            line["key"] = framed.key_text
    sys.stdout.write(orjson.dumps(line).decode("utf-8") + "\n")


def _emit_table(m, event_type: str, framed: FramedView | None) -> None:
    ts_ms = m.timestamp()[1]
    stamp = time.strftime("%H:%M:%S", time.localtime(ts_ms / 1000)) + f".{ts_ms % 1000:03d}"
    _, key = decode_preview(m.key(), 40)
    _, value = decode_preview(m.value(), TABLE_VALUE_CHARS)
    if framed is not None and framed.value_json is not None:
        value = framed.value_json[:TABLE_VALUE_CHARS]
    if framed is not None and framed.key_text is not None:
        key = framed.key_text[:40]
    one_line = value.replace("\r", "\\r").replace("\n", "\\n")
    print(f"{stamp}  {m.topic()}/{m.partition()}@{m.offset()}  {event_type}  {key or '—'}  {one_line}", flush=False)


def _print_summary(fmt: str, summary: TailSummary, seconds: float) -> None:
    payload = summary.as_json(seconds)
    if fmt in ("json", "jsonl"):
        sys.stdout.flush()
        print_json(payload)
        return
    print()
    print(f"{payload['messages']} messages in {payload['seconds']:.1f} s ({payload['rate_per_s']:.1f}/s)")
    if payload["by_type"]:
        print_table(["TYPE", "COUNT"], payload["by_type"].items())
