"""PURE: thread-safe counts of the requests kafka_io sends, by kind.

clients.make_admin returns an admin client that counts each request-issuing
call twice: in the client's own ``requests`` and in the process-wide
``ADMIN_REQUESTS``. The lag sampler reads its client's count to say what one
sample cost; the groups page shows it; the viewer-load test reads both to prove
that 20 viewers cost the admin requests of one.
"""

from __future__ import annotations

import threading

__all__ = ["ADMIN_REQUESTS", "RequestCounts"]


class RequestCounts:
    """Counts by kind (an admin method name); one lock, a dict increment per call."""

    __slots__ = ("_lock", "_counts")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self._counts[kind] = self._counts.get(kind, 0) + n

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def by_kind(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))


ADMIN_REQUESTS = RequestCounts()  # every admin request this process has sent
