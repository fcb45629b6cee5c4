"""Pages of a long table: only the rows a reader sees go to the browser (issue #25:
10,000 consumer groups, of which a screen shows 50), with Previous/Next buttons
reachable by keyboard and the position in words."""

from __future__ import annotations

import streamlit as st

__all__ = ["ROWS_PER_PAGE", "page_bounds", "page_of"]

ROWS_PER_PAGE = 100


def page_bounds(total: int, page: int, rows_per_page: int = ROWS_PER_PAGE) -> tuple[int, int, int]:
    """(start, stop, page) of 0-based page `page` of `total` rows, the page clamped to those that exist."""
    pages = max(1, -(-total // rows_per_page))
    page = min(max(page, 0), pages - 1)
    start = page * rows_per_page
    return start, min(start + rows_per_page, total), page


def page_of(key: str, total: int, context: object, noun: str) -> tuple[int, int]:
    """The (start, stop) rows to draw now. Back to the first page when `context` (the
    filters and sort) changes. Draws nothing when everything fits on one page."""
    state = st.session_state.setdefault(key, {"page": 0, "context": context})
    if state["context"] != context:
        state.update(page=0, context=context)
    start, stop, state["page"] = page_bounds(total, state["page"])
    if total > ROWS_PER_PAGE:
        previous, where, following = st.columns([1, 4, 1], vertical_alignment="center")
        previous.button(
            "Previous",
            icon=":material/chevron_left:",
            key=f"{key}_previous",
            disabled=start == 0,
            on_click=_turn,
            args=(key, -1),
            width="stretch",
        )
        where.caption(f"{noun} {start + 1:,}–{stop:,} of {total:,}")
        following.button(
            "Next",
            icon=":material/chevron_right:",
            key=f"{key}_next",
            disabled=stop >= total,
            on_click=_turn,
            args=(key, 1),
            width="stretch",
        )
    return start, stop


def _turn(key: str, step: int) -> None:
    st.session_state[key]["page"] += step
