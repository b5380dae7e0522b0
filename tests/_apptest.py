"""What every page test shares: AppTest in router mode, the store in VIGIA_DB, a real server.

The fixtures that use these (``apptest_router``, ``app_store``) live in
``tests/conftest.py``; page tests import the helpers::

    from tests import _apptest as apptest

    at = apptest.app("pages/pronostico.py")
    apptest.ok(at)

Imported only by the page and browser tests, so ``import analytics`` in the
other tests never pulls Streamlit in.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test as app_test_module

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
#: Debian's chromium (``make test`` installs it with apt; never ``playwright install``).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
#: Least time (s) one AppTest run may take: generous, since the machine may be shared and
#: loaded (a timed-out run is a failure that says nothing about the app).
APPTEST_TIMEOUT = 240.0
#: How long (s) a fresh ``streamlit run`` may take to answer its health check.
SERVER_START_TIMEOUT = 180.0


# --------------------------------------------------------------------------- AppTest set-up
class _V2PagesManager(PagesManager):
    """AppTest re-detects ``pages/`` before every run and then, unlike a server whose
    process already ran ``st.navigation``, executes the page file alone (v1 mode),
    skipping app.py and its sidebar. Keep v2 mode, as a running server does."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False


def use_router(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make AppTest always run app.py (the router) before the page, as a server does."""
    monkeypatch.setattr(app_test_module, "PagesManager", _V2PagesManager)


def clear_caches() -> None:
    """``st.cache_data`` and ``st.cache_resource`` are shared by every AppTest in one process."""
    st.cache_data.clear()
    st.cache_resource.clear()


def use_store(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve ``db`` (VIGIA_DB, offline) with clean caches."""
    monkeypatch.setenv("VIGIA_DB", str(db))
    monkeypatch.setenv("VIGIA_OFFLINE", "1")
    clear_caches()


def serving(db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Fixture body: :func:`use_store`, yield ``db``, clear the caches afterwards."""
    use_store(db, monkeypatch)
    yield db
    clear_caches()


def app(page: str | None = None, *, user: str | None = None,
        query: dict[str, str] | None = None, timeout: float = APPTEST_TIMEOUT) -> AppTest:
    """app.py run once (signed in as ``user``, with URL ``query``), then ``page`` if given.

    Every run of the returned AppTest may take ``timeout`` seconds, never less than
    :data:`APPTEST_TIMEOUT`.
    """
    at = AppTest.from_file(APP, default_timeout=max(timeout, APPTEST_TIMEOUT))
    if user:
        from ui import auth

        at.session_state[auth.USER_KEY] = user
        at.session_state[auth.GEN_KEY] = session_gen(user)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def ok(at: AppTest) -> None:
    """No exception and no ``st.error`` on the last run."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def deck(at: AppTest) -> dict[str, Any]:
    """The first pydeck chart's spec."""
    charts = at.get("deck_gl_json_chart")
    assert charts, "no pydeck chart"
    return json.loads(charts[0].proto.json)  # type: ignore[no-any-return]


def menu(at: AppTest) -> list[str]:
    """Labels of the page links in the sidebar (searched recursively)."""
    out: list[str] = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            if type(child).__name__ == "PageLink":
                out.append(child.proto.label)
            walk(child)

    walk(at.sidebar)
    return out


def session_gen(user: str) -> int:
    """The session generation of ``user`` in the store of ``$VIGIA_DB`` (-1: unknown).

    What a sign-in keeps in ``ui.auth.GEN_KEY``; -1 too when the store cannot be read
    (a test of a damaged store signs in before it is damaged).
    """
    from analytics import access, store
    from analytics._errors import StoreError

    try:
        with store.reading(os.environ.get("VIGIA_DB")) as con:
            found = access.user_session(con, user)
    except StoreError:
        return -1
    return found[1] if found else -1


def audit_log(db: Path) -> pd.DataFrame:
    """``analytics.access.audit_log`` of the store at ``db`` (read-only, closed after)."""
    from analytics import access, store

    con = store.connect(db, read_only=True)
    try:
        return access.audit_log(con)
    finally:
        con.close()


# --------------------------------------------------------------------------- real server
def browser_or_skip() -> Any:
    """``playwright.sync_api``; skips the test when chromium or playwright is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium no está instalado (make test lo instala con apt)")
    return pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def streamlit_server(db: Path, log_path: Path) -> Iterator[str]:
    """A fresh ``streamlit run app.py`` on a free port over ``db``; yields its URL.

    Fails the test when the server is not healthy within :data:`SERVER_START_TIMEOUT`
    seconds (its output is in ``log_path``); terminates it afterwards.
    """
    env = {**os.environ, "VIGIA_DB": str(db), "VIGIA_OFFLINE": "1"}
    port = _free_port()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit no arrancó: ver {log_path}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
