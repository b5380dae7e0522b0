"""The only Streamlit-aware cache of the app: thin wrappers around analytics calls.

Every function here either hands out a store connection or wraps ONE analytics call
with ``st.cache_data`` / ``st.cache_resource``; none holds SQL or analytics. The
modules: :mod:`~ui.cache.connection` (store access and the public gate),
:mod:`~ui.cache.explore`, :mod:`~ui.cache.resources`, :mod:`~ui.cache.reports`,
:mod:`~ui.cache.hotspots`, :mod:`~ui.cache.public`, :mod:`~ui.cache.patrol`,
:mod:`~ui.cache.forecast`, :mod:`~ui.cache.patrol_ops`, :mod:`~ui.cache.interventions`,
:mod:`~ui.cache.zones`, :mod:`~ui.cache.live`, :mod:`~ui.cache.locations`;
everything is re-exported here (``ui.cache.kpis``).

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
    VIEWER_KEY as VIEWER_KEY,
    P as P,
    R as R,
    StoreHandle as StoreHandle,
    admin_connection as admin_connection,
    clear_all as clear_all,
    dataset_id as dataset_id,
    handle as handle,
    login_throttle as login_throttle,
    public_viewer as public_viewer,
    read_connection as read_connection,
    set_viewer as set_viewer,
    staff_only as staff_only,
    staff_unless_public as staff_unless_public,
    store_exists as store_exists,
    store_path as store_path,
    system_connection as system_connection,
    write_connection as write_connection,
)
from ui.cache.explore import (
    calendar_marks as calendar_marks,
    cell_counts as cell_counts,
    cell_frames as cell_frames,
    cell_profile as cell_profile,
    daily_series as daily_series,
    default_period as default_period,
    filter_options as filter_options,
    freshness as freshness,
    hour_weekday_matrix as hour_weekday_matrix,
    imports_history as imports_history,
    incident_points as incident_points,
    kpis as kpis,
    quality_warnings as quality_warnings,
    quarantine_rows as quarantine_rows,
    sidebar_data as sidebar_data,
    stl as stl,
    top_cells as top_cells,
    type_counts as type_counts,
    type_mix as type_mix,
    weekly_series as weekly_series,
)
from ui.cache.forecast import (
    FORECAST_HORIZON_DAYS as FORECAST_HORIZON_DAYS,
    FORECAST_SEED as FORECAST_SEED,
    forecast_backtest as forecast_backtest,
    forecast_cell_districts as forecast_cell_districts,
    forecast_cutoff as forecast_cutoff,
    forecast_day as forecast_day,
    forecast_evidence as forecast_evidence,
    forecast_frame as forecast_frame,
    forecast_provenance as forecast_provenance,
)
from ui.cache.hotspots import (
    emerging as emerging,
    hotspot_gi as hotspot_gi,
    hotspot_moran as hotspot_moran,
    near_repeat as near_repeat,
)
from ui.cache.interventions import (
    EVALUATION_SEED as EVALUATION_SEED,
    add_commitment as add_commitment,
    add_intervention as add_intervention,
    boundary_districts as boundary_districts,
    commitment_frames as commitment_frames,
    commitment_indicators as commitment_indicators,
    district_area as district_area,
    evaluation as evaluation,
    evaluation_document as evaluation_document,
    evaluation_geometries as evaluation_geometries,
    intervention as intervention,
    intervention_clash_notes as intervention_clash_notes,
    intervention_list as intervention_list,
    public_commitments as public_commitments,
    record_commitment_status as record_commitment_status,
    remove_intervention as remove_intervention,
    update_intervention as update_intervention,
)
from ui.cache.live import (
    alert_rules as alert_rules,
    live_alerts as live_alerts,
    live_version as live_version,
    shift_activity as shift_activity,
)
from ui.cache.locations import (
    forced_points as forced_points,
    location_reasons as location_reasons,
    low_precision_districts as low_precision_districts,
    precision_table as precision_table,
    unplaced_count as unplaced_count,
)
from ui.cache.patrol import (
    cell_districts as cell_districts,
    patrol_plan as patrol_plan,
    plan_area as plan_area,
    plan_briefing as plan_briefing,
    shift_plans as shift_plans,
)
from ui.cache.patrol_ops import (
    alias_suggestions as alias_suggestions,
    compliance_incidents as compliance_incidents,
    patrol_version as patrol_version,
    patrol_write_connection as patrol_write_connection,
    plan_areas as plan_areas,
    plan_compliance as plan_compliance,
    plans_between as plans_between,
    report_compliance as report_compliance,
    saved_plan as saved_plan,
    saved_plans as saved_plans,
    shift_sheet_pdf as shift_sheet_pdf,
    track_aliases as track_aliases,
    track_imports as track_imports,
)
from ui.cache.public import (
    public_cell_counts as public_cell_counts,
    public_choices as public_choices,
    public_kpis as public_kpis,
    public_release as public_release,
    public_report_periods as public_report_periods,
)
from ui.cache.reports import (
    public_report_tables as public_report_tables,
    report_documents as report_documents,
    report_maps as report_maps,
    report_periods as report_periods,
    report_tables as report_tables,
    report_trend as report_trend,
)
from ui.cache.resources import (
    basemap_available as basemap_available,
    districts_geojson as districts_geojson,
    districts_in_view as districts_in_view,
    population as population,
)
from ui.cache.zones import (
    STORED_TTL_S as STORED_TTL_S,
    cell_zones as cell_zones,
    district_layer as district_layer,
    fitted_period as fitted_period,
    fitted_zone_forecast as fitted_zone_forecast,
    period_counts as period_counts,
    stored_forecast as stored_forecast,
    zone_counts as zone_counts,
    zone_events as zone_events,
    zone_layer as zone_layer,
    zone_layer_choices as zone_layer_choices,
    zone_sheet_files as zone_sheet_files,
)
