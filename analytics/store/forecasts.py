"""Forecasts kept in the store: the ``forecast_runs`` and ``forecasts`` tables.

The nightly job (``python -m analytics forecast --store`` and ``zone-forecast
--store``, see ``docs/DEPLOYMENT.md``) writes the next days' forecasts here, so
the Pronóstico, Plan and Reportes pages read them instantly instead of fitting
a model while a commander waits. Two tables:

``forecast_runs``
    One row per forecast made: ``kind`` (``"cell"`` or ``"zone"``), ``layer_id``
    (zone layer; ``NULL`` = districts), ``windows`` (``shift``, ``hourly``,
    ``week`` for cells; ``day``, ``shift``, ``hour``, ``period`` for zones),
    ``train_until`` (the cut-off: only incidents strictly before it were used),
    ``horizon_days``, ``made_at`` (local wall time), ``made_by``,
    ``resolution`` and ``crime_group`` (cells), ``model``, ``interval_level``
    (central probability of ``lower``–``upper``), ``no_history`` and ``notes``
    (JSON lists), ``params`` (JSON: country, shifts, seed…).
``forecasts``
    One row per place (``place``: the H3 cell or the zone name) and window:
    ``window_start``, ``window_end``, ``expected``, ``lower``, ``upper``,
    ``model`` (a zone's chosen model; ``NULL`` for cells).

Run metadata is stored once, not on every row. Runs are appended together, so
DuckDB's zone maps find one run's rows without an index. Saving a run replaces
an earlier run of the same parameters and cut-off; :func:`prune_forecasts`
drops old cut-offs (:data:`KEEP_DAYS`), except whole-period zone forecasts
(``windows = "period"``), which the Codisec reports compare against.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from analytics import settings
from analytics._errors import IncidentSchemaError
from analytics._text import clip_text

Kind = Literal["cell", "zone"]

#: DDL of the two tables (store migration 5).
FORECAST_TABLES: Final = (
    "CREATE TABLE IF NOT EXISTS forecast_runs (run_id VARCHAR PRIMARY KEY, "
    "kind VARCHAR NOT NULL, layer_id INTEGER, windows VARCHAR NOT NULL, "
    "train_until TIMESTAMP NOT NULL, horizon_days INTEGER NOT NULL, "
    "made_at TIMESTAMP NOT NULL, made_by VARCHAR, resolution INTEGER, crime_group VARCHAR, "
    "model VARCHAR, interval_level DOUBLE, n_rows BIGINT, seconds DOUBLE, "
    "no_history VARCHAR, notes VARCHAR, params VARCHAR)",
    "CREATE TABLE IF NOT EXISTS forecasts (run_id VARCHAR NOT NULL, place VARCHAR NOT NULL, "
    "window_start TIMESTAMP NOT NULL, window_end TIMESTAMP NOT NULL, "
    "expected DOUBLE NOT NULL, \"lower\" DOUBLE, \"upper\" DOUBLE, model VARCHAR)",
)

#: Days of cut-offs kept per kind by :func:`prune_forecasts` (cell runs are large:
#: one row per cell and shift; zone runs are small).
KEEP_DAYS: Final = {"cell": 21, "zone": 400}
#: Window kinds per forecast kind.
WINDOW_KINDS: Final = {"cell": ("shift", "hourly", "week"),
                       "zone": ("day", "shift", "hour", "period")}
#: Columns of :func:`forecast_runs`.
RUN_COLUMNS: Final = ("run_id", "kind", "layer_id", "windows", "train_until", "horizon_days",
                      "made_at", "made_by", "resolution", "crime_group", "model",
                      "interval_level", "n_rows")
_RUN_SQL: Final = ("run_id, kind, layer_id, windows, train_until, horizon_days, made_at, "
                   "made_by, resolution, crime_group, model, interval_level, n_rows, seconds, "
                   "no_history, notes, params")


@dataclass(frozen=True)
class ForecastRun:
    """One stored forecast (a row of ``forecast_runs``)."""

    run_id: str
    kind: str
    layer_id: int | None
    windows: str
    train_until: pd.Timestamp
    horizon_days: int
    made_at: pd.Timestamp
    made_by: str = ""
    resolution: int | None = None
    crime_group: str | None = None
    model: str | None = None
    interval: float | None = None
    n_rows: int = 0
    seconds: float | None = None
    no_history: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def data_until(self) -> pd.Timestamp:
        """The last day of data the forecast could see (the day before the cut-off)."""
        return self.train_until - pd.Timedelta(days=1)

    @property
    def end(self) -> pd.Timestamp:
        """First day after the horizon."""
        return self.train_until + pd.Timedelta(days=self.horizon_days)


def _now() -> datetime:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def _day(value: object, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if pd.isna(ts):
        msg = f"{what} no válida: {value!r}."
        raise IncidentSchemaError(msg)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return pd.Timestamp(ts.normalize())


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


def _json_list(text: object) -> tuple[str, ...]:
    if not isinstance(text, str) or not text:
        return ()
    try:
        return tuple(str(x) for x in json.loads(text))
    except ValueError:
        return ()


def _run(row: Sequence[Any]) -> ForecastRun:
    (rid, kind, lid, win, tu, hz, made, by, res, grp, model, itv, n, secs, nh, notes,
     params) = row
    try:
        par = json.loads(params) if isinstance(params, str) and params else {}
    except ValueError:
        par = {}
    return ForecastRun(
        run_id=str(rid), kind=str(kind), layer_id=None if lid is None else int(lid),
        windows=str(win), train_until=pd.Timestamp(tu), horizon_days=int(hz),
        made_at=pd.Timestamp(made), made_by=str(by or ""),
        resolution=None if res is None else int(res), crime_group=grp,
        model=model, interval=None if itv is None else float(itv), n_rows=int(n or 0),
        seconds=None if secs is None else float(secs), no_history=_json_list(nh),
        notes=_json_list(notes), params=par if isinstance(par, dict) else {})


def _check(kind: str, windows: str) -> None:
    if kind not in WINDOW_KINDS:
        msg = f"Tipo de pronóstico desconocido: {kind!r} (cell o zone)."
        raise IncidentSchemaError(msg)
    if windows not in WINDOW_KINDS[kind]:
        msg = (f"Ventanas desconocidas para un pronóstico {kind}: {windows!r} "
               f"({', '.join(WINDOW_KINDS[kind])}).")
        raise IncidentSchemaError(msg)


def save_forecast(con: duckdb.DuckDBPyConnection, table: pd.DataFrame, *, kind: Kind,
                  windows: str, train_until: object, horizon_days: int,
                  layer_id: int | None = None, resolution: int | None = None,
                  crime_group: str | None = None, model: str | None = None,
                  interval: float | None = None, made_at: object = None,
                  made_by: str | None = None, seconds: float | None = None,
                  no_history: Sequence[str] = (), notes: Sequence[str] = (),
                  params: Mapping[str, Any] | None = None) -> ForecastRun:
    """Store one forecast in one transaction; return its run.

    An earlier run with the same kind, windows, layer, cut-off, horizon,
    resolution, group, model and interval is replaced.

    Parameters
    ----------
    con
        Writable store connection.
    table
        ``zone`` (zone runs) or ``h3`` (cell runs), ``window_start``,
        ``window_end``, ``expected`` and optionally ``lower``, ``upper``,
        ``model`` (e.g. :attr:`analytics.zone_forecast.ZoneForecast.table` or
        :func:`analytics.forecast.forecast_cells`).
    kind, windows
        See the module notes.
    train_until, horizon_days
        The forecast's cut-off day and horizon.
    layer_id
        Zone layer (``None``: districts; always ``None`` for cells).
    resolution, crime_group
        Cell runs: H3 resolution and crime group (``None``: all).
    model, interval
        Model name (cells) or ``"zone"``; central probability of the interval.
    made_at
        When it was made (default now, local wall time).
    made_by
        User name or CLI actor.
    seconds, no_history, notes, params
        Fit time, zones without history, notes for users, other options.
    """
    _check(kind, windows)
    place = "h3" if kind == "cell" else "zone"
    need = {place, "window_start", "window_end", "expected"}
    missing = sorted(need - set(table.columns))
    if missing:
        msg = f"Al pronóstico le faltan columnas: {', '.join(missing)}."
        raise IncidentSchemaError(msg)
    cut = _day(train_until, "Fecha de corte")
    made = _now() if made_at is None else pd.Timestamp(made_at).to_pydatetime()
    run_id = f"F{pd.Timestamp(made):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    n = len(table)
    rows = pd.DataFrame({
        "run_id": run_id,
        "place": table[place].astype(str).to_numpy(dtype=object),
        "window_start": pd.to_datetime(table["window_start"]).to_numpy(),
        "window_end": pd.to_datetime(table["window_end"]).to_numpy(),
        "expected": table["expected"].to_numpy(dtype=np.float64),
        "lower": (table["lower"].to_numpy(dtype=np.float64) if "lower" in table
                  else np.full(n, np.nan)),
        "upper": (table["upper"].to_numpy(dtype=np.float64) if "upper" in table
                  else np.full(n, np.nan)),
        "model": (table["model"].astype(object).to_numpy() if "model" in table
                  else np.full(n, None, dtype=object)),
    })
    meta = [run_id, kind, None if layer_id is None else int(layer_id), windows,
            cut.to_pydatetime(), int(horizon_days), made, clip_text(made_by or ""),
            None if resolution is None else int(resolution), crime_group, model,
            None if interval is None else float(interval), n,
            None if seconds is None else float(seconds),
            json.dumps([str(z) for z in no_history], ensure_ascii=False),
            json.dumps([clip_text(x) for x in notes], ensure_ascii=False),
            json.dumps(dict(params or {}), ensure_ascii=False, default=str)]
    con.execute("BEGIN TRANSACTION")
    try:
        same = con.execute(
            "SELECT run_id FROM forecast_runs WHERE kind = ? AND windows = ? "
            "AND layer_id IS NOT DISTINCT FROM ? AND train_until = ? AND horizon_days = ? "
            "AND resolution IS NOT DISTINCT FROM ? AND crime_group IS NOT DISTINCT FROM ? "
            "AND model IS NOT DISTINCT FROM ? AND interval_level IS NOT DISTINCT FROM ?",
            [kind, windows, meta[2], meta[4], meta[5], meta[8], crime_group, model,
             meta[11]]).fetchall()
        _delete_runs(con, [r[0] for r in same])
        con.execute(f"INSERT INTO forecast_runs ({_RUN_SQL}) VALUES "
                    f"({', '.join('?' for _ in meta)})", meta)
        con.register("_vg_forecast", rows)
        con.execute("INSERT INTO forecasts SELECT run_id, place, window_start, window_end, "
                    "expected, \"lower\", \"upper\", model FROM _vg_forecast")
        con.unregister("_vg_forecast")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return _run(meta)


def _delete_runs(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> None:
    if not ids:
        return
    marks = ", ".join("?" for _ in ids)
    con.execute(f"DELETE FROM forecasts WHERE run_id IN ({marks})", list(ids))
    con.execute(f"DELETE FROM forecast_runs WHERE run_id IN ({marks})", list(ids))


def find_forecast(con: duckdb.DuckDBPyConnection, *, kind: Kind, windows: str,
                  train_until: object, covers_until: object = None,
                  layer_id: int | None = None, resolution: int | None = None,
                  crime_group: str | None = None, model: str | None = None
                  ) -> ForecastRun | None:
    """The newest stored run with this cut-off that covers ``[train_until, covers_until)``.

    ``covers_until`` defaults to the day after the cut-off. Cell runs match
    ``resolution``, ``crime_group`` (``None``: all groups) and ``model`` (when
    given); zone runs match ``layer_id`` (``None``: districts). ``None`` when
    nothing matches (or the store predates these tables).
    """
    _check(kind, windows)
    if not _has_table(con, "forecast_runs"):
        return None
    cut = _day(train_until, "Fecha de corte")
    until = cut + pd.Timedelta(days=1) if covers_until is None else pd.Timestamp(
        covers_until)
    days = int(np.ceil((until - cut) / pd.Timedelta(days=1)))
    sql = (f"SELECT {_RUN_SQL} FROM forecast_runs WHERE kind = ? AND windows = ? "
           "AND train_until = ? AND horizon_days >= ?")
    params: list[Any] = [kind, windows, cut.to_pydatetime(), max(days, 1)]
    if kind == "zone":
        sql += " AND layer_id IS NOT DISTINCT FROM ?"
        params.append(None if layer_id is None else int(layer_id))
    else:
        sql += " AND resolution IS NOT DISTINCT FROM ? AND crime_group IS NOT DISTINCT FROM ?"
        params += [None if resolution is None else int(resolution), crime_group]
        if model is not None:
            sql += " AND model = ?"
            params.append(model)
    rows = con.execute(sql + " ORDER BY made_at DESC, run_id DESC LIMIT 1", params).fetchall()
    return _run(rows[0]) if rows else None


def forecast_rows(con: duckdb.DuckDBPyConnection, run: ForecastRun | str, *,
                  start: object = None, end: object = None) -> pd.DataFrame:
    """The rows of one run, optionally only windows starting in ``[start, end)``.

    Returns
    -------
    pandas.DataFrame
        ``h3`` (cell runs) or ``zone`` (zone runs), ``window_start``,
        ``window_end``, ``expected``, ``lower``, ``upper``, and ``model`` for
        zone runs; sorted by place then window, as the forecast functions return
        them.
    """
    rid = run.run_id if isinstance(run, ForecastRun) else str(run)
    kind = run.kind if isinstance(run, ForecastRun) else str(con.execute(
        "SELECT kind FROM forecast_runs WHERE run_id = ?", [rid]).fetchall()[0][0])
    place = "h3" if kind == "cell" else "zone"
    sql = ("SELECT place, window_start, window_end, expected, \"lower\", \"upper\", model "
           "FROM forecasts WHERE run_id = ?")
    params: list[Any] = [rid]
    if start is not None:
        sql += " AND window_start >= ?"
        params.append(pd.Timestamp(start).to_pydatetime())
    if end is not None:
        sql += " AND window_start < ?"
        params.append(pd.Timestamp(end).to_pydatetime())
    df = con.execute(sql + " ORDER BY place, window_start", params).df()
    df = df.rename(columns={"place": place})
    df[place] = pd.array(df[place].astype(str).to_numpy(), dtype="str")
    for c in ("window_start", "window_end"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    if kind == "cell":
        df = df.drop(columns=["model"])
    else:
        df["model"] = pd.array(df["model"].astype(object).to_numpy(), dtype="str")
    return df


def forecast_runs(con: duckdb.DuckDBPyConnection, *, kind: Kind | None = None,
                  limit: int = 100) -> pd.DataFrame:
    """Stored runs, newest first (:data:`RUN_COLUMNS`)."""
    if not _has_table(con, "forecast_runs"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RUN_COLUMNS})
    sql = f"SELECT {', '.join(RUN_COLUMNS)} FROM forecast_runs"
    params: list[Any] = []
    if kind is not None:
        sql += " WHERE kind = ?"
        params.append(kind)
    return con.execute(sql + f" ORDER BY made_at DESC, run_id DESC LIMIT {max(0, int(limit))}",
                       params).df()


def prune_forecasts(con: duckdb.DuckDBPyConnection, *,
                    keep_days: Mapping[str, int] = KEEP_DAYS) -> int:
    """Delete old runs; return how many.

    A run goes when its cut-off is more than ``keep_days[kind]`` days before the
    newest cut-off of its kind; whole-period zone runs are kept.
    """
    if not _has_table(con, "forecast_runs"):
        return 0
    ids: list[str] = []
    for kind, days in keep_days.items():
        rows = con.execute(
            "SELECT run_id FROM forecast_runs WHERE kind = ? AND windows <> 'period' "
            "AND train_until < (SELECT max(train_until) FROM forecast_runs WHERE kind = ?) "
            f"- INTERVAL {max(0, int(days))} DAY", [kind, kind]).fetchall()
        ids += [str(r[0]) for r in rows]
    if ids:
        con.execute("BEGIN TRANSACTION")
        try:
            _delete_runs(con, ids)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return len(ids)


def stored_forecast(con: duckdb.DuckDBPyConnection, **match: Any
                    ) -> tuple[ForecastRun, pd.DataFrame] | None:
    """:func:`find_forecast` and its :func:`forecast_rows` (``None`` when nothing matches)."""
    run = find_forecast(con, **match)
    return None if run is None else (run, forecast_rows(con, run))
