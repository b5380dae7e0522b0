"""Zone × day counts and the windows they are cut into (plumbing of :mod:`analytics.zone_forecast`).

Incidents become a dense zone × calendar-day matrix once; days are split into
hours by shrunk hour-of-week profiles, and hours are summed into shift or day
windows, so hours sum to days and shifts to hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from analytics._errors import IncidentSchemaError, InsufficientHistoryError

#: Prior weight (incidents per weekday) pulling a zone's hour profile towards the city's.
HOUR_PRIOR: Final = 50.0
#: Days of history behind the hour profiles.
PROFILE_DAYS: Final = 364
_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday (Monday = 0)


@dataclass(frozen=True)
class ZoneSeries:
    """Incidents before the cut, aggregated once.

    Attributes
    ----------
    zones : numpy.ndarray
        Sorted zone names (``object``) with at least one incident before the cut.
    day0 : int
        Day number (days since 1970-01-01) of ``daily[:, 0]``.
    daily : numpy.ndarray
        ``float64`` (zones, days): incidents per zone and calendar day over
        ``[day0, cut)``.
    ev_zone, ev_day, ev_hour : numpy.ndarray
        Each incident's zone index, day number and local hour.
    ev_timed : numpy.ndarray
        False for incidents stamped exactly 00:00:00 (left out of hour profiles).
    """

    zones: np.ndarray
    day0: int
    daily: np.ndarray
    ev_zone: np.ndarray
    ev_day: np.ndarray
    ev_hour: np.ndarray
    ev_timed: np.ndarray

    @property
    def cut(self) -> int:
        """Day number of the cut (first day not in ``daily``)."""
        return self.day0 + int(self.daily.shape[1])


def weekday(days: np.ndarray) -> np.ndarray:
    return (np.asarray(days, dtype=np.int64) + _EPOCH_WEEKDAY) % 7


def to_day(ts: pd.Timestamp) -> int:
    return int(np.datetime64(ts.normalize().to_datetime64(), "D").astype(np.int64))


def events_to_series(events: pd.DataFrame, *, train_until: pd.Timestamp) -> ZoneSeries:
    """Validate ``(occurred_at, zone)`` rows and aggregate those before ``train_until``.

    Rows without a zone are ignored.

    Raises
    ------
    IncidentSchemaError
        Missing columns or unreadable times.
    InsufficientHistoryError
        No incident with a zone before the cut.
    """
    problems = []
    for c in ("occurred_at", "zone"):
        if c not in events.columns:
            problems.append(f"falta la columna '{c}'")
    t = None
    if "occurred_at" in events.columns:
        try:
            t = pd.to_datetime(events["occurred_at"])
        except (ValueError, TypeError):
            problems.append("'occurred_at' no contiene fechas válidas")
        else:
            if getattr(t.dt, "tz", None) is not None:
                problems.append("'occurred_at' debe ser hora local sin zona horaria")
            elif t.isna().any():
                problems.append(f"{int(t.isna().sum())} incidentes sin fecha en 'occurred_at'")
    if problems:
        raise IncidentSchemaError("Incidentes no válidos para el pronóstico por zona: "
                                  + "; ".join(problems) + ".")
    assert t is not None
    tn = t.to_numpy(dtype="datetime64[ns]")
    zone = events["zone"]
    keep = (tn < np.datetime64(train_until.to_datetime64(), "ns")) & zone.notna().to_numpy()
    tn = tn[keep]
    names = zone.to_numpy(dtype=object)[keep].astype(str)
    if len(tn) == 0:
        msg = "No hay incidentes con zona antes de la fecha de corte."
        raise InsufficientHistoryError(msg)
    codes, zones = pd.factorize(names, sort=True)
    day = tn.astype("datetime64[D]").astype(np.int64)
    cut = to_day(train_until)
    day0 = int(day.min())
    n_days = cut - day0
    daily = np.bincount(codes * n_days + (day - day0), minlength=len(zones) * n_days)
    since_midnight = (tn - tn.astype("datetime64[D]")).astype(np.int64)
    hour = (since_midnight // (3600 * 10**9)).astype(np.int8)
    return ZoneSeries(zones=np.asarray(zones, dtype=object), day0=day0,
                      daily=daily.reshape(len(zones), n_days).astype(np.float64),
                      ev_zone=codes.astype(np.int64), ev_day=day, ev_hour=hour,
                      ev_timed=since_midnight != 0)


def baseline_forecasts(daily: np.ndarray, origin: int, n_days: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Compute the two baselines for days ``[origin, origin + n_days)`` of a zone × day matrix.

    Parameters
    ----------
    daily
        (zones, days) counts; only columns before ``origin`` are read.
    origin
        Column index of the first forecast day.
    n_days
        Days forecast.

    Returns
    -------
    mean_28d, weekday_8w
        (zones, n_days): the mean of the last 28 days (fewer when history is
        shorter), and for each day the mean of the last 8 days before
        ``origin`` with the same weekday (the available ones; the 28-day
        mean when there is none).
    """
    y = np.asarray(daily, dtype=np.float64)
    if origin <= 0:
        raise InsufficientHistoryError("No hay historia antes del origen del pronóstico.")
    a = y[:, max(0, origin - 28):origin].mean(axis=1)
    mean28 = np.repeat(a[:, None], n_days, axis=1)
    wd = np.empty((y.shape[0], n_days))
    for h in range(n_days):
        last = origin - 7 + (h % 7)
        idx = [last - 7 * k for k in range(8) if last - 7 * k >= 0]
        wd[:, h] = y[:, idx].mean(axis=1) if idx else a
    return mean28, wd


def shift_hours(shifts: Sequence[tuple[str, int, int]]) -> list[tuple[str, int, list[int]]]:
    """(name, start, hours in order) of each shift, sorted by start hour."""
    out = []
    for name, start, end in sorted(shifts, key=lambda x: int(x[1])):
        n = (int(end) - int(start)) % 24
        out.append((str(name), int(start), [(int(start) + k) % 24 for k in range(n)]))
    return out


def hours_to_windows(hourly: np.ndarray, *, by: str, n_days: int,
                      shifts: Sequence[tuple[str, int, int]]) -> np.ndarray:
    """(zones, days, 24) hourly values → (zones, windows) for ``n_days`` start days.

    Shift windows of the last start day may need the next day's first hours,
    so ``hourly`` must then hold ``n_days + 1`` days.
    """
    if by == "day":
        return np.asarray(hourly[:, :n_days, :].sum(axis=2))
    if by == "hour":
        return hourly[:, :n_days, :].reshape(hourly.shape[0], -1)
    parts = []
    for _name, start, hours in shift_hours(shifts):
        same = [h for h in hours if h >= start]
        nxt = [h for h in hours if h < start]
        v = hourly[:, :n_days, same].sum(axis=2)
        if nxt:
            v = v + hourly[:, 1:n_days + 1, nxt].sum(axis=2)
        parts.append(v)
    return np.stack(parts, axis=2).reshape(hourly.shape[0], -1)


def window_bounds(first_day: int, n_days: int, *, by: str,
                   shifts: Sequence[tuple[str, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    day_ts = (np.arange(first_day, first_day + n_days).astype("datetime64[D]")
              .astype("datetime64[ns]"))
    hour = np.timedelta64(1, "h")
    if by == "day":
        return day_ts, day_ts + np.timedelta64(1, "D")
    if by == "hour":
        starts = (day_ts[:, None] + np.arange(24)[None, :] * hour).reshape(-1)
        return starts, starts + hour
    sh = shift_hours(shifts)
    st = np.array([s for _n, s, _h in sh])
    dur = np.array([len(h) for _n, _s, h in sh])
    starts = (day_ts[:, None] + st[None, :] * hour).reshape(-1)
    return starts, starts + np.tile(dur, n_days) * hour


def window_slots(*, by: str, shifts: Sequence[tuple[str, int, int]]
                  ) -> tuple[np.ndarray, list[str]]:
    """Calibration slot of the windows of one day (in :func:`hours_to_windows` order)."""
    if by == "day":
        return np.zeros(1, dtype=np.int64), ["día"]
    sh = shift_hours(shifts)
    names = [n for n, _s, _h in sh]
    if by == "shift":
        return np.arange(len(sh), dtype=np.int64), names
    of_hour = np.zeros(24, dtype=np.int64)
    for j, (_n, _s, hours) in enumerate(sh):
        of_hour[hours] = j
    return of_hour, names


def hour_profile(s: ZoneSeries, *, end_day: int, days: int = PROFILE_DAYS,
                 prior: float = HOUR_PRIOR) -> np.ndarray:
    """(zones, 7, 24) share of each weekday's incidents per local hour, shrunk to the city.

    Uses timed incidents (not stamped 00:00:00) of the ``days`` days before
    ``end_day`` (absolute day number).
    """
    n_z = len(s.zones)
    m = s.ev_timed & (s.ev_day >= end_day - days) & (s.ev_day < end_day)
    idx = (s.ev_zone[m] * 7 + weekday(s.ev_day[m])) * 24 + s.ev_hour[m].astype(np.int64)
    c = np.bincount(idx, minlength=n_z * 168).reshape(n_z, 7, 24).astype(np.float64)
    city = c.sum(axis=0)
    pc = (city + 0.5) / (city.sum(axis=1, keepdims=True) + 12.0)
    return np.asarray((c + prior * pc[None]) / (c.sum(axis=2, keepdims=True) + prior))


def split_days(daily_mu: np.ndarray, first_day: int, profile: np.ndarray) -> np.ndarray:
    """(zones, days) daily expectations → (zones, days, 24) hourly ones."""
    wd = weekday(np.arange(first_day, first_day + daily_mu.shape[1]))
    return np.asarray(daily_mu[:, :, None] * profile[:, wd, :])


def actual_hourly(s: ZoneSeries, first_day: int, n_days: int) -> np.ndarray:
    m = (s.ev_day >= first_day) & (s.ev_day < first_day + n_days)
    idx = (s.ev_zone[m] * n_days + (s.ev_day[m] - first_day)) * 24 + s.ev_hour[m]
    n_z = len(s.zones)
    return np.bincount(idx, minlength=n_z * n_days * 24).reshape(n_z, n_days, 24).astype(float)

