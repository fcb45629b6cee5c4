"""The admin client kafka_io uses: every request-issuing call counted, and the
consumer-group calls answered by a child process (group_child.py says why)."""

from __future__ import annotations

from collections.abc import Callable

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError
from confluent_kafka.admin import AdminClient

from kafka_io._client.factories import base_config, error_callback
from kafka_io._client.group_child import GroupAdminChild
from kafka_io._client.handshake import watch
from kafka_io.config import ClusterSettings
from kafka_io.request_counts import ADMIN_REQUESTS, RequestCounts

__all__ = ["ADMIN_REQUESTS", "CountingAdmin", "committed_offsets_of", "make_admin"]


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
        conf["error_cb"] = error_callback(settings, on_error)
    admin = CountingAdmin(conf, settings)
    watch(settings, admin)
    return admin
