"""The only module with ``st.cache_data`` / ``st.cache_resource``.

Store access
------------
The app opens ONE read-only DuckDB connection per process and store path
while it reads (:func:`read_connection` hands out short-lived cursors, safe
across threads) and closes it as soon as no read is running (~30 ms to
reopen; cached results make reopening rare). Read-only lets other read-only
processes (the CLI ``forecast``, another app) open the same file, and closing
when idle lets the CLI write (``ingest``, ``users add``, nightly jobs) while
the app is running. A writer is exclusive in DuckDB, and inside one process a
read-only and a writable connection to the same file cannot coexist, so
writes go through :func:`write_connection`: it waits for running reads,
closes the read-only connection, opens a short-lived writable one, and after
the block clears ``st.cache_data`` so every page sees the new data. While
another process (e.g. ``python -m analytics ingest``) writes, opening fails
with a Spanish ``StoreError`` that pages show with ``st.error``.

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

from analytics import explore, settings, store
from analytics.forecast import day as fday
from analytics.query import IncidentQuery

FilterKey = tuple[tuple[str, Any], ...]

OFFLINE_ENV = "VIGIA_OFFLINE"


# --------------------------------------------------------------------------- store handle
class _RWLock:
    """Many readers or one writer."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class StoreHandle:
    """Process-wide access to one store file (see the module notes)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = _RWLock()
        self._open_lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        with self._open_lock:
            if self._con is None:
                self._con = store.connect(self.path, read_only=True)
            self._users += 1
            return self._con

    def _release(self) -> None:
        with self._open_lock:
            self._users -= 1
            if self._users == 0 and self._con is not None:
                self._con.close()
                self._con = None

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the read-only connection; the connection closes when no read runs."""
        with self._lock.read():
            con = self._acquire()
            try:
                cur = con.cursor()
                try:
                    yield cur
                finally:
                    cur.close()
            finally:
                self._release()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An exclusive writable connection (creates the store if missing)."""
        with self._lock.write():
            self.close()
            con = store.connect(self.path)
            try:
                yield con
            finally:
                con.close()

    def close(self) -> None:
        """Close the read-only connection (reopened on the next read)."""
        with self._open_lock:
            if self._con is not None:
                self._con.close()
                self._con = None


def store_path() -> str:
    """Absolute path of the store this process serves ($VIGIA_DB or data/vigia.duckdb)."""
    return str(Path(store.default_path()).resolve())


@st.cache_resource(show_spinner=False)
def _handle(path: str) -> StoreHandle:
    return StoreHandle(path)


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
def _q(fkey: FilterKey, resolution: int = settings.H3_RESOLUTION) -> IncidentQuery:
    return IncidentQuery.build(**dict(fkey), resolution=resolution)


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
        return explore.kpis(con, _q(fkey))


@st.cache_data(show_spinner=False, max_entries=32)
def cell_counts(dataset_id: str, fkey: FilterKey, *, resolution: int) -> pd.DataFrame:
    """Counts per cell with tooltip facts."""
    with read_connection() as con:
        return explore.cell_counts(con, _q(fkey, resolution))


@st.cache_data(show_spinner=False, max_entries=32)
def top_cells(dataset_id: str, fkey: FilterKey, *, resolution: int, n: int = 10) -> pd.DataFrame:
    """Top cells with district names."""
    with read_connection() as con:
        return explore.top_cells(con, _q(fkey, resolution), n=n)


@st.cache_data(show_spinner=False, max_entries=16)
def cell_frames(dataset_id: str, fkey: FilterKey, *, resolution: int, step: str) -> pd.DataFrame:
    """Counts per cell and time-player frame."""
    with read_connection() as con:
        return explore.cell_frames(con, _q(fkey, resolution),
                                   step=step)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=32)
def cell_profile(dataset_id: str, fkey: FilterKey, cell: str, *, resolution: int
                 ) -> explore.CellProfile:
    """Hours, weekdays, types and weekly trend of one cell."""
    with read_connection() as con:
        return explore.cell_profile(con, _q(fkey, resolution), cell)


@st.cache_data(show_spinner=False, max_entries=16)
def incident_points(dataset_id: str, fkey: FilterKey, *, limit: int = 5000) -> pd.DataFrame:
    """Recent non-sensitive points."""
    with read_connection() as con:
        return explore.incident_points(con, _q(fkey), limit=limit)


@st.cache_data(show_spinner=False, max_entries=16)
def hour_weekday_matrix(dataset_id: str, fkey: FilterKey) -> pd.DataFrame:
    """168 weekday × hour counts."""
    with read_connection() as con:
        return explore.hour_weekday_matrix(con, _q(fkey))


@st.cache_data(show_spinner=False, max_entries=16)
def daily_series(dataset_id: str, fkey: FilterKey) -> pd.Series:
    """Counts per day."""
    with read_connection() as con:
        return explore.daily_series(con, _q(fkey))


@st.cache_data(show_spinner=False, max_entries=16)
def weekly_series(dataset_id: str, fkey: FilterKey) -> pd.Series:
    """Counts per week."""
    with read_connection() as con:
        return explore.weekly_series(con, _q(fkey))


@st.cache_data(show_spinner=False, max_entries=16)
def type_mix(dataset_id: str, fkey: FilterKey, *, by: str = "group") -> pd.DataFrame:
    """Weekly counts per group or top type."""
    with read_connection() as con:
        return explore.type_mix(con, _q(fkey), by=by)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=16)
def type_counts(dataset_id: str, fkey: FilterKey) -> pd.DataFrame:
    """Counts per crime type."""
    with read_connection() as con:
        return explore.type_counts(con, _q(fkey))


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
        s = explore.daily_series(con, _q(fkey))
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
    """Public tables and notes (``analytics.reports.public_report_tables`` of the release)."""
    from analytics import reports

    return reports.public_report_tables(public_release(dataset_id, k), target=target,
                                        districts=list(districts), population=population)


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
    inc = _report_incidents(dataset_id)
    last = reports.label_to_period(target).end_time.to_period("M")
    labels = [reports.period_label(last - i) for i in range(months - 1, -1, -1)]
    keys = {reports.district_key(d) for d in districts}
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
def admin_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """Exclusive writable connection for the users and audit tables.

    Unlike :func:`write_connection` it keeps ``st.cache_data``: no cached
    function reads those tables. Raises ``StoreError`` while another process
    holds the store.
    """
    with handle().write() as con:
        yield con


# --------------------------------------------------------------------------- zonas críticas
# (issue 6: pages/zonas_criticas.py) Gi*, local Moran, emerging hot spots and near repeat on
# the current filters. Inputs come from the store through explore's filter SQL; results are
# small per-cell frames (or the NearRepeatResult), keyed by dataset id, filters and options.
def _districts_of(dataset_id: str, fkey: FilterKey, resolution: int) -> dict[str, str]:
    counts = cell_counts(dataset_id, fkey, resolution=resolution)
    return dict(zip(counts["h3_id"], counts["district"].fillna("").astype(str), strict=True))


@st.cache_data(show_spinner=False, max_entries=16)
def hotspot_gi(dataset_id: str, fkey: FilterKey, *, resolution: int, k: int,
               use_fdr: bool) -> pd.DataFrame:
    """``analytics.hotspots.maps.gi_star_map`` of the filtered cell counts."""
    from analytics.hotspots import maps

    counts = cell_counts(dataset_id, fkey, resolution=resolution)
    return maps.gi_star_map(counts[["h3", "n"]].rename(columns={"n": "count"}), k=k,
                            use_fdr=use_fdr,
                            districts=_districts_of(dataset_id, fkey, resolution))


@st.cache_data(show_spinner=False, max_entries=16)
def hotspot_moran(dataset_id: str, fkey: FilterKey, *, resolution: int, k: int, use_fdr: bool,
                  permutations: int, seed: int) -> pd.DataFrame:
    """``analytics.hotspots.maps.local_moran_map`` of the filtered cell counts."""
    from analytics.hotspots import maps

    counts = cell_counts(dataset_id, fkey, resolution=resolution)
    return maps.local_moran_map(counts[["h3", "n"]].rename(columns={"n": "count"}), k=k,
                                use_fdr=use_fdr, permutations=permutations, seed=seed,
                                districts=_districts_of(dataset_id, fkey, resolution))


@st.cache_data(show_spinner=False, max_entries=16)
def emerging(dataset_id: str, fkey: FilterKey, *, resolution: int, period: str, k: int,
             use_fdr: bool) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """``analytics.hotspots.maps.emerging_map`` of the filtered cell × period cube."""
    from analytics.hotspots import maps

    with read_connection() as con:
        cube = explore.counts_by_cell_period(con, _q(fkey, resolution),
                                             period=period)  # type: ignore[arg-type]
    return maps.emerging_map(cube, period=period, k=k,  # type: ignore[arg-type]
                             use_fdr=use_fdr,
                             districts=_districts_of(dataset_id, fkey, resolution))


@st.cache_data(show_spinner=False, max_entries=16)
def near_repeat(dataset_id: str, fkey: FilterKey, *, permutations: int, seed: int,
                limit: int) -> tuple[Any, int]:
    """Knox near-repeat test on the ``limit`` most recent filtered incidents (never
    sensitive ones: ``explore.incident_points``). Returns ``(NearRepeatResult, n used)``."""
    from analytics import hotspots

    with read_connection() as con:
        pts = explore.incident_points(con, _q(fkey), limit=limit)
    res = hotspots.near_repeat(pts, permutations=permutations, seed=seed)
    return res, len(pts)


# --------------------------------------------------------------------------- public release
# (issue 11: public mode) The publico role reads ONE analytics.disclosure.PublicRelease per
# data set: suppressed base tables; every public figure is a sum of their published rows.
# Filters the release cannot express (dates inside a quarter, types, shifts, weekdays) are
# ignored here: from a filter key only whole published periods inside [start, end], groups
# and districts are used.
@st.cache_resource(show_spinner=False, max_entries=2)
def _public_release(dataset_id: str, k: int) -> Any:
    from analytics import disclosure

    with read_connection() as con:
        return disclosure.release_from_store(con, k=k)


def public_release(dataset_id: str, k: int | None = None) -> Any:
    """The :class:`analytics.disclosure.PublicRelease` of the data set.

    Built once per data set; ``k`` defaults to ``settings.PUBLIC_MIN_COUNT``.
    """
    from analytics import settings

    return _public_release(dataset_id, settings.PUBLIC_MIN_COUNT if k is None else int(k))


def _public_selection(dataset_id: str, fkey: FilterKey) -> tuple[Any, tuple[str, ...],
                                                                 tuple[str, ...],
                                                                 tuple[str, ...]]:
    from analytics import disclosure

    kw = dict(fkey)
    rel = public_release(dataset_id)
    members = disclosure.span_members(rel, kw.get("start"), kw.get("end"))
    return rel, members, tuple(kw.get("groups") or ()), tuple(kw.get("districts") or ())


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
def public_kpis(dataset_id: str, fkey: FilterKey) -> Any:
    """``analytics.disclosure.period_kpis``: published sums against the previous period."""
    from analytics import disclosure

    kw = dict(fkey)
    return disclosure.period_kpis(public_release(dataset_id), start=kw.get("start"),
                                  end=kw.get("end"), groups=kw.get("groups") or (),
                                  districts=kw.get("districts") or ())


@st.cache_data(show_spinner=False, max_entries=16)
def public_cell_counts(dataset_id: str, fkey: FilterKey, *, resolution: int,
                       k: int | None = None) -> pd.DataFrame:
    """Published cells for the public map and top list (columns of :func:`cell_counts`).

    ``analytics.disclosure.cell_map`` of the release: ``n`` is the sum of a cell's
    published rows, ``top_types`` lists its published groups, ``peak_hour`` is empty.
    """
    from analytics import disclosure, settings

    rel, members, groups, districts = _public_selection(dataset_id, fkey)
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


# --------------------------------------------------------------------------- plan de patrullaje
# (issue 5: pages/plan_patrullaje.py) the exact patrol plan for one window and the PDF
# briefing, keyed by dataset id and plain inputs. Its forecast is the Pronóstico page's
# (forecast_cutoff / forecast_frame below, same cache key).
@st.cache_data(show_spinner=False, max_entries=64)
def cell_districts(cells: tuple[str, ...]) -> dict[str, str]:
    """District of each H3 cell centre (``""`` outside the shipped boundaries)."""
    from analytics import hexbin, patrol

    if not cells:
        return {}
    s = patrol.cells_to_districts(hexbin.to_cells(list(cells)), _boundaries())
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


@st.cache_data(show_spinner=False, max_entries=8)
def shift_plans(forecast: pd.DataFrame, starts: tuple[Any, ...], *, units: int,
                radius_m: float, dwell_min: float, fixed: tuple[str, ...],
                excluded: tuple[str, ...], current: tuple[str, ...]) -> list[Any]:
    """``analytics.patrol.windows.plan_windows`` (other shifts of the day, for the PDF)."""
    from analytics.patrol import windows

    return windows.plan_windows(forecast, starts, units=units, radius_m=radius_m,
                                dwell_min=dwell_min, fixed=fixed, excluded=excluded,
                                current=current)


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
#: Days forecast after the data's last day, and the seed of the forecast models on both
#: pages (Pronóstico, Plan): same data, same map, and one cache entry for both.
FORECAST_HORIZON_DAYS = fday.HORIZON_DAYS
FORECAST_SEED = fday.SEED


@st.cache_resource(show_spinner=False, max_entries=2)
def _forecast_incidents(dataset_id: str, districts: tuple[str, ...]) -> pd.DataFrame:
    """Located incidents with the forecast columns (shared, never mutated: analytics copies)."""
    with read_connection() as con:
        inc = store.load_incidents(con, districts=list(districts) or None,
                                   columns=list(_FORECAST_COLUMNS))
    return inc.loc[inc["h3_r12"].notna() & (inc["h3_r12"] > 0)].reset_index(drop=True)


def forecast_cutoff(day: date, last_day: date) -> tuple[date, int]:
    """``analytics.forecast.day.cutoff_for_day`` (not cached: instant)."""
    return fday.cutoff_for_day(day, last_day, horizon_days=FORECAST_HORIZON_DAYS)


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
    """``analytics.hexbin.cells_to_districts`` of the forecast's incidents."""
    from analytics import hexbin

    return hexbin.cells_to_districts(_forecast_incidents(dataset_id, districts),
                                     resolution=resolution)


@st.cache_data(show_spinner=False, max_entries=32)
def forecast_day(dataset_id: str, *, day: date, last_day: date, shifts: tuple[str, ...],
                 crime_group: str | None, model: str, resolution: int,
                 districts: tuple[str, ...], seed: int) -> Any:
    """``analytics.forecast.day.forecast_day`` on the cached fit of :func:`forecast_frame`."""
    cut, horizon = forecast_cutoff(day, last_day)
    fr = forecast_frame(dataset_id, train_until=cut, horizon_days=horizon,
                        crime_group=crime_group, model=model, resolution=resolution,
                        districts=districts, seed=seed)
    names = forecast_cell_districts(dataset_id, resolution=resolution, districts=districts)
    return fday.forecast_day(fr, _forecast_incidents(dataset_id, districts), day=day,
                             last_day=last_day, shifts=shifts, resolution=resolution,
                             crime_group=crime_group, districts=names.to_dict())


def forecast_evidence(dataset_id: str, *, day: date, last_day: date, crime_group: str | None,
                      model: str, resolution: int, districts: tuple[str, ...],
                      seed: int) -> dict[str, Any] | None:
    """What the ``auto`` model found on the weeks before the cut-off of ``day``.

    ``attrs["evidence"]`` of the cached fit of :func:`forecast_frame` plus
    ``train_until``; ``None`` for the other models.
    """
    cut, horizon = forecast_cutoff(day, last_day)
    fr = forecast_frame(dataset_id, train_until=cut, horizon_days=horizon,
                        crime_group=crime_group, model=model, resolution=resolution,
                        districts=districts, seed=seed)
    evidence = fr.attrs.get("evidence")
    return None if evidence is None else {**evidence, "train_until": cut}


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
