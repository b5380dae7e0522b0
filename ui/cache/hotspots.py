"""Cached hotspot maps of the Zonas críticas page (``analytics.hotspots.maps``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from analytics import explore
from analytics.query import IncidentQuery
from ui.cache.connection import read_connection, staff_only
from ui.cache.explore import cell_counts


# --------------------------------------------------------------------------- zonas críticas
# (pages/zonas_criticas.py) Gi*, local Moran, emerging hot spots and near repeat on
# the current filters. Inputs come from the store through explore's filter SQL; results are
# small per-cell frames (or the NearRepeatResult), keyed by dataset id, filters and options.
def _districts_of(dataset_id: str, query: IncidentQuery, resolution: int) -> dict[str, str]:
    counts = cell_counts(dataset_id, query, resolution=resolution)
    return dict(zip(counts["h3_id"], counts["district"].fillna("").astype(str), strict=True))


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def hotspot_gi(dataset_id: str, query: IncidentQuery, *, resolution: int, k: int,
               use_fdr: bool) -> pd.DataFrame:
    """``analytics.hotspots.maps.gi_star_map`` of the filtered cell counts."""
    from analytics.hotspots import maps

    counts = cell_counts(dataset_id, query, resolution=resolution)
    return maps.gi_star_map(counts[["h3", "n"]].rename(columns={"n": "count"}), k=k,
                            use_fdr=use_fdr,
                            districts=_districts_of(dataset_id, query, resolution))


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def hotspot_moran(dataset_id: str, query: IncidentQuery, *, resolution: int, k: int, use_fdr: bool,
                  permutations: int, seed: int) -> pd.DataFrame:
    """``analytics.hotspots.maps.local_moran_map`` of the filtered cell counts."""
    from analytics.hotspots import maps

    counts = cell_counts(dataset_id, query, resolution=resolution)
    return maps.local_moran_map(counts[["h3", "n"]].rename(columns={"n": "count"}), k=k,
                                use_fdr=use_fdr, permutations=permutations, seed=seed,
                                districts=_districts_of(dataset_id, query, resolution))


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def emerging(dataset_id: str, query: IncidentQuery, *, resolution: int, period: str, k: int,
             use_fdr: bool) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """``analytics.hotspots.maps.emerging_map`` of the filtered cell × period cube."""
    from analytics.hotspots import maps

    with read_connection() as con:
        cube = explore.counts_by_cell_period(con, replace(query, resolution=resolution),
                                             period=period)  # type: ignore[arg-type]
    return maps.emerging_map(cube, period=period, k=k,  # type: ignore[arg-type]
                             use_fdr=use_fdr,
                             districts=_districts_of(dataset_id, query, resolution))


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def near_repeat(dataset_id: str, query: IncidentQuery, *, permutations: int, seed: int,
                limit: int) -> tuple[Any, int]:
    """Knox near-repeat test on the ``limit`` most recent filtered incidents.

    Never sensitive ones (``explore.incident_points``). Returns
    ``(NearRepeatResult, n used)``.
    """
    from analytics import hotspots

    with read_connection() as con:
        pts = explore.incident_points(con, query, limit=limit)
    res = hotspots.near_repeat(pts, permutations=permutations, seed=seed)
    return res, len(pts)
