"""python -m kafka_io lag: the documented JSON shape with exact numbers, and exit codes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from support.groups import consume_and_commit, produce_at
from support.kafka import create_topic

GROUP_KEYS = [
    "group",
    "state",
    "type",
    "members",
    "total_lag",
    "max_lag",
    "unknown_partitions",
    "status",
    "lag_seconds",
    "partitions",
]
PARTITION_KEYS = ["topic", "partition", "committed", "high", "lag", "lag_seconds", "status"]


def lag_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kafka_io", "lag", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.fixture(scope="module")
def groups(cluster_env):
    """stopped: EMPTY, 6 + 5 behind (records 20 s old) -> STOP; done: caught up -> OK."""
    bootstrap = cluster_env["KAFKA_BOOTSTRAP_SERVERS"]
    suffix = str(time.time_ns())[-8:]
    topic, stopped, done = f"test-cli-{suffix}", f"test-cli-stopped-{suffix}", f"test-cli-done-{suffix}"
    create_topic(bootstrap, topic, 2)
    old_ms = int(time.time() * 1000) - 20_000
    produce_at(bootstrap, topic, 0, [old_ms] * 10)
    produce_at(bootstrap, topic, 1, [old_ms] * 20)
    consume_and_commit(bootstrap, stopped, topic, {0: 4, 1: 15})
    consume_and_commit(bootstrap, done, topic, {0: 10, 1: 20})
    return topic, stopped, done


def test_json_has_exactly_the_documented_shape_and_numbers(cluster_env, groups):
    topic, stopped, _ = groups
    result = lag_cli(cluster_env, "--group", stopped, "--format", "json", "--gap", "0.5")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == ["sampled_at", "duration_ms", "groups"]
    assert isinstance(report["sampled_at"], float) and isinstance(report["duration_ms"], float)
    (group,) = report["groups"]
    assert list(group) == GROUP_KEYS
    assert {k: group[k] for k in GROUP_KEYS[:8]} == {
        "group": stopped,
        "state": "EMPTY",
        "type": "classic",
        "members": 0,
        "total_lag": 11,
        "max_lag": 6,
        "unknown_partitions": 0,
        "status": "STOP",
    }
    assert 20.0 <= group["lag_seconds"] < 20.0 + 10  # exact: the records at the commits are 20 s old
    assert [list(p) for p in group["partitions"]] == [PARTITION_KEYS] * 2
    assert [
        (p["topic"], p["partition"], p["committed"], p["high"], p["lag"], p["status"]) for p in group["partitions"]
    ] == [(topic, 0, 4, 10, 6, "STOP"), (topic, 1, 15, 20, 5, "STOP")]


@pytest.mark.parametrize(
    ("which", "fail_on", "code"),
    [
        pytest.param("stopped", "stop", 3, id="01-stop-at-stop"),  # 1. STOP fires at stop
        pytest.param("stopped", "warn", 3, id="02-stop-above-warn"),  # 2. and above warn
        pytest.param("done", "warn", 0, id="03-ok-below-warn"),  # 3. a caught-up group does not
    ],
)
def test_fail_on_exit_codes(cluster_env, groups, which, fail_on, code):
    _, stopped, done = groups
    group = {"stopped": stopped, "done": done}[which]
    result = lag_cli(cluster_env, "--group", group, "--fail-on", fail_on, "--gap", "0.4")
    assert result.returncode == code, result.stderr
    assert result.stdout.splitlines()[0].split() == [
        "GROUP",
        "STATE",
        "MEMBERS",
        "TOTAL_LAG",
        "MAX_LAG",
        "UNKNOWN",
        "LAG_S",
        "STATUS",
    ]
    assert result.stdout.splitlines()[1].split()[-1] == ("STOP" if which == "stopped" else "OK")


def test_one_sample_judges_only_caught_up_partitions(cluster_env, groups):
    _, stopped, done = groups
    report = json.loads(
        lag_cli(cluster_env, "--group", stopped, "--group", done, "--gap", "0", "--format", "json").stdout
    )
    # groups come sorted by id
    assert [(g["group"], g["status"]) for g in report["groups"]] == [(done, "OK"), (stopped, "UNKNOWN")]


def test_unknown_group_and_bad_input(cluster_env, groups):
    missing = lag_cli(cluster_env, "--group", "test-no-such-group-x", "--gap", "0")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: group 'test-no-such-group-x' does not exist"
    bad = lag_cli(cluster_env, "--gap", "-1")
    assert (bad.returncode, bad.stderr.strip()) == (2, "error: --gap must be between 0 and 300 seconds, got -1")


def _ignores_sigint(pid: int) -> bool:
    ignored = next(line for line in open(f"/proc/{pid}/status") if line.startswith("SigIgn:"))
    return bool(int(ignored.split()[1], 16) & (1 << (signal.SIGINT - 1)))


def test_the_group_child_ignores_ctrl_c_and_ends_when_its_parent_closes_its_stdin():
    """Ctrl-C in a terminal reaches the whole process group, the group child included: the
    parent decides what stops and closes the child's stdin (2026-12-08: interrupted mid-answer,
    a lag run printed a KeyboardInterrupt traceback at exit, 2 runs in 4)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kafka_io._client.group_worker"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A shell that runs CI in the background ignores SIGINT, and children inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 30
        while not _ignores_sigint(proc.pid):
            assert time.monotonic() < deadline and proc.poll() is None, "the child never ignored SIGINT"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        proc.stdin.close()  # the parent is done
        assert proc.wait(timeout=30) == 0
        assert proc.stderr.read() == b""
    finally:
        if proc.poll() is None:
            proc.kill()
