"""Client factories: the one place that configures librdkafka.

Every client gets an explicit client.id and timeouts derived from
ClusterSettings.timeout_s, so no blocking call can hang a page. The admin
client is made in admin.py, from ``base_config``.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable

from confluent_kafka import Consumer, KafkaError, Producer

from kafka_io._client.handshake import record
from kafka_io.config import ClusterSettings

__all__ = [
    "VIEWER_GROUP_PREFIX",
    "base_config",
    "error_callback",
    "make_member_consumer",
    "make_producer",
    "make_viewer_consumer",
    "viewer_consumer_config",
]

log = logging.getLogger("kafka_io")
# librdkafka's own log lines ("Connect to ipv4#… failed") repeat what our one-line
# errors already say; they are shown only when asked for (CLI -v, KDASH_DEBUG=1).
RDKAFKA_LOG = logging.getLogger("kafka_io.librdkafka")
DEBUG = os.environ.get("KDASH_DEBUG") == "1"
RDKAFKA_LOG.setLevel(logging.DEBUG if DEBUG else logging.CRITICAL)
# KDASH_DEBUG=1 also asks librdkafka for its SASL/SSL handshake lines (debug=security):
# what you need to chase an authentication problem. They never hold the password
# (librdkafka redacts it; tests/e2e/test_secrets_browser.py checks the app's log).
_DEBUG_CONFIG = {"debug": "security"} if DEBUG else {}

VIEWER_GROUP_PREFIX = "kdash-viewer-"
# Reads from the beginning of a big topic come back as one huge fetch response
# on some brokers (noida-db ignores max.bytes); a low cap makes reads fail.
RECEIVE_MESSAGE_MAX_BYTES = 2_000_000_000


def error_callback(settings: ClusterSettings, also: Callable[[KafkaError], None] | None = None):
    # librdkafka writes connection noise to stderr by default; route it to
    # logging at debug level instead (it never contains SASL passwords).
    def on_error(err: KafkaError) -> None:
        log.debug("kafka client error on %s: %s", settings.bootstrap_servers, err.str())
        record(settings, err)
        if also is not None:
            also(err)

    return on_error


def base_config(settings: ClusterSettings, role: str) -> dict:
    timeout_ms = int(settings.timeout_s * 1000)
    return {
        **settings.client_config(),
        "client.id": f"kdash-{role}",
        "socket.timeout.ms": max(timeout_ms, 10),
        "socket.connection.setup.timeout.ms": max(timeout_ms, 1000),
        "reconnect.backoff.max.ms": 2000,
        "log.connection.close": False,
        "error_cb": error_callback(settings),
        "logger": RDKAFKA_LOG,
        **_DEBUG_CONFIG,
    }


def make_producer(settings: ClusterSettings, **overrides) -> Producer:
    conf = base_config(settings, "producer")
    conf.update(
        {
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 5,
            "message.timeout.ms": max(int(settings.timeout_s * 1000) * 6, 5000),
            # Keys land where Java clients put them (murmur2), unless the settings say otherwise.
            "partitioner": settings.partitioner,
        }
    )
    conf.update(overrides)
    return Producer(conf)


def viewer_consumer_config(settings: ClusterSettings) -> dict:
    """An assign-only reader that can never join, rebalance or commit a real group."""
    conf = base_config(settings, "viewer")
    conf.update(
        {
            "group.id": f"{VIEWER_GROUP_PREFIX}{uuid.uuid4()}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "enable.partition.eof": True,
            "auto.offset.reset": "latest",
            "receive.message.max.bytes": RECEIVE_MESSAGE_MAX_BYTES,
            # Count and time only what consumers will ever see: aborted transactions never
            # arrive, open ones wait for their end. librdkafka's default, stated so that a
            # client.properties with read_uncommitted cannot turn viewers into liars.
            "isolation.level": "read_committed",
        }
    )
    return conf


def make_viewer_consumer(settings: ClusterSettings, **overrides) -> Consumer:
    conf = viewer_consumer_config(settings)
    conf.update(overrides)
    return Consumer(conf)


def make_member_consumer(settings: ClusterSettings, group_id: str, instance_id: str | None, **overrides) -> Consumer:
    """A real group member, for the demo's OWN groups only (never a user's group).

    Static membership (group.instance.id) lets a restarted process take its
    partitions back at once (None: a plain client that only commits, never
    joins), and the default assignor is kept on purpose: cooperative-sticky
    hangs on some brokers (noida-db). Offsets are stored and committed by the
    caller, after processing.
    """
    conf = base_config(settings, "member")
    if instance_id:
        conf["group.instance.id"] = instance_id
    conf.update(
        {
            "group.id": group_id,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "enable.partition.eof": True,
            "auto.offset.reset": "earliest",
            "receive.message.max.bytes": RECEIVE_MESSAGE_MAX_BYTES,
        }
    )
    conf.update(overrides)
    return Consumer(conf)
