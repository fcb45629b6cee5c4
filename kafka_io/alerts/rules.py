"""PURE: alert settings, the transitions worth a POST, and the JSON each POST carries.

Settings: ``KDASH_ALERT_WEBHOOK_URL`` (one target), or an ``[alerts]`` table in
secrets.toml (kafka_io.settings reads both; ``KDASH_PUBLIC_URL`` wins over ``public_url``):

    [alerts]
    min_status = "WARN"          # default: WARN; at or above it a change is sent
    include = ["orders-*"]        # group id patterns (fnmatch); default: every group
    exclude = ["*-test"]
    public_url = "https://kafka-dash.example.com"   # for the deep link in each alert
    [[alerts.targets]]
    url = "https://hooks.slack.com/services/..."
    [[alerts.targets]]
    url = "https://alerts.example.com/kafka"
    min_status = "STALL"         # this target only hears about STALL and STOP

UNKNOWN (too few samples to judge) is never a status to alert on, nor to come
back from: the last known status stands until a real one replaces it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass

from kafka_io.errors import InvalidInput
from kafka_io.groups.status import Status

__all__ = ["Alert", "AlertSettings", "Target", "alert_payload", "parse_alerts", "transitions"]

WEBHOOK_ENV = "KDASH_ALERT_WEBHOOK_URL"  # named in errors; kafka_io.settings reads it
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8501"
FIRING, RESOLVED = "firing", "resolved"


@dataclass(frozen=True)
class Target:
    url: str
    min_status: Status = Status.WARN

    def wants(self, alert: Alert) -> bool:
        """A target hears a firing alert at or above its minimum, and the resolution of one it heard."""
        status = alert.previous if alert.state == RESOLVED else alert.status
        return status is not None and status.rank >= self.min_status.rank


@dataclass(frozen=True)
class AlertSettings:
    targets: tuple[Target, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    public_url: str = DEFAULT_PUBLIC_URL

    @property
    def min_status(self) -> Status:
        return min((t.min_status for t in self.targets), key=lambda s: s.rank, default=Status.WARN)

    def watches(self, group_id: str) -> bool:
        included = not self.include or any(fnmatch.fnmatchcase(group_id, p) for p in self.include)
        return included and not any(fnmatch.fnmatchcase(group_id, p) for p in self.exclude)


@dataclass(frozen=True)
class Alert:
    cluster: str
    group: str
    state: str  # firing or resolved
    status: Status
    previous: Status | None  # None: the first status this process saw for the group
    total_lag: int | None
    lag_seconds: float | None
    eta_s: float | None
    at_s: float


def parse_alerts(
    table: object, webhook_url: str | None = None, public_url: str | None = None, where: str = "[alerts]"
) -> AlertSettings | None:
    """The alert settings, or None when no target is configured. ``webhook_url`` and
    ``public_url`` come from the environment, and the latter wins over the table's."""
    if table is None:
        chosen = (public_url or DEFAULT_PUBLIC_URL).rstrip("/")
        return AlertSettings((Target(_url(webhook_url, WEBHOOK_ENV)),), public_url=chosen) if webhook_url else None
    if not isinstance(table, Mapping):
        raise InvalidInput(f"{where} must be a table")
    unknown = sorted(set(table) - {"min_status", "include", "exclude", "public_url", "targets"})
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r}")
    default_min = _status(table.get("min_status", "WARN"), f"{where} min_status")
    raw = list(table.get("targets") or [])
    if webhook_url:
        raw.append({"url": webhook_url})
    targets = tuple(_target(t, default_min, f"{where} targets[{i}]") for i, t in enumerate(raw))
    include = _patterns(table.get("include"), f"{where} include")
    exclude = _patterns(table.get("exclude"), f"{where} exclude")
    if not targets:
        return None
    chosen = public_url or str(table.get("public_url") or DEFAULT_PUBLIC_URL)
    return AlertSettings(targets, include, exclude, chosen.rstrip("/"))


def _target(raw: object, default_min: Status, where: str) -> Target:
    if not isinstance(raw, Mapping) or "url" not in raw:
        raise InvalidInput(f"{where} must be a table with a url")
    return Target(_url(str(raw["url"]), where), _status(raw.get("min_status", default_min), f"{where} min_status"))


def _url(url: str, where: str) -> str:
    scheme, sep, rest = url.strip().partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest.split("/", 1)[0]:
        raise InvalidInput(f"{where} must be an http(s) URL, got {url!r}")
    return url.strip()


def _status(value: object, where: str) -> Status:
    try:
        status = Status.parse(value)  # type: ignore[arg-type]
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    if status in (Status.UNKNOWN, Status.OK):
        raise InvalidInput(f"{where} must be WARN, REWIND, STALL or STOP, got {status.value}")
    return status


def _patterns(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{where} must be a list of group id patterns")
    return tuple(value)


def transitions(
    cluster: str,
    known: Mapping[str, Status],
    current: Mapping[str, tuple[Status, int | None, float | None, float | None]],
    settings: AlertSettings,
    now_s: float,
) -> tuple[list[Alert], dict[str, Status]]:
    """The alerts between the statuses ``known`` so far and ``current`` (group ->
    (status, total lag, lag seconds, ETA)), and the statuses known afterwards."""
    alerts: list[Alert] = []
    after = dict(known)
    floor = settings.min_status.rank
    for group, (status, total_lag, lag_s, eta_s) in sorted(current.items()):
        if status is Status.UNKNOWN or not settings.watches(group):
            continue
        before = known.get(group)
        after[group] = status
        if status is before:
            continue
        if status.rank >= floor:
            alerts.append(Alert(cluster, group, FIRING, status, before, total_lag, lag_s, eta_s, now_s))
        elif status is Status.OK and before is not None and before.rank >= floor:
            alerts.append(Alert(cluster, group, RESOLVED, status, before, total_lag, lag_s, eta_s, now_s))
    return alerts, after


def alert_payload(alert: Alert, link: str) -> dict[str, object]:
    """The POST body: plain JSON for any receiver, with a Slack-compatible ``text``;
    ``link`` opens the group on the dashboard."""
    behind = "?" if alert.total_lag is None else f"{alert.total_lag:,}"
    seconds = "" if alert.lag_seconds is None else f" ({alert.lag_seconds:,.0f} s)"
    if alert.state == RESOLVED:
        text = f"RESOLVED: group {alert.group} on {alert.cluster} is OK again (was {alert.previous.value})"
    else:
        eta = "not catching up" if alert.eta_s is None else f"ETA {alert.eta_s:,.0f} s"
        was = f", was {alert.previous.value}" if alert.previous else ""
        text = f"{alert.status.value}: group {alert.group} on {alert.cluster} is {behind} messages{seconds} behind; {eta}{was}"
    return {
        "state": alert.state,
        "cluster": alert.cluster,
        "group": alert.group,
        "status": alert.status.value,
        "previous_status": alert.previous.value if alert.previous else None,
        "total_lag": alert.total_lag,
        "lag_seconds": alert.lag_seconds,
        "eta_s": alert.eta_s,
        "at": alert.at_s,
        "link": link,
        "text": f"{text} <{link}|open>",
    }
