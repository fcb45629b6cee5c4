"""Audit: every write attempt (web and CLI), newest first; admins only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, resources
from dashboard.shell import page_settings
from dashboard.widgets import plain
from kafka_io.access.audit import audit_path, audit_path_reason, read_entries
from kafka_io.errors import KafkaIOError

SHOWN_MAX = 5_000  # newest entries read; the CLI reads any number (`audit --limit N`)

page_settings()
st.title("Audit")
if not auth.can_read_audit(auth.with_exposure(resources.configured_clusters())):
    st.warning("Only admins can read the audit log.", icon=":material/lock:")
    st.stop()

path = audit_path()
st.caption(
    f"Showing {plain(str(path))} ({plain(audit_path_reason())}): every write attempt from this dashboard, "
    "and from the CLI when it runs with the same setting."
)
try:
    read = read_entries(path, SHOWN_MAX)
except KafkaIOError as exc:
    st.error(plain(exc), icon=":material/error:")
    st.stop()
if read.unreadable_lines:
    st.warning(f"{read.unreadable_lines} unreadable line(s) skipped.", icon=":material/warning:")
if not read.entries:
    st.info("No write has been attempted yet.", icon=":material/inbox:")
    st.stop()

frame = pd.DataFrame(
    {
        "at": pd.to_datetime([e.at for e in read.entries], unit="s", utc=True),
        "who": [e.who for e in read.entries],
        "via": [e.via for e in read.entries],
        "cluster": [e.cluster for e in read.entries],
        "action": [e.action for e in read.entries],
        "target": [e.target for e in read.entries],
        "result": [e.result for e in read.entries],
        "error": [e.error or "" for e in read.entries],  # no error is a blank cell, not "None"
        "details": [", ".join(f"{k}={v}" for k, v in e.details.items()) for e in read.entries],
    }
).iloc[::-1]
who_col, action_col, cluster_col = st.columns(3)
who = who_col.multiselect("Who", sorted(set(frame["who"])), key="audit_who")
action = action_col.multiselect("Action", sorted(set(frame["action"])), key="audit_action")
cluster = cluster_col.multiselect("Cluster", sorted(set(frame["cluster"])), key="audit_cluster")
for column, chosen in (("who", who), ("action", action), ("cluster", cluster)):
    if chosen:
        frame = frame[frame[column].isin(chosen)]
st.caption(f"{len(frame):,} of {len(read.entries):,} entries, newest first (times in UTC).")
st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    column_config={"at": st.column_config.DatetimeColumn("at", format="YYYY-MM-DD HH:mm:ss")},
)
