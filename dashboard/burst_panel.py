"""The Produce page's feedback where the eye is: a burst's progress and summary, and a send's result.

The panel is drawn right under the button that started it, scrolled into view
once when it appears and once when the result is in, and a toast (fixed in
the corner of the viewport) says it too: the first layout drew progress
330 px above the visible area, after the user had scrolled down to the button.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

__all__ = ["BURST_KEY", "FROM_KEY", "PANEL_KEY", "burst_panel", "scroll_into_view", "start_panel"]

BURST_KEY = "produce_burst"
FROM_KEY = "produce_burst_from"  # which tab started it: its panel is drawn there
SCROLL_KEY = "produce_scroll"  # a panel waiting to be scrolled into view
ANNOUNCED_KEY = "produce_burst_announced"
PANEL_KEY = "burst_panel"
PROGRESS_EVERY_S = 0.5
SHOWN_FAILURES = 1_000


def start_panel(burst, origin: str) -> None:
    """Remember a new burst for this session and where its panel goes."""
    st.session_state[BURST_KEY] = burst
    st.session_state[FROM_KEY] = origin
    st.session_state[SCROLL_KEY] = PANEL_KEY
    st.toast(f"Burst started: {burst.planned:,} events to {burst.topic}", icon=":material/rocket_launch:")


def scroll_into_view(key: str) -> None:
    """Scroll the container with ``key`` into view (the least scrolling that shows all of it)."""
    # The class comes from st.container(key=...); the key is ours, never user text.
    selector = json.dumps(f".st-key-{key}")
    st.html(
        "<script>setTimeout(() => {"
        f"const el = [...document.querySelectorAll({selector})].pop();"
        "if (el) el.scrollIntoView({block: 'nearest', behavior: 'instant'});"
        "}, 60);</script>",
        unsafe_allow_javascript=True,
    )


def burst_panel(origin: str) -> None:
    """The session's burst, if ``origin`` started it: live progress, then the summary."""
    burst = st.session_state.get(BURST_KEY)
    if burst is None or st.session_state.get(FROM_KEY, origin) != origin:
        return
    with st.container(key=PANEL_KEY, border=True):
        if burst.done:
            _announce(burst)
            _summary(burst)
        else:
            _progress()
    if st.session_state.pop(SCROLL_KEY, None) == PANEL_KEY:
        scroll_into_view(PANEL_KEY)


def _announce(burst) -> None:
    if st.session_state.get(ANNOUNCED_KEY) is burst:
        return
    st.session_state[ANNOUNCED_KEY] = burst
    st.session_state[SCROLL_KEY] = PANEL_KEY
    s = burst.summary
    st.toast(
        f"Burst to {s.topic}: {s.delivered:,} delivered, {s.failed:,} failed",
        icon=":material/check_circle:" if s.ok else ":material/error:",
    )


@st.fragment(run_every=PROGRESS_EVERY_S)
def _progress() -> None:
    burst = st.session_state.get(BURST_KEY)
    if burst is None:
        return
    progress = burst.progress()
    if not progress.running:
        st.rerun()  # the whole page, which now shows the summary
    st.progress(
        progress.fraction,
        text=f"{progress.delivered:,} delivered · {progress.failed:,} failed · "
        f"{progress.produced:,} of {progress.planned:,} sent · {progress.elapsed_s:.1f} s",
    )
    st.button(
        "Stopping…" if progress.stopping else "Stop",
        on_click=burst.stop,
        disabled=progress.stopping,
        icon=":material/stop_circle:",
    )


def _summary(burst) -> None:
    s = burst.summary
    st.subheader(f"Burst to {s.topic}: {'all delivered' if s.ok else f'{s.failed:,} failed'}", anchor=False)
    cells = st.columns(5)
    for cell, (label, value) in zip(
        cells,
        [
            ("Requested", f"{s.requested:,}"),
            ("Delivered", f"{s.delivered:,}"),
            ("Failed", f"{s.failed:,}"),
            ("Duration", f"{s.duration_s:.2f} s"),
            ("Events/s", f"{s.rate_per_s:,.0f}"),
        ],
    ):
        cell.metric(label, value)
    if s.stopped:
        st.info(f"Stopped: {s.not_sent:,} of {s.planned:,} planned events were not sent (and are not counted).")
    for note in s.notes:
        st.warning(note, icon=":material/restart_alt:")
    if s.partitions:
        st.dataframe(pd.DataFrame(s.partitions, columns=["partition", "delivered"]), hide_index=True, width="content")
    if s.failed:
        st.caption(f"Failed events (first {min(s.failed, SHOWN_FAILURES):,} of {s.failed:,})")
        st.dataframe(pd.DataFrame(list(s.failure_rows(SHOWN_FAILURES)), columns=["index", "reason"]), hide_index=True)
        st.download_button(
            "Download failed events (JSONL, ready to upload again)",
            data=burst.failures_jsonl,
            file_name=f"{s.topic}-failed.jsonl",
            mime="application/x-ndjson",
            on_click="ignore",
            icon=":material/download:",
        )
    if st.button("Clear summary"):
        del st.session_state[BURST_KEY]
        st.rerun()
