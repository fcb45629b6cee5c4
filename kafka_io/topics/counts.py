"""PURE: when a topic's message count (high − low) is only an upper bound.

high − low counts offsets, not records. Offsets that hold no record a consumer
will ever read: transaction markers (one per partition per transaction),
aborted transactions' records, an open transaction's records (not readable
yet), and offsets that compaction removed. The check that feeds this reads one
offset per partition (kafka_io.topics.gaps), so it sees a partition whose last
offset is not a committed record: a topic written by transactions ends each
partition with a marker. A marker in the middle of a log that non-transactional
writes followed is not seen; compaction is told by cleanup.policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CountBound", "count_bound"]


@dataclass(frozen=True, slots=True)
class CountBound:
    """Whether high − low is exact; `reason` says why not, in plain words."""

    upper_bound: bool
    reason: str = ""

    def label(self, messages: int) -> str:
        return f"≈ {messages:,}" if self.upper_bound else f"{messages:,}"


def count_bound(cleanup_policy: str | None, marker_partitions: Iterable[int]) -> CountBound:
    """Exact unless compaction or offsets without committed records make it an upper bound."""
    reasons = []
    if cleanup_policy and "compact" in cleanup_policy.replace(" ", "").split(","):
        reasons.append("compaction removes records but not their offsets (cleanup.policy=compact)")
    partitions = sorted(set(marker_partitions))
    if partitions:
        shown = ", ".join(map(str, partitions[:10])) + (", …" if len(partitions) > 10 else "")
        reasons.append(
            f"partition(s) {shown} end in offsets no consumer reads: transaction markers, "
            "aborted or still-open transactions"
        )
    if not reasons:
        return CountBound(False)
    return CountBound(True, "high − low is an upper bound: " + "; ".join(reasons) + ".")
