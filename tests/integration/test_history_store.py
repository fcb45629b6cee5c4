"""Lag history that survives a restart: a sampler persisting to SQLite, stopped and
replaced by a new one on the same file, continues the same series, and judges
statuses at its first sample instead of waiting for a new window."""

from __future__ import annotations

import time

from support.groups import wait_for
from support.kafka import commit_offsets, create_topic, produce

from kafka_io.groups.history_store import HistoryStore
from kafka_io.groups.sampler import LagSampler
from kafka_io.groups.status import Status


def test_a_restarted_sampler_continues_the_history_and_the_status(settings, kafka_bootstrap, unique, tmp_path):
    topic, group = unique("persist"), unique("persist-group")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 10})
    commit_offsets(kafka_bootstrap, group, topic, {0: 4})
    path = tmp_path / "lag-history.sqlite3"

    first = LagSampler(settings, interval_s=3600, store=HistoryStore(path, settings.bootstrap_servers))
    for more in (0, 2, 3):  # lag 6, 8, 11: nobody consumes
        if more:
            produce(kafka_bootstrap, topic, {0: more})
        first.refresh()
    series = [lag for _, lag in first.history.total_lag_series(group)]
    assert series == [6, 8, 11] and first.health()[group].status is Status.STOP
    first.stop()

    fresh = LagSampler(settings, interval_s=3600)  # no store: one sample is too few to judge
    fresh.refresh()
    assert fresh.health()[group].status is Status.UNKNOWN

    second = LagSampler(settings, interval_s=3600, store=HistoryStore(path, settings.bootstrap_servers)).start()
    try:
        # What the assertions need is a successful sample, not merely a first attempt: one that
        # failed (a broker busy with another test) is retried every 2 s.
        wait_for(lambda: second.latest().error is None and second.latest().sampled_at_s, 30, "a successful sample")
        assert [lag for _, lag in second.history.total_lag_series(group)][:4] == [6, 8, 11, 11]
        assert second.health()[group].status is Status.STOP  # judged at once, from the reloaded window
    finally:
        second.stop()


def test_the_store_keeps_only_its_window_and_its_cluster(tmp_path):
    path = tmp_path / "h.sqlite3"
    now = time.time()
    store = HistoryStore(path, "a:9092", keep_s=100)
    other = HistoryStore(path, "b:9092", keep_s=100)
    store.append(now - 500, [("g", "t", 0, 10, 5)])  # older than the window
    store.append(now - 50, [("g", "t", 0, 12, 5), ("g", "t", 1, 3, None)])
    store.append(now - 10, [("g", "t", 0, 15, 6)])
    other.append(now - 10, [("x", "y", 0, 1, 1)])
    cycles = list(store.cycles(now - store.keep_s, limit=10))
    assert cycles == [(now - 50, [("g", "t", 0, 12, 5), ("g", "t", 1, 3, None)]), (now - 10, [("g", "t", 0, 15, 6)])]
    assert [ts for ts, _ in store.cycles(now - 1000, limit=1)] == [now - 10]  # the newest `limit` cycles
    # The first append of a run prunes what fell out of the window.
    pruning = HistoryStore(path, "a:9092", keep_s=100)
    pruning.append(now, [("g", "t", 0, 16, 7)])
    assert [ts for ts, _ in pruning.cycles(now - 1000, limit=10)] == [now - 50, now - 10, now]
