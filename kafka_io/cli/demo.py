"""python -m kafka_io demo: demo traffic for the dashboard (it writes data).

Against the embedded broker it runs as is (`make run` starts it). Against any
other cluster it runs only with an explicit --bootstrap, so a configured
production cluster never gets demo topics by accident.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from kafka_io.cli.common import add_cluster_options, settings_from_args
from kafka_io.demo.control import demo_data_dir, demo_status, pause_demo, run_demo, stop_demo
from kafka_io.demo.plan import MAX_SPEED, DemoPlan
from kafka_io.errors import InvalidInput, KafkaIOError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="run demo traffic: 3 topics, a producer and 3 consumer groups (writes data)"
    )
    add_cluster_options(parser)
    parser.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds (default: until Ctrl-C)")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="X",
        help=f"time-lapse: X times the events/s, cycles X times shorter (default 1, max {MAX_SPEED:g})",
    )
    parser.add_argument("--prefix", default="demo", help="topic and group name prefix (default demo)")
    parser.add_argument("--data-dir", type=Path, help="where the control files live (default .kafka-local)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--stop", action="store_true", help="stop the demo running on --data-dir, then exit")
    action.add_argument("--pause", action="store_true", help="pause the running demo's producer, then exit")
    action.add_argument("--resume", action="store_true", help="resume the running demo's producer, then exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or demo_data_dir()
    if args.stop:
        print("demo stopped" if stop_demo(data_dir) else f"no demo running on {data_dir}")
        return 0
    if args.pause or args.resume:
        if demo_status(data_dir) is None:
            raise KafkaIOError(f"no demo running on {data_dir}")
        pause_demo(settings_from_args(args), data_dir, args.pause)
        print("demo paused" if args.pause else "demo resumed")
        return 0
    if args.seconds is not None and not args.seconds > 0:
        raise InvalidInput(f"--seconds must be above 0, got {args.seconds:g}")
    plan = DemoPlan(args.prefix, args.speed)
    settings = settings_from_args(args)
    if not args.bootstrap and not settings.embedded:
        raise InvalidInput(
            f"the demo writes data (topics {plan.prefix}.*, groups {plan.prefix}-*), and "
            f"{settings.bootstrap_servers} is not the embedded broker: to run it there anyway, "
            f"pass --bootstrap {settings.bootstrap_servers.split(',')[0]}"
        )
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        summary = run_demo(settings, plan, data_dir, args.seconds, stop, on_ready=lambda s: _started(plan, settings, s))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    groups = ", ".join(f"{name} {count}" for name, count in summary.processed.items())
    print(
        f"demo stopped: {summary.delivered} events delivered ({summary.failed} failed); processed: {groups}", flush=True
    )
    return 0


def _started(plan: DemoPlan, settings, summary) -> None:
    topics = ", ".join(f"{t.name} ({t.partitions})" for t in plan.topics)
    created = f"; created {len(summary.created_topics)}" if summary.created_topics else ""
    rate = sum(t.base_rate_per_s for t in plan.topics) * plan.speed
    print(
        f"demo: ~{rate:g} events/s to {topics} on {settings.bootstrap_servers}{created}; "
        f"groups {', '.join(plan.groups)}",
        flush=True,
    )
