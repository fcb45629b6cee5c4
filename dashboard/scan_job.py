"""A filtered scan in the background, for one browser session: progress to poll, a Cancel.

The page starts a ScanJob and keeps it in session state; a fragment polls
``progress`` while it runs (and only then). The thread never calls Streamlit:
it runs kafka_io's scan and stores what it reports under a lock.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from dashboard.message_link import MessagesQuery
from kafka_io.cluster import Cluster
from kafka_io.errors import KafkaIOError
from kafka_io.messages.scan import ScanProgress, ScanResult, scan

__all__ = ["ScanJob"]

log = logging.getLogger("kafka_io")


@dataclass(frozen=True)
class ScanBounds:
    limit: int
    max_scan: int
    max_seconds: float


class ScanJob:
    """One scan of ``query`` (its filter is compiled by the caller's first call, before the thread)."""

    def __init__(self, cluster: Cluster, query: MessagesQuery, bounds: ScanBounds) -> None:
        self.query, self.bounds = query, bounds
        self._cluster = cluster
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._progress: ScanProgress | None = None
        self._result: ScanResult | None = None
        self._error: str | None = None
        self._thread = threading.Thread(target=self._run, name="kdash-message-scan", daemon=True)

    def start(self) -> ScanJob:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def progress(self) -> ScanProgress | None:
        with self._lock:
            return self._result.progress if self._result is not None else self._progress

    @property
    def result(self) -> ScanResult | None:
        with self._lock:
            return self._result

    @property
    def error(self) -> str | None:
        with self._lock:
            return self._error

    def join(self, timeout_s: float) -> bool:
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _on_progress(self, progress: ScanProgress) -> None:
        with self._lock:
            self._progress = progress

    def _run(self) -> None:
        query, bounds = self.query, self.bounds
        try:
            result = scan(
                self._cluster,
                query.topic,
                partition=query.partition,
                seek=query.seek,
                filter_expr=query.filter_expr or None,
                limit=bounds.limit,
                max_scan=bounds.max_scan,
                max_seconds=bounds.max_seconds,
                cancel=self._cancel,
                on_progress=self._on_progress,
            )
        except KafkaIOError as exc:
            with self._lock:
                self._error = str(exc)
            return
        except Exception as exc:  # a bug: logged, and one line on the page
            log.exception("message scan failed")
            with self._lock:
                self._error = f"Unexpected {type(exc).__name__}: {exc}"
            return
        with self._lock:
            self._result = result
