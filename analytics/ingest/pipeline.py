"""The ingest pipeline: files in, every row accepted, duplicate or quarantined.

See :mod:`analytics.ingest` for the rules.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import _validate as V, geo, geocoding as G, hexbin, settings, store
from analytics._errors import IncidentSchemaError, InputFileError
from analytics.ingest import locate as LOC, outcome as O, parsing as P, sources as S
from analytics.store import incidents as store_incidents
from analytics.store.locations import save_address_names

Progress = Callable[[float, str], None]


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class IngestReport:
    """What an ingest did. ``rows_read == accepted + duplicates + quarantined``.

    ``personal_data_masked`` counts the rows whose crime-type or district text
    held personal data (a DNI, a phone, a name after "agraviado"...), masked
    before anything was stored (:func:`_validate.mask_personal_text`).
    ``precision``: accepted incidents per location precision (``exacta``,
    ``cuadra``, ``via``, ``zona``, ``distrito``); ``forced_points``: the
    points found not to be places (comisaría centroids, filler points), each
    ``lat, lon, rows, distinct_addresses, why, file``.
    """

    rows_read: int
    accepted: int
    duplicates: int
    quarantined: int
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    pii_columns_dropped: list[str] = field(default_factory=list)
    stacked_points: list[dict[str, Any]] = field(default_factory=list)
    swapped_coordinates: int = 0
    precision: dict[str, int] = field(default_factory=dict)
    forced_points: list[dict[str, Any]] = field(default_factory=list)
    import_ids: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    repeated_files: list[str] = field(default_factory=list)
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)
    personal_data_masked: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict."""
        return asdict(self)


@dataclass(frozen=True)
class FilePreview:
    """First rows of a file as read (personal-data columns removed) and the guessed mapping."""

    columns: list[str]
    frame: pd.DataFrame
    mapping: dict[str, str]
    pii_columns: list[str]


@dataclass
class _FileResult:
    import_id: int
    rows_read: int
    accepted: int
    duplicates: int
    quarantined: int
    reasons: dict[str, int]
    pii: list[str]
    stacked: list[dict[str, Any]]
    swapped: int
    repeated: bool
    mapping: dict[str, str]
    masked: int = 0
    precision: dict[str, int] = field(default_factory=dict)
    forced: list[dict[str, Any]] = field(default_factory=list)


#: Rows of ``_vg_new`` already in the store: same id; or same time and type and, for a
#: row with a written address (street or zone), the same district and written street,
#: cuadra, crossing and zone, whatever the precision; for a row at a point without an
#: address, the same point (~1 m); for a row with neither, the same district.
_NO_ADDR = "{t}.street IS NULL AND {t}.zone IS NULL"
_SEEN_SQL = (
    "SELECT n._row FROM _vg_new n JOIN incidents i ON n.incident_id = i.incident_id "
    "UNION SELECT n._row FROM _vg_new n JOIN incidents i ON n.occurred_at = i.occurred_at "
    "AND n.crime_type = i.crime_type AND NOT (" + _NO_ADDR.format(t="n") + ") "
    "AND n.district IS NOT DISTINCT FROM i.district "
    "AND n.street IS NOT DISTINCT FROM i.street AND n.block IS NOT DISTINCT FROM i.block "
    "AND n.cross_street IS NOT DISTINCT FROM i.cross_street "
    "AND n.zone IS NOT DISTINCT FROM i.zone "
    "UNION SELECT n._row FROM _vg_new n JOIN incidents i ON n.occurred_at = i.occurred_at "
    "AND n.crime_type = i.crime_type AND n.location_precision = 'exacta' "
    "AND coalesce(i.location_precision, 'exacta') = 'exacta' "
    "AND " + _NO_ADDR.format(t="n") + " AND " + _NO_ADDR.format(t="i") + " "
    "AND round(n.lat * 100000) = round(i.lat * 100000) "
    "AND round(n.lon * 100000) = round(i.lon * 100000) "
    "UNION SELECT n._row FROM _vg_new n JOIN incidents i ON n.occurred_at = i.occurred_at "
    "AND n.crime_type = i.crime_type AND n.location_precision <> 'exacta' "
    "AND coalesce(i.location_precision, 'exacta') <> 'exacta' "
    "AND " + _NO_ADDR.format(t="n") + " AND " + _NO_ADDR.format(t="i") + " "
    "AND n.district IS NOT DISTINCT FROM i.district")


class _EncodingRetry(Exception):
    """Internal: a CSV that looked like UTF-8 has Latin-1 bytes further down."""

    def __str__(self) -> str:
        return "unicode"


def _scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that prints no progress bar on a CLI's stderr."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def _load_raw(con: duckdb.DuckDBPyConnection, src: S.Source, table: str,
              mapping: Mapping[str, str] | None, *, materialize: bool = True,
              tz: str = settings.TIMEZONE
              ) -> tuple[S.Source, dict[str, str], dict[str, str], list[str], np.ndarray,
                         np.ndarray, bool]:
    """Read a file's header, guess the mapping, load the mapped columns into temp ``table``.

    The table keeps only the mapped columns (personal data never enters it);
    ``_row`` is the data-row ordinal (1-based, file order); the cheap parses
    of :func:`analytics._parsing.fast_exprs` and ``_long`` (a mapped text longer than
    ``settings.MAX_FIELD_BYTES``) are stored alongside. Returns the (possibly
    re-encoded) source, column types, mapping, dropped personal-data
    columns, the data-row numbers of lines that could not be read and their
    reason codes, and whether the fast columns exist.
    """
    con.execute(f"DROP TABLE IF EXISTS {table}")
    rejected = np.empty(0, dtype=np.int64)
    rejected_codes = np.empty(0, dtype=np.int8)
    try:
        sql, malformed = S.source_sql(con, src)
        if malformed.size:
            rejected = malformed
            rejected_codes = np.full(malformed.size, P.CODE["fila_malformada"], dtype=np.int8)
        try:
            S.drop_rejects(con)
            types = _describe(con, sql, src)
            headers = list(types)
            if src.kind == "csv" and len(headers) < 2:
                raise S.fail(src.path, "no parece una tabla (una sola columna)")
            if src.kind == "geojson" and "_geom_lat" in headers:
                explicit = dict(mapping or {})
                explicit.setdefault("lat", "_geom_lat")
                explicit.setdefault("lon", "_geom_lon")
                mapping = explicit
            explicit_cols = set((mapping or {}).values())
            pii = V.pii_columns([h for h in headers if not h.startswith("_geom_")],
                                keep=explicit_cols)
            guessed = V.guess_mapping(headers, mapping=mapping, exclude=pii)
            status = _free_text_status(con, sql, src, pii) if "location_status" not in guessed \
                else None
            if status is not None:  # an OBSERVACION column holding only coordinate statuses
                guessed["location_status"] = status
                pii = [h for h in pii if h != status]
            V.check_mapping(guessed, file_name=src.path.name)
            if materialize:
                if src.kind == "csv":
                    sql = S.csv_sql(src, columns=headers)
                fast = P.fast_exprs(con, sql, guessed, types, tz=tz)
                fast["_long"] = P.long_expr(guessed, types)
                S.drop_rejects(con)
                cols = ", ".join(S.quote(c) for c in dict.fromkeys(guessed.values()))
                extra = ", ".join(f"{e} AS {n}" for n, e in fast.items())
                con.execute(f"CREATE TEMP TABLE {table} AS SELECT row_number() OVER () AS _row, "
                            f"{cols}, {extra} FROM ({sql})")
                if src.kind == "csv":
                    bad_enc = con.execute("SELECT count(*) FROM _vg_rej "
                                          "WHERE error_type = 'INVALID ENCODING'").fetchall()
                    if bad_enc[0][0] and src.encoding == "utf-8":
                        # Valid UTF-8 at the start, Latin-1 further down: read it all as Latin-1.
                        raise _EncodingRetry
                    lines = con.execute(
                        "SELECT line, bool_or(error_type = 'LINE SIZE OVER MAXIMUM') AS long "
                        "FROM _vg_rej GROUP BY line ORDER BY line").fetchnumpy()
                    rejected = np.asarray(lines["line"], dtype=np.int64) - src.skip - 1
                    rejected_codes = np.where(np.asarray(lines["long"], dtype=bool),
                                              P.CODE["campo_demasiado_largo"],
                                              P.CODE["fila_malformada"]).astype(np.int8)
        finally:
            if src.kind in {"excel", "geojson", "records"}:
                con.unregister("_vg_frame")
            if src.kind == "csv":
                S.drop_rejects(con)
    except (duckdb.Error, _EncodingRetry) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unicode"
        if src.kind == "csv" and "unicode" in first.lower() and src.encoding == "utf-8":
            con.execute(f"DROP TABLE IF EXISTS {table}")
            latin = dataclasses.replace(src, encoding="latin-1")
            return _load_raw(con, latin, table, mapping, materialize=materialize, tz=tz)
        raise S.fail(src.path, f"no se pudo leer como tabla ({first})") from None
    used = {c: types[c] for c in guessed.values()}
    return src, used, guessed, pii, rejected, rejected_codes, materialize


def _free_text_status(con: duckdb.DuckDBPyConnection, sql: str, src: S.Source,
                      pii: Sequence[str]) -> str | None:
    """A free-text column (``OBSERVACION``) whose values are only coordinate statuses, or None.

    Its distinct values are counted in DuckDB (never stored); it is used as the
    coordinate status only when :func:`_validate.status_like` says so.
    """
    col = next((h for h in pii if V.normalize_header(h) in V.STATUS_FREE_TEXT_HEADERS), None)
    if col is None:
        return None
    own = src.kind in {"csv", "parquet"}
    dcon = _scratch() if own else con
    try:
        rows = dcon.execute(f"SELECT CAST({S.quote(col)} AS VARCHAR) AS v, count(*) FROM ({sql}) "
                            "GROUP BY 1 ORDER BY 2 DESC LIMIT 31").fetchall()
    except duckdb.Error:
        return None
    finally:
        if own:
            dcon.close()
    vals = [r[0] for r in rows if r[0] is not None and str(r[0]).strip()]
    counts = [int(r[1]) for r in rows if r[0] is not None and str(r[0]).strip()]
    return col if V.status_like(vals, counts) else None


def _describe(con: duckdb.DuckDBPyConnection, sql: str, src: S.Source) -> dict[str, str]:
    """Column name -> DuckDB type of a SELECT over the file.

    DuckDB's CSV sniffer fails when a line longer than
    ``settings.MAX_LINE_BYTES`` is among the rows it samples; the header is
    then taken from the sniffed head (every column as text) and the long line
    is quarantined when the file is read. Files are described on a connection
    of their own, so that a sniffing error cannot abort the store's transaction.
    """
    own = src.kind in {"csv", "parquet"}
    dcon = _scratch() if own else con
    try:
        desc = dcon.execute(f"DESCRIBE {sql}").fetchall()
    except duckdb.Error as exc:
        if src.kind == "csv" and src.header and "maximum line size" in str(exc).lower():
            return dict.fromkeys(src.header, "VARCHAR")
        raise
    finally:
        if own:
            dcon.close()
    types = {str(r[0]): str(r[1]) for r in desc}
    if len(types) > settings.MAX_COLUMNS:
        raise S.too_many_columns(src.path, len(types))
    return types


# --------------------------------------------------------------------------- core pipeline

def _check_tz(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"Zona horaria desconocida '{tz}' (p. ej. America/Lima, America/New_York)."
        raise IncidentSchemaError(msg) from None


def _type_map(con: duckdb.DuckDBPyConnection, raw: str, mapping: Mapping[str, str],
              types: Mapping[str, str]) -> pd.DataFrame:
    """Distinct raw (tipo, subtipo, modalidad) -> code, crime_type, crime_group."""
    k = P.key_cols(mapping, types, P.TYPE_FIELDS)
    rows = con.execute(f"SELECT DISTINCT {k[0]}, {k[1]}, {k[2]} FROM {raw}").fetchall()
    out = []
    for i, (ct, cs, cm) in enumerate(rows):
        masked = False
        if _too_long(ct, cs, cm):  # the row is quarantined (campo_demasiado_largo)
            t, g = "otro", "otro"
        else:
            parts = []
            for v in (ct, cs, cm):
                clean, n = V.mask_personal_text(v) if v else (v, 0)
                parts.append(clean)
                masked |= n > 0
            t, g = V.crime_fields_to_type(*parts)
        out.append((ct, cs, cm, i, t, g, masked))
    cols = list(zip(*out, strict=True)) if out else [()] * 7
    return pd.DataFrame({
        "_k1": pd.Series(cols[0], dtype=object), "_k2": pd.Series(cols[1], dtype=object),
        "_k3": pd.Series(cols[2], dtype=object), "code": np.arange(len(out), dtype=np.int32),
        "crime_type": pd.Series(cols[4], dtype=object),
        "crime_group": pd.Series(cols[5], dtype=object),
        "masked": np.asarray(cols[6], dtype=bool)})


def _district_map(con: duckdb.DuckDBPyConnection, raw: str, mapping: Mapping[str, str],
                  types: Mapping[str, str], recs: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """Distinct raw (district, ubigeo) -> code, normalised district and ubigeo."""
    k = P.key_cols(mapping, types, P.DIST_FIELDS)
    rows = con.execute(f"SELECT DISTINCT {k[0]}, {k[1]} FROM {raw}").fetchall()
    by_name = {r["district"]: r["ubigeo"] for r in recs}
    by_code = {r["ubigeo"]: r["district"] for r in recs}
    out = []
    for i, (dr, ur) in enumerate(rows):
        masked = 0
        if _too_long(dr, ur):  # the row is quarantined (campo_demasiado_largo)
            dr_ok, ur_ok = None, None
        else:
            dr_ok, masked = V.mask_personal_text(dr) if dr else (dr, 0)
            ur_ok = ur
        d = V.normalize_district(dr_ok) if dr_ok else None
        u = V.normalize_ubigeo(ur_ok) if ur_ok else None
        if d is None and u is not None:
            d = by_code.get(u)
        if u is None and d is not None:
            u = by_name.get(d)
        out.append((dr, ur, i, d, u, masked > 0))
    cols = list(zip(*out, strict=True)) if out else [()] * 6
    return pd.DataFrame({
        "_k4": pd.Series(cols[0], dtype=object), "_k5": pd.Series(cols[1], dtype=object),
        "code": np.arange(len(out), dtype=np.int32),
        "district": pd.Series(cols[3], dtype=object),
        "ubigeo": pd.Series(cols[4], dtype=object),
        "masked": np.asarray(cols[5], dtype=bool)})


def _too_long(*values: str | None) -> bool:
    """Whether some text is longer than ``settings.MAX_FIELD_BYTES`` (cheap upper bound first)."""
    limit = settings.MAX_FIELD_BYTES
    return any(v is not None and len(v) * 4 > limit and len(v.encode("utf-8")) > limit
               for v in values)


def _ingest_one(con: duckdb.DuckDBPyConnection, src: S.Source, *, source: str | None, tz: str,
                mapping: Mapping[str, str] | None, study_area: Any, import_id: int,
                write: bool, progress: Progress | None, base: float, span: float,
                layers: G.StreetLayers | None = None, shipped_layers: bool = True,
                comisarias: pd.DataFrame | None = None) -> _FileResult:
    def tick(frac: float, what: str) -> None:
        if progress is not None:
            progress(min(1.0, base + span * frac), f"{src.path.name}: {what}")

    raw = "_vg_raw"
    tick(0.0, "leyendo")
    src, types, mp, pii, rejected, rejected_codes, has_fast = _load_raw(con, src, raw, mapping,
                                                                       tz=tz)
    if not len(rejected) and not con.execute(f"SELECT count(*) FROM {raw}").fetchall()[0][0]:
        raise S.no_rows(src.path)  # e.g. blank lines only, past the sniffed head
    now_local = datetime.now(_check_tz(tz)).replace(tzinfo=None)
    tick(0.3, "validando")
    recs = geo.boundary_records()
    type_map = _type_map(con, raw, mp, types)
    dist_map = _district_map(con, raw, mp, types, recs)
    con.register("_vg_types", type_map)
    con.register("_vg_dist", dist_map)
    addr = LOC.register_maps(con, raw, mp, types)
    try:
        tbl = con.sql(P.stage_sql(con, raw, mp, types, tz=tz, now_local=now_local,
                                 sha=src.sha256, fast=has_fast)).to_arrow_table()
    finally:
        con.unregister("_vg_types")
        con.unregister("_vg_dist")
        LOC.unregister_maps(con, mp)
    rows = tbl["_row"].to_numpy().astype(np.int64)  # file order, not necessarily sorted
    reason0 = tbl["reason"].to_numpy(zero_copy_only=False).astype(np.int8)
    lat, lon, reason, swapped = V.check_coordinates(
        tbl["lat"].to_numpy(zero_copy_only=False).astype(np.float64),
        tbl["lon"].to_numpy(zero_copy_only=False).astype(np.float64),
        reason0, study_area=study_area)
    tcode = tbl["_tc"].to_numpy(zero_copy_only=False).astype(np.int32)
    dcode = tbl["_dc"].to_numpy(zero_copy_only=False).astype(np.int32)
    # Rows whose crime or district text held personal data (masked before storing).
    masked = int((type_map["masked"].to_numpy()[tcode]
                  | dist_map["masked"].to_numpy()[dcode]).sum())
    # District: from the file (name or ubigeo), otherwise the polygon holding the point.
    n_dist = len(dist_map)
    nodist = dist_map["district"].isna().to_numpy()[dcode]

    def by_polygon(mask: np.ndarray, la: np.ndarray, lo: np.ndarray) -> None:
        O.districts_by_polygon(dcode, mask, la, lo, offset=n_dist, polygons=len(recs))

    dcode = dcode.copy()
    by_polygon((reason == 0) & nodist, lat, lon)
    dist_names = list(dist_map["district"]) + [r["district"] for r in recs]
    ubigeo_names = list(dist_map["ubigeo"]) + [r["ubigeo"] for r in recs]
    tick(0.4, "ubicando")
    # Every incident counts where it can: a true point, else a geocoded one, else its district.
    place = LOC.place_rows(
        con, tables=addr, lat=lat, lon=lon, reason=reason,
        combo_codes=tbl["_ac"].to_numpy(zero_copy_only=False).astype(np.int64),
        status_forced=(tbl["_sf"].to_numpy(zero_copy_only=False).astype(bool)
                       if "location_status" in mp else None),
        district_codes=dcode,
        district_names=[d if d is not None else u
                        for d, u in zip(dist_names, ubigeo_names, strict=True)],
        comisarias=comisarias, layers=layers, shipped=shipped_layers)
    no_point = np.isin(reason, list(LOC.POINT_PROBLEMS))
    file_lat = np.where(reason == 0, lat, np.nan)  # the file's valid points (stacked points)
    file_lon = np.where(reason == 0, lon, np.nan)
    lat, lon = place.lat, place.lon
    cand = (reason == 0) | no_point
    named = np.array([d is not None or u is not None
                      for d, u in zip(dist_names, ubigeo_names, strict=True)] + [False])

    def has_district() -> np.ndarray:
        out: np.ndarray = named[np.where(dcode >= 0, dcode, len(named) - 1)]
        return out

    # a geocoded row without a district takes the polygon holding its new point
    by_polygon(cand & place.placed & ~place.exact & ~has_district(), lat, lon)
    where = place.placed | has_district()
    reason = reason.copy()
    reason[cand & ~where & (reason == P.CODE["coordenadas_faltantes"])] = P.CODE["sin_ubicacion"]
    reason[cand & where] = 0
    ok = reason == 0
    tick(0.6, "duplicados")
    # Duplicates among the valid rows, first occurrence (file order) wins: same id, then
    # same time + crime type + place: the point (~1 m) for exact rows, the district and
    # written street, cuadra, crossing and zone for the others.
    type_names = list(type_map["crime_type"])
    keep = O.first_rows(tbl, ok=ok, rows=rows, tcode=tcode, dcode=dcode, type_names=type_names,
                       place=place, lat=lat, lon=lon)

    prec_names = list(settings.LOCATION_PRECISIONS)
    reason_names = list(LOC.REASON_KEYS)

    def accepted_table(mask: np.ndarray) -> pa.Table:
        take = pa.array(np.flatnonzero(mask))
        return pa.table({
            "incident_id": tbl["incident_id"].take(take),
            "occurred_at": tbl["occurred_at"].take(take),
            "lat": lat[mask], "lon": lon[mask],
            "crime_type": O.dictionary_array(tcode[mask], type_names),
            "crime_group": O.dictionary_array(tcode[mask], list(type_map["crime_group"])),
            "district": O.dictionary_array(dcode[mask], dist_names),
            "ubigeo": O.dictionary_array(dcode[mask], ubigeo_names),
            "h3_r12": h3[mask], "_row": rows[mask],
            "location_precision": O.dictionary_array(
                place.precision[mask].astype(np.int32), prec_names),
            "location_reason": O.dictionary_array(
                place.reason[mask].astype(np.int32), reason_names),
            **O.address_columns(place, mask),
        })

    src_name = source or None  # the file name is kept once, in imports.file_name
    h3 = np.zeros(rows.shape, dtype=np.uint64)  # filled for the accepted rows only
    if keep.any() and store.incident_count(con):
        con.register("_vg_new", accepted_table(keep))
        seen = con.execute(_SEEN_SQL).fetchnumpy()["_row"]
        con.unregister("_vg_new")
        if len(seen):
            keep &= ~np.isin(rows, np.asarray(seen, dtype=np.int64))
    tick(0.7, "celdas H3")
    cells = keep & place.placed
    if cells.any():
        h3[cells] = hexbin.points_to_cells(lat[cells], lon[cells],
                                           resolution=settings.H3_STORE_RESOLUTION)
    new = accepted_table(keep)
    accepted = int(keep.sum())
    n_valid = int(ok.sum())
    repeated = store.file_already_imported(con, src.sha256)
    tick(0.8, "guardando")
    had = keep & np.isfinite(file_lat)
    stacked = V.stacked_points(file_lat[had], file_lon[had])
    for s in stacked:
        s["file"] = src.path.name
    forced_points = [{**p, "file": src.path.name} for p in place.forced_points]
    precision = dict(zip(prec_names, np.bincount(place.precision[keep].astype(np.int64),
                                                 minlength=len(prec_names)).tolist(),
                         strict=True))
    if write and accepted:
        store_incidents.insert_incidents(con, new, source=src_name, import_id=import_id)
        if len(place.names):
            save_address_names(con, place.names)
    codes, counts = np.unique(np.concatenate([reason[reason > 0], rejected_codes]),
                              return_counts=True)
    reasons = {V.REASON_CODES[int(c)]: int(n) for c, n in zip(codes, counts, strict=True)}
    quarantined = int((reason > 0).sum()) + int(len(rejected))
    if write and quarantined and not repeated:
        store_incidents.insert_quarantine(con, O.quarantine_rows(
            con, tbl, raw=raw, mp=mp, src=src, import_id=import_id, rows=rows, reason=reason,
            rejected=rejected, rejected_codes=rejected_codes))
    con.execute(f"DROP TABLE IF EXISTS {raw}")
    rows_read = len(rows) + len(rejected)
    result = _FileResult(import_id=import_id, rows_read=rows_read, accepted=accepted,
                         duplicates=n_valid - accepted, quarantined=quarantined, reasons=reasons,
                         pii=pii, stacked=stacked, swapped=swapped, repeated=repeated,
                         mapping=dict(mp), masked=masked, precision=precision,
                         forced=forced_points)
    if write:
        store_incidents.insert_import(con, {
            "import_id": import_id, "source": src_name, "file_name": src.path.name,
            "file_sha256": src.sha256, "tz": tz, "rows_read": rows_read, "accepted": accepted,
            "duplicates": result.duplicates, "quarantined": quarantined, "reasons": reasons,
            "pii_columns_dropped": pii, "stacked_points": stacked,
            "swapped_coordinates": swapped, "repeated_file": repeated, "mapping": dict(mp),
            "personal_data_masked": masked, "precision": precision,
            "forced_points": forced_points})
    tick(1.0, "listo")
    return result


def _parse_study_area(study_area: Any) -> Any:
    if isinstance(study_area, str):
        parts = [p for p in re.split(r"[,\s]+", study_area.strip()) if p]
        try:
            study_area = tuple(float(p) for p in parts)
        except ValueError:
            msg = "Recuadro del área de estudio no válido: use MINLON,MINLAT,MAXLON,MAXLAT."
            raise IncidentSchemaError(msg) from None
    V.check_study_area(study_area)
    return study_area


def ingest_files(paths: str | Path | Iterable[str | Path], *, db: str | Path | None = None,
                 con: duckdb.DuckDBPyConnection | None = None, source: str | None = None,
                 tz: str = settings.TIMEZONE, mapping: Mapping[str, str] | None = None,
                 study_area: Any = None, progress: Progress | None = None,
                 streets: G.StreetLayers | Iterable[str | Path] | None = None,
                 shipped_layers: bool = True,
                 comisarias: pd.DataFrame | str | Path | None = None) -> IngestReport:
    """Import incident files into the store.

    Parameters
    ----------
    paths
        One path or several. All are checked for readability first; if any
        cannot be read, nothing is written.
    db, con
        Store path (default :func:`store.default_path`) or an open writable
        connection (wins over ``db``) with no transaction open: the whole
        batch runs in one transaction of its own (all files or none).
    source
        Label stored with every incident (e.g. ``"SIDPOL"``; default none). The
        file name is stored once, in the ``imports`` record.
    tz
        Zone of the file's wall times; explicit UTC offsets are converted to it.
    mapping
        Explicit ``field -> column`` overrides (see :data:`_validate.MAPPABLE_FIELDS`).
    study_area
        ``None`` (within ``settings.STUDY_RADIUS_KM`` of the median point),
        a ``(min_lon, min_lat, max_lon, max_lat)`` bbox, or a shapely Polygon.
    progress
        Called with ``(fraction 0–1, Spanish message)``.
    streets
        Street layers to geocode with (paths, see
        :func:`analytics.geocoding.read_street_layers`, or layers already read).
    shipped_layers
        Also use the layers of ``data/streets/`` when the data are where they lie.
    comisarias
        Comisaría points (a frame with ``lat``, ``lon``, ``name`` or a file,
        :func:`analytics.geocoding.read_comisarias`): a coordinate holding
        incidents at one of them is a comisaría centroid, not a place.

    Returns
    -------
    IngestReport

    Raises
    ------
    InputFileError
        A file or layer is missing, empty, of unknown format or not a table; a
        street layer has no street-name column.
    IncidentSchemaError
        A file lacks a date column, or any way to place its rows (coordinates,
        district, ubigeo or address); a mapping or option is wrong.
    """
    path_list = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if not path_list:
        raise InputFileError("No se indicó ningún archivo para importar.")
    _check_tz(tz)
    area = _parse_study_area(study_area)
    layers = (streets if isinstance(streets, G.StreetLayers) or streets is None
              else G.read_street_layers(streets))
    if isinstance(comisarias, (str, Path)):
        comisarias = G.read_comisarias(comisarias)
    if progress is not None:
        progress(0.0, "revisando archivos")
    sources = [S.sniff(p) for p in path_list]
    own = con is None
    conn = store.connect(db) if own else con
    assert conn is not None
    try:
        # Check every file's columns before writing anything (a single file is
        # checked as it loads: the transaction below leaves the store unchanged).
        if len(sources) > 1:
            for src in sources:
                _precheck(conn, src, mapping)
        results: list[_FileResult] = []
        conn.execute("BEGIN TRANSACTION")
        try:
            next_id = store.next_import_id(conn)
            for i, src in enumerate(sources):
                results.append(_ingest_one(conn, src, source=source, tz=tz, mapping=mapping,
                                           study_area=area, import_id=next_id + i, write=True,
                                           progress=progress, base=i / len(sources),
                                           span=1 / len(sources), layers=layers,
                                           shipped_layers=shipped_layers,
                                           comisarias=comisarias))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        if own:
            conn.close()
    return _merge(results, [s.path for s in sources])


def ingest_records(records: Sequence[Any], *, db: str | Path | None = None,
                   con: duckdb.DuckDBPyConnection | None = None, source: str | None = None,
                   tz: str = settings.TIMEZONE, mapping: Mapping[str, str] | None = None,
                   study_area: Any = None, name: str = "api", transaction: bool = True
                   ) -> IngestReport:
    """Import in-memory incident records (JSON objects, e.g. an API post) into the store.

    The records go through the same pipeline as a file (header recognition,
    validation, personal-data dropping and masking, duplicates, quarantine):
    see :func:`analytics.ingest.sources.records_source` for how a record
    becomes a row (every value as text; nested values make a malformed row;
    a record without an identifier gets one from its content, so re-sending
    it is a duplicate). One ``imports`` row records the batch, named ``name``.

    Parameters
    ----------
    records
        One JSON object per incident.
    db, con
        As for :func:`ingest_files`.
    source, tz, mapping, study_area
        As for :func:`ingest_files`.
    name
        Stands for the file name in ``imports`` and the quarantine.
    transaction
        ``True``: the import runs in a transaction of its own (``con`` must
        have none open). ``False``: the caller has opened one on ``con`` and
        commits (or rolls back) several imports together (a group commit).

    Returns
    -------
    IngestReport

    Raises
    ------
    InputFileError
        No records, or too many distinct keys.
    IncidentSchemaError
        No date or coordinate keys recognised, or a wrong option.
    """
    _check_tz(tz)
    area = _parse_study_area(study_area)
    src = S.records_source(records, name=name, mapping=mapping)
    own = con is None
    conn = store.connect(db) if own else con
    assert conn is not None
    try:
        if transaction:
            conn.execute("BEGIN TRANSACTION")
        try:
            result = _ingest_one(conn, src, source=source, tz=tz, mapping=mapping,
                                 study_area=area, import_id=store.next_import_id(conn),
                                 write=True, progress=None, base=0.0, span=1.0)
            if transaction:
                conn.execute("COMMIT")
        except BaseException:
            if transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        if own:
            conn.close()
    return _merge([result], [src.path])


def _precheck(con: duckdb.DuckDBPyConnection, src: S.Source,
              mapping: Mapping[str, str] | None) -> None:
    """Check that a file is a readable table with the required columns (writes nothing)."""
    _load_raw(con, src, "_vg_check", mapping, materialize=False)


def _merge(results: Sequence[_FileResult], paths: Sequence[Path]) -> IngestReport:
    reasons: dict[str, int] = {}
    pii: list[str] = []
    stacked: list[dict[str, Any]] = []
    for r in results:
        for k, v in r.reasons.items():
            reasons[k] = reasons.get(k, 0) + v
        pii.extend(p for p in r.pii if p not in pii)
        stacked.extend(r.stacked)
    return IngestReport(
        rows_read=sum(r.rows_read for r in results),
        accepted=sum(r.accepted for r in results),
        duplicates=sum(r.duplicates for r in results),
        quarantined=sum(r.quarantined for r in results),
        quarantine_reasons=dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        pii_columns_dropped=pii,
        stacked_points=stacked,
        swapped_coordinates=sum(r.swapped for r in results),
        precision={p: sum(r.precision.get(p, 0) for r in results)
                   for p in settings.LOCATION_PRECISIONS},
        forced_points=[f for r in results for f in r.forced],
        import_ids=[r.import_id for r in results],
        files=[str(p) for p in paths],
        repeated_files=[str(p) for p, r in zip(paths, results, strict=True) if r.repeated],
        mappings={str(p): r.mapping for p, r in zip(paths, results, strict=True)},
        personal_data_masked=sum(r.masked for r in results),
    )


def read_incidents(path: str | Path, *, tz: str = settings.TIMEZONE,
                   mapping: Mapping[str, str] | None = None, study_area: Any = None,
                   precisions: Iterable[str] | None = None,
                   columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Parse and validate an incident file without a store; accepted rows only.

    Same rules as :func:`ingest_files` (duplicates and quarantined rows are
    left out). Returns canonical columns (``source`` empty, ``import_id`` = 0),
    or ``columns`` (see :func:`analytics.store.load_incidents`); ``precisions``
    keeps only incidents placed that well (e.g. ``settings.HEX_PRECISIONS``).
    """
    con = store.connect(":memory:")
    try:
        ingest_files([path], con=con, tz=tz, mapping=mapping, study_area=study_area)
        df = store.load_incidents(con, precisions=precisions, columns=columns)
    finally:
        con.close()
    if "import_id" in df.columns:
        df["import_id"] = 0
    return df


def preview_file(path: str | Path, *, n_rows: int = 20) -> FilePreview:
    """First rows of a file as read, with the guessed column mapping.

    Personal-data columns are listed in ``pii_columns`` and left out of
    ``columns`` and ``frame``.
    """
    src = S.sniff(path)
    con = _scratch()
    try:
        if src.kind == "csv":
            try:
                S.drop_rejects(con)
                frame = con.execute(S.csv_sql(src, limit=n_rows)).df()
            except duckdb.Error as exc:
                if src.header and "maximum line size" in str(exc).lower():
                    # A line over the limit among the sniffed rows: read with the sniffed
                    # header (the long line is left out, as ingest quarantines it).
                    S.drop_rejects(con)
                    frame = con.execute(S.csv_sql(src, limit=n_rows, columns=src.header)).df()
                    return _preview(frame)
                src = dataclasses.replace(src, encoding="latin-1")
                S.drop_rejects(con)
                try:
                    frame = con.execute(S.csv_sql(src, limit=n_rows)).df()
                except duckdb.Error as exc:
                    raise S.fail(src.path, f"no se pudo leer como tabla "
                                          f"({str(exc).splitlines()[0]})") from None
        elif src.kind == "parquet":
            frame = con.execute(f"SELECT * FROM read_parquet({S.path_sql(src.path)}) "
                                f"LIMIT {int(n_rows)}").df()
        elif src.kind == "excel":
            frame = S.excel_frame(src, n_rows=n_rows)
        else:
            frame = S.geojson_frame(src)[0].head(n_rows)
    finally:
        con.close()
    return _preview(frame)


def _preview(frame: pd.DataFrame) -> FilePreview:
    headers = [str(c) for c in frame.columns]
    pii = V.pii_columns([h for h in headers if not h.startswith("_geom_")])
    mapping = V.guess_mapping(headers, exclude=pii)
    if "_geom_lat" in headers:
        mapping.setdefault("lat", "_geom_lat")
        mapping.setdefault("lon", "_geom_lon")
    keep = [h for h in headers if h not in pii]
    return FilePreview(columns=keep, frame=frame[keep].reset_index(drop=True), mapping=mapping,
                       pii_columns=pii)
