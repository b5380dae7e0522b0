"""Cached saved plans, GPS tracks, aliases and compliance (Plan, Cumplimiento, Reportes).

Saved plans, GPS tracks and aliases are keyed by :func:`patrol_version`, a short
string read on every run (plans, track imports and aliases change it, whoever
wrote them: the app or the CLI), so writing them never needs to clear the other
caches. Staff only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from ui.cache.connection import admin_connection, read_connection, staff_only
from ui.cache.resources import _boundaries


@staff_only
def patrol_version() -> str:
    """Cache key of the saved plans, tracks and aliases (``store.tracks.patrol_version``)."""
    from analytics.store import tracks as store_tracks

    with read_connection() as con:
        return store_tracks.patrol_version(con)


@contextmanager
def patrol_write_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """Exclusive writable connection for plans, tracks and aliases.

    Keeps ``st.cache_data`` (the forecast fit costs seconds): what reads those
    tables is keyed by :func:`patrol_version`. The same connection as
    :func:`admin_connection`.
    """
    with admin_connection() as con:
        yield con


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def saved_plans(version: str, *, limit: int) -> pd.DataFrame:
    """``store.plans.list_plans`` (newest first)."""
    from analytics.store import plans

    with read_connection() as con:
        return plans.list_plans(con, limit=limit)


@staff_only
@st.cache_data(show_spinner=False, max_entries=32)
def saved_plan(version: str, plan_id: str) -> tuple[dict[str, Any], pd.DataFrame]:
    """``(store.plans.plan_record, store.plans.plan_stops)`` of one plan."""
    from analytics.store import plans

    with read_connection() as con:
        return plans.plan_record(con, plan_id), plans.plan_stops(con, plan_id)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def plans_between(version: str, start: date, end: date) -> pd.DataFrame:
    """``store.plans.plans_in_period`` of ``[start, end)``."""
    from analytics.store import plans

    with read_connection() as con:
        return plans.plans_in_period(con, pd.Timestamp(start), pd.Timestamp(end))


@staff_only
@st.cache_resource(show_spinner=False, max_entries=4)
def plan_compliance(version: str, plan_ids: tuple[str, ...]) -> Any:
    """``analytics.compliance.plans_dosage`` (shared, never mutated)."""
    from analytics import compliance

    with read_connection() as con:
        return compliance.plans_dosage(con, list(plan_ids))


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def compliance_incidents(version: str, dataset_id: str, plan_ids: tuple[str, ...]
                         ) -> pd.DataFrame:
    """``analytics.compliance.dose_incidents`` of the measured plans."""
    from analytics import compliance

    pc = plan_compliance(version, plan_ids)
    with read_connection() as con:
        return compliance.dose_incidents(con, pc)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def track_aliases(version: str) -> pd.DataFrame:
    """``store.tracks.list_aliases``."""
    from analytics.store import tracks as store_tracks

    with read_connection() as con:
        return store_tracks.list_aliases(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def track_imports(version: str) -> pd.DataFrame:
    """``store.tracks.track_imports`` (counts only, no unit ids)."""
    from analytics.store import tracks as store_tracks

    with read_connection() as con:
        return store_tracks.track_imports(con, limit=20)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def plan_areas(version: str, *, target: str) -> pd.DataFrame:
    """Covered cells of the saved plans of a report period (``patrol.history.covered_cells``)."""
    from analytics import reports
    from analytics.patrol.history import covered_cells
    from analytics.store import plans

    start, end = reports.period_span(reports.label_to_period(target))
    with read_connection() as con:
        ids = plans.plans_in_period(con, start, end)["plan_id"].tolist()
        stops = plans.plan_stops(con, ids)
    return covered_cells(stops)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def report_compliance(version: str, *, target: str, districts: tuple[str, ...]
                      ) -> pd.DataFrame | None:
    """``analytics.compliance.report_compliance`` (internal report only)."""
    from analytics import compliance

    with read_connection() as con:
        return compliance.report_compliance(con, target=target, districts=list(districts))


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def shift_sheet_pdf(_stops: pd.DataFrame, stops_key: str, *, unit: str | None) -> bytes:
    """``analytics.shift_sheet.shift_sheet_pdf`` with the district outlines."""
    from analytics import shift_sheet

    return shift_sheet.shift_sheet_pdf(_stops, unit=unit, boundaries=_boundaries())


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def alias_suggestions(version: str, plan_id: str) -> pd.DataFrame:
    """``analytics.compliance.suggest_aliases`` of one plan's shift (device ids: staff only)."""
    from analytics import compliance

    with read_connection() as con:
        return compliance.suggest_aliases(con, plan_id)
