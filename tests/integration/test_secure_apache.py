"""A secured Apache Kafka (issue #13, items 2 and 3): SASL/SCRAM-SHA-512 over TLS, mutual
TLS, and ACLs (StandardAuthorizer), against the CLI and the kafka_io calls the pages make.

The session's secured node (support.secure_kafka.secure_node, shared with test_admin_secure.py):
it runs in the Apache pass only, and not against an external cluster. Users: alice (a super user), bob (only the ACLs below).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.kafka import TIMEOUT_S
from support.secure_kafka import (
    OPEN,
    OPEN_GROUP,
    OUTBOX,
    PASSWORDS,
    SECRET,
    SECRET_GROUP,
    sasl_env,
)

from kafka_io._client import Connection, make_admin
from kafka_io.config import load_settings
from kafka_io.errors import NotAuthorized, Unavailable
from kafka_io.groups.commit_reader import ADMIN_API, COMMIT_LOG, CommitLogReader
from kafka_io.groups.fetch import fetch_group_lags
from kafka_io.live.model import StartPosition
from kafka_io.live.reader import RUNNING, TailReader
from kafka_io.produce.inputs import build_event
from kafka_io.produce.producer import ProducerHandle, send_one
from kafka_io.produce.target import topic_limits
from kafka_io.topics.admin import create_topic
from kafka_io.topics.snapshot import cluster_snapshot

ROOT = Path(__file__).resolve().parents[2]
APP_TIMEOUT_S = 5
# One line, within the call's timeout plus the handshake check (kafka_io._client.handshake.DIAGNOSE_TIMEOUT_S).
FAIL_WITHIN_S = APP_TIMEOUT_S + 3
WRONG = "wrong-Pa55word-777"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="starts its own secured node"),
]


@pytest.fixture(scope="module")
def node(engine, request):
    """The session's secured node (support.secure_kafka.secure_node), shared with
    test_admin_secure.py: asked for only after the engine check."""
    if engine != "apache":
        pytest.skip("a secured cluster needs Apache Kafka: runs in the Apache Kafka pass")
    return request.getfixturevalue("secure_node")


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    full = {**clean, "KAFKA_TIMEOUT_S": str(APP_TIMEOUT_S), **env}
    return subprocess.run(
        [sys.executable, "-m", "kafka_io", *args], capture_output=True, text=True, env=full, cwd=ROOT, timeout=90
    )


def settings_of(env: dict[str, str]):
    return load_settings(env={**env, "KAFKA_TIMEOUT_S": str(APP_TIMEOUT_S)}, secrets_path=Path("/nonexistent"))


def java_properties(node, folder: Path, password: str) -> Path:
    path = folder / "client.properties"
    path.write_text(
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="alice" password="{password}";\n'
        "ssl.truststore.type=PEM\n"
        f"ssl.truststore.location={node.certs.ca}\n"
    )
    return path


def assert_every_command_works(env: dict[str, str], bootstrap: str) -> None:
    found = cli(env, "cluster")
    assert found.returncode == 0, found.stderr
    assert f" at {bootstrap} (controller 0)" in found.stdout
    topics = cli(env, "topics")
    assert topics.returncode == 0, topics.stderr
    assert [line.split()[0] for line in topics.stdout.splitlines()[2:]] == [OUTBOX, OPEN, SECRET]
    lag = cli(env, "lag", "--group", SECRET_GROUP)
    assert lag.returncode == 0, lag.stderr
    assert lag.stdout.splitlines()[1].split()[:4] == [SECRET_GROUP, "EMPTY", "0", "5"]
    tail = cli(env, "tail", "--topic", SECRET, "--from-beginning", "--max-messages", "6")
    assert tail.returncode == 0, tail.stderr
    assert "payment  6" in tail.stdout
    sent = cli(env, "produce", "--topic", OUTBOX, "--value", '{"type": "check"}')
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith(f"sent 1 events to '{OUTBOX}': 1 delivered, 0 failed"), sent.stdout


def test_env_settings_reach_every_cli_command_over_sasl_ssl(node):
    assert_every_command_works(sasl_env(node), node.sasl_ssl)


def test_a_java_client_properties_file_reaches_every_cli_command(node, tmp_path):
    props = java_properties(node, tmp_path, PASSWORDS["alice"])
    env = {"KAFKA_BOOTSTRAP_SERVERS": node.sasl_ssl, "KAFKA_CLIENT_PROPERTIES": str(props)}
    assert_every_command_works(env, node.sasl_ssl)


def test_mutual_tls_by_env_and_by_a_java_pem_keystore(node, tmp_path):
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": node.mtls,
        "KAFKA_SECURITY_PROTOCOL": "SSL",
        "KAFKA_SSL_CA_LOCATION": str(node.certs.ca),
        "KAFKA_SSL_CERTIFICATE_LOCATION": str(node.certs.client_cert),
        "KAFKA_SSL_KEY_LOCATION": str(node.certs.client_key),
    }
    assert_every_command_works(env, node.mtls)
    keystore = tmp_path / "client-keystore.pem"  # what Java's PEM keystore holds: key, then chain
    keystore.write_text(node.certs.client_key.read_text() + node.certs.client_cert.read_text())
    props = tmp_path / "mtls.properties"
    props.write_text(
        f"security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location={node.certs.ca}\n"
        f"ssl.keystore.type=PEM\nssl.keystore.location={keystore}\n"
    )
    topics = cli({"KAFKA_BOOTSTRAP_SERVERS": node.mtls, "KAFKA_CLIENT_PROPERTIES": str(props)}, "topics")
    assert topics.returncode == 0 and f"{SECRET}  1" in topics.stdout, topics.stderr
    without = {k: v for k, v in env.items() if k not in ("KAFKA_SSL_CERTIFICATE_LOCATION", "KAFKA_SSL_KEY_LOCATION")}
    refused = cli(without, "cluster")
    assert refused.stderr == (
        f"error: TLS handshake failed with {node.mtls}: the broker refused the client certificate "
        "(ssl.certificate.location / ssl.key.location)\n"
    )


def test_the_kafka_io_calls_of_the_pages_work_over_sasl_ssl(node):
    settings = settings_of(sasl_env(node))
    admin = make_admin(settings)
    snapshot = cluster_snapshot(Connection(admin, settings))
    found = [(t.name, t.messages, t.problem) for t in snapshot.topics if t.name != OUTBOX]
    assert found == [(OPEN, 6, None), (SECRET, 6, None)]
    (lag,) = fetch_group_lags(Connection(admin, settings), [SECRET_GROUP])
    assert (lag.error, lag.totals.total_lag) == (None, 5)
    limits = topic_limits(Connection(admin, settings), SECRET)
    handle = ProducerHandle(settings)
    try:
        result = send_one(handle, limits, build_event(limits, '{"type": "refund"}', "json"))
        assert result.error is None and result.offset == 6
    finally:
        handle.close()
    reader = TailReader(settings, (SECRET,), StartPosition.parse("earliest"))
    reader.open()
    try:
        assert reader.status()[0] == RUNNING
        got, deadline = [], time.monotonic() + TIMEOUT_S
        while len(got) < 7 and time.monotonic() < deadline:
            got += reader.read(10, 0.2)
            reader.maintain()
        assert [m.offset() for m in got] == list(range(7))
    finally:
        reader.close()


# A refused login waits out the timeout before it is named: a short one keeps this test short.
WRONG_TIMEOUT_S = 2
EVERY_COMMAND = (
    ["cluster"],
    ["topics"],
    ["lag"],
    ["tail", "--topic", OPEN, "--seconds", "2"],
    ["produce", "--topic", OPEN, "--value", "{}"],
)


@pytest.mark.parametrize(
    ("how", "commands"),
    [
        ("env", EVERY_COMMAND),
        # The properties file reaches every command through the same load_settings: two suffice.
        ("client.properties", (EVERY_COMMAND[0], EVERY_COMMAND[4])),
    ],
)
def test_a_wrong_password_is_one_line_naming_the_user_never_the_password(node, tmp_path, how, commands):
    if how == "env":
        env = sasl_env(node, "alice", WRONG)
    else:
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": node.sasl_ssl,
            "KAFKA_CLIENT_PROPERTIES": str(java_properties(node, tmp_path, WRONG)),
        }
    env["KAFKA_TIMEOUT_S"] = str(WRONG_TIMEOUT_S)
    fail_within_s = WRONG_TIMEOUT_S + 3
    line = (
        f"error: authentication failed for user alice (SCRAM-SHA-512) at {node.sasl_ssl}: "
        "the broker refused the username or password\n"
    )
    for command in commands:
        started = time.monotonic()
        # KDASH_DEBUG=1 and -v: even the debug log of the handshake must not hold the password.
        result = cli({**env, "KDASH_DEBUG": "1"}, "-v", *command)
        took_s = time.monotonic() - started
        assert result.returncode == 1, (command, result.stdout)
        assert result.stderr.endswith(line), (command, result.stderr[-500:])
        assert WRONG not in result.stdout + result.stderr
        assert took_s < fail_within_s + 2, (command, took_s)  # + the interpreter's start
    quiet = cli(env, *commands[0])
    assert quiet.stderr == line and quiet.stdout == "", quiet.stderr  # without -v: that one line, nothing else
    settings = load_settings(env=env, secrets_path=Path("/nonexistent"))
    started = time.monotonic()
    with pytest.raises(Unavailable) as raised:
        cluster_snapshot(Connection(make_admin(settings), settings))
    assert str(raised.value) == line.removeprefix("error: ").rstrip()
    assert time.monotonic() - started < fail_within_s


def test_a_wrong_ca_is_a_failed_tls_handshake(node):
    env = {**sasl_env(node), "KAFKA_SSL_CA_LOCATION": str(node.certs.other_ca)}
    result = cli(env, "topics")
    assert result.stderr == (
        f"error: TLS handshake failed with {node.sasl_ssl}: certificate verify failed "
        "(is ssl.ca.location / KAFKA_SSL_CA_LOCATION the broker's CA?)\n"
    )


def test_bob_sees_what_his_acls_allow_and_the_rest_is_named_not_authorized(node):
    env = sasl_env(node, "bob")
    # Kafka leaves topics bob may not describe out of metadata, and groups out of listings.
    topics = cli(env, "topics")
    assert topics.returncode == 0, topics.stderr
    assert [line.split()[0] for line in topics.stdout.splitlines()[2:]] == [OPEN]
    named = cli(env, "topics", "--topic", SECRET)
    assert named.stderr == (
        f"error: not authorized to describe topic '{SECRET}' (Kafka does not say whether it exists)\n"
    )
    tail = cli(env, "tail", "--topic", SECRET, "--seconds", "1")
    assert tail.stderr == named.stderr
    lag = cli(env, "lag")
    assert [line.split()[0] for line in lag.stdout.splitlines()[1:]] == [OPEN_GROUP], lag.stderr
    denied = cli(env, "lag", "--group", SECRET_GROUP)
    assert denied.stderr == f"error: not authorized to describe group {SECRET_GROUP}\n"

    settings = settings_of(env)
    admin = make_admin(settings)
    assert [t.name for t in cluster_snapshot(Connection(admin, settings)).topics] == [OPEN]
    with pytest.raises(NotAuthorized, match=f"^not authorized to describe topic '{SECRET}'"):
        cluster_snapshot(Connection(admin, settings), topic=SECRET)
    mine, theirs = fetch_group_lags(Connection(admin, settings), [OPEN_GROUP, SECRET_GROUP])
    assert (mine.error, mine.totals.total_lag) == (None, 2)
    assert theirs.error == f"not authorized to describe group {SECRET_GROUP}"


def test_writes_bob_may_not_do_are_refused_in_plain_words(node):
    env = sasl_env(node, "bob")
    sent = cli(env, "produce", "--topic", OPEN, "--value", "{}")
    # Bob has WRITE on no topic, so the idempotent producer is refused its producer id.
    refusal = f"not authorized to write to topic '{OPEN}' (Kafka: CLUSTER_AUTHORIZATION_FAILED)"
    assert sent.returncode == 1
    assert sent.stdout.splitlines()[:2] == [
        f"sent 1 events to '{OPEN}': 0 delivered, 1 failed" + sent.stdout.splitlines()[0].split("1 failed")[1],
        f"note: {refusal}",
    ]
    assert sent.stdout.splitlines()[-1].split(None, 1) == ["0", refusal]
    settings = settings_of(env)
    with pytest.raises(NotAuthorized) as raised:
        create_topic(Connection(make_admin(settings), settings), "bob-made-this", 1)
    assert str(raised.value) == "not authorized to create topic 'bob-made-this'"


def test_committed_offsets_come_from_the_log_only_with_read_on_it(node):
    """Bob may not describe or read __consumer_offsets (ACL'd and managed clusters often refuse
    it): his reader names the admin API and why. Alice, a super user, reads the log."""
    bob = CommitLogReader(settings_of(sasl_env(node, "bob")))
    try:
        source = bob.catch_up()
        assert (source.name, source.reason) == (
            ADMIN_API,
            "not authorized to read __consumer_offsets (Broker: Topic authorization failed)",
        )
        assert bob.catch_up() == source  # for good: never tried again
    finally:
        bob.close()
    settings = settings_of(sasl_env(node, "alice"))
    (secret,) = fetch_group_lags(Connection(make_admin(settings), settings), [SECRET_GROUP])
    committed = {(p.topic, p.partition): p.committed for p in secret.partitions}
    alice = CommitLogReader(settings)
    try:
        assert alice.catch_up().reason == "not yet compared with the admin API"
        assert alice.confirm({SECRET_GROUP: committed}).name == COMMIT_LOG
        assert alice.offsets(SECRET_GROUP) == committed
    finally:
        alice.close()
