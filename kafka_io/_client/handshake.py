"""Why a secured connection failed: a refused password or a TLS handshake, in one line.

librdkafka reports SASL and TLS failures only through error_cb, and only when the
client is polled; the request itself just times out ("Broker transport failure",
"no answer within 5 s"). So every client the factories build records such errors
here (per ClusterSettings), the admin clients are remembered so that
a failing call can have their callbacks served, and as a last resort a throwaway
admin client asks once, for at most DIAGNOSE_TIMEOUT_S.

Texts never hold the password: librdkafka's do not, and redact() removes it anyway.
"""

from __future__ import annotations

import re
import threading
import time
import weakref

from confluent_kafka import KafkaError

from kafka_io.config import ClusterSettings

__all__ = ["DIAGNOSE_TIMEOUT_S", "diagnose", "record", "watch"]

# librdkafka retries the handshake every reconnect backoff (≤ 2 s), so a live failure stays fresh.
FRESH_S = 10.0
# A refused password answers in ~0.3 s here, a bad certificate in a few ms.
DIAGNOSE_TIMEOUT_S = 2.0
DIAGNOSE_POLL_S = 0.1
_SECURED = ("SSL", "SASL_SSL", "SASL_PLAINTEXT")
_AFTER = re.compile(r"\s*\(after \d+ms in state [A-Z_]+\)\s*$")

_lock = threading.Lock()
_failures: dict[ClusterSettings, tuple[float, str]] = {}
_clients: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _plain(err: KafkaError, settings: ClusterSettings) -> str | None:
    text = err.str() or ""
    conf = settings.client_config()  # a client.properties file may hold what the fields do not
    if err.code() == KafkaError._AUTHENTICATION:
        user = conf.get("sasl.username") or "(no username)"
        mechanism = conf.get("sasl.mechanism") or "SASL"
        if "invalid credentials" in text:
            detail = "the broker refused the username or password"
        else:
            detail = _AFTER.sub("", text.split("authentication error: ", 1)[-1])
        return f"authentication failed for user {user} ({mechanism}) at {settings.bootstrap_servers}: {detail}"
    if err.code() in (KafkaError._SSL, KafkaError._TRANSPORT) and "SSL" in text:
        if "certificate verify failed" in text:
            detail = "certificate verify failed (is ssl.ca.location / KAFKA_SSL_CA_LOCATION the broker's CA?)"
        elif "alert bad certificate" in text or "certificate required" in text:
            detail = "the broker refused the client certificate (ssl.certificate.location / ssl.key.location)"
        else:
            detail = _AFTER.sub("", text.split("SSL handshake failed: ", 1)[-1].split(": ", 1)[-1])
        return f"TLS handshake failed with {settings.bootstrap_servers}: {detail}"
    return None


def redact(text: str, settings: ClusterSettings) -> str:
    secret = settings.client_config().get("sasl.password")
    return text.replace(secret, "********") if secret else text


def record(settings: ClusterSettings, err: KafkaError) -> None:
    """error_cb's share: remember an authentication or TLS failure of these settings."""
    text = _plain(err, settings)
    if text is not None:
        with _lock:
            _failures[settings] = (time.monotonic(), redact(text, settings))


def watch(settings: ClusterSettings, client) -> None:
    """Remember an admin client (weakly), whose queued callbacks diagnose() may serve.

    Not consumers: their poll() would take messages away from their owner."""
    with _lock:
        _clients[(settings, id(client))] = client


def _recent(settings: ClusterSettings) -> str | None:
    with _lock:
        found = _failures.get(settings)
    return found[1] if found and time.monotonic() - found[0] < FRESH_S else None


def diagnose(settings: ClusterSettings) -> str | None:
    """The handshake failure behind a timeout or transport error, or None (then it is something else)."""
    if (settings.client_config().get("security.protocol") or "").upper() not in _SECURED:
        return None
    with _lock:
        clients = [c for (s, _), c in list(_clients.items()) if s == settings]
    for client in clients:
        client.poll(0)  # serves error_cb, which calls record()
    return _recent(settings) or _probe(settings)


def _probe(settings: ClusterSettings) -> str | None:
    from confluent_kafka.admin import AdminClient

    conf = {
        **settings.client_config(),
        "client.id": "kdash-diagnose",
        "log_level": 0,
        "error_cb": lambda err: record(settings, err),
    }
    admin = AdminClient(conf)
    deadline = time.monotonic() + DIAGNOSE_TIMEOUT_S
    # A metadata request makes it connect; only the callbacks it causes matter.
    try:
        admin.list_topics(timeout=DIAGNOSE_POLL_S)
    except Exception:  # expected: the handshake fails
        pass
    while time.monotonic() < deadline:
        admin.poll(DIAGNOSE_POLL_S)
        found = _recent(settings)
        if found:
            return found
    return None
