"""Demo mode at steady state: CPU and RSS of the app, the broker and the demo, and the data dir.

    .venv/bin/python bench/demo_steady.py [--seconds 300] [--page ""] [--baseline-s 30]

Runs `python -m kafka_io serve` (embedded broker + demo + app, free ports, a
temporary data dir) with one Chromium tab on --page ("" is the Overview) for
--seconds, and prints per process: % of one core and RSS, plus the data dir
size every 30 s (retention plateaus after ~6 minutes). Target: app + broker +
demo < 30% of one core; data dir < 50 MB.

Baseline in the same run, with the browser closed: one raw confluent-kafka
consumer on the demo topics, subscribed the textbook way (poll(1.0) loop,
default settings). Prints its cost (client + the broker's extra) against the
demo process, which runs a producer and two group members that pause at EOF.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from benchlib import CHROMIUM, ROOT, proc_cpu_s, proc_rss_mb
from confluent_kafka import Consumer  # noqa: E402
from e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from support.browser import wait_healthy  # noqa: E402
from support.ports import free_port  # noqa: E402

from kafka_io.demo.plan import DemoPlan  # noqa: E402

STARTUP_TIMEOUT_S = 120
SIZE_EVERY_S = 30


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry))
            except OSError:
                continue
    return [pid] + [p for kid in kids for p in tree(kid)]


def _total(stat, pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += stat(pid)
        except (OSError, RuntimeError):  # the process just exited
            pass
    return total


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 1e6


def measure(procs: dict, seconds: float, data_dir: Path, sizes: list) -> dict[str, tuple[float, float]]:
    """% of one core and RSS MB per named process tree over `seconds`."""
    before = {name: _total(proc_cpu_s, pids()) for name, pids in procs.items()}
    started = time.monotonic()
    while (left := seconds - (time.monotonic() - started)) > 0:
        time.sleep(min(SIZE_EVERY_S, left))
        sizes.append((round(time.monotonic() - started), round(dir_mb(data_dir), 2)))
    elapsed = time.monotonic() - started
    return {
        name: (100 * (_total(proc_cpu_s, pids()) - before[name]) / elapsed, _total(proc_rss_mb, pids()))
        for name, pids in procs.items()
    }


def start_serve(data_dir: Path) -> tuple[subprocess.Popen, str, str]:
    port, broker_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env["KAFKA_EMBEDDED_PORT"] = str(broker_port)
    serve = subprocess.Popen(
        [sys.executable, "-m", "kafka_io", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, serve, STARTUP_TIMEOUT_S)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not (data_dir / "demo-status.json").exists():
        if time.monotonic() > deadline:
            serve.send_signal(signal.SIGTERM)
            raise SystemExit("the demo did not start")
        time.sleep(0.2)
    return serve, url, f"127.0.0.1:{broker_port}"


def raw_consumer_cost(bootstrap: str, broker_pid: int, seconds: float) -> tuple[float, float]:
    """(% of a core in this process, % in the broker) for one textbook consumer."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-raw-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "latest",
            "receive.message.max.bytes": 2_000_000_000,
        }
    )
    consumer.subscribe([t.name for t in DemoPlan().topics])
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            consumer.poll(1.0)

    worker = threading.Thread(target=loop)
    worker.start()
    time.sleep(5)  # join the group first
    me, broker = proc_cpu_s(os.getpid()), proc_cpu_s(broker_pid)
    time.sleep(seconds)
    ours = 100 * (proc_cpu_s(os.getpid()) - me) / seconds
    extra = 100 * (proc_cpu_s(broker_pid) - broker) / seconds
    stop.set()
    worker.join()
    consumer.close()
    return ours, extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--page", default="", help='URL path of the open page ("" = Overview)')
    parser.add_argument("--baseline-s", type=float, default=30, help="0 skips the baseline")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    data_dir = Path(tempfile.mkdtemp(prefix="bench-demo-")) / "kafka-local"
    serve, url, bootstrap = start_serve(data_dir)
    try:
        broker_pid = json.loads((data_dir / "broker.json").read_text())["pid"]
        demo_pid = json.loads((data_dir / "demo-status.json").read_text())["pid"]
        app_pid = next(
            p for p in tree(serve.pid)[1:] if p != demo_pid and b"streamlit" in Path(f"/proc/{p}/cmdline").read_bytes()
        )
        procs = {"app": lambda: tree(app_pid), "broker": lambda: [broker_pid], "demo": lambda: tree(demo_pid)}
        sizes: list = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{url}/{args.page}")
            time.sleep(10)
            result = measure(procs, args.seconds, data_dir, sizes)
            browser.close()
        total = sum(cpu for cpu, _ in result.values())
        print(f"steady state, /{args.page} open for {args.seconds:g} s (% of one core, RSS):")
        for name, (cpu, rss) in result.items():
            print(f"  {name:7s} {cpu:5.1f}%  {rss:5.0f} MB")
        print(f"  total   {total:5.1f}%  (target < 30%)")
        print(f"data dir MB by second: {sizes}")
        if args.baseline_s <= 0:
            return
        raw, broker_extra = raw_consumer_cost(bootstrap, broker_pid, args.baseline_s)
        demo_cpu = result["demo"][0]
        print(
            f"baseline: one textbook confluent consumer on the demo topics costs {raw:.1f}% "
            f"(+ {broker_extra:.1f}% in the broker); the whole demo process: {demo_cpu:.1f}% "
            f"-> ratio demo/raw consumer {demo_cpu / raw if raw else float('nan'):.2f}"
        )
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        shutil.rmtree(data_dir.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
