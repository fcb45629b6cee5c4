"""The demo workload (`python -m kafka_io demo`): run it, pause it, stop it.

The demo is its own process: it creates the demo topics, runs a producer and two
consumer groups in threads, and leaves a third group stopped with lag (see
demo.plan for names and rates, demo.workers for the clients). It talks to the
dashboard only through small files in the data dir (demo.state: the pause flag
and the status file; demo.exits: why it stopped).

Pausing stops the producer only: the consumers drain what is left, so lag
falls back to 0 everywhere but in the stopped group.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from kafka_io._client import ClusterClient, Connection
from kafka_io.access.actor import Actor
from kafka_io.access.guard import audit_outcome, check_allowed, write_guard
from kafka_io.config import ClusterSettings
from kafka_io.demo.exits import clear_exit, write_exit
from kafka_io.demo.plan import DemoPlan
from kafka_io.demo.state import (
    CONTROL_FILE,
    STATUS_FILE,
    DemoStatus,
    demo_data_dir,
    demo_paused,
    demo_status,
    set_demo_paused,
    write_json,
)
from kafka_io.errors import KafkaIOError
from kafka_io.local.noida import DEFAULT_DATA_DIR, terminate_process
from kafka_io.settings import server_settings

__all__ = [
    "CONTROL_FILE",
    "STATUS_FILE",
    "DemoStatus",
    "DemoSummary",
    "demo_data_dir",
    "demo_paused",
    "demo_status",
    "run_demo",
    "pause_demo",
    "set_demo_paused",
    "stop_demo",
]

log = logging.getLogger("kafka_io.demo.control")

CONTROL_POLL_S = 0.5
JOIN_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 20.0
# A broker restart can kill a worker (a consumer's fatal error); it is replaced.
# Five deaths within a minute mean it will not recover by itself: stop and say why.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0


@dataclass(slots=True)
class DemoSummary:
    created_topics: list[str] = field(default_factory=list)
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    processed: dict[str, int] = field(default_factory=dict)


def stop_demo(data_dir: Path, timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """Stop the demo recorded in data_dir (SIGTERM, so it closes its consumers); False if none ran."""
    status = demo_status(data_dir)
    if status is None:
        return False
    terminate_process(status.pid, timeout_s)
    (Path(data_dir) / STATUS_FILE).unlink(missing_ok=True)
    return True


def pause_demo(settings: ClusterSettings, data_dir: Path, paused: bool, *, actor: Actor | None = None) -> None:
    """``set_demo_paused`` through the write guard: an operator's control, audited."""
    with write_guard(settings, actor, "demo.pause" if paused else "demo.resume", "demo"):
        set_demo_paused(data_dir, paused)


def _check_can_run(settings: ClusterSettings, data_dir: Path) -> None:
    running = demo_status(data_dir)
    if running is not None:
        raise KafkaIOError(
            f"a demo is already running (pid {running.pid}, on {running.bootstrap}); "
            f"stop it first: python -m kafka_io demo --stop --data-dir {data_dir}"
        )


def run_demo(
    settings: ClusterSettings,
    plan: DemoPlan,
    data_dir: Path = DEFAULT_DATA_DIR,
    duration_s: float | None = None,
    stop: threading.Event | None = None,
    on_ready: Callable[[DemoSummary], None] | None = None,
    actor: Actor | None = None,
) -> DemoSummary:
    """Run until `stop` is set (or for duration_s); returns what was produced and consumed.
    Its start is audited when it is ready (or failed), unless the app that spawned it did."""
    from kafka_io._client import make_admin
    from kafka_io.demo.setup import ensure_topics

    data_dir = Path(data_dir).resolve()
    details = {"speed": plan.speed, "topics": [t.name for t in plan.topics]}
    audited = server_settings().demo_audited  # the app that restarted this demo audited it
    if not audited:
        check_allowed(settings, actor, "demo.start", plan.prefix, details)
    _check_can_run(settings, data_dir)
    clear_exit(data_dir)
    stop = stop or threading.Event()
    summary = DemoSummary()
    reason = "stopped on request"
    workers: list = []
    try:
        connection = Connection(make_admin(settings), settings)
        summary.created_topics = ensure_topics(connection, plan)
        set_demo_paused(data_dir, False)  # every start begins with traffic flowing
        paused = _PauseFlag(data_dir)
        started_s = time.monotonic()
        workers = _workers(settings, plan, stop, paused, started_s)
        write_status = partial(_write_status, data_dir, settings, plan, time.time())
        write_status()
        for worker in workers:
            worker.start()
        if not audited:
            audit_outcome(settings, actor, "demo.start", plan.prefix, {**details, "created": summary.created_topics})
            audited = True
        if on_ready:
            on_ready(summary)
        _supervise(connection, plan, workers, stop, paused, started_s, duration_s, write_status)
        if not stop.is_set():
            reason = f"ran its {duration_s:g} s"
    except BaseException as exc:
        reason = str(exc) if isinstance(exc, KafkaIOError) else f"unexpected {type(exc).__name__}: {exc}"
        if not audited:
            audit_outcome(settings, actor, "demo.start", plan.prefix, details, reason)
        raise
    finally:
        stop.set()
        for worker in workers:
            worker.join(JOIN_TIMEOUT_S)
        # Why it stopped, for the sidebar; then the status file goes, so no one sees it running.
        write_exit(data_dir, reason, settings.bootstrap_servers, plan.prefix, plan.speed)
        (data_dir / STATUS_FILE).unlink(missing_ok=True)
    producer = workers[0]
    summary.sent, summary.delivered, summary.failed = producer.sent, producer.delivered, producer.failed
    summary.processed = {w.group: w.processed for w in workers[1:]}
    return summary


def _workers(settings, plan, stop, paused, started_s) -> list:
    from kafka_io.demo.workers import GroupWorker, ProducerWorker

    return [
        ProducerWorker(settings, plan, stop, paused.get),
        GroupWorker(settings, plan.keeps_up_group, [t.name for t in plan.topics], stop),
        GroupWorker(
            settings,
            plan.slow_group,
            [plan.slow_topic.name],
            stop,
            lambda: plan.slow_limit_per_s(time.monotonic() - started_s),
        ),
    ]


def _write_status(
    data_dir: Path, settings: ClusterSettings, plan: DemoPlan, started_at_s: float, **counts: int
) -> None:
    write_json(
        data_dir / STATUS_FILE,
        {
            **counts,
            "pid": os.getpid(),
            "bootstrap": settings.bootstrap_servers,
            "prefix": plan.prefix,
            "topics": [t.name for t in plan.topics],
            "groups": list(plan.groups),
            "started_at_s": started_at_s,
            "speed": plan.speed,
        },
    )


class _PauseFlag:
    """The control file's paused flag, re-read when the file changes."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / CONTROL_FILE
        self.value = False
        self._seen: tuple[int, int] | None = None

    def refresh(self) -> None:
        try:
            stat = self.path.stat()
            seen = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            seen = None
        if seen != self._seen:
            self._seen = seen
            self.value = demo_paused(self.path.parent)

    def get(self) -> bool:
        return self.value


@dataclass
class _RestartBudget:
    """A worker that dies is replaced, unless workers died ``limit`` times within ``window_s``:
    then something is wrong for good, and the demo stops and says why."""

    limit: int = MAX_RESTARTS
    window_s: float = RESTART_WINDOW_S
    times_s: list[float] = field(default_factory=list)
    total: int = 0

    def allow(self, now_s: float) -> bool:
        self.times_s = [t for t in self.times_s if now_s - t < self.window_s]
        if len(self.times_s) >= self.limit:
            return False
        self.times_s.append(now_s)
        self.total += 1
        return True


def _supervise(cluster: ClusterClient, plan, workers, stop, paused, started_s, duration_s, write_status) -> None:
    from kafka_io.demo.setup import commit_stopped_group

    stopped_ready = False
    restarts = _RestartBudget()
    counts = {"producer_recreated": 0, "worker_restarts": 0}
    while not stop.wait(CONTROL_POLL_S):
        now = {"producer_recreated": workers[0].recreated, "worker_restarts": restarts.total}
        if now != counts:  # the status file says what the demo survived
            counts = now
            write_status(**counts)
        paused.refresh()
        if not stopped_ready:
            try:
                stopped_ready = commit_stopped_group(cluster, plan)
            except KafkaIOError as exc:  # the broker may be restarting: try again next poll
                log.debug("demo: %s", exc)
        for i, worker in enumerate(workers):
            if worker.is_alive() and not worker.error:
                continue
            reason = worker.error or f"{worker.name}: thread exited"  # the error names the worker
            if not restarts.allow(time.monotonic()):
                raise KafkaIOError(f"{reason} ({restarts.limit} restarts within {restarts.window_s:g} s)")
            log.warning("demo: %s; restarting it", reason)
            workers[i] = worker.replacement()
            workers[i].start()
        if duration_s is not None and time.monotonic() - started_s >= duration_s:
            return
