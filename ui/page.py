"""Page plumbing: error guard, data guard, the per-run context pages read.

A page starts with::

    import ui.page
    ctx = ui.page.context()      # stops with a friendly message when there is no data
    with ui.page.guard():
        ...                      # AnalyticsError -> st.error in the current language
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from analytics._errors import AnalyticsError
from ui import auth, cache, filters
from ui.i18n import t

log = logging.getLogger("vigia.ui")

K_DATASET: str = "_dataset_id"   # set by app.py each run (None: no usable store)
K_STORE_ERROR: str = "_store_error"
K_ROUTED: str = "_routed"        # set by app.py at the top of every run, consumed by the page
K_ROUTE_RETRIES: str = "_route_retries"
K_SEES_PATHS: str = "_sees_paths"  # signed-in staff or demo mode on an earlier run
#: Stands for a file path hidden from an anonymous visitor.
HIDDEN_PATH: str = "«…»"
_QUOTED_PATH_RE = re.compile(r"([\"'])(?:[A-Za-z]:)?[\\/][^\"'\n]*\1")
_PATH_RE = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?[\\/][^\s\"'«»(),;:]+")


def mark_routed() -> None:
    """Called by ``app.py`` first thing in every run."""
    st.session_state[K_ROUTED] = True
    st.session_state[K_ROUTE_RETRIES] = 0


def _ensure_router() -> None:
    """Rerun through ``app.py`` when Streamlit ran a page file on its own.

    Right after a cold start, before any session has called ``st.navigation``,
    Streamlit treats ``pages/`` as a legacy multipage folder and runs the
    requested page script alone (no router, no sidebar, no filters). That is
    the "cold-start quirk" of STACK.md. ``st.navigation`` would switch the
    process to router mode; we do the same (its one-line effect) and rerun, so
    the very first request already goes through ``app.py``.
    """
    ss = st.session_state
    if ss.pop(K_ROUTED, False):
        return
    tries = int(ss.get(K_ROUTE_RETRIES, 0))
    if tries < 2:
        ss[K_ROUTE_RETRIES] = tries + 1
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()


@dataclass(frozen=True)
class Context:
    """What a page needs: dataset id (cache key), filters, session role."""

    dataset_id: str
    filters: filters.Filters
    session: auth.Session


@contextmanager
def guard() -> Iterator[None]:
    """Show analytics errors with ``st.error`` (never a traceback)."""
    try:
        yield
    except AnalyticsError as exc:
        st.error(t("app.error", msg=str(exc)), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - last resort: log it, show one friendly line
        log.exception("unexpected error in page")
        st.error(t("app.unexpected", kind=type(exc).__name__), icon=":material/error:")


def remember_viewer(session: auth.Session) -> None:
    """Note the session's role and whether it may see server paths.

    The role is for the public gate of ``ui.cache``; server paths are shown to
    signed-in staff and in demo mode.

    Called by ``app.py`` once the role is known; :func:`store_error_box` reads the
    path permission on a later run, when the store may be unreadable and the role
    cannot be checked.
    """
    st.session_state[K_SEES_PATHS] = session.demo or session.role in auth.STAFF
    cache.set_viewer(session.role)


def without_paths(message: str) -> str:
    """``message`` with the store path and any other absolute file path hidden."""
    from analytics import store

    for path in sorted({cache.store_path(), str(store.default_path())}, key=len, reverse=True):
        if path:
            message = message.replace(path, HIDDEN_PATH)
    message = _QUOTED_PATH_RE.sub(rf"\1{HIDDEN_PATH}\1", message)
    message = _PATH_RE.sub(HIDDEN_PATH, message)
    return re.sub(f"(?:{re.escape(HIDDEN_PATH)})+", HIDDEN_PATH, message)


def store_error_box(message: str) -> None:
    """The store cannot be opened: Spanish (or English) explanation and a retry button.

    The file path is shown only to a session that may see it (:func:`remember_viewer`):
    an anonymous visitor, before login, reads the message without it.
    """
    if not st.session_state.get(K_SEES_PATHS):
        message = without_paths(message)
    st.title(t("app.title"))
    st.error(t("app.store_error", msg=message), icon=":material/error:")
    st.button(t("app.retry"), on_click=cache.clear_all, key="retry_store")


def context(*, need_data: bool = True) -> Context | None:
    """The run's context; with ``need_data`` and no usable store, explain and stop.

    Every page calls this first (it also makes sure the router ran).
    """
    _ensure_router()
    ds = st.session_state.get(K_DATASET)
    if ds is None and need_data:
        err = st.session_state.get(K_STORE_ERROR)
        if err:
            store_error_box(err)
        else:
            st.info(t("app.no_store"), icon=":material/info:")
        st.stop()
    return Context(ds or "", filters.current(), auth.current_role())
