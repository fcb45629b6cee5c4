"""The sender: one queue, one thread and one httpx.Client per webhook URL, so a
slow or failing receiver delays neither sampling nor the other receivers. The
outcome lands in ``recent`` for the Consumer groups page.

Retry policy: a POST gets at most ATTEMPTS tries (the first, then 4 retries after
the waits of BACKOFF_S). Every failure is retried: no connection, a timeout, or an
answer that is not 2xx (a 5xx, but also a 4xx or a 429, as before httpx). httpx's
own ``HTTPTransport(retries=)`` retries only failed connections, at once and
without backoff, so it is not used: it would multiply the attempts docs/metrics.md
promises.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from urllib.parse import quote

import httpx

from kafka_io.alerts.rules import Alert, AlertSettings, Target, alert_payload

__all__ = ["ATTEMPTS", "POST_TIMEOUT_S", "Delivery", "Dispatcher", "group_link"]

POST_TIMEOUT_S = 5.0  # each of connect, write, read and pool wait, per attempt
ATTEMPTS = 5  # the first try and 4 retries
BACKOFF_S = (1.0, 2.0, 4.0, 8.0)  # before attempts 2..5
QUEUE_MAX = 1_000  # per target: a receiver down for hours must not grow memory
RECENT_MAX = 200
log = logging.getLogger("kafka_io")
# httpx logs every request's full URL at INFO (seen with `-v`), and webhook URLs carry secrets.
logging.getLogger("httpx").setLevel(logging.WARNING)


def group_link(public_url: str, group: str) -> str:
    return f"{public_url.rstrip('/')}/consumer_groups?group={quote(group, safe='')}"


@dataclass(frozen=True)
class Delivery:
    alert: Alert
    target: str  # the receiver's host, never its full URL (webhook URLs carry secrets)
    result: str  # sending, delivered, failed
    attempts: int = 0
    error: str | None = None


class _TargetWorker:
    def __init__(self, dispatcher: Dispatcher, target: Target) -> None:
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_MAX)
        self._dispatcher, self._target = dispatcher, target
        # follow_redirects: urllib followed them, and receivers behind a moved URL kept working.
        self._client = httpx.Client(timeout=httpx.Timeout(dispatcher.timeout_s), follow_redirects=True)
        threading.Thread(target=self._run, name="kdash-alerts", daemon=True).start()

    def _run(self) -> None:
        while True:
            index, payload = self.queue.get()
            self._dispatcher._settle(index, *self._post(json.dumps(payload).encode()))

    def _post(self, body: bytes) -> tuple[str, int, str | None]:
        error = None
        for attempt in range(1, ATTEMPTS + 1):
            error = self._attempt(body)
            if error is None:
                return "delivered", attempt, None
            if attempt < ATTEMPTS:
                time.sleep(self._dispatcher.backoff_s[min(attempt - 1, len(self._dispatcher.backoff_s) - 1)])
        log.warning("alert webhook %s failed %d times: %s", _host(self._target.url), ATTEMPTS, error)
        return "failed", ATTEMPTS, error

    def _attempt(self, body: bytes) -> str | None:
        """One POST: None when delivered, else the error a user sees (never the URL)."""
        try:
            response = self._client.post(self._target.url, content=body, headers={"Content-Type": "application/json"})
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # refused, timed out, unresolvable, bad URL
            return str(exc) or type(exc).__name__
        return None if response.is_success else f"HTTP {response.status_code}"


class Dispatcher:
    """``submit`` never blocks: it queues one POST per interested target."""

    def __init__(self, timeout_s: float = POST_TIMEOUT_S, backoff_s: tuple[float, ...] = BACKOFF_S) -> None:
        self.timeout_s, self.backoff_s = timeout_s, backoff_s
        self._lock = threading.Lock()
        self._workers: dict[str, _TargetWorker] = {}
        self._recent: deque[tuple[int, Delivery]] = deque(maxlen=RECENT_MAX)
        self._next = 0

    def submit(self, alert: Alert, settings: AlertSettings) -> None:
        payload = alert_payload(alert, group_link(settings.public_url, alert.group))
        for target in settings.targets:
            if not target.wants(alert):
                continue
            with self._lock:
                worker = self._workers.get(target.url) or self._workers.setdefault(
                    target.url, _TargetWorker(self, target)
                )
                index, self._next = self._next, self._next + 1
                self._recent.append((index, Delivery(alert, _host(target.url), "sending")))
            try:
                worker.queue.put_nowait((index, payload))
            except queue.Full:
                self._settle(index, "failed", 0, "dropped: the receiver's queue is full")

    def _settle(self, index: int, result: str, attempts: int, error: str | None) -> None:
        with self._lock:
            for i, (n, delivery) in enumerate(self._recent):
                if n == index:
                    self._recent[i] = (n, replace(delivery, result=result, attempts=attempts, error=error))
                    break

    def recent(self, cluster: str | None = None) -> list[Delivery]:
        """Newest first."""
        with self._lock:
            return [d for _, d in reversed(self._recent) if cluster is None or d.alert.cluster == cluster]


def _host(url: str) -> str:
    return url.partition("://")[2].split("/", 1)[0]
