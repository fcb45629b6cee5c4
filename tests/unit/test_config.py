from pathlib import Path

import pytest

from kafka_io.config import ClusterSettings, load_clusters, load_settings, parse_client_properties
from kafka_io.errors import InvalidInput

NO_SECRETS = Path("/nonexistent/secrets.toml")


def test_embedded_default_when_nothing_is_configured():
    settings = load_settings(env={}, secrets_path=NO_SECRETS)
    assert settings.embedded is True
    assert settings.bootstrap_servers == "127.0.0.1:9092"
    assert settings.read_only is False


def test_env_beats_secrets_and_flags_beat_env(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[kafka]\nbootstrap_servers = "secrets:9092"\n')
    env = {"KAFKA_BOOTSTRAP_SERVERS": "env:9092", "KAFKA_SASL_USERNAME": "alice"}
    assert load_settings(env=env, secrets_path=secrets).bootstrap_servers == "env:9092"
    flagged = load_settings(flags={"bootstrap_servers": "flag:9092"}, env=env, secrets_path=secrets)
    assert flagged.bootstrap_servers == "flag:9092"
    assert flagged.sasl_username == "alice"
    assert load_settings(env={}, secrets_path=secrets).bootstrap_servers == "secrets:9092"


def test_several_clusters_from_secrets(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "read_only = true\n"
        '[clusters.prod]\nbootstrap_servers = "prod:9092"\nsecurity_protocol = "SASL_SSL"\n'
        'sasl_mechanism = "SCRAM-SHA-512"\nsasl_username = "u"\nsasl_password = "hunter2"\n'
        '[clusters.staging]\nbootstrap_servers = "staging:9092"\n'
    )
    clusters = load_clusters(env={}, secrets_path=secrets)
    assert list(clusters) == ["prod", "staging"]
    assert clusters["prod"].client_config()["sasl.password"] == "hunter2"
    assert all(c.read_only for c in clusters.values())


@pytest.mark.parametrize(
    "env, message",
    [
        ({"KAFKA_BOOTSTRAP_SERVERS": "nohostport"}, "bootstrap_servers must be HOST:PORT"),
        ({"KAFKA_BOOTSTRAP_SERVERS": "h:99999"}, "bootstrap_servers must be HOST:PORT"),
        ({"KAFKA_BOOTSTRAP_SERVERS": "h:1", "KAFKA_SECURITY_PROTOCOL": "TLS"}, "security_protocol must be one of"),
        ({"KAFKA_BOOTSTRAP_SERVERS": "h:1", "KAFKA_SASL_MECHANISM": "MD5"}, "sasl_mechanism must be one of"),
        ({"KAFKA_TIMEOUT_S": "soon"}, "KAFKA_TIMEOUT_S must be a number"),
    ],
    ids=["no-port", "port-range", "bad-protocol", "bad-mechanism", "bad-timeout"],
)
def test_bad_configuration_names_the_key(env, message):
    with pytest.raises(InvalidInput, match=message):
        load_settings(env=env, secrets_path=NO_SECRETS)


def test_bad_secrets_file_names_the_key(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[kafka]\nbootstrap_server = "typo:9092"\n')
    with pytest.raises(InvalidInput, match="unknown setting 'bootstrap_server'"):
        load_clusters(env={}, secrets_path=secrets)
    secrets.write_text("[kafka\n")
    with pytest.raises(InvalidInput, match="not valid TOML"):
        load_clusters(env={}, secrets_path=secrets)


def test_read_only_from_env():
    assert load_settings(env={"KAFKA_DASHBOARD_READ_ONLY": "1"}, secrets_path=NO_SECRETS).read_only


def test_java_client_properties_are_translated(tmp_path):
    props = tmp_path / "client.properties"
    props.write_text(
        "# comment\n"
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism=SCRAM-SHA-256\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="svc" password="s3cr3t!";\n'
        "key.deserializer=org.apache.kafka.common.serialization.StringDeserializer\n"
    )
    assert parse_client_properties(props) == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-256",
        "sasl.username": "svc",
        "sasl.password": "s3cr3t!",
    }
    settings = load_settings(
        env={"KAFKA_BOOTSTRAP_SERVERS": "h:9092", "KAFKA_CLIENT_PROPERTIES": str(props)}, secrets_path=NO_SECRETS
    )
    assert settings.client_config()["sasl.password"] == "s3cr3t!"
    assert "s3cr3t!" not in repr(settings)
    assert "s3cr3t!" not in str(settings.sanitize())


@pytest.mark.parametrize(
    "line, message",
    [
        ("ssl.truststore.location=/x.jks", "Java keystore"),
        ("sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required;", "PlainLoginModule"),
        ("justakey", "expected key=value"),
    ],
    ids=["jks", "kerberos", "no-equals"],
)
def test_unsupported_properties_are_refused(tmp_path, line, message):
    props = tmp_path / "client.properties"
    props.write_text(line + "\n")
    with pytest.raises(InvalidInput, match=message):
        parse_client_properties(props)


def test_sanitize_masks_every_secret():
    settings = ClusterSettings(
        bootstrap_servers="h:9092",
        sasl_username="alice",
        sasl_password="hunter2",
        extra=(("ssl.key.password", "pem-pass"), ("sasl.oauthbearer.client.secret", "oauth")),
    )
    shown = settings.sanitize()
    assert shown["sasl.username"] == "alice"
    assert shown["sasl.password"] == "********"
    assert shown["ssl.key.password"] == "********"
    assert shown["sasl.oauthbearer.client.secret"] == "********"
    assert not {"hunter2", "pem-pass", "oauth"} & set(shown.values())


def test_java_pem_stores_become_librdkafka_pem_settings(tmp_path):
    # What a Java user writes for Kafka ≥ 2.7 PEM stores; the type may follow the location.
    props = tmp_path / "client.properties"
    props.write_text(
        "ssl.truststore.location=/etc/kafka/ca.pem\n"
        "ssl.truststore.type=PEM\n"
        "ssl.keystore.type=PEM\n"
        "ssl.keystore.location=/etc/kafka/client-keystore.pem\n"
        "ssl.key.password=pem-pass\n"
    )
    assert parse_client_properties(props) == {
        "ssl.ca.location": "/etc/kafka/ca.pem",
        "ssl.certificate.location": "/etc/kafka/client-keystore.pem",
        "ssl.key.location": "/etc/kafka/client-keystore.pem",
        "ssl.key.password": "pem-pass",
    }


def test_inline_pem_stores_are_translated_and_pkcs12_is_refused(tmp_path):
    props = tmp_path / "client.properties"
    props.write_text(
        "ssl.truststore.type=PEM\nssl.truststore.certificates=CA-TEXT\n"
        "ssl.keystore.type=PEM\nssl.keystore.certificate.chain=CHAIN\nssl.keystore.key=KEY\n"
    )
    assert parse_client_properties(props) == {
        "ssl.ca.pem": "CA-TEXT",
        "ssl.certificate.pem": "CHAIN",
        "ssl.key.pem": "KEY",
    }
    props.write_text("ssl.keystore.type=PKCS12\nssl.keystore.location=/x.p12\n")
    with pytest.raises(InvalidInput, match=r"line 2: ssl.keystore.location \(a Java keystore, type PKCS12\)"):
        parse_client_properties(props)
