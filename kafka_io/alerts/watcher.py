"""Per cluster: wait for each new sample, judge its statuses against the last
known ones, and hand the transitions to the process's Dispatcher. Runs in its
own thread, so neither judging nor sending ever delays the sampler."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

from kafka_io.alerts.dispatch import Delivery, Dispatcher
from kafka_io.alerts.rules import AlertSettings, parse_alerts, transitions
from kafka_io.cluster import Cluster, Part
from kafka_io.config import SECRETS_PATH, read_secrets
from kafka_io.groups.sampler import LagSampler, lag_sampler
from kafka_io.groups.status import Status

__all__ = ["AlertWatcher", "alert_settings", "alert_watcher", "dispatcher", "recent_alerts"]

POLL_S = 0.5
log = logging.getLogger("kafka_io")
_dispatcher: Dispatcher | None = None
_dispatcher_lock = threading.Lock()


def dispatcher() -> Dispatcher:
    """The process's one sender."""
    global _dispatcher
    with _dispatcher_lock:
        if _dispatcher is None:
            _dispatcher = Dispatcher()
        return _dispatcher


def alert_settings(env: Mapping[str, str] | None = None, secrets_path=None) -> AlertSettings | None:
    """[alerts] from secrets.toml and KDASH_ALERT_WEBHOOK_URL; None: no alerts configured."""
    data = read_secrets(secrets_path or SECRETS_PATH)
    return parse_alerts(data.get("alerts"), os.environ if env is None else env)


class AlertWatcher:
    def __init__(self, cluster_name: str, sampler: LagSampler, settings: AlertSettings, sender: Dispatcher) -> None:
        self._name, self._sampler, self._settings, self._sender = cluster_name, sampler, settings, sender
        self._known: dict[str, Status] = {}
        self._seen = -1
        self._stop = threading.Event()
        threading.Thread(target=self._run, name=f"kdash-alert-watch-{cluster_name}", daemon=True).start()

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            snapshot = self._sampler.latest()
            if snapshot.sequence == self._seen or snapshot.error or snapshot.sampled_at_s is None:
                continue  # nothing new, or the cluster is unreachable: its statuses are stale
            self._seen = snapshot.sequence
            try:
                self._judge(snapshot.sampled_at_s)
            except Exception:  # a bug here must not end alerting for good
                log.exception("alert evaluation failed")

    def _judge(self, now_s: float) -> None:
        current = {
            h.group_id: (h.status, h.totals.total_lag, h.time_lag.seconds, h.eta_s)
            for h in self._sampler.health().values()
        }
        alerts, self._known = transitions(self._name, self._known, current, self._settings, now_s)
        for alert in alerts:
            self._sender.submit(alert, self._settings)

    def close(self) -> None:
        self._stop.set()


ALERTS: Part[AlertWatcher] = Part("alerts")


def alert_watcher(cluster: Cluster, settings: AlertSettings | None = None) -> AlertWatcher | None:
    """The cluster's watcher, started once (None when no alerts are configured)."""
    settings = settings or alert_settings()
    if settings is None:
        return None
    sampler = lag_sampler(cluster)  # first: attached() holds the cluster's lock while it makes a part
    return cluster.attached(ALERTS, lambda: AlertWatcher(cluster.settings.name, sampler, settings, dispatcher()))


def recent_alerts(cluster_name: str) -> list[Delivery]:
    return dispatcher().recent(cluster_name)
