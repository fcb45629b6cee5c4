"""The background lag sampler: one per cluster per process, shared by every
browser session (lag_sampler below, through dashboard.resources), and used synchronously by the CLI.

Every `interval_s` a daemon thread takes a full sample of every group
(fetch.fetch_group_lags: four round trips whatever the number of groups) and
records it in a bounded LagHistory. Pages read `latest()` and `health()`;
both are computed once per sample under a lock and shared by all readers.
The thread never calls st.*, owns nothing a page holds, and survives reruns.

Big clusters: when a full sample takes more than 1/FULL_SCAN_DUTY of the
time, full samples are spaced out to FULL_SCAN_DUTY x their duration, and in
between only the watched groups (the incident watch-list) are sampled, every
interval. `refresh_groups` samples given groups right away, on demand.

Committed offsets come from ``__consumer_offsets`` (groups.commit_reader) once the
log agreed with an admin-path sample, unless KAFKA_LAG_OFFSETS_SOURCE=admin; the
snapshot names the source of each sample and why not the log. Then a full sample
describes only the groups groups.describe_plan chooses (new, named by the log
since, a listed state that changed, and a rotating share of the rest).

Broker down: the sample fails, the error is recorded next to the last good
sample (whose groups and history are kept), and the sampler retries every
RETRY_EVERY_S (or interval, if shorter) with a fresh admin client until one
succeeds. A watcher thread serves its admin client's error callback every
0.25 s, also while a sample waits: when librdkafka reports every broker down
(a closed connection, seen at once) the snapshot is marked failed right away,
the next sample starts without waiting for its tick, and a TCP probe that
every bootstrap server refuses fails it in milliseconds, not after the admin
timeout. A failed sample never counts as a slow one: only a
successful full sample may space full samples out ("big cluster").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import replace

from confluent_kafka import KafkaError

from kafka_io._client import ADMIN_REQUESTS, Connection, all_refused, make_admin
from kafka_io.cluster import Cluster, Part
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError
from kafka_io.groups.commit_reader import ADMIN_API, COMMIT_LOG, LOG_OFF, CommitLogReader
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.groups.health import GroupHealth
from kafka_io.groups.history import LagHistory
from kafka_io.groups.history_store import HistoryStore
from kafka_io.groups.sampler_config import (
    FULL_SCAN_DUTY,
    POLL_EVERY_S,
    RETRY_EVERY_S,
    SPARKLINE_S,
    STALE_AFTER_SAMPLES,
    STATUS_WINDOW_S,
    WATCH_TTL_S,
    full_sample_due,
    history_rows,
)
from kafka_io.groups.sampler_snapshot import LagSnapshot
from kafka_io.groups.warm_start import backfill
from kafka_io.settings import file_settings, sampler_settings

__all__ = ["LagSampler", "LagSnapshot", "lag_sampler"]

log = logging.getLogger("kafka_io")

STOP_TIMEOUT_S = 10.0
LAG_SAMPLER: Part[LagSampler] = Part("lag-sampler")  # the cluster's one sampler: lag_sampler()


class LagSampler:
    def __init__(
        self,
        settings: ClusterSettings,
        *,
        interval_s: float | None = None,
        window_s: float = STATUS_WINDOW_S,
        history: LagHistory | None = None,
        store: HistoryStore | None = None,
        warm_start: bool = False,
        commit_log: bool = False,
    ) -> None:
        self.settings = settings
        # Owned by the sampling thread (or the synchronous caller): used under _refresh_lock only.
        self._commit_log = CommitLogReader(settings) if commit_log else None
        self.store = store  # persists every cycle; replayed by start()
        self.warm_start = warm_start  # backfill the last hour's end offsets after the first sample
        self.warmed = threading.Event()
        self.interval_s = sampler_settings().interval_s if interval_s is None else interval_s
        self.window_s = window_s
        self.history = history or LagHistory()
        self._admin = None  # made by the first sample, remade after a failed one
        self._lock = threading.Lock()  # guards _snapshot and _watched
        self._refresh_lock = threading.Lock()  # one sample at a time
        self._health_lock = threading.Lock()  # one health computation at a time
        self._first = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._snapshot = LagSnapshot(None, 0.0, ())
        self._watched: dict[str, float] = {}
        self._health: tuple[int, dict[str, GroupHealth]] = (-1, {})
        self._full_every_s = self.interval_s
        # None until the first full sample. Not 0.0: the monotonic clock counts from boot, so on a
        # machine up for less than one interval "0.0 + interval" lay in the future and a started
        # sampler skipped its first sample for a whole interval (CI: uptime < 1 h, interval 3600 s).
        self._last_full_s: float | None = None
        self._last_full_took_s = 0.0
        self._full_samples = 0  # full samples taken: the describe plan's turn
        self._brokers_down = threading.Event()  # set by the admin's error_cb

    # --- lifecycle -----------------------------------------------------------

    def start(self) -> LagSampler:
        """Start the daemon thread (idempotent); a persisted history is replayed first."""
        with self._lock:
            if self._thread is None:
                if self.store is not None:
                    replayed = self.store.replay(self.history, time.time())
                    log.info("lag history: %d cycles reloaded from %s", replayed, self.store.path)
                self._thread = threading.Thread(
                    target=self._run, name=f"kdash-lag-sampler-{self.settings.name}", daemon=True
                )
                self._thread.start()
                threading.Thread(
                    target=self._watch_connection, name=f"kdash-lag-watch-{self.settings.name}", daemon=True
                ).start()
        return self

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=timeout_s)
        if self._commit_log is not None and self._refresh_lock.acquire(timeout=timeout_s):
            try:
                self._commit_log.close()
            finally:
                self._refresh_lock.release()
        if self.store is not None:
            self.store.close()

    close = stop  # what Cluster.close() calls

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                failing = self.latest().error is not None
                if full_sample_due(started, self._last_full_s, self._full_every_s, failing=failing):
                    self.refresh()
                elif self.watched():
                    self.refresh_groups(self.watched())
                # Here, not on the first page view after a sample: at 10,000 groups health is
                # work a reader should not wait for, and every reader shares the result.
                self.health()
            except Exception:  # a bug must not kill the thread: log it, try again next tick
                log.exception("lag sampler cycle failed")
            self._idle_until(started + self._next_wait_s())

    def _next_wait_s(self) -> float:
        if self.latest().error is not None:
            return self.retry_every_s
        return self.interval_s

    def _idle_until(self, deadline: float) -> None:
        """Wait for the next tick; return early when every broker is down."""
        while not self._stop.is_set():
            left_s = deadline - time.monotonic()
            if left_s <= 0 or self._brokers_down.is_set():
                return  # a lost cluster: sample now rather than at the next tick
            self._stop.wait(min(left_s, POLL_EVERY_S))

    def _watch_connection(self) -> None:
        """Serve the admin's error callback every POLL_EVERY_S, also while a
        sample waits on its futures: when librdkafka reports every broker
        down, the snapshot says so at once instead of after that sample's
        timeout. A later good sample clears it (a false alarm costs nothing)."""
        while not self._stop.wait(POLL_EVERY_S):
            admin = self._admin
            if admin is not None:
                admin.poll(0)  # runs error_cb, which may set _brokers_down
            if self._brokers_down.is_set() and self.latest().error is None:
                self._mark_error(f"Cannot reach Kafka at {self.settings.bootstrap_servers}: every broker is down")

    # --- sampling ------------------------------------------------------------

    def refresh(self) -> LagSnapshot:
        """One full sample now (the thread's tick; also the CLI's and the bench's)."""
        started = time.monotonic()
        self._last_full_s = started
        snapshot = self._sample(None)
        took_s = time.monotonic() - started
        # A sample slowed by timeouts (a dead broker, a lost coordinator) is not a big
        # cluster: spacing samples out then would hide the incident's recovery.
        timed_out = took_s >= self.settings.timeout_s or any(g.error for g in snapshot.groups)
        if snapshot.error is None and not timed_out:
            self._last_full_took_s = took_s
            self._full_every_s = max(self.interval_s, FULL_SCAN_DUTY * took_s)
        return snapshot

    def refresh_groups(self, group_ids: Iterable[str]) -> LagSnapshot:
        """Sample only these groups now and merge them into the latest snapshot."""
        ids = list(dict.fromkeys(group_ids))
        return self._sample(ids) if ids else self.latest()

    def _sample(self, group_ids: list[str] | None) -> LagSnapshot:
        with self._refresh_lock:
            started = time.monotonic()
            lost = self._brokers_down.is_set()
            self._brokers_down.clear()
            if lost:
                self._admin = None  # its coordinator connections may be dead: start afresh
            if lost or self.latest().error is not None:
                refused = all_refused(self.settings.bootstrap_servers)
                if refused:
                    return self._failed(f"Cannot reach Kafka at {self.settings.bootstrap_servers}: {refused}")
            if self._admin is None:
                self._admin = make_admin(self.settings, self._on_client_error)
            requests_before = self._admin.requests.total()
            try:
                before = {g.group_id: g for g in self.latest().groups} if group_ids is None else {}
                reader = self._commit_log
                groups = fetch_group_lags(
                    Connection(self._admin, self.settings),
                    group_ids,
                    recheck=list(before),
                    commit_log=reader,
                    previous=before,
                    turn=self._full_samples,
                )
            except KafkaIOError as exc:
                return self._failed(str(exc))
            if group_ids is None:
                self._full_samples += 1
            if groups and all(g.error for g in groups):
                return self._failed(groups[0].error)  # not one group answered: the cluster is the problem
            described = sum(g.described for g in groups)
            from_log = reader is not None and reader.source.name == COMMIT_LOG
            ts_s = max((g.sampled_at_s for g in groups), default=time.time())
            rows = list(history_rows(groups))
            self.history.record(ts_s, rows)
            if self.store is not None:
                self.store.append(ts_s, rows)
            duration_ms = (time.monotonic() - started) * 1000
            with self._lock:
                previous = self._snapshot
                if group_ids is not None:
                    fresh = {g.group_id for g in groups}
                    groups = tuple(
                        sorted(
                            [*(g for g in previous.groups if g.group_id not in fresh), *groups],
                            key=lambda g: g.group_id,
                        )
                    )
                self._snapshot = LagSnapshot(
                    ts_s,
                    duration_ms,
                    groups,
                    full_sample=group_ids is None,
                    sequence=previous.sequence + 1,
                    admin_requests=self._admin.requests.total() - requests_before,
                    admin_requests_total=ADMIN_REQUESTS.total(),
                    offsets_source=COMMIT_LOG if from_log else ADMIN_API,
                    offsets_source_reason="" if from_log else reader.source.reason if reader else LOG_OFF,
                    described_groups=described,
                )
                snapshot = self._snapshot
            if self.warm_start and group_ids is None and not self._first.is_set():
                highs = {(p.topic, p.partition): p.high for g in groups for p in g.partitions if p.high is not None}
                threading.Thread(target=self._warm, args=(highs, ts_s), name="kdash-warm-start", daemon=True).start()
            self._first.set()
            return snapshot

    def _warm(self, highs: dict, now_s: float) -> None:
        try:
            backfill(Connection(make_admin(self.settings), self.settings), self.history, highs, now_s)
        finally:
            self.warmed.set()

    def _on_client_error(self, err: KafkaError) -> None:
        # librdkafka's own thread, via admin.poll(): only set a flag here.
        if err.code() == KafkaError._ALL_BROKERS_DOWN:
            self._brokers_down.set()

    def _failed(self, error: str) -> LagSnapshot:
        # A fresh client next time: after an outage librdkafka's admin client
        # can keep timing out on group coordinators (seen on restarts).
        self._admin = None
        return self._mark_error(error)

    def _mark_error(self, error: str) -> LagSnapshot:
        with self._lock:
            self._snapshot = replace(
                self._snapshot, error=error, error_at_s=time.time(), sequence=self._snapshot.sequence + 1
            )
            snapshot = self._snapshot
        self._first.set()
        return snapshot

    # --- readers -------------------------------------------------------------

    def latest(self) -> LagSnapshot:
        with self._lock:
            return self._snapshot

    def wait_first(self, timeout_s: float) -> LagSnapshot:
        """The latest snapshot, waiting up to timeout_s for the very first attempt."""
        self._first.wait(timeout_s)
        return self.latest()

    def watch(self, group_ids: Iterable[str]) -> None:
        """Pin groups: sampled every interval even when full samples are spaced out."""
        now = time.monotonic()
        with self._lock:
            self._watched.update((g, now) for g in group_ids)

    def watched(self) -> list[str]:
        cutoff = time.monotonic() - WATCH_TTL_S
        with self._lock:
            self._watched = {g: t for g, t in self._watched.items() if t >= cutoff}
            return sorted(self._watched)

    @property
    def full_every_s(self) -> float:
        return self._full_every_s

    @property
    def retry_every_s(self) -> float:
        """How often a failing sampler tries again."""
        return min(self.interval_s, RETRY_EVERY_S)

    @property
    def last_full_took_s(self) -> float:
        """How long the latest successful full sample took."""
        return self._last_full_took_s

    def health(self) -> dict[str, GroupHealth]:
        """Health of every group in the latest snapshot, computed once per sample."""
        from kafka_io.groups.health_bulk import assess_groups  # numpy: not on the CLI's import path

        with self._health_lock:  # a second reader waits and reuses the result
            snapshot = self.latest()
            if self._health[0] == snapshot.sequence:
                return self._health[1]
            # Drop the previous health (and the previous sample's groups it holds) before making
            # the next: at 50,000 groups a second copy is hundreds of MB (bench/group_memory.py).
            self._health = (-1, {})
            # After a failed sample, judge as of the last good one: the page shows those
            # statuses greyed and dated, not turned into UNKNOWN because the cluster stopped answering.
            now_s = snapshot.sampled_at_s if snapshot.error and snapshot.sampled_at_s else time.time()
            stale_after_s = STALE_AFTER_SAMPLES * max(self._full_every_s, self.interval_s)
            # assess_group's values in one pass over the history (per group: 3 s at 10,000 groups).
            health = assess_groups(
                snapshot.groups,
                self.history,
                now_s,
                window_s=self.window_s,
                stale_after_s=stale_after_s,
                sparkline_s=SPARKLINE_S,
            )
            self._health = (snapshot.sequence, health)
            return health

    def forget(self, group_id: str) -> None:
        """Drop a deleted group from the snapshot and the history."""
        self.history.forget(group_id)
        with self._lock:
            self._snapshot = replace(
                self._snapshot,
                groups=tuple(g for g in self._snapshot.groups if g.group_id != group_id),
                sequence=self._snapshot.sequence + 1,
            )
            self._watched.pop(group_id, None)


def lag_sampler(cluster: Cluster) -> LagSampler:
    """THE lag sampler of this cluster in this process, shared by every viewer.

    Started by the first caller; it keeps its history through an outage and
    resumes by itself, and stops when the cluster handle closes.
    """
    settings = cluster.settings

    def start() -> LagSampler:
        chosen, data_dir = sampler_settings(), file_settings().data_dir
        store = HistoryStore.in_data_dir(data_dir, settings.bootstrap_servers)
        return LagSampler(
            settings, interval_s=chosen.interval_s, store=store, warm_start=True, commit_log=chosen.commit_log
        )

    return cluster.attached(LAG_SAMPLER, lambda: start().start())
