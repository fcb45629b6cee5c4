"""The kafka-python client that sends OffsetDelete (kafka_io.admin.python_client): its
config from ClusterSettings, the refusals for what it cannot take, errors in the broker's
words, and no password in its logs."""

from __future__ import annotations

import logging

import pytest
from kafka import errors
from support.ports import free_port
from support.table_cases import ids, message_of

from kafka_io.admin.group_offsets import checked_names
from kafka_io.admin.python_client import admin_client, broker_words, client_config, translate
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError, NotAuthorized, NotFound, Unavailable

SECRET = "s3cret-pw-4711"
BASE = {"client_id": "kdash-offset-delete", "request_timeout_ms": 5000, "bootstrap_timeout_ms": 5000}
BASE |= {"reconnect_backoff_max_ms": 2000}

CONFIG_CASES = [
    # 1. PLAINTEXT: the servers as a list, both timeouts the cluster's named one
    (ClusterSettings(bootstrap_servers="a:9092, b:9093"), {"bootstrap_servers": ["a:9092", "b:9093"]}),
    # 2. SASL_SSL with SCRAM-SHA-512 and a CA file
    (
        ClusterSettings(
            bootstrap_servers="a:9092",
            security_protocol="sasl_ssl",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="alice",
            sasl_password=SECRET,
            ssl_ca_location="/ca.pem",
        ),
        {
            "bootstrap_servers": ["a:9092"],
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": "alice",
            "sasl_plain_password": SECRET,
            "ssl_cafile": "/ca.pem",
        },
    ),
    # 3. SASL_PLAINTEXT with PLAIN
    (
        ClusterSettings(
            bootstrap_servers="a:9092",
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="PLAIN",
            sasl_username="u",
            sasl_password=SECRET,
        ),
        {
            "bootstrap_servers": ["a:9092"],
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "PLAIN",
            "sasl_plain_username": "u",
            "sasl_plain_password": SECRET,
        },
    ),
    # 4. mutual TLS from client.properties-style extras, key password, no hostname check
    (
        ClusterSettings(
            bootstrap_servers="a:9092",
            security_protocol="SSL",
            ssl_ca_location="/ca.pem",
            ssl_certificate_location="/c.pem",
            ssl_key_location="/k.pem",
            extra=(("ssl.endpoint.identification.algorithm", "none"), ("ssl.key.password", SECRET)),
        ),
        {
            "bootstrap_servers": ["a:9092"],
            "security_protocol": "SSL",
            "ssl_cafile": "/ca.pem",
            "ssl_certfile": "/c.pem",
            "ssl_keyfile": "/k.pem",
            "ssl_password": SECRET,
            "ssl_check_hostname": False,
        },
    ),
    # 5. a tuning extra kafka-python has no use for is left out, not refused
    (
        ClusterSettings(bootstrap_servers="a:9092", extra=(("socket.keepalive.enable", "true"),)),
        {"bootstrap_servers": ["a:9092"]},
    ),
]


@pytest.mark.parametrize(("settings", "expected"), CONFIG_CASES, ids=ids(CONFIG_CASES))
def test_client_config(settings, expected):
    assert client_config(settings) == {**BASE, **expected}


REFUSAL_CASES = [
    # 1. OAUTHBEARER: no token provider wired up for kafka-python
    (
        {"security_protocol": "SASL_SSL", "sasl_mechanism": "OAUTHBEARER"},
        "deleting offsets uses kafka-python, which the dashboard sets up for SASL PLAIN, SCRAM-SHA-256, "
        "SCRAM-SHA-512 only, not OAUTHBEARER",
    ),
    # 2. GSSAPI, named explicitly
    (
        {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "GSSAPI"},
        "deleting offsets uses kafka-python, which the dashboard sets up for SASL PLAIN, SCRAM-SHA-256, "
        "SCRAM-SHA-512 only, not GSSAPI",
    ),
    # 3. SASL with no mechanism is librdkafka's default, GSSAPI
    (
        {"security_protocol": "SASL_SSL"},
        "deleting offsets uses kafka-python, which the dashboard sets up for SASL PLAIN, SCRAM-SHA-256, "
        "SCRAM-SHA-512 only, not GSSAPI",
    ),
    # 4. an inline PEM CA (a PEM truststore in client.properties)
    (
        {"security_protocol": "SSL", "extra": (("ssl.ca.pem", "-----BEGIN CERTIFICATE-----"),)},
        "deleting offsets uses kafka-python, which cannot take ssl.ca.pem from the cluster settings",
    ),
    # 5. certificate verification turned off: kafka-python would verify, so refuse rather than differ
    (
        {"security_protocol": "SSL", "extra": (("enable.ssl.certificate.verification", "false"),)},
        "deleting offsets uses kafka-python, which cannot take enable.ssl.certificate.verification "
        "from the cluster settings",
    ),
]


@pytest.mark.parametrize(("fields", "expected"), REFUSAL_CASES, ids=ids(REFUSAL_CASES))
def test_unsupported_settings_are_refused_in_one_line(fields, expected):
    assert message_of(client_config, ClusterSettings(bootstrap_servers="a:9092", **fields)) == expected


TRANSLATE_CASES = [
    # 1. an ACL refusal, in the words librdkafka would use
    (errors.GroupAuthorizationFailedError(), NotAuthorized, "delete: not authorized (Group authorization failed)"),
    # 2. a group the broker does not know
    (errors.GroupIdNotFoundError(), NotFound, "delete: the broker knows no such group (Group id not found)"),
    # 3. another broker error: its name in words, no response dump
    (
        errors.CoordinatorNotAvailableError("OffsetDeleteResponse(...)"),
        KafkaIOError,
        "delete: Coordinator not available",
    ),
]


@pytest.mark.parametrize(("exc", "kind", "expected"), TRANSLATE_CASES, ids=ids(TRANSLATE_CASES))
def test_translate(exc, kind, expected):
    translated = translate(exc, ClusterSettings(), "delete")
    assert (type(translated), str(translated)) == (kind, expected)


def test_a_bug_is_not_dressed_up_as_a_kafka_error():
    bug = ValueError("x")
    assert translate(bug, ClusterSettings(), "delete") is bug
    assert broker_words(errors.GroupSubscribedToTopicError) == "Group subscribed to topic"


def test_names_are_checked_before_anything_is_sent():
    assert checked_names(" g ", " orders ") == ("g", "orders")
    assert message_of(checked_names, "  ", "orders") == "the group id is empty"
    assert message_of(checked_names, "g", "") == "topic name is empty"


def test_an_unreachable_cluster_is_one_line_and_the_password_is_in_no_log(caplog):
    settings = ClusterSettings(
        bootstrap_servers=f"127.0.0.1:{free_port()}",
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-256",
        sasl_username="u",
        sasl_password=SECRET,
        timeout_s=1.0,
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Unavailable) as caught, admin_client(settings):
        pass
    assert (
        str(caught.value)
        == f"Cannot reach Kafka at {settings.bootstrap_servers}: connection refused (is the broker running?)"
    )
    assert SECRET not in caplog.text
    logging.getLogger("kafka").setLevel(logging.DEBUG)  # someone debugging a connection
    try:
        with pytest.raises(Unavailable), admin_client(settings):
            pass
    finally:
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
    assert "Bootstrap failed" in caplog.text and SECRET not in caplog.text
