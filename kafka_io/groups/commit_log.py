"""PURE: decode the records of ``__consumer_offsets``, the group coordinator's log, as Burrow does.

Every offset commit of every group is a record there, so one reader of that
topic can replace one OffsetFetch request per group (issue #25). The format is
Kafka's documented coordinator record format (group-coordinator/src/main/
resources/common/message/*.json in apache/kafka): a key and a value, each
starting with an int16 version.

Key versions
- 0, 1: an offset commit (LegacyOffsetCommitKey / OffsetCommitKey): group, topic, partition.
- 2: a classic group's metadata (GroupMetadataKey): group.
- 3: a KIP-848 consumer group's metadata (ConsumerGroupMetadataKey): group.
- 4 and up: the other KIP-848, share and streams group records (members,
  assignments, share state, topologies). Not decoded further than their group
  id, which every coordinator key starts with: a member joining or leaving a
  KIP-848 group writes one, so the sampler knows whom to describe again.

A null value is a tombstone: the offset was deleted or expired (or its topic
or group deleted), or the group itself was deleted.

Offset commit values (OffsetCommitValue), after their int16 version:
- v0, v2: offset int64, metadata string, commit timestamp int64;
- v1: the same plus expire timestamp int64;
- v3: offset, leader epoch int32, metadata, commit timestamp;
- v4: as v3 in the flexible encoding (compact string, then tagged fields).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "CommitValue",
    "DecodeError",
    "GroupRecord",
    "OFFSETS_TOPIC",
    "OffsetRecord",
    "OtherRecord",
    "decode_record",
    "decode_value",
]

OFFSETS_TOPIC = "__consumer_offsets"
OFFSET_KEY_VERSIONS = (0, 1)
CLASSIC_GROUP_KEY_VERSION = 2
CONSUMER_GROUP_KEY_VERSION = 3
FLEXIBLE_VALUE_VERSION = 4
NO_LEADER_EPOCH = -1

_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_I64 = struct.Struct(">q")


class DecodeError(ValueError):
    """A record that does not follow the documented format (truncated, or an unknown value version)."""


@dataclass(frozen=True, slots=True)
class CommitValue:
    offset: int
    leader_epoch: int | None  # None: not recorded (v0-v2) or unknown (-1)
    metadata: str
    commit_ts_ms: int
    expire_ts_ms: int | None  # only v1 records one


@dataclass(frozen=True, slots=True)
class OffsetRecord:
    """A committed offset of (group, topic, partition); value None: deleted or expired."""

    group: str
    topic: str
    partition: int
    value: CommitValue | None


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """A group's metadata record (classic: key version 2, KIP-848: 3); deleted on a tombstone."""

    group: str
    deleted: bool
    key_version: int


@dataclass(frozen=True, slots=True)
class OtherRecord:
    """Any other coordinator record (KIP-848 members and assignments, share and streams groups)."""

    key_version: int
    group: str | None = None  # None: a key too short to name one


Record = OffsetRecord | GroupRecord | OtherRecord


class _Reader:
    """Reads big-endian fields from bytes, raising DecodeError when they run out."""

    __slots__ = ("data", "at")

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def _fixed(self, fmt: struct.Struct) -> int:
        if self.at + fmt.size > len(self.data):
            raise DecodeError(f"record ends at byte {len(self.data)}, inside a field at byte {self.at}")
        (value,) = fmt.unpack_from(self.data, self.at)
        self.at += fmt.size
        return value

    def int16(self) -> int:
        return self._fixed(_I16)

    def int32(self) -> int:
        return self._fixed(_I32)

    def int64(self) -> int:
        return self._fixed(_I64)

    def uvarint(self) -> int:
        value, shift = 0, 0
        while True:
            if self.at >= len(self.data):
                raise DecodeError("record ends inside a varint")
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 28:
                raise DecodeError("varint longer than 5 bytes")

    def _text(self, length: int) -> str:
        if self.at + length > len(self.data):
            raise DecodeError(f"a string of {length} bytes runs past the record's end")
        raw = self.data[self.at : self.at + length]
        self.at += length
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"a string is not UTF-8 ({exc.reason})") from None

    def string(self) -> str:
        """A non-flexible string: int16 length (-1: null, read as "")."""
        length = self.int16()
        return "" if length < 0 else self._text(length)

    def compact_string(self) -> str:
        """A flexible string: unsigned varint length + 1 (0: null, read as "")."""
        length = self.uvarint() - 1
        return "" if length < 0 else self._text(length)

    def skip_tagged_fields(self) -> None:
        for _ in range(self.uvarint()):
            self.uvarint()  # tag
            size = self.uvarint()
            if self.at + size > len(self.data):
                raise DecodeError("a tagged field runs past the record's end")
            self.at += size


def decode_value(data: bytes) -> CommitValue:
    """An offset commit value (OffsetCommitValue, versions 0-4)."""
    reader = _Reader(data)
    version = reader.int16()
    if not 0 <= version <= FLEXIBLE_VALUE_VERSION:
        raise DecodeError(f"unknown offset commit value version {version}")
    offset = reader.int64()
    epoch = reader.int32() if version >= 3 else NO_LEADER_EPOCH
    metadata = reader.compact_string() if version >= FLEXIBLE_VALUE_VERSION else reader.string()
    commit_ts_ms = reader.int64()
    expire_ts_ms = reader.int64() if version == 1 else None
    if version >= FLEXIBLE_VALUE_VERSION:
        reader.skip_tagged_fields()
    return CommitValue(offset, None if epoch == NO_LEADER_EPOCH else epoch, metadata, commit_ts_ms, expire_ts_ms)


def decode_record(key: bytes | None, value: bytes | None) -> Record:
    """One record of ``__consumer_offsets``. Raises DecodeError for a record off the format."""
    if not key:
        raise DecodeError("a record without a key")
    reader = _Reader(key)
    version = reader.int16()
    if version in OFFSET_KEY_VERSIONS:
        group, topic, partition = reader.string(), reader.string(), reader.int32()
        return OffsetRecord(group, topic, partition, None if value is None else decode_value(value))
    if version in (CLASSIC_GROUP_KEY_VERSION, CONSUMER_GROUP_KEY_VERSION):
        return GroupRecord(reader.string(), value is None, version)
    if version < 0:
        raise DecodeError(f"negative key version {version}")
    try:
        group: str | None = reader.string()
    except DecodeError:
        group = None  # a future key shape: still recognised, just not tied to a group
    return OtherRecord(version, group)
