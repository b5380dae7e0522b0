"""The interventions register, evaluations and Codisec commitments: thin wrappers.

Register and commitment reads are small and not cached (a change shows at once); writes
use :func:`~ui.cache.connection.admin_connection` (short, exclusive, keeps the cached
incident data: no cached function reads these tables). Evaluations are cached by the
dataset and the area's GeoJSON and dates, so an edited intervention is evaluated again.
Everything is staff only (``staff_only``): a public session reaches none of it.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd
import streamlit as st

from ui.cache.connection import admin_connection, read_connection, staff_only, system_connection
from ui.cache.resources import _boundaries

#: Seed of the placebo areas: the same data and options give the same result.
EVALUATION_SEED: Final = 20261207


# --------------------------------------------------------------------------- register
@staff_only
def intervention_list() -> pd.DataFrame:
    """The register (``analytics.intervention_register.list_interventions``)."""
    from analytics import intervention_register as reg

    with read_connection() as con:
        return reg.list_interventions(con)


@staff_only
def intervention(ident: str) -> Any:
    """One register entry (``analytics.intervention_register.get_intervention``)."""
    from analytics import intervention_register as reg

    with read_connection() as con:
        return reg.get_intervention(con, ident)


@staff_only
def intervention_clash_notes(ident: str, *, buffer_m: float) -> list[str]:
    """Entries meeting ``ident``'s area or ring in its period (notes for the evaluation)."""
    from analytics import intervention_register as reg

    with read_connection() as con:
        return reg.clash_notes(con, reg.get_intervention(con, ident), buffer_m=buffer_m)


@staff_only
def add_intervention(**fields: Any) -> Any:
    """``analytics.intervention_register.add_intervention`` (audited); its ``RegisterChange``."""
    from analytics import intervention_register as reg

    with admin_connection() as con:
        return reg.add_intervention(con, **fields)


@staff_only
def update_intervention(ident: str, **fields: Any) -> Any:
    """``analytics.intervention_register.update_intervention`` (audited)."""
    from analytics import intervention_register as reg

    with admin_connection() as con:
        return reg.update_intervention(con, ident, **fields)


@staff_only
def remove_intervention(ident: str, *, user: str | None) -> Any:
    """``analytics.intervention_register.remove_intervention`` (audited)."""
    from analytics import intervention_register as reg

    with admin_connection() as con:
        return reg.remove_intervention(con, ident, user=user)


# --------------------------------------------------------------------------- areas
@st.cache_data(show_spinner=False, max_entries=4)
def boundary_districts() -> list[str]:
    """Names of the shipped district polygons (``analytics.area_sources.district_names``)."""
    from analytics import area_sources

    return area_sources.district_names(_boundaries())


@st.cache_data(show_spinner=False, max_entries=32)
def district_area(name: str) -> Any:
    """One district's polygon (``analytics.area_sources.area_from_district``)."""
    from analytics import area_sources

    return area_sources.area_from_district(_boundaries(), name)


# --------------------------------------------------------------------------- evaluation
@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def evaluation(dataset_id: str, area_geojson: str, *, start: str, end: str | None,
               months_before: int | None, months_after: int | None, buffer_m: float,
               control_geojson: str | None, crime_group: str | None, name: str,
               notes: tuple[str, ...]) -> Any:
    """``analytics.intervention_register.load_evaluation(...).run(...)`` (fixed seed).

    The store is read under its lock; the evaluation runs after the connection closes.
    """
    from analytics import intervention_register as reg

    with read_connection() as con:
        prepared = reg.load_evaluation(con, area_geojson, start=start, end=end,
                                       months_before=months_before, months_after=months_after,
                                       crime_group=crime_group, name=name, notes=notes)
    return prepared.run(buffer_m=buffer_m, control=control_geojson, seed=EVALUATION_SEED)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def evaluation_geometries(_result: Any, key: str, area_geojson: str,
                          control_geojson: str | None) -> dict[str, Any]:
    """``analytics.intervention_register.study_geometries`` with the district outlines."""
    from analytics import intervention_register as reg

    return reg.study_geometries(_result, area_geojson, control=control_geojson,
                                boundaries=_boundaries())


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def evaluation_document(_result: Any, key: str, *, subtitle: str) -> bytes:
    """The evaluation PDF (``analytics.intervention_report.evaluation_pdf``)."""
    from analytics.intervention_report import evaluation_pdf

    return evaluation_pdf(_result, subtitle=subtitle)


# --------------------------------------------------------------------------- commitments
@staff_only
def commitment_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(commitments, status reports)`` (``analytics.commitments.load_commitments``)."""
    from analytics import commitments

    with read_connection() as con:
        return commitments.load_commitments(con)


@staff_only
def add_commitment(**fields: Any) -> str:
    """``analytics.commitments.add_commitment`` (audited); the new id."""
    from analytics import commitments

    with admin_connection() as con:
        return commitments.add_commitment(con, **fields)


@staff_only
def record_commitment_status(ident: str, **fields: Any) -> None:
    """``analytics.commitments.record_status`` (audited)."""
    from analytics import commitments

    with admin_connection() as con:
        commitments.record_status(con, ident, **fields)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def commitment_indicators(dataset_id: str, *, target: str, districts: tuple[str, ...]
                          ) -> pd.DataFrame:
    """Counts per district and crime group of the report period.

    ``analytics.reports.district_indicators`` by ``crime_group``.
    """
    from analytics import reports
    from ui.cache.reports import _report_incidents

    return reports.district_indicators(_report_incidents(dataset_id), target=target,
                                       by="crime_group", districts=list(districts))


def public_commitments(*, at: Any, since: Any, districts: tuple[str, ...]) -> pd.DataFrame:
    """What, who, due date and status of the commitments: the public version, any role.

    ``analytics.commitments.public_commitments_table`` (no notes, zones, indicators or
    interventions), read on the app's own connection like the public release.
    """
    from analytics import commitments

    with system_connection() as con:
        return commitments.public_commitments_table(con, at=at, since=since,
                                                    districts=districts)
