"""Every setting of the dashboard and the CLI: the one place that reads the
environment and .streamlit/secrets.toml, and turns flags, variables and tables
into typed, frozen values. Everything else receives those values.

Precedence, highest first, for every setting that has more than one source:

    CLI flags  >  environment  >  .streamlit/secrets.toml  >  the default

- Clusters (``KAFKA_BOOTSTRAP_SERVERS`` and friends, ``[kafka]``,
  ``[clusters.<name>]``, ``--bootstrap``, ``--timeout``): kafka_io.config builds
  one ClusterSettings per cluster from what this package reads.
- Process-wide settings (sections.py): files (KDASH_DATA_DIR, ...), the embedded
  brokers (KDASH_ENGINE, KAFKA_EMBEDDED_PORT, ...; ``--engine``, ``--data-dir``
  and ``broker --port`` win over them), the lag sampler, and the server
  (KDASH_DEBUG, the /metrics token, alert webhooks; ``[alerts] public_url`` in
  secrets.toml is below KDASH_PUBLIC_URL).
- Two sources add up instead: KAFKA_DASHBOARD_READ_ONLY=1 or ``read_only = true``
  makes a cluster read-only; KDASH_ALERT_WEBHOOK_URL joins the [alerts] targets.
- env.py is the only module that reads ``os.environ`` (tests/unit/test_boundaries.py;
  for now the librdkafka files clients and group_child still read KDASH_DEBUG);
  children we start get ``child_environment(...)``. Streamlit reads ``[auth]``
  itself (st.login needs st.secrets).

docs/configuration.md lists every variable with its default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from kafka_io.errors import InvalidInput
from kafka_io.settings.env import child_environment, environment, parse_choice, parse_port, parse_seconds, parse_switch
from kafka_io.settings.sections import (
    FileSettings,
    LocalSettings,
    SamplerSettings,
    ServerSettings,
    debug_requested,
    file_settings,
    local_settings,
    metrics_token,
    sampler_settings,
    server_settings,
)

__all__ = ["SECRETS_PATH", "FileSettings", "LocalSettings", "SamplerSettings", "ServerSettings"]
__all__ += [
    "child_environment",
    "debug_requested",
    "environment",
    "file_settings",
    "local_settings",
    "metrics_token",
    "read_secrets",
]
__all__ += ["parse_choice", "parse_port", "parse_seconds", "parse_switch", "sampler_settings", "server_settings"]

SECRETS_PATH = Path(".streamlit/secrets.toml")


def read_secrets(path: Path = SECRETS_PATH) -> dict:
    """secrets.toml as a dict ({} when there is none); InvalidInput when it is not TOML."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path} is not valid TOML: {exc}") from None
