"""kafka_io.latest.Latest: stale-while-revalidate with a pinned clock and a fake fetch."""

from __future__ import annotations

import threading

import pytest

from kafka_io.latest import Latest


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


class Source:
    """fetch(): returns 1, 2, 3, ...; can be made to fail or to block until released."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.gate: threading.Event | None = None

    def __call__(self, arg: str) -> tuple[str, int]:
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail:
            raise RuntimeError("broker down")
        self.calls += 1
        return arg, self.calls


@pytest.fixture
def parts():
    clock, source = Clock(), Source()
    # wait_below_s=0: every fetch counts as slow, so stale values are served (the big-cluster path)
    return clock, source, Latest(source, ttl_s=5, max_stale_s=30, clock=clock, wait_below_s=0)


def settle(latest: Latest) -> None:
    if latest.thread is not None:
        latest.thread.join(5)


# (seconds since the last fetch, value returned at once, fetches after the background settles)
AGE_CASES = [
    # 1. fresh: the held value, no fetch
    pytest.param(5.0, ("a", 1), 1, id="01-fresh"),
    # 2. stale but usable: the held value at once, one background fetch
    pytest.param(5.1, ("a", 1), 2, id="02-stale-served-refreshed-behind"),
    # 3. at the max staleness: still served at once
    pytest.param(30.0, ("a", 1), 2, id="03-max-stale-edge"),
    # 4. too old: the viewer waits for a fresh value
    pytest.param(30.1, ("a", 2), 2, id="04-too-old-fetched-now"),
]


@pytest.mark.parametrize("age_s, returned, fetches", AGE_CASES)
def test_age_decides_between_held_background_and_foreground(parts, age_s, returned, fetches):
    clock, source, latest = parts
    assert latest.get("a") == ("a", 1)  # nothing held: fetched in the foreground
    clock.now_s += age_s
    assert latest.get("a") == returned
    settle(latest)
    assert source.calls == fetches


def test_the_background_result_is_served_next(parts):
    clock, source, latest = parts
    latest.get("a")
    clock.now_s += 10
    latest.get("a")
    settle(latest)
    assert latest.get("a") == ("a", 2)


def test_many_viewers_start_one_background_fetch(parts):
    clock, source, latest = parts
    latest.get("a")
    clock.now_s += 10
    source.gate = threading.Event()
    assert [latest.get("a") for _ in range(20)] == [("a", 1)] * 20
    source.gate.set()
    settle(latest)
    assert source.calls == 2


def test_foreground_errors_reach_the_viewer_background_errors_keep_the_value(parts):
    clock, source, latest = parts
    source.fail = True
    with pytest.raises(RuntimeError, match="broker down"):
        latest.get("a")
    source.fail = False
    latest.get("a")
    clock.now_s += 10
    source.fail = True
    assert latest.get("a") == ("a", 1)
    settle(latest)
    assert latest.get("a") == ("a", 1)  # still served until max_stale_s
    clock.now_s += 30
    with pytest.raises(RuntimeError, match="broker down"):
        latest.get("a")


def test_cheap_fetches_are_simply_redone_in_the_foreground():
    clock, source = Clock(), Source()
    latest = Latest(source, ttl_s=5, max_stale_s=30, clock=clock, wait_below_s=10)
    latest.get("a")
    clock.now_s += 5.1
    assert latest.get("a") == ("a", 2)  # fresh at once, no background thread
    assert latest.thread is None
