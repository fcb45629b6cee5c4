"""The admin client kafka_io uses: every request-issuing call counted, and the
consumer-group calls answered by a child process (group_child.py says why),
as kafka_io's own values (values.py)."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Sequence

from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient

from kafka_io._client.factories import base_config, error_callback
from kafka_io._client.group_child import GroupAdminChild
from kafka_io._client.handshake import watch
from kafka_io.config import ClusterSettings
from kafka_io.request_counts import ADMIN_REQUESTS, RequestCounts
from kafka_io.wire import TP

__all__ = ["ADMIN_REQUESTS", "CountingAdmin", "make_admin"]

_NOT_HERE = "{name} would run in this process, where librdkafka can crash it: use CountingAdmin.{instead}()"


class CountingAdmin(AdminClient):
    """An AdminClient that counts each request-issuing call by method name, in
    its own ``requests`` and in the process-wide ``ADMIN_REQUESTS``. One call may
    become several broker requests (one per leader); we count calls, the unit
    the code controls.

    Its consumer-group reads are ``group_listings``, ``describe_groups`` and
    ``committed_offsets``, answered by its own child process (``group_child``);
    confluent's own three methods for them refuse to run here.
    """

    def __init__(self, conf: dict, settings: ClusterSettings) -> None:
        super().__init__(conf)
        self.settings = settings
        self.requests = RequestCounts()
        self.group_child = GroupAdminChild(settings)

    def _count(self, name: str, n: int = 1) -> None:
        self.requests.add(name, n)
        ADMIN_REQUESTS.add(name, n)

    # --- consumer groups, in the child process -------------------------------------

    def group_listings(self, request_timeout: float | None = None) -> concurrent.futures.Future:
        """A future of every group's GroupListing (values.GroupListings)."""
        self._count("list_consumer_groups")
        return self.group_child.listings(request_timeout)

    def describe_groups(
        self, group_ids: Sequence[str], request_timeout: float | None = None
    ) -> dict[str, concurrent.futures.Future]:
        """{group id: future of its values.GroupDescription}, one describe call."""
        if not group_ids:
            return {}
        self._count("describe_consumer_groups")
        return self.group_child.describe(list(group_ids), request_timeout)

    def committed_offsets(
        self, group_ids: Sequence[str], request_timeout: float | None = None, partitions: Sequence[TP] | None = None
    ) -> dict[str, concurrent.futures.Future]:
        """{group id: future of its values.GroupOffsets}, one `list_consumer_group_offsets`
        per group (counted so), all in flight; of `partitions` only, when given."""
        ids = list(dict.fromkeys(group_ids))
        self._count("list_consumer_group_offsets", len(ids))
        return self.group_child.committed_offsets(ids, request_timeout, list(partitions) if partitions else None)

    def list_consumer_groups(self, *args, **kwargs):
        raise TypeError(_NOT_HERE.format(name="list_consumer_groups", instead="group_listings"))

    def describe_consumer_groups(self, *args, **kwargs):
        raise TypeError(_NOT_HERE.format(name="describe_consumer_groups", instead="describe_groups"))

    def list_consumer_group_offsets(self, *args, **kwargs):
        raise TypeError(_NOT_HERE.format(name="list_consumer_group_offsets", instead="committed_offsets"))

    # --- every other request-issuing call, in this process, counted -----------------
    # (poll and set_sasl_credentials send nothing.)

    def alter_configs(self, *args, **kwargs):
        self._count("alter_configs")
        return super().alter_configs(*args, **kwargs)

    def alter_consumer_group_offsets(self, *args, **kwargs):
        self._count("alter_consumer_group_offsets")
        return super().alter_consumer_group_offsets(*args, **kwargs)

    def create_partitions(self, *args, **kwargs):
        self._count("create_partitions")
        return super().create_partitions(*args, **kwargs)

    def create_topics(self, *args, **kwargs):
        self._count("create_topics")
        return super().create_topics(*args, **kwargs)

    def delete_consumer_groups(self, *args, **kwargs):
        self._count("delete_consumer_groups")
        return super().delete_consumer_groups(*args, **kwargs)

    def delete_records(self, *args, **kwargs):
        self._count("delete_records")
        return super().delete_records(*args, **kwargs)

    def delete_topics(self, *args, **kwargs):
        self._count("delete_topics")
        return super().delete_topics(*args, **kwargs)

    def describe_cluster(self, *args, **kwargs):
        self._count("describe_cluster")
        return super().describe_cluster(*args, **kwargs)

    def describe_configs(self, *args, **kwargs):
        self._count("describe_configs")
        return super().describe_configs(*args, **kwargs)

    def describe_topics(self, *args, **kwargs):
        self._count("describe_topics")
        return super().describe_topics(*args, **kwargs)

    def incremental_alter_configs(self, *args, **kwargs):
        self._count("incremental_alter_configs")
        return super().incremental_alter_configs(*args, **kwargs)

    def list_groups(self, *args, **kwargs):
        self._count("list_groups")
        return super().list_groups(*args, **kwargs)

    def list_offsets(self, *args, **kwargs):
        self._count("list_offsets")
        return super().list_offsets(*args, **kwargs)

    def list_topics(self, *args, **kwargs):
        self._count("list_topics")
        return super().list_topics(*args, **kwargs)


def make_admin(settings: ClusterSettings, on_error: Callable[[KafkaError], None] | None = None) -> CountingAdmin:
    """`on_error` also receives the client's errors (served by admin.poll())."""
    conf = base_config(settings, "admin")
    if on_error is not None:
        conf["error_cb"] = error_callback(settings, on_error)
    admin = CountingAdmin(conf, settings)
    watch(settings, admin)
    return admin
