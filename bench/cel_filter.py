"""CEL filter speed: ours (filter_variables + CelFilter.matches) / the raw CEL program on a
hand-built dict, per event, over the same JSON events in one run. No broker.

    .venv/bin/python bench/cel_filter.py [--events 100000] [--runs 3] [--compare]

--compare also times the other CEL libraries on PyPI when installed in the venv
(common-expression-language 0.10.0, the Rust binding; cel-python 0.5.0, pure Python;
on a 10k sample), to show why requirements.txt pins cel-expr-python.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402

from kafka_io.messages.cel import ALL_NAMES, _env, compile_filter, filter_variables  # noqa: E402

FILTERS = {
    "typed": 'value.amount > 100 && type == "order_paid"',
    "header": 'headers["source"] == "web" && value.customer.country == "DE"',
    "kafbat": "record.value.name.first == 'user1' && record.keyAsText.startsWith('a')",
}
TYPES = ("order_paid", "order_created", "page_view", "refund")


def make_messages(count: int) -> list[SimpleNamespace]:
    rnd = random.Random(7)
    out = []
    for i in range(count):
        value = {
            "type": rnd.choice(TYPES),
            "amount": rnd.randint(0, 300),
            "currency": "EUR",
            "customer": {"id": i, "country": rnd.choice(("DE", "FR", "US"))},
            "items": [{"sku": f"sku-{i % 50}", "qty": 1 + i % 3}],
            "name": {"first": "user1" if i % 2 == 0 else "zz", "last": "x"},
        }
        out.append(
            SimpleNamespace(
                key=f"{'ab'[i % 2]}-{i}".encode(),
                value=orjson.dumps(value),
                headers=(("source", rnd.choice((b"web", b"app"))), ("trace", b"abc")),
                partition=i % 3,
                offset=i,
                timestamp_ms=1_700_000_000_000 + i,
                type=value["type"],
                decoded=None,
            )
        )
    return out


def raw_rate(expression: str, messages) -> tuple[float, int]:
    """The floor: parse, then the bare program on only the variables it needs."""
    program = _env().compile(expression, disable_check=True)
    start = time.perf_counter()
    matched = 0
    for m in messages:
        value = orjson.loads(m.value)
        variables = {"value": value, "type": m.type, "headers": {"source": m.headers[0][1].decode()}}
        variables["record"] = {"value": value, "keyAsText": m.key.decode()}
        matched += program.eval(data=variables).value() is True
    return len(messages) / (time.perf_counter() - start), matched


def ours_rate(expression: str, messages, every_name: bool = False) -> tuple[float, int]:
    cel_filter = compile_filter(expression)
    names = ALL_NAMES if every_name else cel_filter.names
    start = time.perf_counter()
    matched = 0
    for m in messages:
        matched += cel_filter.matches(filter_variables(m, orjson.loads(m.value), names))
    return len(messages) / (time.perf_counter() - start), matched


def other_libraries(expression: str, messages) -> None:
    sample = [filter_variables(m, orjson.loads(m.value)) for m in messages]
    try:
        import cel  # common-expression-language

        program = cel.compile(expression)
        used = program.variables()
        start = time.perf_counter()
        for v in sample:
            program.execute({k: v[k] for k in used if k in v})
        print(f"    common-expression-language: {len(sample) / (time.perf_counter() - start):>10,.0f} evals/s")
    except ImportError:
        print("    common-expression-language: not installed")
    try:
        import celpy  # cel-python

        env = celpy.Environment()
        program = env.program(env.compile(expression))
        small = sample[:10_000]
        start = time.perf_counter()
        for v in small:
            program.evaluate({k: celpy.json_to_cel(x) for k, x in v.items()})
        print(f"    cel-python:                 {len(small) / (time.perf_counter() - start):>10,.0f} evals/s")
    except ImportError:
        print("    cel-python: not installed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    messages = make_messages(args.events)
    compile_filter("true")  # the environment is built once per process
    for label, expression in FILTERS.items():
        start = time.perf_counter()
        compile_filter(expression)
        compile_ms = (time.perf_counter() - start) * 1000
        raws, ours, fulls = [], [], []
        for _ in range(args.runs):
            raws.append(raw_rate(expression, messages))
            ours.append(ours_rate(expression, messages))
            fulls.append(ours_rate(expression, messages, every_name=True))
        assert len({m for _, m in raws + ours + fulls}) == 1, (raws, ours, fulls)
        raw, mine, full = (statistics.median(r for r, _ in runs) for runs in (raws, ours, fulls))
        print(f"{label:7} {expression}")
        print(
            f"    compile {compile_ms:.2f} ms; matched {ours[0][1]:,} of {len(messages):,}; raw {raw:,.0f}/s, "
            f"ours {mine:,.0f}/s (ours/raw {mine / raw:.2f}), every variable built {full:,.0f}/s "
            f"({full / raw:.2f}); medians of {args.runs}"
        )
        if args.compare:
            other_libraries(expression, messages)


if __name__ == "__main__":
    main()
