"""Primary and secondary suppression of published counts.

Which published counts must be hidden, and the checks that no hidden count can be
solved from what is published.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError
from analytics._labels import (
    check_period,
    times_to_periods,
)


# --------------------------------------------------------------------------- #
# Suppression machinery
# --------------------------------------------------------------------------- #
def check_incident_columns(incidents: pd.DataFrame, required: tuple[str, ...],
                           problems: list[str]) -> None:
    """Check the incidents a release is built from (appending to ``problems``).

    ``required`` columns, a cell (``h3_r12``) or a point (``lat``, ``lon``), and a
    date on every row.
    """
    missing = [c for c in required if c not in incidents.columns]
    if "h3_r12" not in incidents.columns and not {"lat", "lon"} <= set(incidents.columns):
        missing.append("h3_r12 (o lat y lon)")
    if missing:
        problems.append(f"Faltan columnas: {', '.join(missing)}.")
    elif incidents["occurred_at"].isna().any():
        problems.append(f"{int(incidents['occurred_at'].isna().sum())} incidentes sin fecha.")


def check_thresholds(resolution: int, k: int, sensitive_resolution: int | None,
                     sensitive_k: int | None, problems: list[str]) -> tuple[int, int]:
    """Check a release's resolution and k (appending to ``problems``).

    Returns
    -------
    tuple of int
        The resolution and k of the sensitive groups (defaults: two
        resolutions coarser, twice k).
    """
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
    return s_res, s_k


def _sensitive_mask(incidents: pd.DataFrame) -> np.ndarray:
    group = incidents["crime_group"].astype(str).str.lower()
    mask: np.ndarray = group.isin(settings.SENSITIVE_GROUPS).to_numpy(dtype=bool, copy=True)
    if "crime_type" in incidents.columns:
        ctype = incidents["crime_type"].astype(str).str.strip().str.lower()
        mask |= ctype.isin(settings.SENSITIVE_TYPES).to_numpy(dtype=bool)
    return mask

#: Columns of :func:`public_counts`.
_PUBLIC_COLUMNS: Final = ("h3", "period", "crime_group", "count")


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
    s_res, s_k = check_thresholds(resolution, k, sensitive_resolution, sensitive_k, problems)
    check_incident_columns(incidents, ("occurred_at", "crime_group"), problems)
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
