"""Users' saved templates: a small JSON file, per cluster and topic, that survives restarts.

Where: ``$KDASH_TEMPLATES_PATH`` when set, else ``~/.kdash/templates.json``.
Shape (version 1)::

    {"version": 1, "clusters": {"<bootstrap servers>": {"<topic>": {"<name>":
        {"template": "...", "key": "..." | null, "saved_at": "2024-05-01T12:00:00Z"}}}}}

A cluster is identified by its bootstrap servers, which stay the same however
the cluster is named in secrets.toml. Writes go to a temporary file in the same
directory, are fsynced, then renamed over the old file: a crash leaves the old
file or the new one, never half of one. A lock serialises writers in this process.
A file that is not ours (bad JSON, wrong shape) is never overwritten: saving
refuses with a message naming the file.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kafka_io.errors import InvalidInput
from kafka_io.produce.templates import BUILTIN_TEMPLATES, compile_template
from kafka_io.settings import file_settings

__all__ = [
    "MAX_NAME_CHARS",
    "BUILT_IN",
    "SavedTemplate",
    "templates_path",
    "load_templates",
    "all_templates",
    "save_template",
    "delete_template",
]

MAX_NAME_CHARS = 80
VERSION = 1
BUILT_IN = "built-in"  # the saved_at of built-in templates
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class SavedTemplate:
    name: str
    template: str
    key: str | None = None
    saved_at: str = ""


def templates_path() -> Path:
    """KDASH_TEMPLATES_PATH, default ~/.kdash/templates.json (kafka_io.settings.FileSettings)."""
    return file_settings().templates_path


def _read(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {"version": VERSION, "clusters": {}}
    except OSError as exc:
        raise InvalidInput(f"cannot read saved templates {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"saved templates {path} is not valid JSON ({exc}); fix or move it") from None
    if not isinstance(data, dict) or not isinstance(data.get("clusters"), dict):
        raise InvalidInput(f"saved templates {path} is not a templates file; fix or move it")
    return data


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".templates-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=2, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _table(parent: dict, name: str, create: bool, what: str) -> dict:
    table = parent.setdefault(name, {}) if create else parent.get(name, {})
    if isinstance(table, dict):
        return table
    if create:
        raise InvalidInput(f"saved templates for {what} are not a table; fix or move the file")
    return {}


def _topic_entries(data: dict, cluster: str, topic: str, create: bool = False) -> dict:
    """The {name: entry} table of one topic (made when ``create``); a foreign shape reads as empty."""
    topics = _table(data["clusters"], cluster, create, f"cluster {cluster!r}")
    return _table(topics, topic, create, f"topic {topic!r}")


def load_templates(cluster: str, topic: str, path: Path | None = None) -> dict[str, SavedTemplate]:
    """Saved templates for one cluster and topic, by name (sorted); entries we cannot read are skipped."""
    data = _read(path or templates_path())
    found = {}
    for name, entry in sorted(_topic_entries(data, cluster, topic).items()):
        if isinstance(entry, dict) and isinstance(entry.get("template"), str):
            key = entry.get("key") if isinstance(entry.get("key"), str) else None
            found[name] = SavedTemplate(name, entry["template"], key, str(entry.get("saved_at", "")))
    return found


def all_templates(cluster: str, topic: str, path: Path | None = None) -> dict[str, SavedTemplate]:
    """Built-in templates, then this topic's saved ones."""
    found = {name: SavedTemplate(name, text, None, BUILT_IN) for name, text in BUILTIN_TEMPLATES.items()}
    found.update(load_templates(cluster, topic, path))
    return found


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("template name is empty")
    if name in BUILTIN_TEMPLATES:
        raise InvalidInput(f"{name!r} is a built-in template; choose another name")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"template name is {len(name)} characters; the limit is {MAX_NAME_CHARS}")
    return name


def save_template(
    cluster: str, topic: str, name: str, template: str, key: str | None = None, path: Path | None = None
) -> SavedTemplate:
    """Save (or replace) a named template after checking that it compiles."""
    name = _check_name(name)
    try:
        compile_template(template)
        if key:
            compile_template(key)
    except InvalidInput as exc:
        raise InvalidInput(f"template {name!r} not saved: {exc}") from None
    saved = SavedTemplate(name, template, key or None, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    path = path or templates_path()
    with _lock:
        data = _read(path)
        entries = _topic_entries(data, cluster, topic, create=True)
        entries[name] = {"template": template, "key": saved.key, "saved_at": saved.saved_at}
        data["version"] = VERSION
        _write(path, data)
    return saved


def delete_template(cluster: str, topic: str, name: str, path: Path | None = None) -> bool:
    """Remove a saved template; False when there was none by that name."""
    path = path or templates_path()
    with _lock:
        data = _read(path)
        entries = _topic_entries(data, cluster, topic)
        if name not in entries:
            return False
        del entries[name]
        _write(path, data)
    return True
