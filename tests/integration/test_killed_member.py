"""Issue #13 item 6: a consumer killed with SIGKILL.

Kafka does not say when a member went silent: the member stays listed until
the coordinator's session timeout removes it, then the group is EMPTY. The
dashboard must show that sequence as it happens (STALL while the silent member
is listed, with a note saying a member may be silent; then STOP, with lag
growing). The member runs in a child process of its own so that a real
SIGKILL ends it: no LeaveGroup, no goodbye.

Apache Kafka only: noida-db never enforces session timeouts (design notes,
rule 3), so a killed member stays for ever there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from confluent_kafka import Producer
from support.groups import wait_for
from support.kafka import TIMEOUT_S, create_topic, produce

from kafka_io.groups.health import silent_members_note
from kafka_io.groups.sampler import LagSampler
from kafka_io.groups.status import Status

SESSION_TIMEOUT_MS = 6000  # the broker's group.min.session.timeout.ms (6 s by default)
# Consume everything, commit, say so, then keep heartbeating until killed.
MEMBER = """
import sys
from confluent_kafka import Consumer
SESSION_MS = int(sys.argv[5])
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2], "client.id": "doomed-worker",
              "session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": 500, "auto.offset.reset": "earliest",
              "enable.auto.commit": False})
c.subscribe([sys.argv[3]])
seen = 0
while True:
    for m in c.consume(100, timeout=0.2):
        if m.error() is None:
            seen += 1
            if seen == int(sys.argv[4]):
                c.commit(asynchronous=False)
                print("committed", flush=True)
"""


@pytest.fixture(autouse=True)
def apache_only(engine):
    if engine != "apache":
        pytest.skip("noida-db never enforces group session timeouts: a killed member stays listed for ever")


def test_a_killed_member_stays_until_its_session_times_out_then_stop(settings, kafka_bootstrap, unique):
    topic, group = unique("doomed"), unique("doomed-group")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 5})
    child = subprocess.Popen(
        [sys.executable, "-c", MEMBER, kafka_bootstrap, group, topic, "5", str(SESSION_TIMEOUT_MS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    # A short window, so the caught-up samples before the kill leave it within seconds.
    sampler = LagSampler(settings, interval_s=0.2, window_s=2.0)
    try:
        assert child.stdout.readline().strip() == "committed", "the member never committed"
        wait_for(lambda: _members(sampler, group) == 1, TIMEOUT_S, "the member in the group")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(TIMEOUT_S)
        killed_at = time.monotonic()
        seen = []  # (seconds since the kill, members, status, lag, silent note)
        while time.monotonic() - killed_at < SESSION_TIMEOUT_MS / 1000 + 3 * TIMEOUT_S:
            producer.produce(topic, b'{"event_type": "e"}', partition=0)
            producer.flush(TIMEOUT_S)
            sampler.refresh_groups([group])
            health = sampler.health()[group]
            seen.append(
                (
                    time.monotonic() - killed_at,
                    len(health.group.members),
                    health.status,
                    health.totals.total_lag,
                    silent_members_note(health),
                )
            )
            if health.status is Status.STOP and health.group.state == "EMPTY":
                break
            time.sleep(0.2)  # pacing between samples (the loop polls the condition, with a deadline)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(TIMEOUT_S)
        sampler.stop()
    listed = [s for s in seen if s[1] == 1]
    gone = [s for s in seen if s[1] == 0]
    # Listed until the session timeout (at most one heartbeat interval before the kill), then gone.
    assert listed and listed[-1][0] >= SESSION_TIMEOUT_MS / 1000 - 1.5, seen
    assert gone and gone[0][0] > listed[-1][0], seen
    # While it is silent but listed: STALL, and the page's note says a member may be silent.
    stalled = [s for s in listed if s[2] is Status.STALL]
    assert stalled and all("may be silent" in s[4] and "doomed-worker" in s[4] for s in stalled), seen
    # Then STOP, and the lag kept growing all along.
    assert seen[-1][2] is Status.STOP and seen[-1][4] is None, seen
    assert seen[-1][3] > listed[0][3] > 0, seen


def _members(sampler: LagSampler, group: str) -> int:
    sampler.refresh_groups([group])
    return len(sampler.health()[group].group.members)
