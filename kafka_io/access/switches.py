"""PURE: switches in secrets.toml that turn a feature off for everyone, whatever their role.

    [messages]
    export = false          # nobody exports events (Messages page, CLI); security teams ask for this

    [clusters.prod.messages]
    export = false          # this cluster only: a cluster's own table wins over [messages]

A switch that is not set is on. Unknown keys are refused: a misspelt switch
meant to turn export off must not silently leave it on.
"""

from __future__ import annotations

from collections.abc import Mapping

from kafka_io.errors import InvalidInput

__all__ = ["MESSAGES_KEYS", "messages_export"]

MESSAGES_KEYS = ("export",)


def messages_export(data: Mapping[str, object], cluster: str, path: object) -> bool:
    """Whether ``cluster`` may export messages: [clusters.<cluster>.messages], else [messages], else on."""
    section = (data.get("clusters") or {}).get(cluster)
    own = section.get("messages") if isinstance(section, Mapping) else None
    if own is not None:
        return _export(own, f"{path} [clusters.{cluster}.messages]")
    if "messages" in data:
        return _export(data["messages"], f"{path} [messages]")
    return True


def _export(table: object, where: str) -> bool:
    if not isinstance(table, Mapping):
        raise InvalidInput(f"{where} must be a table, e.g. export = false")
    unknown = sorted(set(table) - set(MESSAGES_KEYS))
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r} (expected {', '.join(MESSAGES_KEYS)})")
    value = table.get("export", True)
    if not isinstance(value, bool):
        raise InvalidInput(f"{where}: export must be true or false, got {value!r}")
    return value
