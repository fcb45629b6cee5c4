"""PURE: which groups a full sample describes again, once committed offsets come from
``__consumer_offsets`` (issue #25).

At 10,000 groups describing every group is 20 DescribeGroups batches and most of a
sample (2.4 s of 4.7 s on this machine), yet members rarely change, and when they
do the coordinator writes it down in the very log the sampler reads: a classic
group's metadata on every rebalance, a KIP-848 group's member and assignment
records. So a group is described again only when

1. it has no description yet (new to the sampler, or its last read failed);
2. the log said anything about it since the previous sample;
3. the listing reports another state than the one it was described in (a
   rebalance that has begun, an unknown state);
4. it is in this sample's share of the slow full pass: every group once every
   FULL_PASS_SAMPLES full samples, by a stable hash of its id, so the cost is
   spread evenly instead of one slow sample every few minutes. Rules 2 and 3 see
   every membership change; this pass is the net under a record the decoder
   might not know (a future coordinator record type).

Otherwise its state is the listing's and its members, assignor and type are
the previous description's. On the admin path (no log) every group is described.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Set

from kafka_io.groups.models import GroupLag

__all__ = ["FULL_PASS_SAMPLES", "full_pass_share", "to_describe"]

FULL_PASS_SAMPLES = 60  # every group at least every 5 minutes at the default 5 s interval


def full_pass_share(group_id: str, turn: int, full_pass_samples: int = FULL_PASS_SAMPLES) -> bool:
    """Whether `group_id` is described in full sample number `turn` by rule 4."""
    return zlib.crc32(group_id.encode()) % full_pass_samples == turn % full_pass_samples


def to_describe(
    listed: Mapping[str, str | None],
    previous: Mapping[str, GroupLag],
    changed: Set[str],
    turn: int,
    full_pass_samples: int = FULL_PASS_SAMPLES,
) -> set[str]:
    """The listed groups to describe in this sample; `listed` maps id -> listed state (None: not said)."""
    chosen = set()
    for group_id, state in listed.items():
        before = previous.get(group_id)
        if (
            before is None
            or before.error is not None
            or group_id in changed
            or state is None
            or state != before.state
            or full_pass_share(group_id, turn, full_pass_samples)
        ):
            chosen.add(group_id)
    return chosen
