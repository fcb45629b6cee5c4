"""Entry point: `streamlit run app.py` (or `make run`).

Streamlit imports this file to serve it: ``app`` is then an st.App with our HTTP
routes (/metrics) and a lifespan that starts the lag samplers with the server.
Each browser session runs it as the app's script (``__main__``): the shell (page
config, cluster picker, connection badge, navigation, the single "Cannot reach
Kafka" error) lives in dashboard.shell so that pages can draw it too on a fresh
server's first deep link.
"""

import streamlit as st

if __name__ == "__main__":
    from dashboard import shell

    shell.main()
else:
    from dashboard import server

    app = st.App("app.py", routes=server.routes(), lifespan=server.lifespan)
