"""The ``users`` and ``audit`` tables: every read and write of accounts and the audit log.

Policy (who may do what, password rules, hashing, text caps) lives in
:mod:`analytics.access`, which calls these functions; here are only the SQL
statements. Reading functions treat a missing table as empty, so they work on
any read-only connection.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

import duckdb
import pandas as pd

#: Columns of :func:`users_frame` (never password material).
USER_COLUMNS: Final = ("username", "role", "created_at", "updated_at")
#: Columns of :func:`audit_rows`.
AUDIT_COLUMNS: Final = ("logged_at", "username", "action", "detail")

UserRow = tuple[str, str, str, int]


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


# --------------------------------------------------------------------------- users
def user_row(con: duckdb.DuckDBPyConnection, username: str) -> UserRow | None:
    """``(username, password_hash, role, session_gen)`` or ``None``."""
    if not _has_table(con, "users"):
        return None
    rows = con.execute("SELECT username, password_hash, role, coalesce(session_gen, 0) "
                       "FROM users WHERE username = ?", [username]).fetchall()
    if not rows:
        return None
    return (str(rows[0][0]), str(rows[0][1]), str(rows[0][2]), int(rows[0][3]))


def user_count(con: duckdb.DuckDBPyConnection, *, role: str | None = None) -> int:
    """Number of users (of ``role`` when given)."""
    if not _has_table(con, "users"):
        return 0
    if role is None:
        return int(con.execute("SELECT count(*) FROM users").fetchall()[0][0])
    return int(con.execute("SELECT count(*) FROM users WHERE role = ?", [role]).fetchall()[0][0])


def insert_user(con: duckdb.DuckDBPyConnection, username: str, password_hash: str, role: str,
                *, now: datetime) -> None:
    """Add a user row (session generation 0)."""
    con.execute("INSERT INTO users (username, password_hash, role, created_at, updated_at, "
                "session_gen) VALUES (?, ?, ?, ?, ?, 0)",
                [username, password_hash, role, now, now])


def update_user(con: duckdb.DuckDBPyConnection, username: str, *, now: datetime,
                password_hash: str | None = None, role: str | None = None) -> None:
    """Change a user's password hash and/or role; raises the session generation."""
    sets, params = ["updated_at = ?", "session_gen = coalesce(session_gen, 0) + 1"], [now]
    if password_hash is not None:
        sets.insert(0, "password_hash = ?")
        params.insert(0, password_hash)  # type: ignore[arg-type]
    if role is not None:
        sets.insert(0, "role = ?")
        params.insert(0, role)  # type: ignore[arg-type]
    con.execute(f"UPDATE users SET {', '.join(sets)} WHERE username = ?", [*params, username])


def delete_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """Remove a user row."""
    con.execute("DELETE FROM users WHERE username = ?", [username])


def users_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Users without password material (:data:`USER_COLUMNS`), by name."""
    cols = list(USER_COLUMNS)
    if not _has_table(con, "users"):
        return pd.DataFrame({c: pd.Series(dtype="str" if c in cols[:2] else "datetime64[us]")
                             for c in cols})
    return con.execute(f"SELECT {', '.join(cols)} FROM users ORDER BY username").df()


# --------------------------------------------------------------------------- audit
def insert_audit(con: duckdb.DuckDBPyConnection, *, logged_at: datetime, username: str,
                 action: str, detail: str) -> None:
    """Append one audit row (the caller bounds every text)."""
    con.execute("INSERT INTO audit VALUES (?, ?, ?, ?)", [logged_at, username, action, detail])


def _day_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)


def _audit_where(user: str | None, action: str | None, start: date | datetime | None,
                 end: date | datetime | None) -> tuple[str, list[object]]:
    where: list[str] = []
    params: list[object] = []
    if user is not None:
        where.append("username = ?")
        params.append(user)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    if start is not None:
        where.append("logged_at >= ?")
        params.append(_day_start(start))
    if end is not None:
        where.append("logged_at < ?")
        params.append(_day_start(end) + (timedelta(days=1) if not isinstance(end, datetime)
                                         else timedelta(0)))
    return (" WHERE " + " AND ".join(where)) if where else "", params


def audit_rows(con: duckdb.DuckDBPyConnection, *, limit: int, offset: int = 0,
               user: str | None = None, action: str | None = None,
               start: date | datetime | None = None, end: date | datetime | None = None
               ) -> pd.DataFrame:
    """One page of audit rows, newest first (:data:`AUDIT_COLUMNS`).

    ``start``/``end`` are local dates, both inclusive (a ``datetime`` end is exclusive).
    """
    cols = list(AUDIT_COLUMNS)
    if not _has_table(con, "audit"):
        return pd.DataFrame({c: pd.Series(dtype="datetime64[us]" if c == "logged_at" else "str")
                             for c in cols})
    where, params = _audit_where(user, action, start, end)
    sql = (f"SELECT {', '.join(cols)} FROM audit{where} ORDER BY logged_at DESC, rowid DESC "
           f"LIMIT {max(0, int(limit))} OFFSET {max(0, int(offset))}")
    return con.execute(sql, params).df()


def audit_total(con: duckdb.DuckDBPyConnection, *, user: str | None = None,
                action: str | None = None, start: date | datetime | None = None,
                end: date | datetime | None = None) -> int:
    """Number of audit rows matching the filters of :func:`audit_rows`."""
    if not _has_table(con, "audit"):
        return 0
    where, params = _audit_where(user, action, start, end)
    return int(con.execute(f"SELECT count(*) FROM audit{where}", params).fetchall()[0][0])


def audit_distinct(con: duckdb.DuckDBPyConnection, column: str, *, limit: int) -> list[str]:
    """Distinct values of ``username`` or ``action`` in the audit, sorted, at most ``limit``."""
    if column not in ("username", "action"):
        msg = f"unknown audit column {column!r}"
        raise ValueError(msg)
    if not _has_table(con, "audit"):
        return []
    rows = con.execute(f"SELECT DISTINCT {column} FROM audit WHERE {column} IS NOT NULL "
                       f"ORDER BY {column} LIMIT {max(0, int(limit))}").fetchall()
    return [str(r[0]) for r in rows]


def import_file_name(con: duckdb.DuckDBPyConnection, import_id: int) -> str | None:
    """File name of an import record, or ``None``."""
    rows = con.execute("SELECT file_name FROM imports WHERE import_id = ?",
                       [int(import_id)]).fetchall()
    return None if not rows else str(rows[0][0])
