"""The Confluent frame (pure), registry settings from env / secrets / client.properties, and
event types from decoded records, table-driven; the real registry is in tests/integration."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.table_cases import ids, message_of

from kafka_io.config import load_settings
from kafka_io.live.rates import TypeSpec, make_extractor
from kafka_io.schemas import framing
from kafka_io.schemas.settings import parse_registry

# (schema id, payload, indexes, framed bytes)
FRAMES = [
    # 1. Avro / JSON Schema: magic, 4-byte big-endian id, payload
    (7, b"\x02ab", None, b"\x00\x00\x00\x00\x07\x02ab"),
    # 2. Protobuf, first message: the serializers' one-byte shortcut
    (258, b"\x08\x01", (0,), b"\x00\x00\x00\x01\x02\x00\x08\x01"),
    # 3. Protobuf, nested message 1 of message 2: count then indexes, zig-zag varints
    (1, b"", (2, 1), b"\x00\x00\x00\x00\x01\x04\x04\x02"),
    # 4. the largest id
    (2**31 - 1, b"x", None, b"\x00\x7f\xff\xff\xffx"),
]


@pytest.mark.parametrize(("schema_id", "payload", "indexes", "framed"), FRAMES, ids=ids(FRAMES))
def test_frames_round_trip(schema_id, payload, indexes, framed):
    assert framing.frame(schema_id, payload, indexes) == framed
    assert framing.is_framed(framed) and framing.schema_id_of(framed) == schema_id
    if indexes is not None:
        assert framing.message_indexes(framed) == (indexes, len(framed) - len(payload))


NOT_FRAMES = [
    b'{"event_type": "a"}',  # 1. JSON never starts with NUL
    b"\x00\x00\x00\x01",  # 2. too short for an id
    b"",  # 3. empty value
    None,  # 4. tombstone
    b"\x01\x00\x00\x00\x01x",  # 5. another magic byte
]


@pytest.mark.parametrize("data", NOT_FRAMES, ids=ids(NOT_FRAMES))
def test_what_is_not_a_frame(data):
    assert not framing.is_framed(data)


@pytest.mark.parametrize(
    "data", [b"\x00\x00\x00\x00\x01", b"\x00\x00\x00\x00\x01\x04\x80", b"\x00\x00\x00\x00\x01\x7f"], ids=ids([1, 2, 3])
)
def test_corrupt_message_indexes_are_a_frame_error(data):
    # 1. no index byte at all; 2. a varint cut short; 3. a negative count
    with pytest.raises(framing.FrameError):
        framing.message_indexes(data)


class FakeDecoder:
    """Stands in for WireDecoder's two adapters: the real one needs a registry (see integration)."""

    def __init__(self, records: dict[bytes, object]):
        self.records = records

    def record_or_label(self, data):
        found = self.records[data]
        return found if isinstance(found, (dict, str)) else None

    def key_or_label(self, data):
        return self.records[data]


AVRO_A, AVRO_B, BAD, PRIMITIVE = (framing.frame(i, b"x") for i in (1, 2, 3, 4))
DECODER = FakeDecoder(
    {
        AVRO_A: {"event_type": "order_paid", "customer": {"tier": "gold"}},
        AVRO_B: {"type": "order_created"},
        BAD: "(undecodable: unknown schema id 3)",
        PRIMITIVE: 42,
    }
)
# (spec, value, key, type)
TYPES = [
    ("auto", AVRO_A, None, "order_paid"),  # 1. auto-detect on a decoded record
    ("auto", AVRO_B, None, "order_created"),  # 2. ... falling back to "type"
    ("field:customer.tier", AVRO_A, None, "gold"),  # 3. a nested field path
    ("auto", BAD, None, "(undecodable: unknown schema id 3)"),  # 4. the failure is the type
    ("field:event_type", BAD, None, "(undecodable: unknown schema id 3)"),  # 5. ... with a path too
    ("auto", PRIMITIVE, None, "(unknown)"),  # 6. a decoded value that is not a record
    ("auto", b'{"event_type": "json"}', None, "json"),  # 7. plain JSON beside framed events
    ("key", b"{}", framing.frame(9, b"k"), "(undecodable: unknown schema id 3)"),  # 8. framed key (see below)
    ("key", b"{}", b"user-1", "user-1"),  # 9. a plain key
]
DECODER.records[framing.frame(9, b"k")] = "(undecodable: unknown schema id 3)"


@pytest.mark.parametrize(("spec", "value", "key", "expected"), TYPES, ids=ids(TYPES))
def test_types_from_decoded_records(spec, value, key, expected):
    assert make_extractor(TypeSpec.parse(spec), DECODER)(value, None, key) == expected


def test_without_a_registry_frames_stay_unparseable():
    assert make_extractor(TypeSpec.parse("auto"))(AVRO_A, None, None) == "(unparseable)"


# --- settings ------------------------------------------------------------------------


def test_env_settings_are_masked_when_shown():
    settings = load_settings(
        env={
            "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
            "SCHEMA_REGISTRY_URL": "https://sr.example:8081/",
            "SCHEMA_REGISTRY_USERNAME": "svc",
            "SCHEMA_REGISTRY_PASSWORD": "s3cret-pw",
        },
        secrets_path=Path("/nonexistent"),
    )
    registry = settings.schema_registry
    assert (registry.url, registry.username, registry.password) == ("https://sr.example:8081", "svc", "s3cret-pw")
    shown = settings.sanitize()
    assert shown["schema.registry.url"] == "https://sr.example:8081"
    assert shown["schema.registry.password"] == "********"
    assert "s3cret-pw" not in repr(settings) + repr(registry) + str(shown)
    assert registry.client_conf()["basic.auth.user.info"] == "svc:s3cret-pw"


def test_secrets_and_java_client_properties(tmp_path):
    props = tmp_path / "client.properties"
    props.write_text(
        "security.protocol=PLAINTEXT\nschema.registry.url=http://sr:8081\n"
        "basic.auth.credentials.source=USER_INFO\nbasic.auth.user.info=alice:pa:ss\n"
    )
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[clusters.prod]\nbootstrap_servers = "k:9092"\nclient_properties = "{props}"\n'
        '[clusters.dev]\nbootstrap_servers = "d:9092"\nschema_registry_url = "http://dev-sr:8081"\n'
    )
    prod = load_settings(env={}, secrets_path=secrets, cluster="prod")
    dev = load_settings(env={}, secrets_path=secrets, cluster="dev")
    assert (prod.schema_registry.url, prod.schema_registry.username, prod.schema_registry.password) == (
        "http://sr:8081",
        "alice",
        "pa:ss",
    )
    assert "schema.registry.url" not in prod.client_config()  # librdkafka would refuse the key
    assert dev.schema_registry.url == "http://dev-sr:8081" and dev.schema_registry.username is None


# (values, message)
BAD_SETTINGS = [
    ({"schema_registry_url": "sr:8081"}, "schema_registry_url must be http(s)://HOST[:PORT][/PATH], got 'sr:8081'"),
    (
        {"schema_registry_url": "http://bob:hunter2@sr:8081"},
        "put the registry's credentials in schema_registry_username/_password, not the URL",
    ),
    ({"schema_registry_username": "bob"}, "a schema registry username needs schema_registry_url"),
]


@pytest.mark.parametrize(("values", "message"), BAD_SETTINGS, ids=ids(BAD_SETTINGS))
def test_bad_settings_are_refused_in_plain_words(values, message):
    text = message_of(parse_registry, values, {}, "env")
    assert text == f"env: {message}" and "hunter2" not in text
