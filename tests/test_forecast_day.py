"""One day of a cell forecast: the cut-off rule, shift sums, intervals, actual counts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from analytics import hexbin
from analytics._errors import IncidentSchemaError
from analytics.forecast import day as fday
from analytics.forecast.history import INTERVAL

CELL = "8928308280fffff"


def _frame(day: str) -> pd.DataFrame:
    d = pd.Timestamp(day)
    rows = []
    for start, end, e in ((6, 14, 0.5), (14, 22, 1.5), (22, 30, 2.0)):
        rows.append({"h3": CELL, "window_start": d + pd.Timedelta(hours=start),
                     "window_end": d + pd.Timedelta(hours=end), "expected": e,
                     "lower": poisson.ppf(INTERVAL[0], e), "upper": poisson.ppf(INTERVAL[1], e)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("day", "cut", "horizon"), [
    (date(2025, 7, 1), date(2025, 7, 1), 7),     # the first day after the data
    (date(2025, 7, 10), date(2025, 7, 1), 10),   # beyond the usual horizon: a longer fit
    (date(2025, 6, 15), date(2025, 6, 15), 1),   # a past day: as forecast that morning
], ids=["tomorrow", "far", "past"])
def test_cutoff_for_day(day: date, cut: date, horizon: int) -> None:
    assert fday.cutoff_for_day(day, date(2025, 6, 30)) == (cut, horizon)


def test_shifts_add_up_and_the_interval_is_that_of_the_sum() -> None:
    incidents = pd.DataFrame({"occurred_at": pd.to_datetime([]), "h3_r12": np.array([], "u8"),
                              "crime_group": pd.Series([], dtype=object)})
    got = fday.forecast_day(_frame("2025-07-01"), incidents, day=date(2025, 7, 1),
                            last_day=date(2025, 6, 30), shifts=["tarde", "noche"],
                            resolution=9, districts={CELL: "LIMA"})
    row = got.cells.iloc[0]
    assert row["expected"] == pytest.approx(3.5)
    assert (row["lower"], row["upper"]) == (poisson.ppf(INTERVAL[0], 3.5),
                                            poisson.ppf(INTERVAL[1], 3.5))
    assert row["district"] == "LIMA" and np.isnan(row["actual"])  # a future day
    assert sorted(got.scale) == [3.5] and got.has_interval


def test_a_past_day_carries_what_happened() -> None:
    lat, lon = hexbin.cells_to_centers(hexbin.to_cells([CELL]))
    r12 = hexbin.points_to_cells(np.repeat(lat, 3), np.repeat(lon, 3))
    incidents = pd.DataFrame({
        "occurred_at": pd.to_datetime(["2025-06-20 07:00", "2025-06-20 23:30",
                                       "2025-06-21 01:00"]),
        "h3_r12": r12, "crime_group": ["patrimonio"] * 3})
    got = fday.forecast_day(_frame("2025-06-20"), incidents, day=date(2025, 6, 20),
                            last_day=date(2025, 6, 30), shifts=["mañana", "noche"],
                            resolution=9)
    # 07:00 is in the morning shift; 23:30 and 01:00 (next day) in that night's shift
    assert got.cells.iloc[0]["actual"] == 3
    with pytest.raises(IncidentSchemaError, match="siesta"):
        fday.forecast_day(_frame("2025-06-20"), incidents, day=date(2025, 6, 20),
                          last_day=date(2025, 6, 30), shifts=["siesta"], resolution=9)
