"""Schemas: the registry's subjects, their versions and schema text, and the topics they serve."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import schemas
from dashboard.shell import page_settings
from dashboard.widgets import plain, show_errors
from kafka_io.schemas.protobuf import describe

settings = page_settings()
st.title("Schemas")
registry = settings.schema_registry
if registry is None:
    st.info(
        "No schema registry is configured for this cluster. Set SCHEMA_REGISTRY_URL (and "
        "SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD), `schema_registry_url` in the cluster's "
        "section of secrets.toml, or `schema.registry.url` in its client.properties: Avro, Protobuf and "
        "JSON Schema events are then decoded on Live events and can be sent from Produce.",
        icon=":material/schema:",
    )
    st.stop()
st.caption(
    f"Subjects in the schema registry at {plain(registry.url)}; topics by the TopicNameStrategy (`<topic>-value`)."
)

rows = None
with show_errors("Reading the schema registry"), st.spinner("Reading subjects…"):
    rows = schemas.subject_rows(settings)
if rows is None:
    st.stop()
if not rows:
    st.info("The registry holds no subjects yet. Producers with a schema serializer register theirs on first send.")
    st.stop()

needle = st.text_input("Filter subjects", key="schemas_filter", placeholder="part of a subject or topic name")
shown = [r for r in rows if needle.lower() in r.subject.lower() or needle.lower() in (r.topic or "").lower()]
st.dataframe(
    pd.DataFrame(
        {
            "subject": [r.subject for r in shown],
            "type": [r.schema_type for r in shown],
            "latest version": [r.latest_version for r in shown],
            "versions": [r.versions for r in shown],
            "schema id": [r.schema_id for r in shown],
            "topic": [r.topic for r in shown],
            "for": [r.part for r in shown],
            "error": [r.error for r in shown],
        }
    ),
    hide_index=True,
    width="stretch",
)
st.caption(f"{len(shown):,} of {len(rows):,} subjects.")
if not shown:
    st.stop()

left, right = st.columns([3, 1])
subject = left.selectbox("Subject", [r.subject for r in shown], key="schemas_subject")
row = next(r for r in shown if r.subject == subject)
if row.error:
    st.error(plain(row.error), icon=":material/error:")
    st.stop()
with show_errors(f"Subject {subject}"):
    versions = schemas.subject_versions(settings, subject)
    version = right.selectbox("Version", list(reversed(versions)), key="schemas_version")
    schema = schemas.subject_schema(settings, subject, version)
    st.subheader(f"{schema.subject} v{schema.version}", anchor=False)
    st.caption(f"{schema.schema_type} · schema id {schema.schema_id}")
    if schema.schema_type == "PROTOBUF":
        st.code(describe(schema.text), language="protobuf")
    else:
        st.code(schema.text, language="json", wrap_lines=True)
    if row.topic:
        st.page_link(
            "pages/live_events.py",
            label=f"Watch {row.topic} on Live events",
            icon=":material/monitoring:",
            query_params={"topic": row.topic},
        )
