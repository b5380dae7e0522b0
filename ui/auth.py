"""Who is using the app: role and demo flag.

Roles (issue 7): ``admin`` (users and data), ``comandante`` and ``analista``
(everything but user management), ``publico`` (public mode: aggregates only).

How it works now: a login page (``analytics/access.py`` + a page, written
separately) stores the authenticated user in ``st.session_state[USER_KEY]``
and the role in ``st.session_state[ROLE_KEY]``. While no login has happened
and no users are configured in the store, the app runs in a clearly labelled
**demo mode** as ``admin``. When users exist but nobody logged in, the session
is ``publico`` until login.
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
    try:
        from ui import cache

        with cache.read_connection() as con:
            return bool(fn(con))
    except Exception:  # noqa: BLE001 - no store yet means no users
        return False


def current_role() -> Session:
    """Role of this session; demo admin when no users are configured."""
    role = st.session_state.get(ROLE_KEY)
    if role in ROLES:
        return Session(str(role), st.session_state.get(USER_KEY), False)
    if _users_configured():
        return Session("publico", None, False)
    return Session("admin", None, True)
