"""Browser fixtures: `streamlit run app.py` against the test broker, driven by
Debian's chromium through Playwright (never `playwright install`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
SERVER_START_TIMEOUT_S = 60
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

if not Path(CHROMIUM).exists():
    _why = f"browser tests need {CHROMIUM} (Debian's chromium); `make test` installs it with apt"
    if os.environ.get("CI") == "true":
        # CI must prove the browser journeys: a missing browser is a red run, never a quiet skip.
        raise pytest.UsageError(_why)
    # A developer without it still runs the other tiers: this tier is left out, and says why.
    collect_ignore_glob = ["test_*.py"]
    print(f"NOTE: skipping tests/e2e: {_why}", file=sys.stderr)


class StreamlitServer:
    def __init__(self, env: dict[str, str], log_path: Path, cwd: Path = ROOT, port: int | None = None):
        # cwd: where .streamlit/config.toml and secrets.toml are read (Streamlit's and kafka_io's alike)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.port",
                str(self.port),
                "--server.headless",
                "true",
            ],
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"streamlit not healthy in {SERVER_START_TIMEOUT_S} s")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def e2e_env(cluster_env) -> dict[str, str]:
    env = dict(cluster_env)
    env.pop("KAFKA_DASHBOARD_READ_ONLY", None)
    return env


@pytest.fixture(scope="session")
def server(e2e_env, artifacts):
    srv = StreamlitServer(e2e_env, artifacts / "streamlit-session.log")
    yield srv
    srv.stop()


@contextlib.contextmanager
def _servers(log_path_for) -> Iterator:
    """A start(env) function; every server it started is stopped on exit."""
    started: list[StreamlitServer] = []

    def start(env: dict[str, str], **kwargs) -> StreamlitServer:
        srv = StreamlitServer(env, log_path_for(len(started)), **kwargs)
        started.append(srv)
        return srv

    try:
        yield start
    finally:
        for srv in started:
            srv.stop()


@pytest.fixture
def start_server(artifacts, request):
    """Start a fresh server (for deep links on a new process, or other settings)."""
    with _servers(lambda n: artifacts / f"streamlit-{request.node.name}{f'-{n}' if n else ''}.log") as start:
        yield start


@pytest.fixture(scope="module")
def start_module_server(artifacts, request):
    """Like start_server, for a server that one module's tests share."""
    with _servers(lambda n: artifacts / f"streamlit-{request.module.__name__}{f'-{n}' if n else ''}.log") as start:
        yield start


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda msg: msg.type == "error" and pg.console_errors.append(msg.text))
    pg.dialogs = []
    pg.on("dialog", lambda dialog: (pg.dialogs.append(dialog.message), dialog.dismiss()))
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        pg.screenshot(path=str(artifacts / f"FAILED-{request.node.name}.png"))
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
