"""AppTest of the Overview and Topics pages against the real broker."""

from __future__ import annotations

import re
import time

import pytest
from support.kafka import commit_offsets, create_topic, produce

from dashboard import resources
from dashboard.widgets import plain
from kafka_io._client import Connection, make_admin
from kafka_io.topics.snapshot import cluster_snapshot, read_metadata


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def table_with(at, column: str):
    """The one table on the page that has `column`."""
    (table,) = [df.value for df in at.dataframe if column in df.value.columns]
    return table


@pytest.fixture
def topic(kafka_bootstrap, unique):
    name = unique("page")
    create_topic(kafka_bootstrap, name, 3, {"retention.ms": "86400000"})
    produce(kafka_bootstrap, name, {0: 4, 1: 1})
    return name


def test_overview_counts_match_the_cluster(make_app, settings, topic, kafka_bootstrap):
    at = make_app("pages/overview.py").run()
    assert not at.exception and not at.error, texts(at.error)
    snap = cluster_snapshot(Connection(make_admin(settings), settings))
    shown = metrics(at)
    assert shown["Topics"] == f"{len(snap.topics):,}"
    assert shown["Partitions"] == f"{snap.partition_count:,}"
    assert shown["Retained messages"] == f"{snap.messages:,}"
    assert (shown["Under-replicated"], shown["Offline"], shown["Brokers"]) == ("0", "0", "1")
    assert texts(at.success)[0].startswith("Healthy: 1 broker(s) reachable; all ")
    assert any(c.startswith("Last refreshed at ") and "(took " in c for c in texts(at.caption))
    brokers = table_with(at, "host:port")
    assert brokers["host:port"].tolist() == [kafka_bootstrap] and brokers["controller"].tolist() == [True]
    assert [t.label for t in at.toggle] == ["Auto-refresh", "Count internal topics (`__*`)"]
    assert at.number_input(key="overview_refresh_s").value == 10

    at.toggle(key="overview_internal").set_value(True).run()
    with_internal = cluster_snapshot(Connection(make_admin(settings), settings), include_internal=True)
    assert metrics(at)["Topics"] == f"{len(with_internal.topics):,}" != shown["Topics"]


def test_overview_counts_groups_by_state(make_app, topic, kafka_bootstrap, unique):
    commit_offsets(kafka_bootstrap, unique("ov-group"), topic, {0: 1})
    at = make_app("pages/overview.py").run()
    states = table_with(at, "groups")
    assert metrics(at)["Consumer groups"] == str(states["groups"].sum())
    assert "Empty" in states["state"].tolist()


def test_topics_table_search_and_internal_toggle(make_app, topic):
    at = make_app("pages/topics.py").run()
    assert not at.exception and not at.error, texts(at.error)
    table = at.dataframe[0].value
    row = table[table.topic == topic].iloc[0]
    assert (row.partitions, row.replication_factor, row.under_replicated, row.messages) == (3, 1, 0, 5)
    assert (row.cleanup_policy, row.retention_ms) == ("delete", 86400000)
    assert not table.topic.str.startswith("__").any()

    at.text_input(key="topics_search").input(topic.upper()).run()
    assert at.dataframe[0].value.topic.tolist() == [topic]
    at.text_input(key="topics_search").input("no-topic-has-this-name").run()
    assert texts(at.info) == ["No topic name contains 'no-topic-has-this-name'."]

    at.text_input(key="topics_search").input("__consumer").run()
    at.toggle(key="topics_internal").set_value(True).run()
    assert at.dataframe[0].value.topic.tolist() == ["__consumer_offsets"]


def test_deep_link_shows_partitions_configs_and_groups(make_app, topic, kafka_bootstrap, unique):
    group = unique("lagging")
    commit_offsets(kafka_bootstrap, group, topic, {0: 1, 1: 1})
    at = make_app("pages/topics.py", query={"topic": topic}).run()
    assert not at.exception and not at.error, texts(at.error)
    assert f"Topic `{topic}`" in texts(at.subheader)
    assert (metrics(at)["Partitions"], metrics(at)["Messages"], metrics(at)["Rate (msg/s)"]) == ("3", "5", "—")
    partitions, configs, groups = (df.value for df in at.dataframe[1:4])
    assert partitions[["partition", "low", "high", "messages"]].values.tolist() == [
        [0, 0, 4, 4],
        [1, 0, 1, 1],
        [2, 0, 0, 0],
    ]
    assert configs.iloc[0][["config", "value", "non_default"]].tolist() == ["retention.ms", "86400000", True]
    assert configs.non_default.sum() == 1
    assert groups[["group", "total_lag", "lag_by_partition"]].values.tolist() == [[group, 3, "p0: 3, p1: 0"]]
    assert at.query_params["topic"] == topic


def test_deep_link_to_a_missing_topic_says_so(make_app):
    at = make_app("pages/topics.py", query={"topic": "gone-topic"}).run()
    assert not at.exception
    assert texts(at.warning) == ["Topic 'gone-topic' does not exist (deleted, or a mistyped link)."]


def test_produce_rate_appears_after_a_second_sample(make_app, topic, kafka_bootstrap):
    at = make_app("pages/topics.py", query={"topic": topic}).run()
    assert metrics(at)["Rate (msg/s)"] == "—"
    produce(kafka_bootstrap, topic, {1: 10})
    time.sleep(0.2)
    (settings,) = resources.configured_clusters().values()
    resources.forget_topic_data(settings)  # as after a write: a new snapshot now; the rate samples are kept
    at.run()
    rate = float(metrics(at)["Rate (msg/s)"].replace(",", ""))
    partitions = at.dataframe[1].value
    assert rate > 0
    assert partitions.rate_per_s.tolist()[0] == 0.0 and partitions.rate_per_s.tolist()[2] == 0.0
    assert partitions.rate_per_s.tolist()[1] == pytest.approx(rate, abs=0.05)


def create(at, name: str, partitions: int = 1, configs: str = ""):
    at.text_input(key="create_name").input(name)
    at.number_input(key="create_partitions").set_value(partitions)
    at.text_area(key="create_configs").input(configs)
    return at.button(key="FormSubmitter:create_topic-Create topic").click().run()


def test_create_form_shows_validation_errors_and_sends_nothing(make_app, settings):
    at = make_app("pages/topics.py").run()
    create(at, "bad name!")
    assert texts(at.error) == [
        plain(  # messages show literally: escaped for markdown
            "Topic not created: topic name has ' ' at position 4; use only letters, digits, '.', '_' and '-'"
        )
    ]
    assert at.text_input(key="create_name").value == "bad name!"  # nothing typed is lost
    create(at, "fine-name-but-bad-config", configs="retention.ms")
    assert texts(at.error) == ["Topic not created: config line 1: expected key=value, got 'retention.ms'"]
    assert "fine-name-but-bad-config" not in read_metadata(Connection(make_admin(settings), settings)).topics


def test_create_add_partitions_and_delete_from_the_forms(make_app, settings, unique):
    name = unique("ui.made_here")
    at = make_app("pages/topics.py").run()
    create(at, name, partitions=2, configs="retention.ms=3600000")
    assert texts(at.success) == [
        plain(
            f"Created topic {name!r} with 2 partition(s). Note: topic name {name!r} "
            "mixes '.' and '_': Kafka metric names treat them alike, so it can collide "
            "with another topic."
        )
    ]
    assert name in at.dataframe[0].value.topic.tolist()

    at = make_app("pages/topics.py", query={"topic": name}).run()
    [n for n in at.number_input if n.label == "New partition count"][0].set_value(4)
    at.button(key="FormSubmitter:add_partitions-Add partitions").click().run()
    assert texts(at.success) == [f"Topic {name!r} now has 4 partitions (was 2)."]
    assert at.dataframe[1].value.partition.tolist() == [0, 1, 2, 3]

    at.text_input(key="delete_confirm").input("wrong")
    at.button(key="FormSubmitter:delete_topic-Delete topic").click().run()
    assert texts(at.error) == [f"Topic not deleted: type the topic name {name!r} exactly to confirm the delete"]
    at.text_input(key="delete_confirm").input(name)
    at.button(key="FormSubmitter:delete_topic-Delete topic").click().run()
    assert texts(at.success) == [f"Deleted topic {name!r}."]
    assert "topic" not in at.query_params
    assert name not in read_metadata(Connection(make_admin(settings), settings)).topics


def test_read_only_disables_the_admin_forms(make_app, app_env, topic):
    app_env.setenv("KAFKA_DASHBOARD_READ_ONLY", "1")
    at = make_app("pages/topics.py", query={"topic": topic}).run()
    assert "This cluster is read-only: creating, changing and deleting topics is disabled." in texts(at.info)
    # create, add partitions, the config preview, the purge preview, delete
    submits = [b for b in at.button if b.key and b.key.startswith("FormSubmitter:")]
    assert len(submits) == 5 and all(b.disabled for b in submits)


def test_overview_banner_and_group_health_know_about_stopped_groups(make_app, app_env, topic, kafka_bootstrap, unique):
    """A STOP group turns the green banner into "N group(s) stopped · brokers and partitions are fine"
    (what is wrong first),
    and the worst groups are listed with their lag in seconds, linked (issue #17, item 6)."""
    from kafka_io.config import load_settings
    from kafka_io.groups.incident import summarize_groups

    app_env.setenv("KAFKA_LAG_INTERVAL_S", "0.2")
    stopped = unique("ov-stopped")
    commit_offsets(kafka_bootstrap, stopped, topic, {0: 1})  # lag 3 + 1, nobody consuming
    at = make_app("pages/overview.py").run()
    sampler = resources.lag_sampler(load_settings())
    deadline = time.monotonic() + 10
    while sampler.health().get(stopped) is None or sampler.health()[stopped].status.value != "STOP":
        assert time.monotonic() < deadline, "the group never read STOP"
        time.sleep(0.1)
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    assert not at.success  # never plain green while a group is stopped
    summary = summarize_groups(sampler.health().values())
    (banner,) = texts(at.warning)
    # What is wrong first: "N group(s) stopped · ..." (the session's broker holds other tests' groups too).
    assert re.match(r"\*\*\d+ groups? stopped", banner) and "healthy" not in banner
    assert banner == f"**{summary.headline} · brokers and partitions are fine**"
    counts = [m.value for m in at.markdown if "-badge[" in m.value]
    assert counts and f"STOP {dict(summary.counts)[summary.worst[0].status]}" in counts[0]
    links = [link for link in at.get("page_link")]
    worst = [w.group_id for w in summary.worst]
    assert [plain(w) for w in worst] == [link.proto.label.split(" · ")[0] for link in links][: len(worst)]
    assert all("behind" in link.proto.label or "unknown" in link.proto.label for link in links)
