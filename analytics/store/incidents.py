"""Writes of one import: its accepted incidents, its quarantined rows and its ``imports`` record.

The ingest pipeline (:mod:`analytics.ingest.pipeline`) decides what each row
becomes; these functions are the only place its results are written, inside
the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.store.locations import STORED_COLUMNS

#: Columns of ``imports`` written per import, beyond :data:`analytics.store.IMPORT_COLUMNS`.
IMPORT_EXTRA_COLUMNS = ("personal_data_masked", "precision", "forced_points")
#: ``imports`` columns held as JSON text.
_JSON_COLUMNS = frozenset({"reasons", "pii_columns_dropped", "stacked_points", "mapping",
                           "precision", "forced_points"})


def insert_incidents(con: duckdb.DuckDBPyConnection, table: pa.Table, *, source: str | None,
                     import_id: int) -> None:
    """Append accepted incidents (an Arrow table of the staged columns) to ``incidents``.

    ``h3_r12 == 0`` (no point) is stored as NULL; ``source`` and ``import_id``
    are the import's.
    """
    con.register("_vg_new", table)
    # Row order in the table carries no meaning (reads sort): let DuckDB write in parallel.
    con.execute("SET preserve_insertion_order = false")
    try:
        cols = ", ".join(f'"{c}"' for c in STORED_COLUMNS)
        con.execute(
            f"INSERT INTO incidents ({cols}) SELECT incident_id, occurred_at, lat, lon, "
            f"crime_type, crime_group, district, ubigeo, ?, "
            f"CASE WHEN h3_r12 = 0 THEN NULL ELSE h3_r12 END, {int(import_id)}, "
            "location_precision, location_reason, street, block, cross_street, zone "
            "FROM _vg_new", [source])
    finally:
        con.execute("RESET preserve_insertion_order")
        con.unregister("_vg_new")


def insert_quarantine(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    """Append quarantined rows (columns of :data:`analytics.store.QUARANTINE_COLUMNS`, in order)."""
    con.register("_vg_qdf", rows)
    try:
        cols = ", ".join(f'"{c}"' for c in rows.columns)
        con.execute(f"INSERT INTO quarantine ({cols}) SELECT * FROM _vg_qdf")
    finally:
        con.unregister("_vg_qdf")


def insert_import(con: duckdb.DuckDBPyConnection, record: Mapping[str, Any]) -> None:
    """Write one ``imports`` row; ``imported_at`` is now (UTC), JSON columns are serialised.

    ``record`` maps column names of ``imports`` (without ``imported_at``) to values.
    """
    cols = ["imported_at", *record]
    values = [json.dumps(v, ensure_ascii=False) if k in _JSON_COLUMNS else v
              for k, v in record.items()]
    marks = ["timezone('UTC', now())", *["?"] * len(record)]
    con.execute(f"INSERT INTO imports ({', '.join(cols)}) VALUES ({', '.join(marks)})", values)
