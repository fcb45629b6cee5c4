"""Fresh clone -> `make run` -> first page painted with live data, and a clean stop.

    .venv/bin/python bench/demo_startup.py [--keep]

Clones this repository's HEAD into a temporary directory (so the clone has no
.venv: `make run` creates it and installs the pinned requirements), runs
`make run PORT=<free> KAFKA_EMBEDDED_PORT=<free>`, polls /_stcore/health, then
loads the page in Chromium until the sidebar shows the live cluster id and
the running demo. Then Ctrl-C (SIGINT to make's process group, as a terminal
does) and a check that no process from the clone is left. A second, warm
`make run` in the same clone (same data dir) is stopped with SIGTERM to make.
Target: <= 90 s cold, install included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from benchlib import CHROMIUM, ROOT
from e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from support.browser import wait_healthy  # noqa: E402
from support.ports import free_port  # noqa: E402

TIMEOUT_S = 300
LIVE_SIDEBAR = """() => {
  const s = document.querySelector('[data-testid="stSidebar"]');
  return s && /cluster id: \\S/.test(s.innerText) && !/cluster id: unknown/.test(s.innerText)
    && /demo/.test(s.innerText) && s.querySelector('button');
}"""


def leftovers(clone: Path) -> list[str]:
    out = subprocess.run(["pgrep", "-af", str(clone)], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "pgrep" not in line]


def run_once(clone: Path, stop_signal: str) -> dict:
    from playwright.sync_api import sync_playwright

    port, broker_port = free_port(), free_port()
    started = time.monotonic()
    make = subprocess.Popen(
        ["make", "run", f"PORT={port}", f"KAFKA_EMBEDDED_PORT={broker_port}"],
        cwd=clone,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    marks = {"health_s": wait_healthy(url, make, TIMEOUT_S)}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.wait_for_function(LIVE_SIDEBAR, timeout=TIMEOUT_S * 1000)
        marks["page_with_live_data_s"] = time.monotonic() - started
        browser.close()
    stopping = time.monotonic()
    if stop_signal == "ctrl-c":
        os.killpg(make.pid, signal.SIGINT)
    else:
        make.send_signal(signal.SIGTERM)
    make.wait(timeout=60)
    marks["stop_s"] = time.monotonic() - stopping
    time.sleep(1)
    marks["left_running"] = leftovers(clone)
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary clone")
    args = parser.parse_args()
    clone = Path(tempfile.mkdtemp(prefix="fresh-demo-")) / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    try:
        for label, how in (("cold: fresh clone, fresh venv, Ctrl-C", "ctrl-c"), ("warm: restart, SIGTERM", "sigterm")):
            marks = run_once(clone, how)
            print(
                f"{label}: healthy {marks['health_s']:.1f} s, page with live data "
                f"{marks['page_with_live_data_s']:.1f} s (target <= 90 s), stopped in {marks['stop_s']:.1f} s, "
                f"left running: {marks['left_running'] or 'nothing'}",
                flush=True,
            )
    finally:
        if not args.keep:
            shutil.rmtree(clone.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
