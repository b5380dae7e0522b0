"""The embedded incident store (DuckDB): schema, migrations, connection and reads.

One DuckDB file holds the tables of :data:`MIGRATIONS` (incidents, quarantine,
imports, users, audit, and what later versions add) and ``vigia_meta`` with the
schema version. :func:`connect` brings an older store forward (each step of
:data:`MIGRATIONS` once, in one transaction) and refuses a store written by a
newer Vigía, so a store made by today's code opens in tomorrow's.
``$VIGIA_DB`` overrides the default path.

Several processes share the file (the app, CLI imports, nightly jobs): every
connection holds the store's cross-process lock (:mod:`analytics._lock`,
writer-preferring, on ``<db>.lock`` and ``<db>.intent.lock``) for its whole
life, so a writer waits for the readers it finds and readers wait for a
queued writer, each for a bounded time (``settings.STORE_WRITE_TIMEOUT_S``,
``settings.STORE_READ_TIMEOUT_S``), instead of DuckDB's immediate "lock"
error. Use :func:`reading` / :func:`writing` (context managers), or
:func:`connect` and close the connection: closing releases the lock.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd

from analytics import _lock, settings
from analytics._errors import StoreError
from analytics.store.alerts import ALERT_TABLES
from analytics.store.api import API_TABLES
from analytics.store.commitments import COMMITMENT_TABLES
from analytics.store.forecasts import FORECAST_TABLES
from analytics.store.interventions import INTERVENTION_TABLES
from analytics.store.locations import LOCATION_TABLES
from analytics.store.plans import PLAN_TABLES
from analytics.store.tracks import TRACK_TABLES
from analytics.store.zones import ZONE_TABLES

log = logging.getLogger("vigia.store")

#: Columns of the ``quarantine`` table (raw fields are the mapped source text).
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("import_id", "INTEGER"),
    ("file_name", "VARCHAR"),
    ("file_sha256", "VARCHAR"),
    ("row_number", "BIGINT"),
    ("reason", "VARCHAR"),
    ("incident_id", "VARCHAR"),
    ("occurred_at_raw", "VARCHAR"),
    ("date_raw", "VARCHAR"),
    ("time_raw", "VARCHAR"),
    ("lat_raw", "VARCHAR"),
    ("lon_raw", "VARCHAR"),
    ("crime_type_raw", "VARCHAR"),
    ("district_raw", "VARCHAR"),
)

#: Columns of the ``imports`` table. JSON lists/dicts are stored as text.
IMPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("import_id", "INTEGER"),
    ("imported_at", "TIMESTAMP"),
    ("source", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("file_sha256", "VARCHAR"),
    ("tz", "VARCHAR"),
    ("rows_read", "BIGINT"),
    ("accepted", "BIGINT"),
    ("duplicates", "BIGINT"),
    ("quarantined", "BIGINT"),
    ("reasons", "VARCHAR"),
    ("pii_columns_dropped", "VARCHAR"),
    ("stacked_points", "VARCHAR"),
    ("swapped_coordinates", "BIGINT"),
    ("repeated_file", "BOOLEAN"),
    ("mapping", "VARCHAR"),
)

_TABLES = {"incidents", "quarantine", "imports", "vigia_meta"}

#: Tables whose rows belong to one import (an ``import_id`` column): deleting an
#: import deletes its rows from each. A table added later with an ``import_id``
#: column must be listed here (a test checks the schema against this list).
IMPORT_TABLES: tuple[str, ...] = ("incidents", "quarantine")


def default_path() -> Path:
    """Store path: ``$VIGIA_DB`` when set, else :data:`settings.DEFAULT_DB`."""
    env = os.environ.get(settings.DB_ENV_VAR)
    return Path(env) if env else settings.DEFAULT_DB


def _ddl(name: str, columns: Sequence[tuple[str, str]]) -> str:
    cols = ", ".join(f'"{c}" {t}' for c, t in columns)
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols})"


@dataclass(frozen=True)
class Migration:
    """One forward step of the store's schema.

    ``statements`` run in order inside one transaction with the version bump, so
    a store is always at a whole version. Statements must be safe on a store
    that already has the objects (``IF NOT EXISTS``): stores made before the
    version table existed may hold some of them.
    """

    version: int
    description: str
    statements: tuple[str, ...]


#: Every schema step, oldest first. Append new steps; never edit a released one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "incidents, quarantine, imports", (
        _ddl("incidents", settings.INCIDENT_COLUMNS),
        _ddl("quarantine", QUARANTINE_COLUMNS),
        _ddl("imports", IMPORT_COLUMNS),
    )),
    Migration(2, "users and audit", (
        "CREATE TABLE IF NOT EXISTS users (username VARCHAR PRIMARY KEY, "
        "password_hash VARCHAR NOT NULL, role VARCHAR NOT NULL, "
        "created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)",
        "CREATE TABLE IF NOT EXISTS audit (logged_at TIMESTAMP NOT NULL, username VARCHAR, "
        "action VARCHAR NOT NULL, detail VARCHAR)",
    )),
    Migration(3, "saved patrol plans", PLAN_TABLES),
    Migration(4, "users.session_gen: a password or role change ends open sessions", (
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS session_gen BIGINT DEFAULT 0",
    )),
    Migration(5, "GPS tracks of patrol units, their imports and the unit alias table",
              TRACK_TABLES),
    Migration(6, "imports: rows whose text fields held masked personal data", (
        "ALTER TABLE imports ADD COLUMN IF NOT EXISTS personal_data_masked BIGINT DEFAULT 0",
    )),
    Migration(7, "interventions register and Codisec commitments",
              INTERVENTION_TABLES + COMMITMENT_TABLES),
    Migration(8, "zone layers and stored forecasts (cells and zones)",
              ZONE_TABLES + FORECAST_TABLES),
    Migration(9, "ingest API tokens and post audit; near-repeat alert rules and alerts",
              API_TABLES + ALERT_TABLES),
    Migration(10, "incidents without a true point: location precision and reason, storable "
                 "address parts; imports' precision mix and forced points; address names",
              LOCATION_TABLES),
)

#: The schema version this code writes and reads.
SCHEMA_VERSION: int = MIGRATIONS[-1].version


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version (0 for an empty file)."""
    if "vigia_meta" not in _tables(con):
        return 0
    rows = con.execute("SELECT value FROM vigia_meta WHERE key = 'schema_version'").fetchall()
    try:
        return int(rows[0][0]) if rows else 0
    except (TypeError, ValueError):
        return 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring a writable store to :data:`SCHEMA_VERSION`; return the version it had.

    Raises
    ------
    StoreError
        The store was written by a newer Vigía (its version is above ours).
    """
    have = schema_version(con)
    if have > SCHEMA_VERSION:
        msg = (f"El almacén usa el esquema {have}, más nuevo que el de esta versión de Vigía "
               f"({SCHEMA_VERSION}); actualice Vigía.")
        raise StoreError(msg)
    if have == SCHEMA_VERSION:
        return have
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE TABLE IF NOT EXISTS vigia_meta (key VARCHAR, value VARCHAR)")
        for step in MIGRATIONS:
            if step.version > have:
                for sql in step.statements:
                    con.execute(sql)
        con.execute("DELETE FROM vigia_meta WHERE key = 'schema_version'")
        con.execute("INSERT INTO vigia_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return have


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {r[0] for r in rows}


if TYPE_CHECKING:
    from analytics.query import IncidentQuery

    _ConnectionBase = duckdb.DuckDBPyConnection
else:
    _ConnectionBase = object


class StoreConnection(_ConnectionBase):
    """A DuckDB connection to the store that holds the store's lock until closed.

    It behaves as the ``duckdb.DuckDBPyConnection`` it wraps (every attribute is
    forwarded) and is a context manager. :meth:`close` closes DuckDB and then
    releases the cross-process lock; a connection dropped without ``close``
    does the same when it is garbage-collected. Cursors (``cursor()``) must be
    closed before the connection.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, lock: _lock.FileRWLock | None,
                 ticket: _lock.Ticket | None, *, path: str, read_only: bool) -> None:
        self._con: duckdb.DuckDBPyConnection | None = con
        self._lock = lock
        self._ticket = ticket
        self.path = path
        self.read_only = read_only

    @property
    def raw(self) -> duckdb.DuckDBPyConnection:
        """The wrapped DuckDB connection (raises once closed)."""
        if self._con is None:
            msg = "La conexión al almacén ya está cerrada."
            raise StoreError(msg)
        return self._con

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # never forward private names (and no recursion in __del__)
            raise AttributeError(name)
        return getattr(self.raw, name)

    def close(self) -> None:
        """Close the DuckDB connection, then release the store's lock (idempotent)."""
        con, self._con = self._con, None
        try:
            if con is not None:
                con.close()
        finally:
            if self._lock is not None and self._ticket is not None:
                self._lock.release(self._ticket)
                self._ticket = None

    def __enter__(self) -> StoreConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown: nothing to report to
            pass

    def __repr__(self) -> str:
        state = "cerrada" if self._con is None else ("lectura" if self.read_only else "escritura")
        return f"<StoreConnection {self.path} ({state})>"


def _open_duckdb(target: str, *, read_only: bool, deadline: float, timeout: float
                 ) -> duckdb.DuckDBPyConnection:
    """Open DuckDB with Spanish errors, retrying its own lock error until ``deadline``.

    DuckDB's lock error comes from a process that does not take Vigía's lock
    (an older Vigía, the ``duckdb`` shell): it is retried with backoff.
    """
    delay = 0.01
    while True:
        try:
            raw = duckdb.connect(target, read_only=read_only)
            raw.execute("SET enable_progress_bar = false")  # no bar on a CLI's stderr
            return raw
        except duckdb.IOException as exc:
            text = str(exc).lower()
            if "lock" not in text:
                msg = f"{target} no es un almacén de Vigía (no se pudo abrir como base DuckDB)."
                raise StoreError(msg) from None
            left = deadline - time.monotonic()
            if left <= 0:
                raise _lock._busy(Path(target), timeout, exclusive=not read_only) from None
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.25)
        except duckdb.Error as exc:
            msg = f"No se pudo abrir el almacén {target}: {str(exc).splitlines()[0]}"
            raise StoreError(msg) from None


def _checked(con: duckdb.DuckDBPyConnection, target: str, *, read_only: bool) -> bool:
    """Check a freshly opened store; whether a read-only one needs migrating first.

    A writable store is migrated here. Closes ``con`` and raises ``StoreError``
    when the store is unusable.
    """
    try:
        tables = _tables(con)
        if tables and "vigia_meta" not in tables:
            msg = f"{target} es una base DuckDB pero no un almacén de Vigía."
            raise StoreError(msg)
        if not read_only:
            migrate(con)
            return False
        if "incidents" not in tables:
            msg = f"El almacén {target} está vacío; importe datos primero."
            raise StoreError(msg)
        return schema_version(con) != SCHEMA_VERSION
    except duckdb.Error as exc:
        con.close()
        msg = f"El almacén {target} está dañado o no se puede leer: {str(exc).splitlines()[0]}"
        raise StoreError(msg) from None
    except BaseException:
        con.close()
        raise


def connect(db: str | Path | None = None, *, read_only: bool = False,
            timeout: float | None = None) -> StoreConnection:
    """Open the store, creating its schema when writable; hold its lock until closed.

    Parameters
    ----------
    db
        Path of the DuckDB file (``None``: :func:`default_path`); ``":memory:"``
        gives a throw-away store (no lock).
    read_only
        Open without write access (several readers may share the file).
    timeout
        Longest wait for the store's lock, seconds (default
        ``settings.STORE_READ_TIMEOUT_S`` or ``settings.STORE_WRITE_TIMEOUT_S``).

    Returns
    -------
    StoreConnection
        Behaves as a ``duckdb.DuckDBPyConnection``; close it (or use it in a
        ``with`` block, or :func:`reading` / :func:`writing`) to release the lock.

    Raises
    ------
    StoreError
        The file does not exist (read-only), is not a DuckDB file, is not a
        Vigía store, is damaged, or stayed in use by another process for longer
        than ``timeout``.
    """
    path = default_path() if db is None else db
    target = str(path)
    wait = float(timeout if timeout is not None else (
        settings.STORE_READ_TIMEOUT_S if read_only else settings.STORE_WRITE_TIMEOUT_S))
    if target == ":memory:":
        raw = _open_duckdb(target, read_only=False, deadline=0.0, timeout=wait)
        _checked(raw, target, read_only=False)
        return StoreConnection(raw, None, None, path=target, read_only=False)
    p = Path(target)
    try:
        if read_only and not p.exists():
            msg = f"El almacén {p} no existe; importe datos primero (python -m analytics ingest)."
            raise StoreError(msg)
        if p.is_dir():
            msg = f"{p} es una carpeta, no un almacén de Vigía."
            raise StoreError(msg)
        if not read_only:
            p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"No se puede usar {p} como almacén: {exc.strerror or exc}."
        raise StoreError(msg) from None
    deadline = time.monotonic() + wait
    lock = _lock.for_store(p)
    ticket = lock.acquire(exclusive=not read_only, timeout=wait)
    try:
        raw = _open_duckdb(target, read_only=read_only, deadline=deadline, timeout=wait)
        stale = _checked(raw, target, read_only=read_only)
    except BaseException:
        lock.release(ticket)
        raise
    if stale:
        # An older store opened read-only: migrate it once on a short writable
        # connection, then open it read-only again.
        raw.close()
        lock.release(ticket)
        connect(path, timeout=wait).close()
        return connect(path, read_only=True, timeout=wait)
    return StoreConnection(raw, lock, ticket, path=target, read_only=read_only)


@contextmanager
def reading(db: str | Path | None = None, *, timeout: float | None = None
            ) -> Iterator[StoreConnection]:
    """A read-only connection for one block (waits while a writer is queued)."""
    con = connect(db, read_only=True, timeout=timeout)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def writing(db: str | Path | None = None, *, timeout: float | None = None
            ) -> Iterator[StoreConnection]:
    """A writable connection for one block (waits for the readers it finds)."""
    con = connect(db, timeout=timeout)
    try:
        yield con
    finally:
        con.close()


def writer_waiting(db: str | Path | None = None) -> bool:
    """Whether a writer (of any process) holds or waits for the store.

    Readers that can should let it in by closing their connection before
    starting new work.
    """
    path = default_path() if db is None else db
    if str(path) == ":memory:":
        return False
    return _lock.for_store(path).writer_waiting()


def _in_clause(column: str, values: Iterable[Any], params: list[Any]) -> str:
    vals = list(values)
    if not vals:
        return "FALSE"
    params.extend(vals)
    return f'"{column}" IN ({", ".join("?" for _ in vals)})'


def _as_timestamp(value: Any) -> datetime:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    out: datetime = ts.to_pydatetime()
    return out


def load_incidents(con: duckdb.DuckDBPyConnection, *,
                   start: str | date | datetime | pd.Timestamp | None = None,
                   end: str | date | datetime | pd.Timestamp | None = None,
                   crime_groups: Iterable[str] | None = None,
                   crime_types: Iterable[str] | None = None,
                   districts: Iterable[str] | None = None,
                   precisions: Iterable[str] | None = None,
                   columns: Sequence[str] | None = None,
                   query: IncidentQuery | None = None) -> pd.DataFrame:
    """Read accepted incidents, filtered.

    Parameters
    ----------
    con
        Store connection (:func:`connect`).
    start, end
        Local wall-time bounds on ``occurred_at``; ``start`` inclusive,
        ``end`` exclusive.
    crime_groups, crime_types, districts
        Keep only these values (``None``: all).
    precisions
        Keep only incidents placed this well (``location_precision``, see
        :data:`settings.LOCATION_PRECISIONS`; e.g. ``settings.HEX_PRECISIONS``
        for hexagon analytics). ``None``: every accepted incident, located or not.
    columns
        Columns to return: canonical ones (default: all of
        :data:`settings.INCIDENT_COLUMNS`, in order) and the location ones of
        :data:`settings.LOCATION_COLUMNS`.
    query
        The pages' and CLI's filter (:class:`analytics.query.IncidentQuery`,
        e.g. ``IncidentQuery(districts=...).located()``), AND-ed with the
        keyword filters above.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``occurred_at``; ``h3_r12`` is ``uint64`` (0 where the
        incident has no point), ``occurred_at`` naive ``datetime64``.
    """
    canonical = [c for c, _ in settings.INCIDENT_COLUMNS]
    known = canonical + [c for c, _ in settings.LOCATION_COLUMNS]
    cols = canonical if columns is None else list(columns)
    unknown = [c for c in cols if c not in known]
    if unknown:
        msg = f"Columnas desconocidas: {', '.join(unknown)}. Disponibles: {', '.join(known)}."
        raise StoreError(msg)
    where: list[str] = []
    params: list[Any] = []
    if start is not None:
        where.append("occurred_at >= ?")
        params.append(_as_timestamp(start))
    if end is not None:
        where.append("occurred_at < ?")
        params.append(_as_timestamp(end))
    if crime_groups is not None:
        where.append(_in_clause("crime_group", crime_groups, params))
    if crime_types is not None:
        where.append(_in_clause("crime_type", crime_types, params))
    if districts is not None:
        where.append(_in_clause("district", districts, params))
    if precisions is not None:
        where.append(_in_clause("location_precision", precisions, params))
    if query is not None:
        cond, qparams = query.sql()
        where.append(f"({cond})")
        params.extend(qparams)
    sql = f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM incidents"
    if where:
        sql += " WHERE " + " AND ".join(where)
    order = "occurred_at, incident_id" if {"occurred_at", "incident_id"} <= set(cols) else None
    if order:
        sql += f" ORDER BY {order}"
    try:
        df = con.execute(sql, params).df()
    except duckdb.Error as exc:
        msg = f"No se pudo leer el almacén: {str(exc).splitlines()[0]}"
        raise StoreError(msg) from None
    return _typed_incidents(df)


def _typed_incidents(df: pd.DataFrame) -> pd.DataFrame:
    """Incident columns as read from DuckDB or Parquet, in their pandas types (in place).

    ``h3_r12`` uint64 (0 when missing), ``occurred_at`` datetime, ``import_id``
    int64. Shared with ``partitions``.
    """
    if "h3_r12" in df.columns:
        df["h3_r12"] = df["h3_r12"].to_numpy(dtype=np.uint64, na_value=0)
    if "occurred_at" in df.columns:
        df["occurred_at"] = pd.to_datetime(df["occurred_at"])
    if "import_id" in df.columns:
        df["import_id"] = df["import_id"].astype("int64")
    return df


def quarantine_rows(con: duckdb.DuckDBPyConnection, *, import_id: int | None = None
                    ) -> pd.DataFrame:
    """Quarantined rows with their reason (``import_id`` to restrict to one import).

    Columns: ``import_id, file_name, row_number, reason`` and the raw text of
    the mapped fields (``incident_id, occurred_at_raw, date_raw, time_raw,
    lat_raw, lon_raw, crime_type_raw, district_raw``). No personal data.
    """
    cols = [c for c, _ in QUARANTINE_COLUMNS if c != "file_sha256"]
    sql = f"SELECT {', '.join(cols)} FROM quarantine"
    params: list[Any] = []
    if import_id is not None:
        sql += " WHERE import_id = ?"
        params.append(int(import_id))
    sql += " ORDER BY import_id, row_number"
    return con.execute(sql, params).df()


def imports_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per import, newest last; JSON columns decoded to Python objects."""
    df = con.execute("SELECT * FROM imports ORDER BY import_id").df()
    for col in ("reasons", "pii_columns_dropped", "stacked_points", "mapping", "precision",
                "forced_points"):
        if col in df.columns:
            df[col] = [json.loads(v) if isinstance(v, str) else v for v in df[col]]
    return df


def incident_count(con: duckdb.DuckDBPyConnection) -> int:
    """Count the accepted incidents in the store."""
    return int(con.execute("SELECT count(*) FROM incidents").fetchall()[0][0])


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    """Return the id the next import will get (1 for an empty store)."""
    return int(con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0])


def file_already_imported(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """Whether a file with this content hash was imported before."""
    n = con.execute("SELECT count(*) FROM imports WHERE file_sha256 = ?", [sha256]).fetchall()
    return bool(n[0][0])


def import_rows(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, int]:
    """Rows of one import per table of :data:`IMPORT_TABLES` plus ``imports`` (0 or 1)."""
    out = {}
    for table in (*IMPORT_TABLES, "imports"):
        n = con.execute(f'SELECT count(*) FROM "{table}" WHERE import_id = ?',
                        [int(import_id)]).fetchall()
        out[table] = int(n[0][0])
    return out


def delete_import(con: duckdb.DuckDBPyConnection, import_id: int, *,
                  audit: Callable[[dict[str, int]], None] | None = None) -> dict[str, int]:
    """Undo one import, in one transaction.

    Its rows in every table of :data:`IMPORT_TABLES` and its ``imports`` row go.

    Rows a later import skipped as duplicates of this one are not brought back
    (they were never stored): re-import that later file if it still matters.

    Parameters
    ----------
    con
        Writable store connection.
    import_id
        The import to delete (``imports_history`` lists them).
    audit
        Called with the counts inside the same transaction (e.g. to write the
        audit entry): the deletion and its audit line commit together.

    Returns
    -------
    dict
        Table -> rows deleted (``imports`` is 1).

    Raises
    ------
    StoreError
        No import has that id.
    """
    iid = int(import_id)
    counts = import_rows(con, iid)
    if counts["imports"] == 0:
        msg = f"No existe la importación {iid}."
        raise StoreError(msg)

    def work() -> None:
        for table in (*IMPORT_TABLES, "imports"):
            con.execute(f'DELETE FROM "{table}" WHERE import_id = ?', [iid])
        if audit is not None:
            audit(counts)
    in_transaction(con, work)
    return counts


def in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], None], *,
                   migrate_first: bool = False) -> None:
    """Run ``work`` in one transaction on ``con``: all of it commits, or none.

    ``migrate_first`` brings the schema up to date before (writers of tables
    added by later migrations).
    """
    if migrate_first:
        migrate(con)
    con.execute("BEGIN TRANSACTION")
    try:
        work()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
