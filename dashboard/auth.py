"""Login and roles in the UI: who the session's user is, and why a control is off.

kafka_io's write guard enforces the same rules with the same words; this module
only asks it (``why_not``) so that buttons are disabled with the reason.
Without [auth] in secrets.toml there is no login: the user is anonymous, with
full rights on a loopback-only server and read-only on any other address.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from kafka_io.access.actor import Actor, anonymous_read_only_reason
from kafka_io.access.guard import refusal
from kafka_io.access.roles import Role
from kafka_io.config import ClusterSettings
from kafka_io.settings import server_settings

__all__ = [
    "actor",
    "can_read_audit",
    "exposure",
    "login_configured",
    "login_screen",
    "role",
    "signed_in",
    "user_box",
    "why_not",
    "with_exposure",
]


def login_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _logged_in() -> bool:
    return bool(st.user.is_logged_in)


def signed_in() -> bool:
    """Pages may run: there is no login to ask for, or the user logged in."""
    return not login_configured() or _logged_in()


def login_screen() -> None:
    """All a visitor sees before login: nothing about any cluster."""
    st.title("Kafka event flow")
    st.write("Log in to see this dashboard's clusters.")
    st.button("Log in", type="primary", icon=":material/login:", on_click=st.login)


def actor() -> Actor:
    if login_configured() and _logged_in():
        return Actor.login(str(st.user.get("email") or st.user.get("sub") or "unknown"))
    return Actor.anonymous()


def role(settings: ClusterSettings) -> Role | None:
    return actor().role(settings.access)


def why_not(settings: ClusterSettings, action: str) -> str | None:
    """The words kafka_io would refuse ``action`` with, or None when allowed."""
    refused = refusal(settings, actor(), action)
    return None if refused is None else str(refused)


def exposure() -> str | None:
    """Why this server runs read-only for want of a login, or None."""
    allowed = server_settings().allow_anonymous_writes
    return anonymous_read_only_reason(st.get_option("server.address"), login_configured(), allowed)


def with_exposure(clusters: dict[str, ClusterSettings]) -> dict[str, ClusterSettings]:
    """An exposed server without login makes every cluster read-only, inside kafka_io too."""
    if exposure() is None:
        return clusters
    return {name: replace(s, read_only=True) for name, s in clusters.items()}


def can_read_audit(clusters: dict[str, ClusterSettings]) -> bool:
    """Admins (of any cluster) read the audit log; without login, only on a loopback server."""
    if not login_configured():
        return exposure() is None
    who = actor()
    return any(who.role(s.access) == Role.ADMIN for s in clusters.values())


def user_box(settings: ClusterSettings) -> None:
    """The sidebar's "signed in as" line with the role on this cluster, and Log out."""
    if not login_configured():
        if settings.access is not None:  # lists without a login to match them against
            st.sidebar.caption("[access] is ignored: there is no login without [auth] in secrets.toml.")
        return
    who = actor()
    granted = who.role(settings.access)
    with st.sidebar.container(border=True):
        st.text(f"Signed in as {who.who}")  # text: an email is data, never markup
        st.caption(f"role on {settings.name}: {granted.label if granted else 'none'}")
        st.button("Log out", icon=":material/logout:", on_click=st.logout, key="kdash_logout")
