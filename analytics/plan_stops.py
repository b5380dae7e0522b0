"""Plans as the stops a dose is measured against: one row per (unit, hotspot, window).

:func:`plan_frame` takes whatever a plan arrives as (a
:class:`analytics.patrol.PatrolPlan`, the CLI's routes or schedule file, stored
stops) and gives each planned hotspot its window, planned visits and planned
minutes (``planned visits × planned dwell``), folding a schedule (one row per
visit) into one row per hotspot. :mod:`analytics.dosage` measures GPS tracks
against it; :mod:`analytics.tracks` and the synthetic tracks use it to know
where a unit should have been.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError, TrackSchemaError
from analytics.tracks import unit_key

#: Window length when a plan has no ``window_end`` (the patrol planner's default), hours.
DEFAULT_WINDOW_HOURS: Final = 8.0
#: Window start given to a plan without dates (a Monday morning shift).
UNDATED_START: Final = "2000-01-03 06:00"


def timestamps_to_naive(values: Any) -> pd.Series:
    """Timestamps as naive local wall time (aware ones converted to ``settings.TIMEZONE``)."""
    s = pd.Series(pd.to_datetime(values, errors="coerce"))
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert(settings.TIMEZONE).dt.tz_localize(None)
    return s.astype("datetime64[ns]")


def _minutes_between(a: pd.Series, b: pd.Series) -> pd.Series:
    if pd.api.types.is_timedelta64_dtype(a) and pd.api.types.is_timedelta64_dtype(b):
        d = b - a
    else:
        d = timestamps_to_naive(b) - timestamps_to_naive(a)
    return pd.Series(d.dt.total_seconds() / 60.0, index=a.index)


def plan_frame(plan: Any, *, window_hours: float | None = None, dwell_min: float | None = None,
               revisit_min: float = settings.PATROL_REVISIT_MIN) -> pd.DataFrame:
    """Normalise a plan to one row per planned (unit, hotspot, window).

    Parameters
    ----------
    plan
        :class:`analytics.patrol.PatrolPlan` (its ``routes``), the routes or
        schedule frame of a plan (``python -m analytics plan`` output), or any
        frame with ``unit``, ``h3`` and ``window_start`` (optional
        ``window_end``, ``visits``, ``dwell_min``, ``arrive``/``leave``). A
        schedule (one row per visit) is folded into one row per hotspot. A plan
        without dates (the planner called without ``window_start``) is placed
        at :data:`UNDATED_START`, so synthetic tracks of it and their dosage
        line up; measuring real pings needs a dated plan.
    window_hours
        Window length when there is no ``window_end`` (default: the plan's own,
        else :data:`DEFAULT_WINDOW_HOURS`).
    dwell_min, revisit_min
        Planned minutes per visit (overrides the plan) and the revisit rule.

    Returns
    -------
    pandas.DataFrame
        ``plan_row`` (position in the input), ``unit`` (label as given),
        ``unit_key``, ``h3`` (hex), ``cell`` (uint64), ``res``, ``ws``/``we``
        (naive local window), ``planned_visits``, ``planned_dwell_min``,
        ``planned_min``.

    Raises
    ------
    TrackSchemaError
        Every problem found, in one Spanish message.
    """
    plan, hours = _plan_table(plan, window_hours)
    _check_plan_options(plan, hours, dwell_min=dwell_min, revisit_min=revisit_min)
    problems: list[str] = []
    df = _windowed_plan(plan, hours, problems)
    if problems:
        raise TrackSchemaError("Plan no utilizable: " + "; ".join(problems) + ".")
    df["unit_key"] = unit_key(df["unit"])
    df["res"] = ((df["cell"].to_numpy(dtype=np.uint64) >> np.uint64(52)) & np.uint64(0xF)
                 ).astype(np.int64)
    if "arrive" in df.columns and "leave" in df.columns:
        df["_dwell"] = _minutes_between(df["arrive"], df["leave"])
    df = _fold_schedule(df)
    window_min = (df["we"] - df["ws"]).dt.total_seconds() / 60.0
    dwell = _planned_dwell(df, dwell_min)
    if "visits" in df.columns:
        v = pd.to_numeric(df["visits"], errors="coerce")
        visits = v.where(v >= 0, np.ceil(window_min / float(revisit_min))).astype(np.int64)
    else:
        visits = np.ceil(window_min / float(revisit_min)).astype(np.int64)
    return pd.DataFrame({
        "plan_row": df["plan_row"].to_numpy(dtype=np.int64),
        "unit": df["unit"].to_numpy(), "unit_key": df["unit_key"].to_numpy(dtype=object),
        "h3": hexbin.cells_to_strings(df["cell"].to_numpy(dtype=np.uint64)).astype(str),
        "cell": df["cell"].to_numpy(dtype=np.uint64), "res": df["res"].to_numpy(dtype=np.int64),
        "ws": df["ws"].to_numpy(dtype="datetime64[ns]"),
        "we": df["we"].to_numpy(dtype="datetime64[ns]"),
        "planned_visits": np.asarray(visits, dtype=np.int64),
        "planned_dwell_min": dwell.to_numpy(dtype=np.float64),
        "planned_min": np.asarray(visits, dtype=np.float64) * dwell.to_numpy(dtype=np.float64),
    })


def _plan_table(plan: Any, window_hours: float | None) -> tuple[pd.DataFrame, float]:
    """The plan's frame (a ``PatrolPlan``'s routes) and its window length in hours."""
    if hasattr(plan, "routes") and isinstance(plan.routes, pd.DataFrame):
        if window_hours is None:
            window_hours = float(getattr(plan, "window_hours", DEFAULT_WINDOW_HOURS))
        plan = plan.routes
    if not isinstance(plan, pd.DataFrame):
        raise TrackSchemaError("Se esperaba un plan de patrullaje (tabla con unit, h3 y "
                               "window_start).")
    return plan, DEFAULT_WINDOW_HOURS if window_hours is None else float(window_hours)


def _check_plan_options(plan: pd.DataFrame, hours: float, *, dwell_min: float | None,
                        revisit_min: float) -> None:
    """Raise one ``TrackSchemaError`` for missing columns and invalid plan options."""
    problems: list[str] = []
    missing = [c for c in ("unit", "h3") if c not in plan.columns]
    if missing:
        problems.append("al plan le faltan columnas: " + ", ".join(missing))
    if not (hours > 0):
        problems.append("la ventana debe durar más de 0 horas")
    if dwell_min is not None and not (0 < float(dwell_min) <= float(revisit_min)):
        problems.append("la permanencia planificada debe estar entre 0 y el intervalo de "
                        "revisita")
    if not (float(revisit_min) > 0):
        problems.append("el intervalo de revisita debe ser mayor que 0 minutos")
    if problems:
        raise TrackSchemaError("Plan no utilizable: " + "; ".join(problems) + ".")


def _windowed_plan(plan: pd.DataFrame, hours: float, problems: list[str]) -> pd.DataFrame:
    """A copy of the plan with ``plan_row``, ``ws``/``we`` and ``cell``; problems noted."""
    df = plan.reset_index(drop=True).copy()
    df["plan_row"] = np.arange(len(df), dtype=np.int64)
    undated = ("window_start" not in df.columns
               or bool(timestamps_to_naive(df["window_start"]).isna().all()))
    df["ws"] = (pd.Series(pd.Timestamp(UNDATED_START), index=df.index) if undated
                else timestamps_to_naive(df["window_start"]))
    if df["ws"].isna().any():
        problems.append("hay filas sin fecha de inicio de ventana (window_start): genere el plan "
                        "con una fecha de inicio")
    if "window_end" in df.columns:
        we = timestamps_to_naive(df["window_end"])
        df["we"] = we.where(we.notna(), df["ws"] + pd.Timedelta(hours=hours))
    else:
        df["we"] = df["ws"] + pd.Timedelta(hours=hours)
    if (df["we"] <= df["ws"]).any():
        problems.append("hay ventanas que terminan antes de empezar")
    try:
        df["cell"] = _plan_cells(df["h3"])
    except IncidentSchemaError as exc:
        problems.append(str(exc).rstrip("."))
        df["cell"] = np.zeros(len(df), dtype=np.uint64)
    if df["unit"].isna().any():
        problems.append("hay filas sin unidad")
    return df


def _fold_schedule(df: pd.DataFrame) -> pd.DataFrame:
    """A schedule (one row per visit) folded into one row per hotspot, with ``visits``."""
    keys = ["unit_key", "ws", "cell"]
    if not df.duplicated(keys).any():
        return df
    agg: dict[str, Any] = {"plan_row": "first", "unit": "first", "h3": "first",
                           "we": "first", "res": "first"}
    if "_dwell" in df.columns:
        agg["_dwell"] = "median"
    for c in ("dwell_min", "planned_dwell_min"):
        if c in df.columns:
            agg[c] = "first"
    g = df.groupby(keys, sort=False)
    folded = g.agg(agg)
    folded["visits"] = g.size()
    return folded.reset_index().sort_values("plan_row", kind="stable").reset_index(drop=True)


def _planned_dwell(df: pd.DataFrame, dwell_min: float | None) -> pd.Series:
    """Planned minutes per visit: ``dwell_min``, else the plan's own, else the default."""
    if dwell_min is not None:
        return pd.Series(float(dwell_min), index=df.index)
    dwell = pd.Series(float(settings.PATROL_DWELL_MIN), index=df.index)
    for c in ("_dwell", "planned_dwell_min", "dwell_min"):
        if c in df.columns:
            v = pd.to_numeric(df[c], errors="coerce")
            dwell = v.where(v > 0, dwell)
    return dwell


def _plan_cells(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_integer_dtype(values):
        cells = values.to_numpy(dtype=np.uint64)
    else:
        cells = hexbin.strings_to_cells(values.astype(str).tolist())
    res = (cells >> np.uint64(52)) & np.uint64(0xF)
    lo, hi = settings.H3_MIN_RESOLUTION, settings.H3_MAX_RESOLUTION
    if ((res < lo) | (res > hi)).any():
        raise IncidentSchemaError(f"Celdas del plan fuera de las resoluciones admitidas "
                                  f"({lo}–{hi}).")
    return np.asarray(cells, dtype=np.uint64)
