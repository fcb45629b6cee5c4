"""Entry point: `streamlit run app.py` (or `make run`).

The shell (page config, cluster picker, connection badge, navigation, and the
single "Cannot reach Kafka" error) lives in dashboard.shell so that pages can
draw it too on a fresh server's first deep link.
"""

from dashboard import shell

shell.main()
