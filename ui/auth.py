"""Who is using the app: role and demo flag.

Roles (issue 7): ``admin`` (users and data), ``comandante`` and ``analista``
(everything but user management), ``publico`` (public mode: aggregates only).

How it works: with no users configured in the store, the app runs in a
clearly labelled **demo mode** as ``admin``. With users, :func:`current_role`
shows the login form (``ui/login.py``) until the user signs in; the signed-in
user name is ``st.session_state[USER_KEY]`` and the role (read again from the
store on every run) ``st.session_state[ROLE_KEY]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import streamlit as st

ROLES: Final = ("admin", "comandante", "analista", "publico")
STAFF: Final = frozenset({"admin", "comandante", "analista"})
ALL_ROLES: Final = frozenset(ROLES)

ROLE_KEY: Final = "auth_role"
USER_KEY: Final = "auth_user"


@dataclass(frozen=True)
class Session:
    """The current session's role, user name (``None`` in demo mode) and demo flag."""

    role: str
    user: str | None
    demo: bool

    @property
    def public(self) -> bool:
        """True in public mode: aggregates only, coarse cells, small counts suppressed."""
        return self.role == "publico"


def _users_configured() -> bool:
    """Whether the store has users (asks ``analytics.access`` when it exists)."""
    try:
        from analytics import access  # type: ignore[attr-defined]
    except ImportError:
        return False
    fn = getattr(access, "users_configured", None) or getattr(access, "has_users", None)
    if fn is None:
        return False
    from ui import cache

    if not cache.store_exists():
        return False  # no store yet means no users
    try:
        with cache.read_connection() as con:
            return bool(fn(con))
    except Exception:  # noqa: BLE001 - fail closed: an unreadable store may hold users
        return True


def current_role() -> Session:
    """Role of this session.

    * No users configured: demo mode as ``admin`` (a stale login is forgotten).
    * Users configured and signed in: the user's role, read again from the store
      on every run (a role change or a removal by the admin applies at once).
    * Users configured and not signed in: draws the login form
      (:func:`ui.login.login_form`) and stops the run.
    """
    ss = st.session_state
    if not _users_configured():
        ss.pop(USER_KEY, None)
        ss.pop(ROLE_KEY, None)
        return Session("admin", None, True)
    from ui import login

    user = ss.get(USER_KEY)
    role = None
    if user:
        try:
            role = login.user_role(str(user))
        except Exception:  # noqa: BLE001 - store unavailable: keep the role of the sign-in
            role = ss.get(ROLE_KEY)
    if user and role in ROLES:
        ss[ROLE_KEY] = role
        return Session(str(role), str(user), False)
    ss.pop(USER_KEY, None)
    ss.pop(ROLE_KEY, None)
    login.login_form()
    raise AssertionError("unreachable: login_form() stops the run")
