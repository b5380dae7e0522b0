"""Where an incident is, and how precisely: forced-point detection and the geocoding pipeline.

Police files mix true points with points that only *look* like places: rows
"geo-forced to the comisaría centroid", filler points (a plaza) holding
thousands of events written at many different addresses, and rows with no
point at all. Every incident gets a ``location_precision`` from
:data:`LOCATION_PRECISIONS`:

* ``exacta``: a real point from the file;
* ``cuadra``: geocoded to a street block or a crossing;
* ``via``: the street is known, the block is not;
* ``zona``: a neighbourhood / urbanización / AA.HH. / sector centre;
* ``distrito``: the district only (no point).

:func:`forced_points` finds the points that are not places (from a status
column, from the data, from a comisaría layer); :func:`locate_incidents` runs
the whole chain: parse addresses, drop forced points, learn a
:class:`~analytics.gazetteer.Gazetteer` from the remaining exact points and
geocode every row without a true point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import address as A, settings
from analytics.gazetteer import Gazetteer, _factorize_frame, _obj, _Plane, district_keys

#: Location precisions, best first (one definition: :data:`analytics.settings.LOCATION_PRECISIONS`).
LOCATION_PRECISIONS: Final = settings.LOCATION_PRECISIONS

#: Spanish label of each precision, for users.
PRECISION_LABELS: Final = MappingProxyType({
    "exacta": "punto exacto", "cuadra": "cuadra o intersección", "via": "vía (sin cuadra)",
    "zona": "zona (urbanización, AA.HH., sector)", "distrito": "solo distrito",
})

#: ``location_reason`` keys (how a row was placed, or why not better) and their Spanish text.
LOCATION_REASONS: Final = MappingProxyType({
    "punto_archivo": "punto del archivo",
    "interseccion": "intersección de las dos vías",
    "cuadra_distrito": "cuadra de la vía en el distrito",
    "cuadra_ciudad": "cuadra de la vía (puntos de la ciudad)",
    "cuadra_linea": "cuadra estimada sobre la línea de la vía",
    "lugar_conocido": "lugar conocido escrito igual",
    "via_extrapolada": "vía conocida; cuadra extrapolada lejos de las conocidas",
    "via_paralela": "vía conocida; cuadra lejos de las conocidas, ubicada por el paso de una "
                    "vía paralela",
    "via_cruce_cercano": "vía conocida; punto más cercano a la otra vía",
    "via_capa_distrito": "punto central de la vía en el distrito (capa de calles)",
    "via_central_distrito": "cuadra conocida más central de la vía en el distrito",
    "via_capa_ciudad": "punto central de la vía en la ciudad (capa de calles)",
    "via_central_ciudad": "cuadra conocida más central de la vía en la ciudad",
    "zona_centro": "centro de la zona (urbanización, AA.HH., sector)",
    "via_desconocida": "vía desconocida en el distrito",
    "zona_desconocida": "zona desconocida en el distrito",
    "direccion_no_reconocida": "dirección sin vía ni zona reconocible",
    "sin_direccion": "sin dirección escrita",
    "solo_distrito": "solo se conoce el distrito",
    # the file's point was not used (and no address placed the row)
    "punto_forzado": "el punto del archivo no es el lugar del hecho (comisaría o punto de "
                     "relleno)",
    "sin_coordenadas": "el archivo no trae coordenadas para la fila",
    "numero_invalido": "coordenadas que no son números (p. ej. «SIN COORDENADA»)",
    "coordenadas_cero": "coordenadas (0, 0): punto sin geocodificar",
    "coordenadas_invalidas": "coordenadas fuera de rango",
    "fuera_del_area": "punto fuera del área de estudio",
})

_SCALE = 1e5  # coordinates are compared rounded to 5 decimals (~1 m)


def status_to_forced(status: Sequence[Any] | pd.Series | np.ndarray, *,
                     bad: Sequence[str] = settings.FORCED_STATUS_BAD,
                     good: Sequence[str] = settings.FORCED_STATUS_GOOD) -> np.ndarray:
    """Rows whose coordinate-status text says the point is not the incident's place.

    ``"GEO FORZADA AL CENTROIDE DE COMISARIA"`` and ``"SIN COORDENADA"`` are
    flagged; ``"COORDENADA ADECUADA MANUALMENTE"`` (a corrected point) is not.
    Matching is on folded upper-case substrings (each distinct value once).
    """
    s = pd.Series(np.asarray(status, dtype=object))
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    flags = []
    for v in uniq:
        t = A.fold_text(str(v))
        flags.append(any(b in t for b in bad) and not any(g in t for g in good))
    lut = np.array([*flags, False], dtype=bool)
    out: np.ndarray = lut[np.where(codes < 0, len(flags), codes)]
    return out


def _row_identity(parts: pd.DataFrame | None, district: np.ndarray, n: int) -> np.ndarray:
    """Integer id of each row's written street (or zone, or place); -1 when none."""
    if parts is None:
        return np.full(n, -1, dtype=np.int64)
    key = parts["street"].to_numpy(dtype=object)
    zone = parts["zone"].to_numpy(dtype=object)
    place = parts["place"].to_numpy(dtype=object)
    has_key, has_zone = key != "", zone != ""
    frame = pd.DataFrame({"d": _obj(district), "k": _obj(key),
                          "z": _obj(np.where(has_key, "", zone)),
                          "p": _obj(np.where(has_key | has_zone, "", place))})
    codes, _uniq = _factorize_frame(frame)
    codes[~has_key & ~has_zone & (place == "")] = -1
    return codes


def address_identity(codes: np.ndarray, parts: pd.DataFrame, district_codes: np.ndarray
                     ) -> np.ndarray:
    """Integer id of each row's written street (or zone, or place) in its district.

    Same ids as :func:`forced_points` computes from per-row parts, from the
    rows' codes into distinct parsed addresses (:func:`analytics.address.parse_distinct`)
    and integer district codes: only distinct (address, district) pairs are
    looked at. -1 where the row has no street, zone or place.
    """
    codes = np.asarray(codes, dtype=np.int64)
    dcodes = np.asarray(district_codes, dtype=np.int64)
    n = len(codes)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    key = parts["street"].to_numpy(dtype=object)
    zone = parts["zone"].to_numpy(dtype=object)
    place = parts["place"].to_numpy(dtype=object)
    has_key, has_zone = key != "", zone != ""
    what = pd.DataFrame({"k": _obj(key), "z": _obj(np.where(has_key, "", zone)),
                         "p": _obj(np.where(has_key | has_zone, "", place))})
    wcode, _u = _factorize_frame(what)
    none = ~has_key & ~has_zone & (place == "")
    wcode[none] = -1
    w = wcode[codes]
    out = np.full(n, -1, dtype=np.int64)
    ok = w >= 0
    if ok.any():
        dmin = int(dcodes[ok].min())
        pair = w[ok] * (int(dcodes[ok].max()) - dmin + 1) + (dcodes[ok] - dmin)
        out[ok] = pd.factorize(pair)[0]
    return out


def forced_points(lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray, *,
                  parts: pd.DataFrame | None = None,
                  district: Sequence[Any] | np.ndarray | None = None,
                  status: Sequence[Any] | np.ndarray | pd.Series | None = None,
                  comisarias: pd.DataFrame | None = None,
                  identity: np.ndarray | None = None,
                  status_forced: np.ndarray | None = None,
                  min_rows: int = settings.FORCED_MIN_ROWS,
                  min_streets: int = settings.FORCED_MIN_STREETS,
                  far_m: float = settings.FORCED_FAR_M,
                  far_share: float = settings.FORCED_FAR_SHARE,
                  min_checked: int = settings.FORCED_MIN_CHECKED,
                  blind_min_streets: int = settings.FORCED_BLIND_MIN_STREETS,
                  district_share: float = settings.FORCED_DISTRICT_SHARE,
                  comisaria_radius_m: float = settings.FORCED_COMISARIA_RADIUS_M,
                  comisaria_min_rows: int = settings.FORCED_COMISARIA_MIN_ROWS
                  ) -> tuple[np.ndarray, pd.DataFrame]:
    """Find rows whose point is not where the incident happened.

    Three signals, any of which flags a row:

    1. ``status`` (when the file has a coordinate-status column), see
       :func:`status_to_forced`;
    2. the data: a coordinate holding at least ``min_rows`` rows written at
       ``min_streets`` or more distinct streets, most of which are known
       elsewhere (from the other points) but farther than ``far_m`` from it.
       A busy place written at one address (a market) is never flagged, and
       neither is a corner where a few streets meet. When the streets cannot
       be checked, ``blind_min_streets`` distinct streets flag the point; and
       holding ``district_share`` of its district's rows with points does (a
       small district's comisaría lies near all its streets);
    3. ``comisarias`` (``lat``, ``lon``, optional ``name``): a coordinate
       within ``comisaria_radius_m`` of one, holding ``comisaria_min_rows``.

    Parameters
    ----------
    lat, lon
        Points of the rows (NaN where missing).
    parts
        :func:`analytics.address.parse_addresses` of the rows' addresses.
    district
        District of each row (streets are compared within their district).
    identity
        Instead of ``parts``: each row's written-street id within its district
        (:func:`address_identity`; -1 none). Large files should pass this.
    status_forced
        Instead of ``status``: rows the status column flags (booleans), e.g.
        computed once per distinct status value.

    Returns
    -------
    mask : numpy.ndarray
        True for rows that must not be kept as places.
    points : pandas.DataFrame
        ``lat, lon, rows, distinct_addresses, why`` for each point found
        (largest first; ``why`` in Spanish).
    """
    la = np.asarray(lat, dtype=np.float64)
    lo = np.asarray(lon, dtype=np.float64)
    n = len(la)
    mask = np.zeros(n, dtype=bool)
    sf: np.ndarray | None = None
    if status is not None:
        sf = status_to_forced(status)
    elif status_forced is not None:
        sf = np.asarray(status_forced, dtype=bool)
    if sf is not None:
        mask |= sf
    if identity is not None:
        ident = np.asarray(identity, dtype=np.int64)
        # any comparable district values will do (integer codes on large files)
        dk = np.asarray(district) if district is not None else np.zeros(n, dtype=np.int64)
    else:
        dk = district_keys(district) if district is not None else np.full(n, "", dtype=object)
        ident = _row_identity(parts, dk, n)
    finite = np.isfinite(la) & np.isfinite(lo)
    coord = np.full(n, -1, dtype=np.int64)
    coord[finite] = pd.factorize(
        np.round(la[finite] * _SCALE).astype(np.int64) * 100_000_000
        + np.round(lo[finite] * _SCALE).astype(np.int64))[0]
    found: list[dict[str, Any]] = []
    if finite.any():
        table = _coordinate_table(coord, ident, la, lo, finite)
        flagged = _data_flags(table, coord, ident, dk, la, lo, finite,
                              min_rows=min_rows, min_streets=min_streets, far_m=far_m,
                              far_share=far_share, min_checked=min_checked,
                              blind_min_streets=blind_min_streets,
                              district_share=district_share)
        if comisarias is not None and len(comisarias):
            flagged = _comisaria_flags(table, flagged, comisarias, radius_m=comisaria_radius_m,
                                       min_rows=comisaria_min_rows)
        hit = np.zeros(len(table["rows"]), dtype=bool)
        why = np.full(len(table["rows"]), "", dtype=object)
        for ci, reason in flagged.items():
            hit[ci] = True
            why[ci] = reason
        mask |= finite & hit[np.where(coord >= 0, coord, 0)]
        for c in np.flatnonzero(hit):
            found.append({"lat": float(table["lat"][c]), "lon": float(table["lon"][c]),
                          "rows": int(table["rows"][c]),
                          "distinct_addresses": int(table["streets"][c]), "why": why[c]})
    if sf is not None:
        st = sf & finite
        if st.any():
            tab = pd.DataFrame({"c": coord[st], "lat": la[st], "lon": lo[st]}).groupby("c")
            agg = tab.agg(lat=("lat", "first"), lon=("lon", "first"), rows=("lat", "size"))
            agg = agg[agg["rows"] >= comisaria_min_rows]
            seen = {(round(p["lat"], 5), round(p["lon"], 5)) for p in found}
            for r in agg.itertuples():
                if (round(r.lat, 5), round(r.lon, 5)) not in seen:
                    found.append({"lat": float(r.lat), "lon": float(r.lon), "rows": int(r.rows),
                                  "distinct_addresses": -1,
                                  "why": "la columna de estado dice que no es el lugar del "
                                         "hecho (p. ej. geo forzada a la comisaría)"})
    points = pd.DataFrame(found, columns=["lat", "lon", "rows", "distinct_addresses", "why"])
    points = points.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)
    return mask, points


def _coordinate_table(coord: np.ndarray, ident: np.ndarray, la: np.ndarray, lo: np.ndarray,
                      finite: np.ndarray) -> dict[str, np.ndarray]:
    c = coord[finite]
    m = int(c.max()) + 1
    rows = np.bincount(c, minlength=m)
    lat = np.zeros(m)
    lon = np.zeros(m)
    lat[c], lon[c] = la[finite], lo[finite]
    idf = ident[finite]
    have = idf >= 0
    pairs = np.unique(c[have].astype(np.int64) * (int(ident.max()) + 2) + idf[have])
    streets = np.bincount(pairs // (int(ident.max()) + 2), minlength=m)
    return {"rows": rows, "lat": lat, "lon": lon, "streets": streets}


def _data_flags(table: dict[str, np.ndarray], coord: np.ndarray, ident: np.ndarray,
                dk: np.ndarray, la: np.ndarray, lo: np.ndarray, finite: np.ndarray, *,
                min_rows: int, min_streets: int, far_m: float, far_share: float,
                min_checked: int, blind_min_streets: int, district_share: float
                ) -> dict[int, str]:
    """Coordinates flagged from the data: many streets, known elsewhere, far away."""
    cand = np.flatnonzero((table["rows"] >= min_rows) & (table["streets"] >= min_streets))
    if len(cand) == 0:
        return {}
    # share of its district's rows with coordinates that each coordinate holds
    fd = pd.Series(dk[finite])
    per_district = fd.value_counts()
    first = np.full(len(table["rows"]), -1, dtype=np.int64)
    rows_f = np.flatnonzero(finite)
    first[coord[rows_f][::-1]] = rows_f[::-1]
    share = np.zeros(len(table["rows"]))
    dc = dk[first[cand]]
    share[cand] = table["rows"][cand] / per_district.reindex(dc).to_numpy(dtype=float)
    is_cand = np.zeros(len(table["rows"]), dtype=bool)
    is_cand[cand] = True
    plane = _Plane(float(np.median(la[finite])), float(np.median(lo[finite])))
    x, y = plane.to_xy(np.where(finite, la, 0.0), np.where(finite, lo, 0.0))
    # reference points: rows at other coordinates, one per street and ~10 m cell
    ref = finite & (ident >= 0) & ~is_cand[np.where(coord >= 0, coord, 0)]
    rf = pd.DataFrame({"i": ident[ref], "gx": np.round(x[ref] / 10), "gy": np.round(y[ref] / 10)})
    rf = rf.drop_duplicates().sort_values("i", kind="stable")
    ri = rf["i"].to_numpy()
    rx, ry = rf["gx"].to_numpy() * 10, rf["gy"].to_numpy() * 10
    at = finite & (ident >= 0) & is_cand[np.where(coord >= 0, coord, 0)]
    pairs = pd.DataFrame({"c": coord[at], "i": ident[at]}).value_counts().reset_index()
    out: dict[int, str] = {}
    cx, cy = plane.to_xy(table["lat"], table["lon"])
    for c, grp in pairs.groupby("c", sort=False):
        ids = grp["i"].to_numpy()[:300]
        s = np.searchsorted(ri, ids, side="left")
        e = np.searchsorted(ri, ids, side="right")
        checked = far = 0
        for a, b in zip(s, e, strict=True):
            if b <= a:
                continue
            checked += 1
            d2 = (rx[a:b] - cx[c]) ** 2 + (ry[a:b] - cy[c]) ** 2
            far += bool(d2.min() > far_m * far_m)
        n_streets = int(table["streets"][c])
        if checked >= min_checked and far >= far_share * checked:
            out[int(c)] = (f"{n_streets} direcciones distintas en un mismo punto; "
                           f"{far} de {checked} vías conocidas quedan a más de "
                           f"{far_m:.0f} m")
        elif checked < min_checked and n_streets >= blind_min_streets:
            out[int(c)] = f"{n_streets} direcciones distintas en un mismo punto"
        elif share[c] >= district_share:
            out[int(c)] = (f"{n_streets} direcciones distintas en un mismo punto, que reúne el "
                           f"{share[c]:.0%} de las filas con coordenadas de su distrito")
    return out


def _comisaria_flags(table: dict[str, np.ndarray], flagged: dict[int, str],
                     comisarias: pd.DataFrame, *, radius_m: float, min_rows: int
                     ) -> dict[int, str]:
    from scipy.spatial import cKDTree

    clat = pd.to_numeric(comisarias["lat"], errors="coerce").to_numpy()
    clon = pd.to_numeric(comisarias["lon"], errors="coerce").to_numpy()
    ok = np.isfinite(clat) & np.isfinite(clon)
    if not ok.any():
        return flagged
    names = (comisarias["name"].astype(str).to_numpy() if "name" in comisarias
             else np.full(len(comisarias), "", dtype=object))[ok]
    busy = np.flatnonzero(table["rows"] >= min_rows)
    if len(busy) == 0:
        return flagged
    plane = _Plane(float(np.median(clat[ok])), float(np.median(clon[ok])))
    kx, ky = plane.to_xy(clat[ok], clon[ok])
    px, py = plane.to_xy(table["lat"][busy], table["lon"][busy])
    dist, j = cKDTree(np.c_[kx, ky]).query(np.c_[px, py])
    out = dict(flagged)
    for c, dd, jj in zip(busy, dist, j, strict=True):
        if dd <= radius_m and int(c) not in out:
            label = f" ({names[jj]})" if names[jj] else ""
            out[int(c)] = f"coincide con una comisaría{label}"
    return out


@dataclass(frozen=True)
class Located:
    """Result of :func:`locate_incidents`.

    Attributes
    ----------
    frame
        One row per input row: ``lat``, ``lon`` (NaN for ``distrito``),
        ``location_precision``, ``location_reason`` (Spanish), ``forced``
        (the file's point was a forced/filler point) and the storable address
        parts ``address``, ``street``, ``block``, ``zone``.
    forced_points
        See :func:`forced_points`.
    gazetteer
        The gazetteer learned from the exact rows (reusable, serialisable).
    """

    frame: pd.DataFrame
    forced_points: pd.DataFrame
    gazetteer: Gazetteer


def locate_incidents(addresses: Sequence[Any] | pd.Series | np.ndarray,
                     district: Sequence[Any] | pd.Series | np.ndarray,
                     lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray, *,
                     status: Sequence[Any] | pd.Series | np.ndarray | None = None,
                     street_type: Sequence[Any] | pd.Series | np.ndarray | None = None,
                     block: Sequence[Any] | pd.Series | np.ndarray | None = None,
                     comisarias: pd.DataFrame | None = None,
                     streets: Any = None, zones: Any = None, district_polygons: Any = None,
                     known: Gazetteer | None = None) -> Located:
    """Give every incident a point and a precision.

    Parses the addresses (distinct values once), flags forced/filler points
    (:func:`forced_points`), learns a gazetteer from the remaining exact
    points (plus optional street and zone layers, see
    :meth:`Gazetteer.build`), and geocodes every row without a true point.

    Parameters
    ----------
    addresses, district, lat, lon
        One value per incident (NaN coordinates where missing).
    status, street_type, block
        Optional coordinate-status, street-type and cuadra columns.
    comisarias
        Optional comisaría points (``lat``, ``lon``, ``name``).
    streets, zones
        Optional layers (:func:`analytics.gazetteer.read_street_layer`, a
        GeoDataFrame of zones with a ``name`` column).
    district_polygons
        District polygons giving layers without a district column theirs.
    known
        A gazetteer learned before (e.g. from the store) to use instead of
        learning one from this file's points.
    """
    la = np.asarray(lat, dtype=np.float64)
    lo = np.asarray(lon, dtype=np.float64)
    dist = np.asarray(district, dtype=object)
    codes, distinct = A.parse_distinct(addresses, street_type=street_type, block=block)
    parts = distinct.iloc[codes].reset_index(drop=True)
    forced, points = forced_points(la, lo, parts=parts, district=dist, status=status,
                                   comisarias=comisarias)
    exact = np.isfinite(la) & np.isfinite(lo) & ~forced
    if known is None:
        ex = np.flatnonzero(exact)
        known = Gazetteer.build(parts.iloc[ex].reset_index(drop=True), dist[ex], la[ex], lo[ex],
                                streets=streets, zones=zones,
                                district_polygons=district_polygons)
    todo = np.flatnonzero(~exact)
    res = known.geocode_codes(codes[todo], distinct, dist[todo])
    out_lat = la.copy()
    out_lon = lo.copy()
    out_lat[todo] = res["lat"].to_numpy()
    out_lon[todo] = res["lon"].to_numpy()
    prec = np.full(len(la), "exacta", dtype=object)
    prec[todo] = res["precision"].to_numpy(dtype=object)
    why = np.full(len(la), "punto_archivo", dtype=object)
    why[todo] = res["reason"].to_numpy(dtype=object)
    store = A.storable_address(distinct).iloc[codes].reset_index(drop=True)
    frame = pd.DataFrame({"lat": out_lat, "lon": out_lon,
                          "location_precision": pd.Categorical(prec,
                                                               categories=LOCATION_PRECISIONS),
                          "location_reason": _obj(why), "forced": forced,
                          "address": store["address"], "street": store["street"],
                          "block": store["block"].to_numpy(), "zone": store["zone"]})
    return Located(frame, points, known)
