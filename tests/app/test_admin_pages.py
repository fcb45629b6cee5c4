"""AppTest of the Brokers and ACLs pages and of the Topics page's config edit and purge,
against the real test broker (both engines)."""

from __future__ import annotations

from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType
from support.kafka import TIMEOUT_S, create_topic, produce

from kafka_io._client import Connection, make_admin
from kafka_io.topics.snapshot import cluster_snapshot


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def frame_with(at, column: str):
    (frame,) = [df.value for df in at.dataframe if column in df.value.columns]
    return frame


def test_the_brokers_page_shows_each_broker_and_its_configs(make_app, kafka_bootstrap):
    at = make_app("pages/brokers.py").run()
    assert not at.exception and not at.error, texts(at.error)
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    metadata = admin.list_topics(timeout=TIMEOUT_S)
    partitions = sum(len(t.partitions) for t in metadata.topics.values())
    brokers = frame_with(at, "host:port")
    assert brokers[["host:port", "controller", "leaders", "replicas", "status"]].values.tolist() == [
        [kafka_bootstrap, True, partitions, partitions, "up"]
    ]
    (future,) = admin.describe_configs([ConfigResource(ResourceType.BROKER, str(metadata.controller_id))]).values()
    raw = future.result(TIMEOUT_S)
    configs = frame_with(at, "override")
    assert sorted(configs.config) == sorted(raw)
    at.text_input(key="brokers_search").input("NUM.partitions").run()
    shown = frame_with(at, "override").config.tolist()
    assert "num.partitions" in shown and sorted(shown) == sorted(n for n in raw if "num.partitions" in n)


def test_the_acls_page_says_no_authorizer_configured(make_app):
    at = make_app("pages/acls.py").run()
    assert not at.exception and not at.error, texts(at.error)
    (info,) = texts(at.info)
    assert "no authorizer configured" in info
    assert not [b for b in at.button if b.label == "Create binding"]


def topic_configs(settings, topic: str) -> dict:
    admin = make_admin(settings)  # held while the future runs: a dropped client cancels it
    (future,) = admin.describe_configs([ConfigResource(ResourceType.TOPIC, topic)]).values()
    return future.result(TIMEOUT_S)


def submit(at, form: str, label: str):
    return at.button(key=f"FormSubmitter:{form}-{label}").click().run()


def test_topic_configs_edit_with_a_preview_then_apply(make_app, settings, kafka_bootstrap, unique):
    topic = unique("page-cfg")
    create_topic(kafka_bootstrap, topic, 1, {"retention.ms": "86400000"})
    at = make_app("pages/topics.py", {"topic": topic}).run()
    assert not at.exception, at.exception
    at.text_area(key="config_sets").input("retention.ms=soon")
    submit(at, f"config_edit_{topic}", "Preview changes")
    assert texts(at.error) == ["Configs not changed: retention.ms: soon is not a number"]

    at.text_area(key="config_sets").input("retention.ms=3600000\nsegment.ms=600000")
    submit(at, f"config_edit_{topic}", "Preview changes")
    diff = frame_with(at, "action")
    assert diff[["config", "action", "current", "new"]].values.tolist() == [
        ["retention.ms", "set", "86400000", "3600000"],
        ["segment.ms", "set", "604800000", "600000"],
    ]
    at.button(key="config_apply").click().run()
    assert texts(at.success) == [f"Changed 2 config(s) of '{topic}': retention.ms, segment.ms."]
    entries = topic_configs(settings, topic)
    assert (entries["retention.ms"].value, entries["segment.ms"].value) == ("3600000", "600000")

    at.multiselect(key="config_resets").select("segment.ms")
    at.text_area(key="config_sets").input("")
    submit(at, f"config_edit_{topic}", "Preview changes")
    assert frame_with(at, "action")[["config", "action", "new"]].values.tolist() == [
        ["segment.ms", "reset", "(default)"]
    ]
    at.button(key="config_apply").click().run()
    entries = topic_configs(settings, topic)
    assert entries["segment.ms"].value == "604800000" and entries["segment.ms"].is_default


def test_purge_from_the_topics_page_needs_the_name_and_the_counts_follow(make_app, settings, kafka_bootstrap, unique):
    topic = unique("page-purge")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 5, 1: 3})
    at = make_app("pages/topics.py", {"topic": topic}).run()
    at.selectbox(key="purge_partition").select(0)
    at.number_input(key="purge_before").set_value(2)
    submit(at, f"purge_{topic}", "Preview purge")
    preview = frame_with(at, "new_low")
    assert preview[["partition", "low", "high", "new_low", "records"]].values.tolist() == [[0, 0, 5, 2, 2]]
    at.text_input(key="purge_confirm").input("wrong")
    submit(at, f"purge_confirm_{topic}", "Purge 2 record(s)")
    assert texts(at.error) == [f"Nothing purged: type the topic name '{topic}' exactly to confirm the purge"]
    at.text_input(key="purge_confirm").input(topic)
    submit(at, f"purge_confirm_{topic}", "Purge 2 record(s)")
    assert texts(at.success) == [f"Purged 2 record(s) from '{topic}'; new low watermarks p0: 2."]
    (summary,) = cluster_snapshot(Connection(make_admin(settings), settings), topic=topic).topics
    assert [(p.low, p.high) for p in summary.partitions] == [(2, 5), (0, 3)]
    table = at.dataframe[0].value
    assert table[table.topic == topic].iloc[0].messages == 6
    assert {m.label: m.value for m in at.metric}["Messages"] == "6"
