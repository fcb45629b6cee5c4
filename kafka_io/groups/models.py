"""PURE: Frozen values for consumer groups and their lag, returned to pages.

They cross every boundary (admin reads -> sampler -> health -> pages, CLI),
so they carry plain types only: librdkafka sentinels are already None here.
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka_io.groups.lag_math import GroupTotals, group_totals

__all__ = [
    "ACTIVE_STATES",
    "GroupLag",
    "MemberInfo",
    "PartitionLag",
    "explain_state",
]

# Group states as confluent names them (ConsumerGroupState.<name>).
STABLE = "STABLE"
EMPTY = "EMPTY"
DEAD = "DEAD"
ACTIVE_STATES = frozenset({STABLE, "PREPARING_REBALANCING", "COMPLETING_REBALANCING"})

_EXPLANATIONS = {
    EMPTY: "No consumer is running in this group. Its committed offsets stay, so lag keeps "
    "growing while producers write; a status of STOP means nobody is consuming.",
    DEAD: "The cluster does not know this group: it has no members and no committed offsets "
    "(it never committed, or it was deleted).",
    "PREPARING_REBALANCING": "The group is rebalancing: members are joining or leaving, and "
    "partitions have no owner until it finishes. Lag usually grows for a moment.",
    "COMPLETING_REBALANCING": "The group is finishing a rebalance: partitions are being "
    "handed to members. Lag usually grows for a moment.",
    "UNKNOWN": "The broker did not report a state for this group.",
}


def explain_state(state: str) -> str | None:
    """A plain-words explanation for a state that needs one (None for STABLE)."""
    return _EXPLANATIONS.get(state)


@dataclass(frozen=True, slots=True)
class MemberInfo:
    member_id: str
    client_id: str
    host: str
    instance_id: str | None
    assignment: tuple[tuple[str, int], ...]  # (topic, partition), sorted


@dataclass(frozen=True, slots=True)
class PartitionLag:
    """One partition of one group at one sample. Unknown is None, never 0."""

    topic: str
    partition: int
    committed: int | None
    high: int | None
    lag: int | None
    owner: MemberInfo | None = None
    error: str | None = None  # e.g. the topic was deleted: an error cell, not a failure
    # The next committed record when only transaction markers or aborted records lie
    # between `committed` and it (kafka_io.groups.markers); `lag` then counts from it.
    next_offset: int | None = None

    @property
    def consumed_to(self) -> int | None:
        """Where the group really is: past the markers after its commit, when known."""
        return self.next_offset if self.next_offset is not None else self.committed


@dataclass(frozen=True, slots=True)
class GroupLag:
    """One group at one sample: state, members and per-partition lag.

    `error` is set when this group alone could not be read; the other groups of
    the same sample are still good.
    """

    group_id: str
    state: str
    members: tuple[MemberInfo, ...]
    partitions: tuple[PartitionLag, ...]
    sampled_at_s: float
    assignor: str = ""
    error: str | None = None
    # "CLASSIC" (the join/sync protocol) or "CONSUMER" (KIP-848, group.protocol=consumer);
    # "" when the broker did not say (older brokers, failed describe).
    group_type: str = ""
    # False when this sample did not describe the group (groups.describe_plan): its state is
    # the listing's, its members and assignor are those of the previous description.
    described: bool = True

    @property
    def totals(self) -> GroupTotals:
        return group_totals(p.lag for p in self.partitions)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({p.topic for p in self.partitions}))

    @property
    def is_active(self) -> bool:
        return bool(self.members) or self.state in ACTIVE_STATES
