"""The demo's restart budget: a worker that dies is replaced, unless deaths come too fast."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from kafka_io.demo.control import _RestartBudget

# (times of deaths, in seconds) -> which of them may be replaced; limit 3 within 60 s
CASES = [
    ([0], [True]),  # 1. one death: replaced
    ([0, 1, 2], [True, True, True]),  # 2. three within the window: all replaced
    ([0, 1, 2, 3], [True, True, True, False]),  # 3. a fourth within 60 s: the demo stops
    ([0, 1, 2, 61], [True, True, True, True]),  # 4. the first has left the window
    ([0, 30, 59.9, 60, 89.9], [True, True, True, True, False]),  # 5. the window slides
]


@pytest.mark.parametrize(("deaths_s", "allowed"), CASES, ids=ids(CASES))
def test_restart_budget(deaths_s, allowed):
    budget = _RestartBudget(limit=3, window_s=60.0)
    assert [budget.allow(t) for t in deaths_s] == allowed
    assert budget.total == sum(allowed)
