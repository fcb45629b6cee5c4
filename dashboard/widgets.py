"""UI pieces shared by pages (a module in pages/ would itself become a page).

Part of dashboard/, the Streamlit glue: kafka_io never imports streamlit.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterator

import streamlit as st

from kafka_io.errors import KafkaIOError

__all__ = ["auto_refresh", "plain", "show_errors", "refreshed_caption"]

log = logging.getLogger("kafka_io")

# Markdown that could style, link or hide text: code, emphasis, links and
# images, HTML, entities, strikethrough, tables, Streamlit's LaTeX. An
# underscore between two letters or digits stays as is (CommonMark never reads
# it as emphasis), so names like bootstrap_servers stay readable in the source.
_INLINE = re.compile(r"[\\`*\[<&~|$]|(?<![^\W_])_|_(?![^\W_])")
# What starts a heading, list, quote or setext underline at the start of a line.
_LINE_START = re.compile(r"^(\s*\d*)([-+=>#.)])", re.MULTILINE)


def plain(text: object) -> str:
    """``text`` escaped for the elements that render markdown (st.error, st.info,
    st.caption, st.subheader, widget labels, spinners), so it shows exactly as
    given: a group id, topic name or broker message is data, never markup.
    (Streamlit's ``:icon:`` shortcodes are not markdown and are not escaped.)"""
    escaped = _INLINE.sub(lambda m: "\\" + m.group(0), str(text))
    return _LINE_START.sub(r"\1\\\2", escaped)


@contextlib.contextmanager
def show_errors(what: str = "") -> Iterator[None]:
    """Show a KafkaIOError (or a bug) as one plain-words error box, never a traceback."""
    try:
        yield
    except KafkaIOError as exc:
        st.error(plain(f"{what}: {exc}" if what else exc), icon=":material/error:")
    except Exception as exc:
        log.exception("unexpected error in %s", what or "page")
        st.error(
            plain(f"Unexpected {type(exc).__name__}{' in ' + what if what else ''}: {exc}"),
            icon=":material/bug_report:",
        )


def refreshed_caption(sampled_at_s: float, took_ms: float) -> None:
    stamp = time.strftime("%H:%M:%S", time.localtime(sampled_at_s))
    st.caption(f"Last refreshed at {stamp} (took {took_ms:.0f} ms)")


# --- Auto-refresh controls (issue 3: overview and topics pages) ---------------
DEFAULT_REFRESH_S = 10
MIN_REFRESH_S = 2


def auto_refresh(key: str, default_s: int = DEFAULT_REFRESH_S) -> int | None:
    """An on/off toggle and an interval; the run_every for st.fragment, or None when off."""
    left, right = st.columns([1, 1], vertical_alignment="bottom")
    on = left.toggle("Auto-refresh", value=True, key=f"{key}_auto_refresh")
    every_s = right.number_input(
        "Every (s)",
        min_value=MIN_REFRESH_S,
        max_value=3600,
        value=default_s,
        step=1,
        key=f"{key}_refresh_s",
        disabled=not on,
    )
    return int(every_s) if on else None
