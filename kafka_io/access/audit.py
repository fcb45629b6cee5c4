"""The audit log: one JSON line per write attempt, appended and fsynced.

    {"at": 1796473204.123, "who": "ann@example.com", "via": "web", "cluster": "prod",
     "action": "topic.delete", "target": "orders", "details": {}, "result": "refused",
     "error": "operator: deleting topics is not allowed"}

``result`` is ok, error or refused (read-only or a role). The path is
KDASH_AUDIT_LOG; else ``audit.jsonl`` in KDASH_DATA_DIR (``make run`` sets it to
the checkout's .kafka-local, so a fresh clone's log is its own); else
~/.kdash/audit.jsonl. Lines hold names and counts, never payloads or secrets.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kafka_io.errors import InvalidInput
from kafka_io.settings import FileSettings, file_settings
from kafka_io.settings.sections import AUDIT_LOG_ENV, DATA_DIR_ENV

__all__ = ["AuditEntry", "AuditRead", "append_entry", "audit_path", "audit_path_reason"]
__all__ += ["check_appendable", "read_entries"]

DEFAULT_AUDIT_LOG = Path("~/.kdash/audit.jsonl")
FILE_NAME = "audit.jsonl"
RESULTS = ("ok", "error", "refused")
_lock = threading.Lock()  # one line at a time from this process; O_APPEND keeps other processes' whole


@dataclass(frozen=True)
class AuditEntry:
    at: float
    who: str
    via: str
    cluster: str
    action: str
    target: str
    details: Mapping[str, object] = field(default_factory=dict)
    result: str = "ok"
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "details": dict(self.details)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), default=str)


@dataclass(frozen=True)
class AuditRead:
    entries: tuple[AuditEntry, ...]  # oldest first
    unreadable_lines: int = 0


def audit_path(files: FileSettings | None = None) -> Path:
    return _chosen(files or file_settings())[0]


def audit_path_reason(files: FileSettings | None = None) -> str:
    """Why that file: the setting that chose it, in words (the Audit page says which file it shows)."""
    return _chosen(files or file_settings())[1]


def _chosen(files: FileSettings) -> tuple[Path, str]:
    if files.audit_log:
        return files.audit_log, f"set by {AUDIT_LOG_ENV}"
    if files.data_dir:
        return files.data_dir / FILE_NAME, f"in the data directory {DATA_DIR_ENV} (make run)"
    return DEFAULT_AUDIT_LOG.expanduser(), f"the default; set {AUDIT_LOG_ENV} to choose another"


def check_appendable(path: Path) -> None:
    """InvalidInput unless a line can be appended: a write is refused rather than left unrecorded."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
    except OSError as exc:
        raise InvalidInput(
            f"cannot write the audit log {path}: {exc.strerror or exc}; set {AUDIT_LOG_ENV} to a writable file"
        ) from None


def append_entry(entry: AuditEntry, path: Path | None = None) -> None:
    path = path or audit_path()
    line = (entry.to_json() + "\n").encode()
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


def read_entries(path: Path | None = None, limit: int | None = None) -> AuditRead:
    """The newest ``limit`` entries (all when None), oldest first; a missing file is an empty log."""
    path = path or audit_path()
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return AuditRead(())
    except OSError as exc:
        raise InvalidInput(f"cannot read the audit log {path}: {exc.strerror or exc}") from None
    entries, bad = [], 0
    for line in lines:
        entry = _parse(line)
        if entry is None:
            bad += line.strip() != b""
        else:
            entries.append(entry)
    if limit is not None:
        entries = entries[-limit:] if limit > 0 else []
    return AuditRead(tuple(entries), bad)


def _parse(line: bytes) -> AuditEntry | None:
    try:
        data = json.loads(line)
        return AuditEntry(
            at=float(data["at"]),
            who=str(data["who"]),
            via=str(data["via"]),
            cluster=str(data["cluster"]),
            action=str(data["action"]),
            target=str(data["target"]),
            details=dict(data.get("details") or {}),
            result=str(data["result"]),
            error=None if data.get("error") is None else str(data["error"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
