"""The Live events page's source (topics, start, type spec): from its form, in words, and
as its deep link.

/live_events?topic=T&topic=T2&from=recent:S|earliest|latest|last:N|timestamp:MS[&type=SPEC]
Without from=, a link starts a minute back (recent:60), like the page's form.
"""

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from kafka_io.errors import InvalidInput
from kafka_io.live.model import DEFAULT_RECENT_S, StartPosition
from kafka_io.live.rates import TypeSpec
from kafka_io.topics.names import validate_topic_name

__all__ = [
    "LINK_KEY",
    "LINK_WARNINGS_KEY",
    "SOURCE_KEY",
    "START_LABELS",
    "Source",
    "form_source",
    "from_link",
    "reading_text",
    "write_link",
]

SOURCE_KEY, LINK_KEY, LINK_WARNINGS_KEY = "live_selected_source", "live_link", "live_link_warnings"
DEFAULT_START = StartPosition("recent", DEFAULT_RECENT_S)
START_LABELS = {
    "recent": "Recent (seconds back)",
    "latest": "Latest (new events)",
    "earliest": "Earliest (replay all)",
    "last": "Last N per partition",
    "timestamp": "From a time",
}


@dataclass(frozen=True)
class Source:
    topics: tuple[str, ...]
    start: StartPosition = DEFAULT_START
    spec: TypeSpec = TypeSpec("field")


def form_source(topics: list[str], kind: str, value: float | datetime | None, type_kind: str, type_name: str) -> Source:
    """The form's choice as a Source; InvalidInput says what is wrong with it."""
    if kind in ("last", "recent"):
        value = int(value)
    elif kind == "timestamp":
        value = int(value.timestamp() * 1000) if value else None
    spec = TypeSpec("field") if type_kind == "auto" else TypeSpec(type_kind, type_name.strip() or None)
    return Source(tuple(topics), StartPosition(kind, value), spec)


def _start_words(start: StartPosition) -> str:
    if start.kind == "recent":
        return f"{start.value:,} s before Watch"
    return START_LABELS[start.kind].lower()


def reading_text(source: Source, partitions: int, shared: bool, viewers: int) -> str:
    """What the view reads, from where, and whose reader it is (plain text: a header name
    or field path from a link must not become markup)."""
    who = f"shared by {viewers} viewer{'s' * (viewers != 1)}" if shared else "private to this tab"
    return (
        f"Reading {', '.join(source.topics)} from {_start_words(source.start)} "
        f"({partitions} partitions) · type: {source.spec} · reader {who}"
    )


def from_link() -> Source | None:
    """The deep link's source, once per distinct link (so a form choice is not overridden)."""
    asked = tuple(st.query_params.get_all("topic"))
    link = (asked, st.query_params.get("from", str(DEFAULT_START)), st.query_params.get("type", "auto"))
    if not asked or st.session_state.get(LINK_KEY) == link:
        return None
    st.session_state[LINK_KEY] = link
    warnings = st.session_state[LINK_WARNINGS_KEY] = []
    topics = tuple(dict.fromkeys(t.strip() for t in asked if _valid_topic(t)))
    if len(topics) < len(set(asked)):
        warnings.append("Ignoring topic names in the link that Kafka would not accept.")
    try:
        start = StartPosition.parse(link[1])
        spec = TypeSpec.parse(link[2])
    except InvalidInput:  # the message would echo the link's text, which must not become markup
        warnings.append(
            "Ignoring the link's from/type value: use from=recent:S|latest|earliest|last:N|timestamp:MS "
            "and type=auto|key|header:NAME|field:PATH."
        )
        start, spec = DEFAULT_START, TypeSpec("field")
    return Source(topics, start, spec) if topics else None


def _valid_topic(name: str) -> bool:
    try:
        validate_topic_name(name)
        return True
    except InvalidInput:
        return False


def write_link(source: Source) -> None:
    params = {"topic": list(source.topics), "from": str(source.start)}
    if str(source.spec) != "auto":
        params["type"] = str(source.spec)
    st.query_params.from_dict(params)
    st.session_state[LINK_KEY] = (tuple(source.topics), params["from"], params.get("type", "auto"))
