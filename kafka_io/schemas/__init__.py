"""Schema Registry: Confluent wire-format decoding, encoding and browsing (no Streamlit)."""
