"""DuckDB SQL that parses raw incident fields into typed values and a reason code.

Used by the ingest pipeline.

Dates in every tolerated format (ISO, day-first, two-digit years, Excel
serials, UTC offsets, am/pm), times, coordinates with decimal commas, the
over-long-field flag, and :func:`stage_sql`, the SELECT that turns the loaded
raw table into typed rows with their quarantine reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import duckdb
import numpy as np

from analytics import _validate as V, settings
from analytics.ingest import sources as S

_MIN_DATE = "1970-01-01"
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y", "%d-%m-%y", "%Y/%m/%d", "%d.%m.%Y")
_TIME_SUFFIXES = (" %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
#: Reason key -> numeric code used while classifying rows (0 = no problem).
CODE = {k: i for i, k in enumerate(V.REASON_CODES)}


def long_expr(mapping: Mapping[str, str], types: Mapping[str, str]) -> str:
    """Return an SQL test: some mapped text is longer than ``settings.MAX_FIELD_BYTES``."""
    limit = int(settings.MAX_FIELD_BYTES)
    parts = [f"strlen({S.quote(c)})" for c in dict.fromkeys(mapping.values())
             if types[c].upper() == "VARCHAR"]
    # greatest() skips NULLs; one comparison per row.
    return f"coalesce(greatest({', '.join(parts)}) > {limit}, false)" if parts else "false"


# --------------------------------------------------------------------------- SQL parsing

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")


def _is_numeric(t: str) -> bool:
    return t.upper().startswith(_NUMERIC)


def _text(col: str, t: str) -> str:
    if t.upper() == "VARCHAR":
        return f"NULLIF(trim({S.quote(col)}), '')"
    return f"NULLIF(trim(CAST({S.quote(col)} AS VARCHAR)), '')"


def _number_expr(col: str, t: str) -> str:
    if _is_numeric(t):
        return f"CAST({S.quote(col)} AS DOUBLE)"
    s = _text(col, t)
    slow = f"TRY_CAST(replace(replace({s}, ' ', ''), ',', '.') AS DOUBLE)"
    if t.upper() == "VARCHAR":
        return f"coalesce(TRY_CAST({S.quote(col)} AS DOUBLE), {slow})"
    return slow


def _ampm(s: str) -> str:
    return rf"regexp_replace(lower({s}), '\s*([ap])\.?\s*m\.?$', ' \1m')"


_ISO_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d")


def _best_format(con: duckdb.DuckDBPyConnection, raw: str, col: str,
                 formats: Sequence[str], *, as_time: bool = False) -> str | None:
    """Find the strptime format that parses most of the first non-empty values (or None).

    Used as a fast path only: rows it does not parse go through the full,
    tolerant expression, so a mixed file is still read correctly.
    """
    q = S.quote(col)
    counts = ", ".join(f"count(try_strptime(v, {S.sql_str(f)}))" for f in formats)
    sql = (f"SELECT {counts} FROM (SELECT CAST({q} AS VARCHAR) AS v FROM {raw} "
           f"WHERE {q} IS NOT NULL LIMIT 5000)")
    row = con.execute(sql).fetchall()[0]
    best = int(np.argmax(row)) if row else 0
    return formats[best] if row and row[best] > 0 else None


def _datetime_expr(col: str, t: str, tz: str, *, date_only: bool = False,
                   fast: str | None = None) -> str:
    """TIMESTAMP (local wall time) from a column of any type; NULL when unreadable."""
    full = _datetime_expr_full(col, t, tz, date_only=date_only)
    if fast is None or t.upper() != "VARCHAR":
        return full
    return f"coalesce(try_strptime({S.quote(col)}, {S.sql_str(fast)}), {full})"


def _datetime_expr_full(col: str, t: str, tz: str, *, date_only: bool = False) -> str:
    tu = t.upper()
    q = S.quote(col)
    if tu.startswith("TIMESTAMP WITH TIME ZONE") or tu == "TIMESTAMPTZ":
        return f"timezone({S.sql_str(tz)}, {q})"
    if tu.startswith("TIMESTAMP") or tu == "DATE":
        return f"CAST({q} AS TIMESTAMP)"
    if _is_numeric(t):
        return (f"CASE WHEN {q} BETWEEN 1 AND 2958465 THEN TIMESTAMP '1899-12-30' + "
                f"to_microseconds(CAST(round(CAST({q} AS DOUBLE) * 86400000000) AS BIGINT)) END")
    s = _text(col, t)
    with_time = [f + suf for f in _DATE_FORMATS for suf in _TIME_SUFFIXES]
    fmts = list(_DATE_FORMATS) + with_time if date_only else with_time + list(_DATE_FORMATS)
    # ISO first (explicit formats: a plain CAST would read dd/mm/yy as yy/mm/dd).
    fmts = list(_ISO_FORMATS) + fmts
    fmt_list = "[" + ", ".join(S.sql_str(f) for f in fmts) + "]"
    return (
        "CASE "
        f"WHEN {s} IS NULL THEN NULL "
        rf"WHEN regexp_full_match({s}, '\d{{5}}(\.\d+)?') THEN "
        "TIMESTAMP '1899-12-30' + "
        f"to_microseconds(CAST(round(CAST({s} AS DOUBLE) * 86400000000) AS BIGINT)) "
        rf"WHEN regexp_matches({s}, '\d[T ]\d{{1,2}}:\d\d(:\d\d(\.\d+)?)?\s*"
        r"(Z|[+-]\d\d(:?\d\d)?)$') THEN "
        f"timezone({S.sql_str(tz)}, TRY_CAST({s} AS TIMESTAMPTZ)) "
        f"ELSE coalesce(try_strptime({s}, {fmt_list}), "
        f"CASE WHEN contains(lower({s}), 'm') THEN try_strptime({_ampm(s)}, {fmt_list}) END) END"
    )


def _time_expr(col: str, t: str, *, fast: str | None = None) -> str:
    """TIME from a column of any type (HH:MM, HH:MM:SS, HHMM, H, h:mm a. m.)."""
    full = _time_expr_full(col, t)
    if fast is None or t.upper() != "VARCHAR":
        return full
    return f"coalesce(CAST(try_strptime({S.quote(col)}, {S.sql_str(fast)}) AS TIME), {full})"


def _time_expr_full(col: str, t: str) -> str:
    tu = t.upper()
    q = S.quote(col)
    if tu == "TIME":
        return q
    if tu.startswith("TIMESTAMP"):
        return f"CAST({q} AS TIME)"
    s = _text(col, t)
    if _is_numeric(t):
        s = f"CAST(CAST({q} AS BIGINT) AS VARCHAR)"
    digits = f"TRY_CAST({s} AS INTEGER)"
    return (
        "CASE "
        f"WHEN {s} IS NULL THEN NULL "
        rf"WHEN regexp_full_match({s}, '\d{{1,2}}') THEN "
        f"CASE WHEN {digits} < 24 THEN make_time({digits}, 0, 0) END "
        rf"WHEN regexp_full_match({s}, '\d{{3,4}}') THEN "
        f"CASE WHEN {digits} // 100 < 24 AND {digits} % 100 < 60 "
        f"THEN make_time({digits} // 100, {digits} % 100, 0) END "
        f"ELSE coalesce(TRY_CAST({s} AS TIME), "
        f"CAST(try_strptime({_ampm(s)}, ['%I:%M %p', '%I:%M:%S %p']) AS TIME), "
        rf"CASE WHEN regexp_matches({s}, '^\d{{4}}-') "
        f"THEN CAST(TRY_CAST({s} AS TIMESTAMP) AS TIME) END) END"
    )


def _century(col: str, src: str | None) -> str:
    """Two-digit years read as years 0–99 (``%Y`` on ``dd/mm/yy``) become 1970–2069.

    Only when the source text ``src`` really writes the year with two digits
    (``03/02/25``); ``0001-01-01`` or ``01/01/0099`` stay in year 1 or 99 (and
    are quarantined as impossible). Typed dates (``src`` None) are never moved.
    """
    if src is None:
        return col
    two_digit = rf"regexp_matches({src}, '^\s*\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}(\D|$)')"
    return (f"CASE WHEN year({col}) < 100 AND {two_digit} THEN {col} + "
            f"to_years(CASE WHEN year({col}) < 70 THEN 2000 ELSE 1900 END) ELSE {col} END")


def _key_text(col: str, t: str) -> str:
    """Raw text of a column as a join key ('' when missing); trimmed later, per distinct value."""
    if t.upper() == "VARCHAR":
        return f"coalesce({S.quote(col)}, '')"
    return f"coalesce(CAST({S.quote(col)} AS VARCHAR), '')"


def key_cols(mapping: Mapping[str, str], types: Mapping[str, str],
              fields: Sequence[str]) -> list[str]:
    """SQL text expressions of ``fields`` for a row key (``''`` for a field not in the file)."""
    return [_key_text(mapping[f], types[mapping[f]]) if f in mapping else "''" for f in fields]


TYPE_FIELDS = ("crime_type", "crime_subtype", "modalidad")
DIST_FIELDS = ("district", "ubigeo")
ADDR_FIELDS = ("address", "street_type", "block", "zone")
STATUS_FIELDS = ("location_status",)


def fast_exprs(con: duckdb.DuckDBPyConnection, sql: str, mapping: Mapping[str, str],
                types: Mapping[str, str], *, tz: str) -> dict[str, str]:
    """Cheap parse expressions (``_fd``, ``_ft``, ``_fla``, ``_flo``) for the common case.

    Text dates and times get the single strptime format that reads most of
    the file's first values; coordinates a plain cast. Rows these leave NULL
    go through the full, tolerant expressions (see :func:`stage_sql`), which
    are costly enough that running them only on those rows pays.
    """
    m = mapping
    src = f"({sql}) AS _s"
    with_time = tuple(f + suf for f in _DATE_FORMATS for suf in _TIME_SUFFIXES)
    out: dict[str, str] = {}
    date_col = m.get("occurred_at", m.get("date"))
    assert date_col is not None
    t = types[date_col]
    if t == "VARCHAR":
        cands = (_ISO_FORMATS + with_time) if "occurred_at" in m else (_ISO_FORMATS[-1:]
                                                                         + _DATE_FORMATS)
        fmt = _best_format(con, src, date_col, cands)
        out["_fd"] = (f"try_strptime({S.quote(date_col)}, {S.sql_str(fmt)})" if fmt
                      else "CAST(NULL AS TIMESTAMP)")
    else:
        out["_fd"] = _datetime_expr_full(date_col, t, tz)
    if "occurred_at" not in m and "time" in m:
        c = m["time"]
        if types[c] == "VARCHAR":
            fmt = _best_format(con, src, c, ("%H:%M", "%H:%M:%S"))
            out["_ft"] = (f"CAST(try_strptime({S.quote(c)}, {S.sql_str(fmt)}) AS TIME)" if fmt
                          else "CAST(NULL AS TIME)")
        else:
            out["_ft"] = _time_expr_full(c, types[c])
    for f, name in (("lat", "_fla"), ("lon", "_flo")):
        if f not in m:  # a file without coordinates (placed by district or address)
            continue
        c = m[f]
        out[name] = (f"CAST({S.quote(c)} AS DOUBLE)" if _is_numeric(types[c])
                     else f"TRY_CAST({S.quote(c)} AS DOUBLE)")
    return out


def stage_sql(con: duckdb.DuckDBPyConnection, raw: str, mapping: Mapping[str, str],
               types: Mapping[str, str], *, tz: str, now_local: datetime, sha: str,
               fast: bool = False) -> str:
    """SELECT that parses every row of ``raw`` into typed fields plus a reason code.

    Rows whose fast columns (``_fd``, ``_ft``, ``_fla``, ``_flo``, computed
    while loading, see :func:`fast_exprs`) are all set take a cheap branch;
    the rest take the full, tolerant expressions. Joins the small
    ``_vg_types`` / ``_vg_dist`` tables (distinct raw values -> codes) so
    that only numbers and the two stored strings leave SQL.
    """
    m = mapping
    min_ts = f"TIMESTAMP '{_MIN_DATE}'"
    now_sql = f"TIMESTAMP {S.sql_str(now_local.strftime('%Y-%m-%d %H:%M:%S'))}"
    gen = f"{S.sql_str(sha[:12] + '-')} || CAST(_row AS VARCHAR)"
    if "incident_id" in m:
        c = m["incident_id"]
        raw_id = S.quote(c) if types[c] == "VARCHAR" else f"CAST({S.quote(c)} AS VARCHAR)"
        ident = f"CASE WHEN {raw_id} IS NULL OR {raw_id} = '' THEN {gen} ELSE {raw_id} END"
    else:
        ident = gen
    has_xy = "lat" in m and "lon" in m
    tkeys = key_cols(m, types, TYPE_FIELDS)
    dkeys = key_cols(m, types, DIST_FIELDS)
    keys = (f"{tkeys[0]} AS _k1, {tkeys[1]} AS _k2, {tkeys[2]} AS _k3, "
            f"{dkeys[0]} AS _k4, {dkeys[1]} AS _k5")
    has_addr = any(f in m for f in ADDR_FIELDS)
    has_status = "location_status" in m
    extra_keys = ""
    if has_addr:
        akeys = key_cols(m, types, ADDR_FIELDS)
        keys += "".join(f", {k} AS _a{i}" for i, k in enumerate(akeys))
        extra_keys += ", _a0, _a1, _a2, _a3"
    if has_status:
        keys += f", {key_cols(m, types, STATUS_FIELDS)[0]} AS _s0"
        extra_keys += ", _s0"
    has_time = "occurred_at" not in m and "time" in m

    # Full branch: every tolerated format, every reason.
    if "occurred_at" in m:
        c = m["occurred_at"]
        inner_ts = (f"{_datetime_expr(c, types[c], tz)} AS _ts0, "
                    f"{S.quote(c)} AS _dsrc")
        fix = f"{_century('_ts0', '_dsrc' if types[c] == 'VARCHAR' else None)} AS _ts"
        combine = "_ts"
        date_case = (
            f"WHEN _ts IS NULL AND {_text('_dsrc', types[c])} IS NULL "
            f"THEN {CODE['fecha_faltante']} "
            f"WHEN _ts IS NULL OR _ts < {min_ts} THEN {CODE['fecha_invalida']} "
            f"WHEN _ts > {now_sql} THEN {CODE['fecha_futura']} "
        )
    else:
        c = m["date"]
        inner_ts = (f"{_datetime_expr(c, types[c], tz, date_only=True)} AS _d0, "
                    f"{S.quote(c)} AS _dsrc")
        fix = f"{_century('_d0', '_dsrc' if types[c] == 'VARCHAR' else None)} AS _d"
        date_case = (
            f"WHEN _d IS NULL AND {_text('_dsrc', types[c])} IS NULL "
            f"THEN {CODE['fecha_faltante']} "
            f"WHEN _d IS NULL OR _d < {min_ts} THEN {CODE['fecha_invalida']} "
        )
        if has_time:
            ct = m["time"]
            inner_ts += (f", {_time_expr(ct, types[ct])} AS _tm, "
                         f"{S.quote(ct)} AS _tsrc")
            date_case += (
                f"WHEN _tm IS NULL AND {_text('_tsrc', types[ct])} IS NULL "
                f"THEN {CODE['hora_faltante']} "
                f"WHEN _tm IS NULL THEN {CODE['hora_invalida']} "
            )
        else:
            inner_ts += ", TIME '00:00:00' AS _tm"
        combine = "CAST(CAST(_d AS DATE) + _tm AS TIMESTAMP)"
        date_case += f"WHEN {combine} > {now_sql} THEN {CODE['fecha_futura']} "
    if has_xy:
        lat_c, lon_c = m["lat"], m["lon"]
        xy = (f"{_number_expr(lat_c, types[lat_c])} AS lat, "
              f"{_number_expr(lon_c, types[lon_c])} AS lon, "
              f"{S.quote(lat_c)} AS _latsrc, {S.quote(lon_c)} AS _lonsrc")
        no_text = (f"({_text('_latsrc', types[lat_c])} IS NULL "
                   f"OR {_text('_lonsrc', types[lon_c])} IS NULL)")
    else:  # no coordinate columns: every row is placed by its district or address
        xy = "CAST(NULL AS DOUBLE) AS lat, CAST(NULL AS DOUBLE) AS lon"
        no_text = "TRUE"
    cols = f"_row, {ident} AS incident_id, {inner_ts}, {xy}, {keys}, _long"
    too_long = f"WHEN _long THEN {CODE['campo_demasiado_largo']} "
    reason = (
        f"CAST(CASE {too_long}{date_case}"
        f"WHEN (lat IS NULL OR lon IS NULL) AND {no_text} THEN {CODE['coordenadas_faltantes']} "
        f"WHEN lat IS NULL OR lon IS NULL OR NOT isfinite(lat) OR NOT isfinite(lon) "
        f"THEN {CODE['numero_invalido']} ELSE 0 END AS TINYINT)"
    )
    out_cols = ("_row, incident_id, occurred_at, lat, lon, reason, _k1, _k2, _k3, _k4, _k5"
                + extra_keys)
    if fast:
        fast_cond = "_fd IS NOT NULL"
        if has_xy:
            fast_cond += " AND _fla IS NOT NULL AND _flo IS NOT NULL"
        if has_time:
            fast_cond += " AND _ft IS NOT NULL"
        slow_where = f" WHERE NOT ({fast_cond})"
    else:
        slow_where = ""
    full_branch = (
        f"SELECT _row, incident_id, {combine} AS occurred_at, lat, lon, {reason} AS reason, "
        f"_k1, _k2, _k3, _k4, _k5{extra_keys} FROM (SELECT *, {fix} FROM "
        f"(SELECT {cols} FROM {raw}{slow_where}))"
    )
    if fast:
        dc = m.get("occurred_at", m.get("date"))
        assert dc is not None
        fd = _century("_fd", S.quote(dc) if types[dc] == "VARCHAR" else None)
        if "occurred_at" in m:
            ts_fast = fd
        elif has_time:
            ts_fast = f"CAST(CAST({fd} AS DATE) + _ft AS TIMESTAMP)"
        else:
            ts_fast = f"CAST(CAST({fd} AS DATE) AS TIMESTAMP)"
        no_xy = "" if has_xy else f"WHEN lat IS NULL THEN {CODE['coordenadas_faltantes']} "
        fast_reason = (
            f"CAST(CASE {too_long}WHEN occurred_at < {min_ts} THEN {CODE['fecha_invalida']} "
            f"WHEN occurred_at > {now_sql} THEN {CODE['fecha_futura']} {no_xy}"
            f"WHEN NOT isfinite(lat) OR NOT isfinite(lon) THEN {CODE['numero_invalido']} "
            "ELSE 0 END AS TINYINT)"
        )
        fast_xy = ("_fla AS lat, _flo AS lon" if has_xy
                   else "CAST(NULL AS DOUBLE) AS lat, CAST(NULL AS DOUBLE) AS lon")
        fast_branch = (
            f"SELECT _row, incident_id, occurred_at, lat, lon, {fast_reason} AS reason, "
            f"_k1, _k2, _k3, _k4, _k5{extra_keys} FROM (SELECT _row, {ident} AS incident_id, "
            f"{ts_fast} AS occurred_at, {fast_xy}, {keys}, _long "
            f"FROM {raw} WHERE {fast_cond})"
        )
        body = f"{fast_branch} UNION ALL {full_branch}"
    else:
        body = full_branch
    addr_sel = ", a.code AS _ac" if has_addr else ", 0 AS _ac"
    addr_join = (" JOIN _vg_addr a ON p._a0 = a._a0 AND p._a1 = a._a1 AND p._a2 = a._a2 "
                 "AND p._a3 = a._a3" if has_addr else "")
    status_sel = ", s.forced AS _sf" if has_status else ", false AS _sf"
    status_join = " JOIN _vg_status s ON p._s0 = s._s0" if has_status else ""
    return (
        f"SELECT p._row, p.incident_id, p.occurred_at, p.lat, p.lon, p.reason, "
        f"t.code AS _tc, d.code AS _dc, hash(p.incident_id) AS _ih{addr_sel}{status_sel} "
        f"FROM (SELECT {out_cols} FROM ({body})) p "
        "JOIN _vg_types t ON p._k1 = t._k1 AND p._k2 = t._k2 AND p._k3 = t._k3 "
        f"JOIN _vg_dist d ON p._k4 = d._k4 AND p._k5 = d._k5{addr_join}{status_join}"
    )
