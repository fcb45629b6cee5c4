"""The registry client (one per registry, shared) and its errors in a user's words.

Every call has the named timeout ``RegistrySettings.timeout_s``; the client
caches schemas by id, so each schema is fetched once per process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from confluent_kafka.schema_registry import SchemaRegistryClient, SchemaRegistryError

from kafka_io.errors import KafkaIOError, NotAuthorized, NotFound, Unavailable
from kafka_io.schemas.settings import RegistrySettings

__all__ = [
    "SubjectRow",
    "SubjectSchema",
    "registry_client",
    "subject_rows",
    "subject_schema",
    "subject_versions",
    "subjects",
    "topic_of",
    "translate_registry_error",
]

_clients: dict[RegistrySettings, SchemaRegistryClient] = {}
_lock = threading.Lock()


def registry_client(settings: RegistrySettings) -> SchemaRegistryClient:
    with _lock:
        client = _clients.get(settings)
        if client is None:
            client = _clients[settings] = SchemaRegistryClient(settings.client_conf())
        return client


def translate_registry_error(exc: Exception, settings: RegistrySettings, what: str) -> KafkaIOError:
    """A registry failure as one line a user can act on; never the password, never a traceback."""
    if isinstance(exc, KafkaIOError):
        return exc
    if isinstance(exc, SchemaRegistryError):
        status, code = exc.http_status_code, exc.error_code
        if status in (401, 403):
            return NotAuthorized(f"{what}: the schema registry refused the login (HTTP {status})")
        if status == 404:
            return NotFound(f"{what}: not in the schema registry ({_short(exc.error_message)})")
        return KafkaIOError(f"{what}: the schema registry answered HTTP {status} ({code}): {_short(exc.error_message)}")
    return Unavailable(f"{what}: the schema registry at {settings.url} is unreachable ({type(exc).__name__})")


def _short(text: object, limit: int = 200) -> str:
    text = str(text or "").strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class SubjectSchema:
    """One version of a subject, as the registry holds it."""

    subject: str
    version: int
    schema_id: int
    schema_type: str  # AVRO, PROTOBUF or JSON
    text: str


@dataclass(frozen=True, slots=True)
class SubjectRow:
    """A subject on the Schemas page: its latest version, and the topic it names (TopicNameStrategy)."""

    subject: str
    schema_type: str | None
    latest_version: int | None
    versions: int | None
    schema_id: int | None
    topic: str | None
    part: str | None  # "value" or "key"
    error: str | None = None


def subjects(settings: RegistrySettings) -> list[str]:
    try:
        return sorted(registry_client(settings).get_subjects())
    except Exception as exc:
        raise translate_registry_error(exc, settings, "Listing subjects") from None


def subject_versions(settings: RegistrySettings, subject: str) -> list[int]:
    try:
        return sorted(registry_client(settings).get_versions(subject))
    except Exception as exc:
        raise translate_registry_error(exc, settings, f"Subject {subject!r}") from None


def subject_schema(settings: RegistrySettings, subject: str, version: int | str = "latest") -> SubjectSchema:
    """The schema of ``subject`` at ``version`` (a number or "latest")."""
    client = registry_client(settings)
    try:
        if version == "latest":
            found = client.get_latest_version(subject)
        else:
            found = client.get_version(subject, int(version))
    except Exception as exc:
        raise translate_registry_error(exc, settings, f"Subject {subject!r} version {version}") from None
    schema = found.schema
    return SubjectSchema(
        subject, found.version, found.schema_id, (schema.schema_type or "AVRO").upper(), schema.schema_str
    )


def topic_of(subject: str, topic_names: set[str] | frozenset[str]) -> tuple[str | None, str | None]:
    """(topic, "value"/"key") when ``subject`` follows the TopicNameStrategy for an existing topic."""
    for part in ("value", "key"):
        topic = subject.removesuffix(f"-{part}")
        if topic != subject and topic in topic_names:
            return topic, part
    return None, None


def subject_rows(settings: RegistrySettings, topic_names: set[str]) -> list[SubjectRow]:
    """Every subject with its latest version; one that fails is a row with its error, not a failed page."""
    rows = []
    for subject in subjects(settings):
        topic, part = topic_of(subject, topic_names)
        try:
            latest = subject_schema(settings, subject)
            count = len(subject_versions(settings, subject))
        except KafkaIOError as exc:
            rows.append(SubjectRow(subject, None, None, None, None, topic, part, str(exc)))
            continue
        rows.append(SubjectRow(subject, latest.schema_type, latest.version, count, latest.schema_id, topic, part))
    return rows
