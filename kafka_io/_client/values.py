"""What the consumer-group calls answer, as kafka_io's own frozen values.

The group child (group_child.py) builds them from confluent-kafka's results in
its worker process and sends them over the pipe as they are: librdkafka's
sentinels are gone (an offset not committed is None), states and types are
confluent's enum names as text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GroupDescription", "GroupListing", "GroupListings", "GroupMember", "GroupOffsets"]

# {(topic, partition): committed offset, None where the group has no commit}
GroupOffsets = dict[tuple[str, int], int | None]


@dataclass(frozen=True, slots=True)
class GroupListing:
    group_id: str
    state: str | None  # ConsumerGroupState name ("STABLE", "UNKNOWN"...); None: the broker did not say
    group_type: str | None = None  # ConsumerGroupType name ("CLASSIC", "CONSUMER"...)


@dataclass(frozen=True, slots=True)
class GroupListings:
    """Every listed group, and the (KafkaError code, reason) of each broker that did not answer:
    librdkafka reports "brokers down" as a listing with failures and no groups."""

    groups: tuple[GroupListing, ...]
    failures: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class GroupMember:
    member_id: str
    client_id: str
    host: str
    instance_id: str | None
    assignment: tuple[tuple[str, int], ...]  # (topic, partition), sorted


@dataclass(frozen=True, slots=True)
class GroupDescription:
    group_id: str
    state: str  # ConsumerGroupState name; "UNKNOWN" when the broker did not say
    members: tuple[GroupMember, ...]  # by (client id, member id)
    assignor: str = ""
    group_type: str = ""  # "CLASSIC" or "CONSUMER"; "" when the broker did not say
