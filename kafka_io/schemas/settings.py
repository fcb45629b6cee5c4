"""Where a cluster's schema registry is, and how to log in to it.

Sources, as for the cluster: ``SCHEMA_REGISTRY_URL`` / ``SCHEMA_REGISTRY_USERNAME`` /
``SCHEMA_REGISTRY_PASSWORD`` in the environment, ``schema_registry_url`` /
``schema_registry_username`` / ``schema_registry_password`` in a cluster's
section of secrets.toml, or the Java client's own keys in client.properties
(``schema.registry.url``, ``basic.auth.user.info=user:password``), so the
file a Java team already has works unchanged. The password is never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from kafka_io.errors import InvalidInput

__all__ = ["ENV_KEYS", "JAVA_KEYS", "REGISTRY_TIMEOUT_S", "RegistrySettings", "parse_registry"]

REGISTRY_TIMEOUT_S = 5.0
ENV_KEYS = {
    "SCHEMA_REGISTRY_URL": "schema_registry_url",
    "SCHEMA_REGISTRY_USERNAME": "schema_registry_username",
    "SCHEMA_REGISTRY_PASSWORD": "schema_registry_password",
}
# client.properties keys that belong to the registry, not to librdkafka (which refuses them).
JAVA_KEYS = ("schema.registry.url", "basic.auth.user.info", "basic.auth.credentials.source")


@dataclass(frozen=True)
class RegistrySettings:
    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = REGISTRY_TIMEOUT_S

    def client_conf(self) -> dict[str, object]:
        """confluent-kafka's SchemaRegistryClient settings (goes straight to the client)."""
        conf: dict[str, object] = {"url": self.url, "timeout": self.timeout_s}
        if self.username:
            conf["basic.auth.user.info"] = f"{self.username}:{self.password or ''}"
        return conf

    def sanitize(self) -> dict[str, str]:
        shown = {"schema.registry.url": self.url}
        if self.username:
            shown["schema.registry.username"] = self.username
            shown["schema.registry.password"] = "********"
        return shown


def parse_registry(values: Mapping[str, object], java: Mapping[str, str], where: str) -> RegistrySettings | None:
    """The registry from settings ``values`` (our keys) or ``java`` (client.properties keys); None when unset."""
    url = str(values.get("schema_registry_url") or java.get("schema.registry.url") or "").strip()
    username = str(values.get("schema_registry_username") or "").strip() or None
    password = str(values.get("schema_registry_password") or "") or None
    user_info = java.get("basic.auth.user.info")
    if user_info and not username:
        username, sep, password = user_info.partition(":")
        if not sep or not username:
            raise InvalidInput(f"{where}: basic.auth.user.info must be USER:PASSWORD")
    if not url:
        if username:
            raise InvalidInput(f"{where}: a schema registry username needs schema_registry_url")
        return None
    parts = urlsplit(url)
    if "@" in parts.netloc:  # checked first: the message must not echo a password
        raise InvalidInput(
            f"{where}: put the registry's credentials in schema_registry_username/_password, not the URL"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{where}: schema_registry_url must be http(s)://HOST[:PORT][/PATH], got {url!r}")
    return RegistrySettings(url=url.rstrip("/"), username=username, password=password)
