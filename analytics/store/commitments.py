"""The Codisec commitments register: ``commitments`` and ``commitment_status`` (SQL only).

A commitment ("compromiso") is agreed at a Codisec session: what, who (an institution or
a role, never a person), the district and zone, a due date, and optionally the indicator
it should move (a crime group in its district) or the intervention that carries it out.
At later sessions its status is reported (``commitment_status``: one row per report, with
the session date and a note). "Vencido" is never stored: it is derived
(:mod:`analytics.commitments`). Ids are ``C1``, ``C2``… from a sequence.

Validation, status derivation and the audit live in :mod:`analytics.commitments`;
reading functions treat missing tables as empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import duckdb
import pandas as pd

#: DDL of the two tables (store migration 5, with the interventions register).
COMMITMENT_TABLES: Final = (
    "CREATE SEQUENCE IF NOT EXISTS commitment_seq START 1",
    "CREATE TABLE IF NOT EXISTS commitments (id VARCHAR PRIMARY KEY, "
    "session_date DATE NOT NULL, what VARCHAR NOT NULL, who VARCHAR NOT NULL, "
    "district VARCHAR, place VARCHAR, due_date DATE NOT NULL, indicator_group VARCHAR, "
    "intervention_id VARCHAR, created_at TIMESTAMP NOT NULL, created_by VARCHAR)",
    "CREATE TABLE IF NOT EXISTS commitment_status (commitment_id VARCHAR NOT NULL, "
    "session_date DATE NOT NULL, status VARCHAR NOT NULL, note VARCHAR, "
    "recorded_at TIMESTAMP NOT NULL, recorded_by VARCHAR)",
)
#: Columns of ``commitments``, in order.
COMMITMENT_COLUMNS: Final = ("id", "session_date", "what", "who", "district", "place",
                             "due_date", "indicator_group", "intervention_id", "created_at",
                             "created_by")
#: Columns of ``commitment_status``, in order.
STATUS_COLUMNS: Final = ("commitment_id", "session_date", "status", "note", "recorded_at",
                         "recorded_by")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def next_commitment_id(con: duckdb.DuckDBPyConnection) -> str:
    """A new id (``C<n>``) from the register's sequence."""
    n = con.execute("SELECT nextval('commitment_seq')").fetchall()[0][0]
    return f"C{int(n)}"


def insert_commitment(con: duckdb.DuckDBPyConnection, row: Mapping[str, Any]) -> None:
    """Add one commitment (keys of :data:`COMMITMENT_COLUMNS`; missing ones are NULL)."""
    con.execute(f"INSERT INTO commitments ({', '.join(COMMITMENT_COLUMNS)}) VALUES "
                f"({', '.join('?' for _ in COMMITMENT_COLUMNS)})",
                [row.get(c) for c in COMMITMENT_COLUMNS])


def insert_status(con: duckdb.DuckDBPyConnection, row: Mapping[str, Any]) -> None:
    """Add one status report (keys of :data:`STATUS_COLUMNS`)."""
    con.execute(f"INSERT INTO commitment_status ({', '.join(STATUS_COLUMNS)}) VALUES "
                f"({', '.join('?' for _ in STATUS_COLUMNS)})",
                [row.get(c) for c in STATUS_COLUMNS])


def delete_commitment(con: duckdb.DuckDBPyConnection, ident: str) -> None:
    """Remove a commitment and its status reports."""
    con.execute("DELETE FROM commitment_status WHERE commitment_id = ?", [str(ident)])
    con.execute("DELETE FROM commitments WHERE id = ?", [str(ident)])


def commitment_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every commitment (:data:`COMMITMENT_COLUMNS`), by session and id."""
    if not _has_table(con, "commitments"):
        return _empty(COMMITMENT_COLUMNS)
    return con.execute(f"SELECT {', '.join(COMMITMENT_COLUMNS)} FROM commitments "
                       "ORDER BY session_date, TRY_CAST(substr(id, 2) AS BIGINT), id").df()


def status_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every status report (:data:`STATUS_COLUMNS`), in the order they were recorded."""
    if not _has_table(con, "commitment_status"):
        return _empty(STATUS_COLUMNS)
    return con.execute(f"SELECT {', '.join(STATUS_COLUMNS)} FROM commitment_status "
                       "ORDER BY session_date, recorded_at, rowid").df()


def commitment_exists(con: duckdb.DuckDBPyConnection, ident: str) -> bool:
    """Whether a commitment has this id."""
    if not _has_table(con, "commitments"):
        return False
    rows = con.execute("SELECT count(*) FROM commitments WHERE id = ?", [str(ident)]).fetchall()
    return bool(rows[0][0])


def commitments_of_intervention(con: duckdb.DuckDBPyConnection, intervention_id: str
                                ) -> list[str]:
    """Ids of the commitments linked to an intervention."""
    if not _has_table(con, "commitments"):
        return []
    rows = con.execute("SELECT id FROM commitments WHERE intervention_id = ? ORDER BY id",
                       [str(intervention_id)]).fetchall()
    return [str(r[0]) for r in rows]
