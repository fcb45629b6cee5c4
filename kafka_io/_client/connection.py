"""What domain functions take: a cluster's admin client and its settings, as one value.

``Cluster`` (kafka_io.cluster) satisfies ``ClusterClient``; a caller that owns a
bare admin client (the lag sampler, which remakes its own after a failed sample)
passes a ``Connection``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kafka_io._client.admin import CountingAdmin
from kafka_io.config import ClusterSettings


class ClusterClient(Protocol):
    """A counting admin client (make_admin) and the settings it was made from (named timeouts, read-only, roles)."""

    @property
    def admin(self) -> CountingAdmin: ...

    @property
    def settings(self) -> ClusterSettings: ...


@dataclass(frozen=True, slots=True)
class Connection:
    """A ``ClusterClient`` over an admin client someone else owns (and closes)."""

    admin: CountingAdmin
    settings: ClusterSettings
