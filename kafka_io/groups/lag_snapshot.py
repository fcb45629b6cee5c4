"""PURE: The lag sampler's latest snapshot, a frozen value every page reads."""

from __future__ import annotations

from dataclasses import dataclass

from kafka_io.groups.commit_log import OFFSETS_TOPIC
from kafka_io.groups.models import GroupLag

__all__ = ["LagSnapshot", "offsets_source_note"]


@dataclass(frozen=True, slots=True)
class LagSnapshot:
    """The latest sample of every group. When the latest attempt failed,
    `groups` are from the last good sample and `error` says why."""

    sampled_at_s: float | None  # None until a sample succeeded
    duration_ms: float
    groups: tuple[GroupLag, ...]
    error: str | None = None
    error_at_s: float | None = None
    full_sample: bool = True  # False when only watched groups were refreshed
    sequence: int = 0
    admin_requests: int = 0  # admin calls this sample made (_client.CountingAdmin)
    admin_requests_total: int = 0  # admin calls of the whole process when it ended
    # Where this sample's committed offsets came from: "admin API" (one OffsetFetch per
    # group) or "__consumer_offsets" (groups.commit_reader), and why not the log.
    offsets_source: str = "admin API"
    offsets_source_reason: str = ""
    described_groups: int = 0  # groups whose state and members this sample asked for (groups.describe_plan)

    def group(self, group_id: str) -> GroupLag | None:
        return next((g for g in self.groups if g.group_id == group_id), None)


def offsets_source_note(snapshot: LagSnapshot) -> str:
    """Where the latest sample's committed offsets came from, in one line for the Consumer groups page."""
    if snapshot.offsets_source == OFFSETS_TOPIC:
        return (
            f"Committed offsets: read from {OFFSETS_TOPIC}, one reader for every group. "
            f"States and members asked for {snapshot.described_groups:,} of {len(snapshot.groups):,} groups "
            "this sample (those the log named since, or whose state changed; the others are as before)."
        )
    why = f": {OFFSETS_TOPIC} is not used, {snapshot.offsets_source_reason}" if snapshot.offsets_source_reason else ""
    return f"Committed offsets: the admin API, one request per group{why}."
