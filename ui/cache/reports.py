"""Cached Codisec report tables, maps, trends and documents (``analytics.reports``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import store
from ui.cache.connection import read_connection, staff_only, staff_unless_public
from ui.cache.patrol_ops import plan_areas, report_compliance
from ui.cache.public import public_release
from ui.cache.resources import _boundaries

_REPORT_COLUMNS = ("occurred_at", "district", "crime_group", "crime_type", "h3_r12")


@staff_only
@st.cache_resource(show_spinner=False, max_entries=2)
def _report_incidents(dataset_id: str) -> pd.DataFrame:
    """Every incident with the report columns (shared, never mutated: analytics copies)."""
    with read_connection() as con:
        return store.load_incidents(con, columns=list(_REPORT_COLUMNS))


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def report_periods(dataset_id: str) -> dict[str, list[tuple[str, bool]]]:
    """Periods the data touches, newest first, per kind (``M``, ``Q``, ``Y``).

    Each label comes with a flag telling whether the data covers the whole
    period (same rule as the report tables).
    """
    from analytics import reports

    return reports.report_periods(_report_incidents(dataset_id))


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def report_tables(dataset_id: str, *, target: str, districts: tuple[str, ...],
                  baseline: str | None, goal_pct: float | None,
                  population: pd.DataFrame | None, resolution: int, top: int,
                  patrol: str | None = None) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Internal Codisec tables and notes (``analytics.reports.report_tables``).

    ``patrol`` (:func:`~ui.cache.patrol_ops.patrol_version`) adds the patrol-compliance
    table.
    """
    from analytics import reports

    comp = (report_compliance(patrol, target=target, districts=districts)
            if patrol is not None else None)
    areas = plan_areas(patrol, target=target) if patrol is not None else None
    return reports.report_tables(_report_incidents(dataset_id), target=target,
                                 districts=list(districts), baseline=baseline,
                                 goal_pct=goal_pct, population=population,
                                 resolution=resolution, top=top, plans=areas,
                                 compliance=comp)


@st.cache_data(show_spinner=False, max_entries=16)
def public_report_tables(dataset_id: str, *, target: str, districts: tuple[str, ...],
                         population: pd.DataFrame | None, k: int
                         ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Public tables and notes (``analytics.reports.public_report_tables`` of the release)."""
    from analytics import reports

    return reports.public_report_tables(public_release(dataset_id, k), target=target,
                                        districts=list(districts), population=population)


@staff_unless_public
@st.cache_data(show_spinner=False, max_entries=16)
def report_maps(dataset_id: str, *, target: str, districts: tuple[str, ...],
                population: pd.DataFrame | None, resolution: int, top: int, public: bool,
                k: int) -> list[bytes]:
    """The two PNG maps of the report (districts by rate; top or published cells)."""
    from analytics import reports

    if public:
        return reports.public_report_maps(public_release(dataset_id, k), _boundaries(),
                                          target=target, districts=list(districts),
                                          population=population)
    return reports.report_maps(_report_incidents(dataset_id), _boundaries(), target=target,
                               districts=list(districts), population=population,
                               resolution=resolution, top=top)


@staff_unless_public
@st.cache_data(show_spinner=False, max_entries=16)
def report_trend(dataset_id: str, *, target: str, districts: tuple[str, ...], months: int,
                 public: bool, k: int) -> pd.DataFrame:
    """Counts per district for ``months`` months up to the end of ``target``.

    Columns ``month`` (``2025-03``), ``district`` (key), ``count``. Public: the last
    ``months // 3`` published quarters of the release (``month`` holds the quarter label,
    ``2025-T3``), each a sum of published rows (never a raw total).
    """
    from analytics import disclosure, reports

    if public:
        rel = public_release(dataset_id, k)
        n = max(1, months // 3) if rel.period == "Q" else months
        g = disclosure.district_trend(rel, districts=districts, until=target, n=n)
        return g.rename(columns={"period": "month"})[["month", "district", "count"]]
    return reports.district_trend(_report_incidents(dataset_id), target=target,
                                  districts=districts, months=months)


@staff_unless_public
@st.cache_data(show_spinner=False, max_entries=8)
def report_documents(dataset_id: str, *, target: str, districts: tuple[str, ...],
                     baseline: str | None, goal_pct: float | None,
                     population: pd.DataFrame | None, resolution: int, top: int,
                     public: bool, k: int, title: str, subtitle: str,
                     user_notes: tuple[str, ...], patrol: str | None = None,
                     commitments: pd.DataFrame | None = None) -> tuple[bytes, bytes]:
    """``(xlsx, pdf)`` bytes of the report (Spanish; public ones checked before writing).

    ``patrol`` adds the patrol-compliance table to the internal report only;
    ``commitments``: the Codisec commitments table of the period
    (``ui.commitments_view``; the public one when ``public``), added as a sheet and a
    section.
    """
    from analytics import reports

    if public:
        tables, notes = public_report_tables(dataset_id, target=target, districts=districts,
                                             population=population, k=k)
    else:
        tables, notes = report_tables(dataset_id, target=target, districts=districts,
                                      baseline=baseline, goal_pct=goal_pct,
                                      population=population, resolution=resolution, top=top,
                                      patrol=patrol)
    maps = report_maps(dataset_id, target=target, districts=districts, population=population,
                       resolution=resolution, top=top, public=public, k=k)
    all_notes = [*notes, *user_notes]
    xlsx = reports.report_to_xlsx(tables, title=title, notes=all_notes, public=public, k=k,
                                  commitments=commitments)
    pdf = reports.report_to_pdf(tables, title=title, period=target, subtitle=subtitle,
                                notes=all_notes, map_images=maps, public=public, k=k,
                                commitments=commitments)
    return xlsx, pdf
