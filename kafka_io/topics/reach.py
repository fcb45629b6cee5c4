"""Which brokers in the metadata do not take a TCP connection.

A SIGKILLed broker stays in Kafka's metadata, and stays leader of its
partitions, until the controller fences it after `broker.session.timeout.ms`
(9 s by default). During those seconds every request to it waits for the
admin timeout. A half-second TCP connect per broker, all in parallel, names
the dead broker at once and lets its partitions fail fast as error cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from kafka_io._client import tcp_reason
from kafka_io.cluster import BrokerInfo

__all__ = ["unreachable_brokers"]

MAX_PROBES_IN_FLIGHT = 16


def unreachable_brokers(brokers: Iterable[BrokerInfo]) -> tuple[tuple[int, str], ...]:
    """(broker id, reason) for each broker that refuses or ignores a TCP connect."""
    listed = list(brokers)
    if not listed:
        return ()
    with ThreadPoolExecutor(max_workers=min(len(listed), MAX_PROBES_IN_FLIGHT)) as pool:
        reasons = list(pool.map(lambda b: tcp_reason(f"{b.host}:{b.port}"), listed))
    return tuple(sorted((b.id, reason) for b, reason in zip(listed, reasons, strict=True) if reason))
