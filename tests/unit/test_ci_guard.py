"""Under CI=true the browser tier fails, never skips, when Chromium is missing."""

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
