"""An offline gazetteer: learn where streets, blocks, crossings and zones are, then geocode.

A :class:`Gazetteer` is learned from

* **known exact points with addresses** (the store's ``exacta`` rows): a robust
  centre per street block (the median of the block's points, shrunk towards
  the street's local line when it has few points), a piecewise-linear curve
  along each street through the centres of its known blocks (interpolation
  between them, short extrapolation beyond), crossings written in the data
  (``"X & Y"``), named places and zones written the same way many times;
* optional **street-line layers** (:func:`read_street_layer`): crossings of
  lines with different names, a representative point per street and, with a
  cuadra known on the street, a position along the line;
* optional **zone layers** (neighbourhood polygons or points).

Everything is looked up within the row's district first (the same street name
exists in several districts), then in the whole city when the answer stays
near the district. :meth:`Gazetteer.geocode` works on distinct addresses and
returns ``lat, lon, precision, reason`` with a precision from
:data:`analytics.location.LOCATION_PRECISIONS` (``cuadra``, ``via``, ``zona``,
``distrito``; ``distrito`` has no point).

Positions are kept in metres on a local equirectangular plane around the
known points (good to well under 1 % across a city).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import address as A, geo, settings
from analytics._errors import InputFileError

_ANY = "*"  # district key of city-wide (pooled) streets
_BLOCK_SCALE = 1 << 20  # composite (street id, block) code


# ----------------------------------------------------------------------------- helpers
def district_keys(values: Sequence[Any] | pd.Series | np.ndarray) -> np.ndarray:
    """Fold district values into comparable keys (``""`` when missing).

    Upper case, no accents, single-spaced.

    Integers (``12``, ``12.0``) and ubigeo strings keep their digits.
    """
    s = pd.Series(np.asarray(values, dtype=object))
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    keys = []
    for v in uniq:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        keys.append(A.fold_text(str(v)))
    lut = np.array([*keys, ""], dtype=object)
    return lut[np.where(codes < 0, len(keys), codes)]


@dataclass(frozen=True)
class _Plane:
    lat0: float
    lon0: float

    @property
    def kx(self) -> float:
        return float(np.radians(1.0) * geo.EARTH_RADIUS_M * np.cos(np.radians(self.lat0)))

    @property
    def ky(self) -> float:
        return float(np.radians(1.0) * geo.EARTH_RADIUS_M)

    def to_xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return ((np.asarray(lon, dtype=np.float64) - self.lon0) * self.kx,
                (np.asarray(lat, dtype=np.float64) - self.lat0) * self.ky)

    def to_latlon(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(y) / self.ky + self.lat0, np.asarray(x) / self.kx + self.lon0)


_FORMAT_VERSION = 1


def _as_str(values: Any) -> np.ndarray:
    out: np.ndarray = np.asarray(values, dtype=object).astype(str)
    return out


def _obj(values: Any) -> pd.Series:
    """Wrap values as a Series of Python objects.

    pandas' arrow strings are slow to index and convert in bulk, and these
    columns are indexed by millions of row codes.
    """
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _pair_key(a: str, b: str) -> str:
    return f"{a}|{b}" if a <= b else f"{b}|{a}"


# ----------------------------------------------------------------------------- street layers
#: Column names recognised as a street layer's name (folded, lower case).
LAYER_NAME_COLUMNS: Final = ("name", "nombre", "nombre_via", "nom_via", "via", "calle",
                             "street", "street_name", "full_name", "fullname", "nomvia")
#: Column names recognised as a layer's district (name or ubigeo).
LAYER_DISTRICT_COLUMNS: Final = ("district", "distrito", "ubigeo", "police_district", "dist")
#: Pairs of columns recognised as a line's first and last cuadra (or house number).
LAYER_NUMBER_COLUMNS: Final = (("cuadra_ini", "cuadra_fin"), ("cdra_ini", "cdra_fin"),
                               ("desde", "hasta"), ("num_ini", "num_fin"),
                               ("from_addr", "to_addr"), ("l_f_add", "l_t_add"))


def read_street_layer(path: str | Path, *, name_column: str | None = None) -> Any:
    """Read a street-line layer (GeoJSON, Shapefile, GeoPackage) into WGS84.

    Returns a GeoDataFrame with ``name``, ``geometry`` and, when present,
    ``district`` and ``num_from``/``num_to`` (cuadras or house numbers of the
    line's first and last vertex).

    Raises
    ------
    InputFileError
        The file cannot be read, or it has no street-name column.
    """
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types
        msg = f"No se pudo leer la capa de calles {Path(path).name}: {exc}"
        raise InputFileError(msg) from exc
    cols = {str(c).lower(): c for c in gdf.columns if c != "geometry"}
    name = name_column if name_column in gdf.columns else next(
        (cols[c] for c in LAYER_NAME_COLUMNS if c in cols), None)
    if name is None:
        msg = (f"La capa {Path(path).name} no tiene una columna con el nombre de la vía "
               f"(se esperaba una de: {', '.join(LAYER_NAME_COLUMNS)}).")
        raise InputFileError(msg)
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    out = gpd.GeoDataFrame({"name": gdf[name].astype("string").fillna("")},
                           geometry=gdf.geometry.values, crs=4326)
    dist = next((cols[c] for c in LAYER_DISTRICT_COLUMNS if c in cols), None)
    if dist is not None:
        out["district"] = gdf[dist].to_numpy()
    for a, b in LAYER_NUMBER_COLUMNS:
        if a in cols and b in cols:
            out["num_from"] = pd.to_numeric(gdf[cols[a]], errors="coerce").to_numpy()
            out["num_to"] = pd.to_numeric(gdf[cols[b]], errors="coerce").to_numpy()
            break
    keep = out.geometry.notna() & (out["name"].str.strip() != "")
    return out[keep.to_numpy()].reset_index(drop=True)


# ----------------------------------------------------------------------------- the gazetteer
@dataclass
class Gazetteer:
    """Learned street blocks, crossings, places and zones, with lookups.

    Build with :meth:`from_points` (and :meth:`add_streets`,
    :meth:`add_zones`); query with :meth:`geocode`; persist with
    :meth:`to_bytes` / :meth:`from_bytes`.
    """

    lat0: float
    lon0: float
    #: streets: district key, street key, type, rep. point (x, y), number of points
    street_district: np.ndarray
    street_key: np.ndarray
    street_type: np.ndarray
    street_x: np.ndarray
    street_y: np.ndarray
    street_n: np.ndarray
    #: block curve nodes sorted by (sid, position): position = block + 0.5 (in blocks)
    node_sid: np.ndarray
    node_pos: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    node_n: np.ndarray
    #: named points: kind ("x" crossing, "p" place, "z" zone), district, key, x, y, n
    named: pd.DataFrame
    #: district key -> (x, y, radius m) of its known points
    districts: pd.DataFrame
    #: weight of a house number's position inside its block (learned, 0–1)
    offset_weight: float = 1.0
    #: street lines (local metres) per street id, from layers
    lines: dict[int, Any] = field(default_factory=dict)
    _index: dict[tuple[str, str], list[int]] = field(default_factory=dict, repr=False)
    _alias: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)
    _named: dict[tuple[str, str, str], tuple[float, float]] = field(default_factory=dict,
                                                                    repr=False)
    _by_block: dict[tuple[str, float], list[int]] | None = field(default=None, repr=False)
    _dirs: dict[tuple[int, float], tuple[float, float] | None] = field(default_factory=dict,
                                                                        repr=False)

    def __post_init__(self) -> None:
        self._reindex()

    # ------------------------------------------------------------------ construction
    @property
    def plane(self) -> _Plane:
        """The local metric plane of the gazetteer's positions."""
        return _Plane(self.lat0, self.lon0)

    @classmethod
    def empty(cls, *, lat0: float, lon0: float) -> Gazetteer:
        """Make a gazetteer with nothing learned (layers can be added to it)."""
        e = np.empty(0)
        return cls(lat0, lon0, e.astype(object), e.astype(object), e.astype(object), e, e,
                   e.astype(np.int32), e.astype(np.int32), e, e, e, e.astype(np.int32),
                   pd.DataFrame({"kind": [], "district": [], "key": [], "x": [], "y": [],
                                 "n": []}),
                   pd.DataFrame({"district": [], "x": [], "y": [], "radius": []}))

    @classmethod
    def from_points(cls, parts: pd.DataFrame, district: Sequence[Any] | np.ndarray,
                    lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray, *,
                    min_shrink_n: float = settings.GEOCODE_BLOCK_SHRINK_N,
                    place_max_spread_m: float = settings.GEOCODE_PLACE_MAX_SPREAD_M,
                    zone_max_spread_m: float = settings.GEOCODE_ZONE_MAX_SPREAD_M
                    ) -> Gazetteer:
        """Learn from known exact points and their parsed addresses.

        Parameters
        ----------
        parts
            :func:`analytics.address.parse_addresses` of the points' addresses.
        district
            District of each point (name, ubigeo or police district).
        lat, lon
            The exact points (WGS84), no missing values.
        min_shrink_n
            A block centre from ``n`` points weighs ``n / (n + min_shrink_n)``
            against the street's line through its neighbouring blocks.
        place_max_spread_m, zone_max_spread_m
            A place (or zone) written the same way is kept only when half of
            its points lie within this distance of their median.
        """
        lat_a = np.asarray(lat, dtype=np.float64)
        lon_a = np.asarray(lon, dtype=np.float64)
        if len(lat_a) == 0:
            return cls.empty(lat0=0.0, lon0=0.0)
        plane = _Plane(float(np.median(lat_a)), float(np.median(lon_a)))
        x, y = plane.to_xy(lat_a, lon_a)
        dk = district_keys(district)
        # integer codes once: grouping millions of rows on strings is slow
        dcode, duniq = pd.factorize(dk)
        dnames = np.append(np.asarray(duniq, dtype=object), _ANY)
        kcode, kuniq = pd.factorize(parts["street"].to_numpy(dtype=object))
        tcode, tuniq = pd.factorize(parts["street_type"].to_numpy(dtype=object))
        frame = pd.DataFrame({"d": dcode, "key": kcode, "type": tcode,
                              "block": parts["block"].to_numpy(),
                              "offset": parts["offset"].to_numpy(), "x": x, "y": y})
        has = (np.asarray(kuniq, dtype=object) != "")[kcode]
        from analytics import _gazetteer_learn as learn

        streets, nodes, weight = learn.learn_streets(frame[has], min_shrink_n=min_shrink_n,
                                                any_code=len(dnames) - 1)
        for col, names in (("d", dnames), ("key", np.asarray(kuniq, dtype=object)),
                           ("type", np.asarray(tuniq, dtype=object))):
            streets[col] = pd.Series(names[streets[col].to_numpy().astype(np.int64)],
                                     dtype=object)
        named = learn.learn_named(dk, x, y, parts, place_max_spread_m=place_max_spread_m,
                             zone_max_spread_m=zone_max_spread_m)
        dist = learn.learn_districts(dcode, dnames, x, y)
        return cls(plane.lat0, plane.lon0,
                   streets["d"].to_numpy(dtype=object), streets["key"].to_numpy(dtype=object),
                   streets["type"].to_numpy(dtype=object), streets["x"].to_numpy(),
                   streets["y"].to_numpy(), streets["n"].to_numpy(dtype=np.int32),
                   nodes["sid"].to_numpy(dtype=np.int32), nodes["pos"].to_numpy(),
                   nodes["x"].to_numpy(), nodes["y"].to_numpy(),
                   nodes["n"].to_numpy(dtype=np.int32), named, dist, offset_weight=weight)

    @classmethod
    def build(cls, parts: pd.DataFrame | None = None,
              district: Sequence[Any] | np.ndarray | None = None,
              lat: Sequence[float] | np.ndarray | None = None,
              lon: Sequence[float] | np.ndarray | None = None, *,
              streets: Any = None, zones: Any = None, street_points: Any = None,
              crossings: Any = None, district_polygons: Any = None) -> Gazetteer:
        """Learn from known points and/or layers.

        Parameters
        ----------
        parts, district, lat, lon
            Known exact points, see :meth:`from_points` (all None for none).
        streets
            Street lines (:func:`read_street_layer`): crossings of lines with
            different names, a representative point per street in its district
            (the middle of its lines), cuadras along a line when the street
            has known blocks or numbering.
        zones
            Zones (GeoDataFrame with ``name``, polygons or points, optional
            ``district``): their representative points.
        street_points
            Points on named streets (``name, lat, lon``, optional ``district``;
            e.g. the ``stop``/``node`` rows of ``trujillo_nodos_trufi.csv``).
        crossings
            Known crossings (``street_a, street_b, lat, lon``, optional
            ``district``; e.g. its ``intersection`` rows).
        district_polygons
            GeoDataFrame with ``district`` (or ``ubigeo``) polygons, used to
            give lines and zones without a district column their district.
        """
        if parts is not None and lat is not None and lon is not None and district is not None \
                and len(parts):
            gaz = cls.from_points(parts, district, lat, lon)
        else:
            bounds = [layer.total_bounds for layer in (streets, zones) if layer is not None
                      and len(layer)]
            bounds += [np.array([t["lon"].min(), t["lat"].min(), t["lon"].max(),
                                 t["lat"].max()], dtype=float)
                       for t in (street_points, crossings) if t is not None and len(t)]
            if not bounds:
                return cls.empty(lat0=0.0, lon0=0.0)
            b = np.asarray(bounds)
            gaz = cls.empty(lat0=float((b[:, 1].min() + b[:, 3].max()) / 2),
                            lon0=float((b[:, 0].min() + b[:, 2].max()) / 2))
        if streets is not None and len(streets):
            from analytics._gazetteer_layers import add_street_lines

            gaz = add_street_lines(gaz, streets, district_polygons=district_polygons)
        if zones is not None and len(zones):
            from analytics._gazetteer_layers import add_zones

            gaz = add_zones(gaz, zones, district_polygons=district_polygons)
        if street_points is not None and len(street_points):
            from analytics._gazetteer_layers import add_street_points

            gaz = add_street_points(gaz, street_points, district_polygons=district_polygons)
        if crossings is not None and len(crossings):
            from analytics._gazetteer_layers import add_crossings

            gaz = add_crossings(gaz, crossings, district_polygons=district_polygons)
        return gaz

    # ------------------------------------------------------------------ persistence
    def to_bytes(self) -> bytes:
        """Serialise (a compressed ``.npz`` of plain arrays; no pickle)."""
        import shapely

        buf = io.BytesIO()
        sids = np.array(sorted(self.lines), dtype=np.int64)
        wkb = [shapely.to_wkb(self.lines[int(s)]) for s in sids]
        sizes = np.array([len(w) for w in wkb], dtype=np.int64)
        meta = {"version": _FORMAT_VERSION, "lat0": self.lat0, "lon0": self.lon0,
                "offset_weight": self.offset_weight}
        np.savez_compressed(
            buf, meta=np.array(json.dumps(meta)),
            street_district=_as_str(self.street_district), street_key=_as_str(self.street_key),
            street_type=_as_str(self.street_type), street_x=self.street_x,
            street_y=self.street_y, street_n=self.street_n, node_sid=self.node_sid,
            node_pos=self.node_pos, node_x=self.node_x, node_y=self.node_y,
            node_n=self.node_n, named_kind=_as_str(self.named["kind"]),
            named_district=_as_str(self.named["district"]), named_key=_as_str(self.named["key"]),
            named_x=self.named["x"].to_numpy(dtype=np.float64),
            named_y=self.named["y"].to_numpy(dtype=np.float64),
            named_n=self.named["n"].to_numpy(dtype=np.float64),
            dist_district=_as_str(self.districts["district"]),
            dist_x=self.districts["x"].to_numpy(dtype=np.float64),
            dist_y=self.districts["y"].to_numpy(dtype=np.float64),
            dist_radius=self.districts["radius"].to_numpy(dtype=np.float64),
            line_sid=sids, line_size=sizes,
            line_wkb=np.frombuffer(b"".join(wkb), dtype=np.uint8))
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Gazetteer:
        """Read what :meth:`to_bytes` wrote.

        Raises
        ------
        InputFileError
            The bytes are not a Vigía gazetteer of this version.
        """
        import shapely

        try:
            z = np.load(io.BytesIO(data), allow_pickle=False)
            meta = json.loads(str(z["meta"]))
        except Exception as exc:
            msg = "El gazetteer guardado no se puede leer (archivo dañado o de otro formato)."
            raise InputFileError(msg) from exc
        if meta.get("version") != _FORMAT_VERSION:
            msg = (f"El gazetteer guardado es de la versión {meta.get('version')}; se "
                   f"necesita la {_FORMAT_VERSION}: vuelva a construirlo.")
            raise InputFileError(msg)
        ends = np.cumsum(z["line_size"])
        raw = z["line_wkb"].tobytes()
        lines = {int(sid): shapely.from_wkb(raw[e - n:e]) for sid, n, e in zip(
            z["line_sid"], z["line_size"], ends, strict=True)}
        named = pd.DataFrame({"kind": z["named_kind"].astype(object),
                              "district": z["named_district"].astype(object),
                              "key": z["named_key"].astype(object), "x": z["named_x"],
                              "y": z["named_y"], "n": z["named_n"]})
        dist = pd.DataFrame({"district": z["dist_district"].astype(object), "x": z["dist_x"],
                             "y": z["dist_y"], "radius": z["dist_radius"]})
        return cls(float(meta["lat0"]), float(meta["lon0"]),
                   z["street_district"].astype(object), z["street_key"].astype(object),
                   z["street_type"].astype(object), z["street_x"], z["street_y"],
                   z["street_n"], z["node_sid"], z["node_pos"], z["node_x"], z["node_y"],
                   z["node_n"], named, dist, offset_weight=float(meta["offset_weight"]),
                   lines=lines)

    def _reindex(self) -> None:
        index: dict[tuple[str, str], list[int]] = {}
        order = np.argsort(-np.asarray(self.street_n, dtype=np.int64), kind="stable")
        for sid in order:
            index.setdefault((self.street_district[sid], self.street_key[sid]), []).append(
                int(sid))
        alias: dict[tuple[str, str], int] = {}
        for (d, key), sids in index.items():
            for al in A.street_key_aliases(key):
                k = (d, al)
                if k in index:
                    continue
                alias[k] = sids[0] if k not in alias or alias[k] == sids[0] else -1
        self._index = index
        self._alias = alias
        self._by_block = None
        self._dirs = {}
        self._named = {(k, d, key): (float(x), float(y)) for k, d, key, x, y in zip(
            self.named["kind"], self.named["district"], self.named["key"], self.named["x"],
            self.named["y"], strict=True)}
        starts = np.searchsorted(self.node_sid, np.arange(len(self.street_key) + 1))
        self._node_start = starts

    # ------------------------------------------------------------------ lookups
    def _street_candidates(self, d: str, key: str, stype: str) -> int:
        """Street id for ``key`` in district ``d`` (exact key, then aliases); -1 if none."""
        sids = self._index.get((d, key))
        if sids is None:
            for al in A.street_key_aliases(key):
                sids = self._index.get((d, al))
                if sids is not None:
                    break
        if sids is None:
            s = self._alias.get((d, key), -1)
            if s < 0:
                for al in A.street_key_aliases(key):
                    s = self._alias.get((d, al), -1)
                    if s >= 0:
                        break
            return s
        if stype and len(sids) > 1:
            for s in sids:
                if self.street_type[s] == stype:
                    return s
        return sids[0]

    def _interpolate(self, sid: np.ndarray, t: np.ndarray, block: np.ndarray, *,
                     max_gap: float, max_extrapolation: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Position at fractional block ``t`` along street ``sid`` (vectorised).

        Returns x, y and a support score: 0 when the block itself is known,
        the gap (in blocks) between the known blocks around it, or
        ``100 + distance`` beyond the known blocks (extrapolated along a line
        fitted to the street's last few known blocks); ``inf`` when the
        street has no usable blocks there.
        """
        n = len(sid)
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        score = np.full(n, np.inf)
        valid = sid >= 0
        if not valid.any() or len(self.node_sid) == 0:
            return x, y, score
        s0 = np.where(valid, sid, 0)
        start = self._node_start[s0]
        end = self._node_start[s0 + 1]
        cnt = end - start
        valid &= cnt > 0
        code_nodes = self.node_sid.astype(np.float64) * _BLOCK_SCALE + self.node_pos
        hi = np.searchsorted(code_nodes, s0.astype(np.float64) * _BLOCK_SCALE + t)
        hi = np.clip(hi, start, end)  # first node at or after t within the street
        exact_pos = block + 0.5
        # single-node streets: the node itself when the block is known or next to it
        one = valid & (cnt == 1)
        if one.any():
            i = start[one]
            dist = np.abs(self.node_pos[i] - exact_pos[one])
            near = dist <= 1.0
            idx = np.flatnonzero(one)[near]
            x[idx], y[idx] = self.node_x[i[near]], self.node_y[i[near]]
            score[idx] = np.where(dist[near] < 0.25, 0.0, 100.0 + dist[near])
        many = valid & (cnt >= 2)
        if not many.any():
            return x, y, score
        i1 = np.clip(hi, start + 1, end - 1)
        i0 = i1 - 1
        p0, p1 = self.node_pos[i0], self.node_pos[i1]
        inside = many & (t >= p0) & (t <= p1)
        w = (t - p0) / np.maximum(p1 - p0, 1e-9)
        xi = self.node_x[i0] + w * (self.node_x[i1] - self.node_x[i0])
        yi = self.node_y[i0] + w * (self.node_y[i1] - self.node_y[i0])
        gap = p1 - p0
        known = (np.abs(p0 - exact_pos) < 0.25) | (np.abs(p1 - exact_pos) < 0.25)
        ins = inside & (gap <= max_gap)
        x[ins], y[ins] = xi[ins], yi[ins]
        score[ins] = np.where(known[ins], 0.0, gap[ins])
        # beyond the known blocks: a weighted line through the last few known blocks
        out = many & ~inside
        if out.any():
            low = t < p0
            beyond = np.where(low, p0 - t, t - p1)
            ok = out & (beyond <= max_extrapolation)
            idx = np.flatnonzero(ok)
            if len(idx):
                ex, ey = self._extrapolate(idx, t, low, start, end)
                x[idx], y[idx] = ex, ey
                score[idx] = np.where(beyond[idx] < 0.25, 0.0, 100.0 + beyond[idx])
        return x, y, score

    def _extrapolate(self, idx: np.ndarray, t: np.ndarray, low: np.ndarray, start: np.ndarray,
                     end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions beyond a street's known blocks from its ``k`` end blocks (vectorised)."""
        k = settings.GEOCODE_EXTRAPOLATION_NODES
        base = np.where(low[idx], start[idx], end[idx] - k)
        base = np.clip(base, start[idx], np.maximum(end[idx] - k, start[idx]))
        cols = base[:, None] + np.arange(k)[None, :]
        use = cols < end[idx][:, None]
        cols = np.minimum(cols, end[idx][:, None] - 1)
        pos = self.node_pos[cols]
        w = np.where(use, np.minimum(self.node_n[cols], 5).astype(np.float64), 0.0)
        sw = w.sum(axis=1)
        mp = (w * pos).sum(axis=1) / sw
        dp = pos - mp[:, None]
        var = (w * dp * dp).sum(axis=1)
        res = []
        for v in (self.node_x, self.node_y):
            val = v[cols]
            mv = (w * val).sum(axis=1) / sw
            slope = (w * dp * (val - mv[:, None])).sum(axis=1) / np.maximum(var, 1e-9)
            end_node = np.where(low[idx], start[idx], end[idx] - 1)
            pe = self.node_pos[end_node]
            res.append(v[end_node] + slope * (t[idx] - pe))
        return res[0], res[1]

    def geocode(self, parts: pd.DataFrame, district: Sequence[Any] | np.ndarray, *,
                max_gap: float = settings.GEOCODE_MAX_GAP_BLOCKS,
                max_extrapolation: float = settings.GEOCODE_MAX_EXTRAPOLATION_BLOCKS
                ) -> pd.DataFrame:
        """Geocode parsed addresses (one row per input row).

        Parameters
        ----------
        parts
            :func:`analytics.address.parse_addresses` output.
        district
            District of each row (same kind of value the gazetteer learned).
        max_gap
            Interpolate between known blocks at most this many blocks apart.
        max_extrapolation
            Extrapolate at most this many blocks beyond the known ones.

        Returns
        -------
        pandas.DataFrame
            ``lat``, ``lon`` (NaN for ``distrito``), ``precision`` (``cuadra``,
            ``via``, ``zona``, ``distrito``) and ``reason`` (a key of
            :data:`analytics.location.LOCATION_REASONS`: how the point was
            found or why not).
        """
        dk = district_keys(district)
        cols = ["street", "street_type", "block", "offset", "cross_street", "zone_type", "zone",
                "place"]
        q = parts[cols].copy()
        q["d"] = dk
        codes, uniq = _factorize_frame(q)
        res = self._geocode_distinct(uniq, max_gap=max_gap, max_extrapolation=max_extrapolation)
        out = res.iloc[codes].reset_index(drop=True)
        return out

    def geocode_codes(self, codes: np.ndarray, parts: pd.DataFrame,
                      district: Sequence[Any] | np.ndarray, *,
                      max_gap: float = settings.GEOCODE_MAX_GAP_BLOCKS,
                      max_extrapolation: float = settings.GEOCODE_MAX_EXTRAPOLATION_BLOCKS
                      ) -> pd.DataFrame:
        """Geocode rows given as codes into distinct parsed addresses.

        Same as :meth:`geocode` on ``parts.iloc[codes]``, but only each
        distinct (district, address) pair is looked at: use it with
        :func:`analytics.address.parse_distinct` on large files.
        """
        dcodes, duniq = pd.factorize(pd.Series(np.asarray(district, dtype=object)),
                                     use_na_sentinel=False)
        pair, _ = pd.factorize(np.asarray(codes, dtype=np.int64) * (len(duniq) + 1) + dcodes)
        n = len(pair)
        if n == 0:
            return pd.DataFrame({"lat": [], "lon": [], "precision": [], "reason": []})
        first = np.full(int(pair.max()) + 1, n, dtype=np.int64)
        np.minimum.at(first, pair, np.arange(n))
        cols = ["street", "street_type", "block", "offset", "cross_street", "zone_type", "zone",
                "place"]
        q = parts[cols].iloc[np.asarray(codes)[first]].reset_index(drop=True)
        q["d"] = district_keys(np.asarray(district, dtype=object)[first])
        res = self._geocode_distinct(q, max_gap=max_gap, max_extrapolation=max_extrapolation)
        return res.iloc[pair].reset_index(drop=True)

    def _resolve_streets(self, d: np.ndarray, key: np.ndarray, stype: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
        """District-level and city-wide street ids per query (-1 when unknown)."""
        combos = pd.DataFrame({"d": _obj(d), "k": _obj(key), "t": _obj(stype)})
        codes, uniq = _factorize_frame(combos)
        loc = np.full(len(uniq), -1, dtype=np.int64)
        glob = np.full(len(uniq), -1, dtype=np.int64)
        for i, (dd, kk, tt) in enumerate(zip(uniq["d"], uniq["k"], uniq["t"], strict=True)):
            if not kk:
                continue
            loc[i] = self._street_candidates(dd, kk, tt)
            glob[i] = self._street_candidates(_ANY, kk, tt)
        return loc[codes], glob[codes]

    def _geocode_distinct(self, q: pd.DataFrame, *, max_gap: float,
                          max_extrapolation: float) -> pd.DataFrame:
        n = len(q)
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        prec = np.full(n, "distrito", dtype=object)
        reason = np.full(n, "solo_distrito", dtype=object)
        done = np.zeros(n, dtype=bool)
        d = q["d"].to_numpy(dtype=object)
        key = q["street"].to_numpy(dtype=object)
        stype = q["street_type"].to_numpy(dtype=object)
        block = q["block"].to_numpy().astype(np.float64)
        offset = q["offset"].to_numpy().astype(np.float64)
        loc, glob = self._resolve_streets(d, key, stype)
        on = np.full(n, -1, dtype=np.int64)  # the street whose known blocks gave the point

        def put(mask: np.ndarray, xs: np.ndarray, ys: np.ndarray, p: str, why: str,
                sid: np.ndarray | None = None) -> None:
            m = mask & ~done
            x[m], y[m] = xs[m], ys[m]
            prec[m], reason[m] = p, why
            if sid is not None:
                on[m] = sid[m]
            done[m] = True

        # 1. crossings (most precise when found)
        cross = q["cross_street"].to_numpy(dtype=object)
        has_cross = (key != "") & (cross != "")
        if has_cross.any():
            cx, cy, cok = self._crossings(d, key, cross, has_cross)
            put(cok, cx, cy, "cuadra", "interseccion")
        # 2. street + block: the best-supported estimate, in the district or city-wide
        has_block = (key != "") & (block >= 0)
        if has_block.any():
            w = self.offset_weight
            t = block + 0.5 + np.where(offset >= 0, w * ((offset + 0.5) / 100.0 - 0.5), 0.0)
            far = settings.GEOCODE_VIA_EXTRAPOLATION_BLOCKS
            lx, ly, ls = self._interpolate(np.where(has_block & ~done, loc, -1), t, block,
                                           max_gap=max_gap, max_extrapolation=far)
            gx, gy, gs = self._interpolate(np.where(has_block & ~done, glob, -1), t, block,
                                           max_gap=max_gap, max_extrapolation=far)
            gs[np.isfinite(gs)] += 0.01  # the district wins ties
            fin = np.isfinite(gs)
            fin[fin] = self._near_all(d[fin], gx[fin], gy[fin])
            gs[~fin] = np.inf
            use_g = gs < ls
            bx, by, bs = np.where(use_g, gx, lx), np.where(use_g, gy, ly), np.minimum(ls, gs)
            bsid = np.where(use_g, glob, loc)
            # between two known cuadras (not one of them): also ask the parallel streets
            between = has_block & ~done & (bs > 0.25) & (bs <= max_gap)
            if between.any():
                bx, by = _grid.parallel_blocks(self, bsid, t, bx, by, between)
            near = bs <= 100.0 + max_extrapolation
            ext = has_block & ~done & near & (bs >= 100.0) & (loc >= 0)
            if ext.any():
                tx, ty, tok = _grid.translated_blocks(self, loc, t, ext)
                bx = np.where(tok, (bx + tx) / 2, bx)
                by = np.where(tok, (by + ty) / 2, by)
            put(has_block & near & ~use_g, bx, by, "cuadra", "cuadra_distrito", bsid)
            put(has_block & near & use_g, bx, by, "cuadra", "cuadra_ciudad", bsid)
            lx2, ly2, lok = _grid.along_lines(self, np.where(has_block & ~done, loc, -1), block)
            put(lok, lx2, ly2, "cuadra", "cuadra_linea")
            tx, ty, tok = _grid.translated_blocks(self, loc, t, has_block & ~done & (loc >= 0))
            put(tok, tx, ty, "via", "via_paralela", loc)
            put(has_block & np.isfinite(bs), bx, by, "via", "via_extrapolada", bsid)
        # 3. a place written the same way (crossing strings, named places)
        place = q["place"].to_numpy(dtype=object)
        px, py, pok = self._named_lookup("p", d, place, ~done & (place != ""))
        put(pok, px, py, "cuadra", "lugar_conocido")
        # 4. zone
        zone = q["zone"].to_numpy(dtype=object)
        zx, zy, zok = self._named_lookup("z", d, zone, ~done & (zone != ""))
        put(zok, zx, zy, "zona", "zona_centro")
        # 5. a crossing not found: the known block of the street nearest to the other street
        m = has_cross & ~done & (loc >= 0)
        if m.any():
            nx, ny, nok = self._nearest_pairs(d, key, cross, loc, m)
            put(nok, nx, ny, "via", "via_cruce_cercano")
        # 6. the street alone; 7. a crossing whose first street is unknown: the other one
        lone = has_cross & ~done
        none = np.full(n, -1, dtype=np.int64)
        others = (self._resolve_streets(d, np.where(lone, cross, ""),
                                        np.full(n, "", dtype=object)) if lone.any()
                  else (none, none))
        for sids, why in ((loc, "distrito"), (glob, "ciudad"), (others[0], "distrito"),
                          (others[1], "ciudad")):
            m = ~done & (sids >= 0)
            if m.any():
                s = np.where(m, sids, 0)
                sx, sy = self.street_x[s], self.street_y[s]
                if sids is loc or sids is glob:  # with a cuadra: the known one nearest to it
                    nx_, ny_, nok_ = _grid.nearest_block(self, s, block, m & (block >= 0))
                    sx, sy = np.where(nok_, nx_, sx), np.where(nok_, ny_, sy)
                okm = m & np.isfinite(sx)
                if why == "ciudad":
                    okm &= self._near_all(d, sx, sy)
                layer_only = self.street_n[s] == 0
                put(okm & layer_only, sx, sy, "via", f"via_capa_{why}")
                put(okm, sx, sy, "via", f"via_central_{why}")
        # 8. a point from the street's known blocks lies near its line, not on it: when a
        #    layer draws the street, put it on the line
        if self.lines and (on >= 0).any():
            x, y = _grid.onto_lines(self, on, x, y)
        # reasons for what is left
        kinds_left = ~done
        reason[kinds_left & (key != "")] = "via_desconocida"
        reason[kinds_left & (key == "") & (zone != "")] = "zona_desconocida"
        reason[kinds_left & (key == "") & (zone == "") & (place == "")] = "sin_direccion"
        reason[kinds_left & (key == "") & (zone == "") & (place != "")] = (
            "direccion_no_reconocida")
        lat, lon = self.plane.to_latlon(x, y)
        return pd.DataFrame({"lat": lat, "lon": lon, "precision": _obj(prec),
                             "reason": _obj(reason)})

    def _near_all(self, d: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Tell whether each point lies within the reach of its district's known points.

        True where the district has no known points.
        """
        out = np.ones(len(d), dtype=bool)
        if len(self.districts) == 0 or len(d) == 0:
            return out
        idx = pd.Index(self.districts["district"].to_numpy(dtype=object)).get_indexer(
            np.asarray(d, dtype=object))
        known = idx >= 0
        cx = self.districts["x"].to_numpy()[idx[known]]
        cy = self.districts["y"].to_numpy()[idx[known]]
        r = self.districts["radius"].to_numpy()[idx[known]]
        out[known] = np.hypot(np.asarray(x)[known] - cx, np.asarray(y)[known] - cy) <= r
        return out

    def _named_lookup(self, kind: str, d: np.ndarray, key: np.ndarray, mask: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(d)
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        ok = np.zeros(n, dtype=bool)
        for i in np.flatnonzero(mask):
            hit = self._named.get((kind, d[i], key[i]))
            if hit is None and kind == "z":
                hit = self._named.get((kind, _ANY, key[i]))
                if hit is not None and not self._near_all(
                        np.array([d[i]], dtype=object), np.array([hit[0]]),
                        np.array([hit[1]]))[0]:
                    hit = None
            if hit is not None:
                x[i], y[i] = hit
                ok[i] = True
        return x, y, ok

    def _crossings(self, d: np.ndarray, a: np.ndarray, b: np.ndarray, mask: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(d)
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        ok = np.zeros(n, dtype=bool)
        cache: dict[tuple[str, str, str], tuple[float, float] | None] = {}
        for i in np.flatnonzero(mask):
            k = (d[i], a[i], b[i])
            if k not in cache:
                cache[k] = self._crossing(d[i], a[i], b[i])
            hit = cache[k]
            if hit is not None:
                x[i], y[i] = hit
                ok[i] = True
        return x, y, ok

    def _nearest_pairs(self, d: np.ndarray, a: np.ndarray, b: np.ndarray, loc: np.ndarray,
                       mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(d)
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        ok = np.zeros(n, dtype=bool)
        for i in np.flatnonzero(mask):
            sb = self._street_candidates(d[i], b[i], "")
            if sb < 0:
                sb = self._street_candidates(_ANY, b[i], "")
            if sb < 0:
                continue
            hit = self._nearest_on_street(int(loc[i]), sb)
            if hit is not None:
                x[i], y[i] = hit
                ok[i] = True
        return x, y, ok

    def _crossing(self, d: str, a: str, b: str) -> tuple[float, float] | None:
        """Crossing of streets ``a`` and ``b`` in district ``d``, or None."""
        for dd in (d, _ANY):
            hit = self._named.get(("x", dd, _pair_key(a, b)))
            if hit is not None:
                return hit
        for dd in (d, _ANY):
            sa = self._street_candidates(dd, a, "")
            sb = self._street_candidates(dd, b, "")
            if sa < 0 or sb < 0:
                continue
            hit = self._crossing_from_streets(sa, sb)
            if hit is not None and (dd == d or self._near_all(
                    np.array([d], dtype=object), np.array([hit[0]]), np.array([hit[1]]))[0]):
                return hit
        return None

    def _street_nodes(self, sid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s, e = self._node_start[sid], self._node_start[sid + 1]
        return self.node_pos[s:e], self.node_x[s:e], self.node_y[s:e]

    def _crossing_from_streets(self, sa: int, sb: int) -> tuple[float, float] | None:
        la, lb = self.lines.get(sa), self.lines.get(sb)
        if la is not None and lb is not None:
            import shapely

            inter = shapely.intersection(la, lb)
            if not inter.is_empty:
                pts = shapely.get_coordinates(inter)
                if len(pts):
                    return float(pts[0, 0]), float(pts[0, 1])
        pa, xa, ya = self._street_nodes(sa)
        pb, xb, yb = self._street_nodes(sb)
        if len(xa) == 0 or len(xb) == 0:
            return None
        dist = np.hypot(xa[:, None] - xb[None, :], ya[:, None] - yb[None, :])
        i, j = np.unravel_index(int(np.argmin(dist)), dist.shape)
        dmin = float(dist[i, j])
        mid = ((xa[i] + xb[j]) / 2.0, (ya[i] + yb[j]) / 2.0)
        la = _grid.fit_line(xa, ya, xb[j], yb[j])
        lb = _grid.fit_line(xb, yb, xa[i], ya[i])
        if la is not None and lb is not None:
            p = _grid.intersect_lines(la, lb)
            if p is not None:
                reach = dmin + settings.GEOCODE_CROSSING_MAX_M
                if (np.hypot(p[0] - xa[i], p[1] - ya[i]) <= reach
                        and np.hypot(p[0] - xb[j], p[1] - yb[j]) <= reach):
                    return p
        if dmin <= settings.GEOCODE_CROSSING_MAX_M:
            return float(mid[0]), float(mid[1])
        return None

    def _nearest_on_street(self, sa: int, sb: int) -> tuple[float, float] | None:
        """Find the known block of street ``sa`` nearest to street ``sb``'s known blocks."""
        _pa, xa, ya = self._street_nodes(sa)
        _pb, xb, yb = self._street_nodes(sb)
        if len(xa) == 0 or len(xb) == 0:
            return None
        dist = np.hypot(xa[:, None] - xb[None, :], ya[:, None] - yb[None, :])
        i, _j = np.unravel_index(int(np.argmin(dist)), dist.shape)
        return float(xa[i]), float(ya[i])


_factorize_frame = A.factorize_rows


from analytics import _gazetteer_grid as _grid  # noqa: E402  (uses this module's names)
