"""Zones police plan by: districts or polygons of a layer; incidents and cells to zones.

A *zone* is a district (the incidents' ``district`` column) by default, or a
polygon of a layer the user loads: PNP sectores and cuadrantes, comisaría
jurisdictions, Serenazgo sectors (GeoJSON, Shapefile or GeoPackage).

Layer rules (:func:`zone_layer_from_frame`, :func:`read_zone_layer`)
-----------------------------------------------------------------
* **Names.** One column names the zones (``name_column``, or the first of
  :data:`NAME_COLUMNS` found, or the only non-geometry column). Missing names
  are refused; duplicated names are refused unless ``duplicates="merge"``, which
  joins the rows of one name into a single (multi)polygon zone. Numeric names
  become text (``7.0`` → ``"7"``).
* **Geometry.** Rows must be polygons. Invalid polygons are repaired with
  ``shapely.make_valid`` keeping only their polygonal parts; a row with nothing
  polygonal left is refused. Holes are kept: a point in a hole is not in that
  zone.
* **Overlaps** are resolved deterministically: an area covered by several
  polygons belongs to the polygon listed *first* in the layer, later polygons
  lose it. A polygon that would lose all its area is refused (typically a
  layer mixing two levels, e.g. sectors and their cuadrantes). After this step
  the zones do not overlap, so every point and cell belongs to at most one.
* **Coordinates** are reprojected to EPSG:4326; a layer without a declared
  CRS is accepted only when its coordinates look like degrees.

Every problem is collected and reported in one Spanish message
(:class:`~analytics._errors.IncidentSchemaError`); repairs made are listed in
``layer.attrs["notes"]``.

Assignment
----------
:func:`points_to_zones` tests each *distinct* point once against each
prepared polygon (bounding-box prefilter, ``shapely.intersects_xy``): about
0.3 s for Philadelphia's 224,000 distinct points and 21 districts. A point on
a shared border goes to the zone listed first. :func:`cells_to_zones` gives an
H3 cell the zone containing its centre, so hexagon forecasts can be rolled up
to zones; :func:`reconcile_cells_to_zones` then scales them to the zone totals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

from analytics import _validate as V, hexbin
from analytics._errors import IncidentSchemaError, InputFileError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

#: Columns tried, in order, as the zone name when ``name_column`` is not given
#: (compared as normalised headers: lower-case, no accents).
NAME_COLUMNS: Final = ("zone", "zona", "nombre", "name", "sector", "cuadrante",
                       "jurisdiccion", "comisaria", "nombre_zona", "nombre_sector",
                       "dist_num", "distrito", "district", "id")
#: Layer file suffixes :func:`read_zone_layer` accepts.
LAYER_SUFFIXES: Final = (".geojson", ".json", ".shp", ".gpkg", ".zip")
#: Overlaps smaller than this (square degrees, about 1 m²) are not reported as
#: overlaps (digitising slivers), though they are still removed.
SLIVER_DEG2: Final = 1e-10

_DEGREE_BOUNDS: Final = (-180.0, -90.0, 180.0, 90.0)


# --------------------------------------------------------------------------- layers


def _name_text(value: Any) -> str | None:
    """Zone name as text; ``None`` when missing or blank."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
    s = str(value).strip()
    return s or None


def _choose_name_column(frame: pd.DataFrame, name_column: str | None,
                        problems: list[str]) -> str | None:
    cols = [c for c in frame.columns if c != frame.geometry.name]
    if name_column is not None:
        if name_column in cols:
            return name_column
        key = V.normalize_header(name_column)
        hit = [c for c in cols if V.normalize_header(c) == key]
        if hit:
            return str(hit[0])
        problems.append(f"la columna de nombres '{name_column}' no existe (columnas: "
                        f"{', '.join(map(str, cols)) or 'ninguna'})")
        return None
    by_key = {V.normalize_header(c): c for c in cols}
    for k in NAME_COLUMNS:
        if k in by_key:
            return str(by_key[k])
    if len(cols) == 1:
        return str(cols[0])
    problems.append("no se reconoce la columna con el nombre de cada zona; indíquela "
                    f"(columnas: {', '.join(map(str, cols)) or 'ninguna'})")
    return None


def _polygonal(geom: Any) -> Any:
    """Return the polygonal part of a geometry (``None`` when there is none)."""
    import shapely

    if geom is None or geom.is_empty:
        return None
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    # get_parts does not descend into nested collections produced by make_valid
    if not parts and geom.geom_type == "GeometryCollection":
        parts = [p for g in geom.geoms for p in shapely.get_parts(g)
                 if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    out = parts[0] if len(parts) == 1 else shapely.union_all(parts)
    return None if out.is_empty or out.area <= 0 else out


def _rows_text(rows: Sequence[int], limit: int = 8) -> str:
    shown = ", ".join(str(r + 1) for r in rows[:limit])
    return shown + (f" y {len(rows) - limit} más" if len(rows) > limit else "")


def zone_layer_from_frame(frame: gpd.GeoDataFrame, *, name_column: str | None = None,
                          duplicates: Literal["error", "merge"] = "error",
                          source: str = "la capa") -> gpd.GeoDataFrame:
    """Validate a polygon layer and return its zones (see the module notes).

    Parameters
    ----------
    frame
        Polygons with a name column.
    name_column
        Column naming each zone (default: the first of :data:`NAME_COLUMNS`).
    duplicates
        ``"error"`` refuses a name used by several rows; ``"merge"`` joins them.
    source
        How to call the layer in messages (e.g. its file name).

    Returns
    -------
    geopandas.GeoDataFrame
        ``zone`` (str, unique) and ``geometry`` (Polygon/MultiPolygon, EPSG:4326,
        non-overlapping), in layer order; ``attrs["notes"]`` lists repairs.

    Raises
    ------
    IncidentSchemaError
        Listing every problem found.
    """
    import geopandas as gpd

    problems: list[str] = []
    notes: list[str] = []
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise IncidentSchemaError(f"{source} no tiene geometrías de polígonos.")
    if len(frame) == 0:
        raise IncidentSchemaError(f"{source} no tiene ninguna zona.")
    if duplicates not in ("error", "merge"):
        raise IncidentSchemaError(f"opción de duplicados no válida: {duplicates!r}.")
    gdf = _to_wgs84(frame, problems, notes)
    col = _choose_name_column(gdf, name_column, problems)
    names: list[str | None] = [None] * len(gdf)
    if col is not None:
        names = [_name_text(v) for v in gdf[col].tolist()]
        missing = [i for i, n in enumerate(names) if n is None]
        if missing:
            problems.append(f"filas sin nombre de zona en '{col}': {_rows_text(missing)}")
    geoms = _zone_polygons(gdf, problems, notes)
    if not problems:
        names, geoms = _merge_duplicates(names, geoms, col=col, duplicates=duplicates,
                                         problems=problems, notes=notes)
    if problems:
        raise IncidentSchemaError(f"Capa de zonas no válida ({source}): " + "; ".join(problems)
                                  + ".")
    zone_names = [str(n) for n in names]
    geoms, lost, n_overlaps = _resolve_overlaps(geoms, zone_names)
    if lost:
        shown = ", ".join(repr(n) for n in lost[:8]) + (" …" if len(lost) > 8 else "")
        msg = (f"Capa de zonas no válida ({source}): zonas cubiertas por completo por zonas "
               f"listadas antes: {shown} (¿la capa mezcla dos niveles, p. ej. sectores y "
               "cuadrantes?).")
        raise IncidentSchemaError(msg)
    if n_overlaps:
        notes.append(f"{n_overlaps} superposición(es) entre zonas: el área compartida queda en "
                     "la zona listada primero")
    out = gpd.GeoDataFrame({"zone": pd.array(zone_names, dtype="str")}, geometry=geoms,
                           crs="EPSG:4326")
    out.attrs["notes"] = notes
    return out


def _to_wgs84(gdf: gpd.GeoDataFrame, problems: list[str],
              notes: list[str]) -> gpd.GeoDataFrame:
    """The layer in EPSG:4326 (a layer without CRS in degrees is assumed to be in it)."""
    if gdf.crs is None:
        b = gdf.total_bounds
        lo, la, hi, ha = _DEGREE_BOUNDS
        if np.all(np.isfinite(b)) and b[0] >= lo and b[1] >= la and b[2] <= hi and b[3] <= ha:
            notes.append("la capa no declara su sistema de coordenadas: se asume EPSG:4326")
            return gdf.set_crs("EPSG:4326")
        problems.append("la capa no declara su sistema de coordenadas y no está en grados")
        return gdf
    try:
        return gdf.to_crs("EPSG:4326")
    except Exception as exc:  # pyproj raises several types
        problems.append(f"no se pudo reproyectar a EPSG:4326 ({type(exc).__name__})")
        return gdf


def _zone_polygons(gdf: gpd.GeoDataFrame, problems: list[str], notes: list[str]) -> list[Any]:
    """The polygonal part of each row's geometry, invalid ones repaired (``None``: none)."""
    import shapely

    geoms: list[Any] = []
    bad: list[int] = []
    repaired = 0
    for i, g in enumerate(gdf.geometry.to_numpy()):
        if g is None or g.is_empty:
            bad.append(i)
            geoms.append(None)
            continue
        if not g.is_valid:
            g = shapely.make_valid(g)
            repaired += 1
        p = _polygonal(g)
        if p is None:
            bad.append(i)
        geoms.append(p)
    if bad:
        problems.append(f"filas sin un polígono válido: {_rows_text(bad)}")
    if repaired:
        notes.append(f"{repaired} polígono(s) no válidos reparados (make_valid)")
    return geoms


def _merge_duplicates(names: list[str | None], geoms: list[Any], *, col: str | None,
                      duplicates: str, problems: list[str],
                      notes: list[str]) -> tuple[list[str | None], list[Any]]:
    """Refuse repeated zone names, or join their rows into one zone (``duplicates="merge"``)."""
    import shapely

    order: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        assert n is not None
        order.setdefault(n, []).append(i)
    dup = [n for n, rows in order.items() if len(rows) > 1]
    if dup and duplicates == "error":
        shown = ", ".join(repr(n) for n in dup[:8]) + (" …" if len(dup) > 8 else "")
        problems.append(f"nombres de zona repetidos en '{col}': {shown} (use nombres "
                        "únicos o una sola fila por zona)")
    elif dup:
        notes.append(f"{len(dup)} nombre(s) repetidos: sus filas se unieron en una zona")
        merged = [shapely.union_all([geoms[i] for i in rows]) for rows in order.values()]
        return list(order), merged
    return names, geoms


def _resolve_overlaps(geoms: list[Any], names: list[str]) -> tuple[list[Any], list[str], int]:
    """Give every overlap to the first-listed polygon; (new geometries, emptied zones, count)."""
    import shapely

    arr = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="intersects")
    keep = left > right  # pairs (later i, earlier j)
    later: dict[int, list[int]] = {}
    for i, j in zip(left[keep], right[keep], strict=True):
        later.setdefault(int(i), []).append(int(j))
    out = list(geoms)
    lost: list[str] = []
    n_overlaps = 0
    for i in sorted(later):
        earlier = shapely.union_all([geoms[j] for j in later[i]])
        inter = shapely.intersection(out[i], earlier)
        if inter.is_empty or inter.area <= 0:
            continue
        if inter.area > SLIVER_DEG2:
            n_overlaps += len(later[i])
        diff = _polygonal(shapely.difference(out[i], earlier))
        if diff is None:
            lost.append(names[i])
        else:
            out[i] = diff
    return out, lost, n_overlaps


def read_zone_layer(path: str | Path, *, name_column: str | None = None,
                    duplicates: Literal["error", "merge"] = "error") -> gpd.GeoDataFrame:
    """Read a zone layer (GeoJSON, Shapefile, GeoPackage, zipped Shapefile) and validate it.

    See :func:`zone_layer_from_frame` for the rules and the result.

    Raises
    ------
    InputFileError
        The file is missing or not a readable layer.
    IncidentSchemaError
        The layer is not a valid set of named zones.
    """
    import geopandas as gpd

    p = Path(path)
    if not p.exists():
        raise InputFileError(f"No existe la capa de zonas {p}.")
    if p.suffix.lower() not in LAYER_SUFFIXES:
        raise InputFileError(f"Formato de capa desconocido para {p.name} "
                             f"(use {', '.join(LAYER_SUFFIXES)}).")
    target = f"zip://{p}" if p.suffix.lower() == ".zip" else str(p)
    try:
        frame = gpd.read_file(target)
    except Exception as exc:  # pyogrio/fiona raise many types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"No se pudo leer la capa de zonas {p.name}: {first}.") from None
    return zone_layer_from_frame(frame, name_column=name_column, duplicates=duplicates,
                                 source=p.name)


# --------------------------------------------------------------------------- assignment


def _zone_index_of_points(lat: np.ndarray, lon: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Index of the first zone containing (or touching) each point; -1 outside or NaN."""
    import shapely

    out = np.full(len(lat), -1, dtype=np.int64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any() or len(geoms) == 0:
        return out
    la, lo = lat[ok], lon[ok]
    # distinct points (to ~1 cm), each tested once
    key = np.round(la * 1e7).astype(np.int64) * 4_000_000_000 + np.round(lo * 1e7).astype(np.int64)
    codes, uniq = pd.factorize(key)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    x, y = lo[first], la[first]
    z = np.full(len(uniq), -1, dtype=np.int64)
    prepared = np.asarray(geoms, dtype=object)
    shapely.prepare(prepared)  # in place, invisible to callers; speeds up the tests
    bounds = shapely.bounds(prepared)
    for i, g in enumerate(prepared):
        m = np.flatnonzero((z < 0) & (x >= bounds[i, 0]) & (x <= bounds[i, 2])
                           & (y >= bounds[i, 1]) & (y <= bounds[i, 3]))
        if len(m):
            z[m[shapely.intersects_xy(g, x[m], y[m])]] = i
    out[np.flatnonzero(ok)] = z[codes]
    return out


def points_to_zones(lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray,
                    zones: gpd.GeoDataFrame) -> np.ndarray:
    """Zone name of each point (``None`` outside every zone or without coordinates).

    Parameters
    ----------
    lat, lon
        Degrees (EPSG:4326); NaN for rows without a point.
    zones
        Output of :func:`zone_layer_from_frame` / :func:`read_zone_layer`.

    Returns
    -------
    numpy.ndarray
        ``object`` array of zone names. A point on a border shared by several
        zones goes to the zone listed first.
    """
    la = np.asarray(lat, dtype=np.float64)
    lo = np.asarray(lon, dtype=np.float64)
    if la.shape != lo.shape:
        raise IncidentSchemaError("lat y lon deben tener la misma longitud.")
    idx = _zone_index_of_points(la, lo, zones.geometry.to_numpy())
    names = np.asarray(zones["zone"].astype(object).to_numpy(), dtype=object)
    out = np.full(len(idx), None, dtype=object)
    hit = idx >= 0
    out[hit] = names[idx[hit]]
    return out


def cells_to_zones(cells: Sequence[int] | Sequence[str] | np.ndarray,
                   zones: gpd.GeoDataFrame) -> np.ndarray:
    """Zone of each H3 cell: the zone containing the cell's centre (``None`` if none).

    ``cells`` are integers or hexadecimal strings. This is the rule used to roll
    hexagon forecasts up to zones (:func:`reconcile_cells_to_zones`).
    """
    c = np.asarray(cells)
    if c.size and c.dtype.kind in "OUS":
        c = hexbin.strings_to_cells([str(x) for x in c])
    lat, lon = hexbin.cells_to_centers(np.asarray(c, dtype=np.uint64))
    return points_to_zones(lat, lon, zones)


def cells_to_zones_by_majority(cells: np.ndarray, zone: np.ndarray) -> pd.DataFrame:
    """Zone of each cell as the zone holding most of its incidents (districts without polygons).

    Parameters
    ----------
    cells
        One H3 cell per incident (integers, any resolution).
    zone
        The incident's zone (``None``/NaN rows are ignored).

    Returns
    -------
    pandas.DataFrame
        ``h3`` (hex string) and ``zone``, one row per cell; ties go to the zone
        whose name sorts first.
    """
    df = pd.DataFrame({"cell": np.asarray(cells, dtype=np.uint64),
                       "zone": pd.Series(np.asarray(zone, dtype=object))})
    df = df[df["zone"].notna()]
    if df.empty:
        return pd.DataFrame({"h3": pd.Series([], dtype="str"), "zone": pd.Series([], dtype="str")})
    df["zone"] = df["zone"].astype(str)
    n = df.groupby(["cell", "zone"], sort=True).size().rename("n").reset_index()
    n = n.sort_values(["cell", "n", "zone"], ascending=[True, False, True], kind="stable")
    best = n.drop_duplicates("cell", keep="first")
    return pd.DataFrame({"h3": pd.array(hexbin.cells_to_strings(best["cell"].to_numpy()),
                                        dtype="str"),
                         "zone": pd.array(best["zone"].to_numpy(), dtype="str")})


def incidents_to_zone_events(incidents: pd.DataFrame, *, zones: gpd.GeoDataFrame | None = None,
                             zone_column: str | None = "district") -> pd.DataFrame:
    """Reduce incidents to ``(occurred_at, zone)`` rows, located or not.

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at``; ``lat``/``lon`` when ``zones``
        is given; ``zone_column``).
    zones
        A zone layer: points are placed in its polygons. ``None``: the zone is
        the value of ``zone_column`` (a district by default).
    zone_column
        Column naming the zone. With a layer, rows without a point use it when
        its value names a zone of the layer (compared case- and
        accent-insensitively); ``None`` drops rows without a point.

    Returns
    -------
    pandas.DataFrame
        ``occurred_at`` and ``zone`` (str); rows without a zone are dropped and
        counted in ``attrs["without_zone"]``.
    """
    cols = set(incidents.columns)
    problems = []
    if "occurred_at" not in cols:
        problems.append("falta la columna 'occurred_at'")
    if zones is None and (zone_column is None or zone_column not in cols):
        problems.append(f"falta la columna de zona '{zone_column}'")
    if zones is not None and not {"lat", "lon"} <= cols and (
            zone_column is None or zone_column not in cols):
        problems.append("faltan 'lat'/'lon' (o una columna con el nombre de la zona)")
    if problems:
        raise IncidentSchemaError("Incidentes no válidos para zonas: " + "; ".join(problems) + ".")
    if zones is None:
        assert zone_column is not None
        codes, uniq = pd.factorize(incidents[zone_column].to_numpy(dtype=object))
        names = np.array([_name_text(u) for u in uniq] + [None], dtype=object)
        z = names[np.where(codes < 0, len(uniq), codes)]
    else:
        n = len(incidents)
        if {"lat", "lon"} <= cols:
            z = points_to_zones(incidents["lat"].to_numpy(dtype=np.float64, na_value=np.nan),
                                incidents["lon"].to_numpy(dtype=np.float64, na_value=np.nan),
                                zones)
            no_point = ~(incidents[["lat", "lon"]].notna().all(axis=1).to_numpy())
        else:
            z = np.full(n, None, dtype=object)
            no_point = np.ones(n, dtype=bool)
        if zone_column is not None and zone_column in cols and no_point.any():
            known = {V.normalize_district(str(v)): str(v) for v in zones["zone"]}
            named = incidents[zone_column].to_numpy(dtype=object)[no_point]
            z[no_point] = [known.get(V.normalize_district(_name_text(v))) for v in named]
    keep = np.array([v is not None for v in z], dtype=bool)
    out = pd.DataFrame({"occurred_at": incidents["occurred_at"].to_numpy()[keep],
                        "zone": pd.array(z[keep].astype(str), dtype="str")})
    out.attrs["without_zone"] = int((~keep).sum())
    return out


# --------------------------------------------------------------------------- reconcile


def reconcile_cells_to_zones(cell_forecast: pd.DataFrame, zone_forecast: pd.DataFrame,
                             cell_zone: pd.DataFrame | Mapping[str, str] | pd.Series
                             ) -> pd.DataFrame:
    """Scale hexagon forecasts so that, per zone and window, they sum to the zone's forecast.

    Within each (zone, window) every cell's ``expected`` is multiplied by
    ``zone expected / sum of its cells' expected``, which keeps the ranking of
    cells inside the zone. When all cells of a zone have zero expectation in a
    window (nothing says where), the zone total is split equally among them.
    Cells with zero expectation in a zone with a positive sum stay at zero.
    ``lower``/``upper`` (when present) are recomputed as the Poisson
    quantiles of :data:`analytics.forecast.INTERVAL`, like the cell forecast.
    Cells outside every zone, or in a zone without a forecast, are returned
    unchanged with a missing ``zone``. Zones with a forecast but no cell are
    listed in ``attrs["zones_without_cells"]``: their totals cannot be drawn
    on the hexagon map.

    Parameters
    ----------
    cell_forecast
        ``h3`` (hex string or integer), ``window_start``, ``window_end``,
        ``expected`` (e.g. :func:`analytics.forecast.forecast_cells`).
    zone_forecast
        ``zone``, ``window_start``, ``window_end``, ``expected`` with the same
        windows (e.g. :func:`analytics.zone_forecast.forecast_zones` ``.table``).
    cell_zone
        Cell → zone: a frame with ``h3`` and ``zone`` (e.g. from
        :func:`cells_to_zones` or :func:`cells_to_zones_by_majority`), a
        mapping, or a Series indexed by cell.

    Returns
    -------
    pandas.DataFrame
        ``cell_forecast``'s rows and columns with ``zone`` added and
        ``expected`` (``lower``, ``upper``) reconciled.

    Raises
    ------
    IncidentSchemaError
        Missing columns, or cells of a forecast zone in windows the zone
        forecast does not have.
    """
    from scipy.stats import poisson

    from analytics import forecast as fc

    need_c = {"h3", "window_start", "window_end", "expected"}
    need_z = {"zone", "window_start", "window_end", "expected"}
    problems = []
    if not need_c <= set(cell_forecast.columns):
        problems.append("al pronóstico por celda le faltan "
                        + ", ".join(sorted(need_c - set(cell_forecast.columns))))
    if not need_z <= set(zone_forecast.columns):
        problems.append("al pronóstico por zona le faltan "
                        + ", ".join(sorted(need_z - set(zone_forecast.columns))))
    if problems:
        raise IncidentSchemaError("No se puede conciliar: " + "; ".join(problems) + ".")
    if isinstance(cell_zone, pd.DataFrame):
        mapping = dict(zip(_cell_keys(cell_zone["h3"]), cell_zone["zone"].astype(object),
                           strict=True))
    else:
        items = cell_zone.items()
        keys = [k for k, _ in items]
        mapping = dict(zip(_cell_keys(pd.Series(keys)), [v for _, v in cell_zone.items()],
                           strict=True))
    out = cell_forecast.copy()
    zone = pd.Series(_cell_keys(out["h3"])).map(mapping)
    zf = zone_forecast[["zone", "window_start", "window_end", "expected"]].copy()
    zf["zone"] = zf["zone"].astype(str)
    zone = zone.where(zone.notna() & zone.astype(str).isin(set(zf["zone"])), None)
    out["zone"] = pd.array(zone.to_numpy(dtype=object), dtype="str")
    zf = zf.rename(columns={"expected": "_zone_total"})
    key = ["zone", "window_start", "window_end"]
    merged = out[key].merge(zf, on=key, how="left")
    has_zone = out["zone"].notna().to_numpy()
    missing = has_zone & merged["_zone_total"].isna().to_numpy()
    if missing.any():
        msg = ("No se puede conciliar: hay celdas en ventanas que el pronóstico por zona no "
               f"tiene ({int(missing.sum())} filas); use las mismas ventanas (turno u hora).")
        raise IncidentSchemaError(msg)
    e = out["expected"].to_numpy(dtype=np.float64)
    total = merged["_zone_total"].to_numpy(dtype=np.float64)
    keys = pd.DataFrame({"z": out["zone"].fillna("").to_numpy(dtype=object),
                         "s": out["window_start"].to_numpy(), "e": out["window_end"].to_numpy()})
    codes = keys.groupby(["z", "s", "e"], sort=False, dropna=False).ngroup().to_numpy()
    s = np.bincount(codes, weights=e)[codes]
    n = np.bincount(codes)[codes]
    new = np.where(s > 0, e * np.divide(total, s, out=np.zeros_like(s), where=s > 0), total / n)
    out["expected"] = np.where(has_zone, new, e)
    if {"lower", "upper"} <= set(out.columns):
        ex = out["expected"].to_numpy(dtype=np.float64)
        lo = np.where(ex > 0, poisson.ppf(fc.INTERVAL[0], np.maximum(ex, 1e-12)), 0.0)
        hi = np.where(ex > 0, poisson.ppf(fc.INTERVAL[1], np.maximum(ex, 1e-12)), 0.0)
        out["lower"] = np.where(has_zone, lo, out["lower"].to_numpy(dtype=np.float64))
        out["upper"] = np.where(has_zone, hi, out["upper"].to_numpy(dtype=np.float64))
    covered = set(out.loc[has_zone, "zone"].astype(str))
    out.attrs["zones_without_cells"] = sorted(set(zf["zone"]) - covered)
    return out


def _cell_keys(values: pd.Series) -> list[str]:
    """Cells as lower-case hex strings (integers converted)."""
    v = pd.Series(values)
    if len(v) and pd.api.types.is_integer_dtype(v.dtype):
        return [str(x) for x in hexbin.cells_to_strings(v.to_numpy(dtype=np.uint64))]
    return [str(x).lower() for x in v]


def districts_to_zones(boundaries: gpd.GeoDataFrame, names: Sequence[str]) -> gpd.GeoDataFrame:
    """District polygons as a zone layer named like the incidents' ``district`` values.

    Parameters
    ----------
    boundaries
        District polygons with a ``district`` column (e.g.
        :func:`analytics.geo.read_boundaries`).
    names
        District names as the incidents spell them (compared case- and
        accent-insensitively).

    Returns
    -------
    geopandas.GeoDataFrame
        ``zone`` (the name as in ``names``) and ``geometry``, one row per name
        with a polygon; names without one are listed in ``attrs["missing"]``.
    """
    import geopandas as gpd

    by_key: dict[str, str] = {}
    for n in names:
        key = V.normalize_district(str(n))
        if key is not None:
            by_key.setdefault(key, str(n))
    keys = [V.normalize_district(str(d)) for d in boundaries["district"]]
    hit = [i for i, k in enumerate(keys) if k in by_key]
    found = {keys[i] for i in hit}
    out = gpd.GeoDataFrame({"zone": pd.array([by_key[str(keys[i])] for i in hit], dtype="str")},
                           geometry=list(boundaries.geometry.to_numpy()[hit]),
                           crs=boundaries.crs or "EPSG:4326")
    if out.crs is not None and out.crs.to_epsg() != 4326:
        out = out.to_crs("EPSG:4326")
    out = out.drop_duplicates("zone").reset_index(drop=True)
    out.attrs["missing"] = sorted(v for k, v in by_key.items() if k not in found)
    return out
