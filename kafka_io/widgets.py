"""UI pieces shared by pages (a module in pages/ would itself become a page).

With resources.py and shell.py, the only kafka_io modules that import streamlit.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Iterator

import streamlit as st

from kafka_io.errors import KafkaIOError

__all__ = ["show_errors", "refreshed_caption"]

log = logging.getLogger("kafka_io")

@contextlib.contextmanager
def show_errors(what: str = "") -> Iterator[None]:
    """Show a KafkaIOError (or a bug) as one plain-words error box, never a traceback."""
    try:
        yield
    except KafkaIOError as exc:
        st.error(f"{what}: {exc}" if what else str(exc), icon=":material/error:")
    except Exception as exc:
        log.exception("unexpected error in %s", what or "page")
        st.error(f"Unexpected {type(exc).__name__}{' in ' + what if what else ''}: {exc}", icon=":material/bug_report:")


def refreshed_caption(sampled_at_s: float, took_ms: float) -> None:
    stamp = time.strftime("%H:%M:%S", time.localtime(sampled_at_s))
    st.caption(f"Last refreshed at {stamp} (took {took_ms:.0f} ms)")
