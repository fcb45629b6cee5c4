"""The one-line texts for a refused password or TLS handshake, from librdkafka's error_cb errors."""

from __future__ import annotations

from confluent_kafka import KafkaError

from kafka_io._client import handshake
from kafka_io.config import ClusterSettings

SCRAM = ClusterSettings(
    name="t",
    bootstrap_servers="b:9094",
    security_protocol="SASL_SSL",
    sasl_mechanism="SCRAM-SHA-512",
    sasl_username="alice",
    sasl_password="hunter2",
)


def _recorded(code: int, text: str, settings: ClusterSettings = SCRAM) -> str | None:
    handshake.record(settings, KafkaError(code, text))
    return handshake._recent(settings)


def test_a_refused_password_names_the_user_and_never_the_password():
    text = _recorded(
        KafkaError._AUTHENTICATION,
        "sasl_ssl://b:9094/bootstrap: SASL authentication error: Authentication failed during authentication "
        "due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 308ms in state AUTH_REQ)",
    )
    assert text == (
        "authentication failed for user alice (SCRAM-SHA-512) at b:9094: the broker refused the username or password"
    )


def test_a_password_echoed_by_the_broker_is_masked():
    text = _recorded(KafkaError._AUTHENTICATION, "SASL authentication error: bad hunter2 (after 3ms in state AUTH_REQ)")
    assert text == "authentication failed for user alice (SCRAM-SHA-512) at b:9094: bad ******** "[:-1]


def test_a_wrong_ca_and_a_missing_client_certificate():
    settings = ClusterSettings(name="tls", bootstrap_servers="b:9093", security_protocol="SSL")
    assert _recorded(
        KafkaError._SSL,
        "ssl://b:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: "
        "broker certificate could not be verified (after 3ms in state SSL_HANDSHAKE)",
        settings,
    ) == (
        "TLS handshake failed with b:9093: certificate verify failed (is ssl.ca.location / KAFKA_SSL_CA_LOCATION "
        "the broker's CA?)"
    )
    other = ClusterSettings(name="mtls", bootstrap_servers="b:9093", security_protocol="SSL")
    assert _recorded(
        KafkaError._TRANSPORT,
        "ssl://b:9093/bootstrap: Receive failed: error:0A000412:SSL routines::ssl/tls alert bad certificate: "
        "SSL alert number 42 (after 5ms in state UP)",
        other,
    ) == (
        "TLS handshake failed with b:9093: the broker refused the client certificate "
        "(ssl.certificate.location / ssl.key.location)"
    )


def test_plaintext_settings_are_never_diagnosed():
    assert handshake.diagnose(ClusterSettings(name="p", bootstrap_servers="127.0.0.1:1")) is None
