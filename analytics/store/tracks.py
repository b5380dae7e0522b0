"""GPS tracks of patrol units in the store: ``tracks``, ``track_imports``, ``unit_aliases``.

``tracks`` holds the clean pings of :func:`analytics.tracks.clean_pings`, one
row per (unit, time), with the import that brought them. ``unit`` is the id as
exported (it may be a plate): it never leaves this table, except in the
import summary shown to the person importing and in the alias table they edit.
``track_imports`` records every import (who, when, file name, hash, counts,
reasons; no unit ids). ``unit_aliases`` maps device ids (plates, GPS device
codes) to plan unit labels, by :func:`analytics.tracks.unit_key`.

Uniqueness of (unit, ts)
------------------------
No two rows share a unit and a time. The import guarantees it: inside the
write transaction (the store's lock makes it the only writer) the new pings
are anti-joined against the stored ones and the matches counted as
duplicates. A DuckDB ``UNIQUE`` index would say the same, but it made
deleting a month of pings (the retention purge) 600 times slower (37 s
against 0.06 s for 1 M rows) and the file three times bigger.

Retention
---------
Pings older than ``settings.TRACK_RETENTION_DAYS`` days are purged. The
purge that runs with every import counts the days back from the newest ping
the store then holds (never later than now): importing an old month for an
evaluation does not delete it on arrival, while a live system, whose newest
ping is minutes old, keeps exactly the last 180 days. Pings of an import
that are already past that limit are rejected as ``fuera_de_plazo``. The
explicit ``python -m analytics tracks purge`` counts back from now
(:func:`purge_tracks` with ``now=None``).

Times are local wall time (``settings.TIMEZONE``), like incidents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from analytics import settings
from analytics._errors import StoreError, TrackSchemaError
from analytics._text import clip_name, clip_text

if TYPE_CHECKING:
    from analytics.tracks import TrackImport, TrackSummary

#: DDL of the three tables (store migration 5).
TRACK_TABLES: Final = (
    "CREATE TABLE IF NOT EXISTS track_imports (track_import_id INTEGER PRIMARY KEY, "
    "imported_at TIMESTAMP NOT NULL, username VARCHAR, file_name VARCHAR, "
    "file_sha256 VARCHAR, source VARCHAR, pings_read BIGINT, stored BIGINT, "
    "duplicates BIGINT, rejected BIGINT, reasons VARCHAR, units INTEGER, "
    "first_ts TIMESTAMP, last_ts TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS tracks (track_import_id INTEGER NOT NULL, "
    "unit VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, lat DOUBLE NOT NULL, lon DOUBLE NOT NULL, "
    "speed_kmh DOUBLE, h3_r12 UBIGINT NOT NULL, source VARCHAR)",
    "CREATE TABLE IF NOT EXISTS unit_aliases (alias_key VARCHAR PRIMARY KEY, "
    "unit VARCHAR NOT NULL, note VARCHAR, updated_at TIMESTAMP NOT NULL, updated_by VARCHAR)",
)
#: Columns :func:`load_pings` returns (those of ``analytics.tracks.PING_COLUMNS``).
PING_COLUMNS: Final = ("unit", "ts", "lat", "lon", "speed_kmh", "h3_r12")
#: Columns of :func:`list_aliases`.
ALIAS_COLUMNS: Final = ("alias", "unit", "note", "updated_at", "updated_by")
#: Reject reason of pings already past the retention limit when imported.
TOO_OLD: Final = "fuera_de_plazo"
#: Longest unit label or note stored in the alias table.
_MAX_LABEL: Final = 60
_MAX_NOTE: Final = 200


def _now() -> datetime:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_name = ?", [table]).fetchall()
    return bool(rows[0][0])


def _ts(value: Any) -> datetime:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(settings.TIMEZONE).tz_localize(None)
    out: datetime = ts.floor("us").to_pydatetime()  # the store keeps microseconds
    return out


# --------------------------------------------------------------------------- import
@dataclass(frozen=True)
class StoredTracks:
    """What :func:`store_pings` did: the new import's id and the final counts.

    ``summary`` is the cleaning summary with the pings already in the store
    moved from stored to duplicates (and too-old ones to rejected), so
    ``pings_read == stored + duplicates + rejected`` still holds.
    """

    track_import_id: int
    summary: TrackSummary
    purged: int = 0


def newest_ping(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """Time of the newest stored ping (``None`` when there is none)."""
    if not _has(con, "tracks"):
        return None
    v = con.execute("SELECT max(ts) FROM tracks").fetchall()[0][0]
    return None if v is None else pd.Timestamp(v).to_pydatetime()


def retention_cutoff(newest: Any, *, days: int = settings.TRACK_RETENTION_DAYS,
                     now: Any = None) -> datetime:
    """Oldest time kept by the purge at import: ``min(newest, now) - days``."""
    ref = _ts(now) if now is not None else _now()
    if newest is not None and not pd.isna(newest):
        ref = min(ref, _ts(newest))
    return ref - timedelta(days=int(days))


def _unit_records(pings: pd.DataFrame) -> list[dict[str, Any]]:
    if pings.empty:
        return []
    g = pings.groupby("unit", sort=True)["ts"].agg(["size", "min", "max"])
    return [{"unit": str(u), "pings": int(r["size"]), "first": pd.Timestamp(r["min"]).isoformat(),
             "last": pd.Timestamp(r["max"]).isoformat()} for u, r in g.iterrows()]


def scrub_name(file_name: str, units: Iterable[str]) -> str:
    """``file_name`` (capped) with any unit id of the import in it replaced by ``[unidad]``.

    A GPS export is often named after the vehicle (``recorrido_EZX-731.csv``);
    the plate must stay in ``tracks``. Ids match ignoring case and separators.
    """
    import re

    name = str(file_name)
    for u in sorted({str(x) for x in units if str(x).strip()}, key=len, reverse=True):
        parts = [re.escape(c) for c in re.sub(r"[^0-9A-Za-z]", "", u)]
        if len(parts) >= 3:
            name = re.sub(r"[^0-9A-Za-z]?".join(parts), "[unidad]", name, flags=re.I)
    return clip_name(name)


def store_pings(con: duckdb.DuckDBPyConnection, result: TrackImport, *, user: str | None,
                file_name: str, file_sha256: str, source: str | None = None,
                retention_days: int = settings.TRACK_RETENTION_DAYS, now: Any = None,
                audit: Callable[[StoredTracks], None] | None = None) -> StoredTracks:
    """Append cleaned pings to ``tracks`` in one transaction, with their ``track_imports`` row.

    Pings whose (unit, time) is already stored count as duplicates; pings
    older than the retention limit (module notes) as rejected
    (``fuera_de_plazo``); the purge of older stored pings runs first.

    Parameters
    ----------
    con
        Writable store connection.
    result
        :func:`analytics.tracks.clean_pings` (or ``pings_from_file``) output.
    user
        Who imports (user name or CLI actor); ``None``: demo mode.
    file_name, file_sha256
        The file (name capped; no unit ids are stored with it).
    source
        Label of the tracking system (``SIPCOP-M``…); default the file kind.
    retention_days, now
        Retention and the wall clock (tests).
    audit
        Called inside the transaction with the outcome (write the audit entry
        there: the pings and their audit line commit together).

    Returns
    -------
    StoredTracks
    """
    pings = result.pings
    s = result.summary
    src = clip_name(source or result.source_kind)
    con.execute("BEGIN TRANSACTION")
    try:
        newest = con.execute("SELECT max(ts) FROM tracks").fetchall()[0][0]
        if len(pings):
            newest = max(pd.Timestamp(newest), pings["ts"].max()) if newest is not None \
                else pings["ts"].max()
        cutoff = retention_cutoff(newest, days=retention_days, now=now)
        purged = int(con.execute("SELECT count(*) FROM tracks WHERE ts < ?",
                                 [cutoff]).fetchall()[0][0])
        if purged:
            con.execute("DELETE FROM tracks WHERE ts < ?", [cutoff])
        old = (pings["ts"] < pd.Timestamp(cutoff)).to_numpy() if len(pings) else \
            np.zeros(0, dtype=bool)
        fresh = pings.loc[~old].reset_index(drop=True)
        # the store keeps microseconds: two pings of a unit within one are one
        fresh["ts"] = fresh["ts"].dt.floor("us")
        dup = np.array(fresh.duplicated(["unit", "ts"]).to_numpy(), dtype=bool, copy=True)
        if len(fresh):
            con.register("_vg_new", pd.DataFrame({"r": np.arange(len(fresh), dtype=np.int64),
                                                  "unit": fresh["unit"].astype(str),
                                                  "ts": fresh["ts"]}))
            hits = con.execute(
                "SELECT n.r FROM _vg_new n JOIN tracks t ON t.unit = n.unit AND t.ts = n.ts "
                "WHERE t.ts BETWEEN ? AND ?",
                [_ts(fresh["ts"].min()), _ts(fresh["ts"].max())]).fetchnumpy()["r"]
            con.unregister("_vg_new")
            dup[np.asarray(hits, dtype=np.int64)] = True
        keep = fresh.loc[~dup]
        iid = int(con.execute("SELECT coalesce(max(track_import_id), 0) + 1 FROM track_imports"
                              ).fetchall()[0][0])
        reasons = dict(s.rejected_reasons)
        if old.any():
            reasons[TOO_OLD] = int(old.sum())
        summary = replace(s, stored=len(keep), duplicates=s.duplicates + int(dup.sum()),
                          rejected=s.rejected + int(old.sum()), rejected_reasons=reasons,
                          units=_unit_records(keep))
        if summary.pings_read != summary.stored + summary.duplicates + summary.rejected:
            msg = "Cuenta de puntos GPS inconsistente; no se guardó nada."
            raise StoreError(msg)
        if len(keep):
            con.register("_vg_keep", keep[list(PING_COLUMNS)])
            con.execute("INSERT INTO tracks SELECT ?, unit, ts, lat, lon, speed_kmh, h3_r12, ? "
                        "FROM _vg_keep", [iid, src])
            con.unregister("_vg_keep")
        first = _ts(keep["ts"].min()) if len(keep) else None
        last = _ts(keep["ts"].max()) if len(keep) else None
        con.execute("INSERT INTO track_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [iid, _now(), clip_name(user) if user else "(sin usuario)",
                     scrub_name(file_name, pd.unique(pings["unit"].astype(str))),
                     str(file_sha256)[:64], src, summary.pings_read,
                     summary.stored, summary.duplicates, summary.rejected,
                     json.dumps(summary.rejected_reasons), len(summary.units), first, last])
        out = StoredTracks(track_import_id=iid, summary=summary, purged=purged)
        if audit is not None:
            audit(out)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return out


def audit_detail(out: StoredTracks) -> str:
    """The audit line of a track import: counts only (no unit ids, no file name)."""
    return (f"importación GPS {out.track_import_id}: {out.summary.message()}"
            + (f" Purgados por antigüedad: {out.purged}." if out.purged else ""))


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's content (read in blocks)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def purge_tracks(con: duckdb.DuckDBPyConnection, *,
                 older_than_days: int = settings.TRACK_RETENTION_DAYS,
                 now: Any = None) -> int:
    """Delete the pings older than ``older_than_days`` days before ``now``; return how many.

    ``now`` defaults to the wall clock (local time): the explicit purge of the
    CLI. The purge at import uses :func:`retention_cutoff` instead (module notes).
    """
    if int(older_than_days) < 0:
        msg = "Los días de conservación no pueden ser negativos."
        raise StoreError(msg)
    if not _has(con, "tracks"):
        return 0
    cutoff = (_ts(now) if now is not None else _now()) - timedelta(days=int(older_than_days))
    n = int(con.execute("SELECT count(*) FROM tracks WHERE ts < ?", [cutoff]).fetchall()[0][0])
    if n:
        con.execute("DELETE FROM tracks WHERE ts < ?", [cutoff])
    return n


# --------------------------------------------------------------------------- reads
def load_pings(con: duckdb.DuckDBPyConnection, *, start: Any = None, end: Any = None,
               units: Iterable[str] | None = None) -> pd.DataFrame:
    """Stored pings (:data:`PING_COLUMNS`), sorted by unit and time.

    ``start`` inclusive, ``end`` exclusive (local wall time); ``units``: exact
    stored ids (``None``: all).
    """
    empty = pd.DataFrame({"unit": pd.Series(dtype=str), "ts": pd.Series(dtype="datetime64[ns]"),
                          "lat": pd.Series(dtype=np.float64), "lon": pd.Series(dtype=np.float64),
                          "speed_kmh": pd.Series(dtype=np.float64),
                          "h3_r12": pd.Series(dtype=np.uint64)})
    if not _has(con, "tracks"):
        return empty
    where, params = _where(start, end)
    if units is not None:
        us = sorted({str(u) for u in units})
        if not us:
            return empty
        con.register("_vg_units", pd.DataFrame({"u": us}))
        where.append("unit IN (SELECT u FROM _vg_units)")
    sql = f"SELECT {', '.join(PING_COLUMNS)} FROM tracks"
    if where:
        sql += " WHERE " + " AND ".join(where)
    try:
        df = con.execute(sql + " ORDER BY unit, ts", params).df()
    finally:
        if units is not None:
            con.unregister("_vg_units")
    if df.empty:
        return empty
    df["unit"] = df["unit"].astype(str)
    df["ts"] = pd.to_datetime(df["ts"]).astype("datetime64[ns]")
    df["h3_r12"] = df["h3_r12"].to_numpy(dtype=np.uint64)
    return df


def _where(start: Any, end: Any) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if start is not None:
        where.append("ts >= ?")
        params.append(_ts(start))
    if end is not None:
        where.append("ts < ?")
        params.append(_ts(end))
    return where, params


def track_units(con: duckdb.DuckDBPyConnection, *, start: Any = None,
                end: Any = None) -> pd.DataFrame:
    """Stored device ids with their pings in ``[start, end)``: ``unit, pings, first, last``."""
    if not _has(con, "tracks"):
        return pd.DataFrame({"unit": pd.Series(dtype=str), "pings": pd.Series(dtype=np.int64),
                             "first": pd.Series(dtype="datetime64[ns]"),
                             "last": pd.Series(dtype="datetime64[ns]")})
    where, params = _where(start, end)
    sql = "SELECT unit, count(*) AS pings, min(ts) AS first, max(ts) AS last FROM tracks"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return con.execute(sql + " GROUP BY unit ORDER BY unit", params).df()


def track_imports(con: duckdb.DuckDBPyConnection, *, limit: int = 200) -> pd.DataFrame:
    """Track imports, newest first, ``reasons`` decoded (no unit ids in this table)."""
    if not _has(con, "track_imports"):
        return pd.DataFrame()
    df = con.execute("SELECT * FROM track_imports ORDER BY track_import_id DESC "
                     f"LIMIT {max(0, int(limit))}").df()
    df["reasons"] = [json.loads(v) if isinstance(v, str) else {} for v in df["reasons"]]
    return df


def patrol_version(con: duckdb.DuckDBPyConnection) -> str:
    """A short string that changes whenever plans, tracks or aliases change (cache key)."""
    parts: list[str] = []
    for table, expr in (("plans", "count(*), max(created_at)"),
                        ("track_imports", "count(*), max(track_import_id)"),
                        ("tracks", "count(*), max(ts)"),
                        ("unit_aliases", "count(*), max(updated_at)")):
        if _has(con, table):
            parts.extend(str(v) for v in con.execute(f"SELECT {expr} FROM {table}").fetchall()[0])
    return "|".join(parts)


# --------------------------------------------------------------------------- aliases
def _alias_key(alias: object) -> str:
    from analytics.tracks import unit_key

    return str(unit_key([alias])[0])


def list_aliases(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The alias table (:data:`ALIAS_COLUMNS`), by alias; ``alias`` is the matching key."""
    if not _has(con, "unit_aliases"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ALIAS_COLUMNS})
    return con.execute("SELECT alias_key AS alias, unit, note, updated_at, updated_by "
                       "FROM unit_aliases ORDER BY alias_key").df()


def set_alias(con: duckdb.DuckDBPyConnection, alias: str, unit: str, *,
              note: str | None = None, user: str | None = None) -> str:
    """Map a device id (plate, GPS code) to a plan unit label; return the alias key.

    The key is :func:`analytics.tracks.unit_key` of ``alias`` (``"eua 123"`` and
    ``"EUA-123"`` are one alias); setting it again replaces the unit.

    Raises
    ------
    TrackSchemaError
        Empty alias or unit.
    """
    key = _alias_key(alias)
    label = clip_text(str(unit).strip(), _MAX_LABEL)
    problems = []
    if not key:
        problems.append("el identificador (placa o dispositivo) está vacío")
    if not label:
        problems.append("la unidad del plan está vacía")
    if problems:
        raise TrackSchemaError("Equivalencia no válida: " + "; ".join(problems) + ".")
    con.execute("INSERT OR REPLACE INTO unit_aliases VALUES (?, ?, ?, ?, ?)",
                [key, label, clip_text(note or "", _MAX_NOTE) or None, _now(),
                 clip_name(user) if user else "(sin usuario)"])
    return key


def remove_alias(con: duckdb.DuckDBPyConnection, alias: str) -> bool:
    """Delete an alias (by :func:`analytics.tracks.unit_key`); whether it existed."""
    key = _alias_key(alias)
    n = con.execute("SELECT count(*) FROM unit_aliases WHERE alias_key = ?", [key]).fetchall()
    if not n[0][0]:
        return False
    con.execute("DELETE FROM unit_aliases WHERE alias_key = ?", [key])
    return True
