"""The only Streamlit-aware cache of the app: thin wrappers around analytics calls.

Every function here either hands out a store connection or wraps ONE analytics call
with ``st.cache_data`` / ``st.cache_resource``; none holds SQL or analytics. The
modules: :mod:`~ui.cache.connection` (store access and the public gate),
:mod:`~ui.cache.explore`, :mod:`~ui.cache.resources`, :mod:`~ui.cache.reports`,
:mod:`~ui.cache.hotspots`, :mod:`~ui.cache.public`, :mod:`~ui.cache.patrol`,
:mod:`~ui.cache.forecast`, :mod:`~ui.cache.zones`; everything is re-exported here
(``ui.cache.kpis``).

Store access
------------
The app opens ONE read-only DuckDB connection per process and store path
while it reads (short-lived cursors, safe across threads) and closes it as soon
as no read is running (~30 ms to reopen; cached results make reopening rare).
Every connection holds the store's cross-process lock (``analytics.store``):
while another process (e.g. ``python -m analytics ingest``) writes or waits to
write, a new read waits for it (at most ``settings.STORE_READ_TIMEOUT_S``, then a
Spanish ``StoreError`` that pages show with ``st.error``), and reads that start
while a writer is queued let the open connection close so the writer gets in.
Writes go through :func:`write_connection`: it waits for running reads, opens a
short-lived writable connection, and afterwards clears ``st.cache_data`` so every
page sees the new data.

The public gate
---------------
``app.py`` records each session's role (:func:`set_viewer`). For the public role
every wrapper of internal data (:func:`staff_only`, checked before the shared cache
is consulted) and :func:`read_connection` raise ``AccessDeniedError``: a public
session only reaches the published release (:mod:`~ui.cache.public`), whatever page
asks, including pages written later. ``tests/test_public_gate.py`` walks every page.

Cached functions take ``dataset_id`` (changes whenever the store's content
changes) and the frozen :class:`~analytics.query.IncidentQuery` of the filters as
their key; large frames are never arguments. From a page::

    q = ui.filters.current()
    cells = ui.cache.cell_counts(ctx.dataset_id, q, resolution=q.resolution)
"""

from __future__ import annotations

from ui.cache.connection import (
    OFFLINE_ENV as OFFLINE_ENV,
)
from ui.cache.connection import (
    VIEWER_KEY as VIEWER_KEY,
)
from ui.cache.connection import (
    P as P,
)
from ui.cache.connection import (
    R as R,
)
from ui.cache.connection import (
    StoreHandle as StoreHandle,
)
from ui.cache.connection import (
    admin_connection as admin_connection,
)
from ui.cache.connection import (
    clear_all as clear_all,
)
from ui.cache.connection import (
    dataset_id as dataset_id,
)
from ui.cache.connection import (
    handle as handle,
)
from ui.cache.connection import (
    login_throttle as login_throttle,
)
from ui.cache.connection import (
    public_viewer as public_viewer,
)
from ui.cache.connection import (
    read_connection as read_connection,
)
from ui.cache.connection import (
    set_viewer as set_viewer,
)
from ui.cache.connection import (
    staff_only as staff_only,
)
from ui.cache.connection import (
    store_exists as store_exists,
)
from ui.cache.connection import (
    store_path as store_path,
)
from ui.cache.connection import (
    system_connection as system_connection,
)
from ui.cache.connection import (
    write_connection as write_connection,
)
from ui.cache.explore import (
    calendar_marks as calendar_marks,
)
from ui.cache.explore import (
    cell_counts as cell_counts,
)
from ui.cache.explore import (
    cell_frames as cell_frames,
)
from ui.cache.explore import (
    cell_profile as cell_profile,
)
from ui.cache.explore import (
    daily_series as daily_series,
)
from ui.cache.explore import (
    default_period as default_period,
)
from ui.cache.explore import (
    filter_options as filter_options,
)
from ui.cache.explore import (
    freshness as freshness,
)
from ui.cache.explore import (
    hour_weekday_matrix as hour_weekday_matrix,
)
from ui.cache.explore import (
    imports_history as imports_history,
)
from ui.cache.explore import (
    incident_points as incident_points,
)
from ui.cache.explore import (
    kpis as kpis,
)
from ui.cache.explore import (
    quality_warnings as quality_warnings,
)
from ui.cache.explore import (
    quarantine_rows as quarantine_rows,
)
from ui.cache.explore import (
    sidebar_data as sidebar_data,
)
from ui.cache.explore import (
    stl as stl,
)
from ui.cache.explore import (
    top_cells as top_cells,
)
from ui.cache.explore import (
    type_counts as type_counts,
)
from ui.cache.explore import (
    type_mix as type_mix,
)
from ui.cache.explore import (
    weekly_series as weekly_series,
)
from ui.cache.forecast import (
    FORECAST_HORIZON_DAYS as FORECAST_HORIZON_DAYS,
)
from ui.cache.forecast import (
    FORECAST_SEED as FORECAST_SEED,
)
from ui.cache.forecast import (
    forecast_backtest as forecast_backtest,
)
from ui.cache.forecast import (
    forecast_cell_districts as forecast_cell_districts,
)
from ui.cache.forecast import (
    forecast_cutoff as forecast_cutoff,
)
from ui.cache.forecast import (
    forecast_day as forecast_day,
)
from ui.cache.forecast import (
    forecast_frame as forecast_frame,
)
from ui.cache.forecast import (
    forecast_provenance as forecast_provenance,
)
from ui.cache.hotspots import (
    emerging as emerging,
)
from ui.cache.hotspots import (
    hotspot_gi as hotspot_gi,
)
from ui.cache.hotspots import (
    hotspot_moran as hotspot_moran,
)
from ui.cache.hotspots import (
    near_repeat as near_repeat,
)
from ui.cache.patrol import (
    cell_districts as cell_districts,
)
from ui.cache.patrol import (
    patrol_plan as patrol_plan,
)
from ui.cache.patrol import (
    plan_area as plan_area,
)
from ui.cache.patrol import (
    plan_briefing as plan_briefing,
)
from ui.cache.patrol import (
    shift_plans as shift_plans,
)
from ui.cache.public import (
    public_cell_counts as public_cell_counts,
)
from ui.cache.public import (
    public_choices as public_choices,
)
from ui.cache.public import (
    public_kpis as public_kpis,
)
from ui.cache.public import (
    public_release as public_release,
)
from ui.cache.public import (
    public_report_periods as public_report_periods,
)
from ui.cache.reports import (
    public_report_tables as public_report_tables,
)
from ui.cache.reports import (
    report_documents as report_documents,
)
from ui.cache.reports import (
    report_maps as report_maps,
)
from ui.cache.reports import (
    report_periods as report_periods,
)
from ui.cache.reports import (
    report_tables as report_tables,
)
from ui.cache.reports import (
    report_trend as report_trend,
)
from ui.cache.resources import (
    basemap_available as basemap_available,
)
from ui.cache.resources import (
    districts_geojson as districts_geojson,
)
from ui.cache.resources import (
    districts_in_view as districts_in_view,
)
from ui.cache.resources import (
    population as population,
)
from ui.cache.zones import (
    cell_zones as cell_zones,
)
from ui.cache.zones import (
    district_layer as district_layer,
)
from ui.cache.zones import (
    fitted_period as fitted_period,
)
from ui.cache.zones import (
    fitted_zone_forecast as fitted_zone_forecast,
)
from ui.cache.zones import (
    period_counts as period_counts,
)
from ui.cache.zones import (
    stored_forecast as stored_forecast,
)
from ui.cache.zones import (
    zone_counts as zone_counts,
)
from ui.cache.zones import (
    zone_layer as zone_layer,
)
from ui.cache.zones import (
    zone_layer_choices as zone_layer_choices,
)
from ui.cache.zones import (
    zone_sheet_files as zone_sheet_files,
)
