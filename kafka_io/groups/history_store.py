"""Lag history that survives a restart: every sampling cycle's rows, appended to
SQLite (the standard library's sqlite3) in the data dir, and replayed into a
fresh LagHistory when the sampler starts.

On only when KDASH_DATA_DIR is set (`make run` sets it): tests and library
callers keep their history in memory. Bounded like the in-memory history: rows
older than ``keep_s`` are deleted every PRUNE_EVERY cycles, and a restart
replays at most the history's depth of cycles. Rows are keyed by the
cluster's bootstrap servers, so two clusters named alike never mix.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from kafka_io.groups.history import DEFAULT_HISTORY_S, LagHistory, Row

__all__ = ["DATA_DIR_ENV", "FILE_NAME", "HistoryStore"]

DATA_DIR_ENV = "KDASH_DATA_DIR"
FILE_NAME = "lag-history.sqlite3"
PRUNE_EVERY = 60  # cycles
log = logging.getLogger("kafka_io")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    cluster TEXT NOT NULL, ts REAL NOT NULL, grp TEXT NOT NULL, topic TEXT NOT NULL,
    part INTEGER NOT NULL, high INTEGER NOT NULL, committed INTEGER
);
CREATE INDEX IF NOT EXISTS samples_by_time ON samples (cluster, ts);
"""


class HistoryStore:
    def __init__(self, path: Path, cluster_key: str, keep_s: float = DEFAULT_HISTORY_S) -> None:
        self.path, self.cluster_key, self.keep_s = Path(path), cluster_key, keep_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection, used by the sampler thread and, once, by start(): serialized here.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a crash may lose the last cycle, never the file
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._cycles = 0

    @classmethod
    def from_env(cls, cluster_key: str, env=None) -> HistoryStore | None:
        data_dir = (os.environ if env is None else env).get(DATA_DIR_ENV)
        return cls(Path(data_dir) / FILE_NAME, cluster_key) if data_dir else None

    def append(self, ts_s: float, rows: Iterable[Row]) -> None:
        key = self.cluster_key
        values = [(key, ts_s, g, t, p, high, committed) for g, t, p, high, committed in rows if high is not None]
        with self._lock:
            try:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?)", values)
                self._cycles += 1
                if self._cycles % PRUNE_EVERY == 1:
                    self._db.execute("DELETE FROM samples WHERE cluster = ? AND ts < ?", (key, ts_s - self.keep_s))
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:  # a full disk costs the persisted history, never the sampler
                self._rollback()
                log.warning("lag history not saved to %s: %s", self.path, exc)

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def cycles(self, since_s: float, limit: int) -> Iterator[tuple[float, list[Row]]]:
        """The newest ``limit`` cycles since ``since_s``, oldest first, as (ts, rows)."""
        with self._lock:
            stamps = [
                ts
                for (ts,) in self._db.execute(
                    "SELECT DISTINCT ts FROM samples WHERE cluster = ? AND ts >= ? ORDER BY ts DESC LIMIT ?",
                    (self.cluster_key, since_s, limit),
                )
            ]
            if not stamps:
                return
            rows = self._db.execute(
                "SELECT ts, grp, topic, part, high, committed FROM samples WHERE cluster = ? AND ts >= ? ORDER BY ts",
                (self.cluster_key, min(stamps)),
            ).fetchall()
        cycle_ts, cycle = None, []
        for ts, *row in rows:
            if ts != cycle_ts and cycle:
                yield cycle_ts, cycle
                cycle = []
            cycle_ts = ts
            cycle.append(tuple(row))
        if cycle:
            yield cycle_ts, cycle

    def replay(self, history: LagHistory, now_s: float) -> int:
        """Fill ``history`` with the stored cycles of the last keep_s; returns how many."""
        count = 0
        for ts_s, rows in self.cycles(now_s - self.keep_s, history.max_samples):
            history.record(ts_s, rows)
            count += 1
        return count

    def close(self) -> None:
        with self._lock:
            self._db.close()
