"""Guards the house rules by reading the source (ast), transitively.

- Dependencies point one way: pages -> dashboard -> kafka_io. Nothing in
  kafka_io imports streamlit, even through another module.
- Inside kafka_io, domain packages import only their own package and the ones
  below them (LAYERS).
- Modules whose docstring starts with ``PURE:`` import no I/O library, read no
  clock, and import only pure modules.
- Size: at most MAX_TOP_LEVEL modules at kafka_io's top level, none over MAX_LINES.
- No import circles among our modules (lazy imports count), but the KNOWN_CIRCLES.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kafka_io", "dashboard")
# Lower layers first; a kafka_io module may import its own layer and those below.
# messages sits above live (it reads with the Live events type rules and schema decoding) and groups
# (stuck events start from a group's lag); redrive writes through produce.
LAYERS = (
    "core",
    "local",
    "schemas",
    "groups",
    "topics",
    "admin",
    "produce",
    "live",
    "messages",
    "demo",
    "alerts",
    "exporter",
    "cli",
)
IO_LIBRARIES = {"streamlit", "confluent_kafka", "pandas", "altair", "socket", "subprocess", "sqlite3", "urllib"}
CLOCK_CALLS = {
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
}
# The math every status and chart rests on must stay pure: naming a module that
# no longer exists, or that lost its marker, fails.
MUST_BE_PURE = (
    "kafka_io.wire",
    "kafka_io.groups.lag",
    "kafka_io.groups.status",
    "kafka_io.groups.health",
    "kafka_io.groups.history",
    "kafka_io.groups.history_bulk",
    "kafka_io.groups.status_bulk",
    "kafka_io.groups.lag_bulk",
    "kafka_io.groups.health_bulk",
    "kafka_io.groups.incident",
    "kafka_io.groups.reset_rules",
    "kafka_io.groups.commit_log",
    "kafka_io.groups.commit_table",
    "kafka_io.live.rates",
    "kafka_io.live.buckets",
    "kafka_io.live.chart_rules",
    "kafka_io.topics.rates",
    "kafka_io.produce.validation",
    "kafka_io.produce.burst.report",
    "kafka_io.schemas.framing",
    "kafka_io.messages.model",
    "kafka_io.messages.cel",
    "kafka_io.messages.formats",
    "kafka_io.access.switches",
    "kafka_io.schemas.example",
    "kafka_io.schemas.example_proto",
    "kafka_io.schemas.avro_json",
    "kafka_io.admin.config_edits",
    "kafka_io.admin.purge_plan",
    "kafka_io.admin.acl_rules",
)
MAX_TOP_LEVEL = (
    # 9 today and room for one: the guards against librdkafka (client factories, the group child,
    # leader priming, handshake diagnosis, error translation) live in the kafka_io/_client package.
    10
)
MAX_LINES = 400
KNOWN_CIRCLES: list[list[str]] = []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {
    _module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
}
PAGES = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports count), as dotted names.

    ``from a.b import c`` yields a.b and, when a.b.c is one of our modules, a.b.c too.
    """
    names = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(
                f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in MODULES
            )
    return names


def _with_parents(name: str) -> set[str]:
    """Importing a.b.c runs a/__init__ and a/b/__init__ too."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


@cache
def closure(name: str) -> frozenset[str]:
    """Every module importing ``name`` loads: our modules followed, third-party roots kept."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        for loaded in _with_parents(current):
            if loaded in seen:
                continue
            seen.add(loaded)
            if loaded in MODULES:
                todo.extend(imported_names(MODULES[loaded]))
    return frozenset(seen)


def third_party_roots(names) -> set[str]:
    return {n.split(".")[0] for n in names if n.split(".")[0] not in PACKAGES}


def is_pure(path: Path) -> bool:
    doc = ast.get_docstring(_tree(path)) or ""
    return doc.startswith("PURE:")


PURE = sorted(name for name, path in MODULES.items() if is_pure(path))


def layer(name: str) -> str:
    parts = name.split(".")
    if parts[1:] == ["__main__"]:
        return "cli"  # `python -m kafka_io` is the CLI's entry point
    if parts[1:2] == ["access"]:
        return "core"  # the write guard: config reads [access] and every write path calls it
    if parts[1:2] == ["_client"]:
        return "core"  # the guards against librdkafka: every layer's Kafka calls go through them
    if parts[1:3] == ["schemas", "settings"]:
        return "core"  # config reads a cluster's schema registry settings
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else "core"


def import_circles() -> list[list[str]]:
    """Groups of our modules that import each other, directly or around a loop (Tarjan)."""
    graph = {
        name: sorted(n for n in imported_names(path) if n in MODULES and n != name) for name, path in MODULES.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for other in graph[name]:
            if other not in index:
                visit(other)
                low[name] = min(low[name], low[other])
            elif other in stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            group = []
            while not group or group[-1] != name:
                group.append(stack.pop())
            if len(group) > 1:
                circles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(circles)


def clock_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if (owner_name, node.func.attr) in CLOCK_CALLS:
                found.append(f"line {node.lineno}: {owner_name}.{node.func.attr}()")
    return found


# --- the guard's own sanity: it must see what it guards --------------------------


def test_the_guard_finds_the_modules_and_the_pure_set():
    assert "kafka_io.cluster" in MODULES and "dashboard.shell" in MODULES
    assert len(PURE) >= len(MUST_BE_PURE)
    # closure() follows imports: lag is pure, but a page reaches confluent_kafka.
    assert "confluent_kafka" in third_party_roots(closure("dashboard.handles"))
    assert "kafka_io.errors" in closure("kafka_io.groups.lag")


@pytest.mark.parametrize("name", MUST_BE_PURE)
def test_the_math_modules_exist_and_are_marked_pure(name):
    assert name in MODULES, f"{name} is listed as pure but does not exist"
    assert name in PURE, f"{name} lost its PURE: docstring marker"


# --- dependencies point one way --------------------------------------------------


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_never_import_confluent(path):
    assert "confluent_kafka" not in {n.split(".")[0] for n in imported_names(path)}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("kafka_io")))
def test_kafka_io_never_reaches_streamlit_or_the_ui(name):
    loaded = closure(name)
    assert "streamlit" not in third_party_roots(loaded)
    assert not {n for n in loaded if n.split(".")[0] in ("dashboard", "pages")}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("dashboard")))
def test_dashboard_never_imports_pages(name):
    assert not {n for n in imported_names(MODULES[name]) if n.split(".")[0] == "pages"}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("kafka_io")))
def test_kafka_io_packages_import_downwards_only(name):
    rank = LAYERS.index(layer(name))
    upward = sorted(
        imported
        for imported in imported_names(MODULES[name])
        if imported in MODULES and imported.startswith("kafka_io") and LAYERS.index(layer(imported)) > rank
    )
    assert not upward, f"{name} ({layer(name)}) imports a higher layer: {upward}"


# --- pure modules ------------------------------------------------------------------


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_reach_no_io_library(name):
    assert not third_party_roots(closure(name)) & IO_LIBRARIES


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_import_only_pure_modules(name):
    ours = {n for n in imported_names(MODULES[name]) if n in MODULES and n not in PACKAGES}
    packages = {n for n in ours if MODULES[n].name == "__init__.py"}
    assert ours - packages <= set(PURE), sorted(ours - packages - set(PURE))


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_never_read_the_clock(name):
    assert clock_calls(MODULES[name]) == []


# --- size ----------------------------------------------------------------------------


def test_no_import_circles_but_the_known_ones():
    assert import_circles() == KNOWN_CIRCLES


def test_kafka_io_top_level_stays_small():
    top = sorted(p.name for p in (ROOT / "kafka_io").glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top


@pytest.mark.parametrize("name", sorted(MODULES), ids=str)
def test_no_module_is_over_the_line_limit(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def test_the_facade_names_the_handle_and_stays_cheap():
    code = (
        "import sys, kafka_io; cheap = 'confluent_kafka' not in sys.modules; "
        "from kafka_io import Cluster, ClusterSettings, load_settings, KafkaIOError; "
        "print(cheap, Cluster.__module__, ClusterSettings.__module__)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout.split() == ["True", "kafka_io.cluster", "kafka_io.config"], result.stderr
