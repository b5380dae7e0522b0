"""Saved patrol plans: the ``plans`` and ``plan_stops`` tables.

Every plan made in the app or with ``python -m analytics plan --save`` is kept
with an id, author, time, the forecast it used and its parameters, and one row
per hotspot of each unit (its loop order and first-loop times). Plans are data:
the Reportes page reads their coverage, the shift sheets are printed from them
and GPS tracks are compared against them.

Times are local wall time (``settings.TIMEZONE``), like incidents.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from analytics import settings
from analytics._errors import StoreError

if TYPE_CHECKING:
    from analytics.patrol import PatrolPlan

#: DDL of the two tables (store migration 3).
PLAN_TABLES: Final = (
    "CREATE TABLE IF NOT EXISTS plans (plan_id VARCHAR PRIMARY KEY, "
    "created_at TIMESTAMP NOT NULL, author VARCHAR, origin VARCHAR, "
    "window_start TIMESTAMP, window_end TIMESTAMP, resolution INTEGER, units INTEGER, "
    "radius_m DOUBLE, dwell_min DOUBLE, revisit_min DOUBLE, forecast VARCHAR, "
    "params VARCHAR, objective DOUBLE, total_expected DOUBLE, share_of_risk DOUBLE, "
    "solver VARCHAR, status VARCHAR, gap DOUBLE, seconds DOUBLE)",
    "CREATE TABLE IF NOT EXISTS plan_stops (plan_id VARCHAR NOT NULL, unit VARCHAR NOT NULL, "
    "stop_order INTEGER NOT NULL, h3 VARCHAR NOT NULL, lat DOUBLE, lon DOUBLE, "
    "district VARCHAR, expected_covered DOUBLE, arrive TIMESTAMP, depart TIMESTAMP, "
    "fixed BOOLEAN, cycle_min DOUBLE, visits INTEGER)",
)

#: Columns of :func:`list_plans`.
PLAN_LIST_COLUMNS: Final = ("plan_id", "created_at", "author", "origin", "window_start",
                            "window_end", "resolution", "units", "radius_m", "dwell_min",
                            "objective", "share_of_risk", "status")

_MAX_TEXT: Final = 200


def _now() -> datetime:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def _text(value: object) -> str:
    s = "" if value is None else str(value)
    return s if len(s) <= _MAX_TEXT else s[: _MAX_TEXT - 1] + "…"


def _ts(value: object) -> datetime | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    out: datetime = ts.to_pydatetime()
    return out


def _has_plans(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_name = 'plans'").fetchall()
    return bool(rows[0][0])


def save_plan(con: duckdb.DuckDBPyConnection, plan: PatrolPlan, *, author: str | None,
              origin: str, resolution: int, dwell_min: float,
              revisit_min: float = settings.PATROL_REVISIT_MIN,
              window_start: object = None, window_end: object = None,
              forecast: Mapping[str, Any] | None = None,
              params: Mapping[str, Any] | None = None) -> str:
    """Store a plan and its stops in one transaction; return its new ``plan_id``.

    Parameters
    ----------
    con
        Writable store connection.
    plan
        The plan (:func:`analytics.patrol.place_patrols_on_cells`).
    author
        User name, or the CLI actor (``(cli:<user>)``); ``None``: demo mode.
    origin
        ``"app"`` or ``"cli"``.
    resolution, dwell_min, revisit_min
        Parameters the plan was made with.
    window_start, window_end
        The shift window (local wall time).
    forecast
        What forecast the plan used (model, cut-off, group, file hash…).
    params
        Other options (fixed posts, excluded cells, speed, solver…).
    """
    plan_id = "P" + uuid.uuid4().hex[:11]
    routes = plan.routes
    row = [plan_id, _now(), _text(author or "(sin usuario)"), _text(origin), _ts(window_start),
           _ts(window_end), int(resolution), int(plan.units), float(plan.radius_m),
           float(dwell_min), float(revisit_min),
           json.dumps(dict(forecast or {}), ensure_ascii=False, default=str),
           json.dumps(dict(params or {}), ensure_ascii=False, default=str),
           float(plan.objective), float(plan.total_expected), float(plan.share_of_risk),
           _text(plan.solver), _text(plan.status),
           None if np.isnan(plan.gap) else float(plan.gap), float(plan.seconds)]
    stops = pd.DataFrame({
        "plan_id": plan_id,
        "unit": routes["unit"].astype(str).to_numpy(),
        "stop_order": routes["order"].astype("int64").to_numpy(),
        "h3": routes["h3"].astype(str).to_numpy(),
        "lat": routes["lat"].astype(float).to_numpy(),
        "lon": routes["lon"].astype(float).to_numpy(),
        "district": routes["district"].astype(str).to_numpy(),
        "expected_covered": routes["expected_covered"].astype(float).to_numpy(),
        "arrive": [_ts(v) for v in routes["arrive"]],
        "depart": [_ts(v) for v in routes["leave"]],
        "fixed": routes["fixed"].astype(bool).to_numpy() if "fixed" in routes else False,
        "cycle_min": routes["cycle_min"].astype(float).to_numpy() if "cycle_min" in routes
        else np.nan,
        "visits": routes["visits"].astype("int64").to_numpy() if "visits" in routes else 1,
    })
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"INSERT INTO plans VALUES ({', '.join('?' for _ in row)})", row)
        con.register("_vg_stops", stops)
        con.execute("INSERT INTO plan_stops SELECT plan_id, unit, stop_order, h3, lat, lon, "
                    "district, expected_covered, arrive, depart, fixed, cycle_min, visits "
                    "FROM _vg_stops")
        con.unregister("_vg_stops")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return plan_id


def list_plans(con: duckdb.DuckDBPyConnection, *, limit: int = 200) -> pd.DataFrame:
    """Saved plans, newest first (:data:`PLAN_LIST_COLUMNS`)."""
    if not _has_plans(con):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PLAN_LIST_COLUMNS})
    cols = ", ".join(PLAN_LIST_COLUMNS)
    # rowid breaks ties of plans saved within the same second (insertion order)
    return con.execute(f"SELECT {cols} FROM plans ORDER BY created_at DESC, rowid DESC "
                       f"LIMIT {max(0, int(limit))}").df()


def plan_record(con: duckdb.DuckDBPyConnection, plan_id: str) -> dict[str, Any]:
    """One plan's row, with ``forecast`` and ``params`` decoded.

    Raises
    ------
    StoreError
        No plan with that id.
    """
    rows = (con.execute("SELECT * FROM plans WHERE plan_id = ?", [str(plan_id)]).df()
            if _has_plans(con) else pd.DataFrame())
    if rows.empty:
        msg = f"No existe el plan {plan_id!r} (vea python -m analytics plans list)."
        raise StoreError(msg)
    rec: dict[str, Any] = rows.iloc[0].to_dict()
    for key in ("forecast", "params"):
        rec[key] = json.loads(rec[key]) if isinstance(rec[key], str) and rec[key] else {}
    return rec


def plan_stops(con: duckdb.DuckDBPyConnection, plan_ids: str | Sequence[str]) -> pd.DataFrame:
    """The stops of one or several plans, in unit (numeric labels as numbers) and loop order.

    Columns ``plan_id, window_start, window_end, unit, order, h3, lat, lon, district,
    expected_covered, arrive, leave, fixed, cycle_min, visits, radius_m, dwell_min,
    revisit_min`` (the routes of :class:`analytics.patrol.PatrolPlan`, plus the plan's window
    and options).
    """
    ids = [plan_ids] if isinstance(plan_ids, str) else [str(p) for p in plan_ids]
    if not ids or not _has_plans(con):
        return pd.DataFrame()
    marks = ", ".join("?" for _ in ids)
    return con.execute(
        "SELECT s.plan_id, p.window_start, p.window_end, s.unit, s.stop_order AS \"order\", "
        "s.h3, s.lat, s.lon, s.district, s.expected_covered, s.arrive, s.depart AS \"leave\", "
        "s.fixed, s.cycle_min, s.visits, p.radius_m, p.dwell_min, p.revisit_min "
        f"FROM plan_stops s JOIN plans p USING (plan_id) WHERE s.plan_id IN ({marks}) "
        "ORDER BY p.window_start, s.plan_id, TRY_CAST(s.unit AS INTEGER) NULLS LAST, s.unit, "
        "s.stop_order", ids).df()


def plans_in_period(con: duckdb.DuckDBPyConnection, start: object, end: object) -> pd.DataFrame:
    """Plans whose window overlaps ``[start, end)``: the rows of :func:`list_plans`."""
    if not _has_plans(con):
        return list_plans(con)
    cols = ", ".join(PLAN_LIST_COLUMNS)
    return con.execute(f"SELECT {cols} FROM plans WHERE window_end > ? AND window_start < ? "
                       "ORDER BY window_start, plan_id", [_ts(start), _ts(end)]).df()
