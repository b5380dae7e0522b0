"""Disclosure control: the public release, the only way incident counts reach the public.

The ``publico`` role (pages Inicio, Mapa and Reportes) and ``python -m analytics
export --public`` never read incidents: they read a :class:`PublicRelease`,
a fixed set of suppressed base tables built once per data set
(:func:`incidents_to_release`, :func:`release_from_store`), and every public
number is a **sum of published base rows** (:func:`district_counts`,
:func:`cell_counts`, :func:`period_kpis`, :func:`district_trend`). No total is
ever computed from raw data for the public.

Why sums of published rows
--------------------------
Filters that only *select* base rows (periods, crime groups, districts, a
coarser H3 resolution) turn nested views into nested sets of rows: when a
view A contains a view B, A − B is a sum of published rows, each 0 (absent)
or at least ``k``. So no subtraction of two public views gives a count
below ``k``. Filters the base tables cannot express (a day range, weekdays,
shifts, crime types) are not offered to the public and the view functions
ignore them: a weekday view minus its complement, the last day, one shift or
one type cannot be asked for. The same holds across releases: only whole
base periods are published (a partly covered quarter is left out), so the
next import cannot make a quarter grow by a few incidents that someone could
subtract.

Tables
------
``districts``
    ``(period, district, crime_group) -> count``: every incident with a
    district in a complete base period (``settings.PUBLIC_PERIOD``, the
    quarter: ``2025-T3``).
``cells``
    ``(period, district, crime_group, h3) -> count`` with ``resolution``:
    H3 cells at ``settings.PUBLIC_MAX_RESOLUTION`` (8, ~0.7 km²). Incidents
    of a sensitive group (``settings.SENSITIVE_GROUPS``) or of a sensitive
    type (``settings.SENSITIVE_TYPES``, e.g. feminicidio, kept under its
    group) are never in those cells: they are counted in resolution-6 cells
    (two levels coarser, ~36 km²) only.

Rules
-----
1. **Aggregates only**: no coordinates, identifiers, free text, types, hours
   or days.
2. **Whole periods**: the base period is the quarter; only quarters the data
   covers completely are published (coverage runs from the first day of the
   month of the first incident to the day after the last one). Years are
   sums of their published quarters.
3. **Primary suppression**: a row with fewer than ``k`` incidents
   (``settings.PUBLIC_MIN_COUNT``; ``2 * k`` for sensitive rows) is not
   published.
4. **Secondary suppression** (district table), so that a known total (an
   official monthly or quarterly statistic, or any margin) minus the
   published rows never recovers a suppressed one: within each
   ``(period, district)`` (across groups) and each ``(period, crime_group)``
   (across districts), when anything is suppressed, at least two rows are,
   and together they hold at least the largest threshold among them;
   otherwise the smallest published rows are suppressed too. Repeated until
   stable, then audited: in each period's district × group table, a
   suppressed row that is a *bridge* of the graph of suppressed rows
   (districts and groups as nodes) could be solved exactly from the row and
   column totals, so another row is suppressed to close a cycle through it.
5. **Cells inside published district rows only**: the cells of a suppressed
   district row are all suppressed (else their sum would reveal it). Within
   each published ``(period, district, crime_group)`` row, whose total is
   public, the cells follow rule 4's block rule, with incidents without a
   cell (no coordinates) counted as an always-suppressed row.

Choice of the base period, measured on the demo store (seed 20241101, two
years, Lima and Trujillo, 38,286 incidents, ``k = 5``; ``sizes``):

=========================  =======  ==========  =========  ==================
table                      rows     suppressed  published  incidents published
=========================  =======  ==========  =========  ==================
districts, monthly          4,897     4,104        793      25,445 of 38,286 (66 %)
districts, quarterly        1,925     1,339        586      27,937 of 33,261 (84 %)
cells r8, monthly          16,500    15,524        976      15,216 of 38,286 (40 %)
cells r8, quarterly        10,044     9,160        884      17,528 of 33,261 (53 %)
=========================  =======  ==========  =========  ==================

(The quarterly release leaves out the two partly covered quarters, 2024-T4
and 2026-T4.) Quarters publish more of the data, keep one period unit for
every public page (the Inicio figures, the map and the report of a period
are sums of the same quarters) and are the usual Codisec reporting period.
``period="M"`` builds a monthly release for denser data.

:func:`public_counts` is the older single-table function (cells per period
and group, no district), kept for callers that need only that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError
from analytics._labels import (
    check_period,
    district_key,
    label_to_period,
    period_label,
    period_span,
    times_to_periods,
)

#: Columns of :attr:`PublicRelease.districts`.
DISTRICT_COLUMNS: Final = ("period", "district", "crime_group", "count")
#: Columns of :attr:`PublicRelease.cells`.
CELL_COLUMNS: Final = ("period", "district", "crime_group", "h3", "resolution", "count")
#: Columns of :func:`release_table` (the public export).
EXPORT_COLUMNS: Final = ("table", "period", "district", "crime_group", "h3", "resolution",
                         "count")
#: Base periods a release may use: quarter (default) or month.
BASE_PERIODS: Final = ("Q", "M")

_PUBLIC_COLUMNS: Final = ("h3", "period", "crime_group", "count")
_NO_CELL: Final = 0


# --------------------------------------------------------------------------- #
# Suppression machinery
# --------------------------------------------------------------------------- #
def _sensitive_mask(incidents: pd.DataFrame) -> np.ndarray:
    group = incidents["crime_group"].astype(str).str.lower()
    mask: np.ndarray = group.isin(settings.SENSITIVE_GROUPS).to_numpy(dtype=bool, copy=True)
    if "crime_type" in incidents.columns:
        ctype = incidents["crime_type"].astype(str).str.strip().str.lower()
        mask |= ctype.isin(settings.SENSITIVE_TYPES).to_numpy(dtype=bool)
    return mask


def _secondary_suppression(counts: np.ndarray, thresholds: np.ndarray,
                           suppressed: np.ndarray) -> np.ndarray:
    """Grow the suppression mask of one block until its hidden total is safe.

    Safe: nothing suppressed, or at least two rows suppressed holding together
    at least the largest threshold among them, or the whole block suppressed.
    """
    suppressed = suppressed.copy()
    if not suppressed.any():
        return suppressed
    order = np.argsort(counts, kind="stable")
    while True:
        need = thresholds[suppressed].max()
        if (counts[suppressed].sum() >= need and suppressed.sum() >= 2) or suppressed.all():
            return suppressed
        nxt = next(i for i in order if not suppressed[i])
        suppressed[nxt] = True


def _block_pass(counts: np.ndarray, thresholds: np.ndarray, sup: np.ndarray,
                blocks: list[list[np.ndarray]]) -> bool:
    """Apply the block rule to every block until stable (in place); whether anything grew."""
    grew = False
    changed = True
    while changed:
        changed = False
        for block in blocks:
            for idx in block:
                new = _secondary_suppression(counts[idx], thresholds[idx], sup[idx])
                if (new != sup[idx]).any():
                    sup[idx] = new
                    changed = grew = True
    return grew


def _suppression_mask(frame: pd.DataFrame, *, blocks: Sequence[Sequence[str]],
                      forced: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``frame`` (``count``, ``threshold``) to suppress.

    Primary suppression (``count < threshold``, plus the ``forced`` rows), then
    secondary suppression in every block (rows sharing the values of one key
    list) until stable.
    """
    counts = frame["count"].to_numpy(dtype=np.int64)
    thresholds = frame["threshold"].to_numpy(dtype=np.int64)
    sup: np.ndarray = counts < thresholds
    if forced is not None:
        sup |= forced
    groups = [list(frame.groupby(list(keys), sort=False).indices.values()) for keys in blocks]
    _block_pass(counts, thresholds, sup, groups)
    return sup


def _bridges(n_nodes: int, edges: Sequence[tuple[int, int]]) -> set[int]:
    """Indices of the bridges of an undirected graph (iterative Tarjan)."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for i, (u, v) in enumerate(edges):
        adj[u].append((v, i))
        adj[v].append((u, i))
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    out: set[int] = set()
    clock = 0
    for root in range(n_nodes):
        if disc[root] != -1 or not adj[root]:
            continue
        disc[root] = low[root] = clock
        clock += 1
        stack: list[tuple[int, int, Any]] = [(root, -1, iter(adj[root]))]
        while stack:
            u, parent_edge, it = stack[-1]
            descended = False
            for v, ei in it:
                if ei == parent_edge:
                    continue
                if disc[v] == -1:
                    disc[v] = low[v] = clock
                    clock += 1
                    stack.append((v, ei, iter(adj[v])))
                    descended = True
                    break
                low[u] = min(low[u], disc[v])
            if descended:
                continue
            stack.pop()
            if stack:
                p = stack[-1][0]
                low[p] = min(low[p], low[u])
                if low[u] > disc[p]:
                    out.add(parent_edge)
    return out


def _cheapest_path(n_nodes: int, rows: np.ndarray, cols: np.ndarray, cost: np.ndarray,
                   skip: int, source: int, target: int) -> list[int] | None:
    """Row indices of the cheapest path from ``source`` to ``target`` avoiding row ``skip``.

    The graph has a node per row and per column value and an edge per table row,
    costing ``cost`` (0 for rows already suppressed). ``None`` when no path exists.
    """
    import heapq

    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for i in range(len(rows)):
        if i != skip:
            adj[int(rows[i])].append((int(cols[i]), i))
            adj[int(cols[i])].append((int(rows[i]), i))
    best = [np.inf] * n_nodes
    via: list[int] = [-1] * n_nodes
    best[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == target:
            break
        if d > best[u]:
            continue
        for v, i in adj[u]:
            nd = d + float(cost[i])
            if nd < best[v]:
                best[v], via[v] = nd, i
                heapq.heappush(heap, (nd, v))
    if not np.isfinite(best[target]):
        return None
    path, node = [], target
    while node != source:
        i = via[node]
        path.append(i)
        node = int(rows[i]) if int(cols[i]) == node else int(cols[i])
    return path


def _audit_table(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray,
                 thresholds: np.ndarray, sup: np.ndarray) -> bool:
    """Close the small bridges of one two-way table's suppression graph (in place).

    ``rows``/``cols`` are integer node codes (columns offset after the rows). A
    suppressed row below its threshold that is a bridge of the graph of
    suppressed rows is solvable from the margins; the cheapest path of
    published rows joining its two ends (fewest incidents) is suppressed so
    that it lies on a cycle. Returns whether a row was added.
    """
    n_nodes = int(max(rows.max(), cols.max())) + 1 if len(rows) else 0
    idx = np.flatnonzero(sup)
    edges = [(int(rows[i]), int(cols[i])) for i in idx]
    for j in sorted(_bridges(n_nodes, edges)):
        i = int(idx[j])
        if counts[i] >= thresholds[i]:
            continue
        cost = np.where(sup, 0, counts).astype(np.float64)
        path = _cheapest_path(n_nodes, rows, cols, cost, i, int(rows[i]), int(cols[i]))
        if path is None:
            continue  # a bridge of the whole table: its margins reveal it, nothing to hide
        fresh = [p for p in path if not sup[p]]
        if fresh:
            sup[fresh] = True
            return True
    return False


def _two_way_suppression(frame: pd.DataFrame, *, period: str, row: str, col: str
                         ) -> np.ndarray:
    """Suppression of a (period, row, col) table: blocks on both margins, then the audit."""
    counts = frame["count"].to_numpy(dtype=np.int64)
    thresholds = frame["threshold"].to_numpy(dtype=np.int64)
    sup: np.ndarray = counts < thresholds
    blocks = [list(frame.groupby([period, keys], sort=False).indices.values())
              for keys in (row, col)]
    r_codes = pd.factorize(frame[row])[0]
    c_codes = pd.factorize(frame[col])[0] + (int(r_codes.max()) + 1 if len(frame) else 0)
    per_period = list(frame.groupby(period, sort=False).indices.values())
    _block_pass(counts, thresholds, sup, blocks)
    while True:
        added = False
        for idx in per_period:
            part = sup[idx]
            if _audit_table(r_codes[idx], c_codes[idx], counts[idx], thresholds[idx], part):
                sup[idx] = part
                added = True
        if not added:
            return sup
        _block_pass(counts, thresholds, sup, blocks)


# --------------------------------------------------------------------------- #
# The release
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class PublicRelease:
    """The public base tables of one data set (see the module notes).

    Attributes
    ----------
    districts
        Published rows of the district table: :data:`DISTRICT_COLUMNS`
        (``district`` as a key: upper case, no accents; ``count`` int64 at
        least ``k``, ``2 * k`` for sensitive groups).
    cells
        Published rows of the cell table: :data:`CELL_COLUMNS` (``h3`` hex
        string, ``resolution`` 8 or 6).
    periods
        Published base periods, oldest first (``2025-T1``...).
    period
        Base period code: ``"Q"`` or ``"M"``.
    k, sensitive_k
        Thresholds.
    resolution, sensitive_resolution
        Resolutions of the two cell layers.
    sizes
        One row per table (``districts``, ``cells``): ``rows`` (non-empty
        rows in complete periods), ``primary`` and ``secondary`` suppressed,
        ``published``, ``incidents`` and ``incidents_published``.
    """

    districts: pd.DataFrame = field(repr=False)
    cells: pd.DataFrame = field(repr=False)
    periods: tuple[str, ...]
    period: str
    k: int
    sensitive_k: int
    resolution: int
    sensitive_resolution: int
    sizes: pd.DataFrame = field(repr=False)

    @property
    def groups(self) -> tuple[str, ...]:
        """Crime groups with a published row, in ``settings.CRIME_GROUPS`` order."""
        order = {g: i for i, g in enumerate(settings.CRIME_GROUPS)}
        found = set(self.districts["crime_group"]) | set(self.cells["crime_group"])
        return tuple(sorted(found, key=lambda g: (order.get(g, 99), g)))

    @property
    def district_names(self) -> tuple[str, ...]:
        """Districts (keys) with a published row, sorted."""
        return tuple(sorted(set(self.districts["district"]) | set(self.cells["district"])))


def _release_cells(df: pd.DataFrame, *, resolution: int) -> np.ndarray:
    """Resolution-``resolution`` cell of each incident, :data:`_NO_CELL` without location."""
    out = np.full(len(df), _NO_CELL, dtype=np.uint64)
    if "h3_r12" in df.columns:
        col = df["h3_r12"]
        # Never through float64: cell ids exceed 2**53 (missing values arrive as NA or 0).
        r12 = (col.to_numpy(dtype=np.uint64) if col.dtype.kind in "ui" else
               col.astype("UInt64").fillna(0).to_numpy(dtype=np.uint64))
        ok = r12 > 0
    else:
        ok = (df["lat"].notna() & df["lon"].notna()).to_numpy(dtype=bool)
        r12 = np.zeros(len(df), dtype=np.uint64)
        if ok.any():
            r12[ok] = hexbin.points_to_cells(df.loc[ok, "lat"].to_numpy(),
                                             df.loc[ok, "lon"].to_numpy())
    if ok.any():
        out[ok] = hexbin.cells_to_parent(r12[ok], resolution=resolution)
    return out


def _complete_periods(times: pd.Series, period: str,
                      coverage: tuple[object, object] | None) -> list[pd.Period]:
    if coverage is not None:
        first, end = pd.Timestamp(coverage[0]), pd.Timestamp(coverage[1])
    elif len(times):
        t = pd.to_datetime(times)
        first = t.min().to_period("M").start_time.floor("D")
        end = t.max().floor("D") + pd.Timedelta(days=1)
    else:
        return []
    if end <= first:
        return []
    out = []
    for p in pd.period_range(first, end - pd.Timedelta(days=1), freq=period):
        start, stop = period_span(p)
        if start >= first and stop <= end:
            out.append(p)
    return out


def _sizes(name: str, frame: pd.DataFrame, sup: np.ndarray) -> dict[str, Any]:
    counts = frame["count"].to_numpy(dtype=np.int64)
    primary = counts < frame["threshold"].to_numpy(dtype=np.int64)
    return {"table": name, "rows": len(frame), "primary": int(primary.sum()),
            "secondary": int((sup & ~primary).sum()), "published": int((~sup).sum()),
            "incidents": int(counts.sum()), "incidents_published": int(counts[~sup].sum())}


def incidents_to_release(incidents: pd.DataFrame, *, k: int = settings.PUBLIC_MIN_COUNT,
                         period: str = settings.PUBLIC_PERIOD,
                         resolution: int = settings.PUBLIC_MAX_RESOLUTION,
                         sensitive_resolution: int | None = None,
                         sensitive_k: int | None = None,
                         coverage: tuple[object, object] | None = None) -> PublicRelease:
    """Build the public release of a data set (see the module notes for the rules).

    Parameters
    ----------
    incidents
        Canonical incidents: ``occurred_at``, ``district``, ``crime_group``,
        optionally ``crime_type``, and ``h3_r12`` or ``lat``/``lon``. Pass the
        whole data set: incidents without a district are not published.
    k
        Minimum count of a published row (at least 2).
    period
        Base period: ``"Q"`` (quarter, default) or ``"M"`` (month).
    resolution
        H3 resolution of the cell table, at most ``settings.PUBLIC_MAX_RESOLUTION``.
    sensitive_resolution
        Resolution of the sensitive cells; default two levels coarser than
        ``resolution`` (not below ``settings.H3_MIN_RESOLUTION``).
    sensitive_k
        Minimum count of a published sensitive row; default ``2 * k``.
    coverage
        ``(start, end)`` of the time the data covers, end exclusive; default
        from the first day of the month of the first incident to the day
        after the last one. Only base periods inside it are published.

    Returns
    -------
    PublicRelease
    """
    problems: list[str] = []
    if period not in BASE_PERIODS:
        problems.append(f"Periodo base desconocido: {period!r} (Q = trimestre, M = mes).")
    lo, hi = settings.H3_MIN_RESOLUTION, settings.PUBLIC_MAX_RESOLUTION
    if not lo <= int(resolution) <= hi:
        problems.append(f"La resolución pública debe estar entre {lo} y {hi} "
                        f"(se pidió {resolution}); las celdas más finas no se publican.")
    if int(k) < 2:
        problems.append(f"El umbral de supresión k debe ser al menos 2 (se pidió {k}).")
    s_res = (max(lo, int(resolution) - 2) if sensitive_resolution is None
             else int(sensitive_resolution))
    s_k = 2 * int(k) if sensitive_k is None else int(sensitive_k)
    if not lo <= s_res <= min(hi, int(resolution)):
        problems.append(f"La resolución para delitos sensibles ({s_res}) debe estar entre {lo} "
                        f"y la resolución pública ({resolution}).")
    if s_k < int(k):
        problems.append(f"El umbral para delitos sensibles ({s_k}) no puede ser menor que k ({k}).")
    missing = [c for c in ("occurred_at", "district", "crime_group") if c not in incidents]
    if "h3_r12" not in incidents.columns and not {"lat", "lon"} <= set(incidents.columns):
        missing.append("h3_r12 (o lat y lon)")
    if missing:
        problems.append(f"Faltan columnas: {', '.join(missing)}.")
    elif incidents["occurred_at"].isna().any():
        problems.append(f"{int(incidents['occurred_at'].isna().sum())} incidentes sin fecha.")
    if problems:
        raise IncidentSchemaError(" ".join(problems))

    complete = _complete_periods(incidents["occurred_at"], period, coverage)
    labels = [period_label(p) for p in complete]
    cols = [c for c in ("occurred_at", "district", "crime_group", "crime_type", "h3_r12", "lat",
                        "lon") if c in incidents.columns]
    df = incidents[cols].copy()
    df["district"] = df["district"].map(district_key)
    df["crime_group"] = df["crime_group"].fillna("otro").astype(str).str.lower()
    df["period"] = (times_to_periods(df["occurred_at"], period=period).to_numpy()
                    if len(df) else np.empty(0, dtype=object))
    df = df.loc[df["district"].notna() & df["period"].isin(labels)].reset_index(drop=True)

    # District table.
    dist = (df.groupby(["period", "district", "crime_group"], sort=True).size()
            .rename("count").reset_index())
    dist["threshold"] = np.where(dist["crime_group"].isin(settings.SENSITIVE_GROUPS), s_k,
                                 int(k))
    d_sup = (_two_way_suppression(dist, period="period", row="district", col="crime_group")
             if len(dist) else np.zeros(0, dtype=bool))

    # Cell table: fine cells, coarse sensitive cells, a no-cell row per block.
    sensitive = _sensitive_mask(df)
    df["cell"] = _release_cells(df, resolution=int(resolution))
    if sensitive.any():
        df.loc[sensitive, "cell"] = _release_cells(df.loc[sensitive], resolution=s_res)
    df["threshold"] = np.where(sensitive, s_k, int(k))
    key = ["period", "district", "crime_group"]
    cells = (df.groupby([*key, "cell"], sort=True)
             .agg(count=("threshold", "size"), threshold=("threshold", "max")).reset_index())
    hidden = dist.loc[d_sup, key].assign(_hidden=True)
    cells = cells.merge(hidden, on=key, how="left")
    inherited = cells["_hidden"].fillna(False).to_numpy(dtype=bool)
    cells = cells.drop(columns="_hidden")
    forced = inherited | (cells["cell"].to_numpy(dtype=np.uint64) == _NO_CELL)
    c_sup = (_suppression_mask(cells, blocks=[key], forced=forced) if len(cells)
             else np.zeros(0, dtype=bool))

    sizes = pd.DataFrame([_sizes("districts", dist, d_sup), _sizes("cells", cells, c_sup)])
    pub_d = dist.loc[~d_sup, list(DISTRICT_COLUMNS)].reset_index(drop=True)
    pub_c = cells.loc[~c_sup].copy()
    cell_ids = pub_c["cell"].to_numpy(dtype=np.uint64)
    pub_c["h3"] = hexbin.cells_to_strings(cell_ids) if len(pub_c) else np.empty(0, dtype=object)
    pub_c["resolution"] = hexbin.cells_resolution(cell_ids).astype("int64")
    pub_c = pub_c[list(CELL_COLUMNS)].sort_values(["period", "district", "crime_group", "h3"])
    types = {"period": str, "district": str, "crime_group": str, "count": "int64"}
    return PublicRelease(
        districts=pub_d.astype(types),
        cells=pub_c.reset_index(drop=True).astype({**types, "h3": str, "resolution": "int64"}),
        periods=tuple(labels), period=period, k=int(k), sensitive_k=s_k,
        resolution=int(resolution), sensitive_resolution=s_res, sizes=sizes)


def release_from_store(con: Any, *, k: int = settings.PUBLIC_MIN_COUNT,
                       period: str = settings.PUBLIC_PERIOD,
                       resolution: int = settings.PUBLIC_MAX_RESOLUTION) -> PublicRelease:
    """:func:`incidents_to_release` of every incident of a store connection.

    ``con`` is a connection of :func:`analytics.store.connect` (read-only is enough).
    """
    from analytics import store

    inc = store.load_incidents(con, columns=["occurred_at", "district", "crime_group",
                                             "crime_type", "h3_r12"])
    return incidents_to_release(inc, k=k, period=period, resolution=resolution)


# --------------------------------------------------------------------------- #
# Periods of a release
# --------------------------------------------------------------------------- #
def _base_of(label: str, base: str) -> list[str]:
    """Base periods (``Q`` or ``M``) inside a period label."""
    p = label_to_period(label)
    if p.freqstr[0] == "M" and base == "Q":
        return []  # a month is finer than the base period: nothing can be summed
    start, stop = period_span(p)
    return [period_label(q) for q in pd.period_range(start, stop - pd.Timedelta(days=1),
                                                     freq=base)]


def period_options(release: PublicRelease) -> dict[str, list[tuple[str, bool]]]:
    """Periods a public view may ask for, newest first, with a completeness flag.

    Keys: ``"M"`` (only for a monthly release), ``"Q"``, ``"Y"``. A period is
    listed when at least one of its base periods is published, and flagged
    complete when all are.
    """
    published = set(release.periods)
    kinds = ("M", "Q", "Y") if release.period == "M" else ("Q", "Y")
    out: dict[str, list[tuple[str, bool]]] = {}
    for kind in kinds:
        labels: dict[str, bool] = {}
        for base in release.periods:
            start, _ = period_span(label_to_period(base))
            lab = period_label(pd.Period(start, freq=kind))
            if lab not in labels:
                labels[lab] = all(b in published for b in _base_of(lab, release.period))
        out[kind] = sorted(labels.items(), key=lambda kv: label_to_period(kv[0]).start_time,
                           reverse=True)
    return out


def label_members(release: PublicRelease, label: str) -> tuple[str, ...]:
    """Published base periods inside a period label (empty for a month of a quarterly release)."""
    published = set(release.periods)
    return tuple(b for b in _base_of(label, release.period) if b in published)


def label_base(release: PublicRelease, label: str) -> tuple[str, ...]:
    """Every base period inside a period label, published or not."""
    return tuple(_base_of(label, release.period))


def label_previous(release: PublicRelease, label: str) -> tuple[str, ...] | None:
    """Base periods of the period before ``label`` matching its published ones, or ``None``.

    A quarter: the previous quarter; a year: the same quarters of the year
    before. ``None`` unless every one of them is published.
    """
    return previous_members(release, label_members(release, label),
                            len(_base_of(label, release.period)))


def label_bounds(label: str) -> tuple[date, date]:
    """First and last day (inclusive) of a period label."""
    start, stop = period_span(label_to_period(label))
    return start.date(), (stop - pd.Timedelta(days=1)).date()


def span_members(release: PublicRelease, start: date | None, end: date | None
                 ) -> tuple[str, ...]:
    """Published base periods lying entirely inside ``[start, end]`` (days, inclusive)."""
    out = []
    for base in release.periods:
        s, stop = period_span(label_to_period(base))
        if (start is None or s.date() >= start) and (
                end is None or (stop - pd.Timedelta(days=1)).date() <= end):
            out.append(base)
    return tuple(out)


def _touched(release: PublicRelease, start: date | None, end: date | None) -> int:
    """How many base periods ``[start, end]`` touches (the step back to its previous period)."""
    if start is None or end is None or end < start:
        return len(release.periods)
    return len(pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq=release.period))


def previous_members(release: PublicRelease, members: Sequence[str], step: int
                     ) -> tuple[str, ...] | None:
    """The base periods ``step`` periods before ``members``; ``None`` unless all published."""
    if not members or step < 1:
        return None
    published = set(release.periods)
    back = tuple(period_label(label_to_period(m) - step) for m in members)
    return back if all(b in published for b in back) else None


def _bounds(members: Sequence[str]) -> tuple[date | None, date | None]:
    if not members:
        return None, None
    first, _ = label_bounds(members[0])
    _, last = label_bounds(members[-1])
    return first, last


# --------------------------------------------------------------------------- #
# Views: every value a sum of published base rows
# --------------------------------------------------------------------------- #
def _select(frame: pd.DataFrame, periods: Iterable[str], groups: Iterable[str],
            districts: Iterable[str]) -> pd.DataFrame:
    keep = frame["period"].isin(list(periods))
    g = [str(v) for v in groups]
    if g:
        keep &= frame["crime_group"].isin(g)
    d = [district_key(v) for v in districts]
    if d:
        keep &= frame["district"].isin([v for v in d if v])
    return frame.loc[keep]


def district_counts(release: PublicRelease, *, periods: Iterable[str],
                    groups: Iterable[str] = (), districts: Iterable[str] = ()) -> pd.DataFrame:
    """Sums of published district rows over base ``periods``, per district and group.

    Returns
    -------
    pandas.DataFrame
        ``district``, ``crime_group``, ``count`` (int64, at least ``k``); no
        zero rows. Empty ``groups`` or ``districts`` mean all.
    """
    sel = _select(release.districts, periods, groups, districts)
    out = sel.groupby(["district", "crime_group"], as_index=False)["count"].sum()
    return out.astype({"district": str, "crime_group": str, "count": "int64"})


def cell_rows(release: PublicRelease, *, periods: Iterable[str], groups: Iterable[str] = (),
              districts: Iterable[str] = ()) -> pd.DataFrame:
    """Published cell rows summed over base ``periods``, each at its own resolution.

    Columns ``district``, ``crime_group``, ``h3``, ``resolution``, ``count``.
    """
    sel = _select(release.cells, periods, groups, districts)
    out = sel.groupby(["district", "crime_group", "h3", "resolution"], as_index=False)[
        "count"].sum()
    return out.astype({"district": str, "crime_group": str, "h3": str, "resolution": "int64",
                       "count": "int64"})


def cell_counts(release: PublicRelease, *, periods: Iterable[str], groups: Iterable[str] = (),
                districts: Iterable[str] = (), resolution: int | None = None) -> pd.DataFrame:
    """Published cells rolled up to ``resolution``, per district part and group.

    A cell at ``resolution`` is the sum of its published finer rows: the fine
    layer always, the coarse (sensitive) layer only when ``resolution`` is
    that coarse. A cell spanning several districts has one row per part.

    Returns
    -------
    pandas.DataFrame
        ``h3`` (hex string at ``resolution``), ``district``, ``crime_group``,
        ``count`` (int64).
    """
    res = release.resolution if resolution is None else int(resolution)
    if not settings.H3_MIN_RESOLUTION <= res <= release.resolution:
        msg = (f"La resolución pública debe estar entre {settings.H3_MIN_RESOLUTION} y "
               f"{release.resolution} (se pidió {res}).")
        raise IncidentSchemaError(msg)
    rows = cell_rows(release, periods=periods, groups=groups, districts=districts)
    rows = rows.loc[rows["resolution"] >= res]
    cols = ["h3", "district", "crime_group", "count"]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "count" else str) for c in cols})
    ids = np.fromiter((int(h, 16) for h in rows["h3"]), dtype=np.uint64, count=len(rows))
    rows = rows.assign(h3=hexbin.cells_to_strings(hexbin.cells_to_parent(ids, resolution=res)))
    out = rows.groupby(["h3", "district", "crime_group"], as_index=False)["count"].sum()
    return out[cols].astype({"h3": str, "district": str, "crime_group": str, "count": "int64"})


def cell_map(release: PublicRelease, *, periods: Iterable[str], groups: Iterable[str] = (),
             districts: Iterable[str] = (), resolution: int | None = None) -> pd.DataFrame:
    """One row per published cell of :func:`cell_counts` (district parts and groups summed).

    Returns
    -------
    pandas.DataFrame
        Largest first: ``h3`` (uint64), ``h3_id``, ``n`` (int64), ``rate_km2``,
        ``top_types`` (the published groups with their sums, Spanish labels),
        ``district`` (the part with most incidents), ``lat``, ``lon``.
    """
    res = release.resolution if resolution is None else int(resolution)
    parts = cell_counts(release, periods=periods, groups=groups, districts=districts,
                        resolution=res)
    cols = ["h3", "h3_id", "n", "rate_km2", "top_types", "district", "lat", "lon"]
    if parts.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    by_group = parts.groupby(["h3", "crime_group"], as_index=False)["count"].sum()
    by_group = by_group.sort_values(["h3", "count", "crime_group"], ascending=[True, False, True])
    text = [f"{settings.CRIME_GROUPS.get(g, g)} ({n})"
            for g, n in zip(by_group["crime_group"], by_group["count"], strict=True)]
    top = by_group.assign(txt=text).groupby("h3")["txt"].agg(", ".join)
    by_d = parts.groupby(["h3", "district"], as_index=False)["count"].sum()
    main = (by_d.sort_values(["h3", "count", "district"], ascending=[True, False, True])
            .drop_duplicates("h3").set_index("h3")["district"])
    out = parts.groupby("h3", as_index=False)["count"].sum().rename(
        columns={"h3": "h3_id", "count": "n"})
    out = out.sort_values(["n", "h3_id"], ascending=[False, True]).reset_index(drop=True)
    cells = np.fromiter((int(h, 16) for h in out["h3_id"]), dtype=np.uint64, count=len(out))
    out["h3"] = cells
    out["n"] = out["n"].astype("int64")
    out["rate_km2"] = out["n"] / hexbin.cell_area_km2(res)
    out["top_types"] = out["h3_id"].map(top).fillna("").astype(str)
    out["district"] = out["h3_id"].map(main).astype(str)
    out["lat"], out["lon"] = hexbin.cells_to_centers(cells)
    return out[cols]


@dataclass(frozen=True)
class PublicKpis:
    """Published totals of a period against the previous one (sums of published rows).

    ``previous``/``change_pct`` are ``None`` when the previous period is not
    wholly published. ``by_group``: ``crime_group, n, previous, change_pct``
    for the groups with a published value in the period, largest first.
    """

    periods: tuple[str, ...]
    previous_periods: tuple[str, ...] | None
    start: date | None
    end: date | None
    prev_start: date | None
    prev_end: date | None
    total: int
    previous: int | None
    change_pct: float | None
    by_group: pd.DataFrame = field(repr=False)


def _pct(now: float, before: float | None) -> float | None:
    return None if not before else 100.0 * (now - before) / before


def period_kpis(release: PublicRelease, *, start: date | None = None, end: date | None = None,
                groups: Iterable[str] = (), districts: Iterable[str] = ()) -> PublicKpis:
    """Totals and totals by group for the base periods inside ``[start, end]``.

    The previous period is the same number of base periods the span touches,
    just before (a quarter: the previous quarter; a year: the same quarters
    of the year before).
    """
    groups, districts = tuple(groups), tuple(districts)
    members = span_members(release, start, end)
    prev = previous_members(release, members, _touched(release, start, end))
    now = district_counts(release, periods=members, groups=groups, districts=districts)
    cur = now.groupby("crime_group")["count"].sum()
    if prev is not None:
        before = district_counts(release, periods=prev, groups=groups, districts=districts)
        old = before.groupby("crime_group")["count"].sum()
    else:
        old = pd.Series(dtype="int64")
    g = pd.DataFrame({"crime_group": cur.index.astype(str), "n": cur.to_numpy(dtype="int64")})
    g["previous"] = g["crime_group"].map(old).astype("float64") if prev is not None else np.nan
    g["change_pct"] = [_pct(a, None if pd.isna(b) else b)
                       for a, b in zip(g["n"], g["previous"], strict=True)]
    g = g.sort_values(["n", "crime_group"], ascending=[False, True]).reset_index(drop=True)
    total = int(g["n"].sum())
    previous = int(old.sum()) if prev is not None else None
    s, e = _bounds(members)
    ps, pe = _bounds(prev or ())
    return PublicKpis(members, prev, s, e, ps, pe, total, previous, _pct(total, previous), g)


def district_trend(release: PublicRelease, *, districts: Iterable[str], until: str, n: int
                   ) -> pd.DataFrame:
    """Published district totals (sums of published groups) per base period.

    The last ``n`` published base periods up to the end of period ``until``.
    Columns ``period``, ``district`` (key), ``count``.
    """
    _, last = label_bounds(until)
    upto = [b for b in release.periods if label_bounds(b)[1] <= last][-int(n):]
    sel = _select(release.districts, upto, (), districts)
    out = sel.groupby(["period", "district"], as_index=False)["count"].sum()
    return out.astype({"period": str, "district": str, "count": "int64"})


def release_table(release: PublicRelease) -> pd.DataFrame:
    """Both base tables in one long table for the public export.

    Columns :data:`EXPORT_COLUMNS`: ``table`` is ``distrito`` (``h3`` empty,
    ``resolution`` missing) or ``celda``. Sum ``count`` within one table only.
    """
    d = release.districts.assign(table="distrito", h3="", resolution=pd.NA)
    c = release.cells.assign(table="celda")
    out = pd.concat([d, c], ignore_index=True)[list(EXPORT_COLUMNS)]
    return out.astype({"table": str, "period": str, "district": str, "crime_group": str,
                       "h3": str, "resolution": "Int64", "count": "int64"})


# --------------------------------------------------------------------------- #
# The single-table function kept from the first public mode
# --------------------------------------------------------------------------- #
def public_counts(incidents: pd.DataFrame, *, resolution: int = settings.PUBLIC_MAX_RESOLUTION,
                  k: int = settings.PUBLIC_MIN_COUNT, period: str = "M",
                  sensitive_resolution: int | None = None,
                  sensitive_k: int | None = None) -> pd.DataFrame:
    """Cell counts per period and crime group, suppressed (one table, no district).

    Rules 1, 3 and the sensitive layer of the module notes; secondary
    suppression within each ``(period, crime_group)``. The app and the public
    export use :func:`incidents_to_release` instead.

    Parameters
    ----------
    incidents
        Canonical incidents: ``occurred_at``, ``crime_group``, optionally
        ``crime_type``, and ``h3_r12`` or ``lat``/``lon``.
    resolution
        H3 resolution of the cells, at most ``settings.PUBLIC_MAX_RESOLUTION``.
    k
        Minimum count of a published row (at least 2).
    period
        ``"M"`` (``2025-03``), ``"Q"`` (``2025-T1``) or ``"Y"`` (``2025``).
    sensitive_resolution
        Resolution for sensitive incidents; default two levels coarser than
        ``resolution`` (not below ``settings.H3_MIN_RESOLUTION``).
    sensitive_k
        Minimum count of a published sensitive row; default ``2 * k``.

    Returns
    -------
    pandas.DataFrame
        Columns ``h3`` (hex string), ``period``, ``crime_group``, ``count``
        (int64, every value ``>= k``), sorted by period, group and cell.
    """
    problems: list[str] = []
    check_period(period, problems)
    lo, hi = settings.H3_MIN_RESOLUTION, settings.PUBLIC_MAX_RESOLUTION
    if not lo <= int(resolution) <= hi:
        problems.append(f"La resolución pública debe estar entre {lo} y {hi} "
                        f"(se pidió {resolution}); las celdas más finas no se publican.")
    if int(k) < 2:
        problems.append(f"El umbral de supresión k debe ser al menos 2 (se pidió {k}).")
    s_res = (max(lo, int(resolution) - 2) if sensitive_resolution is None
             else int(sensitive_resolution))
    s_k = 2 * int(k) if sensitive_k is None else int(sensitive_k)
    if not lo <= s_res <= min(hi, int(resolution)):
        problems.append(f"La resolución para delitos sensibles ({s_res}) debe estar entre {lo} "
                        f"y la resolución pública ({resolution}).")
    if s_k < int(k):
        problems.append(f"El umbral para delitos sensibles ({s_k}) no puede ser menor que k ({k}).")
    missing = [c for c in ("occurred_at", "crime_group") if c not in incidents.columns]
    if "h3_r12" not in incidents.columns and not {"lat", "lon"} <= set(incidents.columns):
        missing.append("h3_r12 (o lat y lon)")
    if missing:
        problems.append(f"Faltan columnas: {', '.join(missing)}.")
    elif incidents["occurred_at"].isna().any():
        problems.append(f"{int(incidents['occurred_at'].isna().sum())} incidentes sin fecha.")
    if problems:
        raise IncidentSchemaError(" ".join(problems))

    if incidents.empty:
        return pd.DataFrame({"h3": pd.Series(dtype=str), "period": pd.Series(dtype=str),
                             "crime_group": pd.Series(dtype=str),
                             "count": pd.Series(dtype="int64")})
    cols = [c for c in ("occurred_at", "crime_group", "crime_type", "h3_r12", "lat", "lon")
            if c in incidents.columns]
    df = incidents[cols].copy()
    df["crime_group"] = df["crime_group"].fillna("otro").astype(str).str.lower()
    sensitive = _sensitive_mask(df)
    df["period"] = times_to_periods(df["occurred_at"], period=period).to_numpy()
    parts = []
    for mask, res, thr in ((~sensitive, int(resolution), int(k)), (sensitive, s_res, s_k)):
        if not mask.any():
            continue
        cells = hexbin.incidents_to_cells(df.loc[mask], resolution=res, column="cell")
        g = cells.groupby(["period", "crime_group", "cell"], sort=True).size()
        part = g.rename("count").reset_index()
        part["threshold"] = thr
        parts.append(part)
    agg = pd.concat(parts, ignore_index=True)
    keep = ~_suppression_mask(agg, blocks=[("period", "crime_group")])
    out = agg.loc[keep].copy()
    out["h3"] = hexbin.cells_to_strings(out["cell"].to_numpy(dtype=np.uint64))
    out["count"] = out["count"].astype("int64")
    out = out.sort_values(["period", "crime_group", "h3"]).reset_index(drop=True)
    return out[list(_PUBLIC_COLUMNS)].astype({"h3": str, "period": str, "crime_group": str})

