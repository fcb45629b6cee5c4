"""A kafka-python admin client built from ClusterSettings, for the one request
confluent-kafka 2.16 does not expose: OffsetDelete (librdkafka has
DeleteConsumerGroupOffsets; the Python binding does not wrap it).

The config comes from the same librdkafka settings every other client gets
(settings.client_config(), so a client.properties file counts too), translated
key by key. What kafka-python cannot take here (OAUTHBEARER, GSSAPI, inline PEM)
is refused in one line naming the setting, before anything connects. Both
timeouts are the cluster's named one (settings.timeout_s). Errors come back as
KafkaIOError in the broker's words; the password is in neither errors nor logs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from kafka_io._client import diagnose_handshake, tcp_reason
from kafka_io.config import ClusterSettings
from kafka_io.errors import InvalidInput, KafkaIOError, NotAuthorized, NotFound, Timeout, Unavailable

__all__ = ["SUPPORTED_MECHANISMS", "admin_client", "broker_words", "client_config", "translate"]

SUPPORTED_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
RECONNECT_BACKOFF_MAX_MS = 2000  # as base_config gives librdkafka
_SAME = {
    "security.protocol": "security_protocol",
    "sasl.username": "sasl_plain_username",
    "sasl.password": "sasl_plain_password",
    "ssl.ca.location": "ssl_cafile",
    "ssl.certificate.location": "ssl_certfile",
    "ssl.key.location": "ssl_keyfile",
    "ssl.key.password": "ssl_password",
}
# Security settings with no kafka-python equivalent here: connecting without them would
# connect differently from every other client of the dashboard, so refuse instead.
_UNSUPPORTED_PREFIXES = ("ssl.", "sasl.", "enable.ssl.")
_IGNORED = {"bootstrap.servers", "sasl.mechanism", "sasl.mechanisms", "ssl.endpoint.identification.algorithm"}

# kafka-python's failures come back to us as exceptions, which translate() words; its own
# log lines would repeat them on the CLI's stderr (a one-line error must stay one line).
logging.getLogger("kafka").setLevel(logging.CRITICAL)
# KafkaAdminClient logs its whole configuration, password included, at DEBUG: that logger
# stays at INFO even when someone turns the others up to debug a connection.
logging.getLogger("kafka.admin.client").setLevel(logging.INFO)


def client_config(settings: ClusterSettings) -> dict[str, object]:
    """KafkaAdminClient keyword arguments for ``settings``; InvalidInput when it cannot connect as they say."""
    conf = settings.client_config()
    timeout_ms = max(int(settings.timeout_s * 1000), 1000)
    out: dict[str, object] = {
        "bootstrap_servers": [s.strip() for s in conf["bootstrap.servers"].split(",") if s.strip()],
        "client_id": "kdash-offset-delete",
        "request_timeout_ms": timeout_ms,
        "bootstrap_timeout_ms": timeout_ms,
        "reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS,
    }
    for key, value in conf.items():
        if key in _SAME:
            out[_SAME[key]] = value.upper() if key == "security.protocol" else value
        elif key.startswith(_UNSUPPORTED_PREFIXES) and key not in _IGNORED:
            raise InvalidInput(f"deleting offsets uses kafka-python, which cannot take {key} from the cluster settings")
    protocol = str(out.get("security_protocol", "PLAINTEXT"))
    if protocol.startswith("SASL_"):
        mechanism = (conf.get("sasl.mechanism") or conf.get("sasl.mechanisms") or "GSSAPI").upper()
        if mechanism not in SUPPORTED_MECHANISMS:
            raise InvalidInput(
                f"deleting offsets uses kafka-python, which the dashboard sets up for SASL "
                f"{', '.join(SUPPORTED_MECHANISMS)} only, not {mechanism}"
            )
        out["sasl_mechanism"] = mechanism
    if conf.get("ssl.endpoint.identification.algorithm", "https").lower() in ("none", ""):
        out["ssl_check_hostname"] = False
    return out


@contextmanager
def admin_client(settings: ClusterSettings) -> Iterator[object]:
    """A connected KafkaAdminClient, closed on the way out whatever happens."""
    from kafka import KafkaAdminClient  # only this write needs it: keep `import kafka_io` light

    conf = client_config(settings)
    try:
        client = KafkaAdminClient(**conf)
    except Exception as exc:
        raise translate(exc, settings, "connect") from None
    try:
        yield client
    finally:
        client.close()


def broker_words(error_class: type) -> str:
    """GROUP_AUTHORIZATION_FAILED -> 'Group authorization failed', as librdkafka words it."""
    name = getattr(error_class, "message", None) or error_class.__name__
    return name.replace("_", " ").capitalize()


def translate(exc: BaseException, settings: ClusterSettings, what: str) -> BaseException:
    """A kafka-python error as a KafkaIOError safe to show; anything else (a bug) unchanged."""
    from kafka import errors

    if isinstance(exc, KafkaIOError) or not isinstance(exc, errors.KafkaError):
        return exc
    subject = f"{what}: " if what else ""
    if isinstance(exc, errors.AuthorizationError):
        return NotAuthorized(f"{subject}not authorized ({broker_words(type(exc))})")
    if isinstance(exc, errors.SaslAuthenticationFailedError):
        return Unavailable(diagnose_handshake(settings) or f"{subject}{broker_words(type(exc))}")
    if isinstance(exc, errors.GroupIdNotFoundError):
        return NotFound(f"{subject}the broker knows no such group ({broker_words(type(exc))})")
    if isinstance(exc, (errors.KafkaTimeoutError, errors.RequestTimedOutError, errors.KafkaConnectionError)):
        return _unreachable(exc, settings, subject, isinstance(exc, errors.KafkaConnectionError))
    if isinstance(exc, errors.BrokerResponseError):
        return KafkaIOError(f"{subject}{broker_words(type(exc))}")
    return KafkaIOError(f"{subject}{type(exc).__name__}")


def _unreachable(exc: BaseException, settings: ClusterSettings, subject: str, connection: bool) -> KafkaIOError:
    refused = tcp_reason(settings.bootstrap_servers)
    if refused:
        return Unavailable(f"Cannot reach Kafka at {settings.bootstrap_servers}: {refused}")
    failed_handshake = diagnose_handshake(settings)  # a refused password or certificate, in one line
    if failed_handshake:
        return Unavailable(failed_handshake)
    if connection:
        return Unavailable(f"Cannot reach Kafka at {settings.bootstrap_servers}: {subject}connection lost")
    return Timeout(
        f"Cannot reach Kafka at {settings.bootstrap_servers}: {subject}no answer within {settings.timeout_s:g} s"
    )
