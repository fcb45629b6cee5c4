"""The sender: one queue and one thread per webhook URL, so a slow or failing
receiver delays neither sampling nor the other receivers. Each POST is retried
with backoff; the outcome lands in ``recent`` for the Consumer groups page.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, replace
from urllib.parse import quote

from kafka_io.alerts.rules import Alert, AlertSettings, Target, alert_payload

__all__ = ["ATTEMPTS", "POST_TIMEOUT_S", "Delivery", "Dispatcher", "group_link"]

POST_TIMEOUT_S = 5.0
ATTEMPTS = 5
BACKOFF_S = (1.0, 2.0, 4.0, 8.0)  # before attempts 2..5
QUEUE_MAX = 1_000  # per target: a receiver down for hours must not grow memory
RECENT_MAX = 200
log = logging.getLogger("kafka_io")


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
        threading.Thread(target=self._run, name="kdash-alerts", daemon=True).start()

    def _run(self) -> None:
        while True:
            index, payload = self.queue.get()
            self._dispatcher._settle(index, *self._post(payload))

    def _post(self, payload: dict) -> tuple[str, int, str | None]:
        body = json.dumps(payload).encode()
        error = None
        for attempt in range(1, ATTEMPTS + 1):
            request = urllib.request.Request(
                self._target.url, data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self._dispatcher.timeout_s) as response:
                    response.read()
                return "delivered", attempt, None
            except urllib.error.HTTPError as exc:
                error = f"HTTP {exc.code}"
            except (OSError, ValueError) as exc:  # refused, timed out, unresolvable
                error = str(getattr(exc, "reason", exc)) or type(exc).__name__
            if attempt < ATTEMPTS:
                time.sleep(self._dispatcher.backoff_s[min(attempt - 1, len(self._dispatcher.backoff_s) - 1)])
        log.warning("alert webhook %s failed %d times: %s", _host(self._target.url), ATTEMPTS, error)
        return "failed", ATTEMPTS, error


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
