"""The app's store access: one handle per process, short reads, exclusive writes; the gate.

See :mod:`ui.cache` for how reads and writes take turns with other processes, and
for the public gate (:func:`staff_only`, :func:`read_connection`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, ParamSpec, TypeVar

import duckdb
import streamlit as st

from analytics import explore, store, throttle
from analytics._errors import AccessDeniedError
from ui.store_handle import StoreHandle as StoreHandle  # re-exported

OFFLINE_ENV: Final = "VIGIA_OFFLINE"
#: Session-state key of the role this session's runs serve (set by ``app.py``).
VIEWER_KEY: Final = "_viewer_role"
_PUBLIC_REFUSED: Final = ("El modo público solo muestra cifras publicadas; estos datos internos "
                          "no están disponibles.")

P = ParamSpec("P")
R = TypeVar("R")


# --------------------------------------------------------------------------- the public gate
def set_viewer(role: str) -> None:
    """Record the role of this session (``app.py``, once the role is known)."""
    st.session_state[VIEWER_KEY] = role


def public_viewer() -> bool:
    """Whether this session serves the public role."""
    return st.session_state.get(VIEWER_KEY) == "publico"


def staff_only(fn: Callable[P, R]) -> Callable[P, R]:
    """Refuse a public session before the (shared) cache is even consulted.

    Every wrapper that returns internal data carries this decorator, outside
    ``st.cache_data``: a cache entry filled by a staff session is never handed
    to a public one, whatever page asks, including pages written later.
    """
    @functools.wraps(fn)
    def gated(*args: P.args, **kwargs: P.kwargs) -> R:
        if public_viewer():
            raise AccessDeniedError(_PUBLIC_REFUSED)
        return fn(*args, **kwargs)
    return gated


def staff_unless_public(fn: Callable[P, R]) -> Callable[P, R]:
    """:func:`staff_only`, except for calls that ask for the public version (``public=True``).

    For the report functions that build either the internal or the public
    document: the public one is computed from the release only.
    """
    @functools.wraps(fn)
    def gated(*args: P.args, **kwargs: P.kwargs) -> R:
        if public_viewer() and kwargs.get("public") is not True:
            raise AccessDeniedError(_PUBLIC_REFUSED)
        return fn(*args, **kwargs)
    return gated


# --------------------------------------------------------------------------- store handle
# StoreHandle (one shared read-only connection per process, yielding to queued writers)
# lives in ui/store_handle.py; the process-wide instance is cached here.
def store_path() -> str:
    """Absolute path of the store this process serves ($VIGIA_DB or data/vigia.duckdb)."""
    return str(Path(store.default_path()).resolve())


@st.cache_resource(show_spinner=False)
def _handle(path: str) -> StoreHandle:
    return StoreHandle(path)


@st.cache_resource(show_spinner=False)
def login_throttle() -> throttle.LoginThrottle:
    """The failed-login throttle shared by every session of this process."""
    return throttle.LoginThrottle()


def handle() -> StoreHandle:
    """The process-wide :class:`StoreHandle` of :func:`store_path`."""
    return _handle(store_path())


@contextmanager
def system_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only cursor for the app's own bookkeeping (data set id, users, the release).

    Not for pages: they read data through the gated wrappers or
    :func:`read_connection`.
    """
    with handle().read() as con:
        yield con


@contextmanager
def read_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only cursor for one block of internal data; refused to a public session.

    Raises ``StoreError`` (Spanish) if the store is unavailable.
    """
    if public_viewer():
        raise AccessDeniedError(_PUBLIC_REFUSED)
    with handle().read() as con:
        yield con


@contextmanager
def write_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """Exclusive writable connection for one block; clears cached data afterwards."""
    try:
        with handle().write() as con:
            yield con
    finally:
        st.cache_data.clear()


def store_exists() -> bool:
    """Whether the store file exists."""
    return Path(store_path()).is_file()


def dataset_id() -> str | None:
    """Cache key of the store's current content (path + row counts + last import).

    ``None`` when the store holds no incident yet.
    """
    with system_connection() as con:
        version = explore.dataset_version(con)
    return None if version.startswith("0-") else f"{store_path()}|{version}"


def clear_all() -> None:
    """Drop cached data and the store connection (after an import or a store change)."""
    st.cache_data.clear()
    handle().close()


@contextmanager
def admin_connection(*, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Exclusive writable connection for the users and audit tables.

    Unlike :func:`write_connection` it keeps ``st.cache_data``: no cached
    function reads those tables. Raises ``StoreError`` when another process
    holds the store for longer than ``timeout`` seconds (default
    ``settings.STORE_WRITE_TIMEOUT_S``).
    """
    with handle().write(timeout=timeout) as con:
        yield con
