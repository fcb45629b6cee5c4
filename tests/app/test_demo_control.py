"""The sidebar's "demo" label and Pause/Resume, against a real demo process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kafka_io.demo.control import STATUS_FILE, demo_paused, demo_status, stop_demo
from kafka_io.settings.sections import DATA_DIR_ENV

ROOT = Path(__file__).resolve().parents[2]


def sidebar_text(at) -> str:
    return " ".join(str(m.value) for m in at.sidebar.markdown)


@pytest.fixture(scope="module")
def running_demo(cluster_env, kafka_bootstrap, tmp_path_factory):
    """A slow real demo (unique prefix) that writes its control files to a temp data dir."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    prefix = f"test-appdemo-{time.time_ns() % 10**8}"
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kafka_io",
            "demo",
            "--bootstrap",
            kafka_bootstrap,
            "--prefix",
            prefix,
            "--speed",
            "0.2",
            "--seconds",
            "120",
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        env=cluster_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while demo_status(data_dir) is None:
            assert demo.poll() is None and time.monotonic() < deadline, demo.stderr.read() if demo.poll() else ""
            time.sleep(0.1)
        yield data_dir
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=20)


def test_no_demo_no_label(make_app, app_env, tmp_path):
    app_env.setenv(DATA_DIR_ENV, str(tmp_path))
    at = make_app().run()
    assert not at.exception
    assert "demo" not in sidebar_text(at)
    assert [b.label for b in at.sidebar.button] == []
    assert at.sidebar.get("page_link") == []


def test_demo_label_and_pause_resume_toggle(make_app, app_env, running_demo):
    app_env.setenv(DATA_DIR_ENV, str(running_demo))
    at = make_app().run()
    assert not at.exception
    assert "demo" in sidebar_text(at) and "paused" not in sidebar_text(at)
    assert [b.label for b in at.sidebar.button] == ["Pause"]
    [link] = [el.proto for el in at.sidebar.get("page_link")]
    assert (link.page, link.label) == ("live_events", "Watch the demo's events")
    prefix = demo_status(running_demo).prefix
    assert link.query_string == (
        f"topic={prefix}.user-events&topic={prefix}.orders&topic={prefix}.payments&from=latest"
    )

    at.sidebar.button[0].click().run()
    assert demo_paused(running_demo) is True
    assert "demo · paused" in sidebar_text(at)
    assert [b.label for b in at.sidebar.button] == ["Resume"]

    at.sidebar.button[0].click().run()
    assert demo_paused(running_demo) is False
    assert [b.label for b in at.sidebar.button] == ["Pause"]


def test_a_demo_on_another_cluster_is_not_shown(make_app, app_env, running_demo, unreachable_bootstrap):
    app_env.setenv(DATA_DIR_ENV, str(running_demo))
    app_env.setenv("KAFKA_BOOTSTRAP_SERVERS", unreachable_bootstrap)
    app_env.setenv("KAFKA_TIMEOUT_S", "1")
    at = make_app().run()
    assert not at.exception
    assert "demo" not in sidebar_text(at)
    assert [b.label for b in at.sidebar.button] == []


def sidebar_texts(at) -> list[str]:
    return [str(t.value) for t in at.sidebar.text]


def test_a_stopped_demo_says_why_and_restarts(make_app, app_env, cluster_env, kafka_bootstrap, tmp_path):
    data_dir, prefix = tmp_path / "demo-data", f"test-restart-{time.time_ns() % 10**8}"
    ran = subprocess.run(
        [sys.executable, "-m", "kafka_io", "demo", "--bootstrap", kafka_bootstrap, "--prefix", prefix]
        + ["--speed", "0.2", "--seconds", "1", "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=cluster_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    app_env.setenv(DATA_DIR_ENV, str(data_dir))
    at = make_app().run()
    assert not at.exception
    assert "demo stopped: ran its 1 s" in sidebar_texts(at)
    assert [b.label for b in at.sidebar.button] == ["Restart"]
    try:
        at.sidebar.button[0].click().run()
        assert "demo · starting…" in sidebar_text(at)
        deadline = time.monotonic() + 30
        while (status := demo_status(data_dir)) is None:
            assert time.monotonic() < deadline, (data_dir / "demo.log").read_text()[-2000:]
            time.sleep(0.2)
        assert (status.prefix, status.bootstrap) == (prefix, kafka_bootstrap)
        at.run()
        assert [b.label for b in at.sidebar.button] == ["Pause"] and not sidebar_texts(at)
    finally:
        stop_demo(data_dir)


def test_a_demo_killed_without_a_word_is_reported(make_app, app_env, kafka_bootstrap, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has exited: its status file is what a SIGKILL leaves behind
    status = {"pid": pid, "bootstrap": kafka_bootstrap, "prefix": "p", "topics": [], "groups": [], "started_at_s": 0}
    (tmp_path / STATUS_FILE).write_text(json.dumps(status))
    app_env.setenv(DATA_DIR_ENV, str(tmp_path))
    at = make_app().run()
    assert not at.exception
    assert sidebar_texts(at) == [f"demo stopped: the demo process (pid {pid}) exited without saying why"]
    assert [b.label for b in at.sidebar.button] == ["Restart"]
