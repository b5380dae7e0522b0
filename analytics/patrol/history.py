"""Plans against what happened: covered areas of saved plans, and historical evaluation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError, InfeasiblePlanError
from analytics.patrol.cells import cells_within_radius, place_patrols_on_cells
from analytics.patrol.mclp import Solver


def plan_coverage_history(incidents: pd.DataFrame, forecasts: pd.DataFrame, *, units: int,
                          radius_m: float, dwell_min: float = settings.PATROL_DWELL_MIN,
                          revisit_min: float = settings.PATROL_REVISIT_MIN,
                          speed_kmh: float = settings.PATROL_SPEED_KMH,
                          max_hotspots_per_unit: int | None = None,
                          retro_days: int = 28,
                          time_limit: float = settings.SOLVER_TIME_LIMIT_S,
                          solver: Solver = "highs") -> pd.DataFrame:
    """Share of the actual incidents of past windows that fell inside each plan's area.

    For every window of ``forecasts`` two plans with the same number of
    hotspots are built: one from the forecast, one from ``retro28`` (each
    cell's incident count over the ``retro_days`` days before the window
    start). A plan's area is every cell whose centre lies within ``radius_m``
    of one of its hotspots (:func:`cells_within_radius`), at the forecast's
    resolution.

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at`` and ``h3_r12`` or ``lat``/``lon``).
    forecasts
        ``h3``, ``window_start``, ``window_end``, ``expected``; one or more windows.
    units, radius_m, dwell_min, revisit_min, speed_kmh, max_hotspots_per_unit
        As in :func:`place_patrols_on_cells`.

    Returns
    -------
    pandas.DataFrame
        One row per window: ``window_start, window_end, incidents, hotspots,
        area_cells, covered_forecast, share_forecast, area_cells_retro28,
        covered_retro28, share_retro28, gain`` (``share_forecast -
        share_retro28``); shares are NaN for windows without incidents.
    """
    need = [c for c in ("h3", "window_start", "window_end", "expected")
            if c not in forecasts.columns]
    if need:
        raise InfeasiblePlanError(f"Al pronóstico le faltan columnas: {', '.join(need)}.")
    if "occurred_at" not in incidents.columns:
        raise IncidentSchemaError("Faltan columnas en los incidentes: occurred_at.")
    fc = forecasts.copy()
    fc["window_start"] = pd.to_datetime(fc["window_start"])
    fc["window_end"] = pd.to_datetime(fc["window_end"])
    cells_all = hexbin.to_cells(fc["h3"].to_numpy())
    res = np.unique(hexbin.cells_resolution(cells_all))
    if res.size != 1:
        raise InfeasiblePlanError("El pronóstico mezcla resoluciones H3.")
    fc["h3"] = cells_all
    inc = hexbin.incidents_to_cells(incidents, resolution=int(res[0]), column="cell")
    when = pd.to_datetime(inc["occurred_at"]).to_numpy()
    inc_cells = inc["cell"].to_numpy(dtype=np.uint64)
    opts: dict[str, Any] = dict(units=units, radius_m=radius_m, dwell_min=dwell_min,
                                revisit_min=revisit_min, speed_kmh=speed_kmh,
                                max_hotspots_per_unit=max_hotspots_per_unit,
                                time_limit=time_limit, solver=solver)
    out = []
    for (ws, we), grp in fc.groupby(["window_start", "window_end"], sort=True):
        inside = (when >= np.datetime64(ws)) & (when < np.datetime64(we))
        actual = inc_cells[inside]
        plan = place_patrols_on_cells(grp[["h3", "expected"]], **opts)
        area = cells_within_radius(hexbin.to_cells(plan.routes["h3"].to_numpy()), radius_m=radius_m)
        lo = np.datetime64(ws - pd.Timedelta(days=retro_days))
        past = inc_cells[(when >= lo) & (when < np.datetime64(ws))]
        if past.size:
            rc, cnt = np.unique(past, return_counts=True)
            retro = pd.DataFrame({"h3": rc, "expected": cnt.astype(np.float64)})
            rplan = place_patrols_on_cells(retro, **opts)
            rarea = cells_within_radius(hexbin.to_cells(rplan.routes["h3"].to_numpy()),
                                        radius_m=radius_m)
        else:
            rarea = np.empty(0, dtype=np.uint64)
        n = int(actual.size)
        cf = int(np.isin(actual, area).sum())
        cr = int(np.isin(actual, rarea).sum())
        out.append({"window_start": ws, "window_end": we, "incidents": n,
                    "hotspots": int(len(plan.routes)), "area_cells": int(area.size),
                    "covered_forecast": cf, "share_forecast": cf / n if n else math.nan,
                    "area_cells_retro28": int(rarea.size), "covered_retro28": cr,
                    "share_retro28": cr / n if n else math.nan})
    df = pd.DataFrame(out)
    if len(df):
        df["gain"] = df["share_forecast"] - df["share_retro28"]
    return df


def covered_cells(stops: pd.DataFrame) -> pd.DataFrame:
    """The ground each saved plan covered, per window: the input of ``reports.plan_coverage``.

    Parameters
    ----------
    stops
        :func:`analytics.store.plans.plan_stops` rows (``plan_id, window_start,
        window_end, h3, radius_m``).

    Returns
    -------
    pandas.DataFrame
        ``plan_id, h3`` (hex string), ``window_start``, ``window_end``: every
        cell (the hotspots' resolution) whose centre lies within the plan's
        radius of one of its hotspots.
    """
    cols = ["plan_id", "h3", "window_start", "window_end"]
    if stops.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    parts = []
    for pid, g in stops.groupby("plan_id", sort=True):
        area = cells_within_radius(hexbin.to_cells(g["h3"].astype(str)),
                                   radius_m=float(g["radius_m"].iloc[0]))
        parts.append(pd.DataFrame({"plan_id": pid, "h3": hexbin.cells_to_strings(area),
                                   "window_start": g["window_start"].iloc[0],
                                   "window_end": g["window_end"].iloc[0]}))
    return pd.concat(parts, ignore_index=True)[cols]
