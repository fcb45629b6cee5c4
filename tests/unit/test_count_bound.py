"""When high − low is only an upper bound (kafka_io.topics.counts), from a numbered table."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from kafka_io.topics.counts import count_bound

CASES = [
    # cleanup.policy, partitions ending in markers, upper bound?, words in the reason
    (None, [], False, ""),  # 01 configs unknown, nothing seen: exact
    ("delete", [], False, ""),  # 02 plain topic
    ("compact", [], True, "compaction"),  # 03 compaction removes records, not offsets
    ("delete, compact", [], True, "compaction"),  # 04 both policies, spaces tolerated
    ("delete", [2, 0, 2], True, "partition(s) 0, 2 end in offsets"),  # 05 markers, sorted and once each
    ("compact", [1], True, "compaction"),  # 06 both reasons
    ("delete", list(range(12)), True, "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …"),  # 07 long lists are cut
    ("compaction-like", [], False, ""),  # 08 only the policy word itself counts
]


@pytest.mark.parametrize(("policy", "marked", "upper", "words"), CASES, ids=ids(CASES))
def test_count_bound(policy, marked, upper, words):
    bound = count_bound(policy, marked)
    assert bound.upper_bound is upper
    assert words in bound.reason
    assert bound.label(1234) == ("≈ 1,234" if upper else "1,234")
