"""Login form, logout, the "sin permiso" message and audit writes from the app.

How a session gets its role (see :func:`ui.auth.current_role`):

* **No users** in the store: demo mode as ``admin`` (clearly labelled).
* **Users configured**: the login form below until the user signs in; then
  ``st.session_state[auth.USER_KEY]`` holds the user name and the role is read
  again from the store on every run (a role changed or a user removed by the
  admin takes effect at once). The user's session generation is kept at
  sign-in (``auth.GEN_KEY``): a password or role change signs every open
  session of that user out, and so does ``settings.SESSION_IDLE_MINUTES``
  without interaction (:func:`ui.auth.current_role`).

Failed logins are throttled for the whole server process, per typed user name
and per client address (:mod:`analytics.throttle`, via
:func:`ui.cache.login_throttle`): a reload or a new browser session does not
reset it. The client address is ``st.context.ip_address``; when Streamlit
sees a loopback peer (the reverse proxy on the same host, or local use) it is
the proxy's ``X-Real-IP`` / last ``X-Forwarded-For`` entry instead.

Passwords are checked by :func:`analytics.access.verify_user` (bcrypt) and
never kept in session state. Logins, failed logins and logouts are written to
the audit table on a short-lived writable connection
(:func:`ui.cache.admin_connection`, waiting at most
``settings.STORE_AUDIT_TIMEOUT_S``); a store locked by another process only
costs the audit line of a login, never the login itself. Exports are different:
:func:`audit` returns ``False`` and the page does not hand out the file.
"""

from __future__ import annotations

import logging
import time
from typing import Final

import streamlit as st

from analytics import access, settings
from analytics._errors import AnalyticsError
from analytics._text import clip_name
from ui import auth, cache
from ui.i18n import LANG_KEY, role_label, t

log = logging.getLogger("vigia.ui")

K_USER: Final = "login_user"
K_PASSWORD: Final = "login_password"
K_SUBMIT: Final = "login_submit"
K_WAIT: Final = "_login_wait"
K_LOGOUT: Final = "logout"
K_MSG: Final = "_login_msg"
#: Longest user name the form accepts (names are at most 32 characters).
USERNAME_MAX_CHARS: Final = 64
_LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost"})


def audit(action: str, detail: str = "", *, user: str | None,
          timeout: float | None = None) -> bool:
    """Append an audit entry; ``False`` (and a log line) when the store is unavailable.

    ``timeout``: longest wait for the store (default ``settings.STORE_WRITE_TIMEOUT_S``).
    """
    try:
        with cache.admin_connection(timeout=timeout) as con:
            access.record_audit(con, user=user, action=action, detail=detail)
    except (AnalyticsError, OSError) as exc:
        log.warning("audit entry %s not written: %s", action, exc)
        return False
    except Exception as exc:  # noqa: BLE001 - duckdb lock/IO errors: report, never crash
        log.warning("audit entry %s not written: %s", action, exc)
        return False
    return True


def _quick_audit(action: str, detail: str = "", *, user: str | None) -> bool:
    """Best-effort audit of a login event: waits only ``settings.STORE_AUDIT_TIMEOUT_S``."""
    return audit(action, detail, user=user, timeout=settings.STORE_AUDIT_TIMEOUT_S)


def user_session(username: str) -> tuple[str, int] | None:
    """The stored ``(role, session_gen)`` of ``username`` (``None``: no longer exists)."""
    with cache.system_connection() as con:
        return access.user_session(con, username)


def user_role(username: str) -> str | None:
    """The stored role of ``username`` (``None`` if the user no longer exists)."""
    found = user_session(username)
    return found[0] if found else None


def client_address() -> str:
    """The address the failed-login throttle counts this client under.

    ``st.context.ip_address`` when the peer is remote (it cannot be forged by
    headers). Streamlit reports ``None`` for a loopback peer, which is the
    reverse proxy of a deployment (or local use): then the proxy's
    ``X-Real-IP`` or the last ``X-Forwarded-For`` entry (the one the proxy
    added), else ``"local"``.
    """
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context (tests, bare mode)
        ip = None
    if ip and ip not in _LOOPBACK:
        return clip_name(ip)
    try:
        headers = st.context.headers
        real = headers.get("X-Real-IP") or ""
        forwarded = headers.get("X-Forwarded-For") or ""
    except Exception:  # noqa: BLE001 - no client context
        real = forwarded = ""
    if real.strip():
        return clip_name(real.strip())
    last = forwarded.split(",")[-1].strip() if forwarded else ""
    return clip_name(last or "local")


def sign_in(username: str, role: str, session_gen: int | None = None) -> None:
    """Mark this session as signed in (per user: session state only).

    ``session_gen``: the user's session generation now (read from the store
    when ``None``); a later change of it signs this session out.
    """
    if session_gen is None:
        found = user_session(username)
        session_gen = found[1] if found else -1
    st.session_state[auth.USER_KEY] = username
    st.session_state[auth.ROLE_KEY] = role
    st.session_state[auth.GEN_KEY] = int(session_gen)
    st.session_state[auth.SEEN_KEY] = time.time()
    st.session_state.pop(K_WAIT, None)


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


def end_session(reason_key: str, detail: str) -> None:
    """Sign this session out for ``reason_key`` (a ``login.*`` text shown on the form)."""
    user = st.session_state.get(auth.USER_KEY)
    _quick_audit("logout", detail, user=str(user) if user else None)
    sign_out()
    st.session_state[K_MSG] = reason_key


def _logout() -> None:
    user = st.session_state.get(auth.USER_KEY)
    _quick_audit("logout", user=user)
    sign_out()


def _submit() -> None:
    ss = st.session_state
    name = clip_name(str(ss.get(K_USER) or "").strip().lower())
    password = str(ss.get(K_PASSWORD) or "")
    ss[K_PASSWORD] = ""
    ss.pop(K_WAIT, None)
    if not name or not password:
        ss[K_MSG] = "login.empty"
        return
    guard = cache.login_throttle()
    client = client_address()
    wait = guard.wait_seconds(name, client)
    if wait > 0:  # refused before any password check: same answer for every account
        ss[K_WAIT] = time.time() + wait
        return
    try:
        with cache.system_connection() as con:
            user = access.verify_user(con, name, password)
    except AnalyticsError as exc:
        ss[K_MSG] = "login.store_error"
        ss["_login_detail"] = str(exc)
        return
    if user is None:
        blocked = guard.failure(name, client)
        ss[K_MSG] = "login.wrong"
        _quick_audit("login_failed", f"usuario {name}", user=None)
        if blocked:
            log.warning("failed logins throttled (window %.0f s)", settings.LOGIN_WINDOW_S)
            _quick_audit("login_blocked", f"usuario {name}: demasiados intentos fallidos",
                         user=None)
        return
    guard.success(name)
    sign_in(user.username, user.role, user.session_gen)
    ss.pop(K_MSG, None)
    _quick_audit("login", f"rol {user.role}", user=user.username)


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
        blocked = max(0.0, float(ss.get(K_WAIT, 0.0)) - time.time())
        with st.form("login_form", clear_on_submit=False):
            st.text_input(t("login.username"), key=K_USER, autocomplete="username",
                          max_chars=USERNAME_MAX_CHARS)
            st.text_input(t("login.password"), key=K_PASSWORD, type="password",
                          autocomplete="current-password")
            st.form_submit_button(t("login.submit"), type="primary", on_click=_submit,
                                  key=K_SUBMIT, icon=":material/login:")
        msg = ss.pop(K_MSG, None)
        if blocked > 0:
            st.error(t("login.too_many", s=int(blocked) + 1), icon=":material/timer:")
        elif msg == "login.store_error":
            st.error(t("login.store_error", msg=ss.pop("_login_detail", "")),
                     icon=":material/error:")
        elif msg in ("login.idle", "login.session_changed"):
            st.warning(t(msg, n=settings.SESSION_IDLE_MINUTES), icon=":material/logout:")
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
