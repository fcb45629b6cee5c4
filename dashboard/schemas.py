"""Streamlit glue for the schema registry: cached subject lists and schemas, an encoder per
subject version, the Produce page's "Value schema" picker and its example value."""

from __future__ import annotations

import streamlit as st

from dashboard import resources
from dashboard.widgets import plain
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError
from kafka_io.schemas import registry
from kafka_io.schemas.encode import SchemaEncoder

__all__ = [
    "NO_SCHEMA",
    "encoder",
    "prefill",
    "schema_example",
    "subject_rows",
    "subject_schema",
    "subject_versions",
    "template_from_example",
    "value_schema_picker",
]

SUBJECTS_TTL_S = 10
NO_SCHEMA = "None: send the value as typed"
LATEST = "latest"


@st.cache_data(ttl=SUBJECTS_TTL_S, show_spinner=False, max_entries=16)
def subject_rows(settings: ClusterSettings) -> list[registry.SubjectRow]:
    return registry.subject_rows(settings.schema_registry, set(resources.topic_names(settings)))


@st.cache_data(ttl=SUBJECTS_TTL_S, show_spinner=False, max_entries=16)
def subjects(settings: ClusterSettings) -> list[str]:
    return registry.subjects(settings.schema_registry)


@st.cache_data(ttl=SUBJECTS_TTL_S, show_spinner=False, max_entries=256)
def subject_versions(settings: ClusterSettings, subject: str) -> list[int]:
    return registry.subject_versions(settings.schema_registry, subject)


@st.cache_data(ttl=SUBJECTS_TTL_S, show_spinner=False, max_entries=256)
def subject_schema(settings: ClusterSettings, subject: str, version: int | str) -> registry.SubjectSchema:
    return registry.subject_schema(settings.schema_registry, subject, version)


@st.cache_resource(show_spinner=False, max_entries=64)
def encoder(settings: ClusterSettings, subject: str, version: int | str, topic: str) -> SchemaEncoder:
    return SchemaEncoder(settings.schema_registry, subject_schema(settings, subject, version), topic)


def value_schema_picker(settings: ClusterSettings, topic: str, key: str) -> SchemaEncoder | None:
    """The subject and version events are sent with, or None (as typed). The topic's own
    ``<topic>-value`` subject comes first, as the Java serializers would pick it."""
    if settings.schema_registry is None:
        return None
    try:
        names = subjects(settings)
    except KafkaIOError as exc:
        st.warning(plain(f"Schema registry: {exc}"), icon=":material/warning:")
        return None
    own = f"{topic}-value"
    ordered = ([own] if own in names else []) + [n for n in names if n != own]
    left, right = st.columns([3, 1])
    subject = left.selectbox(
        "Value schema",
        [NO_SCHEMA, *ordered],
        index=1 if own in names else 0,
        key=f"{key}_subject",
        help="Events are written as JSON, checked against the schema and sent Confluent-framed "
        "(magic byte and schema id), as confluent-kafka's serializers send them.",
    )
    if subject == NO_SCHEMA:
        return None
    try:
        versions = subject_versions(settings, subject)
        version = right.selectbox("Version", [LATEST, *reversed(versions)], key=f"{key}_version")
        picked = encoder(settings, subject, version, topic)
    except KafkaIOError as exc:
        st.error(plain(exc), icon=":material/error:")
        return None
    st.caption(f"Sent as {plain(picked.label)}: write the value as JSON.")
    return picked


def schema_example(picked: SchemaEncoder | None) -> str | None:
    """A valid value generated from the picked schema (the serializer has accepted it), or None."""
    if picked is None:
        return None
    try:
        text = picked.example_text()
    except KafkaIOError as exc:
        st.caption(plain(f"No example value from the schema: {exc}"))
        return None
    st.caption("The value starts as an example made from the schema; the serializer has checked it.")
    return text


def prefill(key: str, text: str) -> None:
    """Put ``text`` in the widget ``key`` when it changes (another topic or schema), not on
    every rerun, so what the user typed stays."""
    marker = f"{key}_prefilled"
    if st.session_state.get(marker) != text:
        st.session_state[marker] = st.session_state[key] = text


def _use_as_template(text: str) -> None:
    st.session_state["tpl_text"], st.session_state["tpl_key"] = text, ""


def template_from_example(example: str | None) -> None:
    if example is not None:
        st.button(
            "Start a template from the schema example",
            key="tpl_from_example",
            icon=":material/schema:",
            on_click=_use_as_template,
            args=(example,),
            help="Replaces the template text with the example value; add placeholders such as {{seq}} to vary it.",
        )
