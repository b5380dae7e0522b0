"""How the demo's incidents are written down: addresses on real streets, missing and forced points.

Private plumbing of :mod:`analytics.demo`. A Peruvian police export carries a written
address (``DIRECCION_HECHO``) and a coordinate status, and most rows lack a true point.
Here:

* a Lima point within :data:`SNAP_M` of a named street of central Lima
  (``data/streets/lima_centro_calles_osm.geojson``) moves onto that street, and its
  address is written from where it lies: house numbers count metres along the street
  from its start (cuadra ``k`` holds numbers ``100k`` … ``100k + 99``), in the varied
  forms police write (``JR. GAMARRA 745``, ``AV. AVIACION CDRA. 12``, ``JR. HUANUCO N° 820
  INT. 3 REF. FRENTE AL MERCADO``, ``JR. X ESQ. AV. Y``);
* a Trujillo point within :data:`SNAP_M` of a crossing or a named node of the bus routes
  (``trujillo_nodos_trufi.csv``) moves there and is written as the crossing or the street;
* other points get a zone (``SECTOR 3``, from a ~1 km grid of their district) or nothing;
* :func:`degrade` then blanks the coordinates of part of the rows (``SIN COORDENADA``),
  marks most comisaría-stacked rows ``GEO FORZADA AL CENTROIDE DE COMISARIA`` and a few
  good rows ``COORDENADA ADECUADA MANUALMENTE``.

Everything is drawn from the generators passed in (seeded by the caller).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import address as A, geocoding

#: A point this close to a named street (or a Trujillo node) is moved onto it.
SNAP_M: Final = 120.0
#: A crossing this close to a snapped point may be written instead of the number.
CROSSING_M: Final = 40.0
#: Share of the rows written at a street whose point is missing (``SIN COORDENADA``)...
SHARE_BLANK_STREET: Final = 0.30
#: ... and of the other rows.
SHARE_BLANK_OTHER: Final = 0.10
#: Share of the comisaría-stacked rows whose status column says they are forced.
SHARE_STATUS_FORCED: Final = 0.7
#: Share of the rows with a good point whose status says it was corrected by hand.
SHARE_MANUAL: Final = 0.03
#: Status values written (``estado_coord``).
STATUS_OK: Final = "GEORREFERENCIADO"
STATUS_FORCED: Final = "GEO FORZADA AL CENTROIDE DE COMISARIA"
STATUS_NONE: Final = "SIN COORDENADA"
STATUS_MANUAL: Final = "COORDENADA ADECUADA MANUALMENTE"
_ZONE_CELL_M: Final = 1000.0
_M_PER_DEG: Final = 111_320.0


@dataclass(frozen=True)
class _Streets:
    """Named street axes of central Lima in local metres, and their crossings."""

    lat0: float
    lon0: float
    axes: np.ndarray
    names: np.ndarray
    #: vertices every ~10 m along the axes: position, axis, metres from the axis' start
    vx: np.ndarray
    vy: np.ndarray
    v_axis: np.ndarray
    v_along: np.ndarray
    v_tree: Any
    cross_x: np.ndarray
    cross_y: np.ndarray
    cross_a: np.ndarray
    cross_b: np.ndarray

    def to_xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = _M_PER_DEG * np.cos(np.radians(self.lat0))
        return (lon - self.lon0) * k, (lat - self.lat0) * _M_PER_DEG

    def to_latlon(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = _M_PER_DEG * np.cos(np.radians(self.lat0))
        return y / _M_PER_DEG + self.lat0, x / k + self.lon0


def _display(names: np.ndarray) -> np.ndarray:
    """``JR. MARISCAL AGUSTIN GAMARRA`` for ``Jirón Mariscal Agustín Gamarra``."""
    parts = A.parse_addresses(names)
    out = [f"{A.STREET_TYPE_DISPLAY.get(t, t + '.')} {A.fold_text(n)}" if t else A.fold_text(n)
           for t, n in zip(parts["street_type"], parts["street_name"], strict=True)]
    return np.asarray(out, dtype=object)


@functools.lru_cache(maxsize=1)
def _lima() -> _Streets | None:
    """One axis per street name (its longest merged part), with the crossings of the axes."""
    import shapely

    path = geocoding.SHIPPED_LAYERS[0]
    if not path.is_file():
        return None
    layer = geocoding.shipped_layer(path).streets  # the ingest's cached copy
    b = layer.total_bounds
    lat0, lon0 = float((b[1] + b[3]) / 2), float((b[0] + b[2]) / 2)
    kx = _M_PER_DEG * np.cos(np.radians(lat0))
    geoms = shapely.transform(layer.geometry.to_numpy(),
                              lambda c: np.c_[(c[:, 0] - lon0) * kx, (c[:, 1] - lat0) * _M_PER_DEG])
    codes, names = pd.factorize(layer["name"].to_numpy(dtype=object))
    order = np.argsort(codes, kind="stable")
    merged = shapely.line_merge(shapely.multilinestrings(geoms[order], indices=codes[order]))
    parts, owner = shapely.get_parts(merged, return_index=True)
    length = shapely.length(parts)
    best = pd.Series(length).groupby(owner).idxmax().to_numpy()
    axes = parts[best]
    keep = shapely.length(axes) > 150.0
    axes, names = axes[keep], np.asarray(names, dtype=object)[owner[best]][keep]
    tree = shapely.STRtree(axes)
    i, j = tree.query(axes, predicate="intersects")
    dense, v_axis = shapely.get_coordinates(shapely.segmentize(axes, 10.0), return_index=True)
    step = np.hypot(np.diff(dense[:, 0], prepend=dense[0, 0]),
                    np.diff(dense[:, 1], prepend=dense[0, 1]))
    step[np.r_[True, v_axis[1:] != v_axis[:-1]]] = 0.0
    v_along = pd.Series(step).groupby(v_axis).cumsum().to_numpy()
    m = i < j
    i, j = i[m], j[m]
    pts = shapely.intersection(axes[i], axes[j])
    xy, which = shapely.get_coordinates(pts, return_index=True)
    first = np.unique(which, return_index=True)[1]
    rows = which[first]
    return _Streets(lat0, lon0, axes, _display(names), dense[:, 0], dense[:, 1], v_axis,
                    v_along, shapely.STRtree(shapely.points(dense)), xy[first, 0],
                    xy[first, 1], i[rows], j[rows])


@functools.lru_cache(maxsize=1)
def _trujillo() -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Crossings (``a, b, lat, lon``) and named nodes (``name, lat, lon``) of Trujillo."""
    path = geocoding.SHIPPED_LAYERS[1]
    if not path.is_file():
        return None
    layer = geocoding.shipped_layer(path)
    cross, pts = layer.crossings, layer.street_points
    if cross is None or pts is None:
        return None
    cross = cross.assign(a=_display(cross["street_a"].to_numpy(dtype=object)),
                         b=_display(cross["street_b"].to_numpy(dtype=object)))
    pts = pts.assign(name=_display(pts["name"].to_numpy(dtype=object)))
    return cross[["a", "b", "lat", "lon"]], pts[["name", "lat", "lon"]]


def _project(st: _Streets, j: np.ndarray, x: np.ndarray, y: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Exact projection of points on the axis segments around their nearest vertex ``j``.

    Returns the metres along the axis and the projected points.
    """
    n_v = len(st.vx)
    best_d = np.full(len(j), np.inf)
    along = st.v_along[j].astype(np.float64)
    px, py = st.vx[j].astype(np.float64), st.vy[j].astype(np.float64)
    for a_i, b_i in ((j - 1, j), (j, j + 1)):
        ok = (a_i >= 0) & (b_i < n_v)
        a_c, b_c = np.clip(a_i, 0, n_v - 1), np.clip(b_i, 0, n_v - 1)
        ok &= st.v_axis[a_c] == st.v_axis[b_c]
        ax, ay = st.vx[a_c], st.vy[a_c]
        dx, dy = st.vx[b_c] - ax, st.vy[b_c] - ay
        seg2 = np.maximum(dx * dx + dy * dy, 1e-9)
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / seg2, 0.0, 1.0)
        qx, qy = ax + t * dx, ay + t * dy
        d = np.hypot(x - qx, y - qy)
        better = ok & (d < best_d)
        best_d[better] = d[better]
        px[better], py[better] = qx[better], qy[better]
        along[better] = st.v_along[a_c][better] + t[better] * np.sqrt(seg2[better])
    return along, np.c_[px, py]


def _short(name: str, rng: np.random.Generator) -> str:
    """Sometimes only the type and last word (``JR. GAMARRA``), as police often write."""
    words = name.split()
    if len(words) > 2 and rng.random() < 0.2 and words[-1].isalpha() and len(words[-1]) > 3:
        return f"{words[0]} {words[-1]}"
    return name


def _write_lima(rng: np.random.Generator, st: _Streets, lat: np.ndarray, lon: np.ndarray,
                idx: np.ndarray, address: np.ndarray, kind: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    x, y = st.to_xy(lat[idx], lon[idx])
    near = st.v_tree.query_nearest(shapely.points(x, y), max_distance=SNAP_M,
                                   all_matches=False)
    src, j = near[0], near[1]
    along, snapped = _project(st, j, x[src], y[src])
    axis = st.v_axis[j]
    la, lo = st.to_latlon(snapped[:, 0], snapped[:, 1])
    rows = idx[src]
    lat[rows], lon[rows] = np.round(la, 6), np.round(lo, 6)
    number = 100 + np.floor(along).astype(np.int64)
    # the crossings of the row's street within CROSSING_M
    ctree = shapely.STRtree(shapely.points(st.cross_x, st.cross_y))
    pi, ci = ctree.query(shapely.points(snapped[:, 0], snapped[:, 1]), predicate="dwithin",
                         distance=CROSSING_M)
    other_of: dict[int, str] = {}
    for p, c in zip(pi, ci, strict=True):
        a, b = int(st.cross_a[c]), int(st.cross_b[c])
        if int(p) not in other_of and axis[p] in (a, b):
            other_of[int(p)] = str(st.names[b if a == axis[p] else a])
    forms = rng.random(len(rows))
    for k, r in enumerate(rows):
        name = _short(str(st.names[axis[k]]), rng)
        n = int(number[k])
        other = other_of.get(k, "")
        u = forms[k]
        if u >= 0.85 and other:
            address[r] = f"{name} ESQ. {_short(other, rng)}"
            kind[r] = "cruce"
            continue
        if u < 0.35:
            address[r] = f"{name} {n}"
        elif u < 0.65:
            address[r] = f"{name} CDRA. {n // 100}"
        else:
            address[r] = f"{name} N° {n} INT. {1 + n % 7} REF. FRENTE AL MERCADO"
        kind[r] = "calle"
    return lat, lon


def _write_trujillo(lat: np.ndarray, lon: np.ndarray, idx: np.ndarray, address: np.ndarray,
                    kind: np.ndarray) -> None:
    import shapely

    data = _trujillo()
    if data is None or not len(idx):
        return
    cross, pts = data
    k = _M_PER_DEG * np.cos(np.radians(float(np.median(lat[idx]))))
    q = np.c_[lon[idx] * k, lat[idx] * _M_PER_DEG]
    for table, what in ((cross, "cruce"), (pts, "via")):
        todo = kind[idx] == ""
        if not todo.any():
            break
        tree = shapely.STRtree(shapely.points(table["lon"].to_numpy() * k,
                                              table["lat"].to_numpy() * _M_PER_DEG))
        near = tree.query_nearest(shapely.points(q[todo]), max_distance=SNAP_M,
                                  all_matches=False)
        rows = idx[todo][near[0]]
        j = near[1]
        lat[rows] = np.round(table["lat"].to_numpy()[j], 6)
        lon[rows] = np.round(table["lon"].to_numpy()[j], 6)
        if what == "cruce":
            address[rows] = [f"{a} ESQ. {b}" for a, b in zip(table["a"].to_numpy()[j],
                                                            table["b"].to_numpy()[j],
                                                            strict=True)]
        else:
            address[rows] = table["name"].to_numpy(dtype=object)[j]
        kind[rows] = what


def write_addresses(rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray,
                    city: np.ndarray, district: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Snap points onto named streets and write each incident's address.

    Parameters
    ----------
    rng
        The only source of randomness (address forms).
    lat, lon
        True points (not modified).
    city, district
        ``"lima"``/``"trujillo"`` and the district of each row.

    Returns
    -------
    lat, lon, address, kind
        The points (snapped where written at a street), the written address
        (``""`` when none) and what it names: ``calle``, ``cruce``, ``via``,
        ``zona`` or ``""``.
    """
    lat = np.array(lat, dtype=np.float64)
    lon = np.array(lon, dtype=np.float64)
    n = len(lat)
    address = np.full(n, "", dtype=object)
    kind = np.full(n, "", dtype=object)
    st = _lima()
    lima = np.flatnonzero(city == "lima")
    if st is not None and len(lima):
        lat, lon = _write_lima(rng, st, lat, lon, lima, address, kind)
    _write_trujillo(lat, lon, np.flatnonzero(city == "trujillo"), address, kind)
    # elsewhere: a sector of a ~1 km grid of the district, written for half the rows
    rest = np.flatnonzero(kind == "")
    if len(rest):
        k = _M_PER_DEG * np.cos(np.radians(lat[rest]))
        gx = np.floor(lon[rest] * k / _ZONE_CELL_M).astype(np.int64)
        gy = np.floor(lat[rest] * _M_PER_DEG / _ZONE_CELL_M).astype(np.int64)
        frame = pd.DataFrame({"d": district[rest], "x": gx, "y": gy})
        sector = frame.groupby("d")[["x", "y"]].transform(lambda s: s - s.min())
        num = 1 + sector["x"].to_numpy() % 5 + 5 * (sector["y"].to_numpy() % 5)
        write = rng.random(len(rest)) < 0.5
        address[rest[write]] = [f"SECTOR {v}" for v in num[write]]
        kind[rest[write]] = "zona"
    return lat, lon, address, kind


def degrade(rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, kind: np.ndarray,
            stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blank part of the points and write the coordinate status (``estado_coord``).

    Rows written at a street or crossing lose their point with probability
    :data:`SHARE_BLANK_STREET`, the others with :data:`SHARE_BLANK_OTHER`
    (``SIN COORDENADA``); comisaría-stacked rows keep their (forced) point,
    :data:`SHARE_STATUS_FORCED` of them marked as such; a few good points are
    marked as corrected by hand.
    """
    n = len(lat)
    u = rng.random(n)
    v = rng.random(n)
    lat = np.array(lat, dtype=np.float64)
    lon = np.array(lon, dtype=np.float64)
    status = np.full(n, STATUS_OK, dtype=object)
    street = np.isin(kind, ("calle", "cruce"))
    blank = ~stacked & np.where(street, u < SHARE_BLANK_STREET, u < SHARE_BLANK_OTHER)
    lat[blank], lon[blank] = np.nan, np.nan
    status[blank] = STATUS_NONE
    status[stacked & (v < SHARE_STATUS_FORCED)] = STATUS_FORCED
    status[~stacked & ~blank & (v < SHARE_MANUAL)] = STATUS_MANUAL
    return lat, lon, status
