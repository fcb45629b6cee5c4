"""Topics: a searchable table, a topic's detail (row selection or ?topic=NAME), admin forms."""

import streamlit as st

from dashboard import auth, resources, topic_admin_ui
from dashboard.frames.topics import configs_frame, groups_frame, partitions_frame, search_topics, topics_frame
from dashboard.shell import page_settings
from dashboard.widgets import auto_refresh, plain, refreshed_caption, show_errors
from kafka_io.errors import KafkaIOError
from kafka_io.topics import admin as topic_admin
from kafka_io.topics.counts import CountBound
from kafka_io.topics.names import topic_name_warning
from kafka_io.topics.snapshot import is_internal

settings = page_settings()

st.title("Topics")

FLASH_KEY = "topics_flash"
PICK_KEY = "topics_last_pick"
RATE_HELP = "Messages/s from high-watermark deltas between refreshes; — until two samples"
TOPIC_COLUMNS = {
    "topic": st.column_config.TextColumn("Topic", pinned=True),
    "partitions": st.column_config.NumberColumn("Partitions"),
    "replication_factor": st.column_config.NumberColumn("RF", help="Replication factor"),
    "under_replicated": st.column_config.NumberColumn("Under-replicated"),
    "messages": st.column_config.NumberColumn("Messages", help="Σ (high − low)", format="localized"),
    "rate_per_s": st.column_config.NumberColumn("Rate (msg/s)", help=RATE_HELP, format="%.1f"),
    "cleanup_policy": st.column_config.TextColumn("cleanup.policy"),
    "retention_ms": st.column_config.NumberColumn("retention.ms", format="plain"),
    "error": st.column_config.TextColumn("Error"),
}
PARTITION_COLUMNS = {
    "partition": "Partition",
    "leader": "Leader",
    "replicas": "Replicas",
    "isr": "ISR",
    "low": "Low",
    "high": "High",
    "messages": st.column_config.NumberColumn("Count", help="high − low"),
    "rate_per_s": st.column_config.NumberColumn("Rate (msg/s)", help=RATE_HELP, format="%.1f"),
    "error": "Error",
}
CONFIG_COLUMNS = {
    "config": "Config",
    "value": "Value",
    "non_default": st.column_config.CheckboxColumn("Non-default"),
    "source": "Source",
}
GROUP_COLUMNS = {
    "group": "Group",
    "state": "State",
    "partitions": st.column_config.NumberColumn("Partitions", help="with a commit"),
    "total_lag": "Total lag",
    "unknown_lag": st.column_config.NumberColumn("Unknown lag", help="partitions without a watermark"),
    "lag_by_partition": "Lag by partition",
    "error": "Error",
}


def _flash(kind: str, text: str) -> None:
    """Show a result after the rerun that refreshes the data."""
    st.session_state[FLASH_KEY] = (kind, text)


def _show_flash() -> None:
    kind, text = st.session_state.pop(FLASH_KEY, (None, None))
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    elif kind == "warning":
        st.warning(text, icon=":material/warning:")


def _after_write(message: str, warning: str | None = None) -> None:
    resources.forget_topic_data(settings)
    _flash("success", plain(message + (f" Note: {warning}." if warning else "")))
    st.rerun()


def _pick(frame, event) -> None:
    """A newly selected row becomes ?topic=NAME (a shareable link)."""
    rows = event.selection.rows if event is not None else []
    picked = str(frame.iloc[rows[0]]["topic"]) if rows and rows[0] < len(frame) else None
    if picked != st.session_state.get(PICK_KEY):
        st.session_state[PICK_KEY] = picked
        if picked and picked != st.query_params.get("topic"):
            st.query_params["topic"] = picked
            st.rerun()  # the whole page: the admin forms follow the selection


def _table(view: resources.TopicsView, show_internal: bool, search: str) -> None:
    snapshot = view.snapshot
    names = tuple(t.name for t in snapshot.topics)
    configs = {}
    with show_errors("Topic configs"):
        configs = resources.table_configs(settings, names)
    rates = {t.name: view.topic_rate_per_s(t) for t in snapshot.topics}
    frame = search_topics(topics_frame(snapshot.topics, rates, configs), search)
    refreshed_caption(snapshot.sampled_at_s, snapshot.took_ms)
    if not snapshot.topics:
        hint = "" if show_internal else " Internal `__*` topics are hidden."
        st.info(f"This cluster has no topics yet. Create one below.{hint}", icon=":material/inbox:")
        return
    if frame.empty:
        st.info(f"No topic name contains {plain(repr(search.strip()))}.", icon=":material/search_off:")
        return
    st.caption(f"{len(frame):,} of {len(snapshot.topics):,} topic(s). Select a row for details.")
    event = st.dataframe(
        frame,
        key="topics_table",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        column_config=TOPIC_COLUMNS,
        placeholder="—",
        height=min(38 + 35 * len(frame), 420),
    )
    _pick(frame, event)


def _detail(view: resources.TopicsView, name: str) -> None:
    topic = view.snapshot.topic(name)
    head, close = st.columns([5, 1], vertical_alignment="bottom")
    # ?topic= may hold anything: only a topic that exists (so a legal name) goes in a code span.
    head.subheader(f"Topic `{name}`" if topic is not None else f"Topic {plain(name)}")
    if close.button("Close", key="close_topic", icon=":material/close:"):
        st.query_params.pop("topic", None)
        st.session_state[PICK_KEY] = None
        st.rerun()
    if topic is None:
        reason = resources.why_absent(settings, name)
        if "not authorized" in reason:
            st.warning(plain(reason[:1].upper() + reason[1:]) + ".", icon=":material/lock:")
        else:
            st.warning(
                f"Topic {plain(repr(name))} does not exist (deleted, or a mistyped link).", icon=":material/help:"
            )
        return
    if topic.problem:
        st.error(plain(topic.problem), icon=":material/error:")
    rate = view.topic_rate_per_s(topic)
    cols = st.columns(4)
    cols[0].metric("Partitions", len(topic.partitions))
    bound = _count_bound(topic)
    cols[1].metric("Messages", bound.label(topic.messages), help=bound.reason or "Σ (high − low)")
    cols[2].metric("Rate (msg/s)", "—" if rate is None else f"{rate:,.1f}", help=RATE_HELP)
    cols[3].metric("Under-replicated", topic.under_replicated)
    if bound.upper_bound:
        st.caption(plain(f"≈ {bound.reason}"))
    parts, confs, groups = st.tabs(["Partitions", "Configs", "Consumer groups"])
    with parts:
        rates = {p.partition: view.rate_per_s(name, p.partition) for p in topic.partitions}
        st.dataframe(partitions_frame(topic, rates), hide_index=True, placeholder="—", column_config=PARTITION_COLUMNS)
    with confs, show_errors("Configs"):
        _configs(name)
    with groups, show_errors("Consumer groups"):
        _groups(name)


def _count_bound(topic):
    """≈ when transaction markers or compaction make high − low an upper bound."""
    configs = resources.topic_configs(settings, topic.name)
    policy = configs.get("cleanup.policy") if configs is not None and not configs.error else None
    try:
        return resources.count_bound(settings, topic, policy)
    except KafkaIOError:
        return CountBound(False)  # unreadable now: show the plain count, as before


def _configs(name: str) -> None:
    configs = resources.topic_configs(settings, name)
    if configs is None or configs.error:
        st.error(plain(configs.error if configs else "no configs returned"), icon=":material/error:")
        return
    frame = configs_frame(configs)
    st.caption(f"{len(configs.non_default)} non-default setting(s), highlighted and listed first.")
    styled = frame.style.apply(
        lambda row: ["background-color: rgba(255, 196, 0, 0.25)" if row["non_default"] else ""] * len(row), axis=1
    )
    st.dataframe(styled, hide_index=True, placeholder="—", column_config=CONFIG_COLUMNS)


def _groups(name: str) -> None:
    found = resources.topic_groups(settings, name)
    for error in found.errors:
        st.warning(plain(error), icon=":material/warning:")
    if not found.groups:
        st.info("No consumer group has committed offsets on this topic.", icon=":material/group_off:")
        return
    st.dataframe(groups_frame(found), hide_index=True, placeholder="—", column_config=GROUP_COLUMNS)


def _create_form() -> None:
    with st.form("create_topic", enter_to_submit=True):
        st.markdown("**Create topic**")
        name = st.text_input("Name", placeholder="orders.v1", max_chars=249, key="create_name")
        left, right = st.columns(2)
        partitions = left.number_input(
            "Partitions", min_value=1, max_value=topic_admin.MAX_PARTITIONS, value=3, key="create_partitions"
        )
        replication = right.number_input("Replication factor", min_value=1, max_value=32, value=1, key="create_rf")
        configs = st.text_area(
            "Configs (key=value per line)",
            placeholder="retention.ms=604800000\ncleanup.policy=delete",
            key="create_configs",
        )
        refused = auth.why_not(settings, "topic.create")
        if not st.form_submit_button("Create topic", type="primary", disabled=bool(refused), help=refused):
            return
    try:
        spec = resources.with_cluster(
            settings, topic_admin.create_topic, name, int(partitions), int(replication), configs, actor=auth.actor()
        )
    except KafkaIOError as exc:
        st.error(plain(f"Topic not created: {exc}"), icon=":material/error:")
        return
    _after_write(f"Created topic {spec.name!r} with {spec.partitions} partition(s).", topic_name_warning(spec.name))


def _partitions_form(name: str, current: int) -> None:
    with st.form("add_partitions"):
        st.markdown(f"**Add partitions to `{name}`** (currently {current}; Kafka cannot remove partitions)")
        total = st.number_input(
            "New partition count", min_value=current + 1, value=current + 1, key=f"add_total_{name}_{current}"
        )
        refused = auth.why_not(settings, "topic.add_partitions")
        if not st.form_submit_button("Add partitions", disabled=bool(refused), help=refused):
            return
    try:
        old = resources.with_cluster(settings, topic_admin.add_partitions, name, int(total), actor=auth.actor())
    except KafkaIOError as exc:
        st.error(plain(f"Partitions not added: {exc}"), icon=":material/error:")
        return
    _after_write(f"Topic {name!r} now has {int(total)} partitions (was {old}).")


def _delete_form(name: str) -> None:
    with st.form("delete_topic"):
        st.markdown(f"**Delete `{name}`**: its messages are gone for good.")
        confirm = st.text_input(f"Type {name} to confirm", key="delete_confirm")
        refused = auth.why_not(settings, "topic.delete")
        if not st.form_submit_button("Delete topic", disabled=bool(refused), help=refused):
            return
    try:
        resources.with_cluster(settings, topic_admin.delete_topic, name, confirm, actor=auth.actor())
    except KafkaIOError as exc:
        st.error(plain(f"Topic not deleted: {exc}"), icon=":material/error:")
        return
    st.query_params.pop("topic", None)
    st.session_state[PICK_KEY] = None
    _after_write(f"Deleted topic {name!r}.")


def _admin(selected: str | None) -> None:
    st.subheader("Admin")
    if settings.read_only:
        st.info(
            "This cluster is read-only: creating, changing and deleting topics is disabled.", icon=":material/lock:"
        )
    elif auth.why_not(settings, "topic.delete"):
        st.caption(plain(f"Some actions are off for you: {auth.why_not(settings, 'topic.delete')}."))
    tabs = ["Create topic"] + (["Add partitions", "Edit configs", "Purge", "Delete topic"] if selected else [])
    # Keyed: a flash message above shifts the page, and unkeyed tabs then jump back to the first.
    panes = st.tabs(tabs, key=f"topic_admin_tabs_{bool(selected)}", on_change="rerun")
    with panes[0]:
        _create_form()
    if selected:
        topic = resources.topics_view(settings, is_internal(selected)).snapshot.topic(selected)
        if topic is None:
            for pane in panes[1:]:
                pane.caption(f"Topic {plain(repr(selected))} does not exist.")
            return
        with panes[1]:
            _partitions_form(selected, len(topic.partitions))
        with panes[2]:
            done = topic_admin_ui.config_section(settings, selected)
        with panes[3]:
            done = topic_admin_ui.purge_section(settings, selected, len(topic.partitions)) or done
        with panes[4]:
            _delete_form(selected)
        if done:
            _after_write(done)


controls = st.columns([2, 1, 2], vertical_alignment="bottom")
with controls[0]:
    every_s = auto_refresh("topics")
show_internal = controls[1].toggle("Show internal (`__*`)", key="topics_internal")
search = controls[2].text_input("Search topics", placeholder="name contains…", key="topics_search")
_show_flash()


@st.fragment(run_every=every_s)
def live() -> None:
    with show_errors():
        view = resources.topics_view(settings, show_internal)  # once: table and detail agree
        _table(view, show_internal, search)
        selected = st.query_params.get("topic")
        if selected:
            internal_hidden = is_internal(selected) and not show_internal
            _detail(resources.topics_view(settings, True) if internal_hidden else view, selected)


live()
with show_errors("Admin"):
    _admin(st.query_params.get("topic"))
