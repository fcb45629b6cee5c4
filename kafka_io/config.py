"""Cluster settings: one frozen ClusterSettings per configured cluster.

Sources, highest first: CLI flags > environment > .streamlit/secrets.toml > the
embedded default broker (kafka_io.settings reads them; its docstring states the rule
for every setting). Secrets never leave this module unmasked except through
client_config(), which goes straight to librdkafka.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from kafka_io.access.roles import AccessPolicy, parse_access
from kafka_io.access.switches import messages_export
from kafka_io.errors import InvalidInput
from kafka_io.schemas.settings import ENV_KEYS as REGISTRY_ENV_KEYS
from kafka_io.schemas.settings import JAVA_KEYS as REGISTRY_JAVA_KEYS
from kafka_io.schemas.settings import RegistrySettings, parse_registry
from kafka_io.settings import SECRETS_PATH, environment, parse_port, parse_seconds, read_secrets
from kafka_io.settings.sections import DEFAULT_EMBEDDED_PORT, EMBEDDED_PORT_ENV
from kafka_io.wire import DEFAULT_PARTITIONER, PARTITIONERS

__all__ = ["ClusterSettings", "DEFAULT_EMBEDDED_PORT", "DEFAULT_TIMEOUT_S", "load_clusters", "load_settings"]
__all__ += ["parse_client_properties"]

DEFAULT_TIMEOUT_S = 5.0
EMBEDDED_NAME = "embedded"
MASK = "********"

# librdkafka keys whose values must never be shown.
_SECRET_MARKERS = ("password", "secret", "sasl.jaas.config", "key.pem", "token", "credentials")

ENV_KEYS = {
    "KAFKA_BOOTSTRAP_SERVERS": "bootstrap_servers",
    "KAFKA_SECURITY_PROTOCOL": "security_protocol",
    "KAFKA_SASL_MECHANISM": "sasl_mechanism",
    "KAFKA_SASL_USERNAME": "sasl_username",
    "KAFKA_SASL_PASSWORD": "sasl_password",
    "KAFKA_SSL_CA_LOCATION": "ssl_ca_location",
    "KAFKA_SSL_CERTIFICATE_LOCATION": "ssl_certificate_location",
    "KAFKA_SSL_KEY_LOCATION": "ssl_key_location",
    "KAFKA_PARTITIONER": "partitioner",
    **REGISTRY_ENV_KEYS,
}
_FIELD_TO_RDKAFKA = {
    "security_protocol": "security.protocol",
    "sasl_mechanism": "sasl.mechanism",
    "sasl_username": "sasl.username",
    "sasl_password": "sasl.password",
    "ssl_ca_location": "ssl.ca.location",
    "ssl_certificate_location": "ssl.certificate.location",
    "ssl_key_location": "ssl.key.location",
}
_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
_SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER", "GSSAPI")
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class ClusterSettings:
    name: str = EMBEDDED_NAME
    bootstrap_servers: str = f"127.0.0.1:{DEFAULT_EMBEDDED_PORT}"
    security_protocol: str | None = None
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_ca_location: str | None = None
    ssl_certificate_location: str | None = None
    ssl_key_location: str | None = None
    # Extra librdkafka properties (from KAFKA_CLIENT_PROPERTIES), sorted pairs so
    # the settings stay hashable and usable as a cache key.
    extra: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    read_only: bool = False
    embedded: bool = True
    timeout_s: float = DEFAULT_TIMEOUT_S
    # Where the dashboard's producers put keyed events (kafka_io.wire.PARTITIONERS).
    partitioner: str = DEFAULT_PARTITIONER
    # Roles from [access] (and [clusters.<name>.access]); None: no lists, logins are viewers.
    access: AccessPolicy | None = field(default=None, repr=False)
    # The cluster's schema registry (kafka_io.schemas.settings); None: values are not decoded.
    schema_registry: RegistrySettings | None = field(default=None, repr=False)
    # [messages] export (kafka_io.access.switches): False refuses every export of events.
    messages_export: bool = True

    def client_config(self) -> dict[str, str]:
        """librdkafka settings shared by admin, producer and consumer clients."""
        conf: dict[str, str] = {"bootstrap.servers": self.bootstrap_servers}
        for attr, key in _FIELD_TO_RDKAFKA.items():
            value = getattr(self, attr)
            if value:
                conf[key] = value
        conf.update(dict(self.extra))
        return conf

    def sanitize(self) -> dict[str, str]:
        """Every setting as text, with secrets masked; safe to display or log."""
        shown = {
            "name": self.name,
            "embedded": str(self.embedded),
            "read_only": str(self.read_only),
            "partitioner": self.partitioner,
        }
        for key, value in self.client_config().items():
            shown[key] = MASK if _is_secret(key) else str(value)
        if self.schema_registry is not None:
            shown.update(self.schema_registry.sanitize())
        return shown

    @property
    def label(self) -> str:
        return f"{self.name} ({self.bootstrap_servers})"


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def load_settings(
    flags: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    secrets_path: Path | None = None,
    cluster: str | None = None,
) -> ClusterSettings:
    """The one cluster the CLI or the app should use (the first, unless named)."""
    clusters = load_clusters(flags, env, secrets_path)
    if cluster is None:
        return next(iter(clusters.values()))
    if cluster not in clusters:
        raise InvalidInput(f"unknown cluster {cluster!r}; configured: {', '.join(clusters)}")
    return clusters[cluster]


def load_clusters(
    flags: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    secrets_path: Path | None = None,
) -> dict[str, ClusterSettings]:
    """All configured clusters, keyed by name, in a stable order."""
    env = environment(env)
    flags = {k: v for k, v in (flags or {}).items() if v not in (None, "")}
    read_only = env.get("KAFKA_DASHBOARD_READ_ONLY", "").strip().lower() in _TRUE
    # --timeout > KAFKA_TIMEOUT_S > a cluster's timeout_s in secrets.toml > 5 s
    timeout_s = _seconds("--timeout", flags.get("timeout_s")) or _seconds("KAFKA_TIMEOUT_S", env.get("KAFKA_TIMEOUT_S"))
    from_env = {field_: env[key] for key, field_ in ENV_KEYS.items() if env.get(key)}
    props_path = flags.get("client_properties") or env.get("KAFKA_CLIENT_PROPERTIES")
    path = secrets_path or SECRETS_PATH
    data = read_secrets(path)
    if flags.get("bootstrap_servers") or from_env.get("bootstrap_servers"):
        values = {**from_env, **{k: v for k, v in flags.items() if k in ENV_KEYS.values()}}
        clusters = {"default": _build("default", values, props_path, read_only, timeout_s, embedded=False)}
    else:
        clusters = _from_secrets(path, data, read_only, timeout_s)
    if not clusters:
        port = parse_port(EMBEDDED_PORT_ENV, env.get(EMBEDDED_PORT_ENV), DEFAULT_EMBEDDED_PORT)
        values = {"bootstrap_servers": f"127.0.0.1:{port}"}
        values.update({k: v for k, v in from_env.items() if k.startswith("schema_registry_")})
        clusters = {EMBEDDED_NAME: _build(EMBEDDED_NAME, values, None, read_only, timeout_s, embedded=True)}
    return {
        name: replace(s, access=_access(path, data, name), messages_export=messages_export(data, name, path))
        for name, s in clusters.items()
    }


def _access(path: Path, data: Mapping[str, object], name: str) -> AccessPolicy | None:
    """[access], with the lists [clusters.<name>.access] names replaced."""
    policy = parse_access(data["access"], f"{path} [access]") if "access" in data else None
    section = (data.get("clusters") or {}).get(name)
    own = section.get("access") if isinstance(section, Mapping) else None
    if own is None:
        return policy
    where = f"{path} [clusters.{name}.access]"
    if policy is None or not isinstance(own, Mapping):
        return parse_access(own, where)
    return policy.overridden(own, where)


def _seconds(name: str, value: object) -> float | None:
    """A timeout setting; None when unset or blank (the next source decides)."""
    text = "" if value is None else str(value).strip()
    return parse_seconds(name, text, DEFAULT_TIMEOUT_S, 0, 300) if text else None


def _from_secrets(path: Path, data: Mapping, read_only: bool, timeout_s: float | None) -> dict[str, ClusterSettings]:
    read_only = read_only or bool(data.get("read_only", False))
    sections: dict[str, Mapping[str, object]] = {}
    if isinstance(data.get("kafka"), dict):
        sections["default"] = data["kafka"]
    for name, section in (data.get("clusters") or {}).items():
        if not isinstance(section, dict):
            raise InvalidInput(f"{path}: [clusters.{name}] must be a table")
        sections[name] = {k: v for k, v in section.items() if k not in ("access", "messages")}
    wheres = {
        name: f"{path} [{'kafka' if name == 'default' and 'kafka' in data else 'clusters.' + name}]"
        for name in sections
    }
    return {
        name: _build(
            name,
            section,
            section.get("client_properties"),
            read_only or bool(section.get("read_only", False)),
            timeout_s or _seconds(f"{wheres[name]} timeout_s", section.get("timeout_s")),
            embedded=False,
            where=wheres[name],
        )
        for name, section in sections.items()
    }


_SECTION_KEYS = set(ENV_KEYS.values()) | {"client_properties", "read_only", "timeout_s"}


def _build(
    name: str,
    values: Mapping[str, object],
    props_path: object,
    read_only: bool,
    timeout_s: float | None,
    embedded: bool,
    where: str = "environment",
) -> ClusterSettings:
    unknown = sorted(set(values) - _SECTION_KEYS)
    if unknown:
        raise InvalidInput(f"{where}: unknown setting {unknown[0]!r}")
    bootstrap = str(values.get("bootstrap_servers") or "").strip()
    if not bootstrap:
        raise InvalidInput(f"{where}: bootstrap_servers is required")
    _check_bootstrap(bootstrap, where)
    extra = parse_client_properties(Path(str(props_path))) if props_path else {}
    java_registry = {key: extra.pop(key) for key in REGISTRY_JAVA_KEYS if key in extra}
    schema_registry = parse_registry(values, java_registry, where)
    fields = {k: str(values[k]) for k in _FIELD_TO_RDKAFKA if values.get(k)}
    _check_choice(fields.get("security_protocol"), _SECURITY_PROTOCOLS, "security_protocol", where)
    _check_choice(fields.get("sasl_mechanism"), _SASL_MECHANISMS, "sasl_mechanism", where)
    partitioner = str(values.get("partitioner") or DEFAULT_PARTITIONER).strip().lower()
    if partitioner not in PARTITIONERS:
        raise InvalidInput(f"{where}: partitioner must be one of {', '.join(PARTITIONERS)}, got {partitioner!r}")
    settings = ClusterSettings(
        name=name,
        bootstrap_servers=bootstrap,
        extra=tuple(sorted(extra.items())),
        read_only=read_only,
        embedded=embedded,
        timeout_s=DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s,
        partitioner=partitioner,
        schema_registry=schema_registry,
    )
    return replace(settings, **fields)


def _check_bootstrap(bootstrap: str, where: str) -> None:
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InvalidInput(f"{where}: bootstrap_servers must be HOST:PORT[,HOST:PORT...], got {server.strip()!r}")


def _check_choice(value: str | None, choices: tuple[str, ...], key: str, where: str) -> None:
    if value is not None and value.upper() not in choices:
        raise InvalidInput(f"{where}: {key} must be one of {', '.join(choices)}, got {value!r}")


# Java client.properties: what Java users write for a secured cluster, translated:
# - ``sasl.jaas.config`` with PlainLoginModule or ScramLoginModule -> sasl.username / sasl.password;
# - PEM stores (Kafka ≥ 2.7, ``ssl.truststore.type=PEM`` / ``ssl.keystore.type=PEM``):
#   ``ssl.truststore.location`` -> ssl.ca.location, ``ssl.truststore.certificates`` -> ssl.ca.pem,
#   ``ssl.keystore.location`` (key and chain in one file) -> ssl.certificate.location and
#   ssl.key.location, ``ssl.keystore.certificate.chain`` / ``ssl.keystore.key`` -> ssl.certificate.pem /
#   ssl.key.pem;
# - JKS and PKCS12 stores are refused with a message asking for PEM files;
# - serializer settings are dropped. Everything else passes through unchanged.
_SAME_KEYS = {"ssl.endpoint.identification.algorithm"}
_JAVA_ONLY = {"key.serializer", "value.serializer", "key.deserializer", "value.deserializer"}
_JAAS_MODULES = ("PlainLoginModule", "ScramLoginModule")
# Java store settings, resolved once the whole file is read (the type may come after the location).
_STORE_KEYS = {
    "ssl.truststore.type",
    "ssl.truststore.location",
    "ssl.truststore.certificates",
    "ssl.truststore.password",
    "ssl.keystore.type",
    "ssl.keystore.location",
    "ssl.keystore.certificate.chain",
    "ssl.keystore.key",
    "ssl.keystore.password",
}


def parse_client_properties(path: Path) -> dict[str, str]:
    """Read a Java-style client.properties file as librdkafka settings."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"KAFKA_CLIENT_PROPERTIES: cannot read {path}: {exc.strerror}") from None
    props: dict[str, str] = {}
    stores: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, sep, value = _split_property(line)
        if not sep or not key:
            raise InvalidInput(f"{path} line {number}: expected key=value")
        if key in _STORE_KEYS:
            stores[key] = (value, number)
        else:
            props.update(_translate_property(key, value, path, number))
    props.update(_pem_stores(stores, path))
    return props


def _split_property(line: str) -> tuple[str, str, str]:
    cut = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=-1)
    if cut < 0:
        return line, "", ""
    return line[:cut].strip(), line[cut], line[cut + 1 :].strip()


def _translate_property(key: str, value: str, path: Path, number: int) -> dict[str, str]:
    if key == "sasl.jaas.config":
        return _parse_jaas(value, path, number)
    if key in _SAME_KEYS:
        return {key: value}
    if key in _JAVA_ONLY:
        return {}  # meaningless to librdkafka
    return {key: value}


def _pem_stores(stores: dict[str, tuple[str, int]], path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for store, targets in (
        ("truststore", {"location": ("ssl.ca.location",), "certificates": ("ssl.ca.pem",)}),
        (
            "keystore",
            {
                "location": ("ssl.certificate.location", "ssl.key.location"),
                "certificate.chain": ("ssl.certificate.pem",),
                "key": ("ssl.key.pem",),
            },
        ),
    ):
        given = {k: v for k, v in stores.items() if k.startswith(f"ssl.{store}.")}
        if not given:
            continue
        kind_key = f"ssl.{store}.type"
        kind, number = given.get(kind_key, ("JKS", 0))  # Java's default
        if kind.upper() != "PEM":
            key, (_, number) = next(
                ((k, v) for k, v in given.items() if not k.endswith(".type")), (kind_key, (kind, number))
            )
            raise InvalidInput(
                f"{path} line {number}: {key} (a Java keystore, type {kind}) is not supported; "
                f"use ssl.{store}.type=PEM, or ssl.ca.location / ssl.certificate.location / ssl.key.location PEM files"
            )
        for suffix, keys in targets.items():
            if f"ssl.{store}.{suffix}" in given:
                found.update(dict.fromkeys(keys, given[f"ssl.{store}.{suffix}"][0]))
    # A PEM store's password is the key's (Java: ssl.key.password, same key in librdkafka).
    return found


def _parse_jaas(value: str, path: Path, number: int) -> dict[str, str]:
    if not any(module in value for module in _JAAS_MODULES):
        raise InvalidInput(
            f"{path} line {number}: sasl.jaas.config supports only PlainLoginModule and ScramLoginModule"
        )
    found: dict[str, str] = {}
    for option in ("username", "password"):
        marker = f'{option}="'
        start = value.find(marker)
        if start < 0:
            raise InvalidInput(f'{path} line {number}: sasl.jaas.config has no {option}="…"')
        start += len(marker)
        end = value.find('"', start)
        if end < 0:
            raise InvalidInput(f"{path} line {number}: sasl.jaas.config has an unterminated {option}")
        found[f"sasl.{option}"] = value[start:end]
    return found
