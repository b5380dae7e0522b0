"""Page plumbing: error guard, data guard, the per-run context pages read.

A page starts with::

    import ui.page
    ctx = ui.page.context()      # stops with a friendly message when there is no data
    with ui.page.guard():
        ...                      # AnalyticsError -> st.error in the current language
"""

from __future__ import annotations

import logging
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


def context(*, need_data: bool = True) -> Context | None:
    """The run's context; with ``need_data`` and no usable store, explain and stop."""
    ds = st.session_state.get(K_DATASET)
    if ds is None and need_data:
        err = st.session_state.get(K_STORE_ERROR)
        if err:
            st.error(t("app.store_error", msg=err), icon=":material/error:")
            st.button(t("app.retry"), on_click=cache.clear_all, key="retry_store")
        else:
            st.info(t("app.no_store"), icon=":material/info:")
        st.stop()
    return Context(ds or "", filters.current(), auth.current_role())
