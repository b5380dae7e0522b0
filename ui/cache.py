"""The only module with ``st.cache_data`` / ``st.cache_resource``.

Store access
------------
The app opens ONE read-only DuckDB connection per process and store path
while it reads (:func:`read_connection` hands out short-lived cursors, safe
across threads) and closes it as soon as no read is running (~30 ms to
reopen; cached results make reopening rare). Read-only lets other read-only
processes (the CLI ``forecast``, another app) open the same file, and closing
when idle lets the CLI write (``ingest``, ``users add``, nightly jobs) while
the app is running. Every connection holds the store's cross-process lock
(``analytics.store``): while another process (e.g. ``python -m analytics
ingest``) writes or waits to write, a new read waits for it (at most
``settings.STORE_READ_TIMEOUT_S``, then a Spanish ``StoreError`` that pages
show with ``st.error``), and reads that start while a writer is queued do not
join the open connection: they let it close, so the writer gets in. A
writer is exclusive in DuckDB, and inside one process a read-only and a
writable connection to the same file cannot coexist, so writes go through
:func:`write_connection`: it waits for running reads, closes the read-only
connection, opens a short-lived writable one, and after the block clears
``st.cache_data`` so every page sees the new data.

Cached analytics
----------------
Every cached function takes ``dataset_id`` (changes whenever the store's
content changes) and the hashable ``Filters.key()``; large frames are never
arguments. Use these from pages, e.g.::

    f = ui.filters.current()
    cells = ui.cache.cell_counts(ui.cache.dataset_id(), f.key(), resolution=f.resolution)
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from analytics import explore, store, throttle
from analytics._errors import StoreError
from ui.store_handle import StoreHandle as StoreHandle  # re-exported

FilterKey = tuple[tuple[str, Any], ...]

OFFLINE_ENV = "VIGIA_OFFLINE"


# --------------------------------------------------------------------------- store handle
# --------------------------------------------------------------------------- store handle
# StoreHandle (one shared read-only connection per process, yielding to queued writers)
# lives in ui/store_handle.py; the process-wide instance is cached here.
def store_path() -> str:
    """Absolute path of the store this process serves ($VIGIA_DB or data/vigia.duckdb)."""
    return str(Path(store.default_path()).resolve())


@st.cache_resource(show_spinner=False)
def _handle(path: str) -> StoreHandle:
    return StoreHandle(path)


@st.cache_resource(show_spinner=False)
def login_throttle() -> throttle.LoginThrottle:
    """The failed-login throttle shared by every session of this process."""
    return throttle.LoginThrottle()


def handle() -> StoreHandle:
    """The process-wide :class:`StoreHandle` of :func:`store_path`."""
    return _handle(store_path())


@contextmanager
def read_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only cursor for one block; raises ``StoreError`` (Spanish) if unavailable."""
    with handle().read() as con:
        yield con


@contextmanager
def write_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """Exclusive writable connection for one block; clears cached data afterwards."""
    try:
        with handle().write() as con:
            yield con
    finally:
        st.cache_data.clear()


def store_exists() -> bool:
    """Whether the store file exists."""
    return Path(store_path()).is_file()


def dataset_id() -> str:
    """Cache key of the store's current content (path + row counts + last import)."""
    with read_connection() as con:
        return f"{store_path()}|{explore.dataset_version(con)}"


# --------------------------------------------------------------------------- cached analytics
def _kw(fkey: FilterKey) -> dict[str, Any]:
    return dict(fkey)


@st.cache_data(show_spinner=False, max_entries=8)
def freshness(dataset_id: str) -> explore.Freshness:
    """Row count, time span and last import."""
    with read_connection() as con:
        return explore.data_freshness(con)


@st.cache_data(show_spinner=False, max_entries=8)
def filter_options(dataset_id: str) -> dict[str, list[str]]:
    """Distinct groups, types and districts for the sidebar."""
    with read_connection() as con:
        return explore.filter_options(con)


@st.cache_data(show_spinner=False, max_entries=8)
def default_period(dataset_id: str) -> tuple[date, date] | None:
    """Last 90 days of data."""
    with read_connection() as con:
        return explore.default_period(con)


@st.cache_data(show_spinner=False, max_entries=32)
def kpis(dataset_id: str, fkey: FilterKey) -> explore.Kpis:
    """KPIs against the previous equal period."""
    with read_connection() as con:
        return explore.kpis(con, **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=32)
def cell_counts(dataset_id: str, fkey: FilterKey, *, resolution: int) -> pd.DataFrame:
    """Counts per cell with tooltip facts."""
    with read_connection() as con:
        return explore.cell_counts(con, resolution=resolution, **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=32)
def top_cells(dataset_id: str, fkey: FilterKey, *, resolution: int, n: int = 10) -> pd.DataFrame:
    """Top cells with district names."""
    with read_connection() as con:
        return explore.top_cells(con, resolution=resolution, n=n, **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=16)
def cell_frames(dataset_id: str, fkey: FilterKey, *, resolution: int, step: str) -> pd.DataFrame:
    """Counts per cell and time-player frame."""
    with read_connection() as con:
        return explore.cell_frames(con, resolution=resolution, step=step,  # type: ignore[arg-type]
                                   **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=32)
def cell_profile(dataset_id: str, fkey: FilterKey, cell: str, *, resolution: int
                 ) -> explore.CellProfile:
    """Hours, weekdays, types and weekly trend of one cell."""
    with read_connection() as con:
        return explore.cell_profile(con, cell, resolution=resolution, **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=16)
def incident_points(dataset_id: str, fkey: FilterKey, *, limit: int = 5000) -> pd.DataFrame:
    """Recent non-sensitive points."""
    with read_connection() as con:
        return explore.incident_points(con, limit=limit, **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=16)
def hour_weekday_matrix(dataset_id: str, fkey: FilterKey) -> pd.DataFrame:
    """168 weekday × hour counts."""
    with read_connection() as con:
        return explore.hour_weekday_matrix(con, **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=16)
def daily_series(dataset_id: str, fkey: FilterKey) -> pd.Series:
    """Counts per day."""
    with read_connection() as con:
        return explore.daily_series(con, **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=16)
def weekly_series(dataset_id: str, fkey: FilterKey) -> pd.Series:
    """Counts per week."""
    with read_connection() as con:
        return explore.weekly_series(con, **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=16)
def type_mix(dataset_id: str, fkey: FilterKey, *, by: str = "group") -> pd.DataFrame:
    """Weekly counts per group or top type."""
    with read_connection() as con:
        return explore.type_mix(con, by=by, **_kw(fkey))  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=16)
def type_counts(dataset_id: str, fkey: FilterKey) -> pd.DataFrame:
    """Counts per crime type."""
    with read_connection() as con:
        return explore.type_counts(con, **_kw(fkey))


@st.cache_data(show_spinner=False, max_entries=8)
def quality_warnings(dataset_id: str) -> list[dict[str, Any]]:
    """Quarantined rows, stacked points, incidents outside every district."""
    with read_connection() as con:
        return explore.quality_warnings(con)


@st.cache_data(show_spinner=False, max_entries=8)
def quarantine_rows(dataset_id: str) -> pd.DataFrame:
    """Every quarantined row with its reason."""
    with read_connection() as con:
        return store.quarantine_rows(con)


@st.cache_data(show_spinner=False, max_entries=8)
def imports_history(dataset_id: str) -> pd.DataFrame:
    """One row per import."""
    with read_connection() as con:
        return store.imports_history(con)


@st.cache_data(show_spinner=False, max_entries=16)
def stl(dataset_id: str, fkey: FilterKey, *, period: int = 7) -> pd.DataFrame:
    """STL decomposition of the daily series."""
    with read_connection() as con:
        s = explore.daily_series(con, **_kw(fkey))
    return explore.stl_decompose(s, period=period)


@st.cache_data(show_spinner=False, max_entries=16)
def calendar_marks(start: date, end: date, lang: str) -> pd.DataFrame:
    """Holidays (Peru) and paydays in a range."""
    return explore.calendar_marks(start, end, language="es" if lang == "es" else "en_US")


# --------------------------------------------------------------------------- static resources
@st.cache_resource(show_spinner=False)
def districts_geojson(simplify_deg: float = 0.0002) -> dict[str, Any]:
    """District outlines (GeoJSON dict, properties ``district``, ``ubigeo``, ``city``)."""
    try:
        from analytics import io as vio

        gdf = vio.read_boundaries()
    except (ImportError, AttributeError):
        import geopandas as gpd

        gdf = gpd.read_file(Path(__file__).resolve().parent.parent / "data" / "boundaries"
                            / "districts.geojson")
    keep = [c for c in ("district", "ubigeo", "city") if c in gdf.columns]
    gdf = gdf[keep + ["geometry"]].copy()
    gdf["geometry"] = gdf.geometry.simplify(simplify_deg, preserve_topology=True)
    return dict(gdf.__geo_interface__)


@st.cache_data(show_spinner=False, max_entries=16)
def districts_in_view(bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    """District outlines intersecting ``(min_lon, min_lat, max_lon, max_lat)``."""
    gj = districts_geojson()
    x0, y0, x1, y1 = bbox
    feats = []
    for f in gj["features"]:
        fx0, fy0, fx1, fy1 = f.get("bbox") or _bbox(f["geometry"])
        if fx1 >= x0 and fx0 <= x1 and fy1 >= y0 and fy0 <= y1:
            feats.append(f)
    return {"type": "FeatureCollection", "features": feats}


def _bbox(geom: dict[str, Any]) -> tuple[float, float, float, float]:
    import shapely.geometry

    return shapely.geometry.shape(geom).bounds  # type: ignore[no-any-return]


@st.cache_resource(show_spinner=False)
def basemap_available() -> bool:
    """Whether the Carto basemap is reachable (checked once per process, 0.5 s max).

    ``VIGIA_OFFLINE=1`` forces ``False`` (tests, air-gapped installs).
    """
    if os.environ.get(OFFLINE_ENV, "").lower() in ("1", "true", "yes"):
        return False
    result = {"ok": False}

    def probe() -> None:
        try:
            with socket.create_connection(("basemaps.cartocdn.com", 443), timeout=0.5):
                result["ok"] = True
        except OSError:
            pass

    th = threading.Thread(target=probe, daemon=True)
    th.start()
    th.join(0.6)
    return result["ok"]


def clear_all() -> None:
    """Drop cached data and the store connection (after an import or a store change)."""
    st.cache_data.clear()
    handle().close()


# --------------------------------------------------------------------------- reports, users, audit
# (issue 7: pages/reportes.py, pages/admin.py, ui/login.py)
_REPORT_COLUMNS = ("occurred_at", "district", "crime_group", "crime_type", "h3_r12")


@st.cache_resource(show_spinner=False, max_entries=2)
def _report_incidents(dataset_id: str) -> pd.DataFrame:
    """Every incident with the report columns (shared, never mutated: analytics copies)."""
    with read_connection() as con:
        return store.load_incidents(con, columns=list(_REPORT_COLUMNS))


@st.cache_resource(show_spinner=False)
def _boundaries() -> Any:
    from analytics import io as vio

    return vio.read_boundaries()


@st.cache_data(show_spinner=False, max_entries=2)
def population() -> pd.DataFrame:
    """The shipped district populations (``analytics.io.read_population``)."""
    from analytics import io as vio

    return vio.read_population()


@st.cache_data(show_spinner=False, max_entries=8)
def report_periods(dataset_id: str) -> dict[str, list[tuple[str, bool]]]:
    """Periods the data touches, newest first, per kind (``M``, ``Q``, ``Y``).

    Each label comes with a flag telling whether the data covers the whole
    period (same rule as the report tables).
    """
    from analytics import reports

    inc = _report_incidents(dataset_id)
    out: dict[str, list[tuple[str, bool]]] = {"M": [], "Q": [], "Y": []}
    if inc.empty:
        return out
    t = pd.to_datetime(inc["occurred_at"])
    first = t.min().to_period("M").start_time.floor("D")
    end = t.max().floor("D") + pd.Timedelta(days=1)
    for freq in out:
        for p in pd.period_range(first, t.max(), freq=freq)[::-1]:
            start = p.start_time.floor("D")
            stop = (p + 1).start_time.floor("D")
            out[freq].append((reports.period_label(p), bool(start >= first and stop <= end)))
    return out


@st.cache_data(show_spinner=False, max_entries=16)
def report_tables(dataset_id: str, *, target: str, districts: tuple[str, ...],
                  baseline: str | None, goal_pct: float | None,
                  population: pd.DataFrame | None, resolution: int, top: int
                  ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Internal Codisec tables and notes (``analytics.reports.report_tables``)."""
    from analytics import reports

    return reports.report_tables(_report_incidents(dataset_id), target=target,
                                 districts=list(districts), baseline=baseline,
                                 goal_pct=goal_pct, population=population,
                                 resolution=resolution, top=top)


@st.cache_data(show_spinner=False, max_entries=16)
def public_report_tables(dataset_id: str, *, target: str, districts: tuple[str, ...],
                         population: pd.DataFrame | None, k: int
                         ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Public (suppressed) tables and notes, computed on the whole data set."""
    from analytics import reports

    return reports.public_report_tables(_report_incidents(dataset_id), target=target,
                                        districts=list(districts), population=population, k=k)


@st.cache_data(show_spinner=False, max_entries=16)
def report_maps(dataset_id: str, *, target: str, districts: tuple[str, ...],
                population: pd.DataFrame | None, resolution: int, top: int, public: bool,
                k: int) -> list[bytes]:
    """The two PNG maps of the report (districts by rate; top or published cells)."""
    from analytics import reports

    return reports.report_maps(_report_incidents(dataset_id), _boundaries(), target=target,
                               districts=list(districts), population=population,
                               resolution=resolution, top=top, public=public, k=k)


@st.cache_data(show_spinner=False, max_entries=16)
def report_trend(dataset_id: str, *, target: str, districts: tuple[str, ...], months: int,
                 public: bool, k: int) -> pd.DataFrame:
    """Monthly counts per district for ``months`` months up to the end of ``target``.

    Columns ``month`` (``2025-03``), ``district`` (key), ``count``. Public: the sum
    of the published rows of ``public_district_counts`` (never a raw total).
    """
    from analytics import reports

    inc = _report_incidents(dataset_id)
    last = reports.label_to_period(target).end_time.to_period("M")
    labels = [reports.period_label(last - i) for i in range(months - 1, -1, -1)]
    keys = {reports.district_key(d) for d in districts}
    if public:
        parts = [reports.public_district_counts(inc, target=m, districts=list(districts), k=k)
                 for m in labels]
        pub = pd.concat(parts, ignore_index=True)
        g = pub.groupby(["period", "district"], as_index=False)["count"].sum()
        g = g.rename(columns={"period": "month"})
    else:
        t = pd.to_datetime(inc["occurred_at"])
        start = reports.label_to_period(labels[0]).start_time
        sel = inc.loc[t >= start, ["occurred_at", "district"]].copy()
        sel["district"] = sel["district"].map(reports.district_key)
        sel = sel.loc[sel["district"].isin(keys)]
        sel["month"] = reports.times_to_periods(sel["occurred_at"], period="M")
        g = sel.loc[sel["month"].isin(labels)].groupby(["month", "district"], as_index=False
                                                        ).size().rename(columns={"size": "count"})
    return g.astype({"month": str, "district": str, "count": "int64"})[["month", "district",
                                                                         "count"]]


@st.cache_data(show_spinner=False, max_entries=8)
def report_documents(dataset_id: str, *, target: str, districts: tuple[str, ...],
                     baseline: str | None, goal_pct: float | None,
                     population: pd.DataFrame | None, resolution: int, top: int,
                     public: bool, k: int, title: str, subtitle: str,
                     user_notes: tuple[str, ...]) -> tuple[bytes, bytes]:
    """``(xlsx, pdf)`` bytes of the report (Spanish; public ones checked before writing)."""
    from analytics import reports

    if public:
        tables, notes = public_report_tables(dataset_id, target=target, districts=districts,
                                             population=population, k=k)
    else:
        tables, notes = report_tables(dataset_id, target=target, districts=districts,
                                      baseline=baseline, goal_pct=goal_pct,
                                      population=population, resolution=resolution, top=top)
    maps = report_maps(dataset_id, target=target, districts=districts, population=population,
                       resolution=resolution, top=top, public=public, k=k)
    all_notes = [*notes, *user_notes]
    xlsx = reports.report_to_xlsx(tables, title=title, notes=all_notes, public=public, k=k)
    pdf = reports.report_to_pdf(tables, title=title, period=target, subtitle=subtitle,
                                notes=all_notes, map_images=maps, public=public, k=k)
    return xlsx, pdf


@contextmanager
def admin_connection(*, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Exclusive writable connection for the users and audit tables.

    Unlike :func:`write_connection` it keeps ``st.cache_data``: no cached
    function reads those tables. Raises ``StoreError`` when another process
    holds the store for longer than ``timeout`` seconds (default
    ``settings.STORE_WRITE_TIMEOUT_S``).
    """
    with handle().write(timeout=timeout) as con:
        yield con


# --------------------------------------------------------------------------- zonas críticas
# (issue 6: pages/zonas_criticas.py) Gi*, local Moran, emerging hot spots and near repeat on
# the current filters. Inputs come from the store through explore's filter SQL; results are
# small per-cell frames (or the NearRepeatResult), keyed by dataset id, filters and options.
def _cells_frame(cells: Any) -> pd.DataFrame:
    """``h3`` (uint64), ``h3_id`` and the cell centre ``lat``/``lon``."""
    from analytics import hexbin

    out = pd.DataFrame({"h3": pd.Series(cells).to_numpy(dtype="uint64")})
    out["h3_id"] = hexbin.cells_to_strings(out["h3"].to_numpy())
    out["lat"], out["lon"] = explore.cell_centers(out["h3"].to_numpy())
    return out


def _with_districts(frame: pd.DataFrame, dataset_id: str, fkey: FilterKey,
                    resolution: int) -> pd.DataFrame:
    """Add ``district`` (most frequent in the cell under the filters; empty if none)."""
    counts = cell_counts(dataset_id, fkey, resolution=resolution)[["h3", "district"]]
    out = frame.merge(counts, on="h3", how="left")
    out["district"] = out["district"].fillna("").astype(str)
    return out


@st.cache_data(show_spinner=False, max_entries=16)
def hotspot_gi(dataset_id: str, fkey: FilterKey, *, resolution: int, k: int,
               use_fdr: bool) -> pd.DataFrame:
    """Gi* classes (analytical p, ESRI) per cell of the study region.

    Columns ``h3, h3_id, lat, lon, count, observed, z, p, key, district`` (``p``
    is the p-value judged: FDR-adjusted when ``use_fdr``).
    """
    from analytics import hotspots

    counts = cell_counts(dataset_id, fkey, resolution=resolution)
    res = hotspots.gi_star(counts[["h3", "n"]].rename(columns={"n": "count"}), k=k,
                           permutations=0)
    cls = hotspots.classify_hotspots(res, use_fdr=use_fdr)
    out = _cells_frame(res.cells)
    out["count"] = res.counts.astype("int64")
    out["observed"] = res.observed
    out["z"] = res.z
    out["p"] = res.p_fdr if use_fdr else res.p_norm
    out["key"] = cls["key"].to_numpy().astype(str)
    return _with_districts(out, dataset_id, fkey, resolution)


@st.cache_data(show_spinner=False, max_entries=16)
def hotspot_moran(dataset_id: str, fkey: FilterKey, *, resolution: int, k: int, use_fdr: bool,
                  permutations: int, seed: int) -> pd.DataFrame:
    """Local Moran clusters (permutation p, seeded) per cell of the study region.

    Columns ``h3, h3_id, lat, lon, count, observed, local_i, p, key, district``.
    """
    from analytics import hotspots

    counts = cell_counts(dataset_id, fkey, resolution=resolution)
    res = hotspots.local_moran(counts[["h3", "n"]].rename(columns={"n": "count"}), k=k,
                               permutations=permutations, seed=seed)
    cls = hotspots.classify_clusters(res, use_fdr=use_fdr)
    out = _cells_frame(res.cells)
    out["count"] = res.counts.astype("int64")
    out["observed"] = res.observed
    out["local_i"] = res.local_i
    p = res.p_sim_fdr if use_fdr else res.p_sim
    out["p"] = p if p is not None else (res.p_fdr if use_fdr else res.p_norm)
    out["key"] = cls["key"].to_numpy().astype(str)
    return _with_districts(out, dataset_id, fkey, resolution)


@st.cache_data(show_spinner=False, max_entries=16)
def emerging(dataset_id: str, fkey: FilterKey, *, resolution: int, period: str, k: int,
             use_fdr: bool) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """Emerging hot spot category per cell and the slices used (``period`` ``W`` or ``M``).

    Frame columns: those of ``EmergingResult.to_frame()`` plus ``h3_id, lat, lon,
    district``. Raises ``InsufficientHistoryError`` (Spanish) below 10 slices.
    """
    from analytics import hotspots

    with read_connection() as con:
        cube = explore.counts_by_cell_period(con, resolution=resolution,
                                             period=period,  # type: ignore[arg-type]
                                             **_kw(fkey))
    res = hotspots.emerging_hotspots(cube, period=period, k=k,  # type: ignore[arg-type]
                                     use_fdr=use_fdr)
    frame = res.to_frame()
    frame["h3"] = frame["h3"].to_numpy(dtype="uint64")
    frame["key"] = frame["key"].astype(str)
    out = _cells_frame(res.cells).merge(frame, on="h3", how="left")
    return (_with_districts(out, dataset_id, fkey, resolution),
            [pd.Timestamp(p) for p in res.periods])


@st.cache_data(show_spinner=False, max_entries=16)
def near_repeat(dataset_id: str, fkey: FilterKey, *, permutations: int, seed: int,
                limit: int) -> tuple[Any, int]:
    """Knox near-repeat test on the ``limit`` most recent filtered incidents (never
    sensitive ones: ``explore.incident_points``). Returns ``(NearRepeatResult, n used)``."""
    from analytics import hotspots

    with read_connection() as con:
        pts = explore.incident_points(con, limit=limit, **_kw(fkey))
    res = hotspots.near_repeat(pts, permutations=permutations, seed=seed)
    return res, len(pts)


@st.cache_data(show_spinner=False, max_entries=16)
def public_cell_counts(dataset_id: str, fkey: FilterKey, *, resolution: int,
                       k: int | None = None) -> pd.DataFrame:
    """Published cells for the public map (same columns as :func:`cell_counts`).

    Built only from ``analytics.reports.public_counts`` over the filtered
    incidents (yearly rows, ``k``, secondary suppression, sensitive groups never
    in fine cells): ``n`` is the sum of a cell's published rows, ``top_types``
    lists its published groups, ``peak_hour`` and ``district`` are empty.
    """
    from analytics import hexbin, reports, settings

    k = settings.PUBLIC_MIN_COUNT if k is None else int(k)
    res = min(int(resolution), settings.PUBLIC_MAX_RESOLUTION)
    where, params = explore.filter_sql(**_kw(fkey))
    with read_connection() as con:
        inc = con.execute("SELECT occurred_at, crime_group, crime_type, h3_r12 FROM incidents "
                          f"WHERE {where} AND h3_r12 IS NOT NULL", params).df()
    cols = ["h3", "h3_id", "n", "rate_km2", "top_types", "peak_hour", "district", "lat", "lon"]
    if inc.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    inc["h3_r12"] = inc["h3_r12"].astype("uint64")
    pub = reports.public_counts(inc, resolution=res, k=k, period="Y")
    pub = pub.loc[pub["h3"].map(reports.h3_resolution) == res]

    by_group = pub.groupby(["h3", "crime_group"], as_index=False)["count"].sum()
    by_group = by_group.sort_values(["h3", "count"], ascending=[True, False])
    names = by_group.assign(txt=[f"{settings.CRIME_GROUPS.get(g, g)} ({n})" for g, n in
                                 zip(by_group["crime_group"], by_group["count"], strict=True)])
    top = names.groupby("h3")["txt"].agg(", ".join)
    df = pub.groupby("h3", as_index=False)["count"].sum().rename(columns={"h3": "h3_id",
                                                                          "count": "n"})
    df = df.sort_values(["n", "h3_id"], ascending=[False, True]).reset_index(drop=True)
    cells = hexbin.strings_to_cells(df["h3_id"].astype(str))
    df["h3"] = cells
    df["n"] = df["n"].astype("int64")
    df["rate_km2"] = df["n"] / hexbin.cell_area_km2(res)
    df["top_types"] = df["h3_id"].map(top).fillna("")
    df["peak_hour"] = pd.Series(pd.NA, index=df.index, dtype="Int64")
    df["district"] = None
    df["lat"], df["lon"] = explore.cell_centers(cells)
    return df[cols]


# --------------------------------------------------------------------------- plan de patrullaje
# (issue 5: pages/plan_patrullaje.py) the exact patrol plan for one window and the PDF
# briefing, keyed by dataset id and plain inputs. Its forecast is the Pronóstico page's
# (forecast_cutoff / forecast_frame below, same cache key).
@st.cache_data(show_spinner=False, max_entries=64)
def cell_districts(cells: tuple[str, ...]) -> dict[str, str]:
    """District of each H3 cell centre (``""`` outside the shipped boundaries)."""
    from analytics import patrol

    if not cells:
        return {}
    s = patrol.cells_to_districts(patrol._to_cells(list(cells)), _boundaries())
    return dict(zip(cells, s.astype(str).tolist(), strict=True))


@st.cache_data(show_spinner=False, max_entries=16)
def patrol_plan(window: pd.DataFrame, *, units: int, radius_m: float, dwell_min: float,
                fixed: tuple[str, ...], excluded: tuple[str, ...], window_start: Any,
                window_hours: float) -> Any:
    """``analytics.patrol.place_patrols_on_cells`` for one forecast window (``h3, expected``)."""
    from analytics import patrol

    cells = tuple(window["h3"].astype(str))
    names = cell_districts(cells)
    districts = pd.Series([names.get(c, "") for c in cells], index=list(cells), dtype=str)
    return patrol.place_patrols_on_cells(
        window[["h3", "expected"]], units=int(units), radius_m=float(radius_m),
        dwell_min=float(dwell_min), fixed=list(fixed), excluded=list(excluded),
        districts=districts, window_start=window_start, window_hours=float(window_hours))


@st.cache_data(show_spinner=False, max_entries=16)
def plan_area(_plan: Any, plan_key: str) -> pd.DataFrame:
    """``PatrolPlan.covered_area()`` (cells on the ground within the radius, by unit)."""
    return _plan.covered_area()


@st.cache_data(show_spinner=False, max_entries=8)
def plan_briefing(_pages: Any, pages_key: str, *, title: str, subtitle: str) -> bytes:
    """The PDF briefing (``analytics.briefing.briefing_pdf``) with the district outlines."""
    from analytics import briefing

    return briefing.briefing_pdf(_pages, title=title, subtitle=subtitle,
                                 boundaries=_boundaries())


# --------------------------------------------------------------------------- pronóstico
# (issue 4: pages/pronostico.py) Forecast and backtest on the store's whole history: a
# forecast needs every past incident, so only the sidebar's districts (the area) apply,
# never its dates, types, shifts or weekdays. The expensive fit is cached once per
# (dataset, cut-off, horizon, group, model, resolution, districts); picking another day
# of the horizon or another set of shifts only slices that frame.
_FORECAST_COLUMNS = ("occurred_at", "h3_r12", "crime_group", "district")
#: Days forecast after the data's last day (the page offers days up to that far ahead).
FORECAST_HORIZON_DAYS = 7
#: Seed of the forecast models on both pages (Pronóstico, Plan): same data, same map, and
#: one cache entry for both.
FORECAST_SEED = 0


@st.cache_resource(show_spinner=False, max_entries=2)
def _forecast_incidents(dataset_id: str, districts: tuple[str, ...]) -> pd.DataFrame:
    """Located incidents with the forecast columns (shared, never mutated: analytics copies)."""
    with read_connection() as con:
        inc = store.load_incidents(con, districts=list(districts) or None,
                                   columns=list(_FORECAST_COLUMNS))
    return inc.loc[inc["h3_r12"].notna() & (inc["h3_r12"] > 0)].reset_index(drop=True)


def forecast_cutoff(day: date, last_day: date) -> tuple[date, int]:
    """``(train_until, horizon_days)`` that forecast ``day`` with the data up to ``last_day``.

    A day after the data shares one fit: cut-off the day after ``last_day``, horizon
    :data:`FORECAST_HORIZON_DAYS`. A day inside the data is forecast as it would have been
    that morning (cut-off ``day``, horizon 1), so it can be compared with what happened.
    """
    from datetime import timedelta

    first_future = last_day + timedelta(days=1)
    if day >= first_future:
        return first_future, max(FORECAST_HORIZON_DAYS, (day - first_future).days + 1)
    return day, 1


@st.cache_data(show_spinner=False, max_entries=8)
def forecast_frame(dataset_id: str, *, train_until: date, horizon_days: int,
                   crime_group: str | None, model: str, resolution: int,
                   districts: tuple[str, ...], seed: int) -> pd.DataFrame:
    """``analytics.forecast.forecast_cells`` (shift windows) on the store (the slow step)."""
    from analytics import forecast as fc

    return fc.forecast_cells(_forecast_incidents(dataset_id, districts),
                             train_until=pd.Timestamp(train_until), horizon_days=horizon_days,
                             resolution=resolution, windows="shift", crime_group=crime_group,
                             model=model, seed=seed)


@st.cache_data(show_spinner=False, max_entries=16)
def forecast_cell_districts(dataset_id: str, *, resolution: int,
                            districts: tuple[str, ...]) -> pd.Series:
    """Most frequent district of each cell's incidents (index: cell id string)."""
    from analytics import hexbin

    inc = _forecast_incidents(dataset_id, districts)
    cells = hexbin.cells_to_parent(inc["h3_r12"].to_numpy(dtype="uint64"), resolution=resolution)
    df = pd.DataFrame({"h3": cells, "district": inc["district"].to_numpy()}).dropna()
    if df.empty:
        return pd.Series(dtype="str")
    top = (df.groupby(["h3", "district"]).size().rename("k").reset_index()
           .sort_values(["h3", "k", "district"], ascending=[True, False, True])
           .drop_duplicates("h3"))
    return pd.Series(top["district"].astype(str).to_numpy(),
                     index=hexbin.cells_to_strings(top["h3"].to_numpy()), name="district")


@st.cache_data(show_spinner=False, max_entries=32)
def forecast_day(dataset_id: str, *, day: date, last_day: date, shifts: tuple[str, ...],
                 crime_group: str | None, model: str, resolution: int,
                 districts: tuple[str, ...], seed: int
                 ) -> tuple[pd.DataFrame, list[float], bool]:
    """Expected incidents per cell over the chosen shifts of ``day``.

    Returns
    -------
    cells : pandas.DataFrame
        ``h3_id, h3, lat, lon, district, expected, lower, upper, actual``, sorted
        by ``expected`` (descending). ``lower``/``upper``: the forecast's own 5–95 %
        interval for one shift; for several shifts the same Poisson rule
        (``analytics.forecast.INTERVAL``) on their sum; NaN when the model gives none.
        ``actual``: incidents that happened in those windows when the data covers
        them (a past day), else NaN.
    scale : list of float
        Every cell's value for the same shifts on every day of the fitted horizon (to
        fix the colour classes across days).
    has_interval : bool
        Whether the model reports an interval.
    """
    import numpy as np
    from scipy.stats import poisson

    from analytics import evaluation as ev
    from analytics import forecast as fc
    from analytics import hexbin, settings

    cut, horizon = forecast_cutoff(day, last_day)
    fr = forecast_frame(dataset_id, train_until=cut, horizon_days=horizon,
                        crime_group=crime_group, model=model, resolution=resolution,
                        districts=districts, seed=seed)
    start_h = {name: s for name, s, _e in settings.SHIFTS}
    wanted = {pd.Timestamp(day) + pd.Timedelta(hours=start_h[s]) for s in shifts}
    ws = pd.to_datetime(fr["window_start"])
    on_shift = ws.dt.hour.isin([start_h[s] for s in shifts])
    per_day = fr.loc[on_shift].assign(d=ws[on_shift].dt.normalize()).groupby(
        ["d", "h3"])["expected"].sum()
    sel = fr.loc[ws.isin(wanted)]
    has_interval = {"lower", "upper"} <= set(fr.columns)
    agg = {"expected": ("expected", "sum")}
    if has_interval:
        agg.update(lower=("lower", "sum"), upper=("upper", "sum"))
    out = sel.groupby("h3", as_index=False).agg(**agg).rename(columns={"h3": "h3_id"})
    if has_interval and len(shifts) > 1:
        e = np.maximum(out["expected"].to_numpy(dtype=float), 1e-12)
        out["lower"] = np.where(out["expected"] > 0, poisson.ppf(fc.INTERVAL[0], e), 0.0)
        out["upper"] = np.where(out["expected"] > 0, poisson.ppf(fc.INTERVAL[1], e), 0.0)
    elif not has_interval:
        out["lower"] = np.nan
        out["upper"] = np.nan
    out["h3"] = hexbin.strings_to_cells(out["h3_id"].astype(str))
    out["lat"], out["lon"] = explore.cell_centers(out["h3"].to_numpy())
    names = forecast_cell_districts(dataset_id, resolution=resolution, districts=districts)
    out["district"] = out["h3_id"].map(names).fillna("").astype(str)
    out["actual"] = np.nan
    inc = _forecast_incidents(dataset_id, districts)
    sel_w = sel.drop_duplicates("window_start").sort_values("window_start")
    data_end = pd.Timestamp(last_day) + pd.Timedelta(days=1)
    if len(sel_w) and pd.Timestamp(sel_w["window_end"].max()) <= data_end:
        binned = fc.bin_incidents(inc, resolution=resolution, crime_group=crime_group)
        starts = sel_w["window_start"].to_numpy(dtype="datetime64[ns]")
        ends = sel_w["window_end"].to_numpy(dtype="datetime64[ns]")
        act, _tot = ev.actual_counts(binned, out["h3"].to_numpy(dtype="uint64"), starts, ends)
        out["actual"] = act.sum(axis=1)
    out = out.sort_values(["expected", "h3_id"], ascending=[False, True]).reset_index(drop=True)
    cols = ["h3_id", "h3", "lat", "lon", "district", "expected", "lower", "upper", "actual"]
    return out[cols], [float(v) for v in per_day.to_numpy()], has_interval


@st.cache_data(show_spinner=False, max_entries=8)
def forecast_backtest(dataset_id: str, *, origins: tuple[date, ...], crime_group: str | None,
                      resolution: int, districts: tuple[str, ...], models: tuple[str, ...],
                      seed: int) -> Any:
    """``analytics.evaluation.backtest`` (shift windows, 7 days after each origin)."""
    from analytics import evaluation as ev
    from analytics import forecast as fc

    inc = _forecast_incidents(dataset_id, districts)
    binned = fc.bin_incidents(inc, resolution=resolution, crime_group=crime_group)
    return ev.backtest(binned, origins=[pd.Timestamp(o) for o in origins], horizon_days=7,
                       resolution=resolution, windows="shift", models=list(models), seed=seed)
