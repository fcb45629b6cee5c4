"""The Consumer groups page's line on where committed offsets came from (issue #25)."""

from __future__ import annotations

from kafka_io.groups.models import GroupLag
from kafka_io.groups.sampler_snapshot import LagSnapshot, offsets_source_note


def snapshot(source: str, reason: str = "", described: int = 0, groups: int = 0) -> LagSnapshot:
    lags = tuple(GroupLag(f"g{i}", "EMPTY", (), (), 0.0) for i in range(groups))
    return LagSnapshot(1.0, 5.0, lags, offsets_source=source, offsets_source_reason=reason, described_groups=described)


def test_from_the_log_it_says_how_many_groups_were_described():
    assert offsets_source_note(snapshot("__consumer_offsets", described=12, groups=10_000)) == (
        "Committed offsets: read from __consumer_offsets, one reader for every group. "
        "States and members asked for 12 of 10,000 groups this sample "
        "(those the log named since, or whose state changed; the others are as before)."
    )


def test_on_the_admin_api_it_says_why_not_the_log():
    note = offsets_source_note(
        snapshot("admin API", "not authorized to read __consumer_offsets (Broker: Topic authorization failed)")
    )
    assert note == (
        "Committed offsets: the admin API, one request per group: __consumer_offsets is not used, "
        "not authorized to read __consumer_offsets (Broker: Topic authorization failed)."
    )
    assert offsets_source_note(snapshot("admin API")) == "Committed offsets: the admin API, one request per group."
