"""The raw baseline of the lag benches: every group's state, member count and lag with the
fewest confluent-kafka calls, every future in flight at once. Imports nothing of ours, so
run as a process it is also the baseline of the `lag` CLI as a whole process:

    .venv/bin/python bench/raw_lag.py BOOTSTRAP      # prints the lag of every group as JSON
"""

from __future__ import annotations

import json
import sys

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

DESCRIBE_BATCH = 500
TIMEOUT_S = 120  # a baseline, not a product timeout: at 10,000 groups one describe call waits long on a loaded machine


def raw_parallel(admin: AdminClient, batch: int | None = None) -> dict:
    """List, describes of 500 groups a call, one offsets future per group, then the end offsets in ONE
    list_offsets call, or (batch=N) in calls of N partitions all in flight at once."""
    ids = [g.group_id for g in admin.list_consumer_groups(request_timeout=TIMEOUT_S).result(TIMEOUT_S).valid]
    described = {}
    for start in range(0, len(ids), DESCRIBE_BATCH):  # all in flight: one call of 10,000 ids can time out
        described.update(admin.describe_consumer_groups(ids[start : start + DESCRIBE_BATCH], request_timeout=TIMEOUT_S))
    offsets = {
        g: next(
            iter(
                admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(g)], request_timeout=TIMEOUT_S).values()
            )
        )
        for g in ids
    }
    states = {g: (f.result(TIMEOUT_S).state, len(f.result(TIMEOUT_S).members)) for g, f in described.items()}
    committed = {
        g: {(tp.topic, tp.partition): tp.offset for tp in f.result(TIMEOUT_S).topic_partitions}
        for g, f in offsets.items()
    }
    tps = sorted({tp for c in committed.values() for tp in c})
    ends, size = {}, batch or len(tps)
    for start in range(0, len(tps), size):
        ends.update(
            admin.list_offsets(
                {TopicPartition(t, p): OffsetSpec.latest() for t, p in tps[start : start + size]},
                request_timeout=TIMEOUT_S,
            )
        )
    high = {(tp.topic, tp.partition): f.result(TIMEOUT_S).offset for tp, f in ends.items()}
    return {g: (states[g], {tp: max(high[tp] - o, 0) for tp, o in c.items()}) for g, c in committed.items()}


if __name__ == "__main__":
    lags = raw_parallel(AdminClient({"bootstrap.servers": sys.argv[1]}), 100)
    json.dump(
        {
            g: {"state": s.name, "members": n, "lag": [[t, p, lag] for (t, p), lag in sorted(c.items())]}
            for g, ((s, n), c) in sorted(lags.items())
        },
        sys.stdout,
    )
