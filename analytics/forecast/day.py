"""One day of a cell forecast, as the Pronóstico and Plan pages (and the CLI) show it.

A day after the data is forecast from the data's end (one fit serves every day of
:data:`HORIZON_DAYS`); a day inside the data is forecast as it would have been that
morning, so it can be compared with what happened (:func:`cutoff_for_day`).
:func:`forecast_day` slices a fitted shift-window forecast to the chosen shifts of
one day, recomputes the interval of a sum of shifts, and adds what happened when
the data covers the day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

import numpy as np
import pandas as pd
from scipy.stats import poisson

from analytics import evaluation, hexbin, settings
from analytics._errors import IncidentSchemaError
from analytics.forecast.history import INTERVAL, bin_incidents

#: Days forecast after the data's last day (the pages offer days up to that far ahead).
HORIZON_DAYS: Final = 7
#: Seed of the forecast models used by the pages and the nightly job (same data, same map).
SEED: Final = 0

#: Columns of :attr:`DayForecast.cells`.
DAY_COLUMNS: Final = ("h3_id", "h3", "lat", "lon", "district", "expected", "lower", "upper",
                      "actual")


def cutoff_for_day(day: date, last_day: date, *, horizon_days: int = HORIZON_DAYS
                   ) -> tuple[date, int]:
    """``(train_until, horizon_days)`` that forecast ``day`` with the data up to ``last_day``.

    Examples
    --------
    >>> cutoff_for_day(date(2025, 7, 3), date(2025, 6, 30))
    (datetime.date(2025, 7, 1), 7)
    >>> cutoff_for_day(date(2025, 6, 20), date(2025, 6, 30))
    (datetime.date(2025, 6, 20), 1)
    """
    first_future = last_day + timedelta(days=1)
    if day >= first_future:
        return first_future, max(horizon_days, (day - first_future).days + 1)
    return day, 1


@dataclass(frozen=True)
class DayForecast:
    """Expected incidents per cell over some shifts of one day.

    Attributes
    ----------
    cells
        :data:`DAY_COLUMNS`, sorted by ``expected`` (descending). ``lower`` and
        ``upper``: the forecast's own 5–95 % interval for one shift; for several
        shifts the same Poisson rule (:data:`INTERVAL`) on their sum; NaN when
        the model gives none. ``actual``: incidents in those windows when the
        data covers them (a past day), else NaN.
    scale
        Every cell's value for the same shifts on every day of the fitted
        horizon (to fix the colour classes across days).
    has_interval
        Whether the model reports an interval.
    """

    cells: pd.DataFrame = field(repr=False)
    scale: list[float] = field(repr=False)
    has_interval: bool


def forecast_day(forecast: pd.DataFrame, incidents: pd.DataFrame, *, day: date,
                 last_day: date, shifts: Sequence[str], resolution: int,
                 crime_group: str | None = None,
                 districts: Mapping[str, str] | None = None) -> DayForecast:
    """Slice a shift-window forecast to the chosen shifts of ``day``.

    Parameters
    ----------
    forecast
        Output of :func:`analytics.forecast.forecast_cells` with shift windows
        (``h3, window_start, window_end, expected`` and optionally ``lower``,
        ``upper``).
    incidents
        The incidents the forecast was fitted on (``occurred_at``, ``h3_r12``,
        ``crime_group``): the actual counts of a past day come from them.
    day, last_day
        The day shown and the data's last day.
    shifts
        Names of :data:`analytics.settings.SHIFTS` to add up.
    resolution, crime_group
        As in the forecast.
    districts
        District of each cell id (the one cell → district rule); missing: ``""``.

    Raises
    ------
    IncidentSchemaError
        An unknown shift name.
    """
    start_h = {name: s for name, s, _e in settings.SHIFTS}
    unknown = [s for s in shifts if s not in start_h]
    if unknown:
        msg = f"Turnos desconocidos: {', '.join(unknown)}."
        raise IncidentSchemaError(msg)
    wanted = {pd.Timestamp(day) + pd.Timedelta(hours=start_h[s]) for s in shifts}
    ws = pd.to_datetime(forecast["window_start"])
    on_shift = ws.dt.hour.isin([start_h[s] for s in shifts])
    per_day = forecast.loc[on_shift].assign(d=ws[on_shift].dt.normalize()).groupby(
        ["d", "h3"])["expected"].sum()
    sel = forecast.loc[ws.isin(wanted)]
    has_interval = {"lower", "upper"} <= set(forecast.columns)
    agg = {"expected": ("expected", "sum")}
    if has_interval:
        agg.update(lower=("lower", "sum"), upper=("upper", "sum"))
    out = sel.groupby("h3", as_index=False).agg(**agg).rename(columns={"h3": "h3_id"})
    if has_interval and len(shifts) > 1:
        e = np.maximum(out["expected"].to_numpy(dtype=float), 1e-12)
        out["lower"] = np.where(out["expected"] > 0, poisson.ppf(INTERVAL[0], e), 0.0)
        out["upper"] = np.where(out["expected"] > 0, poisson.ppf(INTERVAL[1], e), 0.0)
    elif not has_interval:
        out["lower"] = np.nan
        out["upper"] = np.nan
    out["h3"] = hexbin.to_cells(out["h3_id"].astype(str))
    out["lat"], out["lon"] = hexbin.cells_to_centers(out["h3"].to_numpy())
    names = dict(districts or {})
    out["district"] = [names.get(c, "") for c in out["h3_id"].astype(str)]
    out["actual"] = np.nan
    sel_w = sel.drop_duplicates("window_start").sort_values("window_start")
    data_end = pd.Timestamp(last_day) + pd.Timedelta(days=1)
    if len(sel_w) and pd.Timestamp(sel_w["window_end"].max()) <= data_end:
        binned = bin_incidents(incidents, resolution=resolution, crime_group=crime_group)
        starts = sel_w["window_start"].to_numpy(dtype="datetime64[ns]")
        ends = sel_w["window_end"].to_numpy(dtype="datetime64[ns]")
        act, _tot = evaluation.actual_counts(binned, out["h3"].to_numpy(dtype="uint64"),
                                             starts, ends)
        out["actual"] = act.sum(axis=1)
    out = out.sort_values(["expected", "h3_id"], ascending=[False, True]).reset_index(drop=True)
    return DayForecast(out[list(DAY_COLUMNS)], [float(v) for v in per_day.to_numpy()],
                       has_interval)
