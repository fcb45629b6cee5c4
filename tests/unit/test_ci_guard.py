"""Under CI=true the browser tier fails, never skips, when Chromium is missing; so do the kafkajs
peer tests when Node.js is. A developer without them gets a skip that says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def collect_e2e(ci: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": ci, "CHROMIUM_PATH": "/nonexistent/chromium"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ci_fails_when_chromium_is_missing():
    result = collect_e2e("true")
    assert result.returncode != 0
    assert "browser tests need /nonexistent/chromium" in result.stdout + result.stderr


def test_a_developer_without_chromium_gets_a_skip():
    result = collect_e2e("")
    assert result.returncode == 5, result.stdout[-2000:]  # pytest: no tests collected
    assert "browser tests need /nonexistent/chromium" in result.stdout + result.stderr


def run_kafkajs_tests(ci: str) -> subprocess.CompletedProcess:
    # The kafkajs fixture decides before any broker starts, so this run is quick.
    env = {**os.environ, "CI": ci, "KDASH_NODE": "/nonexistent/node"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/integration/test_peer_clients.py",
            "-k",
            "kafkajs",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ci_fails_when_node_is_missing():
    result = run_kafkajs_tests("true")
    assert result.returncode == 1, result.stdout[-2000:]
    assert "Failed: the kafkajs peer tests need Node.js (/nonexistent/node not found)" in result.stdout
    assert " skipped" not in result.stdout


def test_a_developer_without_node_gets_a_skip():
    result = run_kafkajs_tests("")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "SKIPPED" in result.stdout and "need Node.js (/nonexistent/node not found)" in result.stdout
    assert " passed" not in result.stdout and " error" not in result.stdout
