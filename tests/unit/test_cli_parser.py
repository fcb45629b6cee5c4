"""The CLI builds only the parser of the subcommand that runs (numbered cases)."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from kafka_io.cli import build_parser, command_module

CASES = [
    (["lag", "--gap", "0"], "lag"),  # 01 the command
    (["-v", "tail", "--topic", "t"], "tail"),  # 02 after the global option
    (["reset-offsets", "--group", "g"], "reset_offsets"),  # 03 a dashed name maps to its module
    (["--help"], None),  # 04 help: every command
    (["lgg"], None),  # 05 a typo: the full parser names the choices
    ([], None),  # 06 nothing
]


@pytest.mark.parametrize(("argv", "module"), CASES, ids=ids(CASES))
def test_command_module(argv, module):
    assert command_module(argv) == module


def test_a_one_command_parser_parses_like_the_full_one():
    argv = ["lag", "--group", "billing", "--gap", "0", "--format", "json"]
    one, full = build_parser("lag").parse_args(argv), build_parser().parse_args(argv)
    assert {k: v for k, v in vars(one).items() if k != "func"} == {k: v for k, v in vars(full).items() if k != "func"}
