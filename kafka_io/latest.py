"""A value shared by every browser session, refreshed in the background.

Stale-while-revalidate: a viewer gets the held value at once while it is
younger than `max_stale_s`; once it is older than `ttl_s`, ONE background
thread fetches a new one (unless fetches are cheap, under `wait_below_s`:
then the viewer just waits for a fresh value). Only a viewer that finds no value, or one older than
`max_stale_s`, waits for a fetch (and gets its error). On a big cluster a
snapshot takes seconds, so this keeps pages and auto-refresh instant while
the cluster still sees one fetch per `ttl_s` at most, whatever the viewers.

The background thread calls only `fetch` (kafka_io code), never st.*.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Latest"]

log = logging.getLogger("kafka_io")
T = TypeVar("T")


class Latest(Generic[T]):
    def __init__(
        self,
        fetch: Callable[..., T],
        ttl_s: float,
        max_stale_s: float,
        clock: Callable[[], float] = time.monotonic,
        name: str = "kdash-refresh",
        wait_below_s: float = 0.5,
    ) -> None:
        self._fetch = fetch
        self.ttl_s = ttl_s
        self.max_stale_s = max_stale_s
        # A stale value whose last fetch took less than this is simply fetched
        # again in the foreground: fresher data, at a cost a viewer won't notice.
        self.wait_below_s = wait_below_s
        self._took_s = float("inf")
        self._clock = clock
        self._name = name
        self._lock = threading.Lock()  # guards the fields below
        self._fetch_lock = threading.Lock()  # one fetch at a time
        self._value: T | None = None
        self._fetched_at = 0.0
        self.thread: threading.Thread | None = None

    def get(self, *args) -> T:
        """The held value, refreshing it in the background or, if too old, now."""
        with self._lock:
            value, age_s = self._value, self._clock() - self._fetched_at
            cheap = self._took_s < self.wait_below_s
            if value is not None and (age_s <= self.ttl_s or (age_s <= self.max_stale_s and not cheap)):
                if age_s > self.ttl_s and (self.thread is None or not self.thread.is_alive()):
                    self.thread = threading.Thread(
                        target=self._refresh_quietly, args=args, name=self._name, daemon=True
                    )
                    self.thread.start()
                return value
        return self._fetch_now(args)

    def _fetch_now(self, args: tuple) -> T:
        with self._fetch_lock:
            with self._lock:  # another viewer may have fetched while we waited
                if self._value is not None and self._clock() - self._fetched_at <= self.ttl_s:
                    return self._value
            return self._fetch_and_store(args)

    def _refresh_quietly(self, *args) -> None:
        try:
            with self._fetch_lock:
                self._fetch_and_store(args)
        except Exception:  # the next viewer past max_stale_s fetches in the foreground and sees the error
            log.debug("background refresh %s failed", self._name, exc_info=True)

    def _fetch_and_store(self, args: tuple) -> T:
        started_s = time.monotonic()
        value = self._fetch(*args)
        with self._lock:
            self._value, self._fetched_at = value, self._clock()
            self._took_s = time.monotonic() - started_s
        return value
