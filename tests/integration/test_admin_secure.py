"""Issue #27 on a secured Apache Kafka with StandardAuthorizer ACLs (tests/support/secure_kafka.py):
broker configs name the authorizer and mask secrets; the super user alice lists, creates
and deletes ACL bindings (through the ACLs page too) and deletes a group's offsets over
SCRAM + TLS (kafka-python); bob, who may only read, is refused in the broker's words.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import streamlit as st
from confluent_kafka import ConsumerGroupTopicPartitions
from confluent_kafka.admin import AdminClient
from streamlit import config as st_config
from streamlit.runtime.secrets import secrets_singleton
from streamlit.testing.v1 import AppTest
from support.secure_kafka import (
    OPEN,
    OPEN_GROUP,
    PASSWORDS,
    SECRET,
    SECRET_GROUP,
    SEED_TIMEOUT_S,
    admin_config,
    commit_at,
    sasl_env,
)

from dashboard.widgets import plain
from kafka_io._client import Connection, make_admin
from kafka_io.admin.acl_rules import AclRow
from kafka_io.admin.acls import list_acls
from kafka_io.cli import main
from kafka_io.config import load_settings

APP = str(Path(__file__).resolve().parents[2] / "app.py")
APP_TIMEOUT_S = 30
SETTINGS_TIMEOUT_S = "5"
# A group of this module's own on SECRET: the shared node's SECRET_GROUP keeps the lag
# test_secure_apache.py reads.
ALICE_GROUP = "alice-cleanup"
STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
BOB_ACLS = sorted(
    AclRow("User:bob", "*", op, "ALLOW", kind, name, "LITERAL")
    for kind, name in (("GROUP", OPEN_GROUP), ("TOPIC", OPEN))
    for op in ("DESCRIBE", "READ")
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="starts its own secured node"),
]


@pytest.fixture(scope="module")
def node(engine, request):
    """The session's secured node (support.secure_kafka.secure_node), shared with
    test_secure_apache.py: asked for only after the engine check."""
    if engine != "apache":
        pytest.skip("ACLs need an authorizer: noida-db has none; runs in the Apache Kafka pass")
    return request.getfixturevalue("secure_node")


@pytest.fixture
def as_user(monkeypatch, node):
    """Point the CLI (in this process) at the secured listener as ``user``."""

    def use(user: str) -> None:
        for key in list(os.environ):
            if key.startswith("KAFKA_"):
                monkeypatch.delenv(key)
        for key, value in {**sasl_env(node, user), "KAFKA_TIMEOUT_S": SETTINGS_TIMEOUT_S}.items():
            monkeypatch.setenv(key, value)

    return use


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_broker_configs_name_the_authorizer_and_mask_every_secret(as_user, capsys):
    as_user("alice")
    code, out, _ = run_cli(capsys, "brokers", "--format", "json")
    (broker,) = json.loads(out)["brokers"]
    configs = {c["name"]: c for c in broker["configs"]}
    assert code == 0 and configs["authorizer.class.name"] == {
        "name": "authorizer.class.name",
        "value": STANDARD_AUTHORIZER,
        "source": "STATIC_BROKER_CONFIG",
        "read_only": True,
        "sensitive": False,
    }
    secret = [c for c in configs.values() if c["sensitive"]]
    assert secret and {c["value"] for c in secret} == {"********"}
    jaas = configs["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"]
    assert (jaas["source"], jaas["value"]) == ("STATIC_BROKER_CONFIG", "********")
    assert not any(password in out for password in PASSWORDS.values())


def test_acls_are_listed_as_kafka_names_them(as_user, capsys):
    as_user("alice")
    code, out, _ = run_cli(capsys, "acls", "--principal", "User:bob", "--format", "json")
    assert code == 0 and json.loads(out) == {"authorizer": True, "acls": [r.to_dict() for r in BOB_ACLS]}
    code, out, _ = run_cli(capsys, "acls", "--topic", OPEN)
    assert out.splitlines()[1:] == [
        f"User:bob   *     {op:<9}  ALLOW       TOPIC          {OPEN}  LITERAL" for op in ("DESCRIBE", "READ")
    ]


def test_bob_is_refused_in_the_brokers_words(as_user, capsys):
    as_user("bob")
    assert run_cli(capsys, "acls") == (
        1,
        "",
        "error: describe ACLs: not authorized (Cluster authorization failed)\n",
    )
    code, _, err = run_cli(capsys, "topic-config", "--topic", OPEN, "--set", "retention.ms=1000")
    assert (code, err) == (
        1,
        f"error: configs of topic '{OPEN}': not authorized (Topic authorization failed)\n",
    )
    code, _, err = run_cli(capsys, "purge", "--topic", OPEN, "--yes")
    assert (code, err) == (
        1,
        f"error: purge topic '{OPEN}' failed for partition 0: not authorized (Broker: Topic authorization failed); "
        "partition 1: not authorized (Broker: Topic authorization failed)\n",
    )


def committed(node, group: str) -> dict[tuple[str, int], int]:
    admin = AdminClient(admin_config(node))
    (future,) = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)]).values()
    return {(tp.topic, tp.partition): tp.offset for tp in future.result(SEED_TIMEOUT_S).topic_partitions}


def test_offsets_are_deleted_over_scram_and_tls_and_bob_is_refused_in_the_brokers_words(as_user, node, capsys):
    as_user("bob")  # may read and describe his group, not delete from it
    assert run_cli(capsys, "delete-offsets", "--group", OPEN_GROUP, "--topic", OPEN, "--yes") == (
        1,
        "",
        f"error: delete offsets of group '{OPEN_GROUP}': not authorized (Group authorization failed)\n",
    )
    assert committed(node, OPEN_GROUP) == {(OPEN, 0): 1}
    as_user("alice")
    commit_at(node, ALICE_GROUP, SECRET, 1)
    assert committed(node, ALICE_GROUP) == {(SECRET, 0): 1}
    code, out, err = run_cli(capsys, "delete-offsets", "--group", ALICE_GROUP, "--topic", SECRET, "--yes")
    assert (code, out.splitlines()[-1], err) == (
        0,
        f"deleted the offsets of group '{ALICE_GROUP}' on 1 partition(s) of '{SECRET}'",
        "",
    )
    assert committed(node, ALICE_GROUP) == {}
    assert committed(node, SECRET_GROUP) == {(SECRET, 0): 1}  # the group beside it keeps its commit
    assert not any(password in out + err for password in PASSWORDS.values())


@pytest.fixture
def app_as_alice(node, monkeypatch, tmp_path):
    st.cache_data.clear()
    st.cache_resource.clear()
    for key in list(os.environ):
        if key.startswith("KAFKA_"):
            monkeypatch.delenv(key)
    for key, value in sasl_env(node, "alice").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("KDASH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.chdir(tmp_path)
    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")
    yield tmp_path / "audit.jsonl"
    st_config.set_option("server.address", previous)
    st.cache_data.clear()
    st.cache_resource.clear()
    secrets_singleton._reset()


def test_an_acl_is_created_and_deleted_through_the_page(app_as_alice, node):
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
    at.switch_page("pages/acls.py")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.text_input(key="acls_principal").input("carol").run()
    assert [i.value for i in at.info] == ["No binding matches."]
    at.text_input(key="acl_principal").input("User:carol")
    at.text_input(key="acl_name").input(OPEN)
    at.selectbox(key="acl_operation").select("WRITE")
    at.button(key="FormSubmitter:acl_create-Create binding").click().run()
    carol = AclRow("User:carol", "*", "WRITE", "ALLOW", "TOPIC", OPEN, "LITERAL")
    assert [w.value for w in at.warning] == [plain(f"Tick the confirmation to create: {carol.describe()}.")]
    at.checkbox(key="acl_create_sure").check()
    at.button(key="FormSubmitter:acl_create-Create binding").click().run()
    settings = load_settings(env=sasl_env(node, "alice"), secrets_path=Path("/nonexistent"))
    assert carol in list_acls(Connection(make_admin(settings), settings), "User:carol").rows
    assert [s.value for s in at.success] == [plain(f"Created: {carol.describe()}.")]
    assert at.dataframe[0].value.values.tolist() == [list(carol.to_dict().values())]

    at.selectbox(key="acl_delete_pick").select(carol)
    at.checkbox(key="acl_delete_sure").check()
    at.button(key="FormSubmitter:acl_delete-Delete binding").click().run()
    assert list_acls(Connection(make_admin(settings), settings), "User:carol").rows == ()
    audit = [json.loads(line) for line in app_as_alice.read_text().splitlines()]
    assert [(a["action"], a["target"], a["result"]) for a in audit] == [
        ("acl.create", carol.describe(), "ok"),
        ("acl.delete", carol.describe(), "ok"),
    ]
