"""The app shell: page config, cluster picker, connection badge, navigation.

app.py calls main(). Every page starts with page_settings(), which returns the
chosen cluster's settings. On a freshly started server Streamlit runs the first
request in its legacy pages/ mode: a deep link such as /consumer_groups runs
pages/consumer_groups.py directly, without app.py. page_settings() notices that
and runs the whole app (shell, then the page through st.navigation) itself, so
deep links behave the same on the first request, widget ids included.
"""

from __future__ import annotations

import logging
import threading
import time

import streamlit as st

from dashboard import auth, resources
from dashboard.widgets import plain
from kafka_io.config import ClusterSettings
from kafka_io.demo.control import demo_data_dir, demo_status, pause_demo
from kafka_io.demo.exits import demo_exit, restart_demo
from kafka_io.errors import KafkaIOError
from kafka_io.local.notices import read_broker_notice
from kafka_io.settings import file_settings, server_settings

__all__ = ["PAGES", "main", "page_settings"]

log = logging.getLogger("kafka_io")


# (file, title, url path, icon). File names match URL paths so that the legacy
# mode of a fresh server finds the same page a deep link asks for.
PAGES = (
    ("pages/overview.py", "Overview", "", ":material/dashboard:"),
    ("pages/topics.py", "Topics", "topics", ":material/topic:"),
    ("pages/brokers.py", "Brokers", "brokers", ":material/dns:"),
    ("pages/consumer_groups.py", "Consumer groups", "consumer_groups", ":material/group:"),
    ("pages/messages.py", "Messages", "messages", ":material/mail:"),
    ("pages/produce.py", "Produce", "produce", ":material/send:"),
    ("pages/live_events.py", "Live events", "live_events", ":material/monitoring:"),
    ("pages/schemas.py", "Schemas", "schemas", ":material/schema:"),
    ("pages/acls.py", "ACLs", "acls", ":material/shield:"),
)
AUDIT_PAGE = ("pages/audit.py", "Audit", "audit", ":material/policy:")  # admins only
RECONNECT_EVERY_S = 3
DEMO_POLL_S = 2  # the sidebar re-reads the demo's status file this often
DEMO_START_WAIT_S = 30  # after Restart, "starting…" until the demo writes its status file
DEMO_RESTART_KEY = "kdash_demo_restart_at"
SETTINGS_KEY = "kdash_settings"
FAILED_AT_KEY = "kdash_unreachable_at"

# Set while app.py's run draws the shell, on the script thread of that run.
_run = threading.local()


# Streamlit's wide layout still pads the main column by 6rem on top and 5rem on
# each side: on a 1,400 px screen with the sidebar that left a third of it
# empty, and on a 1,024 x 768 laptop the incident table fell below the fold.
_USE_THE_SCREEN = """<style>
[data-testid="stMainBlockContainer"] { padding: 3rem 1.5rem 2rem; max-width: none; }
</style>"""


def _navigation(signed_in: bool):
    """Before login the pages are hidden; the Audit page is listed for those who may read it."""
    st.set_page_config(page_title="Kafka event flow", page_icon="🌊", layout="wide")
    st.html(_USE_THE_SCREEN)
    pages = list(PAGES)
    if signed_in and _audit_readable():
        pages.append(AUDIT_PAGE)
    return st.navigation(
        [
            st.Page(path, title=title, url_path=url_path or None, icon=icon, default=not url_path)
            for path, title, url_path, icon in pages
        ],
        position="sidebar" if signed_in else "hidden",
    )


def _audit_readable() -> bool:
    try:
        return auth.can_read_audit(auth.with_exposure(resources.configured_clusters()))
    except KafkaIOError:
        return False


def _pick_cluster() -> ClusterSettings | None:
    try:
        clusters = auth.with_exposure(resources.configured_clusters())
    except KafkaIOError as exc:
        st.error(plain(f"Bad configuration: {exc}"), icon=":material/settings:")
        return None
    names = list(clusters)
    name = st.sidebar.selectbox("Cluster", names, key="cluster") if len(names) > 1 else names[0]
    settings = clusters[name]
    auth.user_box(settings)
    if auth.role(settings) is None:
        st.error(
            plain(
                f"{auth.actor().who} has no access to cluster {name}: ask an admin to add you to "
                "[access] in .streamlit/secrets.toml."
            ),
            icon=":material/lock:",
        )
        return None
    exposed = auth.exposure()
    if exposed:
        st.warning(plain(f"Read-only: {exposed}."), icon=":material/public:")
    return settings


def _connection_badge(settings: ClusterSettings, cluster_id: str | None) -> None:
    with st.sidebar.container(border=True):
        st.markdown(f"**{settings.name}** · `{settings.bootstrap_servers}`")
        tags = ["embedded (dev only)" if settings.embedded else "external"]
        if settings.read_only:
            tags.append("read-only")
        st.caption(" · ".join(tags))
        st.caption(f"cluster id: {cluster_id or 'unknown'}")
        if file_settings().data_dir:  # under `make run`, whose serve writes the notice
            _broker_notice()
        _demo_control(settings)
        with st.expander("Connection settings"):
            # Secrets are masked by sanitize(); shown as plain text, never as markdown.
            st.code("\n".join(f"{key} = {value}" for key, value in settings.sanitize().items()), language=None)


@st.fragment(run_every=DEMO_POLL_S)
def _demo_control(settings: ClusterSettings) -> None:
    """A "demo" label and Pause/Resume while a demo writes to this cluster; "demo stopped: <reason>"
    and Restart when it stopped. A fragment, so a demo that dies shows here without a page rerun."""
    data_dir = demo_data_dir()
    status = demo_status(data_dir)
    if status is None or status.bootstrap != settings.bootstrap_servers:
        _demo_stopped(settings, data_dir)
        return
    st.session_state.pop(DEMO_RESTART_KEY, None)
    with st.container(horizontal=True, vertical_alignment="center"):
        if status.paused:
            st.badge("demo · paused", icon=":material/pause_circle:", color="orange")
            refused = auth.why_not(settings, "demo.resume")
            st.button(
                "Resume",
                key="kdash_demo_toggle",
                icon=":material/play_arrow:",
                on_click=_pause,
                args=(settings, data_dir, False),
                disabled=refused is not None,
                help=refused or "Resume the demo's producer",
            )
        else:
            st.badge("demo", icon=":material/science:", color="violet")
            refused = auth.why_not(settings, "demo.pause")
            st.button(
                "Pause",
                key="kdash_demo_toggle",
                icon=":material/pause:",
                on_click=_pause,
                args=(settings, data_dir, True),
                disabled=refused is not None,
                help=refused or "Stop the demo's producer; its consumers drain what is left",
            )
    st.page_link(
        "pages/live_events.py",
        label="Watch the demo's events",
        icon=":material/monitoring:",
        query_params={"topic": list(status.topics), "from": "latest"},
    )


def _demo_stopped(settings: ClusterSettings, data_dir) -> None:
    stopped = demo_exit(data_dir)
    restart_at_s, error = st.session_state.get(DEMO_RESTART_KEY, (0.0, ""))
    if error:
        st.error(plain(f"Restarting the demo: {error}"), icon=":material/error:")
    elif time.time() - restart_at_s < DEMO_START_WAIT_S and (stopped is None or stopped.stopped_at_s < restart_at_s):
        st.badge("demo · starting…", icon=":material/hourglass_top:", color="blue")
        return
    if stopped is None or stopped.bootstrap != settings.bootstrap_servers:
        return
    refused = auth.why_not(settings, "demo.start")
    with st.container(horizontal=True, vertical_alignment="center"):
        st.badge("demo stopped", icon=":material/error:", color="red")
        st.button(
            "Restart",
            key="kdash_demo_restart",
            icon=":material/restart_alt:",
            on_click=_restart,
            args=(settings, data_dir, stopped),
            disabled=refused is not None,
            help=refused,
        )
    st.text(f"demo stopped: {stopped.reason}")  # plain text: the reason may quote a broker's words


def _pause(settings: ClusterSettings, data_dir, paused: bool) -> None:
    try:
        pause_demo(settings, data_dir, paused, actor=auth.actor())
    except KafkaIOError as exc:  # a callback's error would escape the shell's guard
        st.toast(plain(exc), icon=":material/lock:")


def _restart(settings: ClusterSettings, data_dir, stopped) -> None:
    try:
        restart_demo(data_dir, stopped, settings, actor=auth.actor())
        st.session_state[DEMO_RESTART_KEY] = (time.time(), "")
    except (KafkaIOError, OSError) as exc:
        st.session_state[DEMO_RESTART_KEY] = (time.time(), str(exc))


@st.fragment(run_every=RECONNECT_EVERY_S)
def _broker_notice() -> None:
    """`make run`'s broker exited: say so in the sidebar (a fragment, so it shows without a rerun)."""
    notice = read_broker_notice(demo_data_dir())
    if notice:
        st.error(plain(notice), icon=":material/dns:")


@st.fragment(run_every=RECONNECT_EVERY_S)
def _wait_for_cluster(settings: ClusterSettings) -> None:
    """Retry quietly in the background so pages recover by themselves."""
    if time.monotonic() - st.session_state.get(FAILED_AT_KEY, 0.0) < RECONNECT_EVERY_S / 2:
        return  # the inline first run of this fragment: the page just probed
    try:
        resources.cluster_info(settings)
    except KafkaIOError:
        return
    st.rerun()


def _unreachable(settings: ClusterSettings, exc: KafkaIOError) -> None:
    st.session_state[FAILED_AT_KEY] = time.monotonic()
    st.error(plain(exc), icon=":material/cloud_off:")
    st.caption(f"Retrying every {RECONNECT_EVERY_S} s. Checked with a {settings.timeout_s:g} s timeout.")
    if st.button("Retry", type="primary"):
        resources.forget_clients(settings)
        st.rerun()
    _wait_for_cluster(settings)


def _shell() -> ClusterSettings | None:
    """Draw the sidebar and check the cluster; None when the page must not run."""
    settings = _pick_cluster()
    if settings is None:
        return None
    st.session_state[SETTINGS_KEY] = settings
    try:
        info = resources.cluster_info(settings)
    except KafkaIOError as exc:
        _connection_badge(settings, None)
        _unreachable(settings, exc)
        return None
    _connection_badge(settings, info.cluster_id)
    return settings


def main() -> None:
    signed_in = auth.signed_in()
    nav = _navigation(signed_in)
    _run.active = True
    try:
        _debug_log()
        if not signed_in:
            auth.login_screen()
            return
        if _shell() is None:
            return
        nav.run()
    except KafkaIOError as exc:
        st.error(plain(exc), icon=":material/error:")
    except Exception as exc:  # a bug: log it, show one line, never a traceback
        log.exception("page %s failed", nav.title)
        st.error(plain(f"Unexpected {type(exc).__name__}: {exc}"), icon=":material/bug_report:")
    finally:
        _run.active = False


def _debug_log() -> None:
    """KDASH_DEBUG=1: the app's debug log (kafka_io and librdkafka lines) on the server's stderr."""
    if log.handlers or not server_settings().debug:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)


def page_settings() -> ClusterSettings:
    """The chosen cluster; on a legacy first request, runs the app and stops."""
    if getattr(_run, "active", False):
        return st.session_state[SETTINGS_KEY]
    # Draw the whole app here, exactly as app.py does: the page file runs again,
    # nested, through st.navigation. Drawing the page in this legacy run instead
    # would give its widgets other ids than in every later run, and the first
    # form submitted or widget changed would be dropped (seen in Chromium).
    # st.rerun() would also do, but AppTest then drops the next interaction.
    main()
    st.stop()
