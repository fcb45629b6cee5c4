"""PURE: ACL bindings as Kafka names them (READ, ALLOW, TOPIC, LITERAL), the page's
filters, and the checks of a new binding before it is sent.

Kafka calls the cluster resource CLUSTER (its only name: kafka-cluster);
confluent-kafka calls that type BROKER: kafka_io.admin.acls converts at the boundary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kafka_io.errors import InvalidInput

__all__ = [
    "OPERATIONS",
    "PATTERN_TYPES",
    "PERMISSIONS",
    "RESOURCE_TYPES",
    "AclRow",
    "filter_rows",
    "validate_binding",
]

OPERATIONS = (
    "ALL",
    "READ",
    "WRITE",
    "CREATE",
    "DELETE",
    "ALTER",
    "DESCRIBE",
    "CLUSTER_ACTION",
    "DESCRIBE_CONFIGS",
    "ALTER_CONFIGS",
    "IDEMPOTENT_WRITE",
)
PERMISSIONS = ("ALLOW", "DENY")
RESOURCE_TYPES = ("TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID")
PATTERN_TYPES = ("LITERAL", "PREFIXED")
CLUSTER_NAME = "kafka-cluster"
_PRINCIPAL = re.compile(r"^[A-Za-z][A-Za-z0-9]*:\S+$")
_NAME = re.compile(r"^\S+$")


@dataclass(frozen=True, slots=True, order=True)
class AclRow:
    principal: str
    host: str
    operation: str
    permission: str
    resource_type: str
    resource_name: str
    pattern_type: str

    def describe(self) -> str:
        """In words, for a confirmation: "ALLOW User:bob READ on TOPIC orders (LITERAL) from host *"."""
        return (
            f"{self.permission} {self.principal} {self.operation} on {self.resource_type} "
            f"{self.resource_name} ({self.pattern_type}) from host {self.host}"
        )

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__slots__}


def _one_of(value: str, choices: tuple[str, ...], what: str) -> str:
    upper = (value or "").strip().upper()
    if upper not in choices:
        raise InvalidInput(f"{what} must be one of {', '.join(choices)}, got {value!r}")
    return upper


def validate_binding(
    principal: str,
    operation: str,
    resource_type: str,
    resource_name: str,
    permission: str = "ALLOW",
    pattern_type: str = "LITERAL",
    host: str = "*",
) -> AclRow:
    principal = (principal or "").strip()
    if not _PRINCIPAL.match(principal):
        raise InvalidInput(f"principal must look like User:alice (type:name), got {principal!r}")
    host = (host or "").strip() or "*"
    if not _NAME.match(host):
        raise InvalidInput(f"host must be * or one address, got {host!r}")
    operation = _one_of(operation, OPERATIONS, "operation")
    permission = _one_of(permission, PERMISSIONS, "permission")
    resource_type = _one_of(resource_type, RESOURCE_TYPES, "resource type")
    pattern_type = _one_of(pattern_type, PATTERN_TYPES, "pattern type")
    name = (resource_name or "").strip()
    if resource_type == "CLUSTER":
        name = name or CLUSTER_NAME
        if name != CLUSTER_NAME or pattern_type != "LITERAL":
            raise InvalidInput(f"the CLUSTER resource is always {CLUSTER_NAME} (LITERAL), got {resource_name!r}")
    if not _NAME.match(name):
        raise InvalidInput(f"resource name must be one word (a topic, group or prefix; * for all), got {name!r}")
    return AclRow(principal, host, operation, permission, resource_type, name, pattern_type)


def filter_rows(
    rows: Iterable[AclRow], principal: str = "", resource: str = "", operation: str = ""
) -> tuple[AclRow, ...]:
    """Rows whose principal and resource name contain the texts (any case), with that operation."""
    principal, resource, operation = principal.strip().lower(), resource.strip().lower(), operation.strip().upper()
    return tuple(
        row
        for row in sorted(rows)
        if principal in row.principal.lower()
        and (resource in row.resource_name.lower() or resource == row.resource_type.lower())
        and (not operation or row.operation == operation)
    )
