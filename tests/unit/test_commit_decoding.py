"""Table tests for kafka_io.groups.commit_log and commit_table: records of
``__consumer_offsets`` built byte by byte from Kafka's documented schemas
(OffsetCommitKey/Value, GroupMetadataKey, ConsumerGroupMetadataKey)."""

from __future__ import annotations

import struct

import pytest
from support.table_cases import ids

from kafka_io.groups.commit_log import (
    CommitValue,
    DecodeError,
    GroupRecord,
    OffsetRecord,
    OtherRecord,
    decode_record,
)
from kafka_io.groups.commit_table import Commit, CommitTable, never_logged

TS_MS = 1_765_000_000_123
EXPIRE_MS = TS_MS + 86_400_000


def i16(n: int) -> bytes:
    return struct.pack(">h", n)


def i32(n: int) -> bytes:
    return struct.pack(">i", n)


def i64(n: int) -> bytes:
    return struct.pack(">q", n)


def uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def string(s: str | None) -> bytes:
    if s is None:
        return i16(-1)
    raw = s.encode()
    return i16(len(raw)) + raw


def compact(s: str | None) -> bytes:
    if s is None:
        return uvarint(0)
    raw = s.encode()
    return uvarint(len(raw) + 1) + raw


def offset_key(group: str, topic: str, partition: int, version: int = 1) -> bytes:
    return i16(version) + string(group) + string(topic) + i32(partition)


def group_key(group: str, version: int = 2) -> bytes:
    return i16(version) + string(group)


def value(version: int, offset: int, metadata: str | None = "", epoch: int = -1, tagged: bytes = b"\x00") -> bytes:
    """An OffsetCommitValue of `version`, field by field as the schema lists them."""
    out = i16(version) + i64(offset)
    if version >= 3:
        out += i32(epoch)
    out += compact(metadata) if version >= 4 else string(metadata)
    out += i64(TS_MS)
    if version == 1:
        out += i64(EXPIRE_MS)
    return out + (tagged if version >= 4 else b"")


# A classic group's metadata value: only its presence matters (v3: protocol type, generation, ...).
GROUP_VALUE = i16(3) + string("consumer") + i32(7) + string("range") + string("m-1") + i64(TS_MS) + i32(0)

DECODE_CASES = [
    # 1. what Kafka 3.x and 4.x write for a classic commit: key v1, value v3
    (
        offset_key("g", "orders", 3),
        value(3, 42, "", 5),
        OffsetRecord("g", "orders", 3, CommitValue(42, 5, "", TS_MS, None)),
    ),
    # 2. legacy key v0 and value v0 (old brokers, still in compacted logs)
    (offset_key("g", "t", 0, 0), value(0, 7, "m"), OffsetRecord("g", "t", 0, CommitValue(7, None, "m", TS_MS, None))),
    # 3. value v1 carries an expire timestamp
    (offset_key("g", "t", 1), value(1, 9), OffsetRecord("g", "t", 1, CommitValue(9, None, "", TS_MS, EXPIRE_MS))),
    # 4. value v2: as v0
    (offset_key("g", "t", 2), value(2, 10, "x"), OffsetRecord("g", "t", 2, CommitValue(10, None, "x", TS_MS, None))),
    # 5. value v4, flexible: compact metadata, no tagged fields
    (
        offset_key("g", "t", 0),
        value(4, 11, "meta", 2),
        OffsetRecord("g", "t", 0, CommitValue(11, 2, "meta", TS_MS, None)),
    ),
    # 6. value v4 with an unknown tagged field (tag 0, 3 bytes): skipped
    (
        offset_key("g", "t", 0),
        value(4, 12, "", 2, uvarint(1) + uvarint(0) + uvarint(3) + b"abc"),
        OffsetRecord("g", "t", 0, CommitValue(12, 2, "", TS_MS, None)),
    ),
    # 7. leader epoch -1 is "unknown": None
    (offset_key("g", "t", 0), value(3, 13, "", -1), OffsetRecord("g", "t", 0, CommitValue(13, None, "", TS_MS, None))),
    # 8. null value: the offset was deleted or expired
    (offset_key("g", "t", 4), None, OffsetRecord("g", "t", 4, None)),
    # 9. a classic group's metadata
    (group_key("g"), GROUP_VALUE, GroupRecord("g", False, 2)),
    # 10. its tombstone: the group was deleted
    (group_key("g"), None, GroupRecord("g", True, 2)),
    # 11. a KIP-848 consumer group's metadata (key version 3)
    (group_key("k", 3), b"\x00\x00anything", GroupRecord("k", False, 3)),
    # 12. a KIP-848 member's metadata (key version 5): only its group is read
    (i16(5) + string("k") + string("member"), b"\x00\x00whatever", OtherRecord(5, "k")),
    # 13. a streams group record with a high key version, and a null value
    (i16(21) + string("s"), None, OtherRecord(21, "s")),
    # 13b. a future key too short to hold a group id: recognised, tied to no group
    (i16(30) + b"\x00", None, OtherRecord(30, None)),
    # 14. names are UTF-8
    (
        offset_key("grüppe-ü", "tøpic", 0),
        value(3, 1),
        OffsetRecord("grüppe-ü", "tøpic", 0, CommitValue(1, None, "", TS_MS, None)),
    ),
    # 15. null metadata (non-flexible, -1) reads as ""
    (offset_key("g", "t", 0), value(3, 2, None), OffsetRecord("g", "t", 0, CommitValue(2, None, "", TS_MS, None))),
    # 16. null metadata (flexible, 0) reads as ""
    (offset_key("g", "t", 0), value(4, 3, None), OffsetRecord("g", "t", 0, CommitValue(3, None, "", TS_MS, None))),
    # 17. offsets beyond 32 bits stay exact
    (
        offset_key("g", "t", 0),
        value(3, 2**40 + 1),
        OffsetRecord("g", "t", 0, CommitValue(2**40 + 1, None, "", TS_MS, None)),
    ),
]


@pytest.mark.parametrize(("key", "raw", "expected"), DECODE_CASES, ids=ids(DECODE_CASES))
def test_decode_record(key, raw, expected):
    assert decode_record(key, raw) == expected


DECODE_ERROR_CASES = [
    # 1. no key
    (None, None, "a record without a key"),
    # 2. key cut inside the topic name
    (offset_key("g", "orders", 0)[:8], value(3, 1), "a string of 6 bytes runs past the record's end"),
    # 3. key cut before the partition
    (offset_key("g", "t", 0)[:-2], value(3, 1), "record ends at byte 10, inside a field at byte 8"),
    # 4. a value version Kafka never wrote
    (offset_key("g", "t", 0), i16(5) + i64(1), "unknown offset commit value version 5"),
    # 5. value cut before the commit timestamp
    (offset_key("g", "t", 0), value(3, 1)[:-8], "record ends at byte 16, inside a field at byte 16"),
    # 6. a negative key version
    (i16(-2) + string("g"), None, "negative key version -2"),
    # 7. a group name that is not UTF-8
    (i16(2) + i16(2) + b"\xff\xfe", None, "a string is not UTF-8 (invalid start byte)"),
    # 8. a tagged field longer than the record
    (
        offset_key("g", "t", 0),
        value(4, 1, "", -1, uvarint(1) + uvarint(0) + uvarint(9) + b"ab"),
        "a tagged field runs past the record's end",
    ),
]


@pytest.mark.parametrize(("key", "raw", "message"), DECODE_ERROR_CASES, ids=ids(DECODE_ERROR_CASES))
def test_decode_errors(key, raw, message):
    with pytest.raises(DecodeError) as caught:
        decode_record(key, raw)
    assert str(caught.value) == message


K, V = offset_key, value
TABLE_CASES = [
    # 1. the last commit of a key wins
    ([(K("g", "t", 0), V(3, 5)), (K("g", "t", 0), V(3, 9))], {"g": {("t", 0): 9}}),
    # 2. a tombstone drops the offset, and the group with its last one
    ([(K("g", "t", 0), V(3, 5)), (K("g", "t", 0), None)], {}),
    # 3. a tombstone for an offset never seen changes nothing
    ([(K("g", "t", 0), V(3, 5)), (K("g", "t", 1), None)], {"g": {("t", 0): 5}}),
    # 4. a group tombstone leaves offsets to their own tombstones (Kafka writes them first)
    ([(K("g", "t", 0), V(3, 5)), (group_key("g"), None)], {"g": {("t", 0): 5}}),
    # 5. a record off the format is counted and skipped; the next one applies
    ([(K("g", "t", 0)[:5], V(3, 1)), (K("g", "t", 0), V(3, 2))], {"g": {("t", 0): 2}}),
    # 6. KIP-848 records beside commits are skipped
    ([(i16(5) + string("k"), b"\x00\x00"), (K("k", "t", 1), V(4, 3))], {"k": {("t", 1): 3}}),
    # 7. a commit after a deletion is a new commit
    ([(K("g", "t", 0), V(3, 5)), (K("g", "t", 0), None), (K("g", "t", 0), V(3, 1))], {"g": {("t", 0): 1}}),
    # 8. groups and partitions stay apart
    (
        [(K("a", "t", 0), V(3, 1)), (K("b", "t", 0), V(3, 2)), (K("a", "t", 1), V(0, 3))],
        {"a": {("t", 0): 1, ("t", 1): 3}, "b": {("t", 0): 2}},
    ),
]


@pytest.mark.parametrize(("records", "expected"), TABLE_CASES, ids=ids(TABLE_CASES))
def test_commit_table_keeps_the_latest_commit(records, expected):
    table = CommitTable()
    for key, raw in records:
        table.apply(key, raw)
    assert {g: table.offsets(g) for g in table.groups()} == expected
    assert table.records == len(records)


def test_commit_table_counts_what_it_cannot_decode_and_reports_what_changed():
    table = CommitTable()
    table.apply(K("g", "t", 0), V(3, 5))
    table.apply(b"\x00", None)
    table.apply(group_key("only-metadata"), GROUP_VALUE)
    assert (table.records, table.undecodable, table.last_error) == (
        3,
        1,
        "record ends at byte 1, inside a field at byte 0",
    )
    assert table.commits("g") == {("t", 0): Commit(5, TS_MS)}
    # A rebalance (the group's metadata) and a KIP-848 member record change membership too.
    table.apply(i16(5) + string("k848") + string("member"), b"\x00\x00whatever")
    assert table.take_changed() == {"g", "only-metadata", "k848"}
    table.apply(K("h", "t", 0), None)
    assert (table.take_changed(), table.take_changed()) == ({"h"}, set())
    assert table.named_groups == {"g", "h", "only-metadata"}


NEVER_LOGGED_CASES = [
    # 1. every group with commits was named by the log: none missing
    ({"g": {("t", 0): 1}}, None),
    # 2. a group with commits the log never named: the broker writes no commit records
    ({"g": {("t", 0): 1}, "x": {("t", 0): 4}}, "x"),
    # 3. a group without commits (members only) proves nothing
    ({"x": {}}, None),
    # 4. nor does one whose offsets are all unknown
    ({"x": {("t", 0): None}}, None),
    # 5. a group deleted since the log named it is not missing
    ({"deleted": {("t", 0): 3}}, None),
    # 6. the first missing group, by name
    ({"z": {("t", 0): 1}, "y": {("t", 0): 1}}, "y"),
]


@pytest.mark.parametrize(("admin_committed", "missing"), NEVER_LOGGED_CASES, ids=ids(NEVER_LOGGED_CASES))
def test_never_logged(admin_committed, missing):
    table = CommitTable()
    table.apply(K("g", "t", 0), V(3, 1))
    table.apply(K("deleted", "t", 0), V(3, 3))
    table.apply(K("deleted", "t", 0), None)
    assert never_logged(table, admin_committed) == missing
