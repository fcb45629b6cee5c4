"""The group child's worker process (`python -m kafka_io._client.group_worker`) and the
protocol it speaks with the parent (group_child.py says why these calls run
in a child process).

Results of consumer-group admin calls cross the pipe as plain data (tuples,
dicts, ints) in length-prefixed pickle frames: confluent-kafka's result types
hold C objects that do not pickle. The worker turns results into plain data;
the parent rebuilds the very types AdminClient returns, so callers cannot
tell the difference. Requests are read on the main thread; answers are
converted on librdkafka's thread and written, batched, by a writer thread.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import pickle
import queue
import select
import struct
import sys
import threading

from confluent_kafka import (
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    ConsumerGroupType,
    KafkaError,
    KafkaException,
    Node,
    TopicPartition,
)
from confluent_kafka.admin import (
    ConsumerGroupDescription,
    ConsumerGroupListing,
    ListConsumerGroupsResult,
    MemberAssignment,
    MemberDescription,
)

__all__ = ["PLAIN", "REBUILD", "read_frame", "write_frame"]

CHILD_IDLE_EXIT_S = 300.0  # an idle worker exits; the parent's next call starts another
METADATA_REFRESH_TIMEOUT_S = 2.0
_HEADER = struct.Struct("!I")


def _tps_data(tps) -> list[tuple[str, int, int]]:
    return [(tp.topic, tp.partition, tp.offset) for tp in tps or ()]


def _tps(data) -> list[TopicPartition]:
    return [TopicPartition(t, p, o) for t, p, o in data]


def _assignment_data(assignment):
    return None if assignment is None else _tps_data(assignment.topic_partitions)


def _assignment(data) -> MemberAssignment | None:
    return None if data is None else MemberAssignment(_tps(data))


def _description_data(d: ConsumerGroupDescription) -> dict:
    node = d.coordinator
    return {
        "group_id": d.group_id,
        "simple": d.is_simple_consumer_group,
        "members": [
            (
                m.member_id,
                m.client_id,
                m.host,
                _assignment_data(m.assignment),
                m.group_instance_id,
                _assignment_data(getattr(m, "target_assignment", None)),
            )
            for m in d.members
        ],
        "assignor": d.partition_assignor,
        "state": d.state.value if d.state is not None else None,
        "coordinator": None if node is None else (node.id, node.host, node.port, node.rack),
        "type": getattr(getattr(d, "type", None), "value", ConsumerGroupType.UNKNOWN.value),
    }


def _description(data: dict) -> ConsumerGroupDescription:
    members = [
        MemberDescription(mid, cid, host, _assignment(assigned) or MemberAssignment([]), instance, _assignment(target))
        for mid, cid, host, assigned, instance, target in data["members"]
    ]
    coordinator = Node(*data["coordinator"]) if data["coordinator"] else None
    state = ConsumerGroupState(data["state"]) if data["state"] is not None else None
    kind = ConsumerGroupType(data["type"])
    return ConsumerGroupDescription(
        data["group_id"], data["simple"], members, data["assignor"], state, coordinator, type=kind
    )


def _listing_data(result: ListConsumerGroupsResult) -> dict:
    valid = [
        (
            g.group_id,
            g.is_simple_consumer_group,
            getattr(getattr(g, "state", None), "value", None),
            getattr(getattr(g, "type", None), "value", None),
        )
        for g in result.valid or ()
    ]
    errors = [_error_data(e) for e in result.errors or ()]
    return {"valid": valid, "errors": errors}


def _error_data(error) -> tuple[int, str]:
    if isinstance(error, KafkaException):
        error = error.args[0]
    if isinstance(error, KafkaError):
        return error.code(), error.str()
    return KafkaError._FAIL, str(error)


def _listing(data: dict) -> ListConsumerGroupsResult:
    valid = [
        ConsumerGroupListing(
            gid,
            simple,
            ConsumerGroupState(state) if state is not None else None,
            ConsumerGroupType(kind) if kind is not None else None,
        )
        for gid, simple, state, kind in data["valid"]
    ]
    return ListConsumerGroupsResult(valid, [KafkaError(code, reason) for code, reason in data["errors"]])


REBUILD = {
    "list": lambda payload, _key: _listing(payload),
    "describe": lambda payload, _key: _description(payload),
    "offsets": lambda payload, key: ConsumerGroupTopicPartitions(key, _tps(payload)),
}
REBUILD["offsets_many"] = REBUILD["offsets"]


PLAIN = {
    "list": _listing_data,
    "describe": _description_data,
    "offsets": lambda result: _tps_data(result.topic_partitions),
}
PLAIN["offsets_many"] = PLAIN["offsets"]


# --- frames: length-prefixed pickles ------------------------------------------


def write_frame(stream, obj) -> None:
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


def read_frame(stream):
    header = _read_exact(stream, _HEADER.size)
    if header is None:
        return None
    body = _read_exact(stream, _HEADER.unpack(header)[0])
    return None if body is None else pickle.loads(body)  # noqa: S301 (our own child's frames)


# --- the worker -----------------------------------------------------------------


def _answer(op: str, future: concurrent.futures.Future):
    try:
        result = future.result()
    except KafkaException as exc:
        err = exc.args[0]
        return ("error", err.code(), err.str())
    except Exception as exc:  # a refused argument: the parent shows it as an error cell
        return ("error", KafkaError._INVALID_ARG, str(exc))
    return ("ok", PLAIN[op](result))


def _failed(exc: BaseException) -> concurrent.futures.Future:
    future: concurrent.futures.Future = concurrent.futures.Future()
    future.set_exception(exc)
    return future


def _send(admin, op: str, request_ids: list[int], args, timeout_s: float) -> list:
    """The admin call for one request frame: one future per request id."""
    try:
        if op == "list":
            return [admin.list_consumer_groups(request_timeout=timeout_s)]
        if op == "describe":
            by_id = admin.describe_consumer_groups(args, request_timeout=timeout_s)
            return [by_id[group_id] for group_id in args]
        if op == "offsets_many":
            return [_offsets(admin, group_id, None, timeout_s) for group_id in args]
        group_id, partitions = args
        return [_offsets(admin, group_id, partitions, timeout_s)]
    except Exception as exc:
        return [_failed(exc) for _ in request_ids]


def _offsets(admin, group_id: str, partitions, timeout_s: float) -> concurrent.futures.Future:
    try:
        tps = [TopicPartition(t, p) for t, p in partitions] if partitions else None
        (future,) = admin.list_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(group_id, tps)], request_timeout=timeout_s
        ).values()
        return future
    except Exception as exc:  # a refused argument fails this group alone
        return _failed(exc)


def _child_main() -> int:
    from confluent_kafka.admin import AdminClient

    from kafka_io._client.factories import base_config

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the frames
    inp = os.fdopen(0, "rb", buffering=0)  # unbuffered: select() then sees every byte not read yet
    settings = read_frame(inp)
    admin = AdminClient(base_config(settings, "groups"))
    answers: queue.SimpleQueue = queue.SimpleQueue()
    listing_failed = threading.Event()

    def reply(request_id: int, op: str, future) -> None:
        # librdkafka's thread: only convert and hand over; the writer batches.
        answer = _answer(op, future)
        if op == "list" and (answer[0] == "error" or answer[1]["errors"]):
            listing_failed.set()
        answers.put((request_id, answer))

    threading.Thread(target=_write_answers, args=(answers, out), name="kdash-group-writer", daemon=True).start()

    while True:
        ready, _, _ = select.select([inp], [], [], CHILD_IDLE_EXIT_S)
        if not ready:
            return 0
        request = read_frame(inp)
        if request is None:
            return 0  # the parent closed the pipe (or died)
        op, request_ids, args, timeout_s = request
        if op == "list" and listing_failed.is_set():
            # ListGroups goes to every broker librdkafka knows; a fresh metadata read
            # forgets one Kafka has fenced, so the listing stops waiting on it.
            listing_failed.clear()
            with contextlib.suppress(Exception):
                admin.list_topics(timeout=min(timeout_s, METADATA_REFRESH_TIMEOUT_S))
        for request_id, future in zip(request_ids, _send(admin, op, request_ids, args, timeout_s), strict=True):
            future.add_done_callback(lambda f, rid=request_id, o=op: reply(rid, o, f))


def _write_answers(answers: queue.SimpleQueue, out) -> None:
    """One frame per burst of ready answers: hundreds of groups finishing together cost one write."""
    while True:
        batch = [answers.get()]
        with contextlib.suppress(queue.Empty):
            while True:
                batch.append(answers.get_nowait())
        write_frame(out, batch)


if __name__ == "__main__":
    sys.exit(_child_main())
