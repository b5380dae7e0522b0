"""Cached location-quality tables (Datos, Inicio) and the unplaced count of hexagon pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import explore, geocoding
from analytics.query import IncidentQuery
from ui.cache.connection import read_connection, staff_only


@staff_only
@st.cache_data(show_spinner=False, max_entries=32)
def unplaced_count(dataset_id: str, query: IncidentQuery) -> int:
    """``analytics.explore.unplaced_count``: incidents of the filter hexagons leave out."""
    with read_connection() as con:
        return explore.unplaced_count(con, query)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def precision_table(dataset_id: str, *, by: str | None = None) -> pd.DataFrame:
    """``analytics.geocoding.precision_table`` (overall, per import or per district)."""
    with read_connection() as con:
        return geocoding.precision_table(con, by=by)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def low_precision_districts(dataset_id: str) -> pd.DataFrame:
    """``analytics.geocoding.low_precision_districts``."""
    with read_connection() as con:
        return geocoding.low_precision_districts(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def location_reasons(dataset_id: str) -> pd.DataFrame:
    """``analytics.geocoding.location_reasons``."""
    with read_connection() as con:
        return geocoding.location_reasons(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def forced_points(dataset_id: str) -> pd.DataFrame:
    """``analytics.geocoding.forced_point_table``."""
    with read_connection() as con:
        return geocoding.forced_point_table(con)
