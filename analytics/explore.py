"""Aggregations behind the exploration pages (Inicio, Mapa, Patrones), in DuckDB.

Every function takes an open store connection (``analytics.store.connect``)
and an :class:`~analytics.query.IncidentQuery` (which incidents: period with
inclusive days, groups, types, shifts, weekdays, districts, precision, and the
H3 resolution to aggregate to). The query renders its own SQL with bound
parameters, so user values never enter SQL text. Aggregation happens in
DuckDB, so the functions stay fast on millions of rows; only small frames
(one row per cell, hour, week…) come back to Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from analytics import geo, hexbin
from analytics._errors import IncidentSchemaError, InsufficientHistoryError, StoreError
from analytics.query import IncidentQuery

Step = Literal["hour", "week"]

def _as_date(value: date | datetime | str | pd.Timestamp) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    out: date = pd.Timestamp(value).date()
    return out


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    try:
        return con.execute(sql, list(params)).df()
    except duckdb.Error as exc:
        msg = f"No se pudo consultar el almacén: {str(exc).splitlines()[0]}"
        raise StoreError(msg) from None


def _rows(con: duckdb.DuckDBPyConnection, sql: str,
          params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    try:
        return con.execute(sql, list(params)).fetchall()
    except duckdb.Error as exc:
        msg = f"No se pudo consultar el almacén: {str(exc).splitlines()[0]}"
        raise StoreError(msg) from None


# --------------------------------------------------------------------------- freshness
@dataclass(frozen=True)
class Freshness:
    """What the store holds: row count, time span and the last import."""

    n: int
    first: datetime | None
    last: datetime | None
    last_import_at: datetime | None
    last_import_file: str | None
    imports: int


def data_freshness(con: duckdb.DuckDBPyConnection) -> Freshness:
    """Row count, first and last ``occurred_at`` and the last import of the store."""
    n, first, last = _rows(con, "SELECT count(*), min(occurred_at), max(occurred_at) "
                                "FROM incidents")[0]
    imp_at = imp_file = None
    n_imp = 0
    if _has_table(con, "imports"):
        rows = _rows(con, "SELECT imported_at, file_name, count(*) OVER () FROM imports "
                          "ORDER BY import_id DESC LIMIT 1")
        if rows:
            imp_at, imp_file, n_imp = rows[0]
    return Freshness(int(n), _py_dt(first), _py_dt(last), _py_dt(imp_at),
                     None if imp_file is None else str(imp_file), int(n_imp))


def _py_dt(v: Any) -> datetime | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    out: datetime = pd.Timestamp(v).to_pydatetime()
    return out


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(_rows(con, "SELECT count(*) FROM information_schema.tables "
                           "WHERE table_schema = 'main' AND table_name = ?", [name])[0][0])


def dataset_version(con: duckdb.DuckDBPyConnection) -> str:
    """A short string that changes whenever the store's content changes (cache key)."""
    n, mx = _rows(con, "SELECT count(*), max(import_id) FROM incidents")[0]
    nq = _rows(con, "SELECT count(*) FROM quarantine")[0][0] if _has_table(con, "quarantine") else 0
    return f"{n}-{mx}-{nq}"


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Distinct values for the sidebar: ``groups``, ``types`` (by frequency), ``districts``."""
    groups = [r[0] for r in _rows(con, "SELECT crime_group, count(*) n FROM incidents "
                                       "WHERE crime_group IS NOT NULL GROUP BY 1 ORDER BY n DESC")]
    types = [r[0] for r in _rows(con, "SELECT crime_type, count(*) n FROM incidents "
                                      "WHERE crime_type IS NOT NULL GROUP BY 1 "
                                      "ORDER BY n DESC, 1 LIMIT 300")]
    districts = [r[0] for r in _rows(con, "SELECT DISTINCT district FROM incidents "
                                          "WHERE district IS NOT NULL ORDER BY 1")]
    return {"groups": groups, "types": types, "districts": districts}


def default_period(con: duckdb.DuckDBPyConnection, *, days: int = 90) -> tuple[date, date] | None:
    """The last ``days`` days of data (inclusive), or ``None`` for an empty store."""
    last = _rows(con, "SELECT max(occurred_at) FROM incidents")[0][0]
    if last is None:
        return None
    end = pd.Timestamp(last).date()
    return end - timedelta(days=days - 1), end


# --------------------------------------------------------------------------- KPIs
@dataclass(frozen=True)
class Kpis:
    """Totals for a period against the previous period of equal length."""

    start: date
    end: date
    prev_start: date
    prev_end: date
    total: int
    previous: int
    change_pct: float | None
    by_group: pd.DataFrame = field(repr=False)


def _pct(now: float, before: float) -> float | None:
    return None if before == 0 else 100.0 * (now - before) / before


def kpis(con: duckdb.DuckDBPyConnection, query: IncidentQuery) -> Kpis:
    """Totals and totals by crime group, against the previous equal period.

    ``by_group`` has columns ``crime_group, n, previous, change_pct``, largest first.
    When the query's period is open the store's span fills it in.
    """
    start, end = query.start, query.end
    if start is None or end is None:
        fr = data_freshness(con)
        if fr.first is None or fr.last is None:
            empty = pd.DataFrame({"crime_group": [], "n": [], "previous": [], "change_pct": []})
            today = date.today()
            return Kpis(today, today, today, today, 0, 0, None, empty)
        start = _as_date(start) if start is not None else fr.first.date()
        end = _as_date(end) if end is not None else fr.last.date()
    start, end = _as_date(start), _as_date(end)
    days = (end - start).days + 1
    prev_end = start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=days - 1)
    now_w, now_p = replace(query, start=start, end=end).sql()
    prev_w, prev_p = replace(query, start=prev_start, end=prev_end).sql()
    df = _df(con, f"""
        SELECT crime_group, sum(cur)::BIGINT AS n, sum(prev)::BIGINT AS previous FROM (
          SELECT coalesce(crime_group, 'otro') AS crime_group, 1 AS cur, 0 AS prev
            FROM incidents WHERE {now_w}
          UNION ALL
          SELECT coalesce(crime_group, 'otro'), 0, 1 FROM incidents WHERE {prev_w}
        ) GROUP BY 1 ORDER BY n DESC, previous DESC, 1""", [*now_p, *prev_p])
    df["change_pct"] = [_pct(a, b) for a, b in zip(df["n"], df["previous"], strict=True)]
    total, previous = int(df["n"].sum()), int(df["previous"].sum())
    return Kpis(start, end, prev_start, prev_end, total, previous, _pct(total, previous), df)


# --------------------------------------------------------------------------- cells
def cell_counts(con: duckdb.DuckDBPyConnection, query: IncidentQuery, *,
                n_types: int = 3) -> pd.DataFrame:
    """Incidents per H3 cell with tooltip facts (incidents placed well enough for hexagons).

    Hexagon functions (this one, :func:`top_cells`, :func:`cell_frames`,
    :func:`cell_profile`, :func:`counts_by_cell_period`, :func:`incident_points`)
    read ``query.located()``: incidents at ``settings.HEX_PRECISIONS`` unless the
    query names its precisions; :func:`unplaced_count` says how many that leaves out.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty cell, largest first: ``h3`` (uint64), ``h3_id``
        (hex string), ``n``, ``rate_km2`` (incidents per km²), ``top_types``
        (the ``n_types`` most frequent types, ``"robo (12), hurto (9)"``),
        ``peak_hour`` (0–23), ``district`` (most frequent district, may be
        missing), ``lat``, ``lon`` (cell centre); cells at ``query.resolution``.
    """
    resolution = query.resolution
    where, params = query.located().sql()
    cell = hexbin.parent_sql("h3_r12", resolution)
    df = _df(con, f"""
        WITH f AS (
          SELECT {cell} AS cell, crime_type, hour(occurred_at) AS h, district
          FROM incidents WHERE {where} AND h3_r12 IS NOT NULL),
        t AS (
          SELECT cell, crime_type, count(*) AS k,
                 row_number() OVER (PARTITION BY cell ORDER BY count(*) DESC, crime_type) AS rk
          FROM f GROUP BY cell, crime_type),
        hh AS (
          SELECT cell, arg_max(h, k) AS peak_hour FROM (
            SELECT cell, h, count(*) * 100 - h AS k FROM f GROUP BY cell, h) GROUP BY cell)
        SELECT c.cell AS h3, c.n, tt.top_types, hh.peak_hour
        FROM (SELECT cell, count(*) AS n FROM f GROUP BY cell) c
        LEFT JOIN (SELECT cell, string_agg(crime_type || ' (' || k || ')', ', ' ORDER BY rk)
                     AS top_types FROM t WHERE rk <= ? GROUP BY cell) tt USING (cell)
        LEFT JOIN hh USING (cell)
        ORDER BY c.n DESC, c.cell""", [*params, int(n_types)])
    out = _finish_cells(df, resolution)
    names = cell_districts(con, out["h3"].to_numpy())
    out["district"] = names.replace("", None).to_numpy()
    return out


def cell_districts(con: duckdb.DuckDBPyConnection, cells: np.ndarray | list[str]) -> pd.Series:
    """:func:`analytics.geo.cells_to_districts` with the store's incidents as majority.

    Cells may have any resolution (each is looked up at its own).
    """
    c = hexbin.to_cells(cells)

    def majority(ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        res = hexbin.cells_resolution(hexbin.to_cells(ids))
        for r in np.unique(res):
            found.update(_majority(con, [i for i, x in zip(ids, res, strict=True) if x == r],
                                   int(r)))
        return found

    return geo.cells_to_districts(c, majority=majority)


def _majority(con: duckdb.DuckDBPyConnection, ids: list[str], resolution: int
              ) -> dict[str, str]:
    """District holding most of the store's incidents of each cell (no filter: stable).

    Ties go to the first name in sort order, as in :func:`hexbin.majority_districts`.
    """
    cell = hexbin.parent_sql("h3_r12", resolution)
    df = _df(con, f"""
        SELECT {cell} AS cell, district, count(*) AS n FROM incidents
        WHERE district IS NOT NULL AND h3_r12 IS NOT NULL
          AND {cell} IN (SELECT unnest(?::UBIGINT[]))
        GROUP BY 1, 2""", [[int(c) for c in hexbin.to_cells(ids)]])
    top = (df.sort_values(["cell", "n", "district"], ascending=[True, False, True])
           .drop_duplicates("cell"))
    keys = hexbin.cells_to_strings(top["cell"].to_numpy(dtype=np.uint64))
    return dict(zip(keys, top["district"].astype(str), strict=True))


def counts_by_cell_period(con: duckdb.DuckDBPyConnection, query: IncidentQuery, *,
                          period: Literal["W", "M"] = "W") -> pd.DataFrame:
    """Incidents per H3 cell × week or month, non-empty pairs only.

    Parameters
    ----------
    con
        Store connection.
    query
        Which incidents; cells at ``query.resolution`` (parents of ``h3_r12``).
    period
        ``"W"``: weeks starting on Monday; ``"M"``: calendar months.

    Returns
    -------
    pandas.DataFrame
        ``h3`` (uint64), ``period`` (the week's Monday or the month's first day, at
        midnight), ``count`` (int64); sorted by cell, then period. The cube that
        ``analytics.hotspots.emerging_hotspots`` takes.
    """
    if period not in ("W", "M"):
        msg = f"Período desconocido: {period!r} (use 'W' o 'M')."
        raise IncidentSchemaError(msg)
    where, params = query.located().sql()
    cell = hexbin.parent_sql("h3_r12", query.resolution)
    unit = "week" if period == "W" else "month"
    df = _df(con, f"SELECT {cell} AS h3, CAST(date_trunc('{unit}', occurred_at) AS TIMESTAMP) "
                  f"AS period, count(*) AS count FROM incidents WHERE {where} "
                  f"AND h3_r12 IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2", params)
    df["h3"] = df["h3"].to_numpy(dtype="uint64")
    df["period"] = pd.to_datetime(df["period"])
    df["count"] = df["count"].astype("int64")
    return df


def _finish_cells(df: pd.DataFrame, resolution: int) -> pd.DataFrame:
    cells = df["h3"].to_numpy(dtype=np.uint64)
    df["h3"] = cells
    df["n"] = df["n"].astype("int64")
    df["h3_id"] = hexbin.cells_to_strings(cells)
    df["rate_km2"] = df["n"] / hexbin.cell_area_km2(resolution)
    if "peak_hour" in df.columns:
        df["peak_hour"] = df["peak_hour"].astype("Int64")
    lat, lon = cell_centers(cells)
    df["lat"], df["lon"] = lat, lon
    return df


def cell_centers(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre latitude and longitude of integer cells (vectorised, h3ronpy)."""
    c = np.asarray(cells, dtype=np.uint64)
    if c.size == 0:
        return np.empty(0), np.empty(0)
    from h3ronpy.vector import cells_to_coordinates

    rb = cells_to_coordinates(c)
    lat = np.asarray(rb.column("lat").to_numpy(), dtype=float)
    lon = np.asarray(rb.column("lng").to_numpy(), dtype=float)
    return lat, lon


def top_cells(con: duckdb.DuckDBPyConnection, query: IncidentQuery, *, n: int = 10
              ) -> pd.DataFrame:
    """The ``n`` cells with most incidents, with district, share and tooltip facts."""
    df = cell_counts(con, query)
    total = max(int(df["n"].sum()), 1)
    out = df.head(n).reset_index(drop=True)
    out["share_pct"] = 100.0 * out["n"] / total
    return out


def cell_frames(con: duckdb.DuckDBPyConnection, query: IncidentQuery, *,
                step: Step = "hour") -> pd.DataFrame:
    """Counts per cell and time-player frame.

    ``step="hour"``: frame = hour of day (0–23), summed over the period.
    ``step="week"``: frame = Monday of the week (``datetime64``).
    Columns ``frame, h3 (uint64), h3_id, n``; only non-empty pairs.
    """
    if step not in ("hour", "week"):
        msg = f"Paso desconocido: {step!r} (hour o week)."
        raise IncidentSchemaError(msg)
    where, params = query.located().sql()
    cell = hexbin.parent_sql("h3_r12", query.resolution)
    key = "hour(occurred_at)" if step == "hour" else "date_trunc('week', occurred_at)"
    df = _df(con, f"""
        SELECT {key} AS frame, {cell} AS h3, count(*) AS n FROM incidents
        WHERE {where} AND h3_r12 IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2""", params)
    df["h3"] = df["h3"].to_numpy(dtype=np.uint64)
    df["n"] = df["n"].astype("int64")
    df["h3_id"] = hexbin.cells_to_strings(df["h3"].to_numpy())
    return df


def frame_labels(step: Step, frames: Iterable[Any]) -> list[Any]:
    """All frames of a player, in order: 0–23 for hours, consecutive Mondays for weeks."""
    fr = list(frames)
    if step == "hour":
        return list(range(24))
    if not fr:
        return []
    lo, hi = pd.Timestamp(min(fr)), pd.Timestamp(max(fr))
    return list(pd.date_range(lo, hi, freq="7D"))


def unplaced_count(con: duckdb.DuckDBPyConnection, query: IncidentQuery) -> int:
    """Incidents of the filter that hexagon analytics leave out for lack of a precise place.

    Those matching ``query`` (whatever their precision) minus those matching
    ``query.located()``: incidents known only to their district, or placed on a
    street without its cuadra, or at a neighbourhood's centre.
    """
    everything, p_all = replace(query, precisions=()).sql()
    located = query.located().precisions
    rows = _rows(con, f"SELECT count(*) FILTER (WHERE coalesce(location_precision, 'exacta') "
                      f"NOT IN ({', '.join('?' for _ in located)})) FROM incidents "
                      f"WHERE {everything}", [*located, *p_all])
    return int(rows[0][0] or 0)


# --------------------------------------------------------------------------- time patterns
def hour_weekday_matrix(con: duckdb.DuckDBPyConnection, query: IncidentQuery) -> pd.DataFrame:
    """Counts for every weekday (0 = Monday) × hour (0–23): 168 rows, zeros included."""
    where, params = query.sql()
    df = _df(con, f"""
        SELECT isodow(occurred_at) - 1 AS weekday, hour(occurred_at) AS hour, count(*) AS n
        FROM incidents WHERE {where} GROUP BY 1, 2""", params)
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    out = (df.set_index(["weekday", "hour"])["n"].reindex(grid, fill_value=0)
           .astype("int64").reset_index())
    return out


def daily_series(con: duckdb.DuckDBPyConnection, query: IncidentQuery) -> pd.Series:
    """Incidents per calendar day over the filtered period (missing days = 0)."""
    where, params = query.sql()
    df = _df(con, f"SELECT CAST(occurred_at AS DATE) AS d, count(*) AS n FROM incidents "
                  f"WHERE {where} GROUP BY 1 ORDER BY 1", params)
    return _complete(df, "D", query)


def weekly_series(con: duckdb.DuckDBPyConnection, query: IncidentQuery) -> pd.Series:
    """Incidents per week (index = Monday), missing weeks = 0."""
    where, params = query.sql()
    df = _df(con, f"SELECT CAST(date_trunc('week', occurred_at) AS DATE) AS d, count(*) AS n "
                  f"FROM incidents WHERE {where} GROUP BY 1 ORDER BY 1", params)
    return _complete(df, "W-MON", query)


def _complete(df: pd.DataFrame, freq: str, query: IncidentQuery) -> pd.Series:
    s = pd.Series(df["n"].to_numpy(dtype="int64"), index=pd.to_datetime(df["d"]), name="n")
    lo = s.index.min() if len(s) else None
    hi = s.index.max() if len(s) else None
    if query.start is not None:
        lo = pd.Timestamp(query.start)
    if query.end is not None:
        hi = pd.Timestamp(query.end)
    if lo is None or hi is None:
        return s.astype("int64")
    if freq == "W-MON":
        lo = lo - pd.Timedelta(days=lo.day_of_week)
        hi = hi - pd.Timedelta(days=hi.day_of_week)
        idx = pd.date_range(lo, hi, freq="7D")
    else:
        idx = pd.date_range(lo, hi, freq="D")
    out = s.reindex(idx, fill_value=0).astype("int64")
    out.index.name = "date"
    return out


def moving_average(series: pd.Series, *, window: int = 4) -> pd.Series:
    """Trailing moving average (first values use the points available)."""
    return series.rolling(window, min_periods=1).mean()


def stl_decompose(series: pd.Series, *, period: int = 7, robust: bool = True) -> pd.DataFrame:
    """Seasonal-trend decomposition (statsmodels STL) of a regular series.

    Returns columns ``observed, trend, seasonal, resid`` on the series index.

    Raises
    ------
    InsufficientHistoryError
        Fewer than two full periods.
    """
    from statsmodels.tsa.seasonal import STL

    if len(series) < 2 * period + 1:
        msg = (f"Se necesitan al menos {2 * period + 1} puntos para la descomposición "
               f"estacional; hay {len(series)}.")
        raise InsufficientHistoryError(msg)
    res = STL(series.astype(float), period=period, robust=robust).fit()
    return pd.DataFrame({"observed": series.astype(float), "trend": res.trend,
                         "seasonal": res.seasonal, "resid": res.resid}, index=series.index)


def type_mix(con: duckdb.DuckDBPyConnection, query: IncidentQuery, *,
             by: Literal["group", "type"] = "group", top: int = 8) -> pd.DataFrame:
    """Weekly counts per crime group (or the ``top`` types, the rest as ``"otros"``).

    Columns ``week`` (Monday), ``category``, ``n``.
    """
    where, params = query.sql()
    col = "coalesce(crime_group, 'otro')" if by == "group" else "coalesce(crime_type, 'otro')"
    df = _df(con, f"""
        WITH f AS (SELECT CAST(date_trunc('week', occurred_at) AS DATE) AS week, {col} AS cat
                   FROM incidents WHERE {where}),
        r AS (SELECT cat, row_number() OVER (ORDER BY count(*) DESC, cat) AS rk
              FROM f GROUP BY cat)
        SELECT week, CASE WHEN r.rk <= ? THEN f.cat ELSE 'otros' END AS category,
               count(*) AS n
        FROM f JOIN r USING (cat) GROUP BY 1, 2 ORDER BY 1, 2""", [*params, int(top)])
    df["week"] = pd.to_datetime(df["week"])
    df["n"] = df["n"].astype("int64")
    return df


def type_counts(con: duckdb.DuckDBPyConnection, query: IncidentQuery, *, top: int = 15
                ) -> pd.DataFrame:
    """Counts per crime type (``crime_type, crime_group, n``), largest first."""
    where, params = query.sql()
    return _df(con, f"SELECT crime_type, any_value(crime_group) AS crime_group, count(*) AS n "
                    f"FROM incidents WHERE {where} GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?",
               [*params, int(top)])


# --------------------------------------------------------------------------- one cell
@dataclass(frozen=True)
class CellProfile:
    """When and what happens in one cell under the current filters."""

    h3_id: str
    total: int
    hours: pd.Series = field(repr=False)     # 24 values
    weekdays: pd.Series = field(repr=False)  # 7 values, 0 = Monday
    types: pd.DataFrame = field(repr=False)  # crime_type, n
    weekly: pd.Series = field(repr=False)    # per Monday


def cell_profile(con: duckdb.DuckDBPyConnection, query: IncidentQuery, cell: int | str
                 ) -> CellProfile:
    """Hours, weekdays, types and weekly trend of the incidents in ``cell``.

    ``cell`` must be at ``query.resolution``.
    """
    resolution = query.resolution
    c = int(hexbin.to_cells([cell])[0])
    res = int(hexbin.cells_resolution(np.array([c], dtype=np.uint64))[0])
    if res != int(resolution):
        msg = f"La celda {format(c, 'x')} es de resolución {res}, no {resolution}."
        raise IncidentSchemaError(msg)
    where, params = query.located().sql()
    cond = f"{where} AND {hexbin.parent_sql('h3_r12', resolution)} = ?::UBIGINT"
    p = [*params, c]
    hours = _df(con, f"SELECT hour(occurred_at) AS k, count(*) AS n FROM incidents "
                     f"WHERE {cond} GROUP BY 1", p)
    wdays = _df(con, f"SELECT isodow(occurred_at) - 1 AS k, count(*) AS n FROM incidents "
                     f"WHERE {cond} GROUP BY 1", p)
    types = _df(con, f"SELECT crime_type, count(*) AS n FROM incidents WHERE {cond} "
                     f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10", p)
    weekly = _df(con, f"SELECT CAST(date_trunc('week', occurred_at) AS DATE) AS d, "
                      f"count(*) AS n FROM incidents WHERE {cond} GROUP BY 1 ORDER BY 1", p)
    h = hours.set_index("k")["n"].reindex(range(24), fill_value=0).astype("int64")
    w = wdays.set_index("k")["n"].reindex(range(7), fill_value=0).astype("int64")
    return CellProfile(format(c, "x"), int(h.sum()), h, w, types,
                       _complete(weekly, "W-MON", query))


# --------------------------------------------------------------------------- points
def incident_points(con: duckdb.DuckDBPyConnection, query: IncidentQuery, *,
                    limit: int = 5000) -> pd.DataFrame:
    """Most recent points (``lat, lon, crime_type, occurred_at``), never sensitive ones.

    Rows of :data:`settings.SENSITIVE_GROUPS` and :data:`settings.SENSITIVE_TYPES`
    are always excluded, whatever the filters say.
    """
    where, params = replace(query, exclude_sensitive=True).located().sql()
    df = _df(con, f"SELECT lat, lon, crime_type, occurred_at FROM incidents WHERE {where} "
                  f"AND lat IS NOT NULL AND lon IS NOT NULL "
                  f"ORDER BY occurred_at DESC LIMIT ?", [*params, int(limit)])
    return df


# --------------------------------------------------------------------------- quality
def quality_warnings(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Data-quality facts for the home page, as ``{"kind": ..., ...}`` dicts.

    Kinds: ``"quarantined"`` (``count``, ``reasons``: reason → count),
    ``"stacked"`` (``lat``, ``lon``, ``count``, ``file``: a single coordinate
    holding many incidents, typically a police station), ``"no_district"``
    (``count``: incidents outside every district).
    """
    out: list[dict[str, Any]] = []
    if _has_table(con, "quarantine"):
        rows = _rows(con, "SELECT reason, count(*) FROM quarantine GROUP BY 1 ORDER BY 2 DESC")
        total = sum(int(r[1]) for r in rows)
        if total:
            out.append({"kind": "quarantined", "count": total,
                        "reasons": {str(r[0]): int(r[1]) for r in rows}})
    if _has_table(con, "imports"):
        import json

        for file_name, stacked in _rows(con, "SELECT file_name, stacked_points FROM imports "
                                             "ORDER BY import_id"):
            items = json.loads(stacked) if isinstance(stacked, str) and stacked else stacked
            for item in items or []:
                if isinstance(item, dict):
                    out.append({"kind": "stacked", "file": file_name,
                                "lat": item.get("lat"), "lon": item.get("lon"),
                                "count": item.get("count", item.get("n"))})
    n_nd = _rows(con, "SELECT count(*) FROM incidents WHERE district IS NULL")[0][0]
    if n_nd:
        out.append({"kind": "no_district", "count": int(n_nd)})
    return out


# --------------------------------------------------------------------------- calendar
def calendar_marks(start: date, end: date, *, language: str = "es") -> pd.DataFrame:
    """Peruvian public holidays and paydays (15th and last day of month) in a range.

    Columns ``date`` (datetime64), ``kind`` (``"feriado"`` or ``"pago"``), ``name``.
    """
    import holidays

    start, end = _as_date(start), _as_date(end)
    rows: list[tuple[pd.Timestamp, str, str]] = []
    years = range(start.year, end.year + 1)
    days = holidays.country_holidays("PE", years=list(years), language=language)
    for d, name in sorted(days.items()):
        if start <= d <= end:
            rows.append((pd.Timestamp(d), "feriado", str(name)))
    for d in pd.date_range(start, end, freq="D"):
        if d.day == 15 or d.is_month_end:
            rows.append((d, "pago", "quincena" if d.day == 15 else "fin de mes"))
    return pd.DataFrame(rows, columns=["date", "kind", "name"]).sort_values(
        ["date", "kind"]).reset_index(drop=True)


# --------------------------------------------------------------------------- zones
def zone_counts(con: duckdb.DuckDBPyConnection, query: IncidentQuery, *,
                zones: Any = None) -> pd.DataFrame:
    """Incidents per zone: districts (``zones=None``) or the polygons of a zone layer.

    Parameters
    ----------
    con
        Store connection.
    query
        Which incidents.
    zones
        A zone layer (:func:`analytics.zones.zone_layer_from_frame`, or one
        stored: :func:`analytics.store.zones.load_zone_layer`). Incidents are
        placed by their resolution-12 cell (about 300 m², so within ~10 m of
        the point).

    Returns
    -------
    pandas.DataFrame
        ``zone`` and ``n``, largest first; zones without incidents are left out.
        ``attrs["outside"]``: incidents in no zone (no district, no point, or
        outside every polygon).
    """
    where, params = query.sql()
    total = int(_rows(con, f"SELECT count(*) FROM incidents WHERE {where}", params)[0][0])
    if zones is None:
        df = _df(con, f"SELECT district AS zone, count(*) AS n FROM incidents WHERE {where} "
                      "AND district IS NOT NULL GROUP BY 1", params)
    else:
        from analytics import zones as zn

        cells = _df(con, f"SELECT h3_r12 AS h3, count(*) AS n FROM incidents WHERE {where} "
                         "AND h3_r12 IS NOT NULL GROUP BY 1", params)
        where_z = zn.cells_to_zones(cells["h3"].to_numpy(dtype=np.uint64), zones)
        cells["zone"] = where_z
        cells = cells[cells["zone"].notna()]
        df = cells.groupby("zone", as_index=False)["n"].sum()
    df["zone"] = df["zone"].astype(str)
    df["n"] = df["n"].astype("int64")
    df = df.sort_values(["n", "zone"], ascending=[False, True], ignore_index=True)
    df.attrs["outside"] = total - int(df["n"].sum())
    return df
