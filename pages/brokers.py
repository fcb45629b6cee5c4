"""Brokers: id, host, rack, controller, leader and replica counts, and each broker's configs. Read-only."""

import streamlit as st

from dashboard import admin_data
from dashboard.frames.admin import broker_configs_frame, brokers_table
from dashboard.shell import page_settings
from dashboard.widgets import plain, show_errors

settings = page_settings()

st.title("Brokers")

BROKER_COLUMNS = {
    "leaders": st.column_config.NumberColumn("Leaders", help="partitions this broker leads"),
    "replicas": st.column_config.NumberColumn("Replicas", help="partition replicas on this broker"),
}
CONFIG_COLUMNS = {
    "override": st.column_config.TextColumn("Override", help="set on this broker: dynamic (at runtime) or static"),
    "source": st.column_config.TextColumn("Source", help="as Kafka names it (kafka-configs.sh)"),
    "read_only": st.column_config.CheckboxColumn("Read-only"),
    "sensitive": st.column_config.CheckboxColumn("Sensitive", help="value masked"),
}

if st.button("Refresh", icon=":material/refresh:", key="brokers_refresh"):
    admin_data.brokers.clear(settings)
with show_errors():
    view = admin_data.brokers(settings)
    st.caption(f"Cluster {plain(view.cluster_id or 'unknown')}: {len(view.brokers)} broker(s). Read-only view.")
    for broker in view.brokers:
        if broker.unreachable:
            st.warning(
                plain(
                    f"Broker {broker.id} ({broker.host}:{broker.port}) is in the metadata but unreachable: "
                    f"{broker.unreachable}."
                ),
                icon=":material/cloud_off:",
            )
    st.dataframe(brokers_table(view), hide_index=True, placeholder="—", column_config=BROKER_COLUMNS)
    ids = [b.id for b in view.brokers]
    left, middle, right = st.columns([1, 2, 1], vertical_alignment="bottom")
    picked = left.selectbox("Broker", ids, format_func=lambda i: f"Broker {i}", key="brokers_pick")
    search = middle.text_input("Search configs", placeholder="name contains…", key="brokers_search")
    overrides = right.toggle("Overrides only", key="brokers_overrides")
    broker = next((b for b in view.brokers if b.id == picked), None)
    if broker is not None and broker.configs_error:
        st.error(plain(f"Configs of broker {broker.id}: {broker.configs_error}"), icon=":material/error:")
    elif broker is not None:
        frame = broker_configs_frame(broker, search, overrides)
        marked = sum(1 for c in broker.configs if c.override)
        st.caption(f"{marked} override(s) of {len(broker.configs)} config(s), listed first; sensitive values masked.")
        st.dataframe(frame, hide_index=True, placeholder="—", column_config=CONFIG_COLUMNS)
