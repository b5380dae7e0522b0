"""The ingest API's tables: ``api_tokens`` (hashed access tokens) and ``api_posts`` (its audit).

Policy (token format, roles, hashing, who may post) lives in
:mod:`analytics.tokens`; the service in :mod:`analytics.service`. Here are only
the SQL statements. Reading functions treat a missing table as empty, so they
work on any read-only connection.

``api_tokens`` keeps the SHA-256 of each token, never the token. ``api_posts``
records every post a known token made (time, token name, HTTP status, rows and
their outcome, the import it went into): never the body. It is bounded: rows
older than ``settings.API_AUDIT_RETENTION_DAYS`` are purged by the service.
``import_ref`` names the import a post went into; it is deliberately not an
``import_id`` column, so deleting an import keeps the audit of the post.

Times are local wall time (``settings.TIMEZONE``), like incidents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final

import duckdb
import pandas as pd

#: DDL of the two tables (store migration 9).
API_TABLES: Final = (
    "CREATE TABLE IF NOT EXISTS api_tokens (name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, "
    "token_hash VARCHAR NOT NULL UNIQUE, created_at TIMESTAMP NOT NULL, "
    "last_used_at TIMESTAMP, revoked_at TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS api_posts (posted_at TIMESTAMP NOT NULL, token_name VARCHAR, "
    "status INTEGER NOT NULL, rows_read BIGINT, accepted BIGINT, duplicates BIGINT, "
    "quarantined BIGINT, import_ref INTEGER, detail VARCHAR)",
)

#: Columns of :func:`tokens_frame` (never the hash).
TOKEN_COLUMNS: Final = ("name", "role", "created_at", "last_used_at", "revoked_at")
#: Columns of :func:`posts_frame`.
POST_COLUMNS: Final = ("posted_at", "token_name", "status", "rows_read", "accepted",
                       "duplicates", "quarantined", "import_ref", "detail")

#: One audit row: ``(posted_at, token_name, status, rows_read, accepted, duplicates,
#: quarantined, import_ref, detail)``.
PostRow = tuple[datetime, str | None, int, int | None, int | None, int | None, int | None,
                int | None, str | None]


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


# --------------------------------------------------------------------------- tokens
def insert_token(con: duckdb.DuckDBPyConnection, name: str, role: str, token_hash: str, *,
                 now: datetime) -> None:
    """Add a token row."""
    con.execute("INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
                [name, role, token_hash, now])


def token_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a token (revoked or not) has this name."""
    if not _has_table(con, "api_tokens"):
        return False
    rows = con.execute("SELECT count(*) FROM api_tokens WHERE name = ?", [name]).fetchall()
    return bool(rows[0][0])


def revoke_token(con: duckdb.DuckDBPyConnection, name: str, *, now: datetime) -> bool:
    """Mark a token revoked; whether an active token had that name."""
    rows = con.execute("UPDATE api_tokens SET revoked_at = ? WHERE name = ? "
                       "AND revoked_at IS NULL RETURNING name", [now, name]).fetchall()
    return bool(rows)


def active_tokens(con: duckdb.DuckDBPyConnection, hashes: Iterable[str] | None = None
                  ) -> dict[str, tuple[str, str]]:
    """``token_hash -> (name, role)`` of the tokens not revoked (only ``hashes`` when given)."""
    if not _has_table(con, "api_tokens"):
        return {}
    sql = "SELECT token_hash, name, role FROM api_tokens WHERE revoked_at IS NULL"
    params: list[str] = []
    if hashes is not None:
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        sql += f" AND token_hash IN ({', '.join('?' for _ in wanted)})"
        params = wanted
    return {str(h): (str(n), str(r)) for h, n, r in con.execute(sql, params).fetchall()}


def touch_tokens(con: duckdb.DuckDBPyConnection, names: Sequence[str], *, now: datetime) -> None:
    """Set ``last_used_at`` of these tokens."""
    if names:
        con.execute(f"UPDATE api_tokens SET last_used_at = ? WHERE name IN "
                    f"({', '.join('?' for _ in names)})", [now, *names])


def tokens_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every token without its hash (:data:`TOKEN_COLUMNS`), by name."""
    if not _has_table(con, "api_tokens"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TOKEN_COLUMNS})
    return con.execute(f"SELECT {', '.join(TOKEN_COLUMNS)} FROM api_tokens ORDER BY name").df()


# --------------------------------------------------------------------------- post audit
def insert_posts(con: duckdb.DuckDBPyConnection, rows: Sequence[PostRow]) -> None:
    """Append audit rows of posts."""
    if rows:
        one = f"({', '.join('?' for _ in POST_COLUMNS)})"
        con.execute(f"INSERT INTO api_posts ({', '.join(POST_COLUMNS)}) "
                    f"VALUES {', '.join(one for _ in rows)}", [v for r in rows for v in r])


def purge_posts(con: duckdb.DuckDBPyConnection, *, before: datetime) -> int:
    """Delete the audit rows of posts older than ``before``; how many."""
    rows = con.execute("DELETE FROM api_posts WHERE posted_at < ? RETURNING 1",
                       [before]).fetchall()
    return len(rows)


def posts_frame(con: duckdb.DuckDBPyConnection, *, limit: int = 500) -> pd.DataFrame:
    """The newest ``limit`` audit rows of posts (:data:`POST_COLUMNS`), newest first."""
    if not _has_table(con, "api_posts"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in POST_COLUMNS})
    return con.execute(f"SELECT {', '.join(POST_COLUMNS)} FROM api_posts "
                       "ORDER BY posted_at DESC LIMIT ?", [int(limit)]).df()
