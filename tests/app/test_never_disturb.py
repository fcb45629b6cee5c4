"""Viewing never disturbs a user's group: every read path of the feature runs
against a live group, whose commits, members and generation must not change."""

from __future__ import annotations

import subprocess
import sys

from support.groups import GroupMember, committed_offsets, describe, group_ids, wait_for
from support.kafka import create_topic, produce

from kafka_io._client import VIEWER_GROUP_PREFIX, Connection, make_admin
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.groups.record_reads import exact_time_lags
from kafka_io.groups.sampler import LagSampler


def membership(bootstrap: str, group: str):
    found = describe(bootstrap, group)
    return found.state.name, sorted(
        (m.member_id, m.client_id, tuple(sorted((tp.topic, tp.partition) for tp in m.assignment.topic_partitions)))
        for m in found.members
    )


def test_reading_never_joins_rebalances_or_commits(make_app, settings, kafka_bootstrap, cluster_env, unique, repo_root):
    topic, group = unique("watched"), unique("users-group")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 10, 1: 10})
    member = GroupMember(kafka_bootstrap, group, [topic], commit="first", client_id="users-app").wait_assigned()
    try:
        wait_for(lambda: member.commits == 1 and member.consumed == 20, 30, "the member to read and commit")
        produce(kafka_bootstrap, topic, {0: 5, 1: 5})  # lag > 0 so exact time lag really reads records
        before = (committed_offsets(kafka_bootstrap, group), membership(kafka_bootstrap, group), member.assignments)
        groups_before = group_ids(kafka_bootstrap)
        assert before[1][0] == "STABLE" and before[2] == 1

        # 1. the sampler, for several cycles, plus an on-demand refresh of the group
        sampler = LagSampler(settings, interval_s=0.2).start()
        try:
            # 60 s: the session broker holds every test's groups by now, and a loaded run (a core
            # kept busy, 2026-12-08) took over 10 s for three samples; a pass waits no longer.
            wait_for(lambda: len(sampler.history.samples(group, topic, 0)) >= 3, 60, "three samples")
            assert sampler.refresh_groups([group]).group(group).totals.total_lag > 0
            assert sampler.health()[group].group.members
        finally:
            sampler.stop()
        # 2. a direct admin read and the exact lag in seconds (viewer consumers)
        (lag,) = fetch_group_lags(Connection(make_admin(settings), settings), [group])
        assert all(t.exact for t in exact_time_lags(settings, lag.partitions).values())
        # 3. the CLI, for this group and for all groups
        for args in (["--group", group, "--gap", "0.3"], ["--gap", "0"]):
            cli = subprocess.run(
                [sys.executable, "-m", "kafka_io", "lag", *args],
                capture_output=True,
                text=True,
                env=cluster_env,
                cwd=repo_root,
                timeout=60,
            )
            assert cli.returncode == 0, cli.stderr
        # 4. the page: the list and the group's detail (with its exact lag)
        assert not make_app("pages/consumer_groups.py").run().exception
        detail = make_app("pages/consumer_groups.py", query={"group": group}).run()
        assert not detail.exception and not detail.error
        assert {m.label: m.value for m in detail.metric}["Members"] == "1"

        after = (committed_offsets(kafka_bootstrap, group), membership(kafka_bootstrap, group), member.assignments)
        assert after == before  # same commits, same members and assignment, no rebalance
        new_groups = group_ids(kafka_bootstrap) - groups_before
        assert all(g.startswith(VIEWER_GROUP_PREFIX) for g in new_groups), new_groups
    finally:
        member.stop()
