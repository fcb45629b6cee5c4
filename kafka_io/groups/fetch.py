"""Consumer-group reads through the admin API: list, describe, committed offsets, lag.

One refresh is three waits whatever the number of groups:
list_consumer_groups; describe_consumer_groups (batched) and one
list_consumer_group_offsets future per group, all in flight at once
(confluent accepts one group per call); then the high watermarks of every
involved partition (offsets.list_offsets: batches all in flight at once). Each group and each partition has its own
future, so one failure is an error in its row, never the page's.

Given a CommitLogReader whose source is ``__consumer_offsets`` (commit_reader),
committed offsets come from it and no OffsetFetch is sent: describe still gives
states and members.

Nothing here joins, rebalances or commits a group.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from kafka_io._client import (
    FUTURE_GRACE_S,
    VIEWER_GROUP_PREFIX,
    ClusterClient,
    GroupDescription,
    GroupMember,
    kafka_failure,
    list_offsets,
    translate_error,
)
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, KafkaIOError
from kafka_io.groups.commit_reader import CommitLogReader
from kafka_io.groups.describe_plan import to_describe
from kafka_io.groups.lag_math import partition_lag
from kafka_io.groups.markers import settle_markers
from kafka_io.groups.models import GroupLag, MemberInfo, PartitionLag
from kafka_io.groups.offsets_source import serving_reader
from kafka_io.wire import TP

__all__ = [
    "DESCRIBE_BATCH",
    "fetch_group_lags",
    "list_group_ids",
    "list_groups",
    "visible_group",
]

log = logging.getLogger("kafka_io")

# Group ids per describe_consumer_groups call; all batches are sent at once.
DESCRIBE_BATCH = 500


def visible_group(group_id: str) -> bool:
    """Hide the dashboard's own throwaway viewer groups from users."""
    return not group_id.startswith(VIEWER_GROUP_PREFIX)


def list_groups(cluster: ClusterClient) -> dict[str, str | None]:
    """Every consumer group's listed state by id (None: the broker did not say), without
    our viewer groups; sorted by id."""
    admin, settings = cluster.admin, cluster.settings
    try:
        result = admin.group_listings(request_timeout=settings.timeout_s).result(
            timeout=settings.timeout_s + FUTURE_GRACE_S
        )
    except Exception as exc:
        raise translate_error(exc, settings) from None
    if result.failures and not result.groups:
        # librdkafka reports "brokers down" as a listing with only errors.
        raise translate_error(kafka_failure(*result.failures[0]), settings)
    if result.failures:
        log.warning("group listing incomplete: %s", "; ".join(reason for _, reason in result.failures))
    return {
        g.group_id: None if g.state == "UNKNOWN" else g.state
        for g in sorted(result.groups, key=lambda g: g.group_id)
        if visible_group(g.group_id)
    }


def list_group_ids(cluster: ClusterClient) -> list[str]:
    """Sorted ids of every consumer group, without our viewer groups."""
    return list(list_groups(cluster))


def _wait(futures: Iterable[concurrent.futures.Future], settings: ClusterSettings) -> None:
    concurrent.futures.wait(list(futures), timeout=settings.timeout_s + FUTURE_GRACE_S)


def _outcome(future: concurrent.futures.Future, settings: ClusterSettings, what: str):
    """(result, None) or (None, plain-words error) for one finished-or-not future."""
    if not future.done():
        return None, f"{what}: no answer within {settings.timeout_s:g} s"
    try:
        return future.result(timeout=0), None
    except Exception as exc:
        # Every group call here describes or reads offsets: one sentence covers both refusals.
        return None, str(translate_error(exc, settings, what, denied=f"not authorized to describe {what}"))


def _member(m: GroupMember) -> MemberInfo:
    # The same fields: MemberInfo lives in the pure groups.models, which cannot import _client.
    return MemberInfo(m.member_id, m.client_id, m.host, m.instance_id, m.assignment)


class _Shape(NamedTuple):
    """What a description says of a group, or what carries over from the previous one."""

    state: str
    members: tuple[MemberInfo, ...]
    assignor: str = ""
    group_type: str = ""
    described: bool = True


_UNDESCRIBED = _Shape("UNKNOWN", ())


def _described(description: GroupDescription | None) -> _Shape:
    if description is None:
        return _UNDESCRIBED
    members = tuple(_member(m) for m in description.members)  # sorted by the child
    return _Shape(description.state, members, description.assignor, description.group_type)


def _carried(before: GroupLag, listed_state: str | None) -> _Shape:
    """A group not described this sample (groups.describe_plan): the listing's state, the rest as before."""
    return _Shape(listed_state or before.state, before.members, before.assignor, before.group_type, described=False)


def _failed_future(exc: BaseException) -> concurrent.futures.Future:
    future: concurrent.futures.Future = concurrent.futures.Future()
    future.set_exception(exc)
    return future


def _refused_locally(ids: Sequence[str]) -> dict[str, concurrent.futures.Future]:
    """An id refused before sending (e.g. empty) fails its own future, not the batch."""
    return {g: _failed_future(InvalidInput("a group id cannot be empty")) for g in ids if not g.strip()}


def _issue(cluster: ClusterClient, describe: Sequence[str], fetch_offsets: Sequence[str]):
    """Every describe batch and every per-group offset fetch, in flight together."""
    admin, settings = cluster.admin, cluster.settings
    described = _refused_locally(describe)
    ok = [g for g in describe if g.strip()]
    for start in range(0, len(ok), DESCRIBE_BATCH):
        described.update(admin.describe_groups(ok[start : start + DESCRIBE_BATCH], request_timeout=settings.timeout_s))
    offsets = _refused_locally(fetch_offsets)
    ok = [g for g in fetch_offsets if g.strip()]
    if ok:
        offsets.update(admin.committed_offsets(ok, settings.timeout_s))
    return described, offsets


def _with_assigned(shape: _Shape, committed: dict[TP, int | None]) -> dict[TP, int | None]:
    """The committed offset of every partition the group has committed on or is
    assigned (an assigned one with no commit is None)."""
    offsets: dict[TP, int | None] = {tp: None for m in shape.members for tp in m.assignment}
    offsets.update(committed)
    return offsets


def fetch_group_lags(
    cluster: ClusterClient,
    group_ids: Sequence[str] | None = None,
    *,
    recheck: Sequence[str] = (),
    commit_log: CommitLogReader | None = None,
    previous: Mapping[str, GroupLag] | None = None,
    turn: int = 0,
) -> tuple[GroupLag, ...]:
    """Lag of every group (or of `group_ids`, listed or not) at one moment.

    `recheck`: groups seen before that the listing may have missed. A broker
    that is shutting down or handing its coordinators over (Apache Kafka) lists
    only the groups it still has loaded, so a group vanishes for one sample and
    comes back. Such a group is described anyway and dropped only when Kafka
    says it is gone (DEAD, no members, no commits).

    A listing that fails while groups were seen before (a broker just died and
    Kafka has not fenced it: ListGroups goes to every broker) is not the end:
    those groups are described anyway, each with its own answer.

    Raises only when the cluster cannot be reached at all (the listing or the
    requests cannot be sent); a group that fails alone comes back with `error`.

    `commit_log`: a reader of ``__consumer_offsets``; whether it serves this sample is
    groups.offsets_source's call (see the module docstring). With it, a full sample given the
    `previous` sample's groups describes only what groups.describe_plan chooses for
    full sample number `turn`.
    """
    admin, settings = cluster.admin, cluster.settings
    listed = _listed(cluster, recheck) if group_ids is None else dict.fromkeys(group_ids)
    unlisted = set(recheck) - set(listed)
    ids = sorted([*listed, *unlisted]) if unlisted else list(listed)
    if not ids:
        return ()
    from_log, probed = serving_reader(cluster, commit_log, ids)
    describe = ids
    if from_log is not None and group_ids is None:
        changed = from_log.table.take_changed()  # also after a first read, which named every group
        if previous:
            chosen = to_describe(listed, previous, changed, turn) | unlisted
            describe = [g for g in ids if g in chosen]
    try:
        described, offsets = _issue(
            cluster, describe, [] if from_log is not None else [g for g in ids if g not in probed]
        )
    except Exception as exc:
        raise translate_error(exc, settings, "describe groups") from None
    if from_log is None:
        offsets.update(probed)
    _wait([*described.values(), *offsets.values()], settings)
    sampled_at_s = time.time()
    parts = {}
    for group_id in ids:
        if group_id in described:
            description, describe_error = _outcome(described[group_id], settings, f"group {group_id}")
            shape = _described(description)
        else:
            shape, describe_error = _carried(previous[group_id], listed.get(group_id)), None
        committed, offsets_error = _committed(group_id, offsets, from_log, settings)
        parts[group_id] = (shape, describe_error or offsets_error, _with_assigned(shape, committed))
    for group_id in unlisted:
        if _gone(*parts[group_id]):
            del parts[group_id]
    (highs,) = list_offsets(admin, settings, (tp for *_, offsets_ in parts.values() for tp in offsets_))
    groups = tuple(_assemble(group_id, *parts[group_id], highs, sampled_at_s) for group_id in ids if group_id in parts)
    return settle_markers(settings, groups)


def _committed(group_id: str, offsets: dict, from_log: CommitLogReader | None, settings: ClusterSettings):
    """({partition: committed offset}, error) of one group, from the commit log or its admin future."""
    if from_log is not None and group_id not in offsets:  # else an id refused before sending
        return from_log.offsets(group_id), None
    answer, error = _outcome(offsets[group_id], settings, f"group {group_id}")
    return answer or {}, error


def _listed(cluster: ClusterClient, recheck: Sequence[str]) -> dict[str, str | None]:
    try:
        return list_groups(cluster)
    except KafkaIOError as exc:
        if not recheck:
            raise
        log.warning("group listing failed (%s): describing the %d groups seen before", exc, len(recheck))
        return {}


def _gone(shape: _Shape, error, offsets) -> bool:
    """Kafka's answer for a group that no longer exists: DEAD, nobody in it, nothing committed."""
    return error is None and shape.state == "DEAD" and not shape.members and not offsets


def _assemble(group_id, shape: _Shape, error, offsets, highs, sampled_at_s) -> GroupLag:
    owners = {tp: m for m in shape.members for tp in m.assignment}
    partitions = []
    for tp, committed in sorted(offsets.items()):
        high, high_error = highs.get(tp, (None, None))
        lag = partition_lag(high, committed)
        partitions.append(PartitionLag(tp[0], tp[1], committed, high, lag, owners.get(tp), high_error))
    return GroupLag(
        group_id=group_id,
        state=shape.state,
        members=shape.members,
        partitions=tuple(partitions),
        sampled_at_s=sampled_at_s,
        assignor=shape.assignor,
        error=error,
        group_type=shape.group_type,
        described=shape.described,
    )
