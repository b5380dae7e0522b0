"""Cached patrol plans, coverage areas and briefings.

Wrappers of ``analytics.patrol`` and ``analytics.briefing``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui.cache.connection import read_connection, staff_only
from ui.cache.resources import _boundaries


# --------------------------------------------------------------------------- plan de patrullaje
# (pages/plan_patrullaje.py) the exact patrol plan for one window and the PDF
# briefing, keyed by dataset id and plain inputs. Its forecast is the Pronóstico page's
# (forecast_cutoff / forecast_frame below, same cache key).
@staff_only
@st.cache_data(show_spinner=False, max_entries=64)
def cell_districts(dataset_id: str, cells: tuple[str, ...]) -> dict[str, str]:
    """``analytics.explore.cell_districts`` (the one cell → district rule)."""
    from analytics import explore

    if not cells:
        return {}
    with read_connection() as con:
        s = explore.cell_districts(con, list(cells))
    return dict(zip(cells, s.astype(str).tolist(), strict=True))


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def patrol_plan(dataset_id: str, window: pd.DataFrame, *, units: int, radius_m: float,
                dwell_min: float,
                fixed: tuple[str, ...], excluded: tuple[str, ...], window_start: Any,
                window_hours: float) -> Any:
    """``analytics.patrol.place_patrols_on_cells`` for one forecast window (``h3, expected``)."""
    from analytics import patrol

    cells = tuple(window["h3"].astype(str))
    names = cell_districts(dataset_id, cells)
    districts = pd.Series([names.get(c, "") for c in cells], index=list(cells), dtype=str)
    return patrol.place_patrols_on_cells(
        window[["h3", "expected"]], units=int(units), radius_m=float(radius_m),
        dwell_min=float(dwell_min), fixed=list(fixed), excluded=list(excluded),
        districts=districts, window_start=window_start, window_hours=float(window_hours))


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def shift_plans(dataset_id: str, forecast: pd.DataFrame, starts: tuple[Any, ...], *,
                units: int,
                radius_m: float, dwell_min: float, fixed: tuple[str, ...],
                excluded: tuple[str, ...], current: tuple[str, ...]) -> list[Any]:
    """``analytics.patrol.windows.plan_windows`` (other shifts of the day, for the PDF)."""
    from analytics.patrol import windows

    names = cell_districts(dataset_id, tuple(sorted(set(forecast["h3"].astype(str)))))
    return windows.plan_windows(forecast, starts, units=units, radius_m=radius_m,
                                dwell_min=dwell_min, fixed=fixed, excluded=excluded,
                                current=current, districts=pd.Series(names, dtype=str))


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def plan_area(_plan: Any, plan_key: str) -> pd.DataFrame:
    """``PatrolPlan.covered_area()`` (cells on the ground within the radius, by unit)."""
    return _plan.covered_area()


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def plan_briefing(_pages: Any, pages_key: str, *, title: str, subtitle: str) -> bytes:
    """The PDF briefing (``analytics.briefing.briefing_pdf``) with the district outlines."""
    from analytics import briefing

    return briefing.briefing_pdf(_pages, title=title, subtitle=subtitle,
                                 boundaries=_boundaries())
