"""PURE: the latest committed offset of every (group, topic, partition), kept from ``__consumer_offsets``.

Records are applied in log order, partition by partition: a group's records all
live in one partition of the topic, so the last record of a key is the group's
current commit (Kafka's own rule, also for transactional commits, which a
read_committed reader sees only once committed). A tombstone drops the offset:
deleted by a user, expired, or its topic or group deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kafka_io.groups.commit_log import DecodeError, GroupRecord, OffsetRecord, OtherRecord, decode_record
from kafka_io.wire import TP, known_offset

__all__ = ["Commit", "CommitTable", "never_logged"]


@dataclass(frozen=True, slots=True)
class Commit:
    offset: int
    commit_ts_ms: int


class CommitTable:
    """Groups -> {(topic, partition): Commit}, plus what the log said about groups and odd records."""

    def __init__(self) -> None:
        self._commits: dict[str, dict[TP, Commit]] = {}
        # One (topic, partition) tuple per partition, shared by every group that commits on it:
        # at 50,000 groups x 10 partitions, a tuple per commit was ~25 MB (bench/group_memory.py).
        # Partitions of deleted topics stay here, one small tuple each.
        self._tps: dict[TP, TP] = {}
        # Every group the log ever named, deleted ones too: a group the admin API
        # knows and the log never named means the broker writes nothing there.
        self.named_groups: set[str] = set()
        # Groups the log said anything about since the last take_changed(): a commit, a classic
        # group's metadata (written on every rebalance) or a KIP-848 member or assignment record.
        # What to describe again (groups.describe_plan).
        self._changed: set[str] = set()
        self.records = 0
        self.undecodable = 0
        self.last_error: str | None = None

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Decode and apply one record; one off the format is counted, never fatal."""
        self.records += 1
        try:
            record = decode_record(key, value)
        except DecodeError as exc:
            self.undecodable += 1
            self.last_error = str(exc)
            return
        if isinstance(record, OffsetRecord):
            self._apply_offset(record)
        elif isinstance(record, GroupRecord):
            self.named_groups.add(record.group)
            self._changed.add(record.group)
        elif isinstance(record, OtherRecord) and record.group is not None:
            self._changed.add(record.group)

    def _apply_offset(self, record: OffsetRecord) -> None:
        self.named_groups.add(record.group)
        self._changed.add(record.group)
        tp = (record.topic, record.partition)
        tp = self._tps.setdefault(tp, tp)
        if record.value is None:
            commits = self._commits.get(record.group)
            if commits is not None:
                commits.pop(tp, None)
                if not commits:
                    del self._commits[record.group]
            return
        self._commits.setdefault(record.group, {})[tp] = Commit(record.value.offset, record.value.commit_ts_ms)

    def groups(self) -> list[str]:
        """Sorted ids of the groups with at least one committed offset."""
        return sorted(self._commits)

    def commits(self, group: str) -> dict[TP, Commit]:
        return dict(self._commits.get(group, {}))

    def offsets(self, group: str) -> dict[TP, int | None]:
        """{(topic, partition): committed offset} as the admin API reports it (sentinels as None)."""
        return {tp: known_offset(c.offset) for tp, c in self._commits.get(group, {}).items()}

    def take_changed(self) -> set[str]:
        changed, self._changed = self._changed, set()
        return changed


def never_logged(table: CommitTable, admin_committed: Mapping[str, Mapping[TP, int | None]]) -> str | None:
    """A group the admin API reports commits for and the log never named, or None.

    ``admin_committed`` must have been read before the log was read up to its
    end: then a broker that writes commits to ``__consumer_offsets`` has named
    every such group, even one deleted since.
    """
    for group in sorted(admin_committed):
        if any(o is not None for o in admin_committed[group].values()) and group not in table.named_groups:
            return group
    return None
