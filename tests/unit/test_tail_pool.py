"""The sharing policy of kafka_io.live.pool, with a stand-in worker (the real one is in
tests/integration/test_live_tail.py, which counts real consumers)."""

from __future__ import annotations

import time

import pytest

from kafka_io.config import ClusterSettings
from kafka_io.live.model import StartPosition, TailSnapshot
from kafka_io.live.pool import TailPool
from kafka_io.live.rates import TypeSpec

SETTINGS = ClusterSettings(bootstrap_servers="127.0.0.1:1", embedded=False)
AUTO = TypeSpec("field")
LATEST, EARLIEST = StartPosition(), StartPosition("earliest")


class FakeWorker:
    """Records what the pool asks; its snapshot counts seconds like a worker would."""

    def __init__(self, settings, topics, spec, start):
        self.topics, self.start_at = topics, start
        self.started = self.stopped = False
        self.paused = False
        self.cleared = 0
        self.totals = {"a": 5}
        self.seq = 5

    def start(self):
        self.started = True
        return self

    def stop(self):
        self.stopped = True

    @property
    def alive(self):
        return self.started and not self.stopped

    def pause(self):
        self.paused = True

    def resume(self):
        self.paused = False

    def clear(self):
        self.cleared += 1

    def snapshot(self, window_s=300):
        return TailSnapshot(
            status="running",
            messages=self.seq,
            seq=self.seq,
            totals=dict(self.totals),
            now_s=1000,
            window_s=window_s,
            shared=self.start_at.shared,
        )


def until(check, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout_s:g} s"
        time.sleep(0.02)


def pool(grace_s: float = 0.0) -> TailPool:
    return TailPool(idle_grace_s=grace_s, worker_factory=FakeWorker)


def test_twenty_viewers_at_latest_share_one_worker():
    p = pool()
    views = [p.acquire(SETTINGS, ("orders",), AUTO, LATEST) for _ in range(20)]
    assert len({id(v.worker) for v in views}) == 1
    assert (p.stats().workers, p.stats().viewers) == (1, 20)
    assert views[0].snapshot().viewers == 20


@pytest.mark.parametrize(
    "other",
    [
        (("payments",), AUTO),  # 1. other topics
        (("orders",), TypeSpec("key")),  # 2. other type spec
    ],
    ids=["01-topics", "02-spec"],
)
def test_a_different_key_gets_its_own_worker(other):
    p = pool()
    a = p.acquire(SETTINGS, ("orders",), AUTO, LATEST)
    b = p.acquire(SETTINGS, other[0], other[1], LATEST)
    assert a.worker is not b.worker and p.stats().shared_workers == 2


def test_topic_order_and_duplicates_do_not_matter():
    p = pool()
    a = p.acquire(SETTINGS, ("b", "a"), AUTO, LATEST)
    b = p.acquire(SETTINGS, ("a", "b", "a"), AUTO, LATEST)
    assert a.worker is b.worker and a.worker.topics == ("a", "b")


def test_own_start_positions_get_private_workers_stopped_on_release():
    p = pool(grace_s=60)
    a = p.acquire(SETTINGS, ("orders",), AUTO, EARLIEST)
    b = p.acquire(SETTINGS, ("orders",), AUTO, EARLIEST)
    assert a.worker is not b.worker and p.stats().private_workers == 2
    a.release()
    assert a.worker.stopped and not b.worker.stopped  # no grace for private workers
    assert p.stats().private_workers == 1


def test_shared_worker_stops_only_after_the_last_viewer():
    p = pool()
    a, b = (p.acquire(SETTINGS, ("orders",), AUTO, LATEST) for _ in range(2))
    a.release()
    a.release()  # idempotent: a second release must not drop b's reference
    assert not b.worker.stopped and p.stats().viewers == 1
    b.release()
    assert b.worker.stopped and p.stats().workers == 0


def test_grace_period_keeps_the_worker_for_a_returning_viewer():
    p = pool(grace_s=0.2)
    a = p.acquire(SETTINGS, ("orders",), AUTO, LATEST)
    a.release()
    b = p.acquire(SETTINGS, ("orders",), AUTO, LATEST)  # a reload within the grace period
    assert b.worker is a.worker
    # Still running once a's grace period is over: judged when the same grace, started
    # later for another topic's viewer, has run out and stopped that worker.
    later = p.acquire(SETTINGS, ("payments",), AUTO, LATEST)
    later.release()
    until(lambda: later.worker.stopped)
    assert not b.worker.stopped
    b.release()
    until(lambda: b.worker.stopped)
    assert p.stats().workers == 0


def test_a_dead_shared_worker_is_replaced():
    p = pool()
    a = p.acquire(SETTINGS, ("orders",), AUTO, LATEST)
    a.worker.stop()  # e.g. it crashed
    b = p.acquire(SETTINGS, ("orders",), AUTO, LATEST)
    assert b.worker is not a.worker and b.worker.alive


def test_pause_on_a_shared_worker_freezes_only_that_view():
    p = pool()
    a, b = (p.acquire(SETTINGS, ("orders",), AUTO, LATEST) for _ in range(2))
    a.pause()
    a.worker.totals, a.worker.seq = {"a": 9}, 9
    assert not a.worker.paused  # the shared reader keeps going for b
    assert (a.snapshot().totals, a.snapshot().paused) == ({"a": 5}, True)
    assert (b.snapshot().totals, b.snapshot().paused) == ({"a": 9}, False)
    a.resume()
    assert a.snapshot().totals == {"a": 9}


def test_clear_on_a_shared_worker_is_per_view():
    p = pool()
    a, b = (p.acquire(SETTINGS, ("orders",), AUTO, LATEST) for _ in range(2))
    a.clear()
    a.worker.totals, a.worker.seq = {"a": 7}, 7
    assert a.worker.cleared == 0
    assert (a.snapshot().totals, a.snapshot().messages) == ({"a": 2}, 2)
    assert b.snapshot().totals == {"a": 7}


def test_private_pause_and_clear_reach_the_worker():
    p = pool()
    a = p.acquire(SETTINGS, ("orders",), AUTO, EARLIEST)
    a.pause()
    assert a.worker.paused and a.paused
    a.clear()
    a.resume()
    assert not a.worker.paused and a.worker.cleared == 1


def test_stop_all():
    p = pool(grace_s=60)
    views = [p.acquire(SETTINGS, ("orders",), AUTO, LATEST), p.acquire(SETTINGS, ("orders",), AUTO, EARLIEST)]
    p.stop_all()
    assert all(v.worker.stopped for v in views) and p.stats().workers == 0
