"""Guards the house rules: pages never import confluent_kafka; only the
streamlit-facing kafka_io modules import streamlit; pure modules import neither."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STREAMLIT_MODULES = {"resources.py", "shell.py", "widgets.py"}
PURE_MODULES = {
    "lag.py", "lag_status.py", "history.py", "rates.py", "templates.py", "validation.py", "errors.py",
    "eventfiles.py", "preview.py", "jsonexact.py", "demo_plan.py", "topic_rates.py", "latest.py", "rate_buckets.py",
    "group_models.py", "group_health.py", "offset_rules.py", "tail_model.py", "tail_output.py",
    "produce_input.py", "burst_source.py", "burst_report.py", "burst_ledger.py", "user_templates.py",
    "request_counts.py",
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"], ids=lambda p: p.name)
def test_pages_never_import_confluent(path):
    assert "confluent_kafka" not in imported_roots(path)


@pytest.mark.parametrize("path", sorted((ROOT / "kafka_io").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_streamlit_layer_imports_streamlit(path):
    if path.name in STREAMLIT_MODULES and path.parent.name == "kafka_io":
        return
    assert "streamlit" not in imported_roots(path)


@pytest.mark.parametrize("name", sorted(n for n in PURE_MODULES if (ROOT / "kafka_io" / n).exists()))
def test_pure_modules_import_no_io_library(name):
    path = ROOT / "kafka_io" / name
    assert not imported_roots(path) & {"streamlit", "confluent_kafka", "pandas", "socket", "subprocess"}
