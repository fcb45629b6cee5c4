"""Which source serves a sample's committed offsets: ``__consumer_offsets`` or the admin API.

A reader that agreed with the admin API before only reads on (CommitLogReader.catch_up).
One that has not is confirmed within the same sample: the committed offsets of up to
PROBE_GROUPS listed groups, spread over the listing, are fetched through the admin API
first, then the log is read to its end and compared with them (CommitLogReader.confirm:
a group with commits the log never named means the broker writes none there, as
noida-db). So the first sample at 10,000 groups sends 20 OffsetFetch requests, not
10,000, and the probe's answers are not wasted: on the admin path they are that sample's
answers for those groups.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence

from kafka_io._client import FUTURE_GRACE_S, ClusterClient
from kafka_io.groups.commit_reader import COMMIT_LOG, CommitLogReader

__all__ = ["PROBE_GROUPS", "serving_reader"]

PROBE_GROUPS = 20


def serving_reader(
    cluster: ClusterClient, reader: CommitLogReader | None, ids: Sequence[str]
) -> tuple[CommitLogReader | None, dict[str, concurrent.futures.Future]]:
    """(the reader if the log serves this sample, else None; the probe's offset futures by group)."""
    admin, settings = cluster.admin, cluster.settings
    if reader is None or reader.refused:
        return None, {}
    if reader.confirmed:
        return (reader if reader.catch_up().name == COMMIT_LOG else None), {}
    step = max(1, len(ids) // PROBE_GROUPS)
    probe = [g for g in ids[::step] if g.strip()][:PROBE_GROUPS]
    futures = admin.committed_offsets(probe, settings.timeout_s) if probe else {}
    concurrent.futures.wait(list(futures.values()), timeout=settings.timeout_s + FUTURE_GRACE_S)
    answered = {g: f.result() for g, f in futures.items() if f.done() and f.exception() is None}
    reader.catch_up()  # after the probe: the log must hold every commit the probe saw
    reader.confirm(answered)
    return (reader if reader.source.name == COMMIT_LOG else None), futures
