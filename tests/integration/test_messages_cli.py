"""`python -m kafka_io messages` against a real broker: jsonl, csv and table output, seeks,
the stuck events of a group, the scan summary on stderr, and exit codes."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time

import orjson
import pytest
from confluent_kafka import Producer
from support.groups import committed_offsets
from support.kafka import TIMEOUT_S, commit_offsets, create_topic

from kafka_io.cli import main
from kafka_io.messages.export import from_csv
from kafka_io.messages.model import Message

BASE_MS = (int(time.time()) - 600) * 1000


@pytest.fixture(scope="module")
def topic(kafka_bootstrap):
    """Partition 0: 30 events, record i at BASE + i s; partition 1: 5 events. Event 3 carries headers and binary."""
    name = f"test-msg-cli-{time.time_ns() % 10**8}"
    create_topic(kafka_bootstrap, name, 2)
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 5})
    for i in range(30):
        value = orjson.dumps({"event_type": "order" if i % 2 else "refund", "amount": i * 10})
        headers = [("trace", b"t-3"), ("bin", b"\x00\x01")] if i == 3 else None
        producer.produce(name, value, key=f"k{i}".encode(), partition=0, timestamp=BASE_MS + i * 1000, headers=headers)
    for i in range(5):
        producer.produce(name, b"plain text", partition=1, timestamp=BASE_MS + i * 1000)
    assert producer.flush(TIMEOUT_S) == 0
    return name


@pytest.fixture
def cli(capsys, kafka_bootstrap):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["messages", "--bootstrap", kafka_bootstrap, "--timeout", "5", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def jsonl(out: str) -> list[dict]:
    return [orjson.loads(line) for line in out.splitlines()]


def test_jsonl_from_an_offset_is_one_object_per_event_in_offset_order(cli, topic):
    code, out, err = cli("--topic", topic, "--partition", "0", "--offset", "2", "--limit", "3", "--format", "jsonl")
    assert code == 0, err
    rows = jsonl(out)
    assert [r["offset"] for r in rows] == [2, 3, 4]
    assert rows[1] == {
        "topic": topic,
        "partition": 0,
        "offset": 3,
        "timestamp_ms": BASE_MS + 3000,
        "key": "k3",
        "headers": [["trace", "t-3"], ["bin", "AAE="]],  # binary header values as base64, as tail does
        "type": "order",
        "value": '{"event_type":"order","amount":30}',
    }
    assert "3 scanned, 3 matched; stopped by --limit 3 reached" in err


def test_time_seek_and_all_partitions(cli, topic):
    code, out, _ = cli("--topic", topic, "--from-timestamp", str(BASE_MS + 3000), "--limit", "100", "--format", "jsonl")
    rows = jsonl(out)
    assert code == 0
    assert [r["offset"] for r in rows if r["partition"] == 0] == list(range(3, 30))
    assert [r["offset"] for r in rows if r["partition"] == 1] == [3, 4]


def test_default_is_the_newest_and_last_n(cli, topic):
    code, out, _ = cli("--topic", topic, "--partition", "0", "--limit", "4", "--format", "jsonl")
    assert (code, [r["offset"] for r in jsonl(out)]) == (0, [26, 27, 28, 29])
    code, out, _ = cli("--topic", topic, "--partition", "0", "--last", "2", "--format", "jsonl")
    assert (code, [r["offset"] for r in jsonl(out)]) == (0, [28, 29])


def test_csv_has_a_header_row_then_one_row_per_event(cli, topic):
    code, out, _ = cli("--topic", topic, "--partition", "1", "--from-beginning", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out, newline="")))
    header = ["topic", "partition", "offset", "timestamp_ms", "key", "headers", "type", "value"]
    assert rows[0] == [*header, "value_size", "schema", "decoded"]
    assert rows[1:] == [
        [topic, "1", str(i), str(BASE_MS + i * 1000), "", "[]", "(unparseable)", "plain text", "10", "", ""]
        for i in range(5)
    ]
    events = [Message(**row) for row in from_csv(out)]  # the export's round trip
    assert [(m.offset, m.value, m.key) for m in events] == [(i, b"plain text", None) for i in range(5)]


def test_table_output(cli, topic):
    code, out, _ = cli("--topic", topic, "--partition", "0", "--offset", "3", "--limit", "1")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["PARTITION", "OFFSET", "TIME", "KEY", "TYPE", "HEADERS", "SIZE", "VALUE"]
    assert lines[1].split()[:2] == ["0", "3"] and lines[1].split()[4:] == [
        "k3",
        "order",
        "2",
        "34",
        '{"event_type":"order","amount":30}',
    ]


def test_at_committed_prints_the_stuck_events_and_leaves_the_group(cli, kafka_bootstrap, topic, unique):
    group = unique("msg-cli-group")
    commit_offsets(kafka_bootstrap, group, topic, {0: 7, 1: 5})
    before = committed_offsets(kafka_bootstrap, group)
    code, out, err = cli("--group", group, "--topic", topic, "--at-committed", "--following", "1", "--format", "jsonl")
    assert code == 0, err
    assert [(r["partition"], r["offset"]) for r in jsonl(out)] == [(0, 7), (0, 8)]  # partition 1 is caught up
    assert f"{topic}[0] committed 7, lag 23" in err
    assert committed_offsets(kafka_bootstrap, group) == before


BAD_INPUT = [
    (
        ("--offset", "1", "--last", "2"),
        "error: choose one start: --offset, --from-timestamp, --from-beginning or --last",
    ),
    (("--limit", "0"), "error: --limit must be ≥ 1, got 0"),
    (("--offset", "x"), "error: --offset needs a whole number, got 'x'"),
    (("--format", "xml"), "error: --format must be one of table, jsonl, csv, got 'xml'"),
    (("--max-scan", "10"), "error: --max-scan bounds a --filter scan; add --filter"),
    (("--at-committed",), "error: --group and --at-committed go together: --group G --topic T --at-committed"),
    (
        ("--group", "g", "--at-committed", "--offset", "3"),
        "error: --at-committed reads at the group's offsets: drop --offset",
    ),
    (("--partition", "9"), None),  # the topic has 2 partitions: named in the line
    (("--max-seconds", "-1", "--filter", "true"), "error: --max-seconds must be > 0, got -1"),
]


@pytest.mark.parametrize("args, line", BAD_INPUT, ids=[f"{i:02d}" for i in range(1, len(BAD_INPUT) + 1)])
def test_bad_input_is_exit_2_and_one_line(cli, topic, args, line):
    code, out, err = cli("--topic", topic, *args)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    if line is not None:
        assert err.strip() == line
    else:
        assert "has no partition 9 (it has 2: 0 to 1)" in err


def test_missing_topic_is_exit_1_and_one_line(cli, topic):
    code, out, err = cli("--topic", f"{topic}-missing")
    assert (code, out, err.strip()) == (1, "", f"error: topic '{topic}-missing' does not exist")


def test_the_command_loads_no_kafka_client_to_parse_its_flags():
    code = "import sys, kafka_io.cli.messages as m; print(sorted(n for n in ('confluent_kafka', 'orjson') if n in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_jsonl_and_csv_are_exports_audited_and_refused_when_export_is_off(cli, topic, tmp_path, monkeypatch):
    """The CLI's jsonl/csv output is an export, as the page's download: one audit line each, and
    [messages] export = false refuses it before anything is read, in one line."""
    from kafka_io.access.audit import read_entries

    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("KDASH_AUDIT_LOG", str(log))
    monkeypatch.chdir(tmp_path)  # no secrets.toml yet: export is on
    code, out, _ = cli("--topic", topic, "--partition", "1", "--from-beginning", "--format", "csv")
    assert code == 0 and len(from_csv(out)) == 5
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text("[messages]\nexport = false\n")
    code, out, err = cli("--topic", topic, "--partition", "1", "--from-beginning", "--format", "jsonl")
    assert (code, out) == (1, "")
    assert err.strip().endswith("([messages] export = false in secrets.toml)") and len(err.splitlines()) == 1
    entries = [(e.action, e.target, e.result, e.details) for e in read_entries(log).entries]
    assert entries == [
        ("messages.export", topic, "ok", {"format": "csv", "count": 5}),
        ("messages.export", topic, "refused", {"format": "jsonl"}),
    ]
