"""Who is using the app: role and demo flag.

Roles and what each may open or do are defined once, in
``analytics.access.PERMISSIONS``: ``admin`` (users and data), ``comandante`` and
``analista`` (everything but user management), ``publico`` (public mode:
aggregates only).

How it works: with no users configured in the store, the app runs in a
clearly labelled **demo mode** as ``admin``. With users, :func:`current_role`
shows the login form (``ui/login.py``) until the user signs in; the signed-in
user name is ``st.session_state[USER_KEY]`` and the role (read again from the
store on every run) ``st.session_state[ROLE_KEY]``.

A signed-in session ends (back to the login form, with a Spanish message):

* when the user's session generation in the store (raised by a password or
  role change, ``analytics.access``) differs from ``st.session_state[GEN_KEY]``
  kept at sign-in; a session without that stamp is signed out too;
* after ``settings.SESSION_IDLE_MINUTES`` without a run (``SEEN_KEY`` holds
  the time of the last one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

import streamlit as st

from analytics import access, settings

#: The roles and the staff roles, from the one permission table (``analytics.access``).
ROLES: Final = access.ROLES
STAFF: Final = access.STAFF_ROLES

ROLE_KEY: Final = "auth_role"
USER_KEY: Final = "auth_user"
GEN_KEY: Final = "auth_gen"
SEEN_KEY: Final = "auth_seen"


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
        with cache.system_connection() as con:
            return bool(fn(con))
    except Exception:  # noqa: BLE001 - fail closed: an unreadable store may hold users
        return True


def current_role() -> Session:
    """Role of this session.

    * No users configured: demo mode as ``admin`` (a stale login is forgotten).
    * Users configured and signed in: the user's role, read again from the store
      on every run (a role change or a removal by the admin applies at once);
      signed out when the session went idle or its generation changed (see
      the module notes).
    * Users configured and not signed in: draws the login form
      (:func:`ui.login.login_form`) and stops the run.
    """
    ss = st.session_state
    if not _users_configured():
        for key in (USER_KEY, ROLE_KEY, GEN_KEY, SEEN_KEY):
            ss.pop(key, None)
        return Session("admin", None, True)
    from ui import login

    user = ss.get(USER_KEY)
    role = None
    if user:
        now = time.time()
        seen = float(ss.get(SEEN_KEY, now))
        if now - seen > settings.SESSION_IDLE_MINUTES * 60:
            login.end_session("login.idle", "inactividad")
            user = None
        else:
            ss[SEEN_KEY] = now
    if user:
        try:
            found = login.user_session(str(user))
        except Exception:  # noqa: BLE001 - store unavailable: keep the role of the sign-in
            found = (ss.get(ROLE_KEY), ss.get(GEN_KEY))
        if found is not None and found[1] != ss.get(GEN_KEY):
            login.end_session("login.session_changed", "contraseña o rol cambiado")
            user = None
        else:
            role = found[0] if found else None
    if user and role in ROLES:
        ss[ROLE_KEY] = role
        return Session(str(role), str(user), False)
    ss.pop(USER_KEY, None)
    ss.pop(ROLE_KEY, None)
    login.login_form()
    raise AssertionError("unreachable: login_form() stops the run")
