"""DataFrames for the overview and topics pages (and the `topics` CLI's table).

Missing numbers stay missing (None/NaN), never 0: the pages render them as
"—". Column names here are the ones the pages configure and tests read.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kafka_io.cluster import BrokerInfo
from kafka_io.topics.details import GroupStates, TopicConfigs, TopicGroups
from kafka_io.topics.snapshot import TopicSummary

__all__ = [
    "TOPIC_COLUMNS",
    "brokers_frame",
    "configs_frame",
    "group_states_frame",
    "groups_frame",
    "partitions_frame",
    "search_topics",
    "topics_frame",
]

TOPIC_COLUMNS = [
    "topic",
    "partitions",
    "replication_factor",
    "under_replicated",
    "messages",
    "rate_per_s",
    "cleanup_policy",
    "retention_ms",
    "error",
]


def _ids(ids: tuple[int, ...]) -> str:
    return ", ".join(map(str, ids))


def _int_column(values: list[int | None]) -> pd.Series:
    return pd.Series(values, dtype="Int64")


def topics_frame(
    topics: tuple[TopicSummary, ...],
    rates: Mapping[str, float | None],
    configs: Mapping[str, TopicConfigs] | None = None,
) -> pd.DataFrame:
    """One row per topic; config cells are None until configs are known."""
    configs = configs or {}
    rows = []
    for t in topics:
        conf = configs.get(t.name)
        problem = t.problem or (f"configs: {conf.error}" if conf is not None and conf.error else None)
        rows.append(
            (
                t.name,
                len(t.partitions),
                t.replication_factor,
                t.under_replicated,
                t.messages,
                rates.get(t.name),
                conf.get("cleanup.policy") if conf else None,
                _retention(conf.get("retention.ms")) if conf else None,
                problem,
            )
        )
    frame = pd.DataFrame(rows, columns=TOPIC_COLUMNS)
    frame["rate_per_s"] = frame["rate_per_s"].astype("float64")
    frame["retention_ms"] = _int_column(list(frame["retention_ms"]))
    return frame


def _retention(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def search_topics(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    """Rows whose topic name contains `text` (case-insensitive, literal)."""
    text = (text or "").strip().lower()
    if not text:
        return frame
    return frame[frame["topic"].str.lower().str.contains(text, regex=False)].reset_index(drop=True)


def partitions_frame(topic: TopicSummary, rates: Mapping[int, float | None]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            (
                p.partition,
                p.leader,
                _ids(p.replicas),
                _ids(p.isr),
                p.low,
                p.high,
                p.messages,
                rates.get(p.partition),
                p.error,
            )
            for p in topic.partitions
        ],
        columns=["partition", "leader", "replicas", "isr", "low", "high", "messages", "rate_per_s", "error"],
    )
    for column in ("leader", "low", "high", "messages"):
        frame[column] = _int_column(list(frame[column]))
    frame["rate_per_s"] = frame["rate_per_s"].astype("float64")
    return frame


def configs_frame(configs: TopicConfigs) -> pd.DataFrame:
    """Non-defaults first, then by name."""
    entries = sorted(configs.entries, key=lambda e: (not e.non_default, e.name))
    return pd.DataFrame(
        [(e.name, e.value, e.non_default, e.source) for e in entries],
        columns=["config", "value", "non_default", "source"],
    )


def groups_frame(groups: TopicGroups) -> pd.DataFrame:
    rows = []
    for g in groups.groups:
        lags = ", ".join(f"p{p}: {'—' if lag is None else lag}" for p, _, lag in g.partitions)
        rows.append((g.group_id, g.state, len(g.partitions), g.total_lag, g.unknown_lag, lags, g.error))
    return pd.DataFrame(
        rows, columns=["group", "state", "partitions", "total_lag", "unknown_lag", "lag_by_partition", "error"]
    )


def brokers_frame(brokers: tuple[BrokerInfo, ...], controller_id: int | None) -> pd.DataFrame:
    return pd.DataFrame(
        [(b.id, f"{b.host}:{b.port}", b.rack, b.id == controller_id) for b in brokers],
        columns=["id", "host:port", "rack", "controller"],
    )


def group_states_frame(states: GroupStates) -> pd.DataFrame:
    return pd.DataFrame(list(states.counts), columns=["state", "groups"])
