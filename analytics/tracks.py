"""GPS pings of patrol units: recognise, clean, account for every ping, map units to plans.

Peru already tracks its patrols (SIPCOP follows PNP cars, SIPCOP-M the
Serenazgo vehicles; municipalities use other AVL systems). Their exports are
tables of pings: a unit (code, plate or device id), a time, a position and
sometimes a speed. This module turns such a table into clean pings for the
patrol-dosage measure (:mod:`analytics.dosage`).

Reading (file -> raw text frame) lives in :mod:`analytics._track_readers`
(CSV/CSV.GZ, Excel, GPX, GeoJSON). Cleaning (:func:`clean_pings`) is
vectorised (DuckDB for text parsing, numpy for the rest; ~1 M pings in a few
seconds: ``bench/RESULTS.md``) and sorts every ping into exactly one outcome,
so ``pings_read == stored + duplicates + rejected`` always:

* **stored**: a clean ping (``unit, ts, lat, lon, speed_kmh, h3_r12``);
* **duplicate**: same unit and same timestamp as an earlier valid ping of the
  file (an exact repeat is the special case), or as a ping already stored
  (``existing=``); the first one in file order is kept;
* **rejected**, with a reason key (:data:`REASONS`): ``unidad_faltante``,
  ``hora_invalida``, ``coordenada_invalida``, ``salto_imposible`` and, for
  CSV lines that do not have the table's shape, ``fila_malformada``. A ping
  with several problems gets the first reason in that order.

Times
-----
Stored times are naive local wall time in ``tz`` (``America/Lima``), like
incidents and patrol plans. Text times may be day-first (``dd/mm/yyyy
HH:MM[:SS]``, the Peruvian default; month-first only when, in a sample spread
over the file, more dates have a second field above 12 than a first one), ISO
8601 (with ``T``, fractions, and an offset or ``Z``, converted to local time),
``a. m./p. m.``, or epoch seconds or milliseconds (UTC, converted); ``fecha``
and ``hora`` in two columns are joined. A date without a time of day, an
impossible date (31/02) or a year outside 2000–2099 is ``hora_invalida``.

Impossible jumps
----------------
Per unit, in time order, a ping more than :data:`JUMP_MIN_M` away from the
previous accepted ping at more than ``max_speed_kmh`` (200 km/h) is an
impossible jump. The blame must fall on the bad ping, not on everything after
it, so the track is cut at every such jump into internally consistent
segments, the longest segment is trusted first, and the others are accepted
outward from it, each tested against the nearest accepted ping (a segment
that fails is accepted from its first ping that is reachable, the rest is
``salto_imposible``). So one wild ping, even the first of the day, costs one
ping; a real long gap is not a jump because the time gap makes the speed
plausible.

Units and privacy
-----------------
A unit id is kept as exported (trimmed, upper-case, single spaces) in the
``unit`` column: it may be a plate, which is personal-ish operational data.
Plates appear only in the pings frame (the future ``tracks`` table) and in the
import summary returned to the person importing; this module never logs them
and never puts them in error messages. Tracks match plan units through
:func:`unit_key`: a track whose id equals a plan's unit label matches
directly; other ids (plates) go through a mapping table the user edits
(:func:`apply_unit_mapping`, :func:`suggest_unit_mapping`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import geo, hexbin, settings
from analytics._errors import TrackSchemaError
from analytics._track_readers import TRACK_SYNONYMS, read_track_file
from analytics._validate import normalize_header, strip_accents

#: Reject reason key -> Spanish explanation (shown to users).
REASONS: Final[Mapping[str, str]] = {
    "fila_malformada": "La fila no tiene la forma de la tabla (columnas de más o de menos).",
    "unidad_faltante": "Sin identificador de unidad (código, placa o dispositivo).",
    "hora_invalida": ("Fecha y hora ausente, ilegible o imposible (solo fecha sin hora, "
                      "31/02, año fuera de 2000–2099)."),
    "coordenada_invalida": ("Latitud o longitud ausente, no numérica, fuera de rango "
                            "o (0, 0)."),
    "salto_imposible": ("Salto imposible: la unidad tendría que haber ido a más de la "
                        "velocidad máxima desde su punto aceptado anterior."),
}
#: Speed above which a move between two pings is impossible for a patrol (km/h).
MAX_SPEED_KMH: Final = 200.0
#: Moves shorter than this are never jumps, whatever the speed (GPS noise between
#: pings a second apart), metres.
JUMP_MIN_M: Final = 100.0
#: Most pings one import may hold (a month of 300 units pinging every 30 s is ~26 M).
MAX_PINGS: Final = 30_000_000
#: Columns of the clean pings frame (the future ``tracks`` table without import metadata).
PING_COLUMNS: Final = ("unit", "ts", "lat", "lon", "speed_kmh", "h3_r12")

#: Rows sampled to tell day-first from month-first dates.
_SAMPLE_ROWS: Final = 100_000
_YEAR_MIN: Final = np.datetime64("2000-01-01", "ns")
_YEAR_MAX: Final = np.datetime64("2100-01-01", "ns")
_CODE: Final = {"unidad_faltante": 1, "hora_invalida": 2, "coordenada_invalida": 3,
                "salto_imposible": 4}
_CODE_NAME: Final = {v: k for k, v in _CODE.items()}

# Two-digit years first: DuckDB's %Y also reads "25" as the year 25.
_DMY: Final = ("%d/%m/%y %H:%M:%S", "%d/%m/%y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
               "%d/%m/%Y %H:%M:%S.%f", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M",
               "%d.%m.%Y %H:%M:%S", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p",
               "%d-%m-%Y %I:%M:%S %p")
_MDY: Final = ("%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
               "%m/%d/%Y %H:%M:%S.%f", "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M",
               "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p")
_YMD: Final = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f",
               "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S.%f")


# --------------------------------------------------------------------------- results
def _n(x: int) -> str:
    """Integer with Spanish thousands separators (``12.345``)."""
    return f"{x:,}".replace(",", ".")


@dataclass(frozen=True)
class TrackSummary:
    """What an import did with every ping. ``pings_read == stored + duplicates + rejected``.

    Attributes
    ----------
    pings_read, stored, duplicates, rejected
        Counts of pings (CSV lines counted even when malformed).
    rejected_reasons
        Reason key -> count, only reasons that occurred (keys in :data:`REASONS`).
    units
        One record per unit with stored pings, sorted by unit:
        ``{"unit": str, "pings": int, "first": ISO str, "last": ISO str}``. The
        ids are as exported (may be plates): for the person importing, to build
        the unit mapping; never write them to logs.
    """

    pings_read: int
    stored: int
    duplicates: int
    rejected: int
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    units: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict with exactly these six keys."""
        return {"pings_read": self.pings_read, "stored": self.stored,
                "duplicates": self.duplicates, "rejected": self.rejected,
                "rejected_reasons": dict(self.rejected_reasons),
                "units": [dict(u) for u in self.units]}

    def message(self) -> str:
        """One Spanish line for the CLI and the app (no unit ids)."""
        why = ", ".join(f"{k} {_n(v)}" for k, v in self.rejected_reasons.items())
        return (f"{_n(self.pings_read)} puntos GPS leídos: {_n(self.stored)} guardados, "
                f"{_n(self.duplicates)} repetidos, {_n(self.rejected)} rechazados"
                + (f" ({why})" if why else "") + f"; {len(self.units)} unidades.")


@dataclass(frozen=True)
class TrackImport:
    """Result of :func:`clean_pings`.

    Attributes
    ----------
    pings
        Stored pings, :data:`PING_COLUMNS`, sorted by unit then time: ``unit``
        (str), ``ts`` (naive local ``datetime64[ns]``), ``lat``/``lon``
        (float64), ``speed_kmh`` (float64, NaN when the file has none),
        ``h3_r12`` (uint64).
    rejected
        One row per rejected ping of the raw frame: ``row`` (0-based position
        in the raw frame) and ``reason``. Malformed CSV lines are not in the raw
        frame: they are only counted.
    summary
        Counts (:class:`TrackSummary`).
    columns
        Field -> header actually used (``unit``, ``datetime`` or ``date`` +
        ``time``, ``lat``, ``lon``, ``speed``).
    source_kind
        ``csv``, ``excel``, ``gpx``, ``geojson`` or ``frame``.
    """

    pings: pd.DataFrame
    rejected: pd.DataFrame
    summary: TrackSummary
    columns: dict[str, str]
    source_kind: str = "frame"


# --------------------------------------------------------------------------- columns
def track_columns(headers: Iterable[Any], *, mapping: Mapping[str, str] | None = None,
                  unit_given: bool = False) -> dict[str, str]:
    """Recognise the track fields among ``headers`` (Spanish or English, any case/accents).

    Parameters
    ----------
    headers
        Column names of a raw frame.
    mapping
        Explicit field -> header choices (fields ``unit``, ``datetime``,
        ``date``, ``time``, ``lat``, ``lon``, ``speed``); they win over the
        recognition.
    unit_given
        A unit for the whole file is supplied by the caller (no unit column needed).

    Returns
    -------
    dict
        Field -> header. The time is ``datetime`` (one column), or ``date`` +
        ``time``, or ``date`` alone (when it holds the time too).

    Raises
    ------
    TrackSchemaError
        Listing every missing field, or a mapped header that does not exist.
    """
    hs = [str(h) for h in headers]
    by_key: dict[str, str] = {}
    for h in hs:
        by_key.setdefault(normalize_header(h), h)
    problems: list[str] = []
    out = _mapped_track_columns(mapping or {}, hs, by_key, problems)
    for fld, syns in TRACK_SYNONYMS.items():
        if fld in out:
            continue
        hit = next((by_key[s] for s in syns if s in by_key), None)
        if hit is not None and hit not in out.values():
            out[fld] = hit
    if "datetime" in out:
        out.pop("date", None)
        out.pop("time", None)
    elif "date" not in out and "time" in out:
        out["datetime"] = out.pop("time")
    missing = _missing_track_fields(out, unit_given=unit_given)
    if missing:
        problems.append("faltan columnas: " + "; ".join(missing))
    if problems:
        raise TrackSchemaError("No se reconocen los datos GPS: " + "; ".join(problems) + ".")
    return out


def _mapped_track_columns(mapping: Mapping[str, str], hs: list[str], by_key: Mapping[str, str],
                          problems: list[str]) -> dict[str, str]:
    """Field -> header for the explicit choices (exact header first, then normalised)."""
    out: dict[str, str] = {}
    for fld, col in mapping.items():
        if fld not in TRACK_SYNONYMS:
            problems.append(f"campo desconocido '{fld}'")
        elif col in hs:
            out[fld] = col
        elif normalize_header(col) in by_key:
            out[fld] = by_key[normalize_header(col)]
        else:
            problems.append(f"la columna '{col}' no está en el archivo")
    return out


def _missing_track_fields(out: Mapping[str, str], *, unit_given: bool) -> list[str]:
    """The required track fields (unit, time, latitude, longitude) not found, in Spanish."""
    missing = []
    if "unit" not in out and not unit_given:
        missing.append("unidad (unidad, placa, vehículo, device_id…)")
    if "datetime" not in out and "date" not in out:
        missing.append("fecha y hora (fecha_hora, timestamp o fecha + hora)")
    if "lat" not in out:
        missing.append("latitud")
    if "lon" not in out:
        missing.append("longitud")
    return missing


# --------------------------------------------------------------------------- parsing
def _sql_list(values: Iterable[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _texts(series: pd.Series) -> pa.Array:
    """Convert a raw column to an Arrow string array (objects through ``str``)."""
    if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
        return pa.array(series, type=pa.string(), from_pandas=True)
    vals = [None if v is None or (isinstance(v, float) and math.isnan(v)) else
            (repr(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
            for v in series.tolist()]
    return pa.array(vals, type=pa.string())


def _local_naive(values: pd.Series | pd.DatetimeIndex, tz: str) -> np.ndarray:
    """Aware or UTC times -> naive local wall time in ``tz`` (``datetime64[ns]``)."""
    idx = pd.DatetimeIndex(values)
    if idx.tz is None:
        idx = idx.tz_localize("UTC")
    return np.asarray(idx.tz_convert(tz).tz_localize(None).as_unit("ns").to_numpy(),
                      dtype="datetime64[ns]")


def _sample(text: pa.Array, n: int) -> pa.Array:
    """At most ``n`` values spread evenly over the column."""
    if len(text) <= n:
        return text
    return text.take(pa.array(np.linspace(0, len(text) - 1, n).astype(np.int64)))


def _formats(con: duckdb.DuckDBPyConnection, text: pa.Array) -> tuple[tuple[str, ...], str | None]:
    """Candidate formats in order (day- or month-first) and the best single format.

    Slash/dash dates are day-first unless, in a sample spread over the file,
    more rows have a second field above 12 than a first field above 12. The
    best single format is the one reading most of a small sample (it is tried
    on every row first; the others only on the rows it cannot read).
    """
    con.register("_vg_s", pa.table({"s": _sample(text, _SAMPLE_ROWS)}))
    try:
        d, m = con.execute(
            "SELECT count(*) FILTER (WHERE TRY_CAST(regexp_extract(s, '^\\s*(\\d{1,2})[/.-]', 1)"
            " AS INT) > 12), count(*) FILTER (WHERE TRY_CAST(regexp_extract(s, "
            "'^\\s*\\d{1,2}[/.-](\\d{1,2})[/.-]', 1) AS INT) > 12) FROM _vg_s").fetchall()[0]
        fmts = (_MDY if int(m) > int(d) else _DMY) + _YMD
        con.register("_vg_s2", pa.table({"s": _sample(text, 2000)}))
        counts = con.execute("SELECT " + ", ".join(
            "count(try_strptime(s, '" + f + "'))" for f in fmts) + " FROM _vg_s2").fetchall()[0]
    finally:
        con.unregister("_vg_s")
        con.unregister("_vg_s2")
    best = int(np.argmax(counts))
    return fmts, (fmts[best] if int(counts[best]) > 0 else None)


#: Seconds with more than 6 decimals (pandas writes nanoseconds: ``06:00:12.345678901``).
_LONG_FRACTION: Final = "(:\\d{2}[.,]\\d{6})\\d+"


def _cut_fractions(con: duckdb.DuckDBPyConnection, text: pa.Array) -> pa.Array:
    """Drop second decimals beyond the sixth (microseconds) when a sample has them."""
    con.register("_vg_fs", pa.table({"s": _sample(text, 2000)}))
    try:
        n = con.execute(f"SELECT count(*) FILTER (WHERE regexp_matches(s, '{_LONG_FRACTION}')) "
                        "FROM _vg_fs").fetchall()[0][0]
    finally:
        con.unregister("_vg_fs")
    if not n:
        return text
    con.register("_vg_fc", pa.table({"s": text}))
    try:
        out = con.sql(f"SELECT regexp_replace(s, '{_LONG_FRACTION}', '\\1') FROM _vg_fc"
                      ).to_arrow_table().column(0)
    finally:
        con.unregister("_vg_fc")
    return out.combine_chunks()


def _times_from_text(con: duckdb.DuckDBPyConnection, text: pa.Array, tz: str) -> np.ndarray:
    """Parse text times (see the module notes) into naive local ``datetime64[ns]`` (NaT = bad)."""
    text = _cut_fractions(con, text)
    fmts, best = _formats(con, text)
    if best is None:
        return _times_slow(con, text, fmts, tz)
    con.register("_vg_t", pa.table({"s": text}))
    try:
        t = con.sql(f"SELECT try_strptime(s, '{best}') AS t FROM _vg_t").to_arrow_table()
    finally:
        con.unregister("_vg_t")
    out = np.asarray(t.column(0).to_numpy(zero_copy_only=False), dtype="datetime64[ns]")
    todo = np.isnat(out) & ~np.asarray(text.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if todo.any():
        out[todo] = _times_slow(con, text.filter(pa.array(todo)), fmts, tz)
    return out


def _times_slow(con: duckdb.DuckDBPyConnection, text: pa.Array, fmts: tuple[str, ...],
                tz: str) -> np.ndarray:
    """Normalise (spaces, ``T``, a. m./p. m.) and try every format, epochs and offsets."""
    con.register("_vg_t", pa.table({"s": text}))
    norm = ("regexp_replace(regexp_replace(regexp_replace(upper(trim(regexp_replace(s, '\\s+', "
            "' ', 'g'))), '^(\\d{4}-\\d{1,2}-\\d{1,2})T', '\\1 '), "
            "'\\s*([AP])\\.?\\s?M\\.?$', ' \\1M'), '" + _LONG_FRACTION + "', '\\1')")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _vg_tn AS SELECT {norm} AS s FROM _vg_t")
        res = con.sql(
            f"SELECT try_strptime(s, {_sql_list(fmts)}) AS t, "
            "regexp_full_match(s, '\\d{9,13}(\\.\\d+)?') AS ep, "
            "regexp_full_match(s, '\\d{4}-\\d{1,2}-\\d{1,2} \\d.*(Z|[+-]\\d{2}:?\\d{2})') AS tz "
            "FROM _vg_tn").to_arrow_table()
        s = con.sql("SELECT s FROM _vg_tn").to_arrow_table().column(0)
    finally:
        con.unregister("_vg_t")
        con.execute("DROP TABLE IF EXISTS _vg_tn")
    out = res.column("t").to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    ep = res.column("ep").to_numpy(zero_copy_only=False)
    ep = np.asarray(ep, dtype=object) == True  # noqa: E712 - nulls are not epochs
    aware = np.asarray(res.column("tz").to_numpy(zero_copy_only=False), dtype=object) == True  # noqa: E712
    if ep.any():
        v = pd.to_numeric(pd.Series(s.filter(pa.array(ep)).to_pylist()), errors="coerce")
        v = v.where(v < 1e11, v / 1000.0)  # 13 digits: milliseconds
        ok = (v >= 9.4e8) & (v < 4.1e9)  # 2000-ish to 2099
        utc = pd.to_datetime(v.where(ok), unit="s", utc=True)
        out[ep] = _local_naive(utc, tz)
    if aware.any():
        txt = pd.Series(s.filter(pa.array(aware)).to_pylist())
        parsed = pd.to_datetime(txt, format="ISO8601", utc=True, errors="coerce")
        out[aware] = _local_naive(parsed, tz)
    return np.asarray(out, dtype="datetime64[ns]")


def _times(con: duckdb.DuckDBPyConnection, raw: pd.DataFrame, cols: Mapping[str, str],
           tz: str) -> np.ndarray:
    if "datetime" in cols:
        col = raw[cols["datetime"]]
        if pd.api.types.is_datetime64_any_dtype(col):
            if getattr(col.dt, "tz", None) is not None:
                return _local_naive(col, tz)
            return np.asarray(col.to_numpy(), dtype="datetime64[ns]")
        if pd.api.types.is_numeric_dtype(col):
            col = col.astype("float64")
        return _times_from_text(con, _texts(col), tz)
    d = _texts(raw[cols["date"]])
    if "time" not in cols:
        return _times_from_text(con, d, tz)
    t = _texts(raw[cols["time"]])
    con.register("_vg_dt", pa.table({"d": d, "t": t}))
    try:
        joined = con.sql(
            "SELECT CASE WHEN d IS NULL OR t IS NULL THEN NULL ELSE "
            "regexp_replace(trim(d), '^(\\d{4}-\\d{1,2}-\\d{1,2})[ T]00:00(:00)?$', '\\1') "
            "|| ' ' || trim(t) END FROM _vg_dt").to_arrow_table().column(0)
    finally:
        con.unregister("_vg_dt")
    return _times_from_text(con, joined.combine_chunks(), tz)


def _floats(con: duckdb.DuckDBPyConnection, raw: pd.DataFrame, names: Mapping[str, str]
            ) -> dict[str, np.ndarray]:
    """Numeric columns (decimal commas accepted); NaN where not a number."""
    out: dict[str, np.ndarray] = {}
    text: dict[str, pa.Array] = {}
    for key, col in names.items():
        s = raw[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[key] = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            text[key] = _texts(s)
    if text:
        con.register("_vg_f", pa.table(text))
        try:
            sel = ", ".join(f"TRY_CAST(replace(trim({k}), ',', '.') AS DOUBLE) AS {k}"
                            for k in text)
            res = con.sql(f"SELECT {sel} FROM _vg_f").to_arrow_table()
        finally:
            con.unregister("_vg_f")
        for k in text:
            out[k] = res.column(k).to_numpy(zero_copy_only=False).astype(np.float64)
    return out


# --------------------------------------------------------------------------- units
def unit_key(values: Iterable[Any] | pd.Series | np.ndarray) -> np.ndarray:
    """Compute the matching key of unit ids: letters and digits, numbers without zeros.

    ``"EUA-123"``, ``"eua 123"`` -> ``"EUA123"``; ``"03"``, ``3``, ``3.0`` -> ``"3"``;
    missing -> ``""``. Computed once per distinct value.
    """
    arr = pd.Series(list(values) if not isinstance(values, (pd.Series, np.ndarray))
                    else values, dtype=object)
    codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    keys = np.empty(len(uniq) + 1, dtype=object)
    for i, v in enumerate(uniq):
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        k = re.sub(r"[^0-9A-Z]", "", strip_accents(str(v)).upper())
        keys[i] = str(int(k)) if k.isdigit() else k
    keys[-1] = ""
    return np.asarray(keys[codes], dtype=object)


def _mapping_pairs(mapping: Mapping[Any, Any] | pd.DataFrame) -> dict[str, str]:
    if isinstance(mapping, pd.DataFrame):
        cols = {normalize_header(c): c for c in mapping.columns}
        a = next((cols[c] for c in ("alias", "placa", "device", "dispositivo", "plate")
                  if c in cols), mapping.columns[0] if len(mapping.columns) >= 2 else None)
        u = next((cols[c] for c in ("unit", "unidad") if c in cols),
                 mapping.columns[1] if len(mapping.columns) >= 2 else None)
        if a is None or u is None or a == u:
            raise TrackSchemaError("La tabla de equivalencias necesita las columnas "
                                   "'alias' (placa o dispositivo) y 'unit' (unidad del plan).")
        m = mapping[[a, u]].dropna()
        aliases, units = m[a].tolist(), m[u].tolist()
    else:
        aliases, units = list(mapping.keys()), list(mapping.values())
    keys = unit_key(aliases)
    targets = [str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer()
               else str(v).strip() for v in units]
    out: dict[str, str] = {}
    conflicts = 0
    for k, t in zip(keys, targets, strict=True):
        if not k or not t:
            continue
        if k in out and out[k] != t:
            conflicts += 1
        out[k] = t
    if conflicts:
        raise TrackSchemaError(f"La tabla de equivalencias asigna {conflicts} placa(s) o "
                               "dispositivo(s) a más de una unidad; corríjala.")
    return out


def apply_unit_mapping(pings: pd.DataFrame,
                       mapping: Mapping[Any, Any] | pd.DataFrame) -> pd.DataFrame:
    """Replace device ids (plates…) by plan unit labels where the mapping says so.

    Parameters
    ----------
    pings
        Frame with a ``unit`` column.
    mapping
        ``{alias: unit}`` or a frame with ``alias`` (or ``placa``) and ``unit``
        (or ``unidad``) columns: the ``unit_aliases`` table. Aliases match
        through :func:`unit_key` (``"eua 123"`` matches ``"EUA-123"``).

    Returns
    -------
    pandas.DataFrame
        A copy; mapped ``unit`` values are the plan labels (text), the others
        are unchanged (an id equal to a plan label needs no mapping). Several
        devices may map to one unit (car and handheld): their pings merge.
    """
    if "unit" not in pings.columns:
        raise TrackSchemaError("A los puntos GPS les falta la columna 'unit'.")
    pairs = _mapping_pairs(mapping)
    out = pings.copy()
    if not pairs or out.empty:
        return out
    keys = unit_key(out["unit"])
    new = pd.Series(keys, index=out.index, dtype=object).map(pairs)
    out["unit"] = new.where(new.notna(), out["unit"].astype(object)).astype(str)
    return out


def suggest_unit_mapping(pings: pd.DataFrame, plan: Any, *, min_share: float = 0.2,
                         window_hours: float | None = None) -> pd.DataFrame:
    """Suggest which plan unit each unmatched device is, for the user to confirm.

    Devices whose id already equals a plan unit label are left out (a unit
    may still get a second device: car and handheld). For the others, two
    kinds of evidence, in this order:

    * ``recorrido``: the share of the device's pings inside the plan windows
      that fall in each plan unit's hotspot cells (same window); devices and
      units are paired one-to-one to maximise the total share (Hungarian
      assignment) and a pair is suggested when its share is at least
      ``min_share``;
    * ``numero``: the id ends in a number equal to a still-free plan label
      (``MOVIL-07`` -> unit 7), when exactly one device claims it.

    Parameters
    ----------
    pings
        Stored pings (``unit``, ``ts``, ``lat``/``lon`` or ``h3_r12``).
    plan
        A plan frame (or :class:`analytics.patrol.PatrolPlan`) as taken by
        :func:`analytics.dosage.hotspot_dosage`.
    min_share
        Least route share for a ``recorrido`` suggestion.
    window_hours
        Window length when the plan has no ``window_end``.

    Returns
    -------
    pandas.DataFrame
        One row per unmatched device: ``alias`` (the id), ``unit`` (suggested
        label, ``None`` when there is no evidence), ``basis`` (``recorrido``,
        ``numero`` or ``""``) and ``share`` (route share, NaN for ``numero``).
    """
    from scipy.optimize import linear_sum_assignment

    from analytics import dosage, plan_stops

    p = plan_stops.plan_frame(plan, window_hours=window_hours)
    labels = {k: str(u) for k, u in zip(p["unit_key"], p["unit"], strict=True)}
    cols = ["alias", "unit", "basis", "share"]
    if pings.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    devices = pd.unique(pings["unit"].astype(str))
    dkeys = unit_key(devices)
    todo = [d for d, k in zip(devices, dkeys, strict=True) if k not in labels]
    if not todo:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    sub = pings[pings["unit"].astype(str).isin(todo)]
    r12 = dosage.ping_cells(sub)
    ts = sub["ts"].to_numpy(dtype="datetime64[ns]")
    free = sorted(labels)
    score = np.zeros((len(todo), len(free)))
    dev_idx = {d: i for i, d in enumerate(todo)}
    unit_idx = {k: j for j, k in enumerate(free)}
    di = np.array([dev_idx[d] for d in sub["unit"].astype(str)], dtype=np.int64)
    in_window = np.zeros(len(sub), dtype=bool)
    for (ws, we, res), grp in p.groupby(["ws", "we", "res"], sort=False):
        inside = (ts >= np.datetime64(ws)) & (ts < np.datetime64(we))
        in_window |= inside
        cell = hexbin.cells_to_parent(r12, resolution=int(res))
        for k, g in grp.groupby("unit_key", sort=False):
            if k not in unit_idx:
                continue
            hit = inside & np.isin(cell, g["cell"].to_numpy(dtype=np.uint64))
            np.add.at(score[:, unit_idx[k]], di[hit], 1.0)
    total = np.bincount(di[in_window], minlength=len(todo)).astype(np.float64)
    share = np.divide(score, total[:, None], out=np.zeros_like(score), where=total[:, None] > 0)
    unit_of: dict[str, tuple[str, str, float]] = {}
    if free:
        rows, cols_ = linear_sum_assignment(-share)
        for r, c in zip(rows, cols_, strict=True):
            if share[r, c] >= min_share:
                unit_of[todo[r]] = (labels[free[c]], "recorrido", float(share[r, c]))
    taken = {unit_key([u])[0] for u, _, _ in unit_of.values()}
    claims: dict[str, list[str]] = {}
    for d in todo:
        if d in unit_of:
            continue
        m = re.search(r"(\d+)\D*$", d)
        if m and str(int(m.group(1))) in labels and str(int(m.group(1))) not in taken:
            claims.setdefault(str(int(m.group(1))), []).append(d)
    for k, ds in claims.items():
        if len(ds) == 1:
            unit_of[ds[0]] = (labels[k], "numero", math.nan)
    devs = sorted(todo)
    return pd.DataFrame({
        "alias": pd.Series(devs, dtype=object),
        "unit": pd.Series([unit_of[d][0] if d in unit_of else None for d in devs], dtype=object),
        "basis": pd.Series([unit_of[d][1] if d in unit_of else "" for d in devs], dtype=object),
        "share": pd.Series([unit_of[d][2] if d in unit_of else math.nan for d in devs],
                           dtype=np.float64)})


# --------------------------------------------------------------------------- cleaning
def _plausible(d_m: np.ndarray, dt_s: np.ndarray, max_kmh: float) -> np.ndarray:
    """Flag the moves that are not impossible jumps."""
    fast = d_m * 3.6 > max_kmh * np.maximum(np.abs(dt_s), 1e-9)
    out: np.ndarray = ~((d_m > JUMP_MIN_M) & fast)
    return out


def _jump_rejects(code: np.ndarray, t: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                  max_kmh: float) -> np.ndarray:
    """Mask of pings rejected as impossible jumps; inputs sorted by (unit code, time).

    See "Impossible jumps" in the module notes. Only units with at least one
    jump between consecutive pings reach the Python loop, and it walks
    segments, not pings.
    """
    n = code.size
    bad = np.zeros(n, dtype=bool)
    if n < 2:
        return bad
    same = code[1:] == code[:-1]
    d = geo.haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    jump = same & ~_plausible(d, t[1:] - t[:-1], max_kmh)
    if not jump.any():
        return bad
    starts = np.r_[0, np.flatnonzero(~same) + 1]
    ends = np.r_[starts[1:], n]
    unit_of_jump = np.searchsorted(starts, np.flatnonzero(jump), side="right") - 1

    def ok(i: np.ndarray | int, j: np.ndarray | int) -> np.ndarray:
        return _plausible(geo.haversine_m(lat[i], lon[i], lat[j], lon[j]), t[j] - t[i], max_kmh)

    for u in np.unique(unit_of_jump):
        lo, hi = int(starts[u]), int(ends[u])
        cuts = np.flatnonzero(jump[lo:hi - 1]) + lo + 1  # first ping of each later segment
        s0 = np.r_[lo, cuts]
        s1 = np.r_[cuts, hi]
        keep = np.zeros(hi - lo, dtype=bool)
        a = int(np.argmax(s1 - s0))
        keep[s0[a] - lo:s1[a] - lo] = True
        last = int(s1[a] - 1)
        for s in range(a + 1, s0.size):
            idx = np.arange(s0[s], s1[s])
            good = np.flatnonzero(ok(last, idx))
            if good.size:
                keep[idx[good[0]] - lo:s1[s] - lo] = True
                last = int(s1[s] - 1)
        first = int(s0[a])
        for s in range(a - 1, -1, -1):
            idx = np.arange(s0[s], s1[s])
            good = np.flatnonzero(ok(idx, first))
            if good.size:
                keep[s0[s] - lo:idx[good[-1]] - lo + 1] = True
                first = int(s0[s])
        bad[lo:hi] = ~keep
    return bad


def _clean_units(con: duckdb.DuckDBPyConnection, raw: pd.DataFrame, col: str | None,
                 unit: str | None) -> np.ndarray:
    n = len(raw)
    if col is None:
        label = re.sub(r"\s+", " ", str(unit or "").strip()).upper()
        return np.full(n, label if label else None, dtype=object)
    con.register("_vg_u", pa.table({"u": _texts(raw[col])}))
    try:
        res = con.sql("SELECT nullif(upper(trim(regexp_replace(u, '\\s+', ' ', 'g'))), '') "
                      "FROM _vg_u").to_arrow_table().column(0)
    finally:
        con.unregister("_vg_u")
    return np.asarray(res.to_numpy(zero_copy_only=False), dtype=object)


def clean_pings(raw: pd.DataFrame, *, mapping: Mapping[str, str] | None = None,
                unit: str | None = None, existing: pd.DataFrame | None = None,
                max_speed_kmh: float = MAX_SPEED_KMH,
                tz: str = settings.TIMEZONE) -> TrackImport:
    """Clean raw pings: parse, validate, de-duplicate, drop impossible jumps, index in H3.

    Parameters
    ----------
    raw
        A raw frame from :mod:`analytics._track_readers` (text columns), or any
        frame with recognisable columns (typed columns are used as they are;
        naive datetimes are taken as local time).
    mapping
        Field -> header overrides (see :func:`track_columns`).
    unit
        Unit id for every ping, overriding any unit column (one car's GPX or a
        file without a unit column).
    existing
        Pings already stored (``unit``, ``ts``): the same unit and time again
        counts as a duplicate.
    max_speed_kmh
        Speed above which a move is an impossible jump.
    tz
        Zone of the local wall time stored in ``ts``.

    Returns
    -------
    TrackImport

    Raises
    ------
    TrackSchemaError
        Unrecognised columns or too many pings (one Spanish message).
    """
    if not isinstance(raw, pd.DataFrame):
        raise TrackSchemaError("Se esperaba una tabla de puntos GPS.")
    if not (max_speed_kmh > 0):
        raise TrackSchemaError("La velocidad máxima debe ser mayor que 0 km/h.")
    malformed = int(raw.attrs.get("malformed_rows", 0) or 0)
    kind = str(raw.attrs.get("source_kind", "frame"))
    n = len(raw)
    if n + malformed > MAX_PINGS:
        raise TrackSchemaError(f"Demasiados puntos GPS en una importación ({_n(n)}; máximo "
                               f"{_n(MAX_PINGS)}): divida el archivo por día o por unidad.")
    cols = track_columns(raw.columns, mapping=mapping, unit_given=unit is not None)
    if unit is not None:
        cols.pop("unit", None)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        units = _clean_units(con, raw, cols.get("unit"), unit)
        ts = _times(con, raw, cols, tz)
        nums = _floats(con, raw, {k: cols[k] for k in ("lat", "lon", "speed") if k in cols})
    finally:
        con.close()
    lat, lon = nums["lat"], nums["lon"]
    speed = nums.get("speed", np.full(n, np.nan))

    reason = np.zeros(n, dtype=np.int8)
    codes, uniq = pd.factorize(pd.Series(units, dtype=object), sort=True, use_na_sentinel=True)
    reason[codes < 0] = _CODE["unidad_faltante"]
    bad_t = np.isnat(ts) | (ts < _YEAR_MIN) | (ts >= _YEAR_MAX)
    reason[(reason == 0) & bad_t] = _CODE["hora_invalida"]
    with np.errstate(invalid="ignore"):
        bad_c = (~np.isfinite(lat) | ~np.isfinite(lon) | (np.abs(lat) > 90)
                 | (np.abs(lon) > 180) | ((lat == 0) & (lon == 0)))
    reason[(reason == 0) & bad_c] = _CODE["coordenada_invalida"]

    valid = np.flatnonzero(reason == 0)
    t_ns = ts.view(np.int64)
    order = valid[np.lexsort((valid, t_ns[valid], codes[valid]))]
    c_s, t_s = codes[order], t_ns[order]
    dup_sorted = np.r_[False, (c_s[1:] == c_s[:-1]) & (t_s[1:] == t_s[:-1])] if c_s.size \
        else np.zeros(0, dtype=bool)
    if existing is not None and len(existing) and dup_sorted.size:
        dup_sorted |= _in_existing(np.asarray(uniq, dtype=object)[c_s], t_s, existing)
    duplicate = np.zeros(n, dtype=bool)
    duplicate[order[dup_sorted]] = True
    order = order[~dup_sorted]
    jumped = _jump_rejects(codes[order], t_ns[order] / 1e9, lat[order], lon[order],
                           float(max_speed_kmh))
    reason[order[jumped]] = _CODE["salto_imposible"]
    order = order[~jumped]

    pings = pd.DataFrame({
        "unit": pd.Series(np.asarray(uniq, dtype=object)[codes[order]], dtype=str),
        "ts": ts[order], "lat": lat[order], "lon": lon[order], "speed_kmh": speed[order],
        "h3_r12": hexbin.points_to_cells(lat[order], lon[order],
                                         resolution=settings.H3_STORE_RESOLUTION),
    })
    rej = np.flatnonzero(reason > 0)
    rejected = pd.DataFrame({"row": rej.astype(np.int64),
                             "reason": pd.Series([_CODE_NAME[int(c)] for c in reason[rej]]
                                                 if rej.size else [], dtype=str)})
    rc, rn = np.unique(reason[rej], return_counts=True)
    reasons = {_CODE_NAME[int(c)]: int(k) for c, k in zip(rc, rn, strict=True)}
    if malformed:
        reasons = {"fila_malformada": malformed, **reasons}
    summary = TrackSummary(
        pings_read=n + malformed, stored=len(pings), duplicates=int(duplicate.sum()),
        rejected=int(rej.size) + malformed, rejected_reasons=reasons, units=_unit_records(pings))
    assert summary.pings_read == summary.stored + summary.duplicates + summary.rejected
    return TrackImport(pings=pings, rejected=rejected, summary=summary, columns=dict(cols),
                       source_kind=kind)


def _in_existing(units: np.ndarray, t_ns: np.ndarray, existing: pd.DataFrame) -> np.ndarray:
    missing = [c for c in ("unit", "ts") if c not in existing.columns]
    if missing:
        raise TrackSchemaError("A los puntos ya guardados les faltan columnas: "
                               + ", ".join(missing) + ".")
    ex = pd.MultiIndex.from_arrays([existing["unit"].astype(str).to_numpy(),
                                    existing["ts"].to_numpy(dtype="datetime64[ns]")
                                    .view(np.int64)])
    new = pd.MultiIndex.from_arrays([units.astype(str), t_ns])
    return np.asarray(new.isin(ex), dtype=bool)


def _unit_records(pings: pd.DataFrame) -> list[dict[str, Any]]:
    if pings.empty:
        return []
    g = pings.groupby("unit", sort=True)["ts"].agg(["size", "min", "max"])
    return [{"unit": str(u), "pings": int(r["size"]), "first": pd.Timestamp(r["min"]).isoformat(),
             "last": pd.Timestamp(r["max"]).isoformat()} for u, r in g.iterrows()]


def pings_from_file(path: str | Path, *, mapping: Mapping[str, str] | None = None,
                    unit: str | None = None, existing: pd.DataFrame | None = None,
                    max_speed_kmh: float = MAX_SPEED_KMH,
                    tz: str = settings.TIMEZONE) -> TrackImport:
    """Read a GPS export (CSV, XLSX, GPX, GeoJSON) and clean it: :func:`clean_pings` of the file.

    The body of a future ``python -m analytics tracks import FILE``: read,
    clean, then the store appends ``pings`` to the ``tracks`` table.
    """
    raw = read_track_file(path)
    return clean_pings(raw, mapping=mapping, unit=unit, existing=existing,
                       max_speed_kmh=max_speed_kmh, tz=tz)
