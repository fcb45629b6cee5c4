"""Rows of one page of a long table (dashboard.paging.page_bounds), numbered cases."""

from __future__ import annotations

import pytest
from support.table_cases import ids

from dashboard.paging import page_bounds

CASES = [
    # total, page, rows_per_page, (start, stop, page)
    (0, 0, 100, (0, 0, 0)),  # 01 nothing: one empty page
    (50, 0, 100, (0, 50, 0)),  # 02 fits on one page
    (10_000, 0, 100, (0, 100, 0)),  # 03 the first of 100 pages
    (10_000, 99, 100, (9_900, 10_000, 99)),  # 04 the last
    (10_000, 100, 100, (9_900, 10_000, 99)),  # 05 past the end: the last page
    (120, 5, 100, (100, 120, 1)),  # 06 filters left fewer rows than the page shown: its last page
    (120, -1, 100, (0, 100, 0)),  # 07 before the first: the first
    (200, 1, 100, (100, 200, 1)),  # 08 an exact multiple
]


@pytest.mark.parametrize(("total", "page", "rows_per_page", "expected"), CASES, ids=ids(CASES))
def test_page_bounds(total, page, rows_per_page, expected):
    assert page_bounds(total, page, rows_per_page) == expected
