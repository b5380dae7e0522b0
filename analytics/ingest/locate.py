"""The ingest's location step: every accepted incident gets a place and a precision.

Called by :func:`analytics.ingest.pipeline._ingest_one` (see :mod:`analytics.ingest`):

1. :func:`register_maps` parses each distinct (address, street type, cuadra,
   zone) of the file once (:func:`analytics.address.parse_distinct`) and each
   distinct coordinate status once, and registers the small code tables the
   staging SQL joins (``_vg_addr``, ``_vg_status``): no raw address leaves
   DuckDB row by row.
2. :func:`place_rows` drops the points that are not places (status column,
   the data, a comisaría layer: :func:`analytics.location.forced_points`),
   learns a gazetteer from the store's exact rows, the file's exact rows and
   the street layers (:mod:`analytics.geocoding`), and geocodes every row
   without a true point within its district.

Only the storable form of an address is kept (street, cuadra, cross street,
zone: :func:`analytics.address.storable_address`, personal data masked);
house numbers and free text never leave this step.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd

from analytics import _validate as V, address as A, geocoding as G, location as L, settings
from analytics.ingest import parsing as P

#: Quarantine codes that mean "no usable point" (the row may still be placed).
POINT_PROBLEMS: Final = {
    P.CODE["coordenadas_faltantes"]: "sin_coordenadas",
    P.CODE["numero_invalido"]: "numero_invalido",
    P.CODE["coordenadas_cero"]: "coordenadas_cero",
    P.CODE["coordenadas_invalidas"]: "coordenadas_invalidas",
    P.CODE["fuera_del_area"]: "fuera_del_area",
}
#: ``location_reason`` keys, in code order.
REASON_KEYS: Final = tuple(L.LOCATION_REASONS)
_REASON_CODE: Final = {k: i for i, k in enumerate(REASON_KEYS)}
_PRECISION_CODE: Final = {p: i for i, p in enumerate(settings.LOCATION_PRECISIONS)}
_DISTRITO: Final = _PRECISION_CODE["distrito"]
#: Longest stored street or zone name (a longer parse is free text, cut).
MAX_NAME_CHARS: Final = 120


@dataclass(frozen=True)
class AddressTables:
    """The file's distinct addresses, parsed once.

    ``parts``: distinct parses (:data:`analytics.address.PARTS_COLUMNS`);
    ``combo_part``: code of each distinct (address, type, cuadra, zone) of the
    file (``_ac`` of the staging SQL) -> row of ``parts``.
    """

    parts: pd.DataFrame
    combo_part: np.ndarray


def _text_or_empty(values: list[Any]) -> np.ndarray:
    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def register_maps(con: duckdb.DuckDBPyConnection, raw: str, mapping: dict[str, str],
                  types: dict[str, str]) -> AddressTables | None:
    """Register ``_vg_addr`` / ``_vg_status`` for the staging SQL; parse distinct addresses.

    Returns ``None`` when the file has no address field.
    """
    tables: AddressTables | None = None
    if any(f in mapping for f in P.ADDR_FIELDS):
        k = P.key_cols(mapping, types, P.ADDR_FIELDS)
        rows = con.execute(f"SELECT DISTINCT {k[0]}, {k[1]}, {k[2]}, {k[3]} FROM {raw}"
                           ).fetchall()
        cols = list(zip(*rows, strict=True)) if rows else [()] * 4
        addr, stype, block, zone = (_text_or_empty(list(c)) for c in cols)
        limit = settings.MAX_FIELD_BYTES
        too_long = np.array([len(a) + len(z) > limit for a, z in zip(addr, zone, strict=True)],
                            dtype=bool)
        zone_text = {z: (z if _has_zone_word(z) else f"ZONA {z}") for z in set(zone) if z}
        text = np.array([a if not z else f"{a} , {zone_text[z]}"
                         for a, z in zip(addr, zone, strict=True)], dtype=object)
        text[too_long] = ""  # the row is quarantined (campo_demasiado_largo)
        codes, parts = A.parse_distinct(text, street_type=stype if "street_type" in mapping
                                        else None,
                                        block=block if "block" in mapping else None)
        frame = pd.DataFrame({f"_a{i}": pd.Series(c, dtype=object)
                              for i, c in enumerate((addr, stype, block, zone))})
        frame["code"] = np.arange(len(frame), dtype=np.int32)
        con.register("_vg_addr", frame)
        tables = AddressTables(parts, codes)
    if "location_status" in mapping:
        col = P.key_cols(mapping, types, P.STATUS_FIELDS)[0]
        vals = [r[0] for r in con.execute(f"SELECT DISTINCT {col} FROM {raw}").fetchall()]
        forced = L.status_to_forced(_text_or_empty(vals))
        con.register("_vg_status", pd.DataFrame({"_s0": pd.Series(_text_or_empty(vals),
                                                                  dtype=object),
                                                 "forced": forced}))
    return tables


def unregister_maps(con: duckdb.DuckDBPyConnection, mapping: dict[str, str]) -> None:
    """Drop what :func:`register_maps` registered."""
    if any(f in mapping for f in P.ADDR_FIELDS):
        con.unregister("_vg_addr")
    if "location_status" in mapping:
        con.unregister("_vg_status")


def _has_zone_word(text: str) -> bool:
    return bool(A.parse_addresses([text])["zone"].iloc[0] != "")


@dataclass(frozen=True)
class Placement:
    """Where each staged row is (see :func:`place_rows`).

    Per row: ``lat``, ``lon`` (NaN without a point), ``precision`` (code into
    ``settings.LOCATION_PRECISIONS``), ``reason`` (code into
    :data:`REASON_KEYS`), ``store_code`` (row of ``storable``; -1 when the row
    has no address part), ``dedup_code`` (same for rows whose storable address
    is the same), ``forced`` (the file's point was dropped). Plus the distinct
    ``storable`` parts (``street``, ``block``, ``cross_street``, ``zone``), the
    ``forced_points`` found and the address ``names`` to remember.
    """

    lat: np.ndarray
    lon: np.ndarray
    precision: np.ndarray
    reason: np.ndarray
    store_code: np.ndarray
    dedup_code: np.ndarray
    forced: np.ndarray
    storable: pd.DataFrame
    forced_points: list[dict[str, Any]]
    names: pd.DataFrame

    @property
    def exact(self) -> np.ndarray:
        """Rows at a true point of the file."""
        out: np.ndarray = self.precision == _PRECISION_CODE["exacta"]
        return out

    @property
    def placed(self) -> np.ndarray:
        """Rows with a point (exact or geocoded)."""
        out: np.ndarray = self.precision != _DISTRITO
        return out


def _storable(parts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Storable parts of each distinct parse (personal data masked) and the names to keep."""
    st = A.storable_address(parts)
    for c in ("street", "cross_street", "zone"):
        vals = st[c].to_numpy(dtype=object)
        codes, uniq = pd.factorize(pd.Series(vals, dtype=object))
        clean = np.array([V.mask_personal_text(str(u))[0][:MAX_NAME_CHARS] if u else ""
                          for u in uniq], dtype=object)
        st[c] = pd.Series(clean[codes] if len(uniq) else vals, dtype=object)
    names = []
    for kind, name_c, key_c, type_c in (("street", "street", "street", "street_type"),
                                        ("street", "cross_street", "cross_street",
                                         "cross_type"),
                                        ("zone", "zone", "zone", "zone_type")):
        name = st[name_c].to_numpy(dtype=object)
        key = parts[key_c].to_numpy(dtype=object)
        m = (name != "") & (key != "")
        names.append(pd.DataFrame({"kind": kind, "name": name[m], "key": key[m],
                                   "type": parts[type_c].to_numpy(dtype=object)[m]}))
    return st, pd.concat(names, ignore_index=True)


def _empty_names() -> pd.DataFrame:
    return pd.DataFrame({"kind": [], "name": [], "key": [], "type": []})


def place_rows(con: duckdb.DuckDBPyConnection, *, tables: AddressTables | None,
               lat: np.ndarray, lon: np.ndarray, reason: np.ndarray,
               combo_codes: np.ndarray, status_forced: np.ndarray | None,
               district_codes: np.ndarray, district_names: list[Any],
               comisarias: pd.DataFrame | None = None,
               layers: G.StreetLayers | None = None, shipped: bool = True) -> Placement:
    """Place every staged row that has a valid date: its point, or a geocoded one, or none.

    Parameters
    ----------
    con
        The store (its exact rows teach the gazetteer).
    tables
        :func:`register_maps`'s result (``None``: the file has no address).
    lat, lon, reason
        Staged coordinates and reason codes (after the coordinate checks):
        rows with code 0 have a valid point; rows with a code of
        :data:`POINT_PROBLEMS` have none (and may be placed otherwise).
    combo_codes
        Each row's ``_ac`` (distinct address combination).
    status_forced
        Rows the coordinate-status column flags (``None``: no such column).
    district_codes, district_names
        Each row's district code and the district name (or ubigeo, else
        ``None``) of each code.
    comisarias
        Optional comisaría points (``lat``, ``lon``, ``name``).
    layers, shipped
        Street layers given by the user, and whether the shipped ones are used
        when the data are where they lie.
    """
    n = len(lat)
    has_point = reason == 0
    dcodes = np.asarray(district_codes, dtype=np.int64)
    pt_lat = np.where(has_point, lat, np.nan)
    pt_lon = np.where(has_point, lon, np.nan)
    pc = (np.asarray(tables.combo_part, dtype=np.int64)[np.asarray(combo_codes, dtype=np.int64)]
          if tables is not None else None)
    # 1. points that are not places
    forced = np.zeros(n, dtype=bool)
    found: list[dict[str, Any]] = []
    if tables is not None or status_forced is not None or (
            comisarias is not None and len(comisarias)):
        ident = (L.address_identity(pc, tables.parts, dcodes)
                 if tables is not None and pc is not None else None)
        forced, pts = L.forced_points(pt_lat, pt_lon, district=dcodes, identity=ident,
                                      status_forced=(status_forced & has_point
                                                     if status_forced is not None else None),
                                      comisarias=comisarias)
        forced &= has_point
        found = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                 for r in pts.to_dict("records")]
    exact = has_point & ~forced
    out_lat = np.where(exact, lat, np.nan)
    out_lon = np.where(exact, lon, np.nan)
    prec = np.full(n, _DISTRITO, dtype=np.int8)
    prec[exact] = _PRECISION_CODE["exacta"]
    # reason of rows left without a point: the point problem
    why = np.full(n, _REASON_CODE["sin_coordenadas"], dtype=np.int16)
    for code, key in POINT_PROBLEMS.items():
        why[reason == code] = _REASON_CODE[key]
    why[forced] = _REASON_CODE["punto_forzado"]
    why[exact] = _REASON_CODE["punto_archivo"]
    if tables is None or pc is None:
        return Placement(out_lat, out_lon, prec, why, np.full(n, -1, dtype=np.int64),
                         np.full(n, -1, dtype=np.int64), forced,
                         pd.DataFrame({"street": [], "block": [], "cross_street": [],
                                       "zone": []}), found, _empty_names())
    parts = tables.parts
    names_lut = np.array([("" if d is None else str(d)) for d in district_names] + [""],
                         dtype=object)
    dk = names_lut[np.where(dcodes >= 0, dcodes, len(names_lut) - 1)]
    # 2. geocode the rows without a true point
    cand = has_point | np.isin(reason, list(POINT_PROBLEMS))
    kind = parts["kind"].to_numpy(dtype=object)
    todo = cand & ~exact & (kind[pc] != "vacia")
    if todo.any():
        gaz = _learn(con, parts, pc, exact, dk, lat, lon, layers=layers, shipped=shipped)
        if gaz is not None:
            idx = np.flatnonzero(todo)
            res = gaz.geocode_codes(pc[idx], parts, dk[idx])
            rp = res["precision"].to_numpy(dtype=object)
            rr = res["reason"].to_numpy(dtype=object)
            placed = rp != "distrito"
            p_idx = idx[placed]
            out_lat[p_idx] = res["lat"].to_numpy()[placed]
            out_lon[p_idx] = res["lon"].to_numpy()[placed]
            prec[idx] = np.array([_PRECISION_CODE[p] for p in rp], dtype=np.int8)
            # a row left at its district says why: its address, else its point problem
            told = ~np.isin(rr, ("sin_direccion", "solo_distrito"))
            why[idx[told]] = np.array([_REASON_CODE[r] for r in rr[told]], dtype=np.int16)
        else:  # nothing to learn from: the address is kept, the row stays at its district
            why[todo] = _REASON_CODE["via_desconocida"]
    storable, names = _storable(parts)
    has_parts = ((storable["street"].to_numpy(dtype=object) != "")
                 | (storable["zone"].to_numpy(dtype=object) != ""))
    store_code = np.where(has_parts[pc], pc, -1)
    dd, _u = A.factorize_rows(storable[["street", "block", "cross_street", "zone"]])
    dedup = np.where(store_code >= 0, dd[np.maximum(pc, 0)], -1)
    return Placement(out_lat, out_lon, prec, why, store_code, dedup, forced,
                     storable[["street", "block", "cross_street", "zone"]], found, names)


def _learn(con: duckdb.DuckDBPyConnection, parts: pd.DataFrame, pc: np.ndarray,
           exact: np.ndarray, dk: np.ndarray, lat: np.ndarray, lon: np.ndarray, *,
           layers: G.StreetLayers | None, shipped: bool) -> Any:
    """The gazetteer of the store's and the file's exact rows and the layers (or None)."""
    from analytics.store import locations

    street = parts["street"].to_numpy(dtype=object)
    zone = parts["zone"].to_numpy(dtype=object)
    useful = (street != "") | (zone != "")
    ex = np.flatnonzero(exact & useful[pc])
    stored = locations.exact_points(con)
    use = G.layers_for(lat[exact], lon[exact], pd.unique(dk).tolist(), extra=layers,
                       shipped=shipped)
    if not len(ex) and not len(stored) and use.empty:
        return None
    file_parts = parts.iloc[pc[ex]].reset_index(drop=True)
    if len(stored):
        all_parts = pd.concat([file_parts, G.stored_parts(stored)], ignore_index=True)
        dist = np.concatenate([dk[ex], stored["district"].to_numpy(dtype=object)])
        la = np.concatenate([lat[ex], stored["lat"].to_numpy(dtype=np.float64)])
        lo = np.concatenate([lon[ex], stored["lon"].to_numpy(dtype=np.float64)])
    else:
        all_parts, dist, la, lo = file_parts, dk[ex], lat[ex], lon[ex]
    if not len(ex) and layers is None:
        # nothing to learn from the rows themselves (e.g. an API post of addresses): the
        # gazetteer of the store's points and the shipped layers, reused while they stay
        key = (use.names, len(stored),
               int(pd.util.hash_pandas_object(stored, index=False).sum()) if len(stored) else 0)
        with _GAZ_LOCK:
            hit = _GAZ_CACHE.get(key)
        if hit is not None:
            return hit
    if not len(all_parts):
        gaz = G.build_gazetteer(None, None, None, None, layers=use)
    else:
        gaz = G.build_gazetteer(all_parts, dist, la, lo, layers=use)
    if not len(ex) and layers is None:
        with _GAZ_LOCK:
            _GAZ_CACHE[key] = gaz
            while len(_GAZ_CACHE) > _GAZ_CACHE_SIZE:
                _GAZ_CACHE.popitem(last=False)
    return gaz


#: Gazetteers learned only from a store's exact points and the shipped layers, by (layer
#: names, number and digest of the points): imports that bring no exact address of their own
#: (single API posts) reuse them instead of rebuilding the street layers each time (~1 s).
_GAZ_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_GAZ_CACHE_SIZE: Final = 2
_GAZ_LOCK = threading.Lock()
