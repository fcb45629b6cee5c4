"""The one reader of the process environment, and the parsers every setting shares.

Nothing else in kafka_io, dashboard or pages touches ``os.environ``
(tests/unit/test_boundaries.py checks): they ask kafka_io.settings for typed
values. The environment is read on every call, never cached: the dashboard's
tests (and a restarted demo) change it while the process runs.

A bad value raises InvalidInput with one line that names the variable; a
variable that holds a secret is never echoed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kafka_io.errors import InvalidInput

__all__ = ["child_environment", "environment", "parse_choice", "parse_port", "parse_seconds", "parse_switch"]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def environment(env: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """``env`` when given (tests pass a dict), else a snapshot of this process's environment."""
    return dict(os.environ) if env is None else env


def child_environment(**overrides: str) -> dict[str, str]:
    """This process's environment plus ``overrides``: for the processes we start (app, demo, workers)."""
    return {**os.environ, **overrides}


def env_text(env: Mapping[str, str], name: str) -> str | None:
    """The variable, stripped; None when unset or blank."""
    value = (env.get(name) or "").strip()
    return value or None


def env_path(env: Mapping[str, str], name: str, default: Path | None = None) -> Path | None:
    value = env_text(env, name)
    return Path(value).expanduser() if value else default


def parse_switch(name: str, value: str | None) -> bool:
    """1/true/yes/on, or 0/false/no/off/blank; anything else is refused rather than guessed."""
    lowered = (value or "").strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput(f"{name} must be 1 (on) or 0 (off), got {value!r}")


def parse_seconds(name: str, text: str | None, default_s: float, low_s: float, high_s: float) -> float:
    """A duration setting: blank -> default; else low_s < value <= high_s or InvalidInput."""
    if not text or not text.strip():
        return default_s
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a number of seconds, got {text!r}") from None
    if not low_s < value <= high_s:
        raise InvalidInput(f"{name} must be between {low_s:g} and {high_s:g} seconds, got {text!r}")
    return value


def parse_port(name: str, value: str | None, default: int) -> int:
    if value is None or not value.strip():
        return default
    if not value.strip().isdigit() or not 0 < int(value) < 65536:
        raise InvalidInput(f"{name} must be a port number (1-65535), got {value!r}")
    return int(value)


def parse_choice(name: str, value: str | None, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (case-insensitive); blank -> the first, the default."""
    chosen = (value or "").strip().lower() or choices[0]
    if chosen not in choices:
        raise InvalidInput(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return chosen
