"""The public release (``analytics.disclosure``) and every public view.

This is the only data a public session gets. The publico role reads ONE
``analytics.disclosure.PublicRelease`` per data set: suppressed base tables; every
public figure is a sum of their published rows. From a query only whole published
periods inside ``[start, end]``, groups and districts are used; what the release
cannot express (days inside a quarter, types, shifts, weekdays) is ignored.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from analytics import settings
from analytics.query import IncidentQuery
from ui.cache.connection import system_connection


@st.cache_resource(show_spinner=False, max_entries=2)
def _public_release(dataset_id: str, k: int) -> Any:
    from analytics import disclosure

    with system_connection() as con:  # the one privileged read: builds the release
        return disclosure.release_from_store(con, k=k)


def public_release(dataset_id: str, k: int | None = None) -> Any:
    """The :class:`analytics.disclosure.PublicRelease` of the data set.

    Built once per data set; ``k`` defaults to ``settings.PUBLIC_MIN_COUNT``.
    """
    return _public_release(dataset_id, settings.PUBLIC_MIN_COUNT if k is None else int(k))


def _public_selection(dataset_id: str, query: IncidentQuery
                      ) -> tuple[Any, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    from analytics import disclosure

    rel = public_release(dataset_id)
    members = disclosure.span_members(rel, query.start, query.end)
    return rel, members, query.groups, query.districts


@st.cache_data(show_spinner=False, max_entries=8)
def public_choices(dataset_id: str | None) -> dict[str, Any]:
    """What the public sidebar offers.

    ``periods`` (label, complete) newest first, quarters then years; ``default`` (the
    newest complete quarter); ``groups``; ``districts``; ``first`` and ``last`` published
    days.
    """
    from analytics import disclosure

    if not dataset_id:
        return {"periods": [], "default": None, "groups": [], "districts": [], "first": None,
                "last": None}
    rel = public_release(dataset_id)
    opts = disclosure.period_options(rel)
    periods = [p for kind in ("Q", "Y") for p in opts.get(kind, [])]
    default = next((lab for lab, ok in opts.get("Q", []) if ok), None)
    first = disclosure.label_bounds(rel.periods[0])[0] if rel.periods else None
    last = disclosure.label_bounds(rel.periods[-1])[1] if rel.periods else None
    return {"periods": periods, "default": default or (periods[0][0] if periods else None),
            "groups": list(rel.groups), "districts": list(rel.district_names),
            "first": first, "last": last}


@st.cache_data(show_spinner=False, max_entries=32)
def public_kpis(dataset_id: str, query: IncidentQuery) -> Any:
    """``analytics.disclosure.period_kpis``: published sums against the previous period."""
    from analytics import disclosure

    return disclosure.period_kpis(public_release(dataset_id), start=query.start,
                                  end=query.end, groups=query.groups, districts=query.districts)


@st.cache_data(show_spinner=False, max_entries=16)
def public_cell_counts(dataset_id: str, query: IncidentQuery, *, resolution: int,
                       k: int | None = None) -> pd.DataFrame:
    """Published cells for the public map and top list (columns of :func:`cell_counts`).

    ``analytics.disclosure.cell_map`` of the release: ``n`` is the sum of a cell's
    published rows, ``top_types`` lists its published groups, ``peak_hour`` is empty.
    """
    from analytics import disclosure

    rel, members, groups, districts = _public_selection(dataset_id, query)
    res = min(int(resolution), settings.PUBLIC_MAX_RESOLUTION)
    df = disclosure.cell_map(rel, periods=members, groups=groups, districts=districts,
                             resolution=res)
    df["peak_hour"] = pd.Series(pd.NA, index=df.index, dtype="Int64")
    return df[["h3", "h3_id", "n", "rate_km2", "top_types", "peak_hour", "district", "lat",
               "lon"]]


@st.cache_data(show_spinner=False, max_entries=8)
def public_report_periods(dataset_id: str) -> dict[str, list[tuple[str, bool]]]:
    """Periods of the public report (``analytics.disclosure.period_options``)."""
    from analytics import disclosure

    return disclosure.period_options(public_release(dataset_id))
