"""DataFrames for the admin views: config diff, purge preview, brokers, broker configs, ACLs.

Missing numbers stay missing (None), never 0: the pages render them as "—".
"""

from __future__ import annotations

import pandas as pd

from kafka_io.admin.acl_rules import AclRow
from kafka_io.admin.brokers import BrokersView, BrokerView
from kafka_io.admin.purge import PurgePlan
from kafka_io.admin.topic_configs import ConfigPlan

__all__ = ["acls_frame", "broker_configs_frame", "brokers_table", "config_diff_frame", "purge_frame"]

ACL_COLUMNS = ["principal", "host", "operation", "permission", "resource_type", "resource_name", "pattern_type"]


def config_diff_frame(plan: ConfigPlan) -> pd.DataFrame:
    return pd.DataFrame(
        [(r.config, r.action, r.current, r.new, r.note) for r in plan.rows],
        columns=["config", "action", "current", "new", "note"],
    )


def purge_frame(plan: PurgePlan) -> pd.DataFrame:
    return pd.DataFrame(
        [(r.partition, r.low, r.high, r.new_low, r.records, r.error or r.note) for r in plan.rows],
        columns=["partition", "low", "high", "new_low", "records", "note"],
    )


def brokers_table(view: BrokersView) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (
                b.id,
                f"{b.host}:{b.port}",
                b.rack,
                b.controller,
                b.leaders,
                b.replicas,
                f"unreachable: {b.unreachable}" if b.unreachable else "up",
            )
            for b in view.brokers
        ],
        columns=["id", "host:port", "rack", "controller", "leaders", "replicas", "status"],
    )


def broker_configs_frame(broker: BrokerView, search: str = "", overrides_only: bool = False) -> pd.DataFrame:
    """Overrides (dynamic, then static) first, then by name; ``search`` matches names, any case."""
    needle = search.strip().lower()
    rank = {"dynamic": 0, "dynamic (cluster-wide)": 1, "static": 2}
    chosen = [c for c in broker.configs if needle in c.name.lower() and (c.override is not None or not overrides_only)]
    chosen.sort(key=lambda c: (rank.get(c.override or "", 3), c.name))
    return pd.DataFrame(
        [(c.name, c.value, c.override, c.source, c.read_only, c.sensitive) for c in chosen],
        columns=["config", "value", "override", "source", "read_only", "sensitive"],
    )


def acls_frame(rows: tuple[AclRow, ...]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r.to_dict().values()) for r in rows], columns=ACL_COLUMNS)
