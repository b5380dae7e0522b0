"""Login form, logout, the "sin permiso" message and audit writes from the app.

How a session gets its role (see :func:`ui.auth.current_role`):

* **No users** in the store: demo mode as ``admin`` (clearly labelled).
* **Users configured**: the login form below until the user signs in; then
  ``st.session_state[auth.USER_KEY]`` holds the user name and the role is read
  again from the store on every run (a role changed or a user removed by the
  admin takes effect at once).

Passwords are checked by :func:`analytics.access.verify_user` (bcrypt) and
never kept in session state. Logins, failed logins and logouts are written to
the audit table on a short-lived writable connection
(:func:`ui.cache.admin_connection`); a store locked by another process only
costs the audit line of a login, never the login itself. Exports are different:
:func:`audit` returns ``False`` and the page does not hand out the file.
"""

from __future__ import annotations

import logging
import time
from typing import Final

import streamlit as st

from analytics import access
from analytics._errors import AnalyticsError
from ui import auth, cache
from ui.i18n import LANG_KEY, role_label, t

log = logging.getLogger("vigia.ui")

K_USER: Final = "login_user"
K_PASSWORD: Final = "login_password"
K_SUBMIT: Final = "login_submit"
K_FAILS: Final = "_login_fails"
K_BLOCKED_UNTIL: Final = "_login_blocked_until"
K_LOGOUT: Final = "logout"

#: Failed attempts allowed in a session before a pause of :data:`BLOCK_SECONDS`.
MAX_FAILS: Final = 5
BLOCK_SECONDS: Final = 60


def audit(action: str, detail: str = "", *, user: str | None) -> bool:
    """Append an audit entry; ``False`` (and a log line) when the store is unavailable."""
    try:
        with cache.admin_connection() as con:
            access.record_audit(con, user=user, action=action, detail=detail)
    except (AnalyticsError, OSError) as exc:
        log.warning("audit entry %s not written: %s", action, exc)
        return False
    except Exception as exc:  # noqa: BLE001 - duckdb lock/IO errors: report, never crash
        log.warning("audit entry %s not written: %s", action, exc)
        return False
    return True


def user_role(username: str) -> str | None:
    """The stored role of ``username`` (``None`` if the user no longer exists)."""
    with cache.read_connection() as con:
        users = access.list_users(con)
    row = users.loc[users["username"] == username]
    return str(row["role"].iloc[0]) if len(row) else None


def sign_in(username: str, role: str) -> None:
    """Mark this session as signed in (per user: session state only)."""
    st.session_state[auth.USER_KEY] = username
    st.session_state[auth.ROLE_KEY] = role
    st.session_state.pop(K_FAILS, None)
    st.session_state.pop(K_BLOCKED_UNTIL, None)


def sign_out() -> None:
    """Forget everything of this session but the language (filters, edits, documents)."""
    keep = {LANG_KEY: st.session_state.get(LANG_KEY)}
    for key in list(st.session_state.keys()):
        try:
            del st.session_state[key]
        except Exception:  # noqa: BLE001 - some widget keys cannot be deleted mid-run
            pass
    for key, value in keep.items():
        if value is not None:
            st.session_state[key] = value


def _logout() -> None:
    user = st.session_state.get(auth.USER_KEY)
    audit("logout", user=user)
    sign_out()


def _submit() -> None:
    ss = st.session_state
    name = str(ss.get(K_USER) or "").strip().lower()
    password = str(ss.get(K_PASSWORD) or "")
    ss[K_PASSWORD] = ""
    if time.time() < float(ss.get(K_BLOCKED_UNTIL, 0.0)):
        return
    if not name or not password:
        ss["_login_msg"] = "login.empty"
        return
    try:
        with cache.read_connection() as con:
            user = access.verify_user(con, name, password)
    except AnalyticsError as exc:
        ss["_login_msg"] = "login.store_error"
        ss["_login_detail"] = str(exc)
        return
    if user is None:
        fails = int(ss.get(K_FAILS, 0)) + 1
        ss[K_FAILS] = fails
        if fails >= MAX_FAILS:
            ss[K_BLOCKED_UNTIL] = time.time() + BLOCK_SECONDS
            ss[K_FAILS] = 0
        ss["_login_msg"] = "login.wrong"
        audit("login_failed", f"usuario {name}", user=None)
        return
    sign_in(user.username, user.role)
    ss.pop("_login_msg", None)
    audit("login", f"rol {user.role}", user=user.username)


def _keep_requested_page() -> None:
    """Register every page (hidden, not run) before the login form.

    The page asked for in the URL stays the session's current page: after
    sign-in the router opens it, or says "sin permiso".
    """
    from ui import nav

    specs = [s for s in nav.PAGES if (nav.ROOT / s.path).is_file()]
    if not specs:
        return
    has_default = any(s.default for s in specs)
    st.navigation([st.Page(s.path, title=t(s.title_key), url_path=s.url_path,
                           default=s.default or (i == 0 and not has_default),
                           visibility="hidden") for i, s in enumerate(specs)],
                  position="hidden")


def login_form() -> None:
    """The login screen (Spanish by default); stops the run until the user signs in."""
    ss = st.session_state
    _keep_requested_page()
    with st.sidebar:
        st.markdown(f"### :material/shield: {t('app.title')}")
        st.radio(t("app.language"), ["es", "en"], key=LANG_KEY, horizontal=True,
                 format_func={"es": "Español", "en": "English"}.get)
    _, mid, _ = st.columns([1, 2, 1])
    with mid:
        st.title(t("login.title"))
        st.caption(t("login.intro"))
        blocked = max(0.0, float(ss.get(K_BLOCKED_UNTIL, 0.0)) - time.time())
        with st.form("login_form", clear_on_submit=False):
            st.text_input(t("login.username"), key=K_USER, autocomplete="username")
            st.text_input(t("login.password"), key=K_PASSWORD, type="password",
                          autocomplete="current-password")
            st.form_submit_button(t("login.submit"), type="primary", on_click=_submit,
                                  key=K_SUBMIT, icon=":material/login:")
        msg = ss.pop("_login_msg", None)
        if blocked > 0:
            st.error(t("login.too_many", s=int(blocked) + 1), icon=":material/timer:")
        elif msg == "login.store_error":
            st.error(t("login.store_error", msg=ss.pop("_login_detail", "")),
                     icon=":material/error:")
        elif msg:
            st.error(t(msg), icon=":material/error:")
    st.stop()


def sidebar_box(session: auth.Session) -> None:
    """Signed-in user, role and the logout button (sidebar)."""
    if session.demo:
        return
    st.caption(t("login.user", user=session.user or "—", role=role_label(session.role)))
    st.button(t("login.logout"), key=K_LOGOUT, on_click=_logout, icon=":material/logout:")


def forbidden(title_key: str | None = None) -> None:
    """The Spanish "sin permiso" message for a page the role may not open."""
    if title_key:
        st.title(t(title_key))
    role = auth.current_role().role
    st.error(t("login.forbidden", role=role_label(role)), icon=":material/block:")
