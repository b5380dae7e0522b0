"""What each staged row of an import becomes: kept (first occurrence), quarantined, stored.

Helpers of :func:`analytics.ingest.pipeline._ingest_one`: the duplicate rule,
the quarantine rows with their masked raw fields, and the Arrow columns of the
accepted rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import _validate as V, geo, settings, store
from analytics._errors import InputFileError
from analytics.ingest import locate as LOC, sources as S


def masked_values(values: pd.Series, *, letters_only: bool = False) -> pd.Series:
    """Mask personal data in raw texts (:func:`_validate.mask_personal_text`), per distinct value.

    ``letters_only``: leave values without a letter alone (dates and times such
    as ``20250203`` are not document numbers).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    clean = []
    for u in uniques:
        text = str(u)
        if letters_only and not re.search(r"[^\W\d_]", text):
            clean.append(text)
        else:
            clean.append(V.mask_personal_text(text)[0])
    table = np.asarray(clean + [None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


def first_occurrence(*keys: np.ndarray) -> np.ndarray:
    """Mask of rows whose key tuple has not been seen in an earlier row (exact).

    Several integer keys are mixed into one 64-bit hash (one hash-table pass
    instead of one per key); rows the hash calls repeats are then checked
    against their first occurrence key by key, so a hash collision can never
    drop a row.
    """
    if len(keys) == 1:
        only: np.ndarray = ~pd.Series(keys[0]).duplicated(keep="first").to_numpy()
        return only
    cols = [np.asarray(k).astype(np.int64).view(np.uint64) for k in keys]
    h = np.zeros(cols[0].shape, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, c in enumerate(cols):
            h = (h ^ (c + np.uint64(0x9E3779B97F4A7C15 + i))) * np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(31)
    codes, uniques = pd.factorize(h)
    first_pos = np.empty(len(uniques), dtype=np.int64)
    first_pos[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    seen_before = first_pos[codes] != np.arange(len(codes))
    rep = np.flatnonzero(seen_before)
    if rep.size:
        j = first_pos[codes[rep]]
        same = np.ones(rep.size, dtype=bool)
        for c in cols:
            same &= c[rep] == c[j]
        if not same.all():  # a genuine 64-bit collision: fall back to the exact path
            frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
            exact: np.ndarray = ~frame.duplicated(keep="first").to_numpy()
            return exact
    out: np.ndarray = ~seen_before
    return out


def dictionary_array(codes: np.ndarray, names: Sequence[Any]) -> pa.Array:
    """Arrow dictionary array of strings (nulls where ``codes < 0`` or the name is None).

    DuckDB reads it as text without materialising a string per row.
    """
    clean = [None if n is None or (isinstance(n, float) and math.isnan(n)) else str(n)
             for n in names]
    names_arr = pa.array(clean, type=pa.string())
    codes = np.asarray(codes, dtype=np.int32)
    mask = codes < 0
    null_names = np.flatnonzero(np.asarray([n is None for n in clean], dtype=bool))
    if null_names.size:
        mask = mask | np.isin(codes, null_names)
    idx = pa.array(np.where(codes < 0, 0, codes), type=pa.int32(), mask=mask)
    return pa.DictionaryArray.from_arrays(idx, names_arr)


def address_columns(place: LOC.Placement, mask: np.ndarray) -> dict[str, pa.Array]:
    """The storable address columns of the rows in ``mask`` (all null without any)."""
    st = place.storable
    sc = place.store_code[mask]
    if not len(st) or not (sc >= 0).any():
        n = int(mask.sum())
        return {"street": pa.nulls(n, pa.string()), "block": pa.nulls(n, pa.int32()),
                "cross_street": pa.nulls(n, pa.string()), "zone": pa.nulls(n, pa.string())}

    def none_if_empty(values: Any) -> list[Any]:
        return [v if v else None for v in values]
    blk = st["block"].to_numpy(dtype=np.int32)[np.maximum(sc, 0)]
    return {"street": dictionary_array(sc, none_if_empty(st["street"])),
            "block": pa.array(blk.astype(np.int32), mask=(sc < 0) | (blk < 0)),
            "cross_street": dictionary_array(sc, none_if_empty(st["cross_street"])),
            "zone": dictionary_array(sc, none_if_empty(st["zone"]))}


def districts_by_polygon(dcode: np.ndarray, mask: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                         *, offset: int, polygons: int) -> None:
    """Set ``dcode[mask]`` (in place) to ``offset`` + the boundary polygon holding each point.

    -1 outside every polygon; nothing without boundary polygons. ``polygons`` is
    the number of boundary records (:func:`analytics.geo.boundary_records`),
    checked against the polygon index the first time a point needs it.
    """
    if mask.any() and polygons:
        if polygons != len(geo.district_index().geoms):
            msg = f"{geo.BOUNDARIES_PATH.name}: polígonos y atributos no coinciden."
            raise InputFileError(msg)
        sj = geo.points_to_districts(lat[mask], lon[mask])
        dcode[mask] = np.where(sj >= 0, offset + sj.astype(np.int32), -1)


def quarantine_rows(con: duckdb.DuckDBPyConnection, tbl: pa.Table, *, raw: str,
                     mp: Mapping[str, str], src: S.Source, import_id: int, rows: np.ndarray,
                     reason: np.ndarray, rejected: np.ndarray,
                     rejected_codes: np.ndarray) -> pd.DataFrame:
    """The quarantine rows of one file: row number, reason and the raw fields, masked."""
    bad = reason > 0
    n_total = len(rows) + len(rejected)
    if len(rejected):
        # Row numbers as in the file's data rows, counting the malformed lines too.
        good_pos = np.setdiff1d(np.arange(1, n_total + 1, dtype=np.int64), rejected)
        row_number = good_pos[rows[bad] - 1]
    else:
        row_number = rows[bad]
    names = np.asarray(V.REASON_CODES, dtype=object)
    qt = pa.table({"_row": rows[bad], "row_number": row_number,
                   "reason": dictionary_array(reason[bad].astype(np.int32),
                                              list(names)).cast(pa.string()),
                   "incident_id": tbl["incident_id"].take(pa.array(np.flatnonzero(bad)))})
    qt = pa.concat_tables([qt, pa.table({
        "_row": np.full(len(rejected), -1, dtype=np.int64), "row_number": rejected,
        "reason": pa.array([V.REASON_CODES[int(c)] for c in rejected_codes],
                           type=pa.string()),
        "incident_id": pa.nulls(len(rejected), type=pa.string())})])
    cut = int(settings.QUARANTINE_RAW_CHARS)

    def raw_col(f: str) -> str:
        return f"left(CAST(r.{S.quote(mp[f])} AS VARCHAR), {cut})" if f in mp else "NULL"
    con.register("_vg_q", qt)
    qcols = [c for c, _ in store.QUARANTINE_COLUMNS]
    qdf = con.execute(
        f"SELECT {int(import_id)}, {S.sql_str(src.path.name)}, {S.sql_str(src.sha256)}, "
        f"q.row_number, q.reason, left(q.incident_id, {cut}), "
        f"{raw_col('occurred_at')}, {raw_col('date')}, {raw_col('time')}, "
        f"{raw_col('lat')}, {raw_col('lon')}, {raw_col('crime_type')}, {raw_col('district')} "
        f"FROM _vg_q q LEFT JOIN {raw} r ON r._row = q._row ORDER BY q.row_number").df()
    con.unregister("_vg_q")
    qdf.columns = qcols
    for col in ("crime_type_raw", "district_raw"):
        qdf[col] = masked_values(qdf[col])
    for col in ("occurred_at_raw", "date_raw", "time_raw"):  # dates: only text with letters
        qdf[col] = masked_values(qdf[col], letters_only=True)
    return qdf


def first_rows(tbl: pa.Table, *, ok: np.ndarray, rows: np.ndarray, tcode: np.ndarray,
                dcode: np.ndarray, type_names: list[Any], place: LOC.Placement, lat: np.ndarray,
                lon: np.ndarray) -> np.ndarray:
    """Which valid rows are kept: the first occurrence (file order) of each incident.

    Same id, then same time + crime type + place: the point (~1 m) for exact
    rows without an address, the district and written street, cuadra, crossing
    and zone for the others.
    """
    keep = np.zeros(rows.shape, dtype=bool)
    idx = np.flatnonzero(ok)
    idx = idx[np.argsort(rows[idx], kind="stable")]  # file order: the first occurrence wins
    exact = place.exact
    if idx.size:
        ih = tbl["_ih"].to_numpy(zero_copy_only=False).astype(np.uint64)[idx]
        idx2 = idx[first_occurrence(ih)]
        same_type = pd.factorize(pd.Series(type_names, dtype=object))[0].astype(np.int32)
        ts_us = tbl["occurred_at"].cast(pa.int64()).to_numpy(zero_copy_only=False)
        ty = same_type[tcode[idx2]].astype(np.int64)
        # a row with a written address is where its address says (district, street, cuadra,
        # crossing, zone), with or without a point: hiding a file's points changes no
        # outcome; a row at a point without an address is at its point (~1 m)
        ex2 = exact[idx2] & (place.dedup_code[idx2] < 0)
        la5 = np.round(np.where(ex2, lat[idx2], 0.0) * 1e5).astype(np.int64)  # ~1 m
        lo5 = np.round(np.where(ex2, lon[idx2], 0.0) * 1e5).astype(np.int64)
        # by written place: -(1 + district and address code), never a packed point
        by_address = (dcode[idx2].astype(np.int64) + 1) * (int(place.dedup_code.max()) + 2) \
            + place.dedup_code[idx2] + 1
        if len(type_names) < (1 << 12):
            # Exact packing: lat (25 bits) | lon (26 bits) | type (12 bits) in one int64.
            spot = np.where(ex2, ((la5 + 9_000_000) << 38) | ((lo5 + 18_000_000) << 12),
                            -((by_address + 1) << 12)) | ty
            first_key = first_occurrence(ts_us[idx2], spot)
        else:
            spot = np.where(ex2, la5, -1 - by_address)
            first_key = first_occurrence(ts_us[idx2], spot, np.where(ex2, lo5, 0), ty)
        keep[idx2[first_key]] = True
    return keep
