"""When the lag sampler's tick takes a full sample (numbered cases).

Case 02 is the CI flake of 2026-12-07: on a machine up for less than one
interval, a started sampler used to wait a whole interval before its first
sample, because "never sampled" was stored as monotonic time 0.0."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from kafka_io.groups.sampler_config import full_sample_due

CASES = [
    # now_s, last_full_s, full_every_s, failing, due
    (5_000.0, None, 5.0, False, True),  # 01 never sampled: sample now
    (90.0, None, 3600.0, False, True),  # 02 never sampled, machine up 90 s, interval 1 h: still now
    (102.0, 100.0, 5.0, False, False),  # 03 sampled 2 s ago, every 5 s: wait
    (105.0, 100.0, 5.0, False, True),  # 04 exactly one interval later: due
    (101.0, 100.0, 5.0, True, True),  # 05 the latest sample failed: retry at once
    (150.0, 100.0, 80.0, False, False),  # 06 big cluster, full samples spaced to 80 s: not yet
]


@pytest.mark.parametrize(("now_s", "last_full_s", "full_every_s", "failing", "due"), CASES, ids=ids(CASES))
def test_full_sample_due(now_s, last_full_s, full_every_s, failing, due):
    assert full_sample_due(now_s, last_full_s, full_every_s, failing=failing) is due
