"""The process-wide settings, one frozen dataclass per concern, each loaded from the
environment by its own function (a bad lag interval must not stop `broker start`).

Every variable is named once, here, with its default; docs/configuration.md lists
them all (tests/unit/test_settings.py checks that it does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kafka_io.errors import InvalidInput
from kafka_io.settings.env import env_path, env_text, environment, parse_choice, parse_port, parse_seconds, parse_switch

__all__ = ["FileSettings", "LocalSettings", "SamplerSettings", "ServerSettings"]
__all__ += ["file_settings", "local_settings", "metrics_token", "sampler_settings", "server_settings"]

REPO_ROOT = Path(__file__).resolve().parents[2]

# Where files go.
DATA_DIR_ENV = "KDASH_DATA_DIR"  # set by `make run`: lag history, audit log, demo and broker files
AUDIT_LOG_ENV = "KDASH_AUDIT_LOG"
TEMPLATES_PATH_ENV = "KDASH_TEMPLATES_PATH"
DEFAULT_DATA_DIR = Path(".kafka-local")  # the demo's and the embedded broker's, when KDASH_DATA_DIR is unset
DEFAULT_TEMPLATES_PATH = Path("~/.kdash/templates.json")
# The embedded brokers (kafka_io.local).
ENGINE_ENV = "KDASH_ENGINE"
EMBEDDED_PORT_ENV = "KAFKA_EMBEDDED_PORT"
# kafka-run-class.sh's own variable, so a big local cluster (bench/group_scale.py: 10,000 groups)
# gets more heap the way Kafka people already give it: KAFKA_HEAP_OPTS="-Xmx2g".
HEAP_OPTS_ENV = "KAFKA_HEAP_OPTS"
JARS_DIR_ENV = "KDASH_KAFKA_JARS"
ENGINES = ("noida", "apache")  # the first is the default
DEFAULT_EMBEDDED_PORT = 9092
DEFAULT_HEAP_OPTS = ("-Xmx512m",)  # Kafka's 1 GiB minus half: a dev node idles at ~300 MB RSS
DEFAULT_JARS_DIR = REPO_ROOT / ".cache" / "kafka-jars"
# The lag sampler (kafka_io.groups.sampler).
LAG_INTERVAL_ENV = "KAFKA_LAG_INTERVAL_S"
OFFSETS_SOURCE_ENV = "KAFKA_LAG_OFFSETS_SOURCE"
OFFSETS_SOURCES = ("auto", "admin")  # auto: __consumer_offsets when it can serve, else the admin API
DEFAULT_LAG_INTERVAL_S = 5.0
MIN_LAG_INTERVAL_S = 0.05  # exclusive: tests sample every 0.2 s, a dashboard every few seconds
MAX_LAG_INTERVAL_S = 3600.0
# The web server, /metrics, alerts and the processes `make run` starts.
DEBUG_ENV = "KDASH_DEBUG"
METRICS_TOKEN_ENV = "KDASH_METRICS_TOKEN"
ALLOW_ANONYMOUS_WRITES_ENV = "KDASH_ALLOW_ANONYMOUS_WRITES"
ALERT_WEBHOOK_ENV = "KDASH_ALERT_WEBHOOK_URL"
PUBLIC_URL_ENV = "KDASH_PUBLIC_URL"
DEMO_AUDITED_ENV = "KDASH_DEMO_AUDITED"  # internal: set by the app for the demo it restarts (already audited)


@dataclass(frozen=True)
class FileSettings:
    data_dir: Path | None  # None: not under `make run`; history stays in memory
    audit_log: Path | None  # None: chosen from data_dir (kafka_io.access.audit says how)
    templates_path: Path

    @property
    def local_data_dir(self) -> Path:
        """The embedded broker's and the demo's folder: KDASH_DATA_DIR, or .kafka-local."""
        return self.data_dir or DEFAULT_DATA_DIR


@dataclass(frozen=True)
class LocalSettings:
    engine: str
    embedded_port: int
    heap_opts: tuple[str, ...]
    jars_dir: Path


@dataclass(frozen=True)
class SamplerSettings:
    interval_s: float
    offsets_source: str

    @property
    def commit_log(self) -> bool:
        """Whether committed offsets may come from __consumer_offsets (auto) or never (admin)."""
        return self.offsets_source == "auto"


@dataclass(frozen=True)
class ServerSettings:
    debug: bool
    allow_anonymous_writes: bool
    metrics_token: str | None = field(default=None, repr=False)  # None: /metrics is open
    alert_webhook_url: str | None = field(default=None, repr=False)  # webhook URLs often hold a token
    public_url: str | None = None
    demo_audited: bool = False


def file_settings(env: Mapping[str, str] | None = None) -> FileSettings:
    env = environment(env)
    templates = env_path(env, TEMPLATES_PATH_ENV, DEFAULT_TEMPLATES_PATH.expanduser())
    return FileSettings(env_path(env, DATA_DIR_ENV), env_path(env, AUDIT_LOG_ENV), templates)


def local_settings(env: Mapping[str, str] | None = None) -> LocalSettings:
    env = environment(env)
    heap = env_text(env, HEAP_OPTS_ENV)
    return LocalSettings(
        engine=parse_choice(ENGINE_ENV, env.get(ENGINE_ENV), ENGINES),
        embedded_port=parse_port(EMBEDDED_PORT_ENV, env.get(EMBEDDED_PORT_ENV), DEFAULT_EMBEDDED_PORT),
        heap_opts=tuple(heap.split()) if heap else DEFAULT_HEAP_OPTS,
        jars_dir=env_path(env, JARS_DIR_ENV, DEFAULT_JARS_DIR),
    )


def sampler_settings(env: Mapping[str, str] | None = None) -> SamplerSettings:
    env = environment(env)
    interval_s = parse_seconds(
        LAG_INTERVAL_ENV, env.get(LAG_INTERVAL_ENV), DEFAULT_LAG_INTERVAL_S, MIN_LAG_INTERVAL_S, MAX_LAG_INTERVAL_S
    )
    return SamplerSettings(interval_s, parse_choice(OFFSETS_SOURCE_ENV, env.get(OFFSETS_SOURCE_ENV), OFFSETS_SOURCES))


def debug_requested(env: Mapping[str, str] | None = None) -> bool:
    """KDASH_DEBUG for the Kafka clients' own logs, read when they are first built: a value
    that is not a switch counts as off here, and is refused where the settings are checked
    (the page, the CLI), so a typo never breaks an import."""
    try:
        return parse_switch(DEBUG_ENV, environment(env).get(DEBUG_ENV))
    except InvalidInput:
        return False


def server_settings(env: Mapping[str, str] | None = None) -> ServerSettings:
    env = environment(env)
    return ServerSettings(
        debug=parse_switch(DEBUG_ENV, env.get(DEBUG_ENV)),
        allow_anonymous_writes=parse_switch(ALLOW_ANONYMOUS_WRITES_ENV, env.get(ALLOW_ANONYMOUS_WRITES_ENV)),
        metrics_token=metrics_token(env),
        alert_webhook_url=env_text(env, ALERT_WEBHOOK_ENV),
        public_url=env_text(env, PUBLIC_URL_ENV),
        demo_audited=(env.get(DEMO_AUDITED_ENV) or "").strip() == "1",
    )


def metrics_token(env: Mapping[str, str] | None = None) -> str | None:
    """KDASH_METRICS_TOKEN alone: /metrics checks it on every scrape, and must not fail on another variable."""
    return env_text(environment(env), METRICS_TOKEN_ENV)
