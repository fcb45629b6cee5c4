"""python -m kafka_io lag: consumer-group lag, lag in seconds and status, for scripts.

Statuses need history, so the command takes three samples spread over
`--gap` seconds (default 6 s: longer than Kafka's default 5 s auto-commit interval, so
a healthy consumer shows a moving commit) and judges them with the
dashboard's rules. `--gap 0` takes one sample: caught-up partitions are OK and
everything else is UNKNOWN. Lag in seconds is exact (the timestamp of the
record at the committed offset, read without touching the group) for the
most lagging partitions, else the estimate from the samples.

Exit codes: 0 fine; 1 a Kafka error or a group that could not be read or does
not exist; 2 bad input; 3 a group is at or above --fail-on.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
import threading
import time
from typing import TYPE_CHECKING

from kafka_io.cli.common import add_cluster_options, add_format_option, print_json, print_table, settings_from_args
from kafka_io.errors import InvalidInput, KafkaIOError

if TYPE_CHECKING:
    from kafka_io.config import ClusterSettings
    from kafka_io.groups.health import GroupHealth
    from kafka_io.groups.models import GroupLag
    from kafka_io.groups.sampler import LagSampler, LagSnapshot

DEFAULT_GAP_S = 6.0
MAX_GAP_S = 300.0
SAMPLES = 3
EXIT_THRESHOLD = 3
FAIL_ON = ("warn", "rewind", "stall", "stop")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "lag", help="consumer-group lag, lag in seconds and status (OK/WARN/STALL/STOP/REWIND)"
    )
    add_cluster_options(parser)
    parser.add_argument("--group", action="append", metavar="ID", help="only this group (repeatable); default: all")
    add_format_option(parser)
    parser.add_argument("--fail-on", choices=FAIL_ON, help="exit 3 when a group is at or above this status")
    parser.add_argument(
        "--gap",
        type=float,
        default=DEFAULT_GAP_S,
        metavar="SECONDS",
        help=f"seconds spanned by the three samples statuses are judged on (default {DEFAULT_GAP_S:g}; 0 = one sample)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.gap <= MAX_GAP_S:
        raise InvalidInput(f"--gap must be between 0 and {MAX_GAP_S:g} seconds, got {args.gap:g}")
    groups = [g.strip() for g in args.group or []]
    if any(not g for g in groups):
        raise InvalidInput("--group needs a non-empty group id")
    settings = settings_from_args(args)
    # The command is one short process: its imports, the group child's start and the reads
    # overlap instead of queueing (issue #25: the whole process <= 1.5x a raw script).
    from kafka_io.groups.history import LagHistory
    from kafka_io.groups.sampler import LagSampler

    # SAMPLES deep: the default depth (an hour) allocated 64 MB for 5,400 partitions, 0.3 s a run.
    history = LagHistory(max_samples=SAMPLES)
    sampler = LagSampler(settings, interval_s=max(args.gap, 0.1), window_s=2 * args.gap + 1, history=history)
    sampling = _in_background(_sample, sampler, groups, args.gap)
    from kafka_io.groups import health_bulk  # noqa: F401  (numpy: loads while the sample waits on Kafka)

    snapshot = sampling.result()
    health = _health_with_exact(settings, sampler, snapshot)
    report = lag_report(snapshot, health)
    if args.format == "json":
        print_json(report)
    else:
        _print_table(report)
    return _exit_code(report, health, groups, args.fail_on)


def _in_background(fn, *args) -> concurrent.futures.Future:
    """fn(*args) on a daemon thread: Ctrl-C ends the command at once (a pool's worker is
    joined at exit, which would wait out a hung sample's timeout)."""
    future: concurrent.futures.Future = concurrent.futures.Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed to the caller, who reports it
            future.set_exception(exc)

    threading.Thread(target=run, name="kdash-cli-sample", daemon=True).start()
    return future


def _sample(sampler: LagSampler, groups: list[str], gap_s: float) -> LagSnapshot:
    take = (lambda: sampler.refresh_groups(groups)) if groups else sampler.refresh
    snapshot = take()
    # Three samples across the gap: a WARN needs a trend (groups.status.MIN_WARN_SAMPLES).
    for _ in range(SAMPLES - 1 if gap_s > 0 else 0):
        if snapshot.error is not None:
            break
        time.sleep(gap_s / (SAMPLES - 1))
        snapshot = take()
    if snapshot.error is not None:
        raise KafkaIOError(snapshot.error)
    return snapshot


def _health_with_exact(settings: ClusterSettings, sampler: LagSampler, snapshot: LagSnapshot) -> list[GroupHealth]:
    """Every group's health, with exact time lags for the most lagging groups: the reads
    need only the snapshot's lags, so they run while the health is computed."""
    from kafka_io.groups.health import with_exact_time_lags
    from kafka_io.groups.record_reads import EXACT_MAX_CONSUMERS, exact_time_lags

    chosen = _exact_chosen(snapshot.groups)
    with concurrent.futures.ThreadPoolExecutor(EXACT_MAX_CONSUMERS, "kdash-cli-exact") as pool:
        reads = {g.group_id: pool.submit(exact_time_lags, settings, g.partitions) for g in chosen}
        by_id = sampler.health()
        health = [by_id[g.group_id] for g in snapshot.groups]
        exact = {group_id: read.result() for group_id, read in reads.items()}
    return [with_exact_time_lags(h, exact[h.group_id]) if h.group_id in exact else h for h in health]


def _exact_chosen(groups: tuple[GroupLag, ...]) -> list[GroupLag]:
    """The most lagging groups whose lagging partitions fit in the exact reads' global cap."""
    from kafka_io.groups.record_reads import EXACT_MAX_PARTITIONS

    budget, chosen = EXACT_MAX_PARTITIONS, []
    for group in sorted(groups, key=lambda g: -g.totals.total_lag):
        lagging = sum(1 for p in group.partitions if p.lag)
        if lagging and lagging <= budget:
            chosen.append(group)
            budget -= lagging
    return chosen


def _seconds(time_lag) -> float | None:
    return None if time_lag.seconds is None else round(time_lag.seconds, 3)


def lag_report(snapshot: LagSnapshot, health: list[GroupHealth]) -> dict:
    """The documented JSON shape (docs/cli.md, "lag")."""
    return {
        "sampled_at": snapshot.sampled_at_s,
        "duration_ms": round(snapshot.duration_ms, 3),
        "groups": [
            {
                "group": h.group_id,
                "state": h.group.state,
                "type": h.group.group_type.lower(),
                "members": len(h.group.members),
                "total_lag": h.totals.total_lag,
                "max_lag": h.totals.max_lag,
                "unknown_partitions": h.totals.unknown_partitions,
                "status": h.status.value,
                "lag_seconds": _seconds(h.time_lag),
                "partitions": [
                    {
                        "topic": p.topic,
                        "partition": p.partition,
                        "committed": p.committed,
                        "high": p.high,
                        "lag": p.lag,
                        "lag_seconds": _seconds(p.time_lag),
                        "status": p.status.value,
                    }
                    for p in h.partitions
                ],
            }
            for h in health
        ],
    }


def _print_table(report: dict) -> None:
    headers = ("GROUP", "STATE", "MEMBERS", "TOTAL_LAG", "MAX_LAG", "UNKNOWN", "LAG_S", "STATUS")
    keys = ("group", "state", "members", "total_lag", "max_lag", "unknown_partitions", "lag_seconds", "status")
    print_table(headers, ([g[k] for k in keys] for g in report["groups"]))
    if not report["groups"]:
        print("no consumer groups")


def _exit_code(report: dict, health: list[GroupHealth], asked: list[str], fail_on: str | None) -> int:
    from kafka_io.groups.status import Status, at_or_above

    problems = [f"group {h.group_id!r}: {h.group.error}" for h in health if h.group.error]
    problems += [
        f"group {h.group_id!r} does not exist"
        for h in health
        if h.group.state == "DEAD" and not h.group.partitions and h.group_id in asked
    ]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    if fail_on and any(at_or_above(Status(g["status"]), Status.parse(fail_on)) for g in report["groups"]):
        return EXIT_THRESHOLD
    return 0
