"""Lag history that survives a restart: every sampling cycle, appended to SQLite
(the standard library's sqlite3) in the data dir, and replayed into a fresh
LagHistory when the sampler starts.

On only when KDASH_DATA_DIR is set (`make run` sets it): tests and library
callers keep their history in memory. Bounded like the in-memory history:
cycles older than ``keep_s`` are deleted every PRUNE_EVERY cycles, and a
restart replays at most the history's depth of cycles. Rows are keyed by the
cluster's bootstrap servers, so two clusters named alike never mix. Cost, for
5,400 partitions: ~2.3 ms and ~43 KB a cycle (about 30 MB for the hour kept).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import zlib
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

from kafka_io.groups.history import DEFAULT_HISTORY_S, LagHistory, Row

__all__ = ["FILE_NAME", "HistoryStore"]

FILE_NAME = "lag-history.sqlite3"
PRUNE_EVERY = 60  # cycles
log = logging.getLogger("kafka_io")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS history_keys (
    cluster TEXT NOT NULL, id INTEGER NOT NULL, grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL,
    PRIMARY KEY (cluster, id)
);
CREATE TABLE IF NOT EXISTS history_cycles (cluster TEXT NOT NULL, ts REAL NOT NULL, rows BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS history_cycles_by_time ON history_cycles (cluster, ts);
"""
_NO_COMMIT = -1


class HistoryStore:
    """One row per cycle: its (key id, high, committed) triples as packed int64s,
    zlib-compressed; the (group, topic, partition) of each key id once, in a table
    of their own. 5,400 partitions cost ~3 ms and tens of KB a cycle, not 5,400 rows."""

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
        self._ids: dict[tuple[str, str, int], int] = {
            (g, t, p): i
            for i, g, t, p in self._db.execute(
                "SELECT id, grp, topic, part FROM history_keys WHERE cluster = ?", (cluster_key,)
            )
        }

    @classmethod
    def in_data_dir(cls, data_dir: Path | None, cluster_key: str) -> HistoryStore | None:
        """The store in KDASH_DATA_DIR (kafka_io.settings.FileSettings.data_dir); None: history in memory only."""
        return cls(Path(data_dir) / FILE_NAME, cluster_key) if data_dir else None

    def append(self, ts_s: float, rows: Iterable[Row]) -> None:
        key, ids = self.cluster_key, self._ids
        packed, new_keys = array("q"), []
        with self._lock:
            for g, t, p, high, committed in rows:
                if high is None:
                    continue
                kid = ids.get((g, t, p))
                if kid is None:
                    kid = ids[(g, t, p)] = len(ids)
                    new_keys.append((key, kid, g, t, p))
                packed.extend((kid, high, _NO_COMMIT if committed is None else committed))
            blob = zlib.compress(packed.tobytes(), 1)
            try:
                self._db.execute("BEGIN")
                if new_keys:
                    self._db.executemany("INSERT OR REPLACE INTO history_keys VALUES (?, ?, ?, ?, ?)", new_keys)
                self._db.execute("INSERT INTO history_cycles VALUES (?, ?, ?)", (key, ts_s, blob))
                self._cycles += 1
                if self._cycles % PRUNE_EVERY == 1:
                    self._db.execute(
                        "DELETE FROM history_cycles WHERE cluster = ? AND ts < ?", (key, ts_s - self.keep_s)
                    )
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:  # a full disk costs the persisted history, never the sampler
                self._rollback()
                for *_, g, t, p in new_keys:  # not stored: assign them again next time
                    ids.pop((g, t, p), None)
                log.warning("lag history not saved to %s: %s", self.path, exc)

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def cycles(self, since_s: float, limit: int) -> Iterator[tuple[float, list[Row]]]:
        """The newest ``limit`` cycles since ``since_s``, oldest first, as (ts, rows)."""
        with self._lock:
            found = self._db.execute(
                "SELECT ts, rows FROM history_cycles WHERE cluster = ? AND ts >= ? ORDER BY ts DESC LIMIT ?",
                (self.cluster_key, since_s, limit),
            ).fetchall()
            keys = {i: k for k, i in self._ids.items()}
        for ts_s, blob in reversed(found):
            packed = array("q")
            packed.frombytes(zlib.decompress(blob))
            rows = []
            for n in range(0, len(packed), 3):
                g, t, p = keys[packed[n]]
                committed = packed[n + 2]
                rows.append((g, t, p, packed[n + 1], None if committed == _NO_COMMIT else committed))
            yield ts_s, rows

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
