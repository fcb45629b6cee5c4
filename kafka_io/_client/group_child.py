"""Consumer-group admin calls, made in a child process.

librdkafka (2.16.1, and upstream at the time of writing) crashes the whole
process in two ways when a broker dies or a group's coordinator moves:
- SIGSEGV when an admin client's OffsetFetch answer says the coordinator moved
  (confluentinc/librdkafka#5040): it asks for the client's consumer-group
  handle, and an admin client has none;
- SIGABRT ("rd_kafka_enq_once_del_source_return: Assertion `eonce->refcnt > 0'")
  when group requests time out while a broker is down (confluentinc/librdkafka#4605;
  seen here within 35 s of SIGKILLing one of three Apache Kafka nodes).
That is the very moment of an incident, when a dashboard must not die. So the
group calls of the admin clients kafka_io makes (``list_consumer_groups``,
``describe_consumer_groups``, ``list_consumer_group_offsets``) run in a child
(group_worker.py) with an admin client of its own; answers come back as
kafka_io's own values (values.py), and a failure as a KafkaException, as
confluent's futures would fail. If the child crashes, the requests it held
fail with CRASHED for that one sample, and the next call starts a new child.

Protocol over the child's stdin/stdout (frames.py): the first frame is the
ClusterSettings (secrets travel through the pipe, never argv or the
environment); then (op, [request ids], args, timeout) requests, answered by
frames of [(request id, ("ok", value) or ("error", code, reason))], as many
answers per frame as the child had ready.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import logging
import os
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

from confluent_kafka import KafkaError

from kafka_io._client.frames import read_frame, write_frame
from kafka_io._client.translate import kafka_failure
from kafka_io.config import ClusterSettings
from kafka_io.settings import child_environment, debug_requested, environment
from kafka_io.wire import TP

log = logging.getLogger("kafka_io")

__all__ = ["CRASHED", "GroupAdminChild"]

RESPAWN_MIN_GAP_S = 1.0  # a child that keeps crashing is not restarted in a tight loop
CRASHED = (
    "the client reading consumer groups crashed (a librdkafka bug when a broker dies or a coordinator "
    "moves: confluentinc/librdkafka#5040, #4605); the next refresh retries"
)
_HOME = str(Path(__file__).resolve().parents[2])  # where kafka_io is importable from, whatever the cwd


# --- the parent's side --------------------------------------------------------


class _Child:
    """One child process and the futures waiting for its answers."""

    def __init__(self, settings: ClusterSettings):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kafka_io._client.group_worker"],
            env=child_environment(PYTHONPATH=os.pathsep.join(filter(None, (_HOME, environment().get("PYTHONPATH"))))),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if debug_requested() else subprocess.DEVNULL,
        )
        self._write_lock = threading.Lock()
        self._pending: dict[int, concurrent.futures.Future] = {}  # by request id
        self._pending_lock = threading.Lock()
        self._ids = itertools.count()
        write_frame(self.process.stdin, settings)
        threading.Thread(target=self._read_answers, name="kdash-group-child-reader", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, op: str, answers: int, args, timeout_s: float) -> list[concurrent.futures.Future]:
        """One future per answer expected; the child answers each on its own."""
        futures, request_ids = [], []
        with self._pending_lock:
            for _ in range(answers):
                future: concurrent.futures.Future = concurrent.futures.Future()
                request_id = next(self._ids)
                self._pending[request_id] = future
                futures.append(future)
                request_ids.append(request_id)
        try:
            with self._write_lock:
                write_frame(self.process.stdin, (op, request_ids, args, timeout_s))
        except (BrokenPipeError, OSError, ValueError):
            for request_id in request_ids:
                self._fail(request_id)
        return futures

    def _read_answers(self) -> None:
        while (frame := read_frame(self.process.stdout)) is not None:
            with self._pending_lock:  # a frame carries every answer the child had ready
                entries = [(self._pending.pop(request_id, None), answer) for request_id, answer in frame]
            for future, answer in entries:
                if future is not None:
                    _settle(future, answer)
        code = self.process.wait()
        with self._pending_lock:
            ids = list(self._pending)
        if ids or code not in (0, -9):
            log.warning("the consumer-group child exited with %s, %d answers pending", code, len(ids))
        for request_id in ids:
            self._fail(request_id)

    def _fail(self, request_id: int) -> None:
        with self._pending_lock:
            future = self._pending.pop(request_id, None)
        if future is not None and not future.done():
            future.set_exception(kafka_failure(KafkaError._FAIL, CRASHED))

    def stop(self) -> None:
        """Closing its stdin ends the child; it has nothing to flush, so no waiting on it."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        if self.alive:
            self.process.kill()
        self.process.wait()


def _settle(future: concurrent.futures.Future, answer) -> None:
    if answer[0] == "ok":
        future.set_result(answer[1])
    else:
        future.set_exception(kafka_failure(answer[1], answer[2]))


class GroupAdminChild:
    """The consumer-group calls, answered by a child process of this
    object's own (started on first use, again after a crash, stopped with the
    object): a client remade after an outage gets a fresh child too."""

    def __init__(self, settings: ClusterSettings):
        self.settings = settings
        self._child: _Child | None = None
        self._started_s = -RESPAWN_MIN_GAP_S
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _stop_child, self.__dict__)

    def _live_child(self) -> _Child:
        with self._lock:
            if self._child is not None and self._child.alive:
                return self._child
            wait_s = self._started_s + RESPAWN_MIN_GAP_S - time.monotonic()
            if wait_s > 0:
                time.sleep(wait_s)
            self._started_s = time.monotonic()
            self._child = _Child(self.settings)
            return self._child

    def _timeout_s(self, timeout_s: float | None) -> float:
        return timeout_s if timeout_s is not None else self.settings.timeout_s

    def listings(self, timeout_s: float | None = None) -> concurrent.futures.Future:
        """A future of the GroupListings."""
        (future,) = self._live_child().ask("list", 1, None, self._timeout_s(timeout_s))
        return future

    def describe(self, group_ids: list[str], timeout_s: float | None = None) -> dict[str, concurrent.futures.Future]:
        """{group id: future of its GroupDescription}, in one admin call."""
        ids = list(dict.fromkeys(group_ids))
        if not ids:
            return {}
        futures = self._live_child().ask("describe", len(ids), ids, self._timeout_s(timeout_s))
        return dict(zip(ids, futures, strict=True))

    def committed_offsets(
        self, group_ids: list[str], timeout_s: float | None = None, partitions: list[TP] | None = None
    ) -> dict[str, concurrent.futures.Future]:
        """{group id: future of its GroupOffsets}, of `partitions` only when given. Every group
        in ONE frame (one admin call per group in the child, all in flight): a sample of
        hundreds of groups pays one pipe write, not hundreds."""
        ids = list(dict.fromkeys(group_ids))
        if not ids:
            return {}
        args = (ids, list(partitions) if partitions else None)
        futures = self._live_child().ask("offsets", len(ids), args, self._timeout_s(timeout_s))
        return dict(zip(ids, futures, strict=True))

    @property
    def pending(self) -> int:
        """Answers being waited for."""
        child = self._child
        if child is None:
            return 0
        with child._pending_lock:
            return len(child._pending)

    @property
    def child_pid(self) -> int | None:
        child = self._child
        return child.process.pid if child is not None and child.alive else None

    def close(self) -> None:
        self._finalizer()


def _stop_child(state: dict) -> None:
    child = state.get("_child")
    if child is not None:
        # Runs at exit too, where a late Ctrl-C would print "Exception ignored in atexit
        # callback" and a traceback: the child is killed or ends with its stdin anyway.
        with contextlib.suppress(KeyboardInterrupt):
            child.stop()
