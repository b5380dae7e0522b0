"""Out-of-core incidents: a Parquet dataset partitioned by month, read with DuckDB.

At national volumes (tens of millions of incidents) nothing here loads all
rows into pandas. Incidents live in a Hive-partitioned Parquet dataset::

    ROOT/year=2025/month=3/part-00000.parquet
    ROOT/year=2025/month=3/export-<uuid>.parquet
    ...

Each file holds the canonical columns of :data:`analytics.settings.INCIDENT_COLUMNS`
(``year``/``month`` live only in the folder names), sorted by ``ubigeo`` then
``occurred_at`` so that DuckDB skips the row groups of other districts and
other days from the Parquet statistics. A query for one city and a 90-day
window opens only the three or four month folders that overlap the window.

Writers
-------
:func:`write_incidents`
    One frame or Arrow table (at most a few million rows) -> new files, one
    per month it touches; computes ``h3_r12`` from ``lat``/``lon`` when
    missing (:func:`analytics.hexbin.points_to_cells`). Files appear
    atomically (written under a temporary name, then renamed), so readers
    never see half a file.
:func:`tables_to_partitions`
    A stream of chunks (e.g. ``pyarrow.parquet.ParquetFile.iter_batches``)
    -> the dataset, memory bounded by one chunk.
:func:`store_to_partitions`
    The DuckDB store's ``incidents`` table -> the dataset, entirely inside
    DuckDB (``COPY ... PARTITION_BY``), out of core.

Readers
-------
:func:`connect` gives an in-memory DuckDB connection whose ``incidents``
view is the dataset, so the store's read functions (``store.load_incidents``,
``explore.*``) run unchanged on it. :func:`counts_by_cell` is the map
aggregation (equal to :func:`analytics.hexbin.counts_by_cell` on the same
rows) and :func:`read_incidents` a filtered read into pandas.

Time filters follow :func:`analytics.store.load_incidents`: ``start``
inclusive, ``end`` exclusive, naive local wall time.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, TypeAlias

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError, StoreError
from analytics.query import IncidentQuery
from analytics.store import _typed_incidents

#: Arrow schema of every data file (the canonical incident columns).
SCHEMA: Final = pa.schema([
    ("incident_id", pa.string()),
    ("occurred_at", pa.timestamp("us")),
    ("lat", pa.float64()),
    ("lon", pa.float64()),
    ("crime_type", pa.string()),
    ("crime_group", pa.string()),
    ("district", pa.string()),
    ("ubigeo", pa.string()),
    ("source", pa.string()),
    ("h3_r12", pa.uint64()),
    ("import_id", pa.int32()),
])
#: Canonical column names, in file order.
COLUMNS: Final = tuple(SCHEMA.names)
#: Rows per Parquet row group: small enough for statistics to skip other
#: districts and days, large enough to keep scans fast.
ROW_GROUP_SIZE: Final = 131_072
#: Parquet compression of the data files.
COMPRESSION: Final = "zstd"
#: Memory DuckDB may use for one query before spilling to disk.
DUCKDB_MEMORY_LIMIT: Final = "4GB"
#: Time keys accepted by :func:`counts_by_cell` (as in :func:`analytics.hexbin.counts_by_cell`).
TIME_KEYS: Final = ("hour", "shift", "weekday", "date")

_REQUIRED: Final = ("incident_id", "occurred_at")
_PART_RE: Final = re.compile(r"^year=(\d{4})$")
_MONTH_RE: Final = re.compile(r"^month=(\d{1,2})$")

Timeish: TypeAlias = str | date | datetime | pd.Timestamp | None


# --------------------------------------------------------------------------- layout


def month_path(root: str | Path, year: int, month: int) -> Path:
    """Folder of one month: ``ROOT/year=YYYY/month=M``."""
    return Path(root) / f"year={int(year)}" / f"month={int(month)}"


def dataset_months(root: str | Path) -> list[tuple[int, int]]:
    """``(year, month)`` of every month folder holding at least one data file, sorted."""
    base = Path(root)
    out: list[tuple[int, int]] = []
    if not base.is_dir():
        return out
    for ydir in base.iterdir():
        ym = _PART_RE.match(ydir.name)
        if not ym or not ydir.is_dir():
            continue
        for mdir in ydir.iterdir():
            mm = _MONTH_RE.match(mdir.name)
            if mm and mdir.is_dir() and any(mdir.glob("*.parquet")):
                out.append((int(ym.group(1)), int(mm.group(1))))
    return sorted(out)


def _as_ts(value: Timeish) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        msg = f"Fecha no válida: {value!r}."
        raise IncidentSchemaError(msg) from None
    if ts is pd.NaT or pd.isna(ts):
        return None
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def partition_files(root: str | Path, *, start: Timeish = None, end: Timeish = None
                    ) -> list[Path]:
    """List the data files of the months overlapping ``[start, end)`` (all when unbounded).

    Parameters
    ----------
    root
        Dataset folder.
    start, end
        Local wall-time bounds (``start`` inclusive, ``end`` exclusive).

    Returns
    -------
    list of pathlib.Path
        Sorted; empty when no month overlaps.
    """
    t0, t1 = _as_ts(start), _as_ts(end)
    lo = (t0.year, t0.month) if t0 is not None else (0, 0)
    if t1 is not None:
        last = t1 - pd.Timedelta(microseconds=1)
        hi = (last.year, last.month)
    else:
        hi = (9999, 12)
    files: list[Path] = []
    for y, m in dataset_months(root):
        if lo <= (y, m) <= hi:
            files.extend(sorted(month_path(root, y, m).glob("*.parquet")))
    return files


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class WriteReport:
    """What a write did: rows written, files created, months touched."""

    rows: int
    files: tuple[Path, ...]
    months: tuple[tuple[int, int], ...]


def incidents_to_table(incidents: pd.DataFrame | pa.Table, *, source: str | None = None,
                       import_id: int = 0) -> pa.Table:
    """Canonical Arrow table (:data:`SCHEMA`) from incidents, binned to ``h3_r12``.

    Parameters
    ----------
    incidents
        Canonical incidents. ``incident_id`` and ``occurred_at`` (naive local
        time) are required, and ``h3_r12`` or ``lat``/``lon``. Missing
        ``crime_group`` is derived from ``crime_type``
        (:data:`settings.CRIME_TYPE_GROUP`, else ``"otro"``); other missing
        text columns are null.
    source
        Value of ``source`` when the column is missing.
    import_id
        Value of ``import_id`` when the column is missing.

    Returns
    -------
    pyarrow.Table

    Raises
    ------
    IncidentSchemaError
        Listing every problem: missing columns, time zone-aware or missing
        times, missing or out-of-range coordinates where ``h3_r12`` must be
        computed.
    """
    t = incidents if isinstance(incidents, pa.Table) else pa.Table.from_pandas(
        incidents, preserve_index=False)
    _check_incident_table(t)
    names = set(t.column_names)
    n = t.num_rows
    cols: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in COLUMNS:
        typ = SCHEMA.field(name).type
        if name in names:
            cols[name] = t.column(name).cast(typ)
        elif name == "h3_r12":
            cells = hexbin.points_to_cells(t.column("lat").to_numpy(), t.column("lon").to_numpy(),
                                           resolution=settings.H3_STORE_RESOLUTION)
            cols[name] = pa.array(cells, type=typ)
        elif name == "crime_group" and "crime_type" in names:
            cols[name] = _groups_of(t.column("crime_type"))
        elif name == "source" and source is not None:
            cols[name] = pa.array(np.full(n, source, dtype=object), type=typ)
        elif name == "import_id":
            cols[name] = pa.array(np.full(n, int(import_id), dtype=np.int32), type=typ)
        else:
            cols[name] = pa.nulls(n, type=typ)
    return pa.table(cols, schema=SCHEMA)


def _check_incident_table(t: pa.Table) -> None:
    """Raise one ``IncidentSchemaError`` listing every problem of ``t`` (see the caller)."""
    names = set(t.column_names)
    problems = [f"falta la columna '{c}'" for c in _REQUIRED if c not in names]
    need_cells = "h3_r12" not in names
    if need_cells and not {"lat", "lon"} <= names:
        problems.append("faltan columnas de ubicación: 'h3_r12' o 'lat' y 'lon'")
    if "occurred_at" in names:
        typ = t.schema.field("occurred_at").type
        if not pa.types.is_timestamp(typ):
            problems.append("'occurred_at' debe ser fecha y hora")
        else:
            if typ.tz is not None:
                problems.append("'occurred_at' debe ser hora local sin zona horaria")
            if t.column("occurred_at").null_count:
                problems.append(f"{t.column('occurred_at').null_count} incidentes sin fecha")
    if need_cells and {"lat", "lon"} <= names:
        problems += _coordinate_problems(t)
    if problems:
        msg = "Incidentes no válidos para el conjunto Parquet: " + "; ".join(problems) + "."
        raise IncidentSchemaError(msg)


def _coordinate_problems(t: pa.Table) -> list[str]:
    """Missing or out-of-range ``lat``/``lon`` (where ``h3_r12`` must be computed)."""
    lat = t.column("lat").cast(pa.float64())
    lon = t.column("lon").cast(pa.float64())
    nulls = lat.null_count + lon.null_count
    if nulls:
        return [f"{nulls} coordenadas faltantes"]
    la, lo = lat.to_numpy(), lon.to_numpy()
    bad = int((~np.isfinite(la) | ~np.isfinite(lo) | (np.abs(la) > 90)
               | (np.abs(lo) > 180)).sum())
    return [f"{bad} coordenadas fuera de rango"] if bad else []


def _groups_of(types: pa.ChunkedArray) -> pa.Array:
    uniq = pc.unique(types.cast(pa.string()))
    mapped = pa.array([settings.CRIME_TYPE_GROUP.get(v, "otro") if v is not None else None
                       for v in uniq.to_pylist()], type=pa.string())
    idx = pc.index_in(types.cast(pa.string()), value_set=uniq)
    return pc.take(mapped, idx).combine_chunks() if isinstance(idx, pa.ChunkedArray) \
        else pc.take(mapped, idx)


def _next_name(folder: Path, prefix: str) -> Path:
    used = {p.name for p in folder.glob(f"{prefix}-*.parquet")}
    i = len(used)
    while f"{prefix}-{i:05d}.parquet" in used:
        i += 1
    return folder / f"{prefix}-{i:05d}.parquet"


def write_incidents(incidents: pd.DataFrame | pa.Table, root: str | Path, *,
                    prefix: str = "part", source: str | None = None, import_id: int = 0,
                    row_group_size: int = ROW_GROUP_SIZE) -> WriteReport:
    """Append incidents to the dataset: one new file per month they touch.

    Parameters
    ----------
    incidents
        See :func:`incidents_to_table`; hold it in memory (one chunk).
    root
        Dataset folder (created when missing).
    prefix
        File name prefix. Writers running at the same time must use different
        prefixes (the Dask path uses one per partition).
    source, import_id
        Defaults for missing columns (:func:`incidents_to_table`).
    row_group_size
        Rows per Parquet row group.

    Returns
    -------
    WriteReport
    """
    table = incidents_to_table(incidents, source=source, import_id=import_id)
    if table.num_rows == 0:
        return WriteReport(0, (), ())
    ts = table.column("occurred_at")
    month_key = pc.add(pc.multiply(pc.year(ts), 100), pc.month(ts)).to_numpy()
    t_us = ts.cast(pa.int64()).to_numpy()
    # Stable sort by month, ubigeo (its rank among the distinct values; nulls last), time.
    enc = table.column("ubigeo").combine_chunks().dictionary_encode()
    rank = np.argsort(np.argsort(np.asarray(enc.dictionary.to_pylist(), dtype=object),
                                 kind="stable"), kind="stable")
    codes = enc.indices.to_numpy(zero_copy_only=False)
    nulls = np.asarray(enc.indices.is_null())
    ub_rank = np.where(nulls, len(rank), rank[np.where(nulls, 0, codes).astype(np.int64)]
                       if len(rank) else 0)
    order = np.lexsort((t_us, ub_rank, month_key))
    data = table.take(pa.array(order))
    k = month_key[order]
    bounds = np.flatnonzero(np.diff(k)) + 1
    starts = np.r_[0, bounds]
    ends = np.r_[bounds, len(k)]
    files: list[Path] = []
    months: list[tuple[int, int]] = []
    for a, b in zip(starts, ends, strict=True):
        y, m = divmod(int(k[a]), 100)
        folder = month_path(root, y, m)
        folder.mkdir(parents=True, exist_ok=True)
        path = _next_name(folder, prefix)
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(data.slice(int(a), int(b - a)), tmp, row_group_size=row_group_size,
                       compression=COMPRESSION)
        os.replace(tmp, path)
        files.append(path)
        months.append((y, m))
    return WriteReport(table.num_rows, tuple(files), tuple(months))


def tables_to_partitions(chunks: Iterable[pd.DataFrame | pa.Table | pa.RecordBatch],
                         root: str | Path, *, prefix: str = "part", source: str | None = None,
                         import_id: int = 0) -> WriteReport:
    """Write a stream of chunks to the dataset, holding one chunk at a time.

    Returns
    -------
    WriteReport
        Totals over all chunks.
    """
    rows = 0
    files: list[Path] = []
    months: set[tuple[int, int]] = set()
    for chunk in chunks:
        t = pa.Table.from_batches([chunk]) if isinstance(chunk, pa.RecordBatch) else chunk
        rep = write_incidents(t, root, prefix=prefix, source=source, import_id=import_id)
        rows += rep.rows
        files.extend(rep.files)
        months.update(rep.months)
    return WriteReport(rows, tuple(files), tuple(sorted(months)))


#: Rows read at a time by :func:`parquet_to_partitions`.
BATCH_ROWS: Final = 1_000_000


def parquet_to_partitions(paths: Iterable[str | Path], root: str | Path, *,
                          prefix: str = "part", source: str | None = None, import_id: int = 0,
                          batch_rows: int = BATCH_ROWS) -> WriteReport:
    """Bin flat Parquet files of incidents into the dataset, ``batch_rows`` at a time.

    The input files hold canonical columns (``h3_r12`` may be absent: it is
    computed); other columns are ignored. Memory stays bounded by one batch.
    """
    def chunks() -> Iterable[pa.RecordBatch]:
        for p in paths:
            f = pq.ParquetFile(p)
            cols = [c for c in f.schema_arrow.names if c in COLUMNS]
            yield from f.iter_batches(batch_size=int(batch_rows), columns=cols)

    return tables_to_partitions(chunks(), root, prefix=prefix, source=source,
                                import_id=import_id)


def _month_floor(ts: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(ts.year, ts.month, 1)


def _month_ceil(ts: pd.Timestamp) -> pd.Timestamp:
    first = _month_floor(ts)
    return first if first == ts else first + pd.offsets.MonthBegin(1)


def _copy_sql(base: Path, where: str) -> str:
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    return (f"COPY (SELECT {cols}, year(occurred_at) AS year, month(occurred_at) AS month "
            f"FROM incidents WHERE {where} ORDER BY year, month, ubigeo, occurred_at, "
            f"incident_id) TO '{_sql_path(base)}' (FORMAT parquet, PARTITION_BY (year, month), "
            f"APPEND, FILENAME_PATTERN 'export-{{uuid}}', COMPRESSION {COMPRESSION}, "
            f"ROW_GROUP_SIZE {ROW_GROUP_SIZE})")


def _month_of(folder: Path) -> tuple[int, int]:
    return int(folder.parent.name[5:]), int(folder.name[6:])


def store_to_partitions(con: duckdb.DuckDBPyConnection, root: str | Path, *,
                        start: Timeish = None, end: Timeish = None, replace: bool = False,
                        memory_limit: str = DUCKDB_MEMORY_LIMIT) -> WriteReport:
    """Export the store's ``incidents`` (optionally a time range) to the dataset, in DuckDB.

    The rows never enter Python: DuckDB sorts and writes them out of core.

    Parameters
    ----------
    con
        Store connection (:func:`analytics.store.connect`).
    root
        Dataset folder.
    start, end
        Local wall-time bounds (``start`` inclusive, ``end`` exclusive).
    replace
        ``False``: add new files next to existing ones (``export-<uuid>.parquet``;
        exporting the same rows twice duplicates them). ``True``: widen
        ``[start, end)`` to whole months and make each of those months equal
        to the store. The export is written to a staging folder first, then
        each month folder is swapped in with two renames; months the store no
        longer has are removed. Use it for the nightly refresh of the last
        months (late reports change past months).
    memory_limit
        DuckDB memory limit during the export (it spills the sort to disk
        beyond it); the connection's own limit is restored afterwards.

    Returns
    -------
    WriteReport
    """
    t0, t1 = _as_ts(start), _as_ts(end)
    if replace:
        t0 = _month_floor(t0) if t0 is not None else None
        t1 = _month_ceil(t1) if t1 is not None else None
    where, params = _time_where(t0, t1)
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    target = base / f".staging-{os.getpid()}" if replace else base
    if replace:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
    before = set(target.glob("*/*/*.parquet"))
    old_limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    try:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        n = con.execute(f"SELECT count(*) FROM incidents WHERE {where}", params).fetchall()[0][0]
        if n:
            con.execute(_copy_sql(target, where), params).fetchall()
    except duckdb.Error as exc:
        msg = f"No se pudo exportar el almacén a Parquet: {str(exc).splitlines()[0]}"
        raise StoreError(msg) from None
    finally:
        con.execute(f"SET memory_limit = '{old_limit}'")
    new = sorted(set(target.glob("*/*/*.parquet")) - before)
    months = sorted({_month_of(p.parent) for p in new})
    if replace:
        new = _swap_months(base, target, t0, t1, months)
    return WriteReport(int(n), tuple(new), tuple(months))


def _swap_months(base: Path, staging: Path, t0: pd.Timestamp | None, t1: pd.Timestamp | None,
                 months: list[tuple[int, int]]) -> list[Path]:
    """Move the staged month folders into ``base``, replacing the months of ``[t0, t1)``."""
    lo = (t0.year, t0.month) if t0 is not None else (0, 0)
    hi_ts = t1 - pd.Timedelta(microseconds=1) if t1 is not None else None
    hi = (hi_ts.year, hi_ts.month) if hi_ts is not None else (9999, 12)
    trash = staging / "_old"
    trash.mkdir()
    for y, m in dataset_months(base):
        if lo <= (y, m) <= hi and (y, m) not in months:
            os.replace(month_path(base, y, m), trash / f"{y}-{m}")
    files: list[Path] = []
    for y, m in months:
        dest = month_path(base, y, m)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            os.replace(dest, trash / f"{y}-{m}")
        os.replace(month_path(staging, y, m), dest)
        files.extend(sorted(dest.glob("*.parquet")))
    shutil.rmtree(staging, ignore_errors=True)
    return files


# --------------------------------------------------------------------------- reading


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _time_where(start: Timeish, end: Timeish) -> tuple[str, list[Any]]:
    conds, params = [], []
    t0, t1 = _as_ts(start), _as_ts(end)
    if t0 is not None:
        conds.append("occurred_at >= ?")
        params.append(t0.to_pydatetime())
    if t1 is not None:
        conds.append("occurred_at < ?")
        params.append(t1.to_pydatetime())
    return (" AND ".join(conds) or "TRUE"), params


def _duckdb(memory_limit: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def _query_df(sql: str, params: list[Any], *, memory_limit: str, action: str) -> pd.DataFrame:
    """``sql`` on a fresh in-memory connection; DuckDB errors as a Spanish ``StoreError``.

    The message reads "No se pudo {action} el conjunto Parquet: …".
    """
    con = _duckdb(memory_limit)
    try:
        return con.execute(sql, params).df()
    except duckdb.Error as exc:
        msg = f"No se pudo {action} el conjunto Parquet: {str(exc).splitlines()[0]}"
        raise StoreError(msg) from None
    finally:
        con.close()


def _source_sql(files: Sequence[Path]) -> str:
    lst = ", ".join(f"'{_sql_path(p)}'" for p in files)
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    return f"(SELECT {cols} FROM read_parquet([{lst}], hive_partitioning = false))"


def connect(root: str | Path, *, memory_limit: str = DUCKDB_MEMORY_LIMIT
            ) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB connection with the dataset as the view ``incidents``.

    The store's readers (``store.load_incidents``, ``explore.cell_counts``, …)
    work on it unchanged; DuckDB reads only the row groups a query needs.
    The view lists the files present when it is created: reconnect to see
    files written later.

    Raises
    ------
    StoreError
        The folder holds no data files.
    """
    files = partition_files(root)
    if not files:
        msg = f"{root} no contiene un conjunto Parquet de incidentes (year=/month=)."
        raise StoreError(msg)
    con = _duckdb(memory_limit)
    con.execute(f"CREATE VIEW incidents AS SELECT * FROM {_source_sql(files)}")
    return con


def _shift_sql(shifts: Sequence[tuple[str, int, int]]) -> str:
    names = hexbin.hours_to_shifts(np.arange(24), shifts=shifts)
    lst = ", ".join("'" + str(n).replace("'", "''") + "'" for n in names)
    return f"list_extract([{lst}], hour(occurred_at) + 1)"


def _empty_counts(by: str | None) -> pd.DataFrame:
    out: dict[str, Any] = {"h3": np.empty(0, dtype=np.uint64)}
    if by == "hour" or by == "weekday":
        out[by] = np.empty(0, dtype=np.int8)
    elif by == "shift":
        out[by] = np.empty(0, dtype=object)
    elif by == "date":
        out[by] = np.empty(0, dtype="datetime64[us]")
    out["count"] = np.empty(0, dtype=np.int64)
    return normalize_counts(pd.DataFrame(out), by=by)


def normalize_counts(counts: pd.DataFrame, *, by: str | None) -> pd.DataFrame:
    """Canonical dtypes and order of a cell-count frame, so results compare exactly.

    ``h3`` uint64, ``hour``/``weekday`` int8, ``shift`` str, ``date``
    ``datetime64[us]``, ``count`` int64; sorted by the keys, fresh index.
    """
    keys = ["h3"] + ([by] if by else [])
    out = counts[[*keys, "count"]].copy()
    out["h3"] = out["h3"].to_numpy(dtype=np.uint64)
    if by in ("hour", "weekday"):
        out[by] = out[by].to_numpy(dtype=np.int8)
    elif by == "shift":
        out[by] = out[by].astype("str")
    elif by == "date":
        out[by] = pd.to_datetime(out[by]).astype("datetime64[us]")
    out["count"] = out["count"].to_numpy(dtype=np.int64)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def _check_by(by: str | None) -> None:
    if by is not None and by not in TIME_KEYS:
        msg = f"Clave de tiempo desconocida: {by!r} (hour, shift, weekday o date)."
        raise IncidentSchemaError(msg)


def counts_by_cell(root: str | Path, query: IncidentQuery | None = None, *,
                   by: str | None = None,
                   shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS,
                   memory_limit: str = DUCKDB_MEMORY_LIMIT) -> pd.DataFrame:
    """Incidents per H3 cell (and time slot) over the dataset, aggregated in DuckDB.

    Only the month folders overlapping the query's period are opened; only
    the aggregated rows reach pandas. The result equals
    :func:`analytics.hexbin.counts_by_cell` applied to the same rows
    (after :func:`normalize_counts`).

    Parameters
    ----------
    root
        Dataset folder.
    query
        Which incidents (``None``: all); cells at ``query.resolution``
        (parents of ``h3_r12``). A city is its district ubigeos.
    by
        ``None``, ``"hour"``, ``"shift"``, ``"weekday"`` (0 = Monday) or ``"date"``.
    shifts
        Shift definitions for ``by="shift"``.
    memory_limit
        DuckDB memory limit for the query.

    Returns
    -------
    pandas.DataFrame
        ``h3`` (uint64), the time key if any, ``count`` (int64); non-empty
        combinations only, sorted by the keys.
    """
    _check_by(by)
    q = IncidentQuery() if query is None else query
    cell = hexbin.parent_sql("h3_r12", q.resolution)
    files = partition_files(root, start=q.bounds()[0], end=q.bounds()[1])
    if not files:
        return _empty_counts(by)
    where, params = q.sql()
    key_sql = {
        None: "",
        "hour": ", hour(occurred_at)::TINYINT AS hour",
        "shift": f", {_shift_sql(shifts)} AS shift",
        "weekday": ", (isodow(occurred_at) - 1)::TINYINT AS weekday",
        "date": ", date_trunc('day', occurred_at) AS date",
    }[by]
    group = "h3" + (f", {by}" if by else "")
    sql = (f"SELECT {cell} AS h3{key_sql}, count(*) AS count FROM {_source_sql(files)} "
           f"WHERE {where} AND h3_r12 IS NOT NULL GROUP BY {group} ORDER BY {group}")
    df = _query_df(sql, params, memory_limit=memory_limit, action="consultar")
    return normalize_counts(df, by=by)


def read_incidents(root: str | Path, query: IncidentQuery | None = None, *,
                   columns: Sequence[str] | None = None,
                   memory_limit: str = DUCKDB_MEMORY_LIMIT) -> pd.DataFrame:
    """Read filtered incidents from the dataset into a frame (keep the filter selective).

    Same columns, dtypes and order as :func:`analytics.store.load_incidents`:
    sorted by ``occurred_at`` then ``incident_id``; ``h3_r12`` uint64.
    """
    cols = list(COLUMNS) if columns is None else list(columns)
    unknown = [c for c in cols if c not in COLUMNS]
    if unknown:
        msg = f"Columnas desconocidas: {', '.join(unknown)}. Disponibles: {', '.join(COLUMNS)}."
        raise StoreError(msg)
    q = IncidentQuery() if query is None else query
    files = partition_files(root, start=q.bounds()[0], end=q.bounds()[1])
    if not files:
        empty = pa.schema([SCHEMA.field(c) for c in cols]).empty_table().to_pandas()
        return _typed_incidents(empty)
    where, params = q.sql()
    select = ", ".join(f'"{c}"' for c in cols)
    sql = (f"SELECT {select} FROM {_source_sql(files)} WHERE {where} "
           "ORDER BY occurred_at, incident_id")
    df = _query_df(sql, params, memory_limit=memory_limit, action="leer")
    return _typed_incidents(df)


@dataclass(frozen=True)
class DatasetSummary:
    """Size of a dataset: rows, files, bytes on disk, first and last month."""

    rows: int
    files: int
    bytes: int
    months: tuple[tuple[int, int], ...]


def dataset_summary(root: str | Path) -> DatasetSummary:
    """Rows (from the Parquet footers, no data read), files, bytes and months of a dataset."""
    files = partition_files(root)
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    size = sum(p.stat().st_size for p in files)
    return DatasetSummary(int(rows), len(files), int(size), tuple(dataset_months(root)))
