"""The consumer-groups page in AppTest against the real broker: list, filters,
watch-list pins, the group detail, and offset reset / delete through the forms."""

from __future__ import annotations

import json
import re
import time

import pytest
from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient
from support.groups import busy_group, committed_offsets, consume_and_commit, group_ids
from support.kafka import commit_offsets, create_topic, produce

PAGE = "pages/consumer_groups.py"


@pytest.fixture
def lagging_group(kafka_bootstrap, unique):
    """EMPTY group, p0 4 of 10 and p1 15 of 20 committed: lag 6 + 5."""
    topic, group = unique("orders"), unique("billing")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 10, 1: 20})
    consume_and_commit(kafka_bootstrap, group, topic, {0: 4, 1: 15})
    return topic, group


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_list_shows_each_group_with_its_lag(make_app, lagging_group, kafka_bootstrap):
    topic, group = lagging_group
    at = make_app(PAGE).run()
    assert not at.exception and not at.error, texts(at.error)
    assert any(c.startswith("Statuses as of ") for c in texts(at.caption))
    # The sampler's cost is a details line under the table, not jargon above it.
    captions = texts(at.main.caption)
    first = next(i for i, c in enumerate(captions) if c.startswith("Statuses as of "))
    hint = captions.index(
        "Click a group's name to open it; click :material/add: to pin it to the top, :material/push_pin: to unpin."
    )
    cost = next(i for i, c in enumerate(captions) if re.match(r"Sampler: sample \d+ cost \d+ admin requests · ", c))
    assert first < hint < cost and not any(c.startswith("Sample ") for c in captions)
    at.text_input(key="search").input(group).run()
    table = at.main.dataframe[0].value
    assert list(table["Group"]) == [group]
    row = table.iloc[0]
    assert (row["State"], row["Members"], row["Topics"], row["Total lag"], row["Max lag"], row["Unknown"]) == (
        "EMPTY",
        0,
        topic,
        11,
        6,
        0,
    )
    assert row["Status"] == ["UNKNOWN"]  # one sample: not enough history to judge a lag
    assert row["Trend"] == [11]


def test_the_page_says_where_committed_offsets_come_from(make_app, lagging_group, engine):
    """Issue #25: __consumer_offsets once it agreed with the admin API (Apache Kafka); the
    admin API with the reason where the broker writes no commit records there (noida-db)."""
    expected = {
        "apache": "Committed offsets: read from __consumer_offsets, one reader for every group. States and members",
        "noida": "Committed offsets: the admin API, one request per group: __consumer_offsets is not used, "
        "the broker writes no commit records to __consumer_offsets (group '",
    }[engine]
    at = make_app(PAGE).run()
    deadline = time.monotonic() + 30
    while True:  # the first samples use the admin API, and compare the log with it
        # plain() escapes only word-edge underscores (\_\_consumer_offsets): compare unescaped text.
        notes = [c.replace("\\", "") for c in texts(at.main.caption) if c.startswith("Committed offsets: ")]
        if notes and notes[0].startswith(expected) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
        at.run()
    assert not at.exception and not at.error, texts(at.error)
    assert notes and notes[0].startswith(expected), notes


def test_pins_in_the_url_come_first_and_survive_filters(make_app, lagging_group, kafka_bootstrap, unique):
    topic, group = lagging_group
    caught_up = unique("caught-up")
    consume_and_commit(kafka_bootstrap, caught_up, topic, {0: 10, 1: 20})
    at = make_app(PAGE, query={"pin": caught_up}).run()
    assert at.multiselect(key="pins").value == [caught_up]
    at.text_input(key="search").input(group).run()  # the search matches only `group`
    assert list(at.main.dataframe[0].value["Group"]) == [caught_up, group]
    at.toggle(key="only_lagging").set_value(True).run()  # only lagging: the pinned group stays anyway
    table = at.main.dataframe[0].value
    assert list(table["Group"]) == [caught_up, group]
    assert list(table["Pin"]) == [":material/push_pin:", ":material/add:"]
    # Buttons with icons Streamlit ships (the 📌 emoji needed a font the page does not bring).
    pin = json.loads(at.main.dataframe[0].proto.columns)["Pin"]
    assert (pin["label"], pin["type_config"]["type"], pin["width"]) == ("Pin", "button", 48)
    at.multiselect(key="pins").set_value([]).run()
    assert at.query_params.get("pin", []) in ([], [""])
    assert list(at.main.dataframe[0].value["Group"]) == [group]


def test_detail_page_by_deep_link(make_app, lagging_group):
    topic, group = lagging_group
    at = make_app(PAGE, query={"group": group}).run()
    assert not at.exception and not at.error, texts(at.error)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["State"], metrics["Members"], metrics["Total lag"]) == ("EMPTY", "0", "11")
    assert metrics["Lag in seconds"] != "—"  # exact: read from the record at the committed offset
    table = at.main.dataframe[0].value
    assert [(r.Topic, r.Partition, r.Committed, r.High, r.Lag, r.Exact) for r in table.itertuples()] == [
        (topic, 0, 4, 10, 6, True),
        (topic, 1, 15, 20, 5, True),
    ]
    assert any("No consumer is running in this group" in i for i in texts(at.info))
    assert "Reset offsets" in [e.label for e in at.main.expander]
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download history CSV"]
    at.radio(key="history_by").set_value("Partition").run()
    at.selectbox(key="history_window").set_value("1 hour").run()
    assert not at.exception and not at.error
    # One sample so far: the lag chart, and words instead of an empty rates chart
    # (an empty one made Vega log "Infinite extent" on every refresh).
    assert len(at.get("vega_lite_chart")) == 1
    assert "Rates need two samples; the next one comes within seconds." in texts(at.caption)
    from dashboard import resources
    from kafka_io.config import load_settings

    resources.lag_sampler(load_settings()).refresh_groups([group])
    at.run()
    assert len(at.get("vega_lite_chart")) == 2  # lag history and produced-vs-consumed


def test_detail_of_an_unknown_group_explains_it(make_app):
    at = make_app(PAGE, query={"group": "test-nobody-here"}).run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["State"] == "DEAD"
    assert any(i.startswith("The cluster does not know this group") for i in texts(at.info))


def test_reset_with_preview_then_apply(make_app, lagging_group, kafka_bootstrap):
    topic, group = lagging_group
    at = make_app(PAGE, query={"group": group}).run()
    assert at.radio(key="reset_mode").value == "earliest"
    at.button(key="FormSubmitter:reset_form-Preview").click().run()
    preview = next(d.value for d in at.dataframe if "Lag after" in d.value.columns)
    assert [(r.Partition, r.Current, r.New, r._6) for r in preview.itertuples()] == [(0, 4, 0, 10), (1, 15, 0, 20)]
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 15}  # a preview writes nothing
    next(b for b in at.button if b.label.startswith("Apply to 2")).click().run()
    assert not at.exception
    assert f"Offsets of {group} reset for 2 partition(s)." in texts(at.success)
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 0, (topic, 1): 0}


def test_active_group_gets_the_plain_words_refusal(make_app, kafka_bootstrap, unique):
    group = unique("busy-group")
    member = busy_group(kafka_bootstrap, unique("busy"), group)
    try:
        at = make_app(PAGE, query={"group": group}).run()
    finally:
        member.stop()
    assert (
        f"Group '{group}' is active (STABLE, 1 member(s): billing-worker). Stop its consumers first, then "
        "reset its offsets." in texts(at.warning)
    )
    assert (
        f"Group '{group}' is active (STABLE, 1 member(s): billing-worker). Stop its consumers first, then "
        "delete its offsets." in texts(at.warning)
    )
    assert not [f for f in at.get("form")]


def test_delete_needs_the_typed_id(make_app, lagging_group, kafka_bootstrap):
    _, group = lagging_group
    at = make_app(PAGE, query={"group": group}).run()
    at.text_input(key="delete_confirm").input("wrong")  # a form: the value goes with the submit
    at.button(key="FormSubmitter:delete_form-Delete group").click().run()
    assert f"delete: type the group id {group!r} exactly to confirm the deletion" in texts(at.error)
    assert group in group_ids(kafka_bootstrap)
    at.text_input(key="delete_confirm").input(group)
    at.button(key="FormSubmitter:delete_form-Delete group").click().run()
    assert f"Group {group} deleted." in texts(at.success)
    assert group not in group_ids(kafka_bootstrap)
    assert "group" not in at.query_params


def test_delete_offsets_of_one_topic_with_preview_and_the_typed_id(make_app, lagging_group, kafka_bootstrap, unique):
    topic, group = lagging_group
    other = unique("invoices")
    create_topic(kafka_bootstrap, other, 1)
    commit_offsets(kafka_bootstrap, group, other, {0: 0})
    at = make_app(PAGE, query={"group": group}).run()
    assert at.selectbox(key="offsets_topic").options == sorted([topic, other])
    at.selectbox(key="offsets_topic").select(topic)
    at.button(key="FormSubmitter:offsets_form-Preview").click().run()
    preview = next(d.value for d in at.dataframe if "Lag that goes" in d.value.columns)
    assert preview.values.tolist() == [[topic, 0, 4, 10, 6], [topic, 1, 15, 20, 5]]
    assert (
        f"**Preview**: 2 partition(s) of {topic} lose their offsets; a lag of 11 stops being counted; "
        f"offsets on {other} stay." in [m.value.replace("\\", "") for m in at.markdown]
    )
    at.text_input(key="offsets_confirm").input("wrong")
    at.button(key="FormSubmitter:offsets_confirm_form-Delete offsets").click().run()
    assert f"delete offsets: type the group id {group!r} exactly to confirm deleting its offsets" in texts(at.error)
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 15, (other, 0): 0}
    at.text_input(key="offsets_confirm").input(group)
    at.button(key="FormSubmitter:offsets_confirm_form-Delete offsets").click().run()
    assert not at.exception and f"Offsets of {group} on {topic} deleted (2 partition(s))." in texts(at.success)
    assert committed_offsets(kafka_bootstrap, group) == {(other, 0): 0}


def test_an_operator_may_reset_but_not_delete_offsets(make_app, lagging_group, tmp_path):
    from test_stuck_events import as_user

    _, group = lagging_group
    at = as_user(make_app, tmp_path, "op@example.com", PAGE, {"group": group})
    assert not at.exception and not at.error, texts(at.error)
    assert "Operator: deleting a group's offsets is not allowed." in texts(at.caption)
    assert [e.label for e in at.main.expander] == ["Stuck events", "Reset offsets"]


def test_read_only_hides_writes(make_app, app_env, lagging_group):
    _, group = lagging_group
    app_env.setenv("KAFKA_DASHBOARD_READ_ONLY", "1")
    at = make_app(PAGE, query={"group": group}).run()
    assert "Read-only cluster: offset reset, offset deletion and group delete are disabled." in texts(at.caption)
    assert [e.label for e in at.main.expander] == ["Stuck events"]  # a read: no reset or delete panel


def wait_until(predicate, timeout_s: float, what: str):
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout_s:g} s: {what}")


def test_rows_keep_their_order_while_only_lag_moves(make_app, app_env, kafka_bootstrap, unique):
    """Lag moves every sample; rows move only when a status, the groups or the
    sort change (issue #17, item 7). The rule itself: tests/unit/test_incident.py."""
    from dashboard import resources
    from kafka_io.config import load_settings

    app_env.setenv("KAFKA_LAG_INTERVAL_S", "0.2")
    topic = unique("order")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 10})
    small, big = f"{topic}-a-small", f"{topic}-b-big"
    commit_offsets(kafka_bootstrap, small, topic, {0: 10})
    commit_offsets(kafka_bootstrap, big, topic, {0: 10})
    at = make_app(PAGE).run()
    sampler = resources.lag_sampler(load_settings())
    at.selectbox(key="sort").set_value("Total lag").run()
    at.text_input(key="search").input(topic).run()
    wait_until(lambda: all(sampler.health().get(g) for g in (small, big)), 10, "both sampled")
    at.run()
    assert list(at.main.dataframe[0].value["Group"]) == [small, big]  # lag 0 each: by id

    produce(kafka_bootstrap, topic, {0: 5})
    commit_offsets(kafka_bootstrap, small, topic, {0: 13})  # lag 2; big lag 5: by lag, big comes first
    wait_until(
        lambda: sampler.health()[big].totals.total_lag == 5 == sampler.health()[small].totals.total_lag + 3, 10, "lags"
    )
    # both stay OK (each was caught up within the status window)
    assert {sampler.health()[g].status.value for g in (small, big)} == {"OK"}
    at.run()
    table = at.main.dataframe[0].value
    assert list(table["Group"]) == [small, big]  # held still: only lag moved
    assert list(table["Total lag"]) == [2, 5]  # with current numbers

    at.selectbox(key="sort").set_value("Group id").run()
    at.selectbox(key="sort").set_value("Total lag").run()
    assert list(at.main.dataframe[0].value["Group"]) == [big, small]  # asked for again: sorted now


def test_a_long_list_goes_to_the_browser_a_page_at_a_time(make_app, kafka_bootstrap, unique):
    """Issue #25: at 10,000 groups the page ships the 100 rows on screen, not all of them;
    Previous/Next turn pages, and a new search starts again at the first page."""
    topic, prefix = unique("paged"), unique("paged")
    create_topic(kafka_bootstrap, topic, 1)
    produce(kafka_bootstrap, topic, {0: 3})
    groups = [f"{prefix}-{i:03d}" for i in range(130)]
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    futures = [
        f
        for g in groups
        for f in admin.alter_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(g, [TopicPartition(topic, 0, 1)])]
        ).values()
    ]
    for future in futures:
        future.result(timeout=30)
    at = make_app(PAGE).run()
    at.selectbox(key="sort").set_value("Group id").run()
    at.text_input(key="search").input(prefix).run()
    deadline = time.monotonic() + 30
    while len(at.main.dataframe) and len(at.main.dataframe[0].value) < 100 and time.monotonic() < deadline:
        time.sleep(0.5)  # the groups appear with the sampler's next full sample
        at.run()
    assert list(at.main.dataframe[0].value["Group"]) == groups[:100]
    assert "Groups 1–100 of 130" in texts(at.main.caption)
    assert at.button(key="groups_page_previous").disabled
    at.button(key="groups_page_next").click().run()
    assert list(at.main.dataframe[0].value["Group"]) == groups[100:]
    assert "Groups 101–130 of 130" in texts(at.main.caption)
    assert at.button(key="groups_page_next").disabled
    at.text_input(key="search").input(f"{prefix}-12").run()  # 120-129: one page, no buttons
    assert list(at.main.dataframe[0].value["Group"]) == groups[120:]
    assert not any(c.startswith("Groups ") for c in texts(at.main.caption))
