"""Cached exploration aggregates (Inicio, Mapa, Patrones, Datos).

Thin ``st.cache_data`` wrappers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics import explore, store
from analytics.query import IncidentQuery
from ui.cache.connection import read_connection, staff_only


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def freshness(dataset_id: str) -> explore.Freshness:
    """Row count, time span and last import."""
    with read_connection() as con:
        return explore.data_freshness(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def filter_options(dataset_id: str) -> dict[str, list[str]]:
    """Distinct groups, types and districts for the sidebar."""
    with read_connection() as con:
        return explore.filter_options(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def default_period(dataset_id: str) -> tuple[date, date] | None:
    """Last 90 days of data."""
    with read_connection() as con:
        return explore.default_period(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=32)
def kpis(dataset_id: str, query: IncidentQuery) -> explore.Kpis:
    """KPIs against the previous equal period."""
    with read_connection() as con:
        return explore.kpis(con, query)


@staff_only
@st.cache_data(show_spinner=False, max_entries=32)
def cell_counts(dataset_id: str, query: IncidentQuery, *, resolution: int) -> pd.DataFrame:
    """Counts per cell with tooltip facts."""
    with read_connection() as con:
        return explore.cell_counts(con, replace(query, resolution=resolution))


@staff_only
@st.cache_data(show_spinner=False, max_entries=32)
def top_cells(dataset_id: str, query: IncidentQuery, *, resolution: int,
              n: int = 10) -> pd.DataFrame:
    """Top cells with district names."""
    with read_connection() as con:
        return explore.top_cells(con, replace(query, resolution=resolution), n=n)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def cell_frames(dataset_id: str, query: IncidentQuery, *, resolution: int,
                step: str) -> pd.DataFrame:
    """Counts per cell and time-player frame."""
    with read_connection() as con:
        return explore.cell_frames(con, replace(query, resolution=resolution),
                                   step=step)  # type: ignore[arg-type]


@staff_only
@st.cache_data(show_spinner=False, max_entries=32)
def cell_profile(dataset_id: str, query: IncidentQuery, cell: str, *, resolution: int
                 ) -> explore.CellProfile:
    """Hours, weekdays, types and weekly trend of one cell."""
    with read_connection() as con:
        return explore.cell_profile(con, replace(query, resolution=resolution), cell)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def incident_points(dataset_id: str, query: IncidentQuery, *, limit: int = 5000) -> pd.DataFrame:
    """Recent non-sensitive points."""
    with read_connection() as con:
        return explore.incident_points(con, query, limit=limit)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def hour_weekday_matrix(dataset_id: str, query: IncidentQuery) -> pd.DataFrame:
    """168 weekday × hour counts."""
    with read_connection() as con:
        return explore.hour_weekday_matrix(con, query)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def daily_series(dataset_id: str, query: IncidentQuery) -> pd.Series:
    """Counts per day."""
    with read_connection() as con:
        return explore.daily_series(con, query)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def weekly_series(dataset_id: str, query: IncidentQuery) -> pd.Series:
    """Counts per week."""
    with read_connection() as con:
        return explore.weekly_series(con, query)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def type_mix(dataset_id: str, query: IncidentQuery, *, by: str = "group") -> pd.DataFrame:
    """Weekly counts per group or top type."""
    with read_connection() as con:
        return explore.type_mix(con, query, by=by)  # type: ignore[arg-type]


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def type_counts(dataset_id: str, query: IncidentQuery) -> pd.DataFrame:
    """Counts per crime type."""
    with read_connection() as con:
        return explore.type_counts(con, query)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def quality_warnings(dataset_id: str) -> list[dict[str, Any]]:
    """Quarantined rows, stacked points, incidents outside every district."""
    with read_connection() as con:
        return explore.quality_warnings(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def quarantine_rows(dataset_id: str) -> pd.DataFrame:
    """Every quarantined row with its reason."""
    with read_connection() as con:
        return store.quarantine_rows(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def imports_history(dataset_id: str) -> pd.DataFrame:
    """One row per import."""
    with read_connection() as con:
        return store.imports_history(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def stl(dataset_id: str, query: IncidentQuery, *, period: int = 7) -> pd.DataFrame:
    """STL decomposition of the daily series."""
    with read_connection() as con:
        s = explore.daily_series(con, query)
    return explore.stl_decompose(s, period=period)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def calendar_marks(start: date, end: date, lang: str) -> pd.DataFrame:
    """Holidays (Peru) and paydays in a range."""
    return explore.calendar_marks(start, end, language="es" if lang == "es" else "en_US")


@staff_only
def sidebar_data(dataset_id: str | None
                 ) -> tuple[dict[str, list[str]], tuple[date, date] | None,
                            tuple[date, date] | None]:
    """What the staff sidebar offers: options, default period, date-picker bounds."""
    if not dataset_id:
        return {}, None, None
    fr = freshness(dataset_id)
    bounds = ((fr.first.date(), fr.last.date()) if fr.first is not None and fr.last is not None
              else None)
    return filter_options(dataset_id), default_period(dataset_id), bounds
