"""Near-repeat alerts: the ``alert_rules`` (Knox rule per crime type) and ``alerts`` tables.

Policy and computation live in :mod:`analytics.alerts`; here are only the SQL
statements. Reading functions treat a missing table as empty, so they work on
any read-only connection. Both tables are derived data: :func:`replace_rules`
and :func:`replace_alerts` rewrite them whole.

Times are local wall time (``settings.TIMEZONE``), like incidents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import duckdb
import pandas as pd

#: Columns of ``alert_rules``, with DuckDB types.
RULE_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("crime_type", "VARCHAR"),
    ("crime_group", "VARCHAR"),
    ("prone", "BOOLEAN"),
    ("distance_m", "DOUBLE"),
    ("days", "INTEGER"),
    ("ratio", "DOUBLE"),
    ("p_value", "DOUBLE"),
    ("n_incidents", "BIGINT"),
    ("basis", "VARCHAR"),
    ("computed_at", "TIMESTAMP"),
)

#: Columns of ``alerts``, with DuckDB types.
ALERT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("h3", "VARCHAR"),
    ("crime_type", "VARCHAR"),
    ("crime_group", "VARCHAR"),
    ("starts_at", "TIMESTAMP"),
    ("expires_at", "TIMESTAMP"),
    ("trigger_incident_id", "VARCHAR"),
    ("risk_ratio", "DOUBLE"),
    ("distance_m", "DOUBLE"),
    ("days", "INTEGER"),
    ("cell_distance_m", "DOUBLE"),
    ("n_incidents", "INTEGER"),
    ("lat", "DOUBLE"),
    ("lon", "DOUBLE"),
    ("basis", "VARCHAR"),
)


def _ddl(name: str, columns: tuple[tuple[str, str], ...]) -> str:
    return f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(f'{c} {t}' for c, t in columns)})"


#: DDL of the two tables (store migration 9).
ALERT_TABLES: Final = (
    _ddl("alert_rules", RULE_COLUMNS),
    _ddl("alerts", ALERT_COLUMNS),
    "CREATE TABLE IF NOT EXISTS alerts_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


def _empty(columns: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c, _ in columns})


def _replace(con: duckdb.DuckDBPyConnection, table: str,
             columns: tuple[tuple[str, str], ...], frame: pd.DataFrame) -> None:
    cols = [c for c, _ in columns]
    con.execute(f"DELETE FROM {table}")
    if len(frame):
        con.register("_vg_rows", frame[cols])
        try:
            con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT "
                        f"{', '.join(f'CAST({c} AS {t})' for c, t in columns)} FROM _vg_rows")
        finally:
            con.unregister("_vg_rows")


# --------------------------------------------------------------------------- rules
def replace_rules(con: duckdb.DuckDBPyConnection, rules: pd.DataFrame) -> None:
    """Rewrite ``alert_rules`` with ``rules`` (columns :data:`RULE_COLUMNS`)."""
    _replace(con, "alert_rules", RULE_COLUMNS, rules)


def rules_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The cached rules (:data:`RULE_COLUMNS`), by crime type."""
    if not _has_table(con, "alert_rules"):
        return _empty(RULE_COLUMNS)
    cols = ", ".join(c for c, _ in RULE_COLUMNS)
    return con.execute(f"SELECT {cols} FROM alert_rules ORDER BY crime_type").df()


def rules_computed_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the cached rules were computed (``None``: never)."""
    if not _has_table(con, "alert_rules"):
        return None
    value = con.execute("SELECT max(computed_at) FROM alert_rules").fetchall()[0][0]
    return value if isinstance(value, datetime) else None


# --------------------------------------------------------------------------- alerts
def replace_alerts(con: duckdb.DuckDBPyConnection, alerts: pd.DataFrame, *,
                   computed_at: datetime) -> None:
    """Rewrite ``alerts`` with ``alerts`` (columns :data:`ALERT_COLUMNS`); note when."""
    _replace(con, "alerts", ALERT_COLUMNS, alerts)
    con.execute("INSERT OR REPLACE INTO alerts_meta VALUES ('computed_at', ?)",
                [computed_at.isoformat(sep=" ")])


def alerts_frame(con: duckdb.DuckDBPyConnection, *, active_at: datetime | None = None
                 ) -> pd.DataFrame:
    """Stored alerts (:data:`ALERT_COLUMNS`), newest expiry first.

    ``active_at``: only the alerts active then (``starts_at <= t < expires_at``).
    """
    if not _has_table(con, "alerts"):
        return _empty(ALERT_COLUMNS)
    cols = ", ".join(c for c, _ in ALERT_COLUMNS)
    sql = f"SELECT {cols} FROM alerts"
    params: list[datetime] = []
    if active_at is not None:
        sql += " WHERE starts_at <= ? AND expires_at > ?"
        params = [active_at, active_at]
    return con.execute(sql + " ORDER BY expires_at DESC, h3, crime_type", params).df()


def alerts_version(con: duckdb.DuckDBPyConnection) -> str:
    """A short string that changes whenever the alerts are recomputed."""
    if not _has_table(con, "alerts_meta"):
        return "-"
    rows = con.execute("SELECT value FROM alerts_meta WHERE key = 'computed_at'").fetchall()
    n = con.execute("SELECT count(*) FROM alerts").fetchall()[0][0]
    return f"{rows[0][0] if rows else '-'}|{n}"
