"""Who is asking for a write: a login (its email), the anonymous web user, or the
CLI's OS user. The guard turns an actor and a cluster's [access] into a role.
"""

from __future__ import annotations

import getpass
import ipaddress
from dataclasses import dataclass

from kafka_io.access.roles import AccessPolicy, Role
from kafka_io.settings.sections import ALLOW_ANONYMOUS_WRITES_ENV

__all__ = ["Actor", "anonymous_read_only_reason", "is_loopback"]

WEB, CLI = "web", "cli"


@dataclass(frozen=True)
class Actor:
    who: str
    via: str  # "web" or "cli", as the audit log writes it
    email: str | None = None  # set for a login: the identity [access] lists match

    @classmethod
    def local(cls) -> Actor:
        """The OS user running the CLI (or kafka_io as a library)."""
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return cls(who, CLI)

    @classmethod
    def login(cls, email: str) -> Actor:
        return cls(email, WEB, email)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls("anonymous", WEB)

    def role(self, policy: AccessPolicy | None) -> Role | None:
        """A login's role comes from [access] (a viewer when there is none); the CLI's
        OS user and the web user of a server without login have full rights, and
        read-only mode alone restrains them (an exposed server without login is read-only)."""
        if self.email is None:
            return Role.ADMIN
        return Role.VIEWER if policy is None else policy.role_of(self.email)


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` is reachable from this machine only
    (blank binds every interface)."""
    host = (address or "").strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def anonymous_read_only_reason(address: str | None, login_configured: bool, allow_anonymous_writes: bool) -> str | None:
    """Why a server without login must run read-only, or None when it may write
    (``allow_anonymous_writes``: KDASH_ALLOW_ANONYMOUS_WRITES, kafka_io.settings.ServerSettings)."""
    if login_configured or is_loopback(address) or allow_anonymous_writes:
        return None
    return (
        f"the dashboard listens on {address or 'every interface'} and no login is configured, so it is "
        f"read-only; configure [auth] in .streamlit/secrets.toml, or set {ALLOW_ANONYMOUS_WRITES_ENV}=1"
    )
