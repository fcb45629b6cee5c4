"""`python -m kafka_io produce`: every bad input gives one clear line and sends nothing;
the JSON summary has exactly the documented shape; failures make the exit code non-zero."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from produce_helpers import end_offsets, read_topic
from support.kafka import create_topic

from kafka_io.cli import main
from kafka_io.produce.inputs import SOURCE_HEADER_PAIR
from kafka_io.produce.user_templates import save_template
from kafka_io.produce.validation import encoded_size

SIZE_LIMIT = 1000
ALLOWED = "use only letters, digits, '.', '_' and '-'"
NO_PARTITION = "does not exist: the topic has 3 partitions (0 to 2); leave it empty for automatic"
COUNT = "count must be a whole number from 1 to 1,000,000, got"
RATE = "rate must be above 0 and at most 1,000,000 events/s (empty for as fast as possible), got"


@pytest.fixture(scope="module")
def topics(kafka_bootstrap):
    import uuid

    suffix = uuid.uuid4().hex[:8]
    names = {"main": f"test-cli-{suffix}", "small": f"test-cli-small-{suffix}"}
    create_topic(kafka_bootstrap, names["main"], partitions=3)
    create_topic(kafka_bootstrap, names["small"], partitions=1, config={"max.message.bytes": str(SIZE_LIMIT)})
    return names


@pytest.fixture
def cli(monkeypatch, capsys, kafka_bootstrap, tmp_path):
    """Run the CLI in this process: (exit code, stdout, stderr)."""
    monkeypatch.delenv("KAFKA_DASHBOARD_READ_ONLY", raising=False)
    monkeypatch.setenv("KDASH_TEMPLATES_PATH", str(tmp_path / "templates.json"))

    def run(*args: str, bootstrap: str = kafka_bootstrap) -> tuple[int, str, str]:
        code = main(["produce", "--bootstrap", bootstrap, "--timeout", "2", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def bad_file(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


BAD_INPUT = [
    # (args, exit code, the one line on stderr); {main}/{small}/{tmp} are filled in
    (["--topic", "", "--value", "1"], 2, "topic name is empty"),
    (["--topic", "my topic", "--value", "1"], 2, f"topic name has ' ' at position 3; {ALLOWED}"),
    (["--topic", "no-such-topic-here", "--value", "1"], 1, "topic 'no-such-topic-here' does not exist"),
    (
        ["--topic", "{main}", "--value", '{"event": }'],
        2,
        "invalid JSON in --value at line 1 column 11: unexpected character, expected a JSON value",
    ),
    (["--topic", "{main}", "--value", "1", "--partition", "-1"], 2, f"partition -1 {NO_PARTITION}"),
    (["--topic", "{main}", "--value", "1", "--partition", "3"], 2, f"partition 3 {NO_PARTITION}"),
    (["--topic", "{main}", "--value", "1", "--header", "kv"], 2, "header 'kv' must be key=value"),
    (
        ["--topic", "{main}", "--value", "1", "--header", "x-kdash-source=me"],
        2,
        "--header: x-kdash-source is set by the dashboard itself",
    ),
    (
        ["--topic", "{small}", "--raw", "--value", "x" * 1000],
        2,
        "message is 1,095 bytes as sent (value, key, headers and framing), over the limit of 1,000 bytes "
        "(max.message.bytes of topic '{small}')",
    ),
    (["--topic", "{main}", "--value", "1", "--count", "0"], 2, f"{COUNT} 0"),
    (["--topic", "{main}", "--value", "1", "--count", "-5"], 2, f"{COUNT} -5"),
    (["--topic", "{main}", "--value", "1", "--count", "1000001"], 2, f"{COUNT} 1000001"),
    (["--topic", "{main}", "--value", "1", "--rate", "0"], 2, f"{RATE} 0.0"),
    (["--topic", "{main}", "--value", "1", "--rate", "-2"], 2, f"{RATE} -2.0"),
    (
        ["--topic", "{main}", "--template", '{"a": {{foo}}}'],
        2,
        "template: unknown placeholder {{foo}} at line 1 column 7",
    ),
    (
        ["--topic", "{main}", "--template", "nosuch"],
        2,
        "unknown template 'nosuch'; known for topic '{main}': user_signup, login, purchase, page_view, "
        "payment_failed, mixed",
    ),
    (
        ["--topic", "{main}", "--file", "{tmp}/bad.jsonl"],
        2,
        "{tmp}/bad.jsonl line 2: invalid JSON at column 1: invalid literal, expected 'null' (and 1 more bad lines)",
    ),
    (
        ["--topic", "{main}", "--file", "{tmp}/latin1.jsonl"],
        2,
        "{tmp}/latin1.jsonl: file is not UTF-8: byte 0xe9 at position 14",
    ),
    (["--topic", "{main}", "--file", "{tmp}/far.jsonl"], 2, "{tmp}/far.jsonl line 1: partition 7 " + NO_PARTITION),
    (
        ["--topic", "{main}", "--file", "{tmp}/missing.jsonl"],
        2,
        "cannot read {tmp}/missing.jsonl: No such file or directory",
    ),
    (["--topic", "{main}"], 2, "give --value, --template or --file"),
    (
        ["--topic", "{main}", "--file", "{tmp}/bad.jsonl", "--count", "2"],
        2,
        "--count, --key and --header do not apply to --file: each line says its own",
    ),
]


def test_bad_input_gives_one_clear_line_and_sends_nothing(cli, topics, settings, tmp_path):
    bad_file(tmp_path, "bad.jsonl", b'{"value": 1}\nnot json\n{"key": "no value"}\n')
    bad_file(tmp_path, "latin1.jsonl", '{"value": "café"}\n'.encode("latin-1"))
    bad_file(tmp_path, "far.jsonl", b'{"value": 1, "partition": 7}\n')

    def fill(text: str) -> str:
        return (
            text.replace("{main}", topics["main"]).replace("{small}", topics["small"]).replace("{tmp}", str(tmp_path))
        )

    for args, code, message in BAD_INPUT:
        got = cli(*map(fill, args))
        assert got == (code, "", f"error: {fill(message)}\n"), args
    assert end_offsets(settings, topics["main"]) == {0: 0, 1: 0, 2: 0}
    assert end_offsets(settings, topics["small"]) == {0: 0}


def test_unreachable_and_read_only_clusters_are_refused(cli, topics, unreachable_bootstrap, monkeypatch):
    code, out, err = cli("--topic", topics["main"], "--value", "1", bootstrap=unreachable_bootstrap)
    assert (code, out) == (1, "")
    assert err == f"error: Cannot reach Kafka at {unreachable_bootstrap}: connection refused (is the broker running?)\n"
    monkeypatch.setenv("KAFKA_DASHBOARD_READ_ONLY", "1")
    assert cli("--topic", topics["main"], "--value", "1") == (
        1,
        "",
        "error: cluster 'default' is read-only: sending events is disabled\n",
    )


def test_failed_events_are_listed_and_the_exit_code_says_so(cli, topics):
    # Padding plus a one-digit seq fills the limit exactly: seq 10 and up are one byte too many.
    pad = max(
        n for n in range(800, SIZE_LIMIT) if encoded_size(b"x" * n + b"9", None, [SOURCE_HEADER_PAIR]) <= SIZE_LIMIT
    )
    assert encoded_size(b"x" * pad + b"9", None, [SOURCE_HEADER_PAIR]) == SIZE_LIMIT
    code, out, err = cli(
        "--topic", topics["small"], "--template", "x" * pad + "{{seq}}", "--count", "12", "--format", "json"
    )
    assert (code, err) == (1, "")
    too_large = "Broker: Message size too large"
    assert json.loads(out) == {
        "requested": 12,
        "delivered": 9,
        "failed": 3,
        "duration_s": json.loads(out)["duration_s"],
        "rate_per_s": json.loads(out)["rate_per_s"],
        "partitions": {"0": 9},
        "errors": [
            {"index": 9, "error": too_large},
            {"index": 10, "error": too_large},
            {"index": 11, "error": too_large},
        ],
    }


def test_values_headers_keys_and_saved_templates_arrive(cli, settings, tmp_path, kafka_bootstrap, unique):
    topic = unique("cli-arrive")
    create_topic(kafka_bootstrap, topic, partitions=3)
    save_template(
        settings.bootstrap_servers, topic, "mine", '{"saved": {{seq}}}', "k-{{seq}}", tmp_path / "templates.json"
    )
    assert (
        cli(
            "--topic",
            topic,
            "--value",
            '{"a": 1}',
            "--key",
            "k",
            "--header",
            "h=v=w",
            "--partition",
            "1",
            "--count",
            "2",
        )[0]
        == 0
    )
    assert cli("--topic", topic, "--template", "mine", "--count", "2", "--partition", "2")[0] == 0
    jsonl = bad_file(tmp_path, "ok.jsonl", b'{"value": {"f": 1}, "key": "fk", "headers": {"x": "y"}, "partition": 0}\n')
    code, out, _ = cli("--topic", topic, "--file", jsonl)
    assert code == 0 and out.startswith(f"sent 1 events to '{topic}': 1 delivered, 0 failed in ")
    got = sorted((r[0], r[2], r[3], r[4]) for r in read_topic(settings, topic, 5))
    assert got == [
        (0, b"fk", b'{"f":1}', (("x", b"y"), SOURCE_HEADER_PAIR)),
        (1, b"k", b'{"a":1}', (("h", b"v=w"), SOURCE_HEADER_PAIR)),
        (1, b"k", b'{"a":1}', (("h", b"v=w"), SOURCE_HEADER_PAIR)),
        (2, b"k-1", b'{"saved": 1}', (SOURCE_HEADER_PAIR,)),
        (2, b"k-2", b'{"saved": 2}', (SOURCE_HEADER_PAIR,)),
    ]


def test_the_real_command_prints_the_json_summary(cluster_env, topics, tmp_path):
    env = {**cluster_env, "KDASH_TEMPLATES_PATH": str(tmp_path / "t.json")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kafka_io",
            "produce",
            "--topic",
            topics["main"],
            "--template",
            "mixed",
            "--count",
            "500",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    summary = json.loads(done.stdout)
    assert list(summary) == ["requested", "delivered", "failed", "duration_s", "rate_per_s", "partitions", "errors"]
    assert (summary["requested"], summary["delivered"], summary["failed"], summary["errors"]) == (500, 500, 0, [])
    assert sum(summary["partitions"].values()) == 500 and set(summary["partitions"]) <= {"0", "1", "2"}
    assert isinstance(summary["duration_s"], float) and summary["rate_per_s"] > 0


def test_ctrl_c_stops_sending_and_still_prints_the_summary(cluster_env, topics, tmp_path, settings):
    import signal
    import time

    env = {**cluster_env, "KDASH_TEMPLATES_PATH": str(tmp_path / "t.json")}
    before = sum(end_offsets(settings, topics["main"]).values())
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kafka_io",
            "produce",
            "--topic",
            topics["main"],
            "--template",
            "login",
            "--count",
            "100000",
            "--rate",
            "100",
            "--format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A shell that runs CI in the background ignores SIGINT, and children inherit that:
        # give the CLI the terminal's default, as a user pressing Ctrl-C has.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # 100,000 at 100/s takes 1,000 s: Ctrl-C always lands mid-burst, however slow the machine.
    deadline = time.monotonic() + 60
    while sum(end_offsets(settings, topics["main"]).values()) - before < 20:
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read() if proc.poll() else "no events"
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (130, "")
    summary = json.loads(out)
    assert 20 <= summary["requested"] < 100_000
    assert summary["delivered"] + summary["failed"] == summary["requested"] and summary["failed"] == 0
    assert sum(end_offsets(settings, topics["main"]).values()) - before == summary["delivered"]
