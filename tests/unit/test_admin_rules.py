"""Table tests for the pure parts of kafka_io.admin: config edits and the broker's
refusals in plain words, purge plans, ACL bindings and filters."""

from __future__ import annotations

import pytest
from support.table_cases import message_of

from kafka_io.admin.acl_rules import AclRow, filter_rows, validate_binding
from kafka_io.admin.config_edits import (
    ConfigEdit,
    DiffRow,
    KnownConfig,
    check_edits,
    diff_rows,
    parse_edits,
    plain_refusal,
)
from kafka_io.admin.purge_plan import PurgeRow, purge_rows

# --- config edits -------------------------------------------------------------------

PARSE_CASES = [
    # 1. one set, one reset, in that order; the value keeps its inner '='
    (
        ["retention.ms=1000"],
        ["cleanup.policy"],
        (ConfigEdit("retention.ms", "1000"), ConfigEdit("cleanup.policy", None)),
    ),
    # 2. padding around key and value goes
    ([" segment.ms = 60000 "], [], (ConfigEdit("segment.ms", "60000"),)),
    # 3. a value may hold '=' (e.g. a class option)
    (["message.format=a=b"], [], (ConfigEdit("message.format", "a=b"),)),
]


@pytest.mark.parametrize(("sets", "resets", "expected"), PARSE_CASES, ids=["01", "02", "03"])
def test_parse_edits(sets, resets, expected):
    assert parse_edits(sets, resets) == expected


PARSE_ERRORS = [
    # 1. nothing asked
    ([], [], "nothing to change: give --set KEY=VALUE or --reset KEY"),
    # 2. no '='
    (["retention.ms"], [], "--set needs KEY=VALUE, got 'retention.ms'"),
    # 3. empty value points at --reset
    (["retention.ms="], [], "--set retention.ms= has no value (use --reset retention.ms to go back to the default)"),
    # 4. set and reset of one key
    (["retention.ms=1"], ["retention.ms"], "retention.ms is given twice: set it or reset it, once"),
    # 5. not a config name
    (["Retention Ms=1"], [], "--set: 'Retention Ms' is not a config name (like retention.ms)"),
    # 6. a blank reset key
    ([], [" "], "--reset: '' is not a config name (like retention.ms)"),
]


@pytest.mark.parametrize(("sets", "resets", "error"), PARSE_ERRORS, ids=[f"{i:02d}" for i in range(1, 7)])
def test_parse_edits_refuses(sets, resets, error):
    assert message_of(parse_edits, sets, resets) == error


KNOWN = {
    "retention.ms": KnownConfig("86400000", non_default=True),
    "cleanup.policy": KnownConfig("delete", non_default=False),
    "segment.bytes": KnownConfig("1073741824", non_default=False, read_only=True),
    "secret.thing": KnownConfig(None, non_default=True, sensitive=True),
}

CHECK_ERRORS = [
    # 1. unknown key, with the closest known one
    (ConfigEdit("retention.msx", "1"), "retention.msx is not a config of topic 't' (did you mean retention.ms?)"),
    # 2. unknown key, nothing close
    (ConfigEdit("zzz", "1"), "zzz is not a config of topic 't'"),
    # 3. read-only key
    (ConfigEdit("segment.bytes", "1"), "segment.bytes is read-only: the broker does not let it change"),
]


@pytest.mark.parametrize(("edit", "error"), CHECK_ERRORS, ids=["01", "02", "03"])
def test_check_edits_refuses(edit, error):
    assert message_of(check_edits, "t", [edit], KNOWN) == error


DIFF_CASES = [
    # 1. a new value for a non-default key
    (ConfigEdit("retention.ms", "1000"), DiffRow("retention.ms", "set", "86400000", "1000")),
    # 2. the same value again: noted, not dropped
    (ConfigEdit("retention.ms", "86400000"), DiffRow("retention.ms", "set", "86400000", "86400000", "unchanged")),
    # 3. setting a default key to its default value is still a change (it pins it on the topic)
    (ConfigEdit("cleanup.policy", "delete"), DiffRow("cleanup.policy", "set", "delete", "delete")),
    # 4. reset of a non-default key
    (ConfigEdit("retention.ms", None), DiffRow("retention.ms", "reset", "86400000", "(default)")),
    # 5. reset of a key already at its default
    (
        ConfigEdit("cleanup.policy", None),
        DiffRow("cleanup.policy", "reset", "delete", "(default)", "already the default"),
    ),
    # 6. a sensitive key: neither the old nor the new value is shown
    (ConfigEdit("secret.thing", "pw"), DiffRow("secret.thing", "set", "********", "********")),
]


@pytest.mark.parametrize(("edit", "row"), DIFF_CASES, ids=[f"{i:02d}" for i in range(1, 7)])
def test_diff_rows(edit, row):
    assert diff_rows([edit], KNOWN) == (row,)


REFUSALS = [
    # 1. the example, from Kafka's own words
    (
        "Invalid value soon for configuration retention.ms: Not a number of type LONG",
        "retention.ms: soon is not a number",
    ),
    # 2. an enum
    (
        "Invalid value bogus for configuration cleanup.policy: String must be one of: compact, delete",
        "cleanup.policy: bogus is not one of compact, delete",
    ),
    # 3. a lower bound
    (
        "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1",
        "min.insync.replicas: 0 is too small (at least 1)",
    ),
    # 4. an upper bound
    ("Invalid value 2 for configuration x.ratio: Value must be no more than 1.", "x.ratio: 2 is too large (at most 1)"),
    # 5. a boolean
    (
        "Invalid value yes for configuration preallocate: Expected value to be either true or false",
        "preallocate: yes is not true or false",
    ),
    # 6. another reason keeps Kafka's words
    ("Invalid value x for configuration a.b: Something odd", "a.b: x is refused (Something odd)"),
    # 7. an unknown key
    ("Unknown topic config name: retention.msx", "retention.msx is not a topic config"),
    # 8. any other message as the broker wrote it
    ("Topic-level config is not allowed.", "Topic-level config is not allowed"),
]


@pytest.mark.parametrize(("broker", "plain"), REFUSALS, ids=[f"{i:02d}" for i in range(1, 9)])
def test_plain_refusal(broker, plain):
    assert plain_refusal(broker) == plain


# --- purge plans ----------------------------------------------------------------------

MARKS = {0: (2, 10, None), 1: (0, 0, None), 2: (None, None, "leader broker 1 is unreachable")}

PURGE_CASES = [
    # 1. everything of every partition; an empty one and a failing one are noted
    (
        None,
        None,
        (
            PurgeRow(0, 2, 10, 10, 8),
            PurgeRow(1, 0, 0, 0, 0, "already empty"),
            PurgeRow(2, None, None, None, 0, None, "leader broker 1 is unreachable"),
        ),
    ),
    # 2. one partition, before an offset inside it
    (0, 5, (PurgeRow(0, 2, 10, 5, 3),)),
    # 3. before an offset at the low watermark: nothing goes
    (0, 2, (PurgeRow(0, 2, 10, 2, 0, "nothing before offset 2 (low watermark 2)"),)),
    # 4. before an offset past the end: clamped to the end, all go
    (0, 99, (PurgeRow(0, 2, 10, 10, 8, "offset 99 is past the end (10): all go"),)),
    # 5. exactly the end
    (0, 10, (PurgeRow(0, 2, 10, 10, 8),)),
]


@pytest.mark.parametrize(("partition", "before", "rows"), PURGE_CASES, ids=[f"{i:02d}" for i in range(1, 6)])
def test_purge_rows(partition, before, rows):
    assert purge_rows("t", MARKS, partition, before) == rows


PURGE_ERRORS = [
    # 1. a partition the topic does not have
    (7, None, "topic 't' has no partition 7 (it has 3: 0-2)"),
    # 2. a negative offset
    (0, -1, "the offset to purge before must be a whole number >= 0, got -1"),
    # 3. a negative partition
    (-1, None, "partition must be a whole number >= 0, got -1"),
    # 4. a bool is not an offset
    (0, True, "the offset to purge before must be a whole number >= 0, got True"),
]


@pytest.mark.parametrize(("partition", "before", "error"), PURGE_ERRORS, ids=["01", "02", "03", "04"])
def test_purge_rows_refuses(partition, before, error):
    assert message_of(purge_rows, "t", MARKS, partition, before) == error


# --- ACL bindings ------------------------------------------------------------------------

BINDINGS = [
    # 1. the defaults: ALLOW, LITERAL, any host; names in any case become Kafka's
    (("User:bob", "read", "topic", "orders"), AclRow("User:bob", "*", "READ", "ALLOW", "TOPIC", "orders", "LITERAL")),
    # 2. a prefixed DENY from one host
    (
        ("User:eve", "WRITE", "TOPIC", "pay.", "deny", "prefixed", "10.0.0.1"),
        AclRow("User:eve", "10.0.0.1", "WRITE", "DENY", "TOPIC", "pay.", "PREFIXED"),
    ),
    # 3. the cluster resource gets its only name
    (
        ("User:ops", "ALTER_CONFIGS", "CLUSTER", ""),
        AclRow("User:ops", "*", "ALTER_CONFIGS", "ALLOW", "CLUSTER", "kafka-cluster", "LITERAL"),
    ),
]


@pytest.mark.parametrize(("args", "row"), BINDINGS, ids=["01", "02", "03"])
def test_validate_binding(args, row):
    assert validate_binding(*args) == row


BINDING_ERRORS = [
    # 1. a principal without its type
    (("bob", "READ", "TOPIC", "orders"), "principal must look like User:alice (type:name), got 'bob'"),
    # 2. an operation Kafka does not have
    (
        ("User:bob", "PEEK", "TOPIC", "orders"),
        "operation must be one of ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, got 'PEEK'",
    ),
    # 3. no resource name
    (
        ("User:bob", "READ", "GROUP", " "),
        "resource name must be one word (a topic, group or prefix; * for all), got ''",
    ),
    # 4. the cluster under another name
    (("User:bob", "ALTER", "CLUSTER", "prod"), "the CLUSTER resource is always kafka-cluster (LITERAL), got 'prod'"),
    # 5. a resource type for filters only
    (
        ("User:bob", "READ", "ANY", "x"),
        "resource type must be one of TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, got 'ANY'",
    ),
]


@pytest.mark.parametrize(("args", "error"), BINDING_ERRORS, ids=[f"{i:02d}" for i in range(1, 6)])
def test_validate_binding_refuses(args, error):
    assert message_of(validate_binding, *args) == error


ROWS = [
    AclRow("User:bob", "*", "READ", "ALLOW", "TOPIC", "orders", "LITERAL"),
    AclRow("User:bob", "*", "DESCRIBE", "ALLOW", "GROUP", "bob-group", "LITERAL"),
    AclRow("User:alice", "*", "WRITE", "ALLOW", "TOPIC", "orders.", "PREFIXED"),
]
FILTERS = [
    # 1. no filter: all, sorted
    (("", "", ""), [ROWS[2], ROWS[1], ROWS[0]]),
    # 2. principal, any case
    (("BOB", "", ""), [ROWS[1], ROWS[0]]),
    # 3. resource name contains
    (("", "orders", ""), [ROWS[2], ROWS[0]]),
    # 4. resource type by name
    (("", "group", ""), [ROWS[1]]),
    # 5. operation, exact
    (("bob", "", "read"), [ROWS[0]]),
]


@pytest.mark.parametrize(("args", "rows"), FILTERS, ids=[f"{i:02d}" for i in range(1, 6)])
def test_filter_rows(args, rows):
    assert list(filter_rows(ROWS, *args)) == rows
