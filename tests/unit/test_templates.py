"""Table tests for kafka_io.produce.templates: placeholders, errors with positions, builtins."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import orjson
import pytest

from kafka_io.errors import InvalidInput
from kafka_io.produce.templates import (
    BUILTIN_TEMPLATES,
    MAX_PREVIEW,
    MAX_TEMPLATE_CHARS,
    Template,
    compile_template,
    preview,
)

NOW_MS = 1_700_000_000_123  # 2023-11-14T22:13:20.123Z


class FixedRandom(random.Random):
    """random() always returns one value: drives the edges of each draw."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


# --- rendering: exact results ----------------------------------------------------

# (template, seq, now_ms, random() value, expected)
RENDER_CASES = [
    ("plain text", 1, NOW_MS, 0.5, "plain text"),  # 1. no placeholders
    ("{{seq}}", 42, NOW_MS, 0.5, "42"),  # 2.
    ("{{ seq }}", 42, NOW_MS, 0.5, "42"),  # 3. spaces inside the braces
    ("{{now_ms}}", 1, NOW_MS, 0.5, "1700000000123"),  # 4.
    ("{{now_iso}}", 1, NOW_MS, 0.5, "2023-11-14T22:13:20.123Z"),  # 5.
    ("{{now_iso}}", 1, 0, 0.5, "1970-01-01T00:00:00.000Z"),  # 6.
    ("{{now_iso}}", 1, 86_400_999, 0.5, "1970-01-02T00:00:00.999Z"),  # 7.
    ("{{now_iso}}", 1, -1, 0.5, "1969-12-31T23:59:59.999Z"),  # 8. before the epoch
    ("{{randint:1:6}}", 1, 0, 0.0, "1"),  # 9. lowest draw
    ("{{randint:1:6}}", 1, 0, 0.9999999999999999, "6"),  # 10. highest draw
    ("{{randint:-5:-5}}", 1, 0, 0.7, "-5"),  # 11.
    ("{{choice:a|b|c}}", 1, 0, 0.0, "a"),  # 12.
    ("{{choice:a|b|c}}", 1, 0, 0.5, "b"),  # 13.
    ("{{choice:a|b|c}}", 1, 0, 0.9999999999999999, "c"),  # 14.
    ("{{weighted:a=5|b=1|c=0.5}}", 1, 0, 0.0, "a"),  # 15. draw 0.0 of total 6.5
    ("{{weighted:a=5|b=1|c=0.5}}", 1, 0, 5.5 / 6.5, "b"),  # 16.
    ("{{weighted:a=5|b=1|c=0.5}}", 1, 0, 6.2 / 6.5, "c"),  # 17.
    ("{{weighted:a=5|b=1|c=0.5}}", 1, 0, 1.0, "c"),  # 18. impossible 1.0 still safe
    ("{{weighted:a=0|b=1}}", 1, 0, 0.0, "b"),  # 19. zero weight never wins
    ("{{weighted:/=1}}", 1, 0, 0.3, "/"),  # 20. labels may be punctuation
    ("{{weighted:k=v=2}}", 1, 0, 0.3, "k=v"),  # 21. the last '=' starts the weight
    ('{"p": "100%", "s": {{seq}}}', 7, 0, 0.5, '{"p": "100%", "s": 7}'),  # 22. literal %
    ('{"a": {"b": {{seq}}}}', 3, 0, 0.5, '{"a": {"b": 3}}'),  # 23. closing braces stay
    ("{{seq}}{{seq}}", 9, 0, 0.5, "99"),  # 24. adjacent
]


@pytest.mark.parametrize(
    "text, seq, now_ms, draw, expected", RENDER_CASES, ids=[f"{i:02d}" for i in range(1, len(RENDER_CASES) + 1)]
)
def test_render(text, seq, now_ms, draw, expected):
    assert compile_template(text).render(seq, now_ms, FixedRandom(draw)) == expected


def test_uuid_is_a_version_4_uuid_from_the_rng():
    bits = random.Random(5).getrandbits(128)
    rendered = compile_template("{{uuid}}").render(1, 0, random.Random(5))
    assert rendered == str(uuid.UUID(int=bits, version=4))
    assert uuid.UUID(rendered).version == 4


def test_huge_randint_ranges_are_exact_integers():
    rng = random.Random(1)
    template = compile_template("{{randint:0:100000000000000000000}}")
    values = [int(template.render(1, 0, rng)) for _ in range(200)]
    assert all(0 <= v <= 10**20 for v in values) and len(set(values)) == 200


def test_placeholders_are_listed_in_order():
    template = compile_template('{"a": {{seq}}, "b": "{{ choice:x|y }}", "c": {{now_ms}}}')
    assert template.placeholders == ("seq", "choice:x|y", "now_ms")
    assert compile_template("none").placeholders == ()


def test_templates_compare_by_text():
    assert compile_template("{{seq}}") == compile_template("{{seq}}")
    assert isinstance(compile_template("x"), Template)


# --- draws: spread over many renders ---------------------------------------------


def test_draws_cover_their_range_with_the_right_weights():
    rng = random.Random(7)
    template = compile_template("{{randint:1:6}} {{choice:a|b|c}} {{weighted:x=3|y=1|z=0}}")
    rows = [line.split() for line in template.render_many(1, 20_000, 0, rng)]
    dice, picks, weighted = (Counter(column) for column in zip(*rows))
    assert set(dice) == {"1", "2", "3", "4", "5", "6"}
    assert set(picks) == {"a", "b", "c"}
    assert set(weighted) == {"x", "y"}  # z has weight 0
    assert 2.7 < weighted["x"] / weighted["y"] < 3.3


def test_render_many_is_repeatable_and_numbers_seqs():
    template = compile_template("{{seq}}:{{randint:1:6}}:{{choice:x|y}}")
    first = template.render_many(10, 3, 0, random.Random(0))
    assert first == template.render_many(10, 3, 0, random.Random(0)) == ["10:6:x", "11:5:y", "12:3:x"]
    assert template.render_many(1, 0, 0, random.Random(0)) == []
    assert compile_template("fixed").render_many(1, 2, 0, random.Random(0)) == ["fixed", "fixed"]


@pytest.mark.parametrize("n", [-1, 1_000_001, 2.0], ids=["01-negative", "02-too-many", "03-float"])
def test_render_many_rejects_bad_sizes(n):
    with pytest.raises(InvalidInput, match="batch size"):
        compile_template("{{seq}}").render_many(1, n, 0, random.Random(0))


# --- compile errors: named placeholder and position -----------------------------

ERROR_CASES = [
    ('{"event": {{foo}}}', "unknown placeholder {{foo}} at line 1 column 11"),  # 1.
    ('{"a": 1,\n  "b": {{randint:5:1}}}', "bad placeholder {{randint:5:1}} at line 2 column 8: low 5 is greater"),
    ("{{randint:1}}", "bad placeholder {{randint:1}} at line 1 column 1: expected two integers"),  # 3.
    ("{{randint:a:b}}", "expected two integers"),  # 4.
    ("{{randint}}", "expected two integers"),  # 5.
    ("{{choice:}}", "options must be non-empty"),  # 6.
    ("{{choice:a||b}}", "options must be non-empty"),  # 7.
    ("{{weighted:a=0|b=0}}", "at least one weight must be above 0"),  # 8.
    ("{{weighted:a=-1|b=1}}", "'a=-1' must be label=weight"),  # 9.
    ("{{weighted:a=x}}", "'a=x' must be label=weight"),  # 10.
    ("{{weighted:a}}", "'a' must be label=weight"),  # 11.
    ("{{weighted:=1}}", "'=1' must be label=weight"),  # 12.
    ("{{weighted:a=nan}}", "'a=nan' must be label=weight"),  # 13.
    ("{{seq:1}}", "bad placeholder {{seq:1}} at line 1 column 1: seq takes no arguments"),  # 14.
    ("{{uuid:}}", "uuid takes no arguments"),  # 15.
    ("x\ny\n  {{now}}", "unknown placeholder {{now}} at line 3 column 3"),  # 16.
    ("{{}}", "unknown placeholder {{}} at line 1 column 1"),  # 17.
    ("ok {{seq", "unclosed placeholder '{{' at line 1 column 4"),  # 18.
    ("{{seq}} and {{seq\n}}", "unclosed placeholder '{{' at line 1 column 13"),  # 19. no newlines inside
]


@pytest.mark.parametrize("text, message", ERROR_CASES, ids=[f"{i:02d}" for i in range(1, len(ERROR_CASES) + 1)])
def test_compile_errors_name_the_placeholder_and_position(text, message):
    with pytest.raises(InvalidInput) as caught:
        compile_template(text)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_brief_example_message():
    with pytest.raises(InvalidInput, match=r"^unknown placeholder \{\{foo\}\} at line 1 column 12$"):
        compile_template('{"x": "a", {{foo}}')


@pytest.mark.parametrize(
    "text, message",
    [(None, "must be text"), ("x" * (MAX_TEMPLATE_CHARS + 1), "the limit is 100000")],
    ids=["01-not-text", "02-too-long"],
)
def test_compile_rejects_bad_text(text, message):
    with pytest.raises(InvalidInput, match=message):
        compile_template(text)


# --- builtins and preview --------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILTIN_TEMPLATES), ids=sorted(BUILTIN_TEMPLATES))
def test_builtins_render_valid_json(name):
    template, rng = compile_template(BUILTIN_TEMPLATES[name]), random.Random(3)
    one_by_one = [template.render(seq, NOW_MS, rng) for seq in range(1, 101)]
    events = [orjson.loads(text) for text in one_by_one + template.render_many(101, 100, NOW_MS, rng)]
    assert [e["seq"] for e in events] == list(range(1, 201))
    assert all(1 <= e["user_id"] <= 100_000 and e["ts_ms"] == NOW_MS for e in events)
    types = {e["event_type"] for e in events}
    assert types == {name} if name != "mixed" else types <= set(BUILTIN_TEMPLATES) - {"mixed"}


def test_builtin_names():
    assert set(BUILTIN_TEMPLATES) == {"user_signup", "login", "purchase", "page_view", "payment_failed", "mixed"}


def test_mixed_is_mostly_page_views():
    template = compile_template(BUILTIN_TEMPLATES["mixed"])
    counts = Counter(orjson.loads(t)["event_type"] for t in template.render_many(1, 5000, NOW_MS, random.Random(1)))
    assert counts.most_common(1)[0][0] == "page_view" and len(counts) == 5


GOLDEN = '{"n": {{seq}}, "r": {{randint:1:6}}, "c": "{{choice:red|green|blue}}", "id": "{{uuid}}"}'


def test_preview_is_seeded_and_exact():
    assert preview(GOLDEN, now_ms=NOW_MS) == [
        '{"n": 1, "r": 6, "c": "blue", "id": "f728b4fa-4248-4e3a-8a5d-2f346baa9455"}',
        '{"n": 2, "r": 4, "c": "green", "id": "f7c1bd87-4da5-4709-9471-3d60c8a70639"}',
        '{"n": 3, "r": 3, "c": "green", "id": "23a7711a-8133-4876-b7eb-dcd9e87a1613"}',
    ]


def test_preview_accepts_a_compiled_template_and_differs_by_seed():
    compiled = compile_template("{{uuid}}")
    assert preview(compiled, 2, now_ms=0, seed=1) == preview("{{uuid}}", 2, now_ms=0, seed=1)
    assert preview(compiled, 2, now_ms=0, seed=1) != preview(compiled, 2, now_ms=0, seed=2)


@pytest.mark.parametrize("n", [0, MAX_PREVIEW + 1], ids=["01-zero", "02-too-many"])
def test_preview_count_is_bounded(n):
    with pytest.raises(InvalidInput, match="preview count"):
        preview("x", n, now_ms=0)


def test_many_uuids_are_distinct_version_4_uuids():
    rendered = compile_template("{{uuid}}").render_many(1, 2000, 0, random.Random(2))
    parsed = [uuid.UUID(text) for text in rendered]
    assert len(set(rendered)) == 2000 and [str(u) for u in parsed] == rendered
    assert {(u.version, u.variant) for u in parsed} == {(4, uuid.RFC_4122)}


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            '{"p": "100%", "t": {{now_ms}}, "s": {{seq}}}',
            ['{"p": "100%", "t": 1700000000123, "s": 7}', '{"p": "100%", "t": 1700000000123, "s": 8}'],
        ),
        ("{{now_iso}}%{{now_ms}}", ["2023-11-14T22:13:20.123Z%1700000000123"] * 2),
    ],
    ids=["01-mixed", "02-only-batch-constants"],
)
def test_render_many_writes_batch_constants_into_the_format(text, expected):
    assert compile_template(text).render_many(7, 2, NOW_MS, random.Random(0)) == expected
