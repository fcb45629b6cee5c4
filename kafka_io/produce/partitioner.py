"""PURE: where a keyed event lands, as the chosen partitioner puts it.

Java clients, kafka-python, kafkajs and franz-go hash keys with murmur2;
librdkafka's own default (``consistent_random``) uses CRC-32, so the same key
lands elsewhere and per-key ordering across clients breaks. The dashboard's
producers default to ``murmur2_random`` (librdkafka's Java-compatible
partitioner), and the burst engine places keys with the same function.
"""

from __future__ import annotations

from zlib import crc32

from kafka_io.wire import DEFAULT_PARTITIONER

__all__ = ["DEFAULT_PARTITIONER", "hashes_key", "key_partition", "murmur2"]

_MASK_32 = 0xFFFFFFFF
_M = 0x5BD1E995
_SEED = 0x9747B28C


def murmur2(data: bytes) -> int:
    """Kafka's ``Utils.murmur2`` (32-bit, seed 0x9747b28c), as a signed int like Java's."""
    length = len(data)
    h = (_SEED ^ length) & _MASK_32
    whole = length - length % 4
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * _M) & _MASK_32
        k ^= k >> 24
        k = (k * _M) & _MASK_32
        h = ((h * _M) & _MASK_32) ^ k
    rest = length % 4
    if rest == 3:
        h ^= data[whole + 2] << 16
    if rest >= 2:
        h ^= data[whole + 1] << 8
    if rest >= 1:
        h ^= data[whole]
        h = (h * _M) & _MASK_32
    h ^= h >> 13
    h = (h * _M) & _MASK_32
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def _fnv1a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & _MASK_32
    return h


def hashes_key(key: bytes | None, partitioner: str = DEFAULT_PARTITIONER) -> bool:
    """False when librdkafka places the event as keyless: no key, or (consistent_random) an empty one."""
    return key is not None and (len(key) > 0 or partitioner != "consistent_random")


def key_partition(key: bytes, partition_count: int, partitioner: str = DEFAULT_PARTITIONER) -> int:
    """The partition of a keyed event under ``partitioner`` (random ones hash keys all the same)."""
    if partitioner.startswith("murmur2"):
        return (murmur2(key) & 0x7FFFFFFF) % partition_count
    if partitioner.startswith("fnv1a"):
        return _fnv1a(key) % partition_count
    return crc32(key) % partition_count  # consistent, consistent_random (and random: any partition will do)
