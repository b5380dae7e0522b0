"""The interventions register: the ``interventions`` table (SQL only).

One row per intervention the Codisec or the police carried out on an area: name, kind,
area (GeoJSON, EPSG:4326), first day, end (exclusive, empty while ongoing), responsible
body, who registered it and when. Ids are ``I1``, ``I2``… from a sequence, never reused
after a removal (the audit log keeps referring to them). Validation, overlap warnings and
the audit live in :mod:`analytics.intervention_register`; reading functions treat a
missing table as empty, so they work on any read-only connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import duckdb
import pandas as pd

#: DDL of the register (store migration 5, with the commitments tables).
INTERVENTION_TABLES: Final = (
    "CREATE SEQUENCE IF NOT EXISTS intervention_seq START 1",
    "CREATE TABLE IF NOT EXISTS interventions (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, "
    "kind VARCHAR NOT NULL, area_geojson VARCHAR NOT NULL, start DATE NOT NULL, \"end\" DATE, "
    "body VARCHAR, created_at TIMESTAMP NOT NULL, created_by VARCHAR, updated_at TIMESTAMP, "
    "updated_by VARCHAR)",
)
#: Columns of the table, in order.
INTERVENTION_COLUMNS: Final = ("id", "name", "kind", "area_geojson", "start", "end", "body",
                               "created_at", "created_by", "updated_at", "updated_by")
#: Columns a change may set (:func:`update_intervention`).
EDITABLE: Final = frozenset({"name", "kind", "area_geojson", "start", "end", "body"})


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_name = 'interventions'").fetchall()
    return bool(rows[0][0])


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in INTERVENTION_COLUMNS})


def next_intervention_id(con: duckdb.DuckDBPyConnection) -> str:
    """A new id (``I<n>``) from the register's sequence."""
    n = con.execute("SELECT nextval('intervention_seq')").fetchall()[0][0]
    return f"I{int(n)}"


def insert_intervention(con: duckdb.DuckDBPyConnection, row: Mapping[str, Any]) -> None:
    """Add one row (keys of :data:`INTERVENTION_COLUMNS`; missing ones are NULL)."""
    cols = ", ".join(f'"{c}"' for c in INTERVENTION_COLUMNS)
    con.execute(f"INSERT INTO interventions ({cols}) VALUES "
                f"({', '.join('?' for _ in INTERVENTION_COLUMNS)})",
                [row.get(c) for c in INTERVENTION_COLUMNS])


def update_intervention(con: duckdb.DuckDBPyConnection, ident: str, changes: Mapping[str, Any],
                        *, updated_at: Any, updated_by: str | None) -> None:
    """Set the :data:`EDITABLE` columns in ``changes`` and the update stamp of one row."""
    unknown = set(changes) - EDITABLE
    if unknown:
        msg = f"columns not editable: {sorted(unknown)}"
        raise ValueError(msg)
    sets = [f'"{c}" = ?' for c in changes] + ["updated_at = ?", "updated_by = ?"]
    con.execute(f"UPDATE interventions SET {', '.join(sets)} WHERE id = ?",
                [*changes.values(), updated_at, updated_by, str(ident)])


def delete_intervention(con: duckdb.DuckDBPyConnection, ident: str) -> None:
    """Remove one row."""
    con.execute("DELETE FROM interventions WHERE id = ?", [str(ident)])


def intervention_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every row (:data:`INTERVENTION_COLUMNS`), oldest first."""
    if not _has_table(con):
        return _empty()
    cols = ", ".join(f'"{c}"' for c in INTERVENTION_COLUMNS)
    return con.execute(f"SELECT {cols} FROM interventions "
                       "ORDER BY created_at, TRY_CAST(substr(id, 2) AS BIGINT), id").df()


def intervention_row(con: duckdb.DuckDBPyConnection, ident: str) -> dict[str, Any] | None:
    """One row as a dict, or ``None``."""
    if not _has_table(con):
        return None
    cols = ", ".join(f'"{c}"' for c in INTERVENTION_COLUMNS)
    df = con.execute(f"SELECT {cols} FROM interventions WHERE id = ?", [str(ident)]).df()
    if df.empty:
        return None
    out: dict[str, Any] = df.iloc[0].to_dict()
    return out
