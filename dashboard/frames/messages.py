"""Tables of the Messages page and the group page's stuck events, built from kafka_io values.

pandas only (no Streamlit). Every cell is plain text or a number: keys, values
and headers are data, never markup. A Message becomes the Live events'
TailRecord for display, so both pages show payloads by the same rules.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pandas as pd

from kafka_io.live.model import FramedView, TailRecord, make_record
from kafka_io.messages.model import Message
from kafka_io.messages.scan import ScanProgress
from kafka_io.messages.stuck import StuckEvent

__all__ = [
    "MESSAGE_COLUMNS",
    "STUCK_COLUMNS",
    "clock_utc",
    "headers_frame",
    "message_meta",
    "messages_frame",
    "progress_text",
    "record_of",
    "size_text",
    "stop_text",
    "stuck_frame",
]

MESSAGE_COLUMNS = ["partition", "offset", "time (UTC)", "key", "type", "headers", "size", "value"]
STUCK_COLUMNS = ["topic", "partition", "committed", "lag", "time (UTC)", "key", "type", "value", "error"]
STOPS = {
    "limit": "as many matches as asked for",
    "max_scan": "the most events a scan reads",
    "max_seconds": "the time limit",
    "end": "the end of the range",
    "cancelled": "cancelled",
}


def record_of(message: Message) -> TailRecord:
    """The message as Live events shows one (previews, decoded schema records, bounded raw bytes)."""
    framed = None
    if message.decoded is not None or message.schema:
        framed = FramedView(message.schema or "", message.decoded)
    record = make_record(
        0,
        message.topic,
        message.partition,
        message.offset,
        -1 if message.timestamp_ms is None else message.timestamp_ms,
        message.key,
        list(message.headers),
        message.value,
        message.type,
        framed=framed,
    )
    return replace(record, value_size=message.value_size)  # the full size, also when the value was cut


def clock_utc(ts_ms: int | None) -> str:
    if ts_ms is None or ts_ms < 0:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts_ms // 1000)) + f".{ts_ms % 1000:03d}"


def size_text(n_bytes: int) -> str:
    if n_bytes < 1024:
        return f"{n_bytes} B"
    if n_bytes < 1_048_576:
        return f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes / 1_048_576:.1f} MB"


def messages_frame(messages: tuple[Message, ...] | list[Message]) -> pd.DataFrame:
    """One row per message, in the order given."""
    rows = []
    for message in messages:
        record = record_of(message)
        rows.append(
            (
                message.partition,
                message.offset,
                clock_utc(message.timestamp_ms),
                record.key,
                message.type,
                len(message.headers),
                size_text(message.value_size),
                record.preview,
            )
        )
    return pd.DataFrame(rows, columns=MESSAGE_COLUMNS)


def message_meta(message: Message) -> dict:
    """What the detail view lists above the payload (shown with st.json: data, not markup)."""
    meta = {
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "timestamp_ms": message.timestamp_ms,
        "time (UTC)": clock_utc(message.timestamp_ms),
        "key": record_of(message).key,
        "type": message.type,
        "value_bytes": message.value_size,
    }
    if message.schema:
        meta["schema"] = message.schema
    if message.truncated:
        meta["truncated_to_bytes"] = len(message.value or b"")
    return meta


def headers_frame(message: Message) -> pd.DataFrame:
    """Every header, in order, its value as UTF-8 text (invalid bytes replaced; null shown as "(null)")."""
    rows = [
        (name, "(null)" if value is None else value.decode("utf-8", "replace"), 0 if value is None else len(value))
        for name, value in message.headers
    ]
    return pd.DataFrame(rows, columns=["name", "value", "bytes"])


def stop_text(stopped_by: str | None) -> str:
    return STOPS.get(stopped_by or "", "running")


def progress_text(progress: ScanProgress) -> str:
    """Scanned, matched, could not be evaluated, where each partition is: one line of plain text."""
    where = ", ".join(f"p{p}@{offset:,}" for p, offset in sorted(progress.positions.items()))
    text = (
        f"Scanned {progress.scanned:,} · matched {progress.matched:,} · "
        f"{progress.unevaluated:,} could not be evaluated · {progress.elapsed_s:.1f} s"
    )
    if where:
        text += f" · next: {where}"
    if progress.stopped_by is not None:
        text += f" · stopped: {stop_text(progress.stopped_by)}"
    return text


def stuck_frame(events: tuple[StuckEvent, ...] | list[StuckEvent]) -> pd.DataFrame:
    """One row per lagging partition: the event its group is stuck on (the first message)."""
    rows = []
    for event in events:
        first = event.messages[0] if event.messages else None
        record = record_of(first) if first is not None else None
        rows.append(
            (
                event.topic,
                event.partition,
                event.committed,
                event.lag,
                clock_utc(first.timestamp_ms) if first else "—",
                record.key if record else "",
                first.type if first else "",
                record.preview if record else "",
                event.error or ("" if first else "no event at the committed offset (deleted by retention?)"),
            )
        )
    df = pd.DataFrame(rows, columns=STUCK_COLUMNS)
    for column in ("committed", "lag"):
        df[column] = df[column].astype("Int64")
    return df
