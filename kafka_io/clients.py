"""Client factories and error translation: the one place that configures librdkafka.

Every client gets an explicit client.id and timeouts derived from
ClusterSettings.timeout_s, so no blocking call can hang a page.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient

from kafka_io import handshake
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError, NotAuthorized, NotFound, Timeout, Unavailable
from kafka_io.group_child import GroupAdminChild
from kafka_io.request_counts import ADMIN_REQUESTS, RequestCounts

__all__ = [
    "ADMIN_REQUESTS",
    "CountingAdmin",
    "VIEWER_GROUP_PREFIX",
    "make_admin",
    "make_member_consumer",
    "make_producer",
    "make_viewer_consumer",
    "translate_error",
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


def _log_cb(settings: ClusterSettings, also: Callable[[KafkaError], None] | None = None):
    # librdkafka writes connection noise to stderr by default; route it to
    # logging at debug level instead (it never contains SASL passwords).
    def on_error(err: KafkaError) -> None:
        log.debug("kafka client error on %s: %s", settings.bootstrap_servers, err.str())
        handshake.record(settings, err)
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
        "error_cb": _log_cb(settings),
        "logger": RDKAFKA_LOG,
        **_DEBUG_CONFIG,
    }


# Every AdminClient method that sends requests to the cluster (poll and
# set_sasl_credentials do not). One call may become several broker requests
# (one per leader); we count calls, the unit the code controls.
_REQUEST_METHODS = (
    "alter_configs",
    "alter_consumer_group_offsets",
    "create_partitions",
    "create_topics",
    "delete_consumer_groups",
    "delete_records",
    "delete_topics",
    "describe_cluster",
    "describe_configs",
    "describe_consumer_groups",
    "describe_topics",
    "incremental_alter_configs",
    "list_consumer_group_offsets",
    "list_consumer_groups",
    "list_groups",
    "list_offsets",
    "list_topics",
)


class CountingAdmin(AdminClient):
    """An AdminClient that counts each request-issuing call by method name, in
    its own ``requests`` and in the process-wide ``ADMIN_REQUESTS``.

    Its consumer-group calls run in a child process (kafka_io.group_child): in
    librdkafka they can crash the process when a broker dies or a coordinator moves.
    """

    def __init__(self, conf: dict, settings: ClusterSettings | None = None) -> None:
        super().__init__(conf)
        self.requests = RequestCounts()
        self.group_child = GroupAdminChild(settings) if settings is not None else None


def _count(admin: CountingAdmin, name: str, n: int = 1) -> None:
    admin.requests.add(name, n)
    ADMIN_REQUESTS.add(name, n)


def _counted(name: str, send=None):
    send = send or getattr(AdminClient, name)

    def call(self, *args, **kwargs):
        _count(self, name)
        return send(self, *args, **kwargs)

    call.__name__, call.__doc__ = name, send.__doc__
    return call


def _in_child(name: str):
    """Send `name` to the group child; other options than a timeout stay in-process."""

    def send(self, *args, request_timeout=None, **kwargs):
        if self.group_child is None or kwargs:
            return getattr(AdminClient, name)(self, *args, request_timeout=request_timeout, **kwargs)
        return getattr(self.group_child, name)(*args, request_timeout=request_timeout)

    send.__doc__ = getattr(AdminClient, name).__doc__
    return send


_IN_CHILD = ("describe_consumer_groups", "list_consumer_group_offsets", "list_consumer_groups")
for _name in _REQUEST_METHODS:
    setattr(CountingAdmin, _name, _counted(_name, _in_child(_name) if _name in _IN_CHILD else None))


def committed_offsets_of(admin: AdminClient, group_ids: list[str], request_timeout: float) -> dict:
    """{group id: future of its committed offsets}, one `list_consumer_group_offsets` each
    (counted so), all in flight; through the group child in one frame when there is one."""
    child = getattr(admin, "group_child", None)
    if child is None:
        return {
            g: admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(g)], request_timeout=request_timeout)[g]
            for g in group_ids
        }
    _count(admin, "list_consumer_group_offsets", len(group_ids))
    return child.committed_offsets_of(group_ids, request_timeout)


def make_admin(settings: ClusterSettings, on_error: Callable[[KafkaError], None] | None = None) -> CountingAdmin:
    """`on_error` also receives the client's errors (served by admin.poll())."""
    conf = base_config(settings, "admin")
    if on_error is not None:
        conf["error_cb"] = _log_cb(settings, on_error)
    admin = CountingAdmin(conf, settings)
    handshake.watch(settings, admin)
    return admin


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
            failed_handshake = handshake.diagnose(settings)
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
            return Unavailable(handshake.diagnose(settings) or f"{subject}{_reason(err)}")
        return KafkaIOError(f"{subject}{_reason(err)}")
    if isinstance(exc, TimeoutError):
        failed_handshake = handshake.diagnose(settings)
        if failed_handshake:
            return Unavailable(failed_handshake)
        return Timeout(f"{subject}no answer within {settings.timeout_s:g} s")
    return KafkaIOError(f"{subject}{exc}")
