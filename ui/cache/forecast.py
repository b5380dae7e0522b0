"""Cached forecasts of the Pronóstico and Plan pages (``analytics.forecast``, evaluation).

A forecast the nightly job stored (``python -m analytics forecast --store``) is read
instead of fitting when it has the same cut-off, horizon, group, model and resolution
(:func:`forecast_frame`); :func:`forecast_provenance` says which one a page shows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics import store
from analytics.forecast import day as fday
from analytics.query import IncidentQuery
from ui.cache.connection import read_connection, staff_only

# --------------------------------------------------------------------------- pronóstico
# (pages/pronostico.py) Forecast and backtest on the store's whole history: a
# forecast needs every past incident, so only the sidebar's districts (the area) apply,
# never its dates, types, shifts or weekdays. The expensive fit is cached once per
# (dataset, cut-off, horizon, group, model, resolution, districts); picking another day
# of the horizon or another set of shifts only slices that frame.
_FORECAST_COLUMNS = ("occurred_at", "h3_r12", "crime_group", "district")


#: Days forecast after the data's last day, and the seed of the forecast models on both
#: pages (Pronóstico, Plan): same data, same map, and one cache entry for both.
FORECAST_HORIZON_DAYS = fday.HORIZON_DAYS


FORECAST_SEED = fday.SEED


@staff_only
@st.cache_resource(show_spinner=False, max_entries=2)
def _forecast_incidents(dataset_id: str, districts: tuple[str, ...]) -> pd.DataFrame:
    """Located incidents with the forecast columns (shared, never mutated: analytics copies).

    Only incidents placed precisely enough for hexagons (``settings.HEX_PRECISIONS``).
    """
    with read_connection() as con:
        inc = store.load_incidents(con, query=IncidentQuery(districts=districts).located(),
                                   columns=list(_FORECAST_COLUMNS))
    return inc.loc[inc["h3_r12"].notna() & (inc["h3_r12"] > 0)].reset_index(drop=True)


def forecast_cutoff(day: date, last_day: date) -> tuple[date, int]:
    """``analytics.forecast.day.cutoff_for_day`` (not cached: instant)."""
    return fday.cutoff_for_day(day, last_day, horizon_days=FORECAST_HORIZON_DAYS)


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def _fitted_frame(dataset_id: str, *, train_until: date, horizon_days: int,
                  crime_group: str | None, model: str, resolution: int,
                  districts: tuple[str, ...], seed: int) -> pd.DataFrame:
    """``analytics.forecast.forecast_cells`` (shift windows) on the store (the slow step)."""
    from analytics import forecast as fc

    return fc.forecast_cells(_forecast_incidents(dataset_id, districts),
                             train_until=pd.Timestamp(train_until), horizon_days=horizon_days,
                             resolution=resolution, windows="shift", crime_group=crime_group,
                             model=model, seed=seed)


def _stored_frame(dataset_id: str, *, train_until: date, horizon_days: int,
                  crime_group: str | None, model: str, resolution: int) -> Any:
    """The nightly job's forecast for this cut-off, if it covers the horizon (else ``None``)."""
    from analytics import forecast as fc
    from ui.cache.zones import stored_forecast

    name = fc.DEFAULT_MODEL if model == "default" else model
    return stored_forecast(dataset_id, kind="cell", windows="shift",
                           train_until=pd.Timestamp(train_until),
                           covers_until=pd.Timestamp(train_until) + pd.Timedelta(
                               days=horizon_days),
                           resolution=resolution, crime_group=crime_group, model=name)


@staff_only
def forecast_frame(dataset_id: str, *, train_until: date, horizon_days: int,
                   crime_group: str | None, model: str, resolution: int,
                   districts: tuple[str, ...], seed: int, refit: bool = False) -> pd.DataFrame:
    """The shift-window cell forecast: the nightly job's, else fitted now and cached.

    A stored forecast with this cut-off is city-wide: it is cut to the cells of
    ``districts``.

    ``refit`` fits now even when a stored forecast exists. :func:`forecast_provenance`
    tells which one a page shows.
    """
    if not refit:
        hit = _stored_frame(dataset_id, train_until=train_until, horizon_days=horizon_days,
                            crime_group=crime_group, model=model, resolution=resolution)
        if hit is not None:
            run, frame = hit
            evidence = run.params.get("evidence")  # what ``auto`` chose, kept by the nightly job
            if districts:
                keep = set(forecast_cell_districts(dataset_id, resolution=resolution,
                                                   districts=districts).index.astype(str))
                frame = frame[frame["h3"].isin(keep)].reset_index(drop=True)
            if evidence:
                frame.attrs["evidence"] = evidence
            return frame  # type: ignore[no-any-return]
    return _fitted_frame(dataset_id, train_until=train_until, horizon_days=horizon_days,
                         crime_group=crime_group, model=model, resolution=resolution,
                         districts=districts, seed=seed)


@staff_only
def forecast_evidence(dataset_id: str, *, day: date, last_day: date, crime_group: str | None,
                      model: str, resolution: int, districts: tuple[str, ...],
                      seed: int, refit: bool = False) -> dict[str, Any] | None:
    """What the ``auto`` model found on the weeks before the cut-off of ``day``.

    ``attrs["evidence"]`` of the forecast :func:`forecast_frame` returns (fitted
    now, or kept with the nightly job's run) plus ``train_until``; ``None`` for
    the other models.
    """
    cut, horizon = forecast_cutoff(day, last_day)
    fr = forecast_frame(dataset_id, train_until=cut, horizon_days=horizon,
                        crime_group=crime_group, model=model, resolution=resolution,
                        districts=districts, seed=seed, refit=refit)
    evidence = fr.attrs.get("evidence")
    return None if not evidence else {**evidence, "train_until": cut}


@staff_only
def forecast_provenance(dataset_id: str, *, day: date, last_day: date,
                        crime_group: str | None, model: str, resolution: int,
                        refit: bool = False) -> Any:
    """The stored run a page's forecast of ``day`` comes from (``None``: fitted now)."""
    if refit:
        return None
    cut, horizon = forecast_cutoff(day, last_day)
    hit = _stored_frame(dataset_id, train_until=cut, horizon_days=horizon,
                        crime_group=crime_group, model=model, resolution=resolution)
    return None if hit is None else hit[0]


@staff_only
@st.cache_data(show_spinner=False, max_entries=16)
def forecast_cell_districts(dataset_id: str, *, resolution: int,
                            districts: tuple[str, ...]) -> pd.Series:
    """``analytics.geo.cells_to_districts`` of the cells with forecast incidents."""
    from analytics import geo, hexbin

    majority = hexbin.majority_districts(_forecast_incidents(dataset_id, districts),
                                         resolution=resolution)
    return geo.cells_to_districts(majority.index.to_numpy(), majority=majority.to_dict())


@staff_only
def forecast_day(dataset_id: str, *, day: date, last_day: date, shifts: tuple[str, ...],
                 crime_group: str | None, model: str, resolution: int,
                 districts: tuple[str, ...], seed: int, refit: bool = False) -> Any:
    """``analytics.forecast.day.forecast_day`` on :func:`forecast_frame` (stored or fitted)."""
    stored = None if refit else forecast_provenance(
        dataset_id, day=day, last_day=last_day, crime_group=crime_group, model=model,
        resolution=resolution)
    return _forecast_day(dataset_id, day=day, last_day=last_day, shifts=shifts,
                         crime_group=crime_group, model=model, resolution=resolution,
                         districts=districts, seed=seed,
                         run_id=None if stored is None else stored.run_id)


@staff_only
@st.cache_data(show_spinner=False, max_entries=32)
def _forecast_day(dataset_id: str, *, day: date, last_day: date, shifts: tuple[str, ...],
                  crime_group: str | None, model: str, resolution: int,
                  districts: tuple[str, ...], seed: int, run_id: str | None) -> Any:
    """The cached slice of one day (``run_id``: the stored forecast used, ``None``: fitted)."""
    cut, horizon = forecast_cutoff(day, last_day)
    fr = forecast_frame(dataset_id, train_until=cut, horizon_days=horizon,
                        crime_group=crime_group, model=model, resolution=resolution,
                        districts=districts, seed=seed, refit=run_id is None)
    names = forecast_cell_districts(dataset_id, resolution=resolution, districts=districts)
    return fday.forecast_day(fr, _forecast_incidents(dataset_id, districts), day=day,
                             last_day=last_day, shifts=shifts, resolution=resolution,
                             crime_group=crime_group, districts=names.to_dict())


@staff_only
@st.cache_data(show_spinner=False, max_entries=8)
def forecast_backtest(dataset_id: str, *, origins: tuple[date, ...], crime_group: str | None,
                      resolution: int, districts: tuple[str, ...], models: tuple[str, ...],
                      seed: int) -> Any:
    """``analytics.evaluation.backtest`` (shift windows, 7 days after each origin)."""
    from analytics import evaluation as ev, forecast as fc

    inc = _forecast_incidents(dataset_id, districts)
    binned = fc.bin_incidents(inc, resolution=resolution, crime_group=crime_group)
    return ev.backtest(binned, origins=[pd.Timestamp(o) for o in origins], horizon_days=7,
                       resolution=resolution, windows="shift", models=list(models), seed=seed)
