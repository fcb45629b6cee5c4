"""Key placement as Java clients do it: Kafka's own murmur2 test vectors, and the settings."""

from __future__ import annotations

from zlib import crc32

import pytest

from kafka_io.config import load_settings
from kafka_io.errors import InvalidInput
from kafka_io.produce.partitioner import hashes_key, key_partition, murmur2

# From Apache Kafka's UtilsTest.testMurmur2: (key, Utils.murmur2(key)).
MURMUR2_CASES = [
    ("21", -973932308),  # 1. two bytes (tail of 2)
    ("foobar", -790332482),  # 2. one word and a tail of 2
    ("a-little-bit-long-string", -985981536),  # 3. whole words only
    ("a-little-bit-longer-string", -1486304829),  # 4. tail of 2
    ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),  # 5. tail of 0, long
    ("abc", 479470107),  # 6. tail of 3
]


@pytest.mark.parametrize(("key", "expected"), MURMUR2_CASES, ids=[str(i) for i in range(1, 7)])
def test_murmur2_matches_kafkas_java_implementation(key, expected):
    assert murmur2(key.encode()) == expected


PLACEMENT_CASES = [
    # (key, partitions, partitioner, expected)
    (b"foobar", 6, "murmur2_random", (-790332482 & 0x7FFFFFFF) % 6),  # 1. Java: toPositive(murmur2) % n
    (b"foobar", 6, "murmur2", (-790332482 & 0x7FFFFFFF) % 6),  # 2. same hash without the random fallback
    (b"foobar", 6, "consistent_random", crc32(b"foobar") % 6),  # 3. librdkafka's default: CRC-32
    (b"", 5, "murmur2_random", (murmur2(b"") & 0x7FFFFFFF) % 5),  # 4. an empty key is still a key
    (b"x", 1, "murmur2_random", 0),  # 5. one partition
]


@pytest.mark.parametrize(
    ("key", "count", "partitioner", "expected"), PLACEMENT_CASES, ids=[str(i) for i in range(1, 6)]
)
def test_key_partition(key, count, partitioner, expected):
    assert key_partition(key, count, partitioner) == expected


def test_the_default_partitioner_is_javas_and_can_be_changed():
    env = {"KAFKA_BOOTSTRAP_SERVERS": "h:9092"}
    assert load_settings(env=env).partitioner == "murmur2_random"
    chosen = load_settings(env={**env, "KAFKA_PARTITIONER": "Consistent_Random"})
    assert chosen.partitioner == "consistent_random" and chosen.sanitize()["partitioner"] == "consistent_random"


def test_an_unknown_partitioner_is_refused_by_name():
    with pytest.raises(InvalidInput, match="partitioner must be one of murmur2_random, .* got 'crc'"):
        load_settings(env={"KAFKA_BOOTSTRAP_SERVERS": "h:9092", "KAFKA_PARTITIONER": "crc"})


HASHES_CASES = [
    # (key, partitioner, hashed): librdkafka places the others as keyless
    (b"k", "murmur2_random", True),  # 1.
    (b"", "murmur2_random", True),  # 2. Java hashes an empty key too
    (None, "murmur2_random", False),  # 3.
    (b"", "consistent_random", False),  # 4. "empty and NULL keys are randomly partitioned"
    (b"k", "consistent_random", True),  # 5.
]


@pytest.mark.parametrize(("key", "partitioner", "hashed"), HASHES_CASES, ids=[str(i) for i in range(1, 6)])
def test_which_keys_are_hashed(key, partitioner, hashed):
    assert hashes_key(key, partitioner) is hashed
