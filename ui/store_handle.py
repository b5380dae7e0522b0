"""The app's process-wide access to one store file.

No Streamlit calls here: ``ui.cache`` caches the one instance with
``st.cache_resource``. See the "Store access" notes of :mod:`ui.cache`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from analytics import settings, store


class _RWLock:
    """Many readers or one writer."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class StoreHandle:
    """Process-wide access to one store file (see the module notes)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = _RWLock()
        self._open_lock = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        with self._open_lock:
            if self._con is not None and store.writer_waiting(self.path):
                # Another process queued a write: do not keep the shared connection
                # alive with new reads; let the running ones finish so it closes, then
                # reopen (that waits for the writer). Bounded: join after the timeout.
                deadline = time.monotonic() + settings.STORE_READ_TIMEOUT_S
                while self._con is not None and time.monotonic() < deadline:
                    self._open_lock.wait(min(0.05, max(0.0, deadline - time.monotonic())))
            if self._con is None:
                self._con = store.connect(self.path, read_only=True)
            self._users += 1
            return self._con

    def _release(self) -> None:
        with self._open_lock:
            self._users -= 1
            if self._users == 0 and self._con is not None:
                self._con.close()
                self._con = None
                self._open_lock.notify_all()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the read-only connection; the connection closes when no read runs."""
        with self._lock.read():
            con = self._acquire()
            try:
                cur = con.cursor()
                try:
                    yield cur
                finally:
                    cur.close()
            finally:
                self._release()

    @contextmanager
    def write(self, *, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """An exclusive writable connection (creates the store if missing).

        ``timeout``: longest wait for other processes (default
        ``settings.STORE_WRITE_TIMEOUT_S``).
        """
        with self._lock.write():
            self.close()
            con = store.connect(self.path, timeout=timeout)
            try:
                yield con
            finally:
                con.close()

    def close(self) -> None:
        """Close the read-only connection (reopened on the next read)."""
        with self._open_lock:
            if self._con is not None:
                self._con.close()
                self._con = None
                self._open_lock.notify_all()
