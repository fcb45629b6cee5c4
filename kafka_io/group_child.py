"""Committed offsets of consumer groups, fetched in a child process.

librdkafka (2.16.1, and upstream at the time of writing: confluentinc/librdkafka#5040)
crashes the whole process with SIGSEGV when an admin client's OffsetFetch answer
says the group's coordinator moved (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE):
it asks the client's consumer-group handle to look the coordinator up again, and
an admin client has none. On Apache Kafka that answer comes whenever a broker
shuts down, dies or takes its coordinators back: the very moment of an incident,
when a dashboard must not die. So ``list_consumer_group_offsets`` of the admin
clients kafka_io makes runs here, in a child with an admin client of its own.
If the child crashes, the groups it was asked about get an error for that one
sample, and the next call starts a new child.

Protocol over the child's stdin/stdout: length-prefixed pickles. The first
frame is the ClusterSettings (secrets travel through the pipe, never argv or
the environment); then (request id, group id, partitions or None, timeout)
requests, answered by (request id, ("ok", [(topic, partition, offset)]) or
("error", code, reason)).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition

from kafka_io.config import ClusterSettings

log = logging.getLogger("kafka_io")

__all__ = ["CHILD_IDLE_EXIT_S", "CRASHED", "CommittedOffsets"]

CHILD_IDLE_EXIT_S = 300.0  # an idle child exits; the next call starts another
RESPAWN_MIN_GAP_S = 1.0  # a child that keeps crashing is not restarted in a tight loop
CRASHED = (
    "the client fetching committed offsets crashed (a librdkafka bug on a coordinator change, "
    "confluentinc/librdkafka#5040); the next refresh retries"
)
_HEADER = struct.Struct("!I")
_HOME = str(Path(__file__).resolve().parents[1])  # where kafka_io is importable from, whatever the cwd


def _write_frame(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(stream):
    header = _read_exact(stream, _HEADER.size)
    if header is None:
        return None
    body = _read_exact(stream, _HEADER.unpack(header)[0])
    return None if body is None else pickle.loads(body)  # noqa: S301 (our own child's frames)


class _Child:
    """One child process and the futures waiting for its answers."""

    def __init__(self, settings: ClusterSettings):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kafka_io.committed"],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (_HOME, os.environ.get("PYTHONPATH"))))},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("KDASH_DEBUG") == "1" else subprocess.DEVNULL,
        )
        self._write_lock = threading.Lock()
        self._pending: dict[int, concurrent.futures.Future] = {}
        self._pending_lock = threading.Lock()
        self._ids = itertools.count()
        _write_frame(self.process.stdin, settings)
        threading.Thread(target=self._read_answers, name="kdash-committed-reader", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, group_id: str, partitions, timeout_s: float) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        request_id = next(self._ids)
        with self._pending_lock:
            self._pending[request_id] = future
        try:
            with self._write_lock:
                _write_frame(self.process.stdin, (request_id, group_id, partitions, timeout_s))
        except (BrokenPipeError, OSError, ValueError):
            self._fail(request_id)
        return future

    def _read_answers(self) -> None:
        while (frame := _read_frame(self.process.stdout)) is not None:
            request_id, answer = frame
            with self._pending_lock:
                future = self._pending.pop(request_id, None)
            if future is not None:
                _settle(future, self._group_of(answer), answer)
        code = self.process.wait()
        with self._pending_lock:
            ids = list(self._pending)
        if ids or code not in (0, -9):
            log.warning("the committed-offsets child exited with %s, %d answers pending", code, len(ids))
        for request_id in ids:
            self._fail(request_id)

    @staticmethod
    def _group_of(answer) -> str:
        return answer[-1]

    def _fail(self, request_id: int) -> None:
        with self._pending_lock:
            future = self._pending.pop(request_id, None)
        if future is not None and not future.done():
            future.set_exception(KafkaException(KafkaError(KafkaError._FAIL, CRASHED)))

    def stop(self) -> None:
        """Closing its stdin ends the child; it has nothing to flush, so no waiting on it."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        if self.alive:
            self.process.kill()
        self.process.wait()


def _settle(future: concurrent.futures.Future, group_id: str, answer) -> None:
    if answer[0] == "ok":
        tps = [TopicPartition(t, p, o) for t, p, o in answer[1]]
        future.set_result(ConsumerGroupTopicPartitions(group_id, tps))
    else:
        future.set_exception(KafkaException(KafkaError(answer[1], answer[2])))


class CommittedOffsets:
    """AdminClient.list_consumer_group_offsets, answered by a child process of
    this object's own (started on first use, again after a crash, stopped with
    the object): a client remade after an outage gets a fresh child too."""

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
        timeout_s = request_timeout if request_timeout is not None else self.settings.timeout_s
        return {request.group_id: self._live_child().ask(request.group_id, partitions, timeout_s)}

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


# --- the child -------------------------------------------------------------


def _answer(group_id: str, future: concurrent.futures.Future):
    try:
        result = future.result()
    except KafkaException as exc:
        err = exc.args[0]
        return ("error", err.code(), err.str(), group_id)
    except Exception as exc:  # a refused argument: the parent shows it as an error cell
        return ("error", KafkaError._INVALID_ARG, str(exc), group_id)
    return ("ok", [(tp.topic, tp.partition, tp.offset) for tp in result.topic_partitions], group_id)


def _child_main() -> int:
    from confluent_kafka.admin import AdminClient

    from kafka_io.clients import base_config

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the frames
    inp = os.fdopen(0, "rb", buffering=0)  # unbuffered: select() then sees every byte not read yet
    settings = _read_frame(inp)
    admin = AdminClient(base_config(settings, "committed"))
    write_lock = threading.Lock()

    def reply(request_id: int, group_id: str, future) -> None:
        frame = (request_id, _answer(group_id, future))
        with write_lock:
            _write_frame(out, frame)

    while True:
        ready, _, _ = select.select([inp], [], [], CHILD_IDLE_EXIT_S)
        if not ready:
            return 0
        request = _read_frame(inp)
        if request is None:
            return 0  # the parent closed the pipe (or died)
        request_id, group_id, partitions, timeout_s = request
        tps = [TopicPartition(t, p) for t, p in partitions] if partitions else None
        try:
            (future,) = admin.list_consumer_group_offsets(
                [ConsumerGroupTopicPartitions(group_id, tps)], request_timeout=timeout_s
            ).values()
        except Exception as exc:
            future = concurrent.futures.Future()
            future.set_exception(exc)
        future.add_done_callback(lambda f, rid=request_id, g=group_id: reply(rid, g, f))


if __name__ == "__main__":
    sys.exit(_child_main())
