"""PURE: wire conventions every package shares: partition keys, offset sentinels, our source header, partitioners.

librdkafka reports "no offset" as negative sentinels (OFFSET_INVALID -1001,
OFFSET_END -1, ...). They become None at the boundary, so "lag unknown" is
never confused with "lag 0".
"""

from __future__ import annotations

__all__ = [
    "DASHBOARD_SOURCE",
    "DEFAULT_PARTITIONER",
    "DEMO_SOURCE",
    "PARTITIONERS",
    "SOURCE_HEADER_KEY",
    "TP",
    "from_dashboard",
    "known_offset",
]

TP = tuple[str, int]  # (topic, partition)
# Events this dashboard sends carry this header (its value says who: the
# Produce page and CLI, or the demo), so the live view can mark them.
SOURCE_HEADER_KEY = "x-kdash-source"
# Its values. Only DASHBOARD_SOURCE (the Produce page and the CLI) counts as
# "injected": the demo's background traffic is what injected events stand out from.
DASHBOARD_SOURCE = b"dashboard"
DEMO_SOURCE = b"demo"
# librdkafka's partitioners; the *_random ones send keyless events to a random
# partition. murmur2 is what Java clients, kafka-python, kafkajs and franz-go use.
PARTITIONERS = ("murmur2_random", "murmur2", "consistent_random", "consistent", "fnv1a_random", "fnv1a", "random")
DEFAULT_PARTITIONER = "murmur2_random"


def known_offset(offset: int | None) -> int | None:
    """The offset, or None for "no offset" (None or a negative sentinel)."""
    if offset is None or offset < 0:
        return None
    return offset


def from_dashboard(headers) -> bool:
    """True when the first source header says the Produce page or the CLI sent the event.

    ``headers`` is a record's header list of (name, bytes or None), or None.
    Another value (the demo's, or anyone's own) is not ours to mark.
    """
    for name, value in headers or ():
        if name == SOURCE_HEADER_KEY:
            return value == DASHBOARD_SOURCE
    return False
