"""Entry point: `streamlit run app.py` (or `make run`).

The shell (page config, cluster picker, connection badge, navigation, and the
single "Cannot reach Kafka" error) lives in kafka_io.shell so that pages can
draw it too on a fresh server's first deep link.
"""

from kafka_io import shell

shell.main()
