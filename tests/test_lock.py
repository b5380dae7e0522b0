"""The store's cross-process lock (analytics._lock via analytics.store.connect).

Several processes share one DuckDB file: DuckDB itself refuses a second process
at once ("lock" error). These tests run real processes against one store: a
CLI import while another process opens read-only connections in a tight loop
(pages being opened), a reader arriving during a long write, a reader arriving
while a writer is queued, timeouts, and a crashed holder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics import _lock, store
from analytics._errors import StoreError
from tests._store_factory import make_store

ROOT = Path(__file__).resolve().parent.parent
#: Bound of every wait for a child process's signal (a hang fails the test, never a
#: timing assertion).
WAIT_S = 60.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("VIGIA_DB", None)
    return env


def _spawn(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _expect(proc: subprocess.Popen[str], word: str) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == word, (line, proc.stderr.read() if proc.stderr else "")


def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"no {what} within {WAIT_S} s"
        time.sleep(0.01)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_store(tmp_path / "vigia.duckdb", n=200, quarantined=0)


def _count(path: Path) -> int:
    con = store.connect(path, read_only=True)
    try:
        return store.incident_count(con)
    finally:
        con.close()


def _csv(path: Path, first: int, n: int) -> Path:
    lines = ["id,fecha,hora,lat,lon,delito,distrito"]
    for i in range(first, first + n):
        lines.append(f"L{i:06d},2025-05-{1 + i % 28:02d},{i % 24:02d}:15,"
                     f"{-12.06 - (i % 50) * 0.0004:.4f},{-77.03 + (i % 37) * 0.0004:.4f},"
                     f"robo,LA VICTORIA")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Pages being opened: read-only connections opened, queried and closed in a tight loop
# (a 5 ms pause leaves the 2-core test machine a core for the import; the store is still
# held by a reader most of the time) until the file named by argv[2] exists; prints
# "reads=<n> errors=<n>".
_READER_LOOP = """
import sys, pathlib, time
from analytics import store
from analytics._errors import StoreError
db, stop = sys.argv[1], pathlib.Path(sys.argv[2])
reads = errors = 0
print("ready", flush=True)
while not stop.exists():
    try:
        con = store.connect(db, read_only=True)
        try:
            con.execute("SELECT count(*) FROM incidents").fetchall()
        finally:
            con.close()
        reads += 1
        time.sleep(0.005)
    except StoreError as exc:
        errors += 1
        print("error", exc, file=sys.stderr, flush=True)
print(f"reads={reads} errors={errors}", flush=True)
"""


def test_cli_import_while_pages_open_succeeds_every_time(db: Path, tmp_path: Path) -> None:
    """Was 3-5 successes in 12 ("en uso por otro proceso"): now 12 of 12, and the
    readers waited instead of failing."""
    stop = tmp_path / "stop"
    reader = _spawn(_READER_LOOP, str(db), str(stop))
    try:
        _expect(reader, "ready")
        results = []
        for k in range(12):
            src = _csv(tmp_path / f"lote_{k}.csv", first=k * 10, n=10)
            run = subprocess.run([sys.executable, "-m", "analytics", "ingest", str(src),
                                  "--db", str(db)], cwd=ROOT, env=_env(),
                                 capture_output=True, text=True, timeout=WAIT_S)
            results.append((run.returncode, run.stderr.strip()))
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=WAIT_S)
    assert [rc for rc, _ in results] == [0] * 12, results
    reads, errors = (int(part.split("=")[1]) for part in out.split()[-2:])
    assert errors == 0, err
    assert reads > 0
    assert _count(db) == 200 + 12 * 10


_LONG_WRITE = """
import sys
from analytics import store
with store.writing(sys.argv[1]) as con:
    con.execute("INSERT INTO incidents SELECT * REPLACE ('w' || incident_id AS incident_id) "
                "FROM incidents")
    print("written", flush=True)
    sys.stdin.readline()  # hold the write until the test says so
"""


def test_reader_arriving_during_a_long_write_gets_the_new_data(db: Path) -> None:
    writer = _spawn(_LONG_WRITE, str(db))
    try:
        _expect(writer, "written")
        result: dict[str, object] = {}

        def read() -> None:
            try:
                result["count"] = _count(db)
            except StoreError as exc:  # the old behaviour: "en uso" at once
                result["error"] = str(exc)

        th = threading.Thread(target=read)
        th.start()
        lock = _lock.for_store(db)  # the reader is waiting for the other process's lock:
        _until(lambda: lock._busy or not th.is_alive(), "waiting reader")
        assert writer.poll() is None
        assert writer.stdin is not None
        writer.stdin.write("\n")
        writer.stdin.flush()
        th.join(WAIT_S)
        assert writer.wait(WAIT_S) == 0
    finally:
        writer.kill()
        writer.wait()
    assert result == {"count": 400}


_HOLD_READ = """
import sys
from analytics import store
with store.reading(sys.argv[1]) as con:
    print("open", flush=True)
    sys.stdin.readline()
"""
_WRITE_ONE = """
import sys
from analytics import store
with store.writing(sys.argv[1]) as con:
    con.execute("DELETE FROM incidents WHERE incident_id IN "
                "(SELECT incident_id FROM incidents ORDER BY incident_id LIMIT 50)")
print("done", flush=True)
"""


def test_queued_writer_goes_before_new_readers(db: Path) -> None:
    """A new reader does not join the readers already in while a writer waits."""
    holder = _spawn(_HOLD_READ, str(db))
    writer = None
    try:
        _expect(holder, "open")
        writer = _spawn(_WRITE_ONE, str(db))
        _until(lambda: store.writer_waiting(db), "queued writer")
        result: dict[str, int] = {}
        th = threading.Thread(target=lambda: result.update(n=_count(db)))
        th.start()
        lock = _lock.for_store(db)
        _until(lambda: lock._busy or not th.is_alive(), "new reader waiting")
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(WAIT_S) == 0
        _expect(writer, "done")
        th.join(WAIT_S)
    finally:
        for proc in (holder, writer):
            if proc is not None:
                proc.kill()
                proc.wait()
    assert result == {"n": 150}, "the new reader must see the queued writer's change"


def test_waits_are_bounded_with_a_spanish_error(db: Path) -> None:
    holder = _spawn(_HOLD_READ, str(db))
    try:
        _expect(holder, "open")
        with pytest.raises(StoreError, match="en uso por otro proceso.*escribir"):
            store.connect(db, timeout=0.3)
        assert _count(db) == 200  # readers still share it
    finally:
        holder.kill()
        holder.wait()
    writer = _spawn(_LONG_WRITE, str(db))
    try:
        _expect(writer, "written")
        with pytest.raises(StoreError, match="en uso por otro proceso.*leer"):
            store.connect(db, read_only=True, timeout=0.3)
    finally:
        writer.kill()  # a crashed writer: the kernel drops its lock
        writer.wait()
    assert _count(db) == 400  # and the store opens (its committed insert kept)


def test_lock_is_held_for_the_connection_life_and_released_on_close(db: Path) -> None:
    lock = _lock.for_store(db)
    con = store.connect(db)
    assert lock.writer_waiting()  # this process holds the write (the intent lock too)
    con.close()
    assert not lock.writer_waiting()
    con.close()  # idempotent
    with store.reading(db) as ro, store.reading(db) as ro2:  # readers share
        assert store.incident_count(ro) == store.incident_count(ro2) == 200
    with store.writing(db) as w1, store.writing(db) as w2:  # one process: DuckDB shares too
        w1.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        w2.execute("INSERT INTO t VALUES (1)")
    main, intent = _lock.lock_paths(db)
    assert main.is_file() and intent.is_file()
    assert main.name == "vigia.duckdb.lock" and intent.name == "vigia.duckdb.intent.lock"


def test_same_thread_read_then_write_fails_at_once(db: Path) -> None:
    with store.reading(db):
        with pytest.raises(StoreError, match="ciérrelo antes"):
            store.connect(db, timeout=30)  # not a 30 s wait: it could never end
    with store.writing(db):
        with pytest.raises(StoreError, match="ciérrelo antes"):
            store.connect(db, read_only=True, timeout=30)


def test_in_process_writer_waits_for_other_threads_readers(db: Path) -> None:
    release = threading.Event()
    opened = threading.Event()

    def hold() -> None:
        with store.reading(db):
            opened.set()
            release.wait(WAIT_S)

    th = threading.Thread(target=hold)
    th.start()
    opened.wait(WAIT_S)
    with pytest.raises(StoreError, match="en uso"):
        store.connect(db, timeout=0.2)
    release.set()
    th.join(WAIT_S)
    with store.writing(db, timeout=WAIT_S) as con:
        assert store.incident_count(con) == 200


@pytest.fixture
def app_handle(db: Path) -> Iterator[object]:
    from ui import cache

    yield cache.StoreHandle(str(db))


def test_app_reads_let_a_queued_writer_in(db: Path, app_handle: object,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The app shares one read-only connection among its reads; while another process
    queues a write, a new read does not keep that connection alive."""
    from ui.cache import StoreHandle

    yielded = threading.Event()
    real = store.writer_waiting

    def watched(path: object = None) -> bool:
        queued = real(path)  # type: ignore[arg-type]
        if queued:
            yielded.set()
        return queued

    monkeypatch.setattr(store, "writer_waiting", watched)

    assert isinstance(app_handle, StoreHandle)
    release = threading.Event()
    opened = threading.Event()

    def long_read() -> None:
        with app_handle.read() as cur:
            cur.execute("SELECT count(*) FROM incidents").fetchall()
            opened.set()
            release.wait(WAIT_S)

    first = threading.Thread(target=long_read)
    first.start()
    opened.wait(WAIT_S)
    writer = _spawn(_WRITE_ONE, str(db))
    try:
        _until(lambda: store.writer_waiting(db), "queued writer")
        result: dict[str, int] = {}

        def new_read() -> None:
            with app_handle.read() as cur:
                result["n"] = int(cur.execute("SELECT count(*) FROM incidents").fetchall()[0][0])

        second = threading.Thread(target=new_read)
        second.start()
        assert yielded.wait(WAIT_S), "the second read saw the queued writer"
        release.set()
        first.join(WAIT_S)
        _expect(writer, "done")
        second.join(WAIT_S)
    finally:
        release.set()
        writer.kill()
        writer.wait()
    assert result == {"n": 150}
