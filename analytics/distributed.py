"""The same batch steps on a Dask cluster: ingest, binning, counts and per-district forecasts.

When one machine is not enough, point Vigía at a Dask scheduler with
``VIGIA_DASK=tcp://host:8786`` (or ``--dask`` on the command line, or
``address=``/``client=`` here). Every function has the same answer with and
without a cluster; without one it runs the single-machine path in this
process. The cluster path:

* reads the month-partitioned Parquet dataset (:mod:`analytics.partitions`)
  with :mod:`dask.dataframe` (one Dask partition per data file);
* bins each partition with :mod:`analytics.hexbin` (``points_to_cells`` on
  ingest, ``counts_by_cell`` on aggregation) on the workers;
* reduces the partial counts with a Dask groupby-sum (a tree reduction: only
  small partial tables travel);
* fits one forecast per district (:func:`analytics.forecast.forecast_cells`
  on that district's incidents) in parallel, each worker reading its own
  district from the dataset.

Workers must see the dataset at the same path (a shared disk, NFS, or the
same machine for a ``LocalCluster``) and run the same Vigía version.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from analytics import hexbin, partitions, settings
from analytics._errors import AnalyticsError, InsufficientHistoryError
from analytics.query import IncidentQuery

if TYPE_CHECKING:
    from distributed import Client

#: Environment variable with the scheduler address (``tcp://host:port``).
ENV_VAR: Final = "VIGIA_DASK"
#: Address meaning "no cluster: run in this process", even when ``VIGIA_DASK`` is set.
LOCAL: Final = "local"
#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT_S: Final = 10


class ClusterError(AnalyticsError, ConnectionError):
    """The Dask scheduler cannot be reached or the cluster job failed."""


# --------------------------------------------------------------------------- client


def resolve_address(address: str | None = None, *, environ: dict[str, str] | None = None
                    ) -> str | None:
    """Scheduler address to use: ``address``, else ``$VIGIA_DASK``; ``None`` means local."""
    env = os.environ if environ is None else environ
    addr = address if address is not None else env.get(ENV_VAR, "")
    addr = addr.strip()
    return None if addr in ("", LOCAL) else addr


@contextmanager
def client_for(*, client: Client | None = None, address: str | None = None
               ) -> Iterator[Client | None]:
    """Yield the Dask client to use, or ``None`` for the single-machine path.

    A client passed in is used and left open; one opened here from an
    address (or ``$VIGIA_DASK``) is closed on exit.

    Raises
    ------
    ClusterError
        The scheduler does not answer within :data:`CONNECT_TIMEOUT_S`.
    """
    if client is not None:
        yield client
        return
    addr = resolve_address(address)
    if addr is None:
        yield None
        return
    from distributed import Client

    try:
        c = Client(addr, timeout=f"{CONNECT_TIMEOUT_S}s",  # type: ignore[no-untyped-call]
                   set_as_default=False)
    except (OSError, TimeoutError) as exc:
        msg = (f"No se pudo conectar con el clúster Dask en {addr} ({type(exc).__name__}); "
               f"revise {ENV_VAR} o --dask, o use --dask local.")
        raise ClusterError(msg) from None
    try:
        yield c
    finally:
        c.close()  # type: ignore[no-untyped-call]


def _compute(client: Client, collection: Any) -> Any:
    future = client.compute(collection)  # type: ignore[no-untyped-call]
    return future.result()


# --------------------------------------------------------------------------- ingest


def _write_partition(frame: pd.DataFrame, root: str, source: str | None, import_id: int,
                     partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    number = 0 if partition_info is None else int(partition_info["number"])
    rep = partitions.write_incidents(frame, root, prefix=f"d{number:05d}", source=source,
                                     import_id=import_id)
    return pd.DataFrame({"file": pd.Series([str(p) for p in rep.files], dtype=object)})


def parquet_to_partitions(paths: Sequence[str | Path], root: str | Path, *,
                          source: str | None = None, import_id: int = 0,
                          client: Client | None = None, address: str | None = None
                          ) -> partitions.WriteReport:
    """Bin flat Parquet files of incidents into the month-partitioned dataset.

    Without a cluster: :func:`analytics.partitions.parquet_to_partitions`.
    With one: each input file is a Dask partition whose worker computes
    ``h3_r12`` (:func:`analytics.hexbin.points_to_cells`) and writes its own
    files (prefix ``dNNNNN``). Both give the same rows in the dataset.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        return partitions.WriteReport(0, (), ())
    with client_for(client=client, address=address) as c:
        if c is None:
            return partitions.parquet_to_partitions(paths, root, source=source,
                                                    import_id=import_id)
        import dask.dataframe as dd

        cols = [n for n in pq.ParquetFile(paths[0]).schema_arrow.names
                if n in partitions.COLUMNS]
        ddf = dd.read_parquet([str(p) for p in paths], columns=cols, split_row_groups=False)
        meta = pd.DataFrame({"file": pd.Series([], dtype=object)})
        out = _compute(c, ddf.map_partitions(_write_partition, str(root), source,
                                             int(import_id), meta=meta))
    files = tuple(sorted(Path(f) for f in out["file"]))
    rows = int(sum(pq.ParquetFile(f).metadata.num_rows for f in files))
    months = tuple(sorted({(int(f.parent.parent.name[5:]), int(f.parent.name[6:]))
                           for f in files}))
    return partitions.WriteReport(rows, files, months)


# --------------------------------------------------------------------------- counts


def _partial_counts(frame: pd.DataFrame, *, query: IncidentQuery, by: str | None,
                    shifts: tuple[tuple[str, int, int], ...]) -> pd.DataFrame:
    resolution = query.resolution
    sub = frame.loc[frame["h3_r12"].notna().to_numpy() & query.mask(frame)]
    cols = ["h3_r12", "occurred_at"] if by else ["h3_r12"]
    sub = sub[cols].copy()
    sub["h3_r12"] = sub["h3_r12"].to_numpy(dtype=np.uint64)
    if by == "shift":
        counts = hexbin.counts_by_cell(sub, resolution=resolution, by="shift", shifts=shifts)
    elif by is not None:
        counts = hexbin.counts_by_cell(sub, resolution=resolution, by=by)  # type: ignore[arg-type]
    else:
        counts = hexbin.counts_by_cell(sub, resolution=resolution)
    return _to_meta(counts, by)


def _to_meta(counts: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Give the partial tables fixed dtypes (shift names as plain objects)."""
    out = partitions.normalize_counts(counts, by=by)
    if by == "shift":
        out["shift"] = out["shift"].astype(object)
    return out


def counts_by_cell(root: str | Path, query: IncidentQuery | None = None, *,
                   by: str | None = None,
                   shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS,
                   client: Client | None = None, address: str | None = None) -> pd.DataFrame:
    """Incidents per cell (and time slot) over the dataset, on Dask when a cluster is given.

    Parameters are those of :func:`analytics.partitions.counts_by_cell`, plus
    ``client``/``address`` (see :func:`client_for`). Without a cluster this
    *is* :func:`analytics.partitions.counts_by_cell` (DuckDB); with one, each
    data file is counted on a worker with :func:`analytics.hexbin.counts_by_cell`
    and the partial counts are summed. Both return identical frames.
    """
    partitions._check_by(by)
    q = IncidentQuery() if query is None else query
    with client_for(client=client, address=address) as c:
        if c is None:
            return partitions.counts_by_cell(root, q, by=by, shifts=shifts)
        start, end = q.bounds()
        files = partitions.partition_files(root, start=start, end=end)
        if not files:
            return partitions._empty_counts(by)
        import dask.dataframe as dd

        needed = sorted({"h3_r12", "occurred_at"} | q.columns())
        ddf = dd.read_parquet([str(p) for p in files], columns=needed, split_row_groups=False)
        keys = ["h3"] + ([by] if by else [])
        meta = _to_meta(partitions._empty_counts(by), by)
        partial = ddf.map_partitions(
            _partial_counts, query=q, by=by,
            shifts=tuple((str(n), int(a), int(b)) for n, a, b in shifts), meta=meta)
        reduced = partial.groupby(keys, sort=False)["count"].sum(split_out=1)
        try:
            result = _compute(c, reduced)
        except AnalyticsError:
            raise
        except Exception as exc:  # noqa: BLE001 - any worker failure becomes one Spanish line
            msg = f"El cálculo en el clúster Dask falló: {type(exc).__name__}: {exc}"
            raise ClusterError(msg) from exc
    return partitions.normalize_counts(result.reset_index(), by=by)


# --------------------------------------------------------------------------- forecasts


def _district_forecast(root: str, ubigeo: str, start: pd.Timestamp | None,
                       train_until: pd.Timestamp, options: dict[str, Any]) -> pd.DataFrame:
    """Forecast of one district from its own incidents (runs on a worker or locally)."""
    from analytics import forecast

    query = IncidentQuery.build(start=start, end=train_until - pd.Timedelta(days=1),
                                ubigeos=[ubigeo])
    inc = partitions.read_incidents(root, query, columns=["occurred_at", "h3_r12", "crime_group",
                                             "district"])
    if inc.empty:
        return pd.DataFrame()
    district = str(inc["district"].mode(dropna=True).iloc[0]) if inc["district"].notna().any() \
        else ""
    try:
        out = forecast.forecast_cells(inc, train_until=train_until, **options)
    except InsufficientHistoryError:
        return pd.DataFrame()
    out.insert(0, "district", district)
    out.insert(0, "ubigeo", ubigeo)
    return out


def dataset_ubigeos(root: str | Path, *, start: partitions.Timeish = None,
                    end: partitions.Timeish = None) -> list[str]:
    """Distinct ubigeos with incidents in ``[start, end)``, sorted (DuckDB, no rows loaded)."""
    files = partitions.partition_files(root, start=start, end=end)
    if not files:
        return []
    import duckdb

    where, params = partitions._time_where(start, end)
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        rows = con.execute(f"SELECT DISTINCT ubigeo FROM {partitions._source_sql(files)} "
                           f"WHERE {where} AND ubigeo IS NOT NULL ORDER BY 1", params).fetchall()
    finally:
        con.close()
    return [str(r[0]) for r in rows]


def forecasts_by_district(root: str | Path, *, train_until: object,
                          ubigeos: Iterable[str] | None = None, history_days: int | None = None,
                          horizon_days: int | None = None, resolution: int | None = None,
                          windows: str | None = None, crime_group: str | None = None,
                          model: str | None = None, seed: int | None = None,
                          client: Client | None = None, address: str | None = None
                          ) -> pd.DataFrame:
    """One forecast per district (ubigeo), fitted in parallel on a Dask cluster when given.

    Each district is forecast by :func:`analytics.forecast.forecast_cells`
    from that district's incidents only (cells of neighbouring districts do
    not enter its features), read from the dataset by whoever fits it. The
    same function runs for every district with or without a cluster, so the
    results are identical.

    Parameters
    ----------
    root
        Dataset folder.
    train_until
        Cut-off day (00:00 local); only incidents strictly before it are read.
    ubigeos
        Districts to forecast (``None``: every ubigeo with history).
    history_days
        Days of history read before ``train_until`` (``None``: all).
    horizon_days, resolution, windows, crime_group, model, seed
        Passed to :func:`analytics.forecast.forecast_cells` when given.
    client, address
        See :func:`client_for`.

    Returns
    -------
    pandas.DataFrame
        ``ubigeo``, ``district`` and the columns of ``forecast_cells``,
        districts in ubigeo order; districts without history are left out and
        listed in ``attrs["sin_historia"]``.
    """
    cutoff = partitions._as_ts(train_until)
    if cutoff is None:
        msg = "Falta la fecha de corte del pronóstico."
        raise InsufficientHistoryError(msg)
    start = None if history_days is None else cutoff - pd.Timedelta(days=int(history_days))
    todo = (dataset_ubigeos(root, start=start, end=cutoff) if ubigeos is None
            else sorted({str(u) for u in ubigeos}))
    options = {k: v for k, v in (("horizon_days", horizon_days), ("resolution", resolution),
                                 ("windows", windows), ("crime_group", crime_group),
                                 ("model", model), ("seed", seed)) if v is not None}
    with client_for(client=client, address=address) as c:
        if c is None:
            parts = [_district_forecast(str(root), u, start, cutoff, options) for u in todo]
        else:
            futures = c.map(_district_forecast, [str(root)] * len(todo), todo,
                            [start] * len(todo), [cutoff] * len(todo),
                            [options] * len(todo), pure=False)
            try:
                parts = c.gather(futures)  # type: ignore[no-untyped-call]
            except AnalyticsError:
                raise
            except Exception as exc:  # noqa: BLE001
                msg = f"El pronóstico en el clúster Dask falló: {type(exc).__name__}: {exc}"
                raise ClusterError(msg) from exc
    missing = [u for u, p in zip(todo, parts, strict=True) if p.empty]
    kept = [p for p in parts if not p.empty]
    out = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(
        columns=["ubigeo", "district", "h3", "window_start", "window_end", "expected", "lower",
                 "upper"])
    out.attrs["sin_historia"] = missing
    return out
