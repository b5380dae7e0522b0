"""A cross-process, writer-preferring reader/writer lock on two files next to the store.

DuckDB lets a file be open by one read-write process or by several read-only
processes, never both, and a second process gets an immediate lock error
instead of a wait. Vigía's processes (the app, CLI imports, nightly jobs, a
future HTTP ingest service) therefore agree on this lock before they open the
store, so they wait their turn instead of failing:

* ``<db>.lock`` (the *main* lock): readers hold it shared and writers hold it
  exclusively for the whole life of their DuckDB connection.
* ``<db>.intent.lock`` (the *intent* lock): a writer takes it exclusively
  *before* the main lock and keeps it until it is done; a reader takes it
  shared only for the instant it needs to get the main lock. So once a writer
  is queued no new reader gets in: the readers already in finish, the writer
  runs, then the readers that queued meanwhile go on. Writers are not starved
  by a stream of page views.

Both waits are bounded (``timeout``): past it a Spanish :class:`StoreError`
says the store is in use. Locks are ``flock(2)`` locks: the kernel drops them
when a process dies, so a crashed import never leaves the store locked. The
lock files are never deleted (deleting a lock file in use breaks the lock);
they are empty.

Inside one process, :class:`FileRWLock` (one per store, see :func:`for_store`)
counts the holders: connections of one process share the cross-process lock
(readers with readers, writers with writers, as DuckDB shares its database
instance), and a reader waits for the process's own writer and vice versa.
Asking for a write while the same thread holds a read (or the reverse) fails
at once, since waiting could never end.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from analytics._errors import StoreError

try:  # POSIX only; elsewhere the store falls back to DuckDB's own (failing) lock
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("vigia.store")

MAIN_SUFFIX: Final = ".lock"
INTENT_SUFFIX: Final = ".intent.lock"
_POLL_FIRST_S: Final = 0.002
_POLL_MAX_S: Final = 0.05


def lock_paths(db: Path) -> tuple[Path, Path]:
    """The main and intent lock files of the store ``db``."""
    return db.with_name(db.name + MAIN_SUFFIX), db.with_name(db.name + INTENT_SUFFIX)


def _open(path: Path, *, need_write: bool) -> int | None:
    """A descriptor on ``path`` (created if missing); ``None`` when a reader cannot open it."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if path.is_file():
            try:  # flock works on a read-only descriptor too
                return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                pass
        if need_write:
            msg = f"No se pudo crear el archivo de bloqueo {path}: {exc.strerror or exc}."
            raise StoreError(msg) from None
        log.warning("store lock %s unavailable (%s): reading without it", path, exc)
        return None


def _flock_until(fd: int, operation: int, deadline: float) -> bool:
    """``flock(fd, operation)`` polled until ``deadline`` (monotonic); whether it was got."""
    assert fcntl is not None
    delay = _POLL_FIRST_S
    while True:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                raise
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(delay, left))
        delay = min(delay * 2, _POLL_MAX_S)


def _close(fd: int | None) -> None:
    if fd is None:
        return
    try:
        os.close(fd)  # closing the last descriptor releases its flock
    except OSError:
        pass


def _busy(db: Path, timeout: float, *, exclusive: bool) -> StoreError:
    what = "escribir en" if exclusive else "leer"
    msg = (f"El almacén {db} está en uso por otro proceso (una importación u otra tarea): "
           f"se esperó {timeout:g} s para {what} él sin éxito; intente de nuevo en unos minutos.")
    return StoreError(msg)


@dataclass
class Ticket:
    """One holder of a :class:`FileRWLock` (a store connection); release it once."""

    exclusive: bool
    thread: int
    released: bool = field(default=False)


class FileRWLock:
    """The lock of one store, shared by every connection of this process."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.main_path, self.intent_path = lock_paths(db)
        self._cond = threading.Condition()
        self._mode: str | None = None   # "shared" / "exclusive": what this process holds
        self._holders: list[Ticket] = []
        self._writers_waiting = 0
        self._busy = False              # a thread is taking the cross-process lock
        self._fds: tuple[int | None, int | None] = (None, None)  # (main, intent)

    # ------------------------------------------------------------------ cross-process part
    def _take(self, exclusive: bool, deadline: float, timeout: float) -> tuple[int | None,
                                                                                int | None]:
        if fcntl is None:  # pragma: no cover - Windows
            return (None, None)
        main = _open(self.main_path, need_write=exclusive)
        intent = _open(self.intent_path, need_write=exclusive)
        if main is None or intent is None:
            _close(main)
            _close(intent)
            return (None, None)
        try:
            if exclusive:
                if not _flock_until(intent, fcntl.LOCK_EX, deadline):
                    raise _busy(self.db, timeout, exclusive=True)
                if not _flock_until(main, fcntl.LOCK_EX, deadline):
                    raise _busy(self.db, timeout, exclusive=True)
                return (main, intent)
            if not _flock_until(intent, fcntl.LOCK_SH, deadline):
                raise _busy(self.db, timeout, exclusive=False)
            got = _flock_until(main, fcntl.LOCK_SH, deadline)
            _close(intent)
            intent = None
            if not got:
                raise _busy(self.db, timeout, exclusive=False)
            return (main, None)
        except BaseException:
            _close(main)
            _close(intent)
            raise

    def writer_waiting(self) -> bool:
        """Whether another holder (usually another process) has queued or holds a write."""
        if fcntl is None:  # pragma: no cover - Windows
            return False
        fd = _open(self.intent_path, need_write=False)
        if fd is None:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            _close(fd)
        return False

    # ------------------------------------------------------------------ in-process part
    def acquire(self, *, exclusive: bool, timeout: float) -> Ticket:
        """Take the lock for one connection, waiting at most ``timeout`` seconds.

        Raises
        ------
        StoreError
            The wait timed out, or this thread already holds the other kind.
        """
        me = threading.get_ident()
        want = "exclusive" if exclusive else "shared"
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            mine = [t for t in self._holders if t.thread == me]
            if any(t.exclusive != exclusive for t in mine):
                msg = ("Este proceso ya tiene abierto el almacén "
                       f"{'para lectura' if exclusive else 'para escritura'} en esta tarea; "
                       "ciérrelo antes de abrirlo "
                       f"{'para escritura' if exclusive else 'para lectura'}.")
                raise StoreError(msg)
            if exclusive:
                self._writers_waiting += 1
            try:
                while True:
                    if not self._busy and self._mode == want and (
                            exclusive or mine or (not self._writers_waiting
                                                  and not self.writer_waiting())):
                        ticket = Ticket(exclusive, me)
                        self._holders.append(ticket)
                        return ticket
                    if not self._busy and self._mode is None:
                        self._busy = True
                        break
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise _busy(self.db, timeout, exclusive=exclusive)
                    # a queued writer of another process does not notify us: poll
                    self._cond.wait(min(left, _POLL_MAX_S))
            finally:
                if exclusive:
                    self._writers_waiting -= 1
        try:
            fds = self._take(exclusive, deadline, timeout)
        except BaseException:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
            raise
        with self._cond:
            self._fds = fds
            self._mode = want
            self._busy = False
            ticket = Ticket(exclusive, me)
            self._holders.append(ticket)
            self._cond.notify_all()
            return ticket

    def release(self, ticket: Ticket) -> None:
        """Give back one holder's share; the last one releases the cross-process lock."""
        with self._cond:
            if ticket.released:
                return
            ticket.released = True
            self._holders = [t for t in self._holders if t is not ticket]
            if not self._holders:
                main, intent = self._fds
                _close(main)      # main first: queued readers then pass the intent lock
                _close(intent)
                self._fds = (None, None)
                self._mode = None
                self._cond.notify_all()


_REGISTRY: dict[str, FileRWLock] = {}
_REGISTRY_LOCK = threading.Lock()


def for_store(db: str | Path) -> FileRWLock:
    """The process-wide :class:`FileRWLock` of the store file ``db``."""
    path = Path(db).resolve()
    key = str(path)
    with _REGISTRY_LOCK:
        lock = _REGISTRY.get(key)
        if lock is None:
            lock = _REGISTRY[key] = FileRWLock(path)
        return lock
