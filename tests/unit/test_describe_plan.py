"""Which groups a full sample describes again once offsets come from __consumer_offsets
(groups.describe_plan, issue #25), in numbered cases; and the sampler's offsets-source setting."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from kafka_io.groups.describe_plan import FULL_PASS_SAMPLES, full_pass_share, to_describe
from kafka_io.groups.models import GroupLag


def lag(group_id: str, state: str = "STABLE", error: str | None = None) -> GroupLag:
    return GroupLag(group_id, state, (), (), 0.0, error=error)


def quiet_turn(*group_ids: str) -> int:
    """A turn in which the slow full pass picks none of these groups."""
    return next(t for t in range(FULL_PASS_SAMPLES) if not any(full_pass_share(g, t) for g in group_ids))


CASES = [
    # listed {id: state}, previous groups, changed by the log, described
    ({"a": "STABLE"}, [], set(), {"a"}),  # 01 never described: describe
    ({"a": "STABLE"}, [lag("a")], set(), set()),  # 02 same state, the log said nothing: carried over
    ({"a": "STABLE"}, [lag("a")], {"a"}, {"a"}),  # 03 the log named it (commit, rebalance, KIP-848 member)
    ({"a": "PREPARING_REBALANCING"}, [lag("a")], set(), {"a"}),  # 04 its listed state changed
    ({"a": None}, [lag("a")], set(), {"a"}),  # 05 the listing did not say its state
    ({"a": "STABLE"}, [lag("a", error="no answer within 5 s")], set(), {"a"}),  # 06 its last read failed
    ({"a": "STABLE", "b": "EMPTY"}, [lag("a"), lag("b", "EMPTY")], {"b", "gone"}, {"b"}),  # 07 only listed ones
]


@pytest.mark.parametrize(("listed", "previous", "changed", "described"), CASES, ids=ids(CASES))
def test_to_describe(listed, previous, changed, described):
    turn = quiet_turn(*listed)
    assert to_describe(listed, {g.group_id: g for g in previous}, changed, turn) == described
    # 08 the same groups in their turn of the slow full pass: described whatever else holds
    for group_id in listed:
        turn = next(t for t in range(FULL_PASS_SAMPLES) if full_pass_share(group_id, t))
        assert group_id in to_describe(listed, {g.group_id: g for g in previous}, changed, turn)


def test_the_slow_full_pass_describes_every_group_once_per_round_and_spreads_them():
    groups = [f"group-{i:05d}" for i in range(10_000)]
    listed = dict.fromkeys(groups, "STABLE")
    previous = {g: lag(g) for g in groups}
    rounds = [to_describe(listed, previous, set(), turn) for turn in range(FULL_PASS_SAMPLES)]
    assert sorted(g for chosen in rounds for g in chosen) == groups  # each exactly once a round
    sizes = [len(chosen) for chosen in rounds]
    assert max(sizes) < 1.5 * 10_000 / FULL_PASS_SAMPLES, sizes  # no one slow sample a round
    assert to_describe(listed, previous, set(), FULL_PASS_SAMPLES) == rounds[0]  # and again
