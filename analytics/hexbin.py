"""Bin incidents into H3 cells and time slots, vectorised.

Cells are handled as ``uint64`` integers internally (fast, compact, what the
store keeps in ``h3_r12``) and as hexadecimal strings at the edges (pydeck,
CSV outputs). Points are indexed once, at resolution 12, with ``h3ronpy``
(Rust, ~4 M points/s).

Binning is hierarchical: an incident's cell at a coarser resolution r is the H3
parent of its resolution-12 cell (``h3.cell_to_parent``), computed by bit
arithmetic, also available as a DuckDB expression (:func:`parent_sql`). This
keeps every view consistent: the counts of an r-cell always equal the sum of
its children's counts, on the map, in forecasts and in reports. H3 parents do
not contain their children exactly, so for about 6 % of points (those close
to a cell edge) the parent differs from ``h3.latlng_to_cell(lat, lon, r)``;
:func:`points_to_cells` gives the direct answer where that is wanted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

import h3
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import settings
from analytics._errors import IncidentSchemaError

if TYPE_CHECKING:
    import geopandas as gpd

TimeKey = Literal["hour", "shift", "weekday", "date"]

_RES_SHIFT = 52
_RES_MASK = np.uint64(0xF) << np.uint64(_RES_SHIFT)


def _check_resolution(resolution: int) -> None:
    lo, hi = settings.H3_MIN_RESOLUTION, settings.H3_MAX_RESOLUTION
    if not (lo <= int(resolution) <= hi):
        msg = f"Resolución H3 {resolution} fuera del rango admitido ({lo}–{hi})."
        raise IncidentSchemaError(msg)


def points_to_cells(lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray,
                    *, resolution: int = settings.H3_STORE_RESOLUTION) -> np.ndarray:
    """Index points into H3 cells.

    Parameters
    ----------
    lat, lon
        WGS84 degrees, same length, no missing values.
    resolution
        H3 resolution, 6–12.

    Returns
    -------
    numpy.ndarray
        ``uint64`` cell ids, one per point.
    """
    _check_resolution(resolution)
    from h3ronpy.vector import coordinates_to_cells

    lat_a = np.ascontiguousarray(lat, dtype=np.float64)
    lon_a = np.ascontiguousarray(lon, dtype=np.float64)
    if lat_a.size == 0:
        return np.empty(0, dtype=np.uint64)
    cells = coordinates_to_cells(lat_a, lon_a, int(resolution))
    return np.asarray(cells.to_numpy(), dtype=np.uint64)


def cells_to_parent(cells: np.ndarray, *, resolution: int) -> np.ndarray:
    """Coarsen cells to ``resolution`` (must not be finer than the input).

    Uses the H3 bit layout: set the resolution field and fill the unused
    digits with 7. Equal to ``h3.cell_to_parent`` for every valid cell.
    """
    _check_resolution(resolution)
    c = np.asarray(cells, dtype=np.uint64)
    r = np.uint64(resolution)
    fill = np.uint64((1 << (3 * (15 - int(resolution)))) - 1)
    return (c & ~_RES_MASK) | (r << np.uint64(_RES_SHIFT)) | fill


def parent_sql(column: str, resolution: int) -> str:
    """DuckDB expression that coarsens a ``UBIGINT`` cell column to ``resolution``."""
    _check_resolution(resolution)
    keep = (~(0xF << _RES_SHIFT)) & 0xFFFFFFFFFFFFFFFF
    fill = (1 << (3 * (15 - int(resolution)))) - 1
    setbits = (int(resolution) << _RES_SHIFT) | fill
    return f"(({column} & {keep}::UBIGINT) | {setbits}::UBIGINT)"


def cells_to_strings(cells: Iterable[int] | np.ndarray) -> np.ndarray:
    """Hexadecimal strings (``'89...ffff'``) for integer cells."""
    c = np.ascontiguousarray(cells, dtype=np.uint64)
    if c.size == 0:
        return np.empty(0, dtype=object)
    from h3ronpy import cells_to_string

    return np.asarray(pa.array(cells_to_string(c)).to_pylist(), dtype=object)


def to_cells(values: Iterable[int | str] | np.ndarray | pd.Series) -> np.ndarray:
    """The one cell parser: ``uint64`` cells from integers or hexadecimal strings.

    Parameters
    ----------
    values
        Integer cell ids or hexadecimal strings (``'89...ffff'``, surrounding
        spaces ignored), in any iterable.

    Returns
    -------
    numpy.ndarray
        ``uint64`` cells, in input order.

    Raises
    ------
    IncidentSchemaError
        Listing (up to five of) the values that are not valid H3 cells.

    Examples
    --------
    >>> to_cells(["8928308280fffff"]).tolist()
    [617700169958293503]
    """
    from h3ronpy import cells_parse, cells_valid

    if isinstance(values, (np.ndarray, pd.Series)):
        arr = np.asarray(values)
    else:
        arr = np.asarray(list(values), dtype=object)
    if arr.size == 0:
        return np.empty(0, dtype=np.uint64)
    if arr.dtype.kind in "iu":
        ints = np.ascontiguousarray(arr, dtype=np.uint64)
        ok = np.asarray(pa.array(cells_valid(ints)).is_valid())
        if ok.all():
            return ints
        bad = [format(int(c), "x") for c in ints[~ok][:5]]
    else:
        text = [str(v).strip() for v in arr.ravel()]
        if arr.dtype.kind == "O" and all(isinstance(v, (int, np.integer)) for v in arr.ravel()):
            return to_cells(np.asarray(arr, dtype=np.uint64))
        parsed = pa.array(cells_parse(pa.array(text, type=pa.string()),
                                      set_failing_to_invalid=True))
        ok = np.asarray(parsed.is_valid())
        if ok.all():
            return np.asarray(parsed.to_numpy(zero_copy_only=False), dtype=np.uint64)
        bad = [t for t, good in zip(text, ok, strict=True) if not good][:5]
    msg = f"Identificadores H3 no válidos: {', '.join(map(str, bad))}"
    raise IncidentSchemaError(msg)


def strings_to_cells(strings: Iterable[str]) -> np.ndarray:
    """Integer cells for hexadecimal strings; raises on invalid ids (see :func:`to_cells`)."""
    return to_cells([str(s) for s in strings])


def cells_resolution(cells: np.ndarray) -> np.ndarray:
    """Resolution of each integer cell."""
    c = np.asarray(cells, dtype=np.uint64)
    return ((c & _RES_MASK) >> np.uint64(_RES_SHIFT)).astype(np.int8)


def cells_to_centers(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre latitude and longitude of each cell."""
    c = np.ascontiguousarray(cells, dtype=np.uint64)
    if c.size == 0:
        return np.empty(0), np.empty(0)
    from h3ronpy.vector import cells_to_coordinates

    batch = pa.record_batch(cells_to_coordinates(c))
    return (batch.column("lat").to_numpy(zero_copy_only=False),
            batch.column("lng").to_numpy(zero_copy_only=False))


def cell_area_km2(resolution: int) -> float:
    """Average area of a cell at ``resolution``, km²."""
    _check_resolution(resolution)
    return float(h3.average_hexagon_area(int(resolution), unit="km^2"))


def cells_to_polygons(cells: Iterable[int] | np.ndarray) -> gpd.GeoDataFrame:
    """Hexagon polygons (EPSG:4326) with an ``h3`` string column."""
    import geopandas as gpd
    from shapely.geometry import Polygon

    c = np.unique(np.asarray(list(cells) if not isinstance(cells, np.ndarray) else cells,
                             dtype=np.uint64))
    polys = [Polygon([(lng, lat) for lat, lng in h3.api.basic_int.cell_to_boundary(int(x))])
             for x in c]
    return gpd.GeoDataFrame({"h3": cells_to_strings(c)}, geometry=polys, crs="EPSG:4326")


def cell_neighbors(cells: Iterable[int] | np.ndarray, *, k: int = 1) -> dict[int, list[int]]:
    """Cells within ``k`` rings of each cell (the cell itself excluded)."""
    out: dict[int, list[int]] = {}
    for x in np.asarray(list(cells) if not isinstance(cells, np.ndarray) else cells,
                        dtype=np.uint64):
        xi = int(x)
        out[xi] = [h3.str_to_int(n) for n in h3.grid_disk(h3.int_to_str(xi), k)
                   if h3.str_to_int(n) != xi]
    return out


def hours_to_shifts(hours: np.ndarray | pd.Series,
                    *, shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS) -> np.ndarray:
    """Shift name for each local hour (0–23)."""
    h = np.asarray(hours, dtype=np.int64)
    out = np.full(h.shape, "", dtype=object)
    for name, start, end in shifts:
        inside = (h >= start) & (h < end) if start < end else (h >= start) | (h < end)
        out[inside & (out == "")] = name
    if (out == "").any():
        msg = "Los turnos configurados no cubren las 24 horas del día."
        raise IncidentSchemaError(msg)
    return out


def times_to_shift_starts(times: pd.Series | pd.DatetimeIndex,
                          *, shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS
                          ) -> pd.Series:
    """Start (local wall time) of the shift each timestamp belongs to.

    A night shift that wraps midnight belongs to the day it started on: an
    incident at 02:00 on the 2nd falls in the shift that began at 22:00 on the 1st.
    """
    t = pd.Series(pd.to_datetime(times)).reset_index(drop=True)
    hour = t.dt.hour.to_numpy()
    day = t.dt.floor("D")
    start_hour = np.zeros(len(t), dtype=np.int64)
    back = np.zeros(len(t), dtype=bool)
    for _name, start, end in shifts:
        if start < end:
            m = (hour >= start) & (hour < end)
        else:
            m = (hour >= start) | (hour < end)
            back |= m & (hour < end)
        start_hour[m] = start
    out = day + pd.to_timedelta(start_hour, unit="h") - pd.to_timedelta(back.astype(int), unit="D")
    return out


def incidents_to_cells(incidents: pd.DataFrame, *, resolution: int = settings.H3_RESOLUTION,
                       column: str = "h3") -> pd.DataFrame:
    """Add the ``resolution`` cell of every incident as ``column`` (uint64).

    Uses ``h3_r12`` when present, otherwise indexes ``lat``/``lon`` at
    resolution 12 first; the result is the resolution-``resolution`` parent
    (see the module notes). Every incident lands in exactly one cell.

    Examples
    --------
    >>> inc = pd.DataFrame({"lat": [-12.0680, -12.0681, -12.1100],
    ...                     "lon": [-77.0180, -77.0181, -77.0300]})
    >>> cells_to_strings(incidents_to_cells(inc, resolution=9)["h3"]).tolist()
    ['898e62c0d1bffff', '898e62c0d1bffff', '898e62c0b37ffff']
    """
    _check_resolution(resolution)
    out = incidents.copy()
    if "h3_r12" in out.columns and resolution <= settings.H3_STORE_RESOLUTION:
        out[column] = cells_to_parent(out["h3_r12"].to_numpy(dtype=np.uint64),
                                      resolution=resolution)
    elif {"lat", "lon"} <= set(out.columns):
        if out[["lat", "lon"]].isna().any().any():
            msg = "Hay incidentes sin coordenadas; no se pueden ubicar en celdas H3."
            raise IncidentSchemaError(msg)
        r12 = points_to_cells(out["lat"].to_numpy(), out["lon"].to_numpy(),
                              resolution=settings.H3_STORE_RESOLUTION)
        out[column] = cells_to_parent(r12, resolution=resolution)
    else:
        msg = "Faltan columnas: se necesita 'h3_r12' o 'lat' y 'lon'."
        raise IncidentSchemaError(msg)
    return out


def counts_by_cell(incidents: pd.DataFrame, *, resolution: int = settings.H3_RESOLUTION,
                   by: TimeKey | None = None,
                   shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS) -> pd.DataFrame:
    """Count incidents per cell, optionally per time slot.

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at`` and ``h3_r12`` or ``lat``/``lon``).
    resolution
        H3 resolution of the cells.
    by
        ``None`` (cell only), ``"hour"`` (0–23), ``"shift"`` (shift name),
        ``"weekday"`` (0 = Monday) or ``"date"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``h3`` (uint64), the time key if any, and ``count``; only
        non-empty combinations. ``count`` sums to the number of incidents.
    """
    df = incidents_to_cells(incidents, resolution=resolution, column="h3")
    keys = ["h3"]
    if by is not None:
        ts = pd.to_datetime(df["occurred_at"])
        if by == "hour":
            df["hour"] = ts.dt.hour.astype("int8")
        elif by == "shift":
            df["shift"] = hours_to_shifts(ts.dt.hour.to_numpy(), shifts=shifts)
        elif by == "weekday":
            df["weekday"] = ts.dt.day_of_week.astype("int8")
        elif by == "date":
            df["date"] = ts.dt.floor("D")
        else:
            msg = f"Clave de tiempo desconocida: {by!r} (hour, shift, weekday o date)."
            raise IncidentSchemaError(msg)
        keys.append(by)
    out = df.groupby(keys, sort=True, observed=True).size().rename("count").reset_index()
    out["count"] = out["count"].astype("int64")
    return out


def counts_by_cell_hour(incidents: pd.DataFrame, *,
                        resolution: int = settings.H3_RESOLUTION) -> pd.DataFrame:
    """Counts per cell × hour of day."""
    return counts_by_cell(incidents, resolution=resolution, by="hour")


def counts_by_cell_shift(incidents: pd.DataFrame, *, resolution: int = settings.H3_RESOLUTION,
                         shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS
                         ) -> pd.DataFrame:
    """Counts per cell × shift."""
    return counts_by_cell(incidents, resolution=resolution, by="shift", shifts=shifts)


def counts_by_cell_weekday(incidents: pd.DataFrame, *,
                           resolution: int = settings.H3_RESOLUTION) -> pd.DataFrame:
    """Counts per cell × weekday (0 = Monday)."""
    return counts_by_cell(incidents, resolution=resolution, by="weekday")


def counts_by_cell_date(incidents: pd.DataFrame, *,
                        resolution: int = settings.H3_RESOLUTION) -> pd.DataFrame:
    """Counts per cell × calendar date."""
    return counts_by_cell(incidents, resolution=resolution, by="date")


def majority_districts(incidents: pd.DataFrame, *, resolution: int,
                       column: str = "district") -> pd.Series:
    """The district (or zone) holding most of each cell's incidents.

    The first step of the cell → district rule (:func:`analytics.geo.cells_to_districts`).

    Ties go to the first district name in sort order; cells whose incidents
    carry no district are left out.

    Parameters
    ----------
    incidents
        Canonical incidents with ``h3_r12`` (or ``lat``/``lon``) and ``column``.
    resolution
        Resolution of the cells.
    column
        The zone column (``district`` by default; any zone name column works).

    Returns
    -------
    pandas.Series
        District name indexed by the cell's hexadecimal id, sorted by cell.
    """
    d = incidents.loc[incidents[column].notna()]
    if d.empty:
        return pd.Series(dtype=object, name=column)
    b = incidents_to_cells(d, resolution=resolution, column="_cell")
    top = (b.groupby(["_cell", column]).size().rename("_n").reset_index()
           .sort_values(["_cell", "_n", column], ascending=[True, False, True])
           .drop_duplicates("_cell"))
    return pd.Series(top[column].astype(str).to_numpy(),
                     index=cells_to_strings(top["_cell"].to_numpy()), name=column)
