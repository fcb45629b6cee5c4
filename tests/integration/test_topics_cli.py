"""`python -m kafka_io topics`: the JSON shape, the table, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
from support.kafka import create_topic, produce

from kafka_io.cli import main


@pytest.fixture(scope="module")
def cli_topic(kafka_bootstrap):
    name = f"test-cli-{uuid.uuid4().hex[:8]}"
    create_topic(kafka_bootstrap, name, 2)
    produce(kafka_bootstrap, name, {0: 3, 1: 1})
    return name


def test_json_shape_is_exact(cli_topic, kafka_bootstrap, capsys):
    assert main(["topics", "--bootstrap", kafka_bootstrap, "--topic", cli_topic, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    host, port = kafka_bootstrap.rsplit(":", 1)
    assert set(payload) == {"cluster_id", "problems", "brokers", "topics"} and isinstance(payload["cluster_id"], str)
    assert payload["brokers"] == [{"id": payload["brokers"][0]["id"], "host": host, "port": int(port)}]
    leader = payload["brokers"][0]["id"]
    assert payload["topics"] == [
        {
            "name": cli_topic,
            "partitions": 2,
            "replication_factor": 1,
            "under_replicated": 0,
            "messages": 4,
            "partitions_detail": [
                {"partition": 0, "leader": leader, "replicas": [leader], "isr": [leader], "low": 0, "high": 3},
                {"partition": 1, "leader": leader, "replicas": [leader], "isr": [leader], "low": 0, "high": 1},
            ],
        }
    ]


def test_all_topics_hide_internal_unless_asked(cli_topic, kafka_bootstrap, capsys):
    main(["topics", "--bootstrap", kafka_bootstrap, "--format", "json"])
    names = [t["name"] for t in json.loads(capsys.readouterr().out)["topics"]]
    main(["topics", "--bootstrap", kafka_bootstrap, "--format", "json", "--include-internal"])
    with_internal = [t["name"] for t in json.loads(capsys.readouterr().out)["topics"]]
    assert cli_topic in names and not [n for n in names if n.startswith("__")]
    assert "__consumer_offsets" in with_internal


def test_table_lists_partitions(cli_topic, kafka_bootstrap, capsys):
    assert main(["topics", "--bootstrap", kafka_bootstrap, "--topic", cli_topic]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["PARTITION", "LEADER", "REPLICAS", "ISR", "LOW", "HIGH", "MESSAGES", "ERROR"]
    assert [line.split()[4:7] for line in lines[2:]] == [["0", "3", "3"], ["0", "1", "1"]]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kafka_io", "topics", *args], capture_output=True, text=True, timeout=60
    )


def test_unknown_topic_exits_1_with_one_line(kafka_bootstrap):
    done = run_cli("--bootstrap", kafka_bootstrap, "--topic", "no-such-topic-cli")
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "error: topic 'no-such-topic-cli' does not exist\n")


def test_unreachable_cluster_exits_1_with_one_line(unreachable_bootstrap):
    done = run_cli("--bootstrap", unreachable_bootstrap, "--timeout", "2")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"error: Cannot reach Kafka at {unreachable_bootstrap}: connection refused (is the broker running?)\n"
    )
