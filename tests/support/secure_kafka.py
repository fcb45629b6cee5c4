"""Test-only helpers for a secured Apache Kafka node (issue #13, items 2 and 3).

- ``make_certs(dir)``: a CA, a broker certificate (SAN IP:127.0.0.1, DNS:localhost)
  and a client certificate for mutual TLS, as PEM files, made with the openssl CLI.
- ``start_secure_node(dir)``: one combined broker+controller with three client
  listeners: PLAINTEXT (the launcher's readiness probe and the node's own
  controller/broker traffic), SASL_SSL with SCRAM-SHA-512, and SSL with
  ``ssl.client.auth=required``; StandardAuthorizer with ACLs enforced.
- ``secure_node``: the session's one such node, seeded (a fixture; tests/conftest.py
  registers this module as a plugin). The modules that share it must not change what
  another reads: seed()'s groups and ACLs stay as seeded (a test that deletes offsets
  or adds ACLs does it to a group or principal of its own).

Principals: admin and alice are super users (alice also over mTLS: the client
certificate's CN maps to User:alice); bob gets only the ACLs a test grants him.
User:ANONYMOUS (the PLAINTEXT listeners) is a super user so that the node can
talk to itself.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    NewTopic,
    ResourcePatternType,
    ResourceType,
)

from kafka_io.local import apache
from kafka_io.local.kraft import CONTROLLER_PORT_OFFSET, HOST, NodeExtras

from .ports import bindable

SASL_OFFSET, MTLS_OFFSET = 200, 300
# What seed() makes: bob may describe and read OPEN and OPEN_GROUP, and nothing else.
OPEN, SECRET, OUTBOX = "public-orders", "secret-payments", "alice-outbox"
OPEN_GROUP, SECRET_GROUP = "bob-group", "secret-group"
SEED_TIMEOUT_S = 10
PASSWORDS = {"admin": "admin-secret-4711", "alice": "alice-secret-0815", "bob": "bob-secret-2342"}
CERT_DAYS = "2"
OPENSSL_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class Certs:
    ca: Path
    ca_key: Path
    broker: Path  # the broker's key (PKCS#8) and certificate, one PEM file, as Kafka's PEM keystore wants
    client_cert: Path
    client_key: Path
    other_ca: Path  # a CA that signed nothing here: a client trusting it must fail the handshake


@dataclass(frozen=True, slots=True)
class SecureNode:
    plaintext: str
    sasl_ssl: str
    mtls: str
    certs: Certs
    data_dir: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=OPENSSL_TIMEOUT_S)


def _ca(folder: Path, name: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", CERT_DAYS,
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip


def _signed(folder: Path, name: str, subject: str, ext: str) -> None:
    (folder / f"{name}.ext").write_text(ext + "\n")
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject,
        cwd=folder,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", CERT_DAYS, "-out", f"{name}.pem", "-extfile", f"{name}.ext",
        cwd=folder,
    )  # fmt: skip


def make_certs(folder: Path) -> Certs:
    folder.mkdir(parents=True, exist_ok=True)
    _ca(folder, "ca")
    _ca(folder, "other-ca")
    _signed(folder, "broker", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost")
    _signed(folder, "client", "/CN=alice", "extendedKeyUsage=clientAuth")
    # openssl 3 writes PKCS#8 ("BEGIN PRIVATE KEY"), the only unencrypted key form Kafka's PEM store reads.
    keystore = folder / "broker-keystore.pem"
    keystore.write_text((folder / "broker.key").read_text() + (folder / "broker.pem").read_text())
    return Certs(
        folder / "ca.pem",
        folder / "ca.key",
        keystore,
        folder / "client.pem",
        folder / "client.key",
        folder / "other-ca.pem",
    )


def free_secure_base_port() -> int:
    import socket

    for _ in range(50):
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            base = sock.getsockname()[1]
        wanted = [base + offset for offset in (0, CONTROLLER_PORT_OFFSET, SASL_OFFSET, MTLS_OFFSET)]
        if max(wanted) < 65536 and all(bindable(p) for p in wanted):
            return base
    raise RuntimeError("no free run of ports found")


def node_extras(certs: Certs) -> NodeExtras:
    jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    return NodeExtras(
        listeners=(("SASL_SSL", "SASL_SSL", SASL_OFFSET), ("MTLS", "SSL", MTLS_OFFSET)),
        properties=(
            ("sasl.enabled.mechanisms", "SCRAM-SHA-512"),
            ("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas),
            ("ssl.keystore.type", "PEM"),
            ("ssl.keystore.location", str(certs.broker)),
            ("ssl.truststore.type", "PEM"),
            ("ssl.truststore.location", str(certs.ca)),
            ("listener.name.mtls.ssl.client.auth", "required"),
            # The client certificate's "CN=alice" becomes User:alice, the same principal as over SCRAM.
            ("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT"),
            ("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer"),
            ("super.users", "User:admin;User:alice;User:ANONYMOUS"),
        ),
        format_args=tuple(
            arg
            for name, password in PASSWORDS.items()
            for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")
        ),
    )


def start_secure_node(folder: Path) -> SecureNode:
    certs = make_certs(folder / "certs")
    port = free_secure_base_port()
    data_dir = folder / "kafka"
    apache.start_cluster(nodes=1, port=port, data_dir=data_dir, extras=node_extras(certs))
    return SecureNode(f"{HOST}:{port}", f"{HOST}:{port + SASL_OFFSET}", f"{HOST}:{port + MTLS_OFFSET}", certs, data_dir)


@pytest.fixture(scope="session")
def secure_node(tmp_path_factory) -> Iterator[SecureNode]:
    """One seeded secured node for the session: starting one costs ~30 s on a busy 2-core runner."""
    started = start_secure_node(tmp_path_factory.mktemp("secure"))
    try:
        seed(started)
        yield started
    finally:
        apache.stop_cluster(started.data_dir)


def sasl_env(node: SecureNode, user: str = "alice", password: str | None = None) -> dict[str, str]:
    """The dashboard's environment settings for SCRAM over TLS."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": node.sasl_ssl,
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": user,
        "KAFKA_SASL_PASSWORD": PASSWORDS[user] if password is None else password,
        "KAFKA_SSL_CA_LOCATION": str(node.certs.ca),
    }


def admin_config(node: SecureNode) -> dict[str, str]:
    """confluent-kafka settings for the super user admin (ACLs, topics, fixtures)."""
    return {
        "bootstrap.servers": node.sasl_ssl,
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "admin",
        "sasl.password": PASSWORDS["admin"],
        "ssl.ca.location": str(node.certs.ca),
    }


def _allow(principal: str, kind: ResourceType, name: str, *ops: AclOperation) -> list[AclBinding]:
    return [
        AclBinding(kind, name, ResourcePatternType.LITERAL, principal, "*", op, AclPermissionType.ALLOW) for op in ops
    ]


def commit_at(node: SecureNode, group: str, topic: str, offset: int) -> None:
    """Commit ``offset`` on partition 0 for ``group``, as the super user admin, without joining it."""
    consumer = Consumer({**admin_config(node), "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
    finally:
        consumer.close()


def seed(node: SecureNode) -> None:
    """Topics with 6 events each, two groups with a commit at offset 1, and bob's ACLs."""
    conf = admin_config(node)
    admin = AdminClient(conf)
    for future in admin.create_topics([NewTopic(OPEN, 2, 1), NewTopic(SECRET, 1, 1), NewTopic(OUTBOX, 1, 1)]).values():
        future.result(SEED_TIMEOUT_S)
    producer = Producer(conf)
    for i in range(6):
        producer.produce(OPEN, b'{"type": "order"}', partition=i % 2)
        producer.produce(SECRET, b'{"type": "payment"}')
    assert producer.flush(SEED_TIMEOUT_S) == 0
    for group, topic in ((OPEN_GROUP, OPEN), (SECRET_GROUP, SECRET)):
        commit_at(node, group, topic, 1)
    read = (AclOperation.DESCRIBE, AclOperation.READ)
    acls = _allow("User:bob", ResourceType.TOPIC, OPEN, *read) + _allow(
        "User:bob", ResourceType.GROUP, OPEN_GROUP, *read
    )
    for future in admin.create_acls(acls).values():
        assert future.result(SEED_TIMEOUT_S) is None
