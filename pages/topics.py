"""Topics page (placeholder until its issue lands)."""

import streamlit as st

from kafka_io.shell import page_settings

settings = page_settings()

st.title("Topics")
st.info("Coming soon.", icon=":material/construction:")
