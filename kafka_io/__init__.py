"""kafka_io: Kafka access and domain logic; the only package that talks to Kafka.

The facade names what most callers need: the errors, the settings and the
``Cluster`` handle. Domain code lives in subpackages (``kafka_io.topics``,
``kafka_io.groups``, ...) imported explicitly. Settings and the handle load
lazily (PEP 562), so importing a pure module stays cheap.
"""

from __future__ import annotations

from typing import Any

from kafka_io.errors import (
    InvalidInput,
    KafkaIOError,
    NotAllowed,
    NotAuthorized,
    NotFound,
    ReadOnly,
    Timeout,
    Unavailable,
)

__all__ = [
    "Cluster",
    "ClusterSettings",
    "InvalidInput",
    "KafkaIOError",
    "NotAllowed",
    "NotAuthorized",
    "NotFound",
    "ReadOnly",
    "Timeout",
    "Unavailable",
    "load_settings",
]

_LAZY = {"Cluster": "kafka_io.cluster", "ClusterSettings": "kafka_io.config", "load_settings": "kafka_io.config"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kafka_io' has no attribute {name!r}")
