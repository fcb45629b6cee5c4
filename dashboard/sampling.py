"""How current the lag sampler's statuses are, drawn the same way on the
Consumer groups page and the Overview (issue #17: outage honesty).

A page draws `sample_status` inside a fragment that ticks every `tick_s`:
that tick, not the sampler's interval, bounds how late a stale mark or a
recovery shows up.
"""

from __future__ import annotations

import time

import streamlit as st

from dashboard.widgets import plain
from kafka_io.config import ClusterSettings
from kafka_io.groups.incident import Freshness, freshness
from kafka_io.groups.sampler import LagSampler
from kafka_io.groups.sampler_snapshot import offsets_source_note

__all__ = ["FRESHNESS_TICK_S", "current_freshness", "sample_details", "sample_status", "tick_s"]

# Pages redraw sampler data at least this often, so "12 s ago" counts up and a
# failed sample is flagged within a couple of seconds of being recorded.
FRESHNESS_TICK_S = 2.0


def tick_s(sampler: LagSampler) -> float:
    return min(sampler.interval_s, FRESHNESS_TICK_S)


def current_freshness(sampler: LagSampler, settings: ClusterSettings) -> Freshness:
    snapshot = sampler.latest()
    return freshness(
        snapshot.sampled_at_s,
        time.time(),
        interval_s=sampler.interval_s,
        timeout_s=settings.timeout_s,
        error=snapshot.error,
        error_at_s=snapshot.error_at_s,
    )


def sample_status(sampler: LagSampler, settings: ClusterSettings, fresh: Freshness) -> None:
    """A warning when statuses are stale (as of when, and why); else one caption. What the
    sampler costs is not an incident's first question: `sample_details` draws it below the table."""
    snapshot = sampler.latest()
    if snapshot.sampled_at_s is None:
        st.error(plain(fresh.why), icon=":material/cloud_off:")
        return
    if fresh.stale:
        st.warning(
            f"**Statuses are stale**, {fresh.as_of}: {plain(fresh.why)}. "
            f"Showing the last good sample, greyed; retrying every {sampler.retry_every_s:g} s.",
            icon=":material/sync_problem:",
        )
        return
    st.caption(f"Statuses {fresh.as_of} (the sample took {snapshot.duration_ms:.0f} ms)")


def sample_details(sampler: LagSampler) -> None:
    """The sampler's cost and pace, in a details line under the table."""
    snapshot = sampler.latest()
    if snapshot.sampled_at_s is None:
        return
    st.caption(plain(offsets_source_note(snapshot)))
    st.caption(
        f"Sampler: sample {snapshot.sequence} cost {snapshot.admin_requests} admin requests · "
        f"{snapshot.admin_requests_total:,} by this app since it started (one sampler for every viewer)"
    )
    # Only a full sample that really took more than its share of the interval
    # spaces full samples out (the sampler never counts a failed one).
    if sampler.full_every_s >= 2 * sampler.interval_s:
        st.caption(
            f"Big cluster: a full sample took {sampler.last_full_took_s:.1f} s, so every group is sampled "
            f"every {sampler.full_every_s:.0f} s; pinned groups every {sampler.interval_s:g} s."
        )
