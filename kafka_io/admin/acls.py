"""ACLs: list the bindings (describe_acls), create and delete one (admins only).

A cluster without an authorizer enforces no ACLs. Kafka answers DescribeAcls there
with SECURITY_DISABLED, and a user without DESCRIBE on the cluster with
CLUSTER_AUTHORIZATION_FAILED; librdkafka 2.16 hands both back as an empty list
(measured here on Apache Kafka 4). So an empty answer is checked against the
broker's ``authorizer.class.name``: empty or absent says "no authorizer
configured"; a refusal to show it is the refusal of the listing, in the broker's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    ConfigResource,
    ResourcePatternType,
    ResourceType,
)

from kafka_io._client import FUTURE_GRACE_S, ClusterClient, translate_error
from kafka_io.access.actor import Actor
from kafka_io.access.guard import write_guard
from kafka_io.admin.acl_rules import AclRow
from kafka_io.cluster import describe_cluster
from kafka_io.config import ClusterSettings
from kafka_io.errors import NotFound

__all__ = ["AUTHORIZER_CONFIG", "AclListing", "create_acl", "delete_acl", "list_acls"]

AUTHORIZER_CONFIG = "authorizer.class.name"
NO_AUTHORIZER = "no authorizer configured"
# Kafka's name for the cluster resource is CLUSTER; confluent-kafka calls it BROKER.
_TO_KAFKA = {"BROKER": "CLUSTER"}
_FROM_KAFKA = {"CLUSTER": "BROKER"}


@dataclass(frozen=True, slots=True)
class AclListing:
    rows: tuple[AclRow, ...]
    authorizer: bool  # False: no authorizer configured, so Kafka enforces no ACLs


def _row(binding) -> AclRow:
    kind = binding.restype.name
    return AclRow(
        binding.principal,
        binding.host,
        binding.operation.name,
        binding.permission_type.name,
        _TO_KAFKA.get(kind, kind),
        binding.name,
        binding.resource_pattern_type.name,
    )


def _result(future, settings: ClusterSettings, what: str, denied: str | None = None):
    try:
        return future.result(timeout=settings.timeout_s + FUTURE_GRACE_S)
    except Exception as exc:
        raise translate_error(exc, settings, what, denied) from None


def list_acls(cluster: ClusterClient, principal: str | None = None, topic: str | None = None) -> AclListing:
    """Every binding (of ``principal``; that applies to ``topic``: literal, prefixed or *)."""
    admin, settings = cluster.admin, cluster.settings
    if topic:
        kind, name, pattern = ResourceType.TOPIC, topic, ResourcePatternType.MATCH
    else:
        kind, name, pattern = ResourceType.ANY, None, ResourcePatternType.ANY
    wanted = AclBindingFilter(kind, name, pattern, principal or None, None, AclOperation.ANY, AclPermissionType.ANY)
    try:
        future = admin.describe_acls(wanted, request_timeout=settings.timeout_s)
        bindings = future.result(timeout=settings.timeout_s + FUTURE_GRACE_S)
    except KafkaException as exc:
        err = exc.args[0] if exc.args else None
        if isinstance(err, KafkaError) and err.code() == KafkaError.SECURITY_DISABLED:
            return AclListing((), False)
        raise translate_error(exc, settings, "describe ACLs") from None
    except Exception as exc:
        raise translate_error(exc, settings, "describe ACLs") from None
    rows = tuple(sorted(_row(b) for b in bindings))
    return AclListing(rows, bool(rows) or _has_authorizer(cluster))


def _has_authorizer(cluster: ClusterClient) -> bool:
    admin, settings = cluster.admin, cluster.settings
    info = describe_cluster(cluster)
    broker = info.controller_id if info.controller_id is not None else info.brokers[0].id
    resource = ConfigResource(ResourceType.BROKER, str(broker))
    try:
        futures = admin.describe_configs([resource], request_timeout=settings.timeout_s)
    except Exception as exc:
        raise translate_error(exc, settings, "describe broker configs") from None
    (future,) = futures.values()
    # Refused here, the empty listing was most likely refused too: say so, not "no bindings".
    entry = _result(future, settings, "describe ACLs").get(AUTHORIZER_CONFIG)
    return bool(entry is not None and entry.value)  # absent (noida-db reports 3 configs): none configured


def _binding(row: AclRow, cls=AclBinding):
    return cls(
        ResourceType[_FROM_KAFKA.get(row.resource_type, row.resource_type)],
        row.resource_name,
        ResourcePatternType[row.pattern_type],
        row.principal,
        row.host,
        AclOperation[row.operation],
        AclPermissionType[row.permission],
    )


def create_acl(cluster: ClusterClient, row: AclRow, *, actor: Actor | None = None) -> AclRow:
    """Create one binding (a row from acl_rules.validate_binding)."""
    admin, settings = cluster.admin, cluster.settings
    with write_guard(settings, actor, "acl.create", row.describe(), row.to_dict()):
        try:
            futures = admin.create_acls([_binding(row)], request_timeout=settings.timeout_s)
        except Exception as exc:
            raise translate_error(exc, settings, "create ACL") from None
        for future in futures.values():
            _result(future, settings, "create ACL")
    return row


def delete_acl(cluster: ClusterClient, row: AclRow, *, actor: Actor | None = None) -> int:
    """Delete exactly this binding; NotFound when the broker has no such binding."""
    admin, settings = cluster.admin, cluster.settings
    with write_guard(settings, actor, "acl.delete", row.describe(), row.to_dict()):
        try:
            futures = admin.delete_acls([_binding(row, AclBindingFilter)], request_timeout=settings.timeout_s)
        except Exception as exc:
            raise translate_error(exc, settings, "delete ACL") from None
        deleted = sum(len(_result(f, settings, "delete ACL") or ()) for f in futures.values())
        if not deleted:
            raise NotFound(f"no such ACL binding: {row.describe()}")
        return deleted
