"""The live view of a command centre: this shift's incidents and the alerts on the map.

:func:`live_version` is a cheap cache key that changes with every import (an
API post, a file) and every rebuild of the alerts, so a page refreshing every
few seconds reads again only when something changed. :func:`shift_activity`
counts the incidents since the start of the current shift
(``settings.SHIFTS``, local time) and lists the latest; :func:`alerts_by_cell`
folds the alerts of several crime types on one cell into one row for the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics.store import alerts as store_alerts

#: Columns of :attr:`ShiftActivity.last`.
LAST_COLUMNS: Final = ("occurred_at", "crime_type", "crime_group", "district", "source",
                       "incident_id")


def local_now() -> datetime:
    """Local wall time (``settings.TIMEZONE``), naive, to the second."""
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def live_version(con: duckdb.DuckDBPyConnection) -> str:
    """A short string that changes with every import and every rebuild of the alerts."""
    last = con.execute("SELECT coalesce(max(import_id), 0), count(*) FROM imports").fetchall()[0]
    return f"{last[0]}-{last[1]}|{store_alerts.alerts_version(con)}"


def current_shift(now: datetime, *, shifts: tuple[tuple[str, int, int], ...] = settings.SHIFTS
                  ) -> tuple[str, datetime]:
    """``(name, start)`` of the shift ``now`` (local wall time) falls in."""
    name = str(hexbin.hours_to_shifts(np.array([now.hour]), shifts=shifts)[0])
    start = pd.Timestamp(hexbin.times_to_shift_starts(pd.Series([pd.Timestamp(now)]),
                                                      shifts=shifts).iloc[0])
    out: datetime = start.to_pydatetime()
    return name, out


@dataclass(frozen=True)
class ShiftActivity:
    """Incidents of the current shift.

    ``by_type``: ``crime_type, crime_group, n`` (most first); ``last``: the latest
    ones (:data:`LAST_COLUMNS`, newest first).
    """

    shift: str
    start: datetime
    now: datetime
    total: int
    by_type: pd.DataFrame
    last: pd.DataFrame


def shift_activity(con: duckdb.DuckDBPyConnection, *, now: datetime | None = None,
                   shifts: tuple[tuple[str, int, int], ...] = settings.SHIFTS,
                   last_n: int = settings.LIVE_LAST_INCIDENTS) -> ShiftActivity:
    """What happened since the current shift started (up to ``now``).

    Parameters
    ----------
    con
        Store connection (read-only is enough).
    now
        Local wall time (default: now).
    shifts
        The shifts (``settings.SHIFTS``).
    last_n
        How many of the latest incidents to list.
    """
    at = now or local_now()
    name, start = current_shift(at, shifts=shifts)
    params = [start, at]
    by_type = con.execute(
        "SELECT crime_type, crime_group, count(*) AS n FROM incidents "
        "WHERE occurred_at >= ? AND occurred_at <= ? GROUP BY 1, 2 ORDER BY n DESC, 1",
        params).df()
    last = con.execute(
        f"SELECT {', '.join(LAST_COLUMNS)} FROM incidents WHERE occurred_at >= ? "
        "AND occurred_at <= ? ORDER BY occurred_at DESC, incident_id LIMIT ?",
        [*params, int(last_n)]).df()
    return ShiftActivity(shift=name, start=start, now=at, total=int(by_type["n"].sum()),
                         by_type=by_type, last=last)


def alerts_by_cell(alerts: pd.DataFrame) -> pd.DataFrame:
    """The alerts folded into one row per cell, the latest expiry first.

    Columns ``h3, lat, lon, crime_types`` (joined), ``expires_at`` (latest),
    ``n_incidents`` (sum over types), ``risk_ratio`` (largest known),
    ``trigger_incident_id`` (of the latest expiry).
    """
    cols = ["h3", "lat", "lon", "crime_types", "expires_at", "n_incidents", "risk_ratio",
            "trigger_incident_id"]
    if alerts.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    a = alerts.sort_values(["expires_at", "crime_type"], ascending=[False, True], kind="stable")
    grouped = a.groupby("h3", sort=False)
    out = pd.DataFrame({
        "lat": grouped["lat"].first(), "lon": grouped["lon"].first(),
        "crime_types": grouped["crime_type"].agg(lambda s: ", ".join(sorted(set(map(str, s))))),
        "expires_at": grouped["expires_at"].max(),
        "n_incidents": grouped["n_incidents"].sum().astype("int64"),
        "risk_ratio": grouped["risk_ratio"].max(),
        "trigger_incident_id": grouped["trigger_incident_id"].first(),
    }).reset_index()
    return out[cols].sort_values("expires_at", ascending=False, kind="stable").reset_index(
        drop=True)
