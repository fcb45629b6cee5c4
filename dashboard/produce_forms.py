"""The Produce page's shared form parts and its template-burst tab (Streamlit glue, no Kafka calls).

The page (pages/produce.py) lays out the tabs; the template burst, with its saved
templates, lives here so the page stays readable. Flash messages carry a
callback's outcome to the next run: callbacks run before the page and cannot draw.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from dashboard import auth, resources
from dashboard.burst_panel import burst_panel, start_panel
from dashboard.schemas import template_from_example
from dashboard.widgets import plain, show_errors
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError
from kafka_io.produce.burst.source import plan_template_burst, template_preview
from kafka_io.produce.burst.start import start_burst
from kafka_io.produce.inputs import headers_from_rows
from kafka_io.produce.templates import PLACEHOLDER_KINDS
from kafka_io.produce.user_templates import BUILT_IN, all_templates, delete_template, save_template, templates_path

__all__ = ["NO_HEADERS", "flash", "header_rows", "show_flash", "start_burst_here", "template_burst"]

NO_HEADERS = pd.DataFrame({"key": pd.Series([], dtype="string"), "value": pd.Series([], dtype="string")})


def header_rows(edited: pd.DataFrame):
    cells = edited[["key", "value"]].astype(object)
    return headers_from_rows(cells.where(cells.notna(), None).itertuples(index=False))  # blank cells are None


def flash(kind: str, text: str) -> None:
    """A message for the next run: callbacks run before the page and cannot draw."""
    st.session_state["produce_flash"] = (kind, text)


def show_flash() -> None:
    kind, text = st.session_state.pop("produce_flash", (None, None))
    if kind == "success":
        st.success(text, icon=":material/check:")
    elif kind == "error":
        st.error(text, icon=":material/error:")


def start_burst_here(settings: ClusterSettings, limits, source, origin: str) -> None:
    burst = start_burst(settings, limits, source, actor=auth.actor())
    # The session's burst slot stops it when the browser session ends; its progress shows under the button.
    resources.burst_slot().burst = burst
    start_panel(burst, origin)


def _on_template_pick() -> None:
    picked = st.session_state["tpl_name"]
    st.session_state["tpl_text"], st.session_state["tpl_key"] = picked.template, picked.key or ""


def _save(settings: ClusterSettings, topic: str) -> None:
    state = st.session_state
    try:
        saved = save_template(
            settings.bootstrap_servers, topic, state["tpl_save_as"], state["tpl_text"], state["tpl_key"]
        )
    except KafkaIOError as exc:
        return flash("error", plain(f"Saving: {exc}"))
    state["tpl_name"] = saved  # select it: its text is what the form holds
    flash("success", f"Template saved (in {templates_path()}).")


def _delete(settings: ClusterSettings, topic: str, name: str) -> None:
    try:
        delete_template(settings.bootstrap_servers, topic, name)
    except KafkaIOError as exc:
        return flash("error", plain(f"Deleting: {exc}"))
    for key in ("tpl_name", "tpl_text", "tpl_key"):
        st.session_state.pop(key, None)  # back to the first template
    flash("success", plain(f"Template {name!r} deleted."))


def template_burst(settings: ClusterSettings, limits, partition, busy: bool, encoder, example) -> None:
    show_flash()
    template_from_example(example)
    choices = all_templates(settings.bootstrap_servers, limits.topic)
    pick, remove = st.columns([5, 1], vertical_alignment="bottom")
    picked = pick.selectbox(
        "Start from",
        list(choices.values()),
        key="tpl_name",
        on_change=_on_template_pick,
        format_func=lambda t: f"{t.name} ({'built-in' if t.saved_at == BUILT_IN else 'saved'})",
    )
    if picked is not None and picked.saved_at != BUILT_IN:
        with remove.popover("Delete", icon=":material/delete:"):
            st.caption(plain(f"Delete the saved template {picked.name!r} for {limits.topic}?"))
            st.button(
                "Delete template",
                key="tpl_delete",
                type="primary",
                on_click=_delete,
                args=(settings, limits.topic, picked.name),
            )
    if "tpl_text" not in st.session_state:
        _on_template_pick()
    with st.form("burst_form"):
        text = st.text_area(
            "Template",
            key="tpl_text",
            height=140,
            help="Placeholders: "
            + ", ".join(f"{{{{{k}}}}}" for k in PLACEHOLDER_KINDS)
            + ". E.g. {{randint:1:100}}, {{choice:a|b}}, {{weighted:a=5|b=1}}.",
        )
        key = st.text_input("Key template", key="tpl_key", help="Empty for no key; may hold placeholders.")
        # Folded, as on the single event: the burst's progress must show under its button at 1,400 x 1,000.
        with st.expander("Headers (x-kdash-source: dashboard is always added)"):
            rows = st.data_editor(NO_HEADERS, key="burst_headers", num_rows="dynamic", hide_index=True, width="stretch")
        count_col, rate_col = st.columns(2)
        count = count_col.number_input("Count", value=100, step=100, key="burst_count", help="1 to 1,000,000 events")
        rate = rate_col.number_input("Rate (events/s)", value=None, key="burst_rate", placeholder="as fast as possible")
        problem = st.empty()  # a refused count, rate or template shows here, next to the inputs
        st.text_input("Save as", key="tpl_save_as", placeholder=f"a name, to keep this template for {limits.topic}")
        left, middle, right = st.columns(3)
        left.form_submit_button("Preview")
        middle.form_submit_button("Save template", on_click=_save, args=(settings, limits.topic))
        started = right.form_submit_button("Start burst", type="primary", disabled=busy)
    if started:
        with problem.container(), show_errors():
            headers = header_rows(rows)
            source = plan_template_burst(
                limits,
                text,
                count,
                key_text=key,
                headers=headers,
                partition=partition,
                rate_per_s=rate,
                encode=None if encoder is None else encoder.encode_text,
            )
            start_burst_here(settings, limits, source, "template")
    burst_panel("template")  # right under the button that started it
    with show_errors("Preview"):
        st.caption("Preview of the first 3 events")
        for rendered in template_preview(text, int(time.time() * 1000)):
            st.code(rendered, language="json", wrap_lines=True)
