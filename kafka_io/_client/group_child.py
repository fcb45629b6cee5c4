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
``describe_consumer_groups``, ``list_consumer_group_offsets``) run here, in a
child with an admin client of its own; answers come back as plain data and are
rebuilt as confluent-kafka's own result types, so callers do not change. If
the child crashes, the requests it held fail with CRASHED for that one sample,
and the next call starts a new child.

Protocol over the child's stdin/stdout: length-prefixed pickles. The first
frame is the ClusterSettings (secrets travel through the pipe, never argv or
the environment); then (op, [request ids], args, timeout) requests, answered
by frames of [(request id, ("ok", plain payload) or ("error", code, reason))],
as many answers per frame as the child had ready.
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

from confluent_kafka import KafkaError, KafkaException

from kafka_io._client.group_worker import REBUILD, read_frame, write_frame
from kafka_io.config import ClusterSettings

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
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (_HOME, os.environ.get("PYTHONPATH"))))},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("KDASH_DEBUG") == "1" else subprocess.DEVNULL,
        )
        self._write_lock = threading.Lock()
        # request id -> (future, op, key); key is the group id ("" for a listing)
        self._pending: dict[int, tuple[concurrent.futures.Future, str, str]] = {}
        self._pending_lock = threading.Lock()
        self._ids = itertools.count()
        write_frame(self.process.stdin, settings)
        threading.Thread(target=self._read_answers, name="kdash-group-child-reader", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, op: str, keys: list[str], args, timeout_s: float) -> list[concurrent.futures.Future]:
        """One future per key; the child answers each on its own."""
        futures, request_ids = [], []
        with self._pending_lock:
            for key in keys:
                future: concurrent.futures.Future = concurrent.futures.Future()
                request_id = next(self._ids)
                self._pending[request_id] = (future, op, key)
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
            for entry, answer in entries:
                if entry is not None:
                    _settle(*entry, answer)
        code = self.process.wait()
        with self._pending_lock:
            ids = list(self._pending)
        if ids or code not in (0, -9):
            log.warning("the consumer-group child exited with %s, %d answers pending", code, len(ids))
        for request_id in ids:
            self._fail(request_id)

    def _fail(self, request_id: int) -> None:
        with self._pending_lock:
            entry = self._pending.pop(request_id, None)
        if entry is not None and not entry[0].done():
            entry[0].set_exception(KafkaException(KafkaError(KafkaError._FAIL, CRASHED)))

    def stop(self) -> None:
        """Closing its stdin ends the child; it has nothing to flush, so no waiting on it."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        if self.alive:
            self.process.kill()
        self.process.wait()


def _settle(future: concurrent.futures.Future, op: str, key: str, answer) -> None:
    if answer[0] == "ok":
        future.set_result(REBUILD[op](answer[1], key))
    else:
        future.set_exception(KafkaException(KafkaError(answer[1], answer[2])))


class GroupAdminChild:
    """AdminClient's consumer-group calls, answered by a child process of this
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

    def _timeout_s(self, request_timeout: float | None) -> float:
        return request_timeout if request_timeout is not None else self.settings.timeout_s

    def list_consumer_groups(self, request_timeout: float | None = None) -> concurrent.futures.Future:
        (future,) = self._live_child().ask("list", [""], None, self._timeout_s(request_timeout))
        return future

    def describe_consumer_groups(
        self, group_ids: list[str], request_timeout: float | None = None
    ) -> dict[str, concurrent.futures.Future]:
        if not group_ids:
            raise ValueError("Expected at least one group to be described")
        ids = list(dict.fromkeys(group_ids))
        futures = self._live_child().ask("describe", ids, ids, self._timeout_s(request_timeout))
        return dict(zip(ids, futures, strict=True))

    def list_consumer_group_offsets(
        self, requests, request_timeout: float | None = None
    ) -> dict[str, concurrent.futures.Future]:
        if len(requests) != 1:
            raise ValueError("Currently we support listing only 1 consumer groups offset information")
        (request,) = requests
        if not request.group_id:
            raise ValueError("Group name is mandatory")
        partitions = None
        if request.topic_partitions:
            partitions = [(tp.topic, tp.partition) for tp in request.topic_partitions]
        args = (request.group_id, partitions)
        (future,) = self._live_child().ask("offsets", [request.group_id], args, self._timeout_s(request_timeout))
        return {request.group_id: future}

    def committed_offsets_of(
        self, group_ids: list[str], request_timeout: float | None = None
    ) -> dict[str, concurrent.futures.Future]:
        """Every group's committed offsets in ONE frame (one admin call per group in the
        child, all in flight): a sample of hundreds of groups pays one pipe write, not hundreds."""
        ids = list(dict.fromkeys(group_ids))
        if not ids:
            return {}
        futures = self._live_child().ask("offsets_many", ids, ids, self._timeout_s(request_timeout))
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
        child.stop()
