"""Forecast tables as patrol inputs: window parsing, selection, a day's shifts, current plans."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from analytics._errors import InfeasiblePlanError
from analytics.patrol import windows


@pytest.fixture(scope="module")
def forecast() -> pd.DataFrame:
    """Two shifts of 3 March 2025 over 61 cells of La Victoria, as a CSV reads back."""
    rng = np.random.default_rng(7)
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(-12.068, -77.018, 9), 4))
    frames = []
    for ws in ("2025-03-03T06:00:00", "2025-03-03T14:00:00"):
        frames.append(pd.DataFrame({
            "h3": cells, "window_start": ws,
            "window_end": (pd.Timestamp(ws) + pd.Timedelta(hours=8)).isoformat(),
            "expected": rng.gamma(0.5, 0.4, len(cells))}))
    return pd.concat(frames, ignore_index=True)


def test_select_window_default_and_named(forecast: pd.DataFrame) -> None:
    first = windows.select_window(forecast)
    assert first.start == pd.Timestamp("2025-03-03 06:00") and first.hours == 8
    assert list(first.cells.columns) == ["h3", "expected"]
    named = windows.select_window(forecast, "2025-03-03T14:00+00:00")  # offset dropped
    assert named.start == pd.Timestamp("2025-03-03 14:00")
    assert named.end == pd.Timestamp("2025-03-03 22:00")


@pytest.mark.parametrize(("frame", "match"), [
    (pd.DataFrame({"h3": ["x"], "expected": [1.0]}), "window_start"),
    (pd.DataFrame({"h3": [], "window_start": [], "expected": []}), "vacío"),
    (pd.DataFrame({"h3": ["x"], "window_start": ["mañana"], "expected": [1.0]}),
     "no son fechas"),
], ids=["missing", "empty", "not-dates"])
def test_bad_forecasts_are_refused(frame: pd.DataFrame, match: str) -> None:
    with pytest.raises(InfeasiblePlanError, match=match):
        windows.parse_windows(frame)


def test_unknown_window_names_the_span(forecast: pd.DataFrame) -> None:
    with pytest.raises(InfeasiblePlanError, match="no está en el pronóstico"):
        windows.select_window(forecast, "2030-01-01 06:00")


FIXED = h3.latlng_to_cell(-12.068, -77.018, 9)


def test_day_windows_and_plans_of_every_shift(forecast: pd.DataFrame) -> None:
    day = windows.day_windows(forecast, "2025-03-03")
    assert day == sorted(pd.to_datetime(forecast["window_start"]).unique())
    plans = windows.plan_windows(forecast, day, units=1, radius_m=400, dwell_min=15,
                                 fixed=[FIXED, "not-in-forecast"], current=[FIXED])
    assert [p.window.start for p in plans] == day
    for p in plans:
        assert FIXED in set(p.plan.routes["h3"])
        assert p.current_expected is not None and p.current_expected <= p.plan.objective + 1e-9


def test_current_plan_cells_from_any_cell_header() -> None:
    t = pd.DataFrame({"Celda": [" 898e62c0d1bffff", "898e62c0d1bffff", None]})
    assert windows.cells_from_table(t) == ["898e62c0d1bffff"]
    with pytest.raises(InfeasiblePlanError, match="columna"):
        windows.cells_from_table(pd.DataFrame({"x": [1]}))
