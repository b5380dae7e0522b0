"""Where incidents are: the location columns of ``incidents`` and the ``address_names`` table.

Migration 10 adds to ``incidents`` the columns of
:data:`analytics.settings.LOCATION_COLUMNS` (``location_precision``: rows of
older stores are ``exacta``; ``location_reason``; the storable address parts
``street``, ``block``, ``cross_street``, ``zone``), to ``imports`` the
precision mix and the forced points of each import, and the table
``address_names``: each street or zone name as stored (``"AV. AVIACION"``,
``"AA.HH. SAN PEDRO"``) with its parsed key and street type. With it, the
gazetteer of the next import learns from the store's exact points without
parsing anything again, and ``python -m analytics geocode`` re-geocodes the
store's other rows. Nothing here holds a house number or free text: raw
addresses are parsing inputs only (:mod:`analytics.address`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd

from analytics import settings

#: DDL of migration 10.
LOCATION_TABLES: Final = (
    *(f'ALTER TABLE incidents ADD COLUMN IF NOT EXISTS "{c}" {t}'
      + (" DEFAULT 'exacta'" if c == "location_precision" else "")
      for c, t in settings.LOCATION_COLUMNS),
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS precision VARCHAR",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS forced_points VARCHAR",
    "CREATE TABLE IF NOT EXISTS address_names (kind VARCHAR NOT NULL, name VARCHAR NOT NULL, "
    "key VARCHAR NOT NULL, type VARCHAR, PRIMARY KEY (kind, name))",
)

#: Incident columns written by the ingest, in order (canonical, then location).
STORED_COLUMNS: Final = tuple(c for c, _ in settings.INCIDENT_COLUMNS) + tuple(
    c for c, _ in settings.LOCATION_COLUMNS)


def save_address_names(con: duckdb.DuckDBPyConnection, names: pd.DataFrame) -> int:
    """Add street and zone names not yet known (``kind, name, key, type``); return how many."""
    if names.empty:
        return 0
    frame = names[["kind", "name", "key", "type"]].drop_duplicates(["kind", "name"])
    con.register("_vg_names", frame)
    try:
        before = int(con.execute("SELECT count(*) FROM address_names").fetchall()[0][0])
        con.execute("INSERT INTO address_names SELECT n.kind, n.name, n.key, n.type "
                    "FROM _vg_names n ANTI JOIN address_names a "
                    "ON a.kind = n.kind AND a.name = n.name")
        after = int(con.execute("SELECT count(*) FROM address_names").fetchall()[0][0])
    finally:
        con.unregister("_vg_names")
    return after - before


_PARTS_SQL: Final = """
    SELECT coalesce(i.district, i.ubigeo, '') AS district,
           coalesce(s.key, '') AS street, coalesce(s.type, '') AS street_type,
           coalesce(i.block, -1) AS block, coalesce(c.key, '') AS cross_street,
           coalesce(z.key, '') AS zone{extra}
    FROM incidents i
    LEFT JOIN address_names s ON s.kind = 'street' AND s.name = i.street
    LEFT JOIN address_names c ON c.kind = 'street' AND c.name = i.cross_street
    LEFT JOIN address_names z ON z.kind = 'zone' AND z.name = i.zone
    WHERE {where}"""


def exact_points(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The store's exact points that carry an address, parsed (for learning a gazetteer).

    Columns ``district`` (name, else ubigeo), ``street`` (key), ``street_type``,
    ``block`` (-1 unknown), ``cross_street`` (key), ``zone`` (key), ``lat``,
    ``lon``; text columns are ``""`` when absent.
    """
    sql = _PARTS_SQL.format(
        extra=", i.lat, i.lon",
        where="i.location_precision = 'exacta' AND i.lat IS NOT NULL "
              "AND (i.street IS NOT NULL OR i.zone IS NOT NULL)")
    df = con.execute(sql).df()
    return _object_text(df)


def placed_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Distinct (district, parsed address) of the store's rows without an exact point.

    Same text columns as :func:`exact_points` plus ``rows`` (how many
    incidents share it). Rows without any address part are left out (nothing
    to geocode).
    """
    sql = ("SELECT district, street, street_type, block, cross_street, zone, count(*) AS rows "
           "FROM (" + _PARTS_SQL.format(
               extra="", where="coalesce(i.location_precision, 'exacta') <> 'exacta' "
                               "AND (i.street IS NOT NULL OR i.zone IS NOT NULL)")
           + ") GROUP BY ALL ORDER BY ALL")
    return _object_text(con.execute(sql).df())


def _object_text(df: pd.DataFrame) -> pd.DataFrame:
    for c in ("district", "street", "street_type", "cross_street", "zone"):
        df[c] = pd.Series(df[c].to_numpy(dtype=object), dtype=object)
    df["block"] = df["block"].to_numpy(dtype=np.int32)
    return df


def _rank(column: str) -> str:
    """SQL rank of a precision column: 0 for ``exacta`` up to 4 for ``distrito`` (5 unknown)."""
    whens = " ".join(f"WHEN '{p}' THEN {k}" for k, p in enumerate(settings.LOCATION_PRECISIONS))
    return f"(CASE {column} {whens} ELSE {len(settings.LOCATION_PRECISIONS)} END)"


def update_placements(con: duckdb.DuckDBPyConnection, results: pd.DataFrame) -> int:
    """Write re-geocoded places of rows without an exact point; return rows changed.

    ``results`` has the key columns of :func:`placed_rows` plus ``lat``, ``lon``,
    ``h3_r12`` (NULL where no point), ``location_precision``,
    ``location_reason``. Only rows whose precision, reason or point change are
    written, and never to a coarser precision: what the row's import knew and the
    store does not keep (a named place, the house number) would be lost.
    """
    if results.empty:
        return 0
    cols = ["district", "street", "street_type", "block", "cross_street", "zone", "lat", "lon",
            "h3_r12", "location_precision", "location_reason"]
    con.register("_vg_place", results[cols])
    try:
        key = _PARTS_SQL.format(
            extra=", i.incident_id, i.location_precision AS p0, i.location_reason AS r0, "
                  "i.lat AS lat0, i.lon AS lon0",
            where="coalesce(i.location_precision, 'exacta') <> 'exacta'")
        con.execute(f"""
            CREATE TEMP TABLE _vg_changes AS
            SELECT k.incident_id, n.lat, n.lon, n.h3_r12, n.location_precision,
                   n.location_reason
            FROM ({key}) k JOIN _vg_place n USING (district, street, street_type, block,
                                                     cross_street, zone)
            WHERE ({_rank("n.location_precision")} <= {_rank("k.p0")})
              AND (k.p0 IS DISTINCT FROM n.location_precision
                   OR k.r0 IS DISTINCT FROM n.location_reason
                   OR k.lat0 IS DISTINCT FROM n.lat OR k.lon0 IS DISTINCT FROM n.lon)""")
        changed = int(con.execute("SELECT count(*) FROM _vg_changes").fetchall()[0][0])
        if changed:
            con.execute("""
                UPDATE incidents SET lat = c.lat, lon = c.lon, h3_r12 = c.h3_r12,
                       location_precision = c.location_precision,
                       location_reason = c.location_reason
                FROM _vg_changes c WHERE incidents.incident_id = c.incident_id
                  AND coalesce(incidents.location_precision, 'exacta') <> 'exacta'""")
    finally:
        con.execute("DROP TABLE IF EXISTS _vg_changes")
        con.unregister("_vg_place")
    return changed


def precision_counts(con: duckdb.DuckDBPyConnection, *, by: str | None = None,
                     where: str = "TRUE", params: Sequence[Any] = ()) -> pd.DataFrame:
    """Incidents per location precision, overall or per ``import_id`` / ``district``.

    Returns one row per group (``by`` column first, when given) and one column
    per precision of :data:`analytics.settings.LOCATION_PRECISIONS`, zeros
    included, plus ``total``.
    """
    if by not in (None, "import_id", "district"):
        msg = f"Agrupación desconocida: {by!r}."
        raise ValueError(msg)
    group = f'"{by}", ' if by else ""
    sums = ", ".join(f"count(*) FILTER (WHERE coalesce(location_precision, 'exacta') = '{p}') "
                     f'AS "{p}"' for p in settings.LOCATION_PRECISIONS)
    sql = (f"SELECT {group}{sums}, count(*) AS total FROM incidents WHERE {where}"
           + (f' GROUP BY "{by}" ORDER BY "{by}"' if by else ""))
    df = con.execute(sql, list(params)).df()
    for p in (*settings.LOCATION_PRECISIONS, "total"):
        df[p] = df[p].astype("int64")
    return df


def reason_counts(con: duckdb.DuckDBPyConnection, *, precision: str | None = None
                  ) -> pd.DataFrame:
    """Incidents per ``location_reason`` (``precision`` to restrict), largest first.

    Columns ``location_precision``, ``location_reason``, ``n``.
    """
    where = "TRUE"
    params: list[Any] = []
    if precision is not None:
        where = "coalesce(location_precision, 'exacta') = ?"
        params.append(precision)
    sql = ("SELECT coalesce(location_precision, 'exacta') AS location_precision, "
           "coalesce(location_reason, '') AS location_reason, count(*) AS n "
           f"FROM incidents WHERE {where} GROUP BY 1, 2 ORDER BY n DESC, 1, 2")
    df = con.execute(sql, params).df()
    df["n"] = df["n"].astype("int64")
    return df


def forced_points(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Forced and filler points found by every import, largest first.

    Columns ``import_id, file_name, lat, lon, rows, distinct_addresses, why``.
    """
    rows = con.execute("SELECT import_id, file_name, forced_points FROM imports "
                       "WHERE forced_points IS NOT NULL ORDER BY import_id").fetchall()
    out = []
    for iid, name, text in rows:
        for p in json.loads(text) if text else []:
            if isinstance(p, dict):
                out.append({"import_id": int(iid), "file_name": name, **p})
    cols = ["import_id", "file_name", "lat", "lon", "rows", "distinct_addresses", "why"]
    df = pd.DataFrame(out, columns=cols)
    return df.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)
