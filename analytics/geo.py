"""Vigía's one geo base: Earth distances, local metres, districts of points and cells.

Distances use the sphere H3 uses (:data:`EARTH_RADIUS_M`): :func:`haversine_m`
for great-circle metres, :func:`local_xy` for planar metres around a point
(equirectangular; error below 0.1 % within ~50 km), :data:`M_PER_DEG` for
degrees of latitude. :func:`cells_to_districts` is the one rule for "which
district a cell belongs to". The rest of this module is point-in-district
assignment:

:func:`points_to_districts` gives, for every point, the index of the first
polygon of a boundary file (file order) that contains it, boundary included
(shapely ``intersects``), or ``-1`` outside every polygon. It is the rule
``[next(i for i, g in enumerate(polygons) if g.intersects(Point(lon, lat)))]``,
computed without a per-point polygon query:

* The polygons are grouped into clusters (overlapping bounding boxes; Lima and
  Trujillo are two). Each cluster gets a raster of square cells of
  :data:`GRID_STEP_DEG` degrees (coarser when the cluster is wide, so a
  raster never exceeds :data:`MAX_GRID_CELLS`).
* A cell is *dirty* when a polygon edge touches it: every edge is cut into
  pieces no longer than one cell and each piece marks the cells of its
  bounding box, widened by :data:`_EPS` degrees to absorb rounding. No edge
  passes through a clean cell, so all of a clean cell (and a run of clean
  cells along a row, which share edges) lies on one side of every edge:
  the run's label is the exact answer for one point, its first cell's centre.
* A point in a clean cell takes the cell's label (a gather from the raster);
  a point in a dirty cell, or one within rounding of it, is tested exactly
  against the prepared polygons whose bounding box holds it, first polygon
  first.

The raster is planar in degrees, the same geometry shapely uses, so the
result is identical to the plain point-in-polygon rule, on shared edges and
vertices too. Rasters are built lazily, once per process and boundary file
(cached by path, size and modification time); for the shipped districts this
takes a fraction of a second and a few MB.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import _validate as V
from analytics._errors import IncidentSchemaError, InputFileError

#: Radius of the sphere H3 uses, metres (every distance in Vigía is on this sphere).
EARTH_RADIUS_M: Final = 6_371_007.180918475
#: Metres in one degree of latitude (and of longitude at the equator) on that sphere.
M_PER_DEG: Final = math.radians(1.0) * EARTH_RADIUS_M


def haversine_m(lat1: np.ndarray | float, lon1: np.ndarray | float, lat2: np.ndarray | float,
                lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in metres, element-wise (broadcasting).

    Examples
    --------
    >>> round(float(haversine_m(-12.0, -77.0, -12.001, -77.0)), 1)
    111.2
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


def local_xy(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """Planar metres (east, north) around ``(lat0, lon0)``: an ``(n, 2)`` array."""
    x = EARTH_RADIUS_M * np.radians(np.asarray(lon) - lon0) * math.cos(math.radians(lat0))
    y = EARTH_RADIUS_M * np.radians(np.asarray(lat) - lat0)
    return np.column_stack([x, y])


#: District polygons shipped with Vigía (Lima/Callao and Trujillo, see ``data/boundaries``).
BOUNDARIES_PATH: Final = (Path(__file__).resolve().parent.parent / "data" / "boundaries"
                          / "districts.geojson")

#: Side of a raster cell, degrees (2⁻¹¹ ≈ 54 m of latitude). Smaller cells send
#: fewer points to the exact test but make the rasters larger.
GRID_STEP_DEG: Final = 2.0 ** -11

#: Most cells of one cluster's raster; a wider cluster gets cells twice as large
#: until it fits (all-Peru districts: ~900 m cells).
MAX_GRID_CELLS: Final = 4_000_000

#: Widening (degrees, ~0.1 mm) of every edge piece's box before it marks cells:
#: far more than float rounding of a cell index, far less than a cell.
_EPS: Final = 1e-9


@dataclass(frozen=True)
class _Raster:
    """One cluster's grid: code per cell (polygon index, -1 outside all, -2 exact test)."""

    x0: float
    y0: float
    step: float
    width: int
    height: int
    codes: np.ndarray


@dataclass(frozen=True)
class DistrictIndex:
    """Prepared polygons of a boundary file (file order) and their rasters."""

    geoms: np.ndarray
    bounds: np.ndarray
    rasters: tuple[_Raster, ...]

    @property
    def dirty_share(self) -> float:
        """Share of raster cells that need the exact test (a diagnostic)."""
        n = sum(r.codes.size for r in self.rasters)
        d = sum(int((r.codes == -2).sum()) for r in self.rasters)
        return d / n if n else 0.0


# --------------------------------------------------------------------------- reading

@functools.lru_cache(maxsize=4)
def _records_cached(path: str, mtime_ns: int, size: int) -> tuple[Mapping[str, str], ...]:
    text = Path(path).read_text(encoding="utf-8")
    found = [json.loads(m) for m in re.findall(r'"properties"\s*:\s*(\{[^{}]*\})', text)]
    props = [p for p in found if "ubigeo" in p and "district" in p]
    return tuple(MappingProxyType({k: str(v) for k, v in p.items()}) for p in props)


def _stat_key(path: str | Path) -> tuple[str, int, int] | None:
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError:
        return None
    if not p.is_file():
        return None
    return str(p), st.st_mtime_ns, st.st_size


def boundary_records(boundaries: str | Path = BOUNDARIES_PATH) -> tuple[Mapping[str, str], ...]:
    """Properties (``ubigeo``, ``district``, ...) of Vigía-style district polygons, file order.

    Read with a light scan of the ``properties`` objects (no geometry parsing),
    cached per file; empty when the file is missing. Indices follow
    :func:`points_to_districts`.
    """
    key = _stat_key(boundaries)
    return () if key is None else _records_cached(*key)


def read_boundaries(*, city: str | None = None,
                    boundaries: str | Path = BOUNDARIES_PATH) -> Any:
    """District polygons (``data/boundaries/districts.geojson`` by default).

    Parameters
    ----------
    city
        ``"lima"`` or ``"trujillo"`` to keep one city (``None``: all 61).
    boundaries
        Another GeoJSON file of polygons.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ubigeo, district, province, department, city, geometry`` (EPSG:4326).
    """
    import geopandas as gpd

    path = Path(boundaries)
    if not path.is_file():
        raise InputFileError(f"No se encuentra el archivo de límites {path}.")
    gdf = gpd.read_file(path)
    if city is not None:
        key = V.normalize_header(city)
        cities = set(gdf["city"]) if "city" in gdf.columns else set()
        if key not in cities:
            msg = f"Ciudad desconocida '{city}' (disponibles: {', '.join(sorted(cities))})."
            raise IncidentSchemaError(msg)
        gdf = gdf[gdf["city"] == key].reset_index(drop=True)
    return gdf


def _read_geometries(path: Path) -> np.ndarray:
    """Shapely geometries of a GeoJSON file, one per feature (empty for a null geometry)."""
    import shapely

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputFileError(f"{path.name}: no es un GeoJSON de polígonos válido.") from None
    try:
        # Fast path: GEOS reads the whole collection at once (refuses null geometries).
        fast = list(shapely.from_geojson(text).geoms)
    except (shapely.errors.GEOSException, AttributeError, ValueError):
        fast = None
    if fast is not None and len(fast) == len(re.findall(r'"type"\s*:\s*"Feature"\s*[,}]', text)):
        arr = np.empty(len(fast), dtype=object)
        arr[:] = fast
        return arr
    try:
        doc = json.loads(text)
        feats = doc["features"] if isinstance(doc, dict) else None
        if not isinstance(feats, list):
            raise ValueError
        geoms = [shapely.from_geojson(json.dumps(f["geometry"])) if isinstance(f, dict)
                 and isinstance(f.get("geometry"), dict) else shapely.Polygon() for f in feats]
    except (ValueError, KeyError, TypeError, shapely.errors.GEOSException):
        raise InputFileError(f"{path.name}: no es un GeoJSON de polígonos válido.") from None
    out = np.empty(len(geoms), dtype=object)
    out[:] = geoms
    return out


# --------------------------------------------------------------------------- index

def _clusters(bounds: np.ndarray) -> list[np.ndarray]:
    """Group polygon indices whose bounding boxes overlap (transitively)."""
    n = len(bounds)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    ok = np.isfinite(bounds).all(axis=1)
    for i in np.flatnonzero(ok):
        b = bounds[i]
        touch = np.flatnonzero(ok & (bounds[:, 0] <= b[2]) & (bounds[:, 2] >= b[0])
                               & (bounds[:, 1] <= b[3]) & (bounds[:, 3] >= b[1]))
        ri = find(int(i))
        for j in touch[touch > i]:
            rj = find(int(j))
            if rj != ri:
                parent[rj] = ri
    roots = np.array([find(int(i)) if ok[i] else -1 for i in range(n)], dtype=np.int64)
    return [np.flatnonzero(roots == r) for r in np.unique(roots[roots >= 0])]


def _exact(index: DistrictIndex, lat: np.ndarray, lon: np.ndarray,
           candidates: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
    """First polygon (file order) intersecting each point, -1 for none (prepared GEOS tests)."""
    import shapely

    out = np.full(lat.shape, -1, dtype=np.int32)
    todo = np.ones(lat.shape, dtype=bool)
    order = range(len(index.geoms)) if candidates is None else sorted(int(c) for c in candidates)
    for i in order:
        min_x, min_y, max_x, max_y = index.bounds[i]
        if not np.isfinite(min_x):
            continue
        with np.errstate(invalid="ignore"):
            cand = np.flatnonzero(todo & (lon >= min_x) & (lon <= max_x)
                                  & (lat >= min_y) & (lat <= max_y))
        if cand.size:
            hit = cand[shapely.intersects_xy(index.geoms[i], lon[cand], lat[cand])]
            out[hit] = i
            todo[hit] = False
    return out


def _raster(geoms: np.ndarray, members: np.ndarray, bounds: np.ndarray,
            index: DistrictIndex) -> _Raster:
    """Rasterise one cluster: dirty cells along the edges, clean runs labelled exactly.

    The raster reaches two cells past the cluster's box, so every polygon whose
    box meets the raster (a neighbouring cluster's too) marks its edges and
    takes part in the exact tests: the raster is right at every point it
    covers, and overlapping rasters agree.
    """
    import shapely

    b = bounds[members]
    span_x = float(b[:, 2].max() - b[:, 0].min())
    span_y = float(b[:, 3].max() - b[:, 1].min())
    step = GRID_STEP_DEG
    while (span_x / step + 5) * (span_y / step + 5) > MAX_GRID_CELLS:
        step *= 2
    x0 = float(b[:, 0].min()) - 2 * step
    y0 = float(b[:, 1].min()) - 2 * step
    width = int(np.ceil(span_x / step)) + 5
    height = int(np.ceil(span_y / step)) + 5
    x1, y1 = x0 + width * step, y0 + height * step
    with np.errstate(invalid="ignore"):
        involved = np.flatnonzero((bounds[:, 0] <= x1) & (bounds[:, 2] >= x0)
                                  & (bounds[:, 1] <= y1) & (bounds[:, 3] >= y0))
    dirty = np.zeros((height, width + 1), dtype=bool)
    dirty[:, width] = True  # sentinel column: runs never wrap to the next row
    rings = shapely.get_rings(shapely.get_parts(geoms[involved]))
    xy, ring = shapely.get_coordinates(shapely.segmentize(rings, step), return_index=True)
    same = ring[1:] == ring[:-1]
    ax, ay = xy[:-1][same, 0], xy[:-1][same, 1]
    bx, by = xy[1:][same, 0], xy[1:][same, 1]
    lo_x = np.floor((np.minimum(ax, bx) - _EPS - x0) / step).astype(np.int64)
    hi_x = np.floor((np.maximum(ax, bx) + _EPS - x0) / step).astype(np.int64)
    lo_y = np.floor((np.minimum(ay, by) - _EPS - y0) / step).astype(np.int64)
    hi_y = np.floor((np.maximum(ay, by) + _EPS - y0) / step).astype(np.int64)
    # Isolated vertices (single-point rings) mark their own cell too.
    vx = np.clip(np.floor((xy[:, 0] - x0) / step).astype(np.int64), 0, width - 1)
    vy = np.clip(np.floor((xy[:, 1] - y0) / step).astype(np.int64), 0, height - 1)
    dirty[vy, vx] = True
    span = int(max((hi_x - lo_x).max(initial=0), (hi_y - lo_y).max(initial=0)))
    for oy in range(span + 1):
        for ox in range(span + 1):
            cx, cy = lo_x + ox, lo_y + oy
            m = (cx <= hi_x) & (cy <= hi_y) & (cx >= 0) & (cx < width) & (cy >= 0) & (cy < height)
            dirty[cy[m], cx[m]] = True
    flat = dirty.ravel()
    clean = ~flat
    starts = np.flatnonzero(clean & np.concatenate(([True], flat[:-1])))
    is_start = np.zeros(flat.size, dtype=bool)
    is_start[starts] = True
    run = np.cumsum(is_start, dtype=np.int32)  # run number of each clean cell (1-based)
    sy, sx = np.divmod(starts, width + 1)
    labels = _exact(index, y0 + (sy + 0.5) * step, x0 + (sx + 0.5) * step, candidates=involved)
    table = np.concatenate(([-2], labels)).astype(np.int32)
    codes = table[np.where(clean, run, 0)].reshape(height, width + 1)[:, :width]
    return _Raster(x0=x0, y0=y0, step=step, width=width, height=height,
                   codes=np.ascontiguousarray(codes))


@functools.lru_cache(maxsize=4)
def _index_cached(path: str, mtime_ns: int, size: int) -> DistrictIndex:
    import shapely

    geoms = _read_geometries(Path(path))
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms).reshape(-1, 4)
    index = DistrictIndex(geoms=geoms, bounds=bounds, rasters=())
    rasters = tuple(_raster(geoms, members, bounds, index) for members in _clusters(bounds))
    return DistrictIndex(geoms=geoms, bounds=bounds, rasters=rasters)


def district_index(boundaries: str | Path = BOUNDARIES_PATH) -> DistrictIndex:
    """Return the cached polygons and rasters of a boundary file (built on first use).

    Raises
    ------
    InputFileError
        The file is missing or not a GeoJSON FeatureCollection.
    """
    key = _stat_key(boundaries)
    if key is None:
        raise InputFileError(f"No se encuentra el archivo de límites {boundaries}.")
    return _index_cached(*key)


def points_to_districts(lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray,
                        *, boundaries: str | Path = BOUNDARIES_PATH) -> np.ndarray:
    """Index of the first polygon (file order) holding each point, edges included.

    Parameters
    ----------
    lat, lon
        WGS84 degrees; NaN gives -1.
    boundaries
        GeoJSON FeatureCollection of polygons (default: the shipped districts,
        whose properties :func:`boundary_records` returns in the same order).

    Returns
    -------
    numpy.ndarray
        ``int32``, one per point: feature index, or -1 outside every polygon.
    """
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    out = np.full(lat_a.shape, -1, dtype=np.int32)
    if lat_a.size == 0:
        return out
    index = district_index(boundaries)
    for r in index.rasters:
        with np.errstate(invalid="ignore"):
            fx = (lon_a - r.x0) / r.step
            fy = (lat_a - r.y0) / r.step
            inside = np.flatnonzero((fx >= 0) & (fx < r.width) & (fy >= 0) & (fy < r.height))
        if inside.size:
            cell = fy[inside].astype(np.int64) * r.width + fx[inside].astype(np.int64)
            out[inside] = r.codes.ravel()[cell]
    exact = np.flatnonzero(out == -2)
    if exact.size:
        out[exact] = _exact(index, lat_a[exact], lon_a[exact])
    return out


def cells_to_districts(cells: Sequence[int | str] | np.ndarray, *,
                       majority: Mapping[str, str] | Callable[[list[str]], Mapping[str, str]]
                       | None = None,
                       boundaries: str | Path = BOUNDARIES_PATH) -> pd.Series:
    """The one rule for the district of an H3 cell, used on every page, report and plan.

    A cell belongs to the district holding most of its stored incidents
    (``majority``: a mapping, or a function called with the ids it should answer
    for, e.g. :func:`analytics.explore.cell_districts` over the store, or
    :func:`analytics.hexbin.majority_districts` over a frame; unfiltered, so a
    cell keeps its district whatever the page's filters). A cell without
    incidents takes the district polygon holding its centre (first in file
    order, as for points); outside every polygon, ``""``.

    Returns
    -------
    pandas.Series
        District name by cell id (hexadecimal string), in input order.
    """
    from analytics import hexbin

    c = hexbin.to_cells(cells)
    ids = hexbin.cells_to_strings(c)
    names = np.full(c.size, "", dtype=object)
    if c.size == 0:
        return pd.Series(names, index=pd.Index(ids, name="h3"), name="district", dtype=object)
    table = (majority(list(ids)) if callable(majority) else majority) or {}
    found = np.array([bool(table.get(i)) for i in ids], dtype=bool)
    names[found] = [table[i] for i in ids[found]]
    if (~found).any():
        lat, lon = hexbin.cells_to_centers(c[~found])
        idx = points_to_districts(lat, lon, boundaries=boundaries)
        recs = boundary_records(boundaries)
        names[~found] = [recs[i]["district"] if i >= 0 else "" for i in idx]
    return pd.Series(names, index=pd.Index(ids, name="h3"), name="district", dtype=object)
