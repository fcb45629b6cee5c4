"""Alert webhooks from `python -m kafka_io watch` to a real HTTP receiver in the test:
exactly one POST per status transition and one "resolved" POST, plain JSON with a
Slack-compatible text; a failing receiver gets retried with backoff, and a slow
one never delays sampling (the /metrics lag keeps moving while it hangs). The
Dispatcher itself, against real receivers: exactly ATTEMPTS tries (the first and 4
retries) for an error status or a timeout, then "failed".
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.kafka import commit_offsets, create_topic, produce
from support.ports import free_port

from kafka_io.alerts.dispatch import ATTEMPTS, Dispatcher
from kafka_io.alerts.rules import Alert, AlertSettings, Target
from kafka_io.groups.status import Status

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30


class Receiver:
    """Records every POST; answers 500 to the first `fail_first`, and sleeps `delay_s` on each."""

    def __init__(self, fail_first: int = 0, delay_s: float = 0.0, status: int = 500) -> None:
        self.posts: list[dict] = []
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.attempts += 1
                time.sleep(delay_s)
                if receiver.attempts <= fail_first:
                    self.send_response(status)
                else:
                    receiver.posts.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def until(check, what: str, timeout_s: float = WAIT_S):
    deadline = time.monotonic() + timeout_s
    while not (result := check()):
        assert time.monotonic() < deadline, f"not within {timeout_s:g} s: {what}"
        time.sleep(0.2)
    return result


@pytest.fixture
def watch(cluster_env, tmp_path):
    processes = []

    def start(group: str, receiver: Receiver) -> str:
        home = tmp_path / f"home-{len(processes)}"
        (home / ".streamlit").mkdir(parents=True)
        (home / ".streamlit" / "secrets.toml").write_text(
            f'[alerts]\ninclude = ["{group}"]\npublic_url = "https://dash.example"\n'
            f'[[alerts.targets]]\nurl = "{receiver.url}"\n'
        )
        port = free_port()
        env = {**cluster_env, "KAFKA_LAG_INTERVAL_S": "1", "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "kafka_io", "watch", "--port", str(port)],
            cwd=home,
            env=env,
            stdout=open(home / "watch.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=15)


def metrics(url: str) -> str:
    try:
        return urllib.request.urlopen(f"{url}/metrics", timeout=5).read().decode()
    except OSError:  # not listening yet
        return ""


class SampleWitness:
    """A group the alerts ignore, whose committed offset the test moves: once /metrics shows
    the new offset, the watch's sampler has taken a sample after the move. An absence (no
    second POST) is judged after such positive events, not after a sleep."""

    def __init__(self, bootstrap: str, unique, url: str) -> None:
        self.bootstrap, self.url, self.offset = bootstrap, url, 0
        self.topic, self.group = unique("witness"), unique("witness-group")
        create_topic(bootstrap, self.topic, 1)
        produce(bootstrap, self.topic, {0: 10})

    def samples(self, n: int) -> None:
        """Returns after at least `n` more samples (each sees a commit made after the previous)."""
        for _ in range(n):
            self.offset += 1
            commit_offsets(self.bootstrap, self.group, self.topic, {0: self.offset})
            labels = f'cluster_name="default",group="{self.group}",topic="{self.topic}",partition="0"'
            line = f"kafka_consumergroup_group_offset{{{labels}}} {self.offset}"
            until(lambda line=line: line in metrics(self.url), f"a sample with the witness at {self.offset}")


def stopped_group(bootstrap: str, unique) -> tuple[str, str]:
    """A group with lag 6 and nobody consuming: STOP within two samples."""
    topic, group = unique("alerts"), unique("alerts-group")
    create_topic(bootstrap, topic, 1)
    produce(bootstrap, topic, {0: 10})
    commit_offsets(bootstrap, group, topic, {0: 4})
    return topic, group


def test_one_post_per_transition_and_one_when_resolved(watch, kafka_bootstrap, unique):
    topic, group = stopped_group(kafka_bootstrap, unique)
    receiver = Receiver()
    witness = SampleWitness(kafka_bootstrap, unique, watch(group, receiver))
    until(lambda: receiver.posts, "the STOP alert")
    fired = receiver.posts[0]
    assert {k: fired[k] for k in ("state", "cluster", "group", "status", "previous_status", "total_lag")} == {
        "state": "firing",
        "cluster": "default",
        "group": group,
        "status": "STOP",
        "previous_status": None,
        "total_lag": 6,
    }
    assert fired["link"] == f"https://dash.example/consumer_groups?group={group}"
    assert fired["text"].startswith(f"STOP: group {group} on default is 6 messages")
    assert receiver.attempts == 1
    witness.samples(2)  # two more samples, still STOP: no second POST
    assert len(receiver.posts) == 1
    commit_offsets(kafka_bootstrap, group, topic, {0: 10})
    until(lambda: len(receiver.posts) == 2, "the resolved alert")
    resolved = receiver.posts[1]
    assert (resolved["state"], resolved["status"], resolved["previous_status"], resolved["total_lag"]) == (
        "resolved",
        "OK",
        "STOP",
        0,
    )
    witness.samples(2)  # still OK: nothing more
    assert len(receiver.posts) == receiver.attempts == 2


def test_a_failing_webhook_is_retried_and_a_slow_one_never_delays_sampling(watch, kafka_bootstrap, unique):
    topic, group = stopped_group(kafka_bootstrap, unique)
    receiver = Receiver(fail_first=2, delay_s=1.5)
    url = watch(group, receiver)
    until(lambda: receiver.attempts, "the first attempt")
    # The receiver now takes 1.5 s per answer and refuses twice (about 7.5 s with the
    # backoff): meanwhile the sampler keeps sampling, and /metrics follows new records.
    produce(kafka_bootstrap, topic, {0: 5})
    line = f'kafka_consumergroup_group_lag{{cluster_name="default",group="{group}",topic="{topic}",partition="0"}} 11'
    until(lambda: line in metrics(url), "lag 11 on /metrics")
    assert receiver.posts == []  # still retrying
    until(lambda: receiver.posts, "the alert after two failures", timeout_s=45)
    assert receiver.attempts == 3 and receiver.posts[0]["status"] == "STOP"


def dispatch_one(receiver: Receiver, timeout_s: float = 5.0):
    """One alert through a fresh Dispatcher (backoff 10 ms) to `receiver`; its settled Delivery."""
    sender = Dispatcher(timeout_s=timeout_s, backoff_s=(0.01,))
    alert = Alert("default", "g1", "firing", Status.STOP, None, 6, 12.0, None, 1_700_000_000.0)
    sender.submit(alert, AlertSettings(targets=(Target(receiver.url),)))
    return until(lambda: next((d for d in sender.recent() if d.result != "sending"), None), "the delivery settles")


@pytest.mark.parametrize("status", [500, 503, 404])
def test_an_error_status_gets_exactly_five_tries(status):
    receiver = Receiver(fail_first=ATTEMPTS, status=status)
    delivery = dispatch_one(receiver)
    assert (delivery.result, delivery.attempts, delivery.error) == ("failed", 5, f"HTTP {status}")
    assert (receiver.attempts, receiver.posts) == (5, [])  # the worker settled: no 6th try can follow
    assert delivery.target == receiver.url.split("/")[2]  # the host, never the full URL


def test_a_receiver_that_answers_after_four_failures_gets_the_fifth_try():
    receiver = Receiver(fail_first=ATTEMPTS - 1)
    delivery = dispatch_one(receiver)
    assert (delivery.result, delivery.attempts, delivery.error) == ("delivered", 5, None)
    assert receiver.attempts == 5 and receiver.posts[0]["group"] == "g1"


def test_a_timeout_is_retried_exactly_like_an_error():
    receiver = Receiver(delay_s=1.0)  # answers 204, but after the 0.2 s timeout each time
    delivery = dispatch_one(receiver, timeout_s=0.2)
    assert (delivery.result, delivery.attempts, delivery.error) == ("failed", 5, "timed out")
    until(lambda: receiver.attempts == 5, "the receiver counts the fifth try")
    assert receiver.attempts == 5
