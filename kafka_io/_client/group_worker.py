"""The group child's worker process (`python -m kafka_io._client.group_worker`):
the consumer-group admin calls themselves (group_child.py says why they run in
a child process).

Answers cross the pipe as kafka_io's own values (values.py), built here from
confluent-kafka's result types, which hold C objects that do not pickle; a
failure crosses as its KafkaError code and reason. Requests are read on the
main thread; answers are converted on librdkafka's thread and written,
batched, by a writer thread.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import queue
import select
import signal
import sys
import threading

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition

from kafka_io._client.frames import read_frame, write_frame
from kafka_io._client.values import GroupDescription, GroupListing, GroupListings, GroupMember, GroupOffsets
from kafka_io.wire import known_offset

__all__ = ["VALUES"]

CHILD_IDLE_EXIT_S = 300.0  # an idle worker exits; the parent's next call starts another
METADATA_REFRESH_TIMEOUT_S = 2.0


def _name(enum_value) -> str | None:
    """A confluent enum's name (ConsumerGroupState.STABLE -> "STABLE"), None when absent."""
    return getattr(enum_value, "name", None)


def _member(m) -> GroupMember:
    assigned = m.assignment.topic_partitions if m.assignment else []
    return GroupMember(
        member_id=m.member_id,
        client_id=m.client_id,
        host=m.host,
        instance_id=m.group_instance_id or None,
        assignment=tuple(sorted((tp.topic, tp.partition) for tp in assigned)),
    )


def _description(d) -> GroupDescription:
    members = sorted((_member(m) for m in d.members), key=lambda m: (m.client_id, m.member_id))
    kind = _name(getattr(d, "type", None))  # UNKNOWN from brokers that do not say
    return GroupDescription(
        group_id=d.group_id,
        state=_name(getattr(d, "state", None)) or "UNKNOWN",
        members=tuple(members),
        assignor=d.partition_assignor or "",
        group_type="" if kind in (None, "UNKNOWN") else kind,
    )


def _error(error) -> tuple[int, str]:
    if isinstance(error, KafkaException):
        error = error.args[0]
    if isinstance(error, KafkaError):
        return error.code(), error.str()
    return KafkaError._FAIL, str(error)


def _listings(result) -> GroupListings:
    groups = tuple(
        GroupListing(g.group_id, _name(getattr(g, "state", None)), _name(getattr(g, "type", None)))
        for g in result.valid or ()
    )
    return GroupListings(groups, tuple(_error(e) for e in result.errors or ()))


def _offsets(result) -> GroupOffsets:
    """A partition with an error of its own has no offset we can show: None, as with no commit."""
    return {
        (tp.topic, tp.partition): None if tp.error is not None else known_offset(tp.offset)
        for tp in result.topic_partitions or ()
    }


# op -> the conversion of its confluent-kafka result
VALUES = {"list": _listings, "describe": _description, "offsets": _offsets}


def _answer(op: str, future: concurrent.futures.Future):
    try:
        result = future.result()
    except KafkaException as exc:
        err = exc.args[0]
        return ("error", err.code(), err.str())
    except Exception as exc:  # a refused argument: the parent shows it as an error cell
        return ("error", KafkaError._INVALID_ARG, str(exc))
    return ("ok", VALUES[op](result))


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
        group_ids, partitions = args  # "offsets": one admin call per group, the same partitions each
        return [_fetch_offsets(admin, group_id, partitions, timeout_s) for group_id in group_ids]
    except Exception as exc:
        return [_failed(exc) for _ in request_ids]


def _fetch_offsets(admin, group_id: str, partitions, timeout_s: float) -> concurrent.futures.Future:
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

    # Ctrl-C in a terminal reaches the whole process group: the parent decides what stops,
    # and ends this child by closing its stdin. Interrupted here, it would die mid-answer.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    from kafka_io._client.factories import base_config

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the frames
    inp = os.fdopen(0, "rb", buffering=0)  # unbuffered: select() then sees every byte not read yet
    settings = read_frame(inp)
    if settings is None:
        return 0  # the parent went away before it said anything
    admin = AdminClient(base_config(settings, "groups"))
    answers: queue.SimpleQueue = queue.SimpleQueue()
    listing_failed = threading.Event()

    def reply(request_id: int, op: str, future) -> None:
        # librdkafka's thread: only convert and hand over; the writer batches.
        answer = _answer(op, future)
        if op == "list" and (answer[0] == "error" or answer[1].failures):
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
