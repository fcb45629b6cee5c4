"""The CLI of the message writes on the real broker: reset-offsets (kafka-consumer-groups.sh
semantics: a dry run by default), redrive (produce's summary), and export's JSONL against tail's."""

from __future__ import annotations

import getpass
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from produce_helpers import read_topic
from support.groups import busy_group, committed_offsets, consume_and_commit, produce_at
from support.kafka import create_topic
from support.messages import produce_records, read_messages

from kafka_io.access.audit import read_entries
from kafka_io.messages.formats import to_jsonl
from kafka_io.messages.redrive import REDRIVE_HEADER

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def audit_log(tmp_path) -> Path:
    return tmp_path / "audit.jsonl"


@pytest.fixture
def cli(cluster_env, audit_log):
    env = {**cluster_env, "KDASH_AUDIT_LOG": str(audit_log)}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "kafka_io", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
        )

    return run


@pytest.fixture
def empty_group(kafka_bootstrap, unique):
    """An EMPTY group committed at 4 of 10 on p0 and 15 of 20 on p1; timestamps start + i s."""
    topic, group = unique("cli-reset"), unique("cli-reset-group")
    create_topic(kafka_bootstrap, topic, 2)
    start_ms = int(time.time() * 1000) - 100_000
    produce_at(kafka_bootstrap, topic, 0, [start_ms + i * 1000 for i in range(10)])
    produce_at(kafka_bootstrap, topic, 1, [start_ms + i * 1000 for i in range(20)])
    consume_and_commit(kafka_bootstrap, group, topic, {0: 4, 1: 15})
    return topic, group, start_ms


def test_reset_offsets_dry_run_prints_the_plan_and_changes_nothing(cli, kafka_bootstrap, empty_group, audit_log):
    topic, group, _ = empty_group
    table = cli("reset-offsets", "--group", group, "--topic", topic, "--to-offset", "12")
    assert table.returncode == 0, table.stderr
    width = len(topic)
    assert table.stdout.splitlines() == [
        f"{'TOPIC':<{width}}  PARTITION  CURRENT  NEW  LAG-BEFORE  LAG-AFTER  NOTE",
        f"{topic}  0          4        10   6           0          12 is past the end of the log 10: using 10",
        f"{topic}  1          15       12   5           8          —",
    ]
    assert table.stderr == "dry run: nothing was changed; add --execute to reset these offsets\n"
    shown = cli(
        "reset-offsets", "--group", group, "--topic", topic, "--shift-by", "-2", "--dry-run", "--format", "json"
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {
        "group": group,
        "to": "shift by -2",
        "executed": False,
        "partitions": [
            {
                "topic": topic,
                "partition": 0,
                "current": 4,
                "new": 2,
                "low": 0,
                "high": 10,
                "lag_before": 6,
                "lag_after": 8,
                "note": None,
                "error": None,
            },
            {
                "topic": topic,
                "partition": 1,
                "current": 15,
                "new": 13,
                "low": 0,
                "high": 20,
                "lag_before": 5,
                "lag_after": 7,
                "note": None,
                "error": None,
            },
        ],
    }
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 15}
    assert not audit_log.exists()  # nothing was written, so nothing to audit


def test_reset_offsets_execute_moves_exactly_the_chosen_partitions(cli, kafka_bootstrap, empty_group, audit_log):
    topic, group, start_ms = empty_group
    moved = cli("reset-offsets", "--group", group, "--topic", topic, "--partition", "1", "--to-earliest", "--execute")
    assert moved.returncode == 0, moved.stderr
    assert moved.stderr == ""
    assert moved.stdout.splitlines()[1:] == [f"{topic}  1          15       0    5           20         —"]
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 0}
    at = (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((start_ms + 6_500) / 1000))
        + f".{(start_ms + 6_500) % 1000:03d}Z"
    )
    by_time = cli("reset-offsets", "--group", group, "--topic", topic, "--to-datetime", at, "--execute")
    assert by_time.returncode == 0, by_time.stderr
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 7, (topic, 1): 7}
    me = getpass.getuser()
    assert [(e.who, e.via, e.action, e.target, e.result, e.details) for e in read_entries(audit_log).entries] == [
        (me, "cli", "group.reset_offsets", group, "ok", {"to": "earliest", "partitions": 1}),
        (
            me,
            "cli",
            "group.reset_offsets",
            group,
            "ok",
            {"to": f"the first record at or after {start_ms + 6_500} ms", "partitions": 2},
        ),
    ]


def test_reset_offsets_refuses_an_active_group_and_bad_input_in_one_line(cli, kafka_bootstrap, unique, audit_log):
    group, topic = unique("cli-busy"), unique("cli-busy-topic")
    member = busy_group(kafka_bootstrap, topic, group)
    try:
        refused = cli("reset-offsets", "--group", group, "--topic", topic, "--to-latest", "--execute")
    finally:
        member.stop()
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == (
        f"error: Group '{group}' is active (STABLE, 1 member(s): billing-worker). "
        "Stop its consumers first, then reset its offsets.\n"
    )
    bad = [
        (("--shift-by", "0"), "error: a shift of 0 changes nothing; use +N or -N\n"),
        (("--to-datetime", "yesterday"), "error: timestamp must be milliseconds since 1970 or ISO 8601 like "),
        (("--to-offset", "1", "--partition", "7"), f"error: topic {topic!r} has no partition 7 (it has 1: 0-0)\n"),
    ]
    for args, error in bad:
        result = cli("reset-offsets", "--group", group, "--topic", topic, *args)
        assert result.returncode == 2 and result.stderr.startswith(error) and result.stderr.count("\n") == 1, args
    assert not audit_log.exists()


def test_export_jsonl_is_the_line_tail_prints_plus_headers(cli, settings, kafka_bootstrap, unique):
    topic = unique("jsonl")
    create_topic(kafka_bootstrap, topic, 1)
    records = [
        {"key": b"user-1", "value": b'{"event_type": "page_view", "n": 12345678901234567890}'},
        {"key": None, "value": None, "headers": [("h", b"v")]},
        {"key": b"\x00bin", "value": b"\x00\x01\x02", "headers": [("bin", b"\xff"), ("n", None)]},
        {"key": b"", "value": "line 1\nline 2 é".encode()},
        {"key": b"k", "value": b'{"type": "x"'},
    ]
    produce_records(kafka_bootstrap, topic, records)
    tail = cli("tail", "--topic", topic, "--from-beginning", "--max-messages", "5", "--format", "jsonl")
    assert tail.returncode == 0, tail.stderr
    tail_lines = [json.loads(line) for line in tail.stdout.splitlines()[:5]]
    ours = [json.loads(line) for line in to_jsonl(read_messages(settings, topic, 0, 0, 5)).splitlines()]
    assert [line.pop("headers") for line in ours] == [[], [["h", "v"]], [["bin", "/w=="], ["n", None]], [], []]
    assert ours == tail_lines
    assert [list(line) for line in ours] == [list(line) for line in tail_lines]  # the same order of keys too


def test_redrive_cli_prints_produces_summary_and_audits(cli, settings, kafka_bootstrap, unique, audit_log):
    source, target = unique("cli-dlq"), unique("cli-target")
    create_topic(kafka_bootstrap, source, 1)
    create_topic(kafka_bootstrap, target, 1)
    records = [{"key": f"k{i}".encode(), "value": bytes([i, 0, 255]), "headers": [("i", b"%d" % i)]} for i in range(6)]
    produce_records(kafka_bootstrap, source, records)
    done = cli("redrive", "--topic", source, "--partition", "0", "--offset", "2", "--count", "3", "--to", target)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"redrove 3 events from {source}/0 offsets 2-4 to {target!r}: 3 delivered, 0 failed"
    )
    copies = read_topic(settings, target, 3)
    assert [(c[2], c[3], c[4]) for c in copies] == [
        (f"k{i}".encode(), bytes([i, 0, 255]), (("i", b"%d" % i), (REDRIVE_HEADER, f"{source}/0/{i}".encode())))
        for i in (2, 3, 4)
    ]
    shown = cli(
        "redrive",
        "--topic",
        source,
        "--partition",
        "0",
        "--offset",
        "4",
        "--count",
        "9",
        "--to",
        target,
        "--format",
        "json",
    )
    assert shown.returncode == 0, shown.stderr
    summary = json.loads(shown.stdout)
    assert (summary["requested"], summary["delivered"], summary["failed"], summary["errors"]) == (2, 2, 0, [])
    assert set(summary) == {"requested", "delivered", "failed", "duration_s", "rate_per_s", "partitions", "errors"}
    assert summary["partitions"] == {"0": 2}
    assert shown.stderr == "note: 2 events in offsets 4-12: the rest are past the end or compacted away\n"
    nothing = cli("redrive", "--topic", source, "--partition", "0", "--offset", "6", "--to", target)
    assert (nothing.returncode, nothing.stderr) == (2, f"error: no event at {source}/0 offset 6: nothing to redrive\n")
    assert [(e.action, e.result, e.details.get("requested")) for e in read_entries(audit_log).entries] == [
        ("messages.redrive", "ok", 3),
        ("messages.redrive", "ok", 2),
        ("messages.redrive", "error", 1),  # the attempt is on record, though nothing was found to send
    ]
