"""Geocoding against the store: street layers, the gazetteer of the store's points, re-geocoding.

The ingest (:mod:`analytics.ingest.locate`) and ``python -m analytics geocode``
place the incidents that come without a true point from their written address
and district, with a :class:`~analytics.gazetteer.Gazetteer` learned from

* the store's ``exacta`` rows that carry an address (their parsed street, cuadra,
  cross street and zone are kept in the store, :mod:`analytics.store.locations`),
  plus, at import, the file's own exact rows;
* street layers: ``--streets PATH`` (lines with a name column: GeoJSON,
  Shapefile, GeoPackage; or a CSV of named points and crossings such as
  ``data/streets/trujillo_nodos_trufi.csv``), and the layers shipped in
  ``data/streets/`` (central Lima, Trujillo) when the data are where they lie.

:func:`regeocode_store` re-geocodes the store's rows without an exact point with
today's gazetteer (more exact points learned since, a new layer).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import address as A, settings
from analytics._errors import InputFileError
from analytics.gazetteer import Gazetteer, district_keys, read_street_layer

#: Street layers shipped with Vigía (OpenStreetMap, ODbL; see ``data/streets/README.md``).
STREETS_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "streets"
SHIPPED_LAYERS: Final = (STREETS_DIR / "lima_centro_calles_osm.geojson",
                         STREETS_DIR / "trujillo_nodos_trufi.csv")

#: A layer is used by default when a row's exact point lies within its bounding box
#: widened by this many degrees (~1 km), or the row's district is one the layer crosses.
LAYER_MARGIN_DEG: Final = 0.01

_POINT_COLUMNS: Final = ("name", "nombre", "street", "calle", "via")
_LAT: Final = ("lat", "latitud", "latitude", "y")
_LON: Final = ("lon", "lng", "longitud", "longitude", "x")


@dataclass(frozen=True)
class StreetLayers:
    """Street layers for a gazetteer: lines, named points on streets, crossings.

    ``districts`` are the (folded) districts the layers cross, ``bounds`` their
    ``(min_lon, min_lat, max_lon, max_lat)``; ``names`` the file names.
    """

    streets: Any = None
    street_points: pd.DataFrame | None = None
    crossings: pd.DataFrame | None = None
    names: tuple[str, ...] = ()
    bounds: tuple[float, float, float, float] | None = None
    districts: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        """Whether no layer holds anything."""
        return not any(x is not None and len(x) for x in (self.streets, self.street_points,
                                                         self.crossings))

    def __add__(self, other: StreetLayers) -> StreetLayers:
        import geopandas as gpd

        def cat(a: Any, b: Any) -> Any:
            if a is None or not len(a):
                return b
            if b is None or not len(b):
                return a
            out = pd.concat([a, b], ignore_index=True)
            return gpd.GeoDataFrame(out, crs=4326) if isinstance(a, gpd.GeoDataFrame) else out

        bounds = [b for b in (self.bounds, other.bounds) if b is not None]
        box = None if not bounds else (min(b[0] for b in bounds), min(b[1] for b in bounds),
                                       max(b[2] for b in bounds), max(b[3] for b in bounds))
        return StreetLayers(cat(self.streets, other.streets),
                            cat(self.street_points, other.street_points),
                            cat(self.crossings, other.crossings), self.names + other.names,
                            box, self.districts | other.districts)

    def near(self, lat: np.ndarray, lon: np.ndarray, districts: Iterable[str]) -> bool:
        """Whether some point lies within the layers' box, or some district is one they cross."""
        if self.empty:
            return False
        if self.districts & {k for k in district_keys(list(districts)) if k}:
            return True
        if self.bounds is None:
            return False
        la = np.asarray(lat, dtype=np.float64)
        lo = np.asarray(lon, dtype=np.float64)
        m = LAYER_MARGIN_DEG
        with np.errstate(invalid="ignore"):
            inside = ((lo >= self.bounds[0] - m) & (lo <= self.bounds[2] + m)
                      & (la >= self.bounds[1] - m) & (la <= self.bounds[3] + m))
        return bool(inside.any())


def _pick(cols: dict[str, str], names: Sequence[str]) -> str | None:
    return next((cols[c] for c in names if c in cols), None)


def _read_point_layer(path: Path) -> StreetLayers:
    """Read a CSV of named points on streets and/or crossings.

    Points: ``name, lat, lon``; crossings: ``street_a, street_b, lat, lon`` (a
    ``kind`` of ``intersection`` marks them).
    """
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        msg = f"No se pudo leer la capa de calles {path.name}: {exc}"
        raise InputFileError(msg) from None
    cols = {str(c).strip().lower(): c for c in df.columns}
    lat_c, lon_c = _pick(cols, _LAT), _pick(cols, _LON)
    name_c = _pick(cols, _POINT_COLUMNS)
    has_cross = "street_a" in cols and "street_b" in cols
    if lat_c is None or lon_c is None or (name_c is None and not has_cross):
        msg = (f"La capa {path.name} no tiene una columna con el nombre de la vía "
               f"(se esperaba una de: {', '.join(_POINT_COLUMNS)}, o street_a y street_b) "
               "y columnas lat y lon.")
        raise InputFileError(msg)
    lat = pd.to_numeric(df[lat_c].str.replace(",", ".", regex=False), errors="coerce")
    lon = pd.to_numeric(df[lon_c].str.replace(",", ".", regex=False), errors="coerce")
    ok = (lat.notna() & lon.notna()).to_numpy()
    kind = df[cols["kind"]].str.lower().to_numpy() if "kind" in cols else np.full(len(df), "")
    is_cross = np.zeros(len(df), dtype=bool)
    if has_cross:
        is_cross = ((df[cols["street_a"]].str.strip() != "")
                    & (df[cols["street_b"]].str.strip() != "")).to_numpy()
    points = crossings = None
    if name_c is not None:
        m = ok & ~is_cross & (kind != "intersection") & (df[name_c].str.strip() != "").to_numpy()
        points = pd.DataFrame({"name": df[name_c].to_numpy()[m], "lat": lat.to_numpy()[m],
                               "lon": lon.to_numpy()[m]})
    if has_cross:
        m = ok & is_cross
        crossings = pd.DataFrame({"street_a": df[cols["street_a"]].to_numpy()[m],
                                  "street_b": df[cols["street_b"]].to_numpy()[m],
                                  "lat": lat.to_numpy()[m], "lon": lon.to_numpy()[m]})
    la, lo = lat.to_numpy()[ok], lon.to_numpy()[ok]
    bounds = (float(lo.min()), float(la.min()), float(lo.max()), float(la.max())) if ok.any() \
        else None
    return StreetLayers(None, points, crossings, (path.name,), bounds,
                        _districts_crossed(bounds))


def _districts_crossed(bounds: tuple[float, float, float, float] | None) -> frozenset[str]:
    """Districts (folded names) of the shipped boundaries whose polygon meets ``bounds``."""
    if bounds is None:
        return frozenset()
    import shapely

    try:
        polys = _boundaries()
    except InputFileError:
        return frozenset()
    box = shapely.box(*bounds)
    hit = shapely.intersects(polys.geometry.to_numpy(), box)
    names = district_keys(polys["district"].to_numpy()[hit])
    codes = (list(district_keys(polys["ubigeo"].to_numpy()[hit]))
             if "ubigeo" in polys else [])
    return frozenset(str(x) for x in (*names, *codes) if x)


@functools.lru_cache(maxsize=1)
def _boundaries() -> Any:
    from analytics import geo

    return geo.read_boundaries()


def read_street_layers(paths: Iterable[str | Path]) -> StreetLayers:
    """Read street layers given by the user (``--streets PATH``, repeatable).

    Lines (GeoJSON, Shapefile, GeoPackage) need a street-name column
    (:func:`analytics.gazetteer.read_street_layer`); a CSV holds named points
    and/or crossings.

    Raises
    ------
    InputFileError
        A file cannot be read, or has no street-name column (one Spanish line).
    """
    out = StreetLayers()
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise InputFileError(f"No se encuentra la capa de calles {path}.")
        out = out + (_read_point_layer(path) if path.suffix.lower() in (".csv", ".txt")
                     else _read_line_layer(path))
    return out


def _read_line_layer(path: Path) -> StreetLayers:
    gdf = read_street_layer(path)
    if not len(gdf):
        return StreetLayers(names=(path.name,))
    b = gdf.total_bounds
    bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    return StreetLayers(gdf, None, None, (path.name,), bounds, _districts_crossed(bounds))


def shipped_layers() -> StreetLayers:
    """The layers of ``data/streets/`` (read once per process; empty when absent)."""
    key = tuple((str(p), p.stat().st_mtime_ns) for p in SHIPPED_LAYERS if p.is_file())
    return _shipped(key)


@functools.lru_cache(maxsize=2)
def _shipped(key: tuple[tuple[str, int], ...]) -> StreetLayers:
    return read_street_layers([Path(p) for p, _ in key])


def layers_for(lat: np.ndarray, lon: np.ndarray, districts: Iterable[str], *,
               extra: StreetLayers | None = None, shipped: bool = True) -> StreetLayers:
    """The layers to geocode some rows with: ``extra`` always, the shipped ones when near.

    Each shipped layer is used when one of the rows' exact points lies in its
    box or one of their districts is a district the layer crosses.
    """
    out = extra if extra is not None else StreetLayers()
    if shipped:
        names = list(districts)
        for p in SHIPPED_LAYERS:
            if not p.is_file():
                continue
            layer = shipped_layer(p)
            if layer.near(lat, lon, names):
                out = out + layer
    return out


@functools.lru_cache(maxsize=4)
def _shipped_one(path: str, mtime_ns: int) -> StreetLayers:
    return read_street_layers([Path(path)])


def shipped_layer(path: Path) -> StreetLayers:
    """One shipped layer, read once per process (shared with the demo generator)."""
    return _shipped_one(str(path), path.stat().st_mtime_ns)


def read_comisarias(path: str | Path) -> pd.DataFrame:
    """Comisaría points (``lat``, ``lon``, ``name``) from a CSV, Excel, Parquet or GeoJSON.

    Raises
    ------
    InputFileError
        The file cannot be read or has no latitude and longitude columns.
    """
    from analytics import files

    p = Path(path)
    if p.suffix.lower() in (".geojson", ".json"):
        import geopandas as gpd

        try:
            gdf = gpd.read_file(p)
        except Exception as exc:  # pyogrio raises several types
            msg = f"No se pudo leer la capa de comisarías {p.name}: {exc}"
            raise InputFileError(msg) from exc
        pts = gdf.geometry.representative_point()
        cols = {str(c).lower(): c for c in gdf.columns if c != "geometry"}
        name_c = _pick(cols, ("name", "nombre", "comisaria"))
        return pd.DataFrame({"lat": pts.y.to_numpy(), "lon": pts.x.to_numpy(),
                             "name": gdf[name_c].astype(str).to_numpy() if name_c else ""})
    frame = files.read_table(p)
    cols = {str(c).strip().lower(): c for c in frame.columns}
    lat_c, lon_c = _pick(cols, _LAT), _pick(cols, _LON)
    if lat_c is None or lon_c is None:
        msg = f"La capa de comisarías {p.name} no tiene columnas de latitud y longitud."
        raise InputFileError(msg)
    name_c = _pick(cols, ("name", "nombre", "comisaria"))
    return pd.DataFrame({"lat": pd.to_numeric(frame[lat_c], errors="coerce").to_numpy(),
                         "lon": pd.to_numeric(frame[lon_c], errors="coerce").to_numpy(),
                         "name": frame[name_c].astype(str).to_numpy() if name_c else ""})


# ----------------------------------------------------------------------------- the gazetteer
def stored_parts(frame: pd.DataFrame) -> pd.DataFrame:
    """Parsed-address parts (:data:`analytics.address.PARTS_COLUMNS`) of stored keys.

    ``frame`` has ``street``, ``street_type``, ``block``, ``cross_street``,
    ``zone`` as :func:`analytics.store.locations.exact_points` returns them;
    house numbers and places are not stored, so ``offset`` is -1 and
    ``place`` empty.
    """
    n = len(frame)
    empty = pd.Series(np.full(n, "", dtype=object), dtype=object)
    street = frame["street"].to_numpy(dtype=object)
    cross = frame["cross_street"].to_numpy(dtype=object)
    zone = frame["zone"].to_numpy(dtype=object)
    block = frame["block"].to_numpy(dtype=np.int32)
    kind = np.where((street != "") & (block >= 0), "cuadra",
                    np.where((street != "") & (cross != ""), "interseccion",
                             np.where(street != "", "via", np.where(zone != "", "zona",
                                                                    "lugar"))))
    return pd.DataFrame({
        "street": pd.Series(street, dtype=object),
        "street_type": pd.Series(frame["street_type"].to_numpy(dtype=object), dtype=object),
        "street_name": empty, "block": block,
        "offset": np.full(n, A.MISSING, dtype=np.int32),
        "cross_street": pd.Series(cross, dtype=object), "cross_type": empty,
        "cross_name": empty, "zone_type": empty, "zone": pd.Series(zone, dtype=object),
        "place": empty, "kind": pd.Series(kind.astype(object), dtype=object), "reason": empty})


def build_gazetteer(parts: pd.DataFrame | None, district: Sequence[Any] | np.ndarray | None,
                    lat: np.ndarray | None, lon: np.ndarray | None, *,
                    layers: StreetLayers | None = None) -> Gazetteer:
    """A gazetteer from known exact points (per-row parts) and street layers."""
    has_layers = layers is not None and not layers.empty
    polygons = None
    if has_layers:
        try:
            polygons = _boundaries()
        except InputFileError:
            polygons = None
    return Gazetteer.build(parts, district, lat, lon,
                           streets=layers.streets if has_layers and layers else None,
                           street_points=layers.street_points if has_layers and layers else None,
                           crossings=layers.crossings if has_layers and layers else None,
                           district_polygons=polygons)


@dataclass(frozen=True)
class GeocodeReport:
    """What :func:`regeocode_store` did.

    ``rows``: rows without an exact point that carry an address; ``changed``:
    rows whose place or precision changed; ``before`` / ``after``: incidents
    per precision; ``layers``: street layers used; ``learned_points``: exact
    points the gazetteer learned from.
    """

    rows: int
    addresses: int
    changed: int
    learned_points: int
    layers: list[str]
    before: dict[str, int]
    after: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict."""
        return {"rows": self.rows, "addresses": self.addresses, "changed": self.changed,
                "learned_points": self.learned_points, "layers": self.layers,
                "precision_before": self.before, "precision": self.after,
                "seconds": round(self.seconds, 2)}


def _mix(con: Any) -> dict[str, int]:
    from analytics.store import locations

    df = locations.precision_counts(con)
    return {p: int(df[p].iloc[0]) for p in settings.LOCATION_PRECISIONS}


def regeocode_store(con: Any, *, layers: StreetLayers | None = None, shipped: bool = True
                    ) -> GeocodeReport:
    """Re-geocode the store's rows without an exact point with today's gazetteer.

    The gazetteer learns from the store's exact rows with an address plus the
    layers (``layers`` always; the shipped ones when the data are where they
    lie). Rows whose place, precision or reason change are updated, in one
    transaction; exact rows are never touched.
    """
    from analytics import hexbin
    from analytics.store import locations

    t0 = time.perf_counter()
    before = _mix(con)
    ex = locations.exact_points(con)
    todo = locations.placed_rows(con)
    dists = pd.unique(np.concatenate([ex["district"].to_numpy(dtype=object),
                                      todo["district"].to_numpy(dtype=object)]))
    use = layers_for(ex["lat"].to_numpy(), ex["lon"].to_numpy(), [str(d) for d in dists],
                     extra=layers, shipped=shipped)
    gaz = build_gazetteer(stored_parts(ex), ex["district"].to_numpy(dtype=object),
                          ex["lat"].to_numpy(), ex["lon"].to_numpy(), layers=use)
    changed = 0
    if len(todo):
        res = gaz.geocode(stored_parts(todo), todo["district"].to_numpy(dtype=object))
        prec = res["precision"].to_numpy(dtype=object)
        has = prec != "distrito"
        la = np.where(has, res["lat"].to_numpy(dtype=np.float64), np.nan)
        lo = np.where(has, res["lon"].to_numpy(dtype=np.float64), np.nan)
        cells = np.zeros(len(todo), dtype=np.uint64)
        if has.any():
            cells[has] = hexbin.points_to_cells(la[has], lo[has],
                                                resolution=settings.H3_STORE_RESOLUTION)
        out = todo.drop(columns=["rows"]).assign(
            lat=la, lon=lo, h3_r12=pd.array(np.where(has, cells, 0), dtype="UInt64"),
            location_precision=prec, location_reason=res["reason"].to_numpy(dtype=object))
        out.loc[~has, "h3_r12"] = pd.NA
        con.execute("BEGIN TRANSACTION")
        try:
            changed = locations.update_placements(con, out)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return GeocodeReport(rows=int(todo["rows"].sum()) if len(todo) else 0, addresses=len(todo),
                         changed=changed, learned_points=len(ex), layers=list(use.names),
                         before=before, after=_mix(con), seconds=time.perf_counter() - t0)


# ----------------------------------------------------------------------------- quality
def precision_table(con: Any, *, by: str | None = None) -> pd.DataFrame:
    """Precision mix of the store's incidents, overall or per ``import_id`` / ``district``.

    Columns: the ``by`` column (when given), one count per precision of
    ``settings.LOCATION_PRECISIONS``, ``total``, ``hex_share`` (share at
    ``settings.HEX_PRECISIONS``: what hexagon maps can use, the geocoding hit
    rate to compare with ``settings.PRECISE_SHARE_MIN``, Ratcliffe 2004),
    ``placed_share`` (share with any point) and ``geocoded_share`` (of the
    incidents without a true point, the share placed at a cuadra or crossing;
    NaN when every incident has one).
    """
    from analytics.store import locations

    df = locations.precision_counts(con, by=by)
    total = df["total"].to_numpy(dtype=np.float64)
    hexes = sum(df[p].to_numpy(dtype=np.float64) for p in settings.HEX_PRECISIONS)
    with np.errstate(invalid="ignore", divide="ignore"):
        df["hex_share"] = np.where(total > 0, hexes / total, np.nan)
        df["placed_share"] = np.where(total > 0, 1.0 - df["distrito"] / total, np.nan)
        without = total - df["exacta"].to_numpy(dtype=np.float64)
        df["geocoded_share"] = np.where(without > 0, df["cuadra"] / without, np.nan)
    return df


def low_precision_districts(con: Any, *, min_share: float = settings.PRECISE_SHARE_MIN,
                            min_incidents: int = 30) -> pd.DataFrame:
    """Districts whose share of incidents usable on hexagon maps is below ``min_share``.

    Only districts with at least ``min_incidents`` incidents; lowest share
    first. Columns as :func:`precision_table` with ``by="district"``.
    """
    df = precision_table(con, by="district")
    low = df[(df["total"] >= min_incidents) & (df["hex_share"] < min_share)
             & df["district"].notna()]
    return low.sort_values(["hex_share", "district"], kind="stable").reset_index(drop=True)


def location_reasons(con: Any) -> pd.DataFrame:
    """Why incidents are not better placed, largest first (exact incidents left out).

    Columns ``location_precision``, ``location_reason``, ``reason_text``
    (Spanish), ``n``.
    """
    from analytics import location
    from analytics.store import locations

    df = locations.reason_counts(con)
    df = df[df["location_precision"] != "exacta"].reset_index(drop=True)
    df["reason_text"] = [location.LOCATION_REASONS.get(r, r) for r in df["location_reason"]]
    return df[["location_precision", "location_reason", "reason_text", "n"]]


def forced_point_table(con: Any) -> pd.DataFrame:
    """Forced and filler points of every import (``store.locations.forced_points``)."""
    from analytics.store import locations

    return locations.forced_points(con)
