"""Helpers for numbered, table-driven tests."""

from __future__ import annotations

import pytest

from kafka_io.errors import InvalidInput


def ids(cases) -> list[str]:
    """01, 02, ...: test ids that match the numbered comments of a case table."""
    return [f"{i:02d}" for i in range(1, len(cases) + 1)]


def message_of(fn, *args, **kwargs) -> str:
    """The InvalidInput message ``fn`` raises (the test fails if it raises nothing)."""
    with pytest.raises(InvalidInput) as caught:
        fn(*args, **kwargs)
    return str(caught.value)
