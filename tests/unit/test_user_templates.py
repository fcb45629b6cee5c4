"""Saved templates: per cluster and topic, atomic writes, never clobbering a foreign file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kafka_io.errors import InvalidInput
from kafka_io.produce import user_templates
from kafka_io.produce.templates import BUILTIN_TEMPLATES
from kafka_io.produce.user_templates import (
    SavedTemplate,
    all_templates,
    delete_template,
    load_templates,
    save_template,
    templates_path,
)


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "nested" / "templates.json"


def test_location_defaults_to_home_and_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("KDASH_TEMPLATES_PATH", raising=False)
    assert templates_path() == Path("~/.kdash/templates.json").expanduser()
    monkeypatch.setenv("KDASH_TEMPLATES_PATH", str(tmp_path / "t.json"))
    assert templates_path() == tmp_path / "t.json"


def test_saved_templates_are_per_cluster_and_topic(path):
    assert load_templates("c1:9092", "orders", path) == {}
    saved = save_template("c1:9092", "orders", " big order ", '{"amount": {{randint:1000:9999}}}', "vip", path)
    save_template("c1:9092", "payments", "other", "{{seq}}", path=path)
    save_template("c2:9092", "orders", "elsewhere", "{{seq}}", path=path)
    assert saved.name == "big order" and saved.saved_at.endswith("Z")
    assert load_templates("c1:9092", "orders", path) == {"big order": saved}
    assert list(load_templates("c2:9092", "orders", path)) == ["elsewhere"]
    assert load_templates("c1:9092", "nothing", path) == {}


def test_saving_again_replaces_and_delete_removes(path):
    save_template("c", "t", "a", "{{seq}}", path=path)
    save_template("c", "t", "a", "{{uuid}}", path=path)
    assert load_templates("c", "t", path)["a"].template == "{{uuid}}"
    assert delete_template("c", "t", "a", path) is True
    assert delete_template("c", "t", "a", path) is False
    assert load_templates("c", "t", path) == {}


def test_the_file_is_written_atomically_and_readable_json(path, monkeypatch):
    save_template("c", "t", "a", "{{seq}}", path=path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(user_templates.os, "replace", crash)
    with pytest.raises(OSError):
        save_template("c", "t", "b", "{{seq}}", path=path)
    assert path.read_bytes() == before  # the old file survives a failed write
    assert [p.name for p in path.parent.iterdir()] == ["templates.json"]  # no temp file left behind
    assert json.loads(before)["clusters"]["c"]["t"]["a"]["template"] == "{{seq}}"


SAVE_BAD = [
    (("", "{{seq}}"), "template name is empty"),  # 1.
    (("x" * 81, "{{seq}}"), "template name is 81 characters; the limit is 80"),  # 2.
    (("bad", '{"a": {{nope}}}'), "template 'bad' not saved: unknown placeholder {{nope}} at line 1 column 7"),  # 3.
    (("login", "{{seq}}"), "'login' is a built-in template; choose another name"),  # 4.
]


@pytest.mark.parametrize("args, message", SAVE_BAD, ids=["01", "02", "03", "04"])
def test_bad_templates_are_not_saved(path, args, message):
    with pytest.raises(InvalidInput) as caught:
        save_template("c", "t", *args, path=path)
    assert str(caught.value) == message
    assert not path.exists()


def test_a_foreign_file_is_never_overwritten(path):
    path.parent.mkdir(parents=True)
    path.write_text("{broken")
    with pytest.raises(InvalidInput, match=r"is not valid JSON .*; fix or move it$"):
        save_template("c", "t", "a", "{{seq}}", path=path)
    with pytest.raises(InvalidInput, match="is not valid JSON"):
        load_templates("c", "t", path)
    assert path.read_text() == "{broken"
    path.write_text('{"clusters": {"c": []}}')
    assert load_templates("c", "t", path) == {}
    with pytest.raises(InvalidInput, match="saved templates for cluster 'c' are not a table"):
        save_template("c", "t", "a", "{{seq}}", path=path)


def test_unreadable_entries_are_skipped(path):
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"clusters": {"c": {"t": {"ok": {"template": "x", "key": 5}, "bad": 3}}}}))
    assert load_templates("c", "t", path) == {"ok": SavedTemplate("ok", "x", None, "")}


def test_all_templates_lists_built_ins_then_saved(path):
    save_template("c", "t", "mine", "{{seq}}", "k{{seq}}", path=path)
    found = all_templates("c", "t", path)
    assert list(found)[:6] == list(BUILTIN_TEMPLATES) and list(found)[-1] == "mine"
    assert found["login"].saved_at == "built-in" and found["mine"].key == "k{{seq}}"
