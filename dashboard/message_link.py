"""PURE: the Messages page's deep link, both ways, and the rules for what a view's address says.

/messages?topic=T[&partition=P][&offset=N | &ts=MS | &from=oldest][&filter=EXPR]

No partition means all partitions; no start means the newest events. A link
part that cannot be used is dropped with a warning in fixed words: the link's
own text never reaches the page as markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kafka_io.errors import InvalidInput
from kafka_io.messages.model import Seek
from kafka_io.topics.names import validate_topic_name

__all__ = ["MAX_FILTER_CHARS", "MessagesQuery", "from_params", "page_offset", "to_params"]

MAX_FILTER_CHARS = 2_000  # a filter longer than this is not a filter, and would not fit a URL anyway

BAD_TOPIC = "Ignoring the link's topic: Kafka would not accept that name."
BAD_PARTITION = "Ignoring the link's partition: use a whole number ≥ 0 (or leave it out for all partitions)."
BAD_START = "Ignoring the link's start: use offset=N or ts=MS (whole numbers ≥ 0), or from=oldest|newest."
TWO_STARTS = "The link names both an offset and a time: reading from the offset."
LONG_FILTER = f"Ignoring the link's filter: longer than {MAX_FILTER_CHARS:,} characters."


@dataclass(frozen=True, slots=True)
class MessagesQuery:
    """What the Messages page shows: a topic, one partition or all (None), a start, a CEL filter."""

    topic: str | None = None
    partition: int | None = None
    seek: Seek = Seek()
    filter_expr: str = ""


def _whole(text: str | None) -> int | None:
    """A whole number ≥ 0, or None for anything else."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _topic(text: str | None, warnings: list[str]) -> str | None:
    if not text:
        return None
    try:
        validate_topic_name(text.strip())
    except InvalidInput:
        warnings.append(BAD_TOPIC)
        return None
    return text.strip()


def _seek(params: Mapping[str, str], warnings: list[str]) -> Seek:
    offset, ts, start = params.get("offset"), params.get("ts"), (params.get("from") or "").strip().lower()
    if offset is not None and ts is not None:
        warnings.append(TWO_STARTS)
        ts = None
    if offset is not None:
        value = _whole(offset)
        return Seek("offset", value) if value is not None else _bad_start(warnings)
    if ts is not None:
        value = _whole(ts)
        return Seek("timestamp", value) if value is not None else _bad_start(warnings)
    if start in ("", "newest"):
        return Seek()
    if start == "oldest":
        return Seek("oldest")
    return _bad_start(warnings)


def _bad_start(warnings: list[str]) -> Seek:
    warnings.append(BAD_START)
    return Seek()


def from_params(params: Mapping[str, str]) -> tuple[MessagesQuery, tuple[str, ...]]:
    """The view a link asks for, and a warning for each part that was dropped."""
    warnings: list[str] = []
    topic = _topic(params.get("topic"), warnings)
    partition = None
    if params.get("partition") not in (None, "", "all"):
        partition = _whole(params["partition"])
        if partition is None:
            warnings.append(BAD_PARTITION)
    seek = _seek(params, warnings)
    filter_expr = (params.get("filter") or "").strip()
    if len(filter_expr) > MAX_FILTER_CHARS:
        warnings.append(LONG_FILTER)
        filter_expr = ""
    return MessagesQuery(topic, partition, seek, filter_expr), tuple(warnings)


def to_params(query: MessagesQuery) -> dict[str, str]:
    """The link of a view (the inverse of from_params for every view it accepts)."""
    if query.topic is None:
        return {}
    params = {"topic": query.topic}
    if query.partition is not None:
        params["partition"] = str(query.partition)
    if query.seek.kind == "offset":
        params["offset"] = str(query.seek.value)
    elif query.seek.kind == "timestamp":
        params["ts"] = str(query.seek.value)
    elif query.seek.kind == "oldest":
        params["from"] = "oldest"
    if query.filter_expr:
        params["filter"] = query.filter_expr
    return params


def page_offset(query: MessagesQuery, offsets: list[int]) -> MessagesQuery:
    """After paging one partition, the address names the shown page's first offset, so a
    reload or a shared link shows the same events. Across partitions one offset cannot say
    where each page starts: the link keeps the start it was opened with."""
    if query.partition is None or not offsets:
        return query
    return MessagesQuery(query.topic, query.partition, Seek("offset", min(offsets)), query.filter_expr)
