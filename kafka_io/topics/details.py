"""Topic details: configs (one batched describe_configs), consumer groups by
state, and the groups that committed offsets on one topic, with their lag.

Group offsets take one group per `list_consumer_group_offsets` call, so all
the calls are issued at once (through the admin client's group child) and
then collected. A group or topic that fails
carries its error text in the result; only an unreachable cluster raises.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from confluent_kafka.admin import ConfigResource

from kafka_io._client import FUTURE_GRACE_S, ClusterClient, GroupListings, GroupOffsets, translate_error
from kafka_io.groups.lag_math import group_totals, partition_lag

__all__ = [
    "ConfigEntry",
    "GroupOnTopic",
    "GroupStates",
    "TopicConfigs",
    "TopicGroups",
    "group_states",
    "groups_on_topic",
    "topic_configs",
]

MASKED = "********"
# librdkafka's ConfigSource values, in the words a Kafka user knows.
_SOURCES = {
    1: "topic",
    2: "broker (dynamic)",
    3: "cluster default (dynamic)",
    4: "broker (static)",
    5: "default",
    6: "broker logger",
}


@dataclass(frozen=True, slots=True)
class ConfigEntry:
    name: str
    value: str | None
    is_default: bool
    source: str
    sensitive: bool = False
    read_only: bool = False  # the broker refuses to change it (e.g. a static broker setting)

    @property
    def non_default(self) -> bool:
        """Set on the topic itself. A value the cluster or a broker sets for every topic is a
        default from the topic's point of view: Kafka 4 sets min.insync.replicas that way."""
        return self.source == "topic"


@dataclass(frozen=True, slots=True)
class TopicConfigs:
    topic: str
    entries: tuple[ConfigEntry, ...]
    error: str | None = None

    def get(self, name: str) -> str | None:
        return next((e.value for e in self.entries if e.name == name), None)

    @property
    def non_default(self) -> tuple[ConfigEntry, ...]:
        return tuple(e for e in self.entries if e.non_default)


def _deadline_wait(future, deadline: float):
    return future.result(timeout=max(deadline - time.monotonic(), 0.01))


def topic_configs(
    cluster: ClusterClient, topics: Iterable[str], only: Iterable[str] | None = None
) -> dict[str, TopicConfigs]:
    """Configs of every topic in one batched call; a failing topic gets an error.

    `only` keeps just those config names (the topics table needs two of ~35,
    and the rest would cost megabytes per refresh on thousands of topics).
    """
    admin, settings = cluster.admin, cluster.settings
    keep = set(only) if only is not None else None
    names = list(topics)
    if not names:
        return {}
    try:
        futures = admin.describe_configs(
            [ConfigResource("topic", n) for n in names], request_timeout=settings.timeout_s
        )
    except Exception as exc:
        raise translate_error(exc, settings, "describe configs") from None
    deadline = time.monotonic() + settings.timeout_s + FUTURE_GRACE_S
    found: dict[str, TopicConfigs] = {}
    for resource, future in futures.items():
        try:
            entries = _deadline_wait(future, deadline)
        except Exception as exc:
            found[resource.name] = TopicConfigs(resource.name, (), str(translate_error(exc, settings, "configs")))
            continue
        found[resource.name] = TopicConfigs(
            resource.name,
            tuple(_entry(e) for name, e in sorted(entries.items()) if keep is None or name in keep),
        )
    return found


def _entry(entry) -> ConfigEntry:
    source = getattr(entry.source, "value", entry.source)
    source_name = _SOURCES.get(source, "unknown")
    return ConfigEntry(
        entry.name,
        MASKED if entry.is_sensitive else entry.value,
        bool(entry.is_default),
        source_name,
        bool(entry.is_sensitive),
        bool(entry.is_read_only),
    )


@dataclass(frozen=True, slots=True)
class GroupStates:
    """Consumer groups counted by state ("Stable", "Empty", ...)."""

    counts: tuple[tuple[str, int], ...]
    errors: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def _state_name(state: str | None) -> str:
    return (state or "UNKNOWN").replace("_", " ").capitalize()


def _list_groups(cluster: ClusterClient) -> GroupListings:
    admin, settings = cluster.admin, cluster.settings
    try:
        future = admin.group_listings(request_timeout=settings.timeout_s)
        return future.result(timeout=settings.timeout_s + FUTURE_GRACE_S)
    except Exception as exc:
        raise translate_error(exc, settings, "list consumer groups") from None


def _listing_errors(listing: GroupListings) -> list[str]:
    """The brokers that did not answer a listing that others did answer: their own words, no
    "Cannot reach Kafka" (the cluster answered)."""
    return [f"list groups: {reason}" for _, reason in listing.failures]


def group_states(cluster: ClusterClient) -> GroupStates:
    listing = _list_groups(cluster)
    counts = Counter(_state_name(g.state) for g in listing.groups)
    return GroupStates(tuple(sorted(counts.items())), tuple(_listing_errors(listing)))


@dataclass(frozen=True, slots=True)
class GroupOnTopic:
    group_id: str
    state: str
    # (partition, committed, lag): committed is known; lag None when high is unknown
    partitions: tuple[tuple[int, int, int | None], ...]
    error: str | None = None

    @property
    def total_lag(self) -> int:
        return group_totals(lag for _, _, lag in self.partitions).total_lag

    @property
    def unknown_lag(self) -> int:
        return group_totals(lag for _, _, lag in self.partitions).unknown_partitions


@dataclass(frozen=True, slots=True)
class TopicGroups:
    topic: str
    groups: tuple[GroupOnTopic, ...]
    errors: tuple[str, ...] = ()


def groups_on_topic(
    cluster: ClusterClient,
    topic: str,
    highs: Mapping[int, int | None],
) -> TopicGroups:
    """Groups with a committed offset on `topic`, with lag against `highs`.

    `highs` maps partition -> high watermark (from the cached snapshot, so no
    extra offsets request). A group whose offsets cannot be read is listed
    with its error rather than dropped.
    """
    admin, settings = cluster.admin, cluster.settings
    listing = _list_groups(cluster)
    states = {g.group_id: _state_name(g.state) for g in listing.groups}
    wanted = [(topic, p) for p in sorted(highs)]
    futures = admin.committed_offsets(sorted(states), settings.timeout_s, partitions=wanted) if states else {}
    errors = _listing_errors(listing)
    deadline = time.monotonic() + settings.timeout_s + FUTURE_GRACE_S
    groups = []
    for group_id, future in futures.items():
        try:
            result = _deadline_wait(future, deadline)
        except Exception as exc:
            groups.append(GroupOnTopic(group_id, states[group_id], (), str(translate_error(exc, settings, "offsets"))))
            continue
        rows = _committed_rows(result, topic, highs)
        if rows:
            groups.append(GroupOnTopic(group_id, states[group_id], rows))
    return TopicGroups(topic, tuple(sorted(groups, key=lambda g: g.group_id)), tuple(errors))


def _committed_rows(
    committed_offsets: GroupOffsets, topic: str, highs: Mapping[int, int | None]
) -> tuple[tuple[int, int, int | None], ...]:
    rows = []
    for (name, partition), committed in committed_offsets.items():
        if name != topic or committed is None:
            continue  # no commit on this partition (or its own error): not "lag 0"
        rows.append((partition, committed, partition_lag(highs.get(partition), committed)))
    return tuple(sorted(rows))
