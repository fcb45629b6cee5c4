"""PURE: wire conventions every package shares: partition keys, offset sentinels, our source header, partitioners.

librdkafka reports "no offset" as negative sentinels (OFFSET_INVALID -1001,
OFFSET_END -1, ...). They become None at the boundary, so "lag unknown" is
never confused with "lag 0".
"""

from __future__ import annotations

__all__ = ["DEFAULT_PARTITIONER", "PARTITIONERS", "SOURCE_HEADER_KEY", "TP", "known_offset"]

TP = tuple[str, int]  # (topic, partition)
# Events this dashboard sends carry this header (its value says who: the
# Produce page and CLI, or the demo), so the live view can mark them.
SOURCE_HEADER_KEY = "x-kdash-source"
# librdkafka's partitioners; the *_random ones send keyless events to a random
# partition. murmur2 is what Java clients, kafka-python, kafkajs and franz-go use.
PARTITIONERS = ("murmur2_random", "murmur2", "consistent_random", "consistent", "fnv1a_random", "fnv1a", "random")
DEFAULT_PARTITIONER = "murmur2_random"


def known_offset(offset: int | None) -> int | None:
    """The offset, or None for "no offset" (None or a negative sentinel)."""
    if offset is None or offset < 0:
        return None
    return offset
