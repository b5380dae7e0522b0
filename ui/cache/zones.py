"""Cached zone layers, zone counts and zone forecasts (stored or fitted on demand).

Zones are districts (``layer_id`` ``None``) or a stored layer
(``analytics.store.zones``). A zone forecast is read from the store when the
nightly job made one for the data's cut-off (``analytics.store.forecasts``), else
fitted on demand (``analytics.zone_forecast``) and cached. Lookups of stored
forecasts are cached for :data:`STORED_TTL_S` seconds only: the nightly job writes
forecasts without changing the data set id.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import pandas as pd
import streamlit as st

from analytics import store
from analytics.query import IncidentQuery
from ui.cache.connection import read_connection, staff_only
from ui.cache.resources import _boundaries

#: Seconds a stored-forecast lookup (or the list of layers) is reused.
STORED_TTL_S: Final = 120
_ZONE_COLUMNS: Final = ("occurred_at", "district", "lat", "lon")


@staff_only
@st.cache_data(show_spinner=False, ttl=STORED_TTL_S, max_entries=8)
def zone_layer_choices(dataset_id: str) -> list[tuple[int, str]]:
    """Stored layers (latest version of each name): ``[(layer_id, "Sectores (v2)")]``."""
    from analytics.store import zones as sz

    with read_connection() as con:
        df = sz.zone_layers(con)
    return [(int(r.layer_id), f"{r.name} (v{int(r.version)})") for r in df.itertuples()]


@staff_only
@st.cache_resource(show_spinner=False, max_entries=8)
def zone_layer(layer_id: int) -> Any:
    """``analytics.store.zones.load_zone_layer`` (a stored version never changes)."""
    from analytics.store import zones as sz

    with read_connection() as con:
        return sz.load_zone_layer(con, int(layer_id))


@staff_only
@st.cache_resource(show_spinner=False, max_entries=4)
def district_layer(names: tuple[str, ...]) -> Any:
    """``analytics.zones.districts_to_zones`` over the shipped district polygons."""
    from analytics import zones as zn

    return zn.districts_to_zones(_boundaries(), list(names))


@staff_only
@st.cache_data(show_spinner=False, max_entries=32)
def zone_counts(dataset_id: str, query: IncidentQuery, *, layer_id: int | None) -> pd.DataFrame:
    """``analytics.explore.zone_counts`` (districts, or the polygons of ``layer_id``)."""
    from analytics import explore

    zones = None if layer_id is None else zone_layer(layer_id)
    with read_connection() as con:
        return explore.zone_counts(con, query, zones=zones)


@staff_only
@st.cache_resource(show_spinner=False, max_entries=2)
def _zone_incidents(dataset_id: str) -> pd.DataFrame:
    """Every incident with time, district and point (shared, never mutated)."""
    with read_connection() as con:
        return store.load_incidents(con, columns=list(_ZONE_COLUMNS))


@staff_only
@st.cache_resource(show_spinner=False, max_entries=4)
def zone_events(dataset_id: str, *, layer_id: int | None) -> pd.DataFrame:
    """``analytics.zones.incidents_to_zone_events`` for districts or a stored layer."""
    from analytics import zones as zn

    inc = _zone_incidents(dataset_id)
    if layer_id is None:
        return zn.incidents_to_zone_events(inc, zone_column="district")
    return zn.incidents_to_zone_events(inc, zones=zone_layer(layer_id), zone_column="district")


@staff_only
@st.cache_data(show_spinner=False, ttl=STORED_TTL_S, max_entries=64)
def stored_forecast(dataset_id: str, **match: Any) -> Any:
    """``analytics.store.forecasts.stored_forecast`` (``(run, rows)`` or ``None``)."""
    from analytics.store import forecasts as sf

    with read_connection() as con:
        return sf.stored_forecast(con, **match)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def fitted_zone_forecast(dataset_id: str, *, layer_id: int | None, train_until: date,
                         horizon_days: int, by: str) -> Any:
    """``analytics.zone_forecast.forecast_zones`` fitted now (every zone of the layer)."""
    from analytics import zone_forecast as zf

    zones = None if layer_id is None else list(zone_layer(layer_id)["zone"])
    return zf.forecast_zones(zone_events(dataset_id, layer_id=layer_id),
                             train_until=pd.Timestamp(train_until), horizon_days=horizon_days,
                             by=by, zones=zones)  # type: ignore[arg-type]


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def fitted_period(dataset_id: str, *, start: date, end: date) -> Any:
    """``analytics.zone_period.forecast_period`` over the districts, fitted now."""
    from analytics import zone_period as zp

    return zp.forecast_period(zone_events(dataset_id, layer_id=None), start=pd.Timestamp(start),
                              end=pd.Timestamp(end))


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def period_counts(dataset_id: str, *, start: date, end: date) -> pd.Series:
    """``analytics.zone_period.counts_in_period`` of the districts."""
    from analytics import zone_period as zp

    return zp.counts_in_period(zone_events(dataset_id, layer_id=None), start=pd.Timestamp(start),
                               end=pd.Timestamp(end))


@staff_only
@st.cache_data(show_spinner=False, max_entries=64)
def cell_zones(layer_id: int, cells: tuple[str, ...]) -> dict[str, str]:
    """``analytics.zones.cells_to_zones``: the zone of each H3 cell's centre (``""``: none)."""
    from analytics import zones as zn

    if not cells:
        return {}
    names = zn.cells_to_zones(list(cells), zone_layer(layer_id))
    return {c: ("" if z is None else str(z)) for c, z in zip(cells, names, strict=True)}


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def zone_sheet_files(_table: pd.DataFrame, table_key: str, *, title: str, subtitle: str,
                     notes: tuple[str, ...]) -> tuple[bytes, bytes, bytes]:
    """``(csv, xlsx, pdf)`` of a zone forecast (``analytics.zone_sheet``).

    Keyed by ``table_key`` (dataset, layer, windows, stored run or fit, language).
    """
    from analytics import zone_sheet as zs

    return (zs.sheet_to_csv(_table), zs.sheet_to_xlsx(_table, title=title, notes=notes),
            zs.sheet_to_pdf(_table, title=title, subtitle=subtitle, notes=notes))
