"""Kafka errors in plain words: ``translate_error`` and the TCP probes it relies on.

A timeout or transport error is first checked against the broker's TCP port (a
refused connection says more than "no answer within 5 s"), then, on a secured
connection, against a refused password or TLS handshake (handshake.py).
"""

from __future__ import annotations

import socket

from confluent_kafka import KafkaError, KafkaException

from kafka_io._client.handshake import diagnose
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError, NotAuthorized, NotFound, Timeout, Unavailable

__all__ = ["TCP_PROBE_TIMEOUT_S", "all_refused", "kafka_failure", "tcp_reason", "translate_error"]


_UNREACHABLE = {
    KafkaError._TRANSPORT,
    KafkaError._ALL_BROKERS_DOWN,
    KafkaError._RESOLVE,
    KafkaError._DESTROY,
    KafkaError.BROKER_NOT_AVAILABLE,
    KafkaError.NETWORK_EXCEPTION,
}
_TIMEOUTS = {KafkaError._TIMED_OUT, KafkaError.REQUEST_TIMED_OUT, KafkaError._MSG_TIMED_OUT}
_NOT_FOUND = {
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._UNKNOWN_TOPIC,
    KafkaError._UNKNOWN_PARTITION,
    KafkaError.GROUP_ID_NOT_FOUND,
}
# Kafka's ACLs said no. With ACLs, Kafka also hides what a user may not describe
# (topics from metadata, groups from listings): see kafka_io.topics.access.
_DENIED = {
    KafkaError.TOPIC_AUTHORIZATION_FAILED,
    KafkaError.GROUP_AUTHORIZATION_FAILED,
    KafkaError.CLUSTER_AUTHORIZATION_FAILED,
    KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
}


TCP_PROBE_TIMEOUT_S = 0.5


def tcp_reason(bootstrap_servers: str) -> str | None:
    """Why the first bootstrap server is unreachable at the TCP level, if it is.

    librdkafka reports "Connection refused" only through callbacks that need
    polling; a half-second TCP probe gives the user the real reason instead.
    """
    host, _, port = bootstrap_servers.split(",")[0].strip().rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=TCP_PROBE_TIMEOUT_S):
            return None
    except ConnectionRefusedError:
        return "connection refused (is the broker running?)"
    except TimeoutError:
        return f"no TCP answer within {TCP_PROBE_TIMEOUT_S:g} s"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    except ValueError:
        return None


def all_refused(bootstrap_servers: str) -> str | None:
    """The reason when every bootstrap server refuses TCP (no broker is
    running): then a Kafka request would only wait for its timeout. None
    otherwise, including a silent (hung) broker, which only a timeout tells."""
    reasons = [tcp_reason(server) for server in bootstrap_servers.split(",") if server.strip()]
    if reasons and all(r and r.startswith("connection refused") for r in reasons):
        return reasons[0]
    return None


def kafka_failure(code: int, reason: str) -> KafkaException:
    """The KafkaException of an error that crossed the group child's pipe as (code, reason)."""
    return KafkaException(KafkaError(code, reason))


def _reason(err: KafkaError) -> str:
    text = (err.str() or "").strip().rstrip(".")
    if not text or text.endswith(":"):
        # librdkafka sometimes leaves the detail empty ("ConsumerGroupDescribe: "): name the code.
        text = f"{text} {err.name()}".strip()
    return text


def translate_error(
    exc: BaseException, settings: ClusterSettings, what: str = "", denied: str | None = None
) -> BaseException:
    """A Kafka error (KafkaException, or a future's timeout) as a KafkaIOError whose text is safe to show.

    `denied` is the sentence for an ACL refusal ("not authorized to describe group 'g'");
    a timeout or transport error on a secured connection is first checked for a refused
    password or TLS handshake, which librdkafka reports only through callbacks.

    Anything else is a bug and comes back unchanged: ``raise translate_error(exc, ...)``
    then re-raises it with its traceback, to the page's bug branch, instead of
    dressing it up as a Kafka error.
    """
    if isinstance(exc, KafkaIOError):
        return exc
    if not isinstance(exc, (KafkaException, TimeoutError)):
        return exc
    err = exc.args[0] if isinstance(exc, KafkaException) and exc.args else None
    subject = f"{what}: " if what else ""
    if isinstance(err, KafkaError):
        code = err.code()
        if code in _UNREACHABLE or code in _TIMEOUTS:
            refused = tcp_reason(settings.bootstrap_servers)
            if refused:
                return Unavailable(f"Cannot reach Kafka at {settings.bootstrap_servers}: {refused}")
            failed_handshake = diagnose(settings)
            if failed_handshake:
                return Unavailable(failed_handshake)
            if code in _UNREACHABLE:
                return Unavailable(f"Cannot reach Kafka at {settings.bootstrap_servers}: {_reason(err)}")
            return Timeout(
                f"Cannot reach Kafka at {settings.bootstrap_servers}: {subject}"
                f"no answer within {settings.timeout_s:g} s"
            )
        if code in _NOT_FOUND:
            return NotFound(f"{subject}{_reason(err)}")
        if code in _DENIED:
            return NotAuthorized(denied or f"{subject}not authorized ({_reason(err)})")
        if code == KafkaError._AUTHENTICATION:
            return Unavailable(diagnose(settings) or f"{subject}{_reason(err)}")
        return KafkaIOError(f"{subject}{_reason(err)}")
    if isinstance(exc, TimeoutError):
        failed_handshake = diagnose(settings)
        if failed_handshake:
            return Unavailable(failed_handshake)
        return Timeout(f"{subject}no answer within {settings.timeout_s:g} s")
    return KafkaIOError(f"{subject}{exc}")
