"""Units, loops and schedules of a patrol plan.

Split the chosen hotspots among units, order each unit's loop, repair loops longer than
the revisit rule, and time every visit across the window.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from analytics import geo, hexbin

if TYPE_CHECKING:
    pass


#: Candidates (by marginal coverage) tried for each slot the loop repair refills.
REFILL_CANDIDATES = 200


#: MCLP re-solves of the loop repair (each among the cells near the repaired plan).
LOOP_REPAIR_ROUNDS = 2




# --------------------------------------------------------------------------- #
# Geometry helpers
# --------------------------------------------------------------------------- #
def _minutes(lat: np.ndarray, lon: np.ndarray, m_per_min: float) -> np.ndarray:
    """Whole minutes of travel between every pair of points (0 on the diagonal)."""
    d = np.ceil(geo.haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
                / m_per_min - 1e-9)
    np.fill_diagonal(d, 0.0)
    return d


def _trim_loops(cov: sparse.csr_array, w: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                labels: np.ndarray, locked: np.ndarray, *, groups: np.ndarray | None = None,
                minimums: Mapping[Hashable, int] | None = None, dwell_min: float,
                revisit_min: float, m_per_min: float) -> np.ndarray:
    """Mask of the hotspots kept so that every unit's loop fits ``revisit_min``.

    ``cov`` is the coverage of the chosen hotspots (rows) over the demand.
    From a unit whose loop is too long, drop the non-``locked`` hotspot with
    the least weight covered by it alone per minute of loop saved; repeat
    until the loop fits or only locked hotspots remain (a hotspot is also
    locked while its group is at its minimum). A single hotspot always fits
    (``dwell_min <= revisit_min``). When anything was dropped, hotspots that
    cover no weight alone are released too (their slots go to the refill).
    """
    n = labels.size
    keep = np.ones(n, dtype=bool)
    if n == 0:
        return keep
    cov = sparse.csr_array(cov)
    dist = _minutes(lat, lon, m_per_min)
    count = np.asarray(cov.sum(axis=0)).ravel()
    for u in np.unique(labels):
        while True:
            members = np.flatnonzero(keep & (labels == u))
            cycle = _cycle_min(dist, members, dwell_min)
            if cycle <= revisit_min + 1e-9 or members.size <= 1:
                break
            best: tuple[float, float, int] | None = None
            for j in members[~locked[members]]:
                if (groups is not None and minimums and groups[j] in minimums
                        and int((keep & (groups == groups[j])).sum()) <= minimums[groups[j]]):
                    continue
                saved = cycle - _cycle_min(dist, members[members != j], dwell_min)
                cols = cov.indices[cov.indptr[j]:cov.indptr[j + 1]]
                loss = float(w[cols][count[cols] == 1].sum())
                key = (loss / max(saved, 1e-9), loss, int(j))
                if best is None or key < best:
                    best = key
            if best is None:
                break
            j = best[2]
            keep[j] = False
            count[cov.indices[cov.indptr[j]:cov.indptr[j + 1]]] -= 1
    if not keep.all():
        # Also free the hotspots that cover nothing alone (slot fillers, overlaps), so the
        # refill can give their time to what the trimmed loops left uncovered.
        for j in np.flatnonzero(keep & ~locked):
            cols = cov.indices[cov.indptr[j]:cov.indptr[j + 1]]
            if float(w[cols][count[cols] == 1].sum()) > 0:
                continue
            if (groups is not None and minimums and groups[j] in minimums
                    and int((keep & (groups == groups[j])).sum()) <= minimums[groups[j]]):
                continue
            keep[j] = False
            count[cols] -= 1
    return keep


def _refill(cov: sparse.csr_array, w: np.ndarray, lat: np.ndarray, lon: np.ndarray,
            hs: np.ndarray, labels: np.ndarray, allowed: np.ndarray, *, slots: int,
            dwell_min: float, revisit_min: float, m_per_min: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Give the slots freed by :func:`_trim_loops` to units whose loop has time left.

    Greedy: the unused allowed cell with the largest marginal coverage (then
    total coverage) is added to the unit where it lengthens the loop least, if that loop still
    fits ``revisit_min``; cells that fit nowhere are skipped (at most
    :data:`REFILL_CANDIDATES` tried per slot). ``hs`` are cell indices into
    ``cov`` rows; returns the new hotspots and their unit labels.
    """
    hs_l, labels_l = list(map(int, hs)), list(map(int, labels))
    if slots <= 0 or not hs_l:
        return np.asarray(hs_l, dtype=np.int64), np.asarray(labels_l, dtype=np.int64)
    cov = sparse.csr_array(cov)
    covered = np.asarray(cov[hs_l].sum(axis=0)).ravel() > 0
    tried = np.zeros(cov.shape[0], dtype=bool)
    tried[hs_l] = True
    def loop(members: list[int]) -> float:
        ids = np.asarray(members, dtype=np.int64)
        return _cycle_min(_minutes(lat[ids], lon[ids], m_per_min), np.arange(ids.size),
                          dwell_min)

    members = {u: [h for h, lab in zip(hs_l, labels_l, strict=True) if lab == u]
               for u in sorted(set(labels_l))}
    cycle = {u: loop(m) for u, m in members.items()}
    total = cov @ w
    for _ in range(slots):
        # only units with room for one more dwell can take a hotspot
        open_units = [u for u in members if revisit_min - cycle[u] >= dwell_min - 1e-9]
        if not open_units:
            break
        # marginal coverage first; ties (e.g. nothing left to cover) by total weight covered
        gain = cov @ (w * ~covered) + 1e-9 * total / max(float(total.max()), 1e-300)
        gain[~allowed | tried] = -1.0
        placed = False
        for c in np.argsort(-gain, kind="stable")[:REFILL_CANDIDATES]:
            if gain[c] <= 0:
                break
            tried[c] = True
            best: tuple[float, int] | None = None
            for u in open_units:
                m = np.asarray(members[u])
                near = float(np.ceil(geo.haversine_m(lat[c], lon[c], lat[m], lon[m]).min()
                                     / m_per_min - 1e-9))
                if dwell_min + near > revisit_min - cycle[u] + 1e-9:
                    continue  # cannot fit even as a detour to the nearest hotspot
                new = loop([*members[u], int(c)])
                if new <= revisit_min + 1e-9 and (best is None or new - cycle[u] < best[0]):
                    best = (new - cycle[u], u)
            if best is not None:
                u = best[1]
                members[u].append(int(c))
                cycle[u] += best[0]
                hs_l.append(int(c))
                labels_l.append(u)
                covered |= np.asarray(cov[[int(c)]].toarray()).ravel() > 0
                placed = True
                break
        if not placed:
            break
    return np.asarray(hs_l, dtype=np.int64), np.asarray(labels_l, dtype=np.int64)


def _balanced_units(xy: np.ndarray, units: int, *, max_iter: int = 30) -> np.ndarray:
    """Deterministic balanced clustering: unit label (0-based) of each hotspot.

    Sizes differ by at most one. Farthest-point start, then Lloyd iterations
    whose assignment step is a capacity-respecting linear assignment.
    """
    n = len(xy)
    u = min(units, n)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if u == 1:
        return np.zeros(n, dtype=np.int64)
    sizes = np.full(u, n // u)
    sizes[: n % u] += 1
    slots = np.repeat(np.arange(u), sizes)
    first = int(np.argmax(((xy - xy.mean(axis=0)) ** 2).sum(axis=1)))
    centres = [first]
    d = ((xy - xy[first]) ** 2).sum(axis=1)
    for _ in range(1, u):
        nxt = int(np.argmax(d))
        centres.append(nxt)
        d = np.minimum(d, ((xy - xy[nxt]) ** 2).sum(axis=1))
    c = xy[centres].copy()
    labels = np.full(n, -1)
    for _ in range(max_iter):
        cost = ((xy[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)[:, slots]
        rows, cols = linear_sum_assignment(cost)
        new = np.empty(n, dtype=np.int64)
        new[rows] = slots[cols]
        if np.array_equal(new, labels):
            break
        labels = new
        c = np.array([xy[labels == i].mean(axis=0) for i in range(u)])
    return labels


def _cycle_min(dist_min: np.ndarray, members: np.ndarray, dwell_min: float) -> float:
    """Minutes of one loop through ``members`` (dwell + whole-minute legs)."""
    if members.size <= 1:
        return float(members.size * dwell_min)
    sub = dist_min[np.ix_(members, members)]
    order = _tour(sub, 0)
    return float(members.size * dwell_min + sum(sub[a, b] for a, b in
                                                zip(order, order[1:] + order[:1], strict=True)))


def _rebalance(lat: np.ndarray, lon: np.ndarray, labels: np.ndarray, *, dwell_min: float,
               revisit_min: float, m_per_min: float, neighbours: int = 8,
               max_moves: int = 500) -> np.ndarray:
    """Move or swap hotspots between units to shorten loops longer than ``revisit_min``.

    A change is kept only when it lowers the total excess (minutes over
    ``revisit_min``) of the units involved without creating excess elsewhere;
    moving a hotspot to a unit with spare time makes beats unequal in size,
    which is fine when every loop then fits the revisit interval.
    """
    labels = labels.copy()
    n = labels.size
    if n < 2 or np.unique(labels).size < 2:
        return labels
    dist_min = _minutes(lat, lon, m_per_min)
    near = np.argsort(dist_min, axis=1, kind="stable")[:, 1:neighbours + 1]
    units = np.unique(labels)
    cyc = {int(u): _cycle_min(dist_min, np.flatnonzero(labels == u), dwell_min) for u in units}
    for _ in range(max_moves):
        over = sorted((u for u in cyc if cyc[u] > revisit_min + 1e-9), key=lambda u: -cyc[u])
        if not over:
            break
        found = _first_improvement(labels, cyc, over, near, dist_min, dwell_min=dwell_min,
                                   revisit_min=revisit_min)
        if found is None:
            break
        labels, a, b, cyc[a], cyc[b] = found
    return labels


def _first_improvement(labels: np.ndarray, cyc: Mapping[int, float], over: Sequence[int],
                       near: np.ndarray, dist_min: np.ndarray, *, dwell_min: float,
                       revisit_min: float) -> tuple[np.ndarray, int, int, float, float] | None:
    """The first move or swap that shortens an over-long loop (see :func:`_rebalance`).

    Tries the units in ``over`` in order, each of their hotspots ``i`` and its
    ``near`` neighbours ``j`` in another unit: first moving ``i`` to ``j``'s unit
    (when ``i``'s unit keeps a hotspot), then swapping them. Returns the new
    labels, the two units and their new loop minutes, or ``None``.
    """
    def excess(c: float) -> float:
        return max(0.0, c - revisit_min)

    for a in over:
        for i in np.flatnonzero(labels == a):
            for j in near[i]:
                b = int(labels[j])
                if b == a:
                    continue
                before = excess(cyc[a]) + excess(cyc[b])
                trials: list[tuple[tuple[int, int], ...]] = []
                if (labels == a).sum() > 1:          # move i to b
                    trials.append(((int(i), b),))
                trials.append(((int(i), b), (int(j), a)))  # swap i and j
                for change in trials:
                    new = labels.copy()
                    for idx, u in change:
                        new[idx] = u
                    ca = _cycle_min(dist_min, np.flatnonzero(new == a), dwell_min)
                    cb = _cycle_min(dist_min, np.flatnonzero(new == b), dwell_min)
                    if excess(ca) + excess(cb) < before - 1e-9 and excess(cb) <= excess(cyc[b]):
                        return new, a, b, ca, cb
    return None


def _tour(dist: np.ndarray, start: int) -> list[int]:
    """Order a closed tour from ``start``: nearest neighbour, then 2-opt (start kept first)."""
    n = len(dist)
    if n <= 2:
        return [start] + [i for i in range(n) if i != start]
    order = [start]
    left = set(range(n)) - {start}
    while left:
        last = order[-1]
        nxt = min(left, key=lambda j: (dist[last, j], j))
        order.append(nxt)
        left.remove(nxt)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                a, b = order[i - 1], order[i]
                c, d = order[j], order[(j + 1) % n]
                if dist[a, c] + dist[b, d] < dist[a, b] + dist[c, d] - 1e-9:
                    order[i:j + 1] = order[i:j + 1][::-1]
                    improved = True
    return order


def _schedule(cells: np.ndarray, lat: np.ndarray, lon: np.ndarray, dist_names: np.ndarray,
              hs: np.ndarray, exp_cov: np.ndarray, labels: np.ndarray, fix: np.ndarray, *,
              dwell_min: float, revisit_min: float, speed_kmh: float, window_start: Any,
              window_hours: float) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    start = None if window_start is None else pd.Timestamp(window_start)
    window = window_hours * 60
    m_per_min = speed_kmh * 1000 / 60
    # units numbered north to south, then west to east
    u_ids = np.unique(labels)
    centre = {u: (-lat[hs[labels == u]].mean(), lon[hs[labels == u]].mean()) for u in u_ids}
    ranking = {u: r + 1 for r, u in enumerate(sorted(u_ids, key=lambda u: centre[u]))}
    rows, visits, violations = [], [], []
    for u in sorted(u_ids, key=lambda u: ranking[u]):
        members = np.flatnonzero(labels == u)
        mlat, mlon = lat[hs[members]], lon[hs[members]]
        dist = _minutes(mlat, mlon, m_per_min)
        first = int(np.lexsort((members, -exp_cov[members]))[0])
        # the loop of _cycle_min (same matrix, same tour), started at the best hotspot
        order = _tour(dist, 0)
        at = order.index(first)
        order = order[at:] + order[:at]
        seq = members[order]
        legs = (np.array([dist[a, b] for a, b in zip(order, order[1:] + order[:1], strict=True)])
                if len(seq) > 1 else np.zeros(1))
        cycle = float(len(seq) * dwell_min + legs.sum())
        ok = cycle <= revisit_min + 1e-9
        if not ok:
            violations.append(ranking[u])
        t, n_visits = 0.0, np.zeros(len(seq), dtype=np.int64)
        first_arrive = np.full(len(seq), np.nan)
        while True:
            stop = False
            for pos, h in enumerate(seq):
                if t + dwell_min > window + 1e-9:
                    stop = True
                    break
                if n_visits[pos] == 0:
                    first_arrive[pos] = t
                n_visits[pos] += 1
                visits.append((ranking[u], pos + 1, h, t, int(n_visits[pos])))
                t += dwell_min + legs[pos]
            if stop:
                break
        for pos, h in enumerate(seq):
            rows.append((ranking[u], pos + 1, h, first_arrive[pos], int(n_visits[pos]), cycle, ok))

    def frame(recs: list[tuple[Any, ...]], per_visit: bool) -> pd.DataFrame:
        if per_visit:
            unit, order, h, arr, visit = _columns(recs, 5)
        else:
            unit, order, h, arr, nv, cyc, ok = _columns(recs, 7)
        h = np.asarray(h, dtype=np.int64)
        ci = hs[h] if len(h) else np.empty(0, dtype=np.int64)
        arr = np.asarray(arr, dtype=np.float64)
        if start is None:
            arrive = pd.to_timedelta(arr, unit="min")
        else:
            arrive = start + pd.to_timedelta(arr, unit="min")
        df = pd.DataFrame({
            "window_start": [start] * len(h) if start is not None else pd.NaT,
            "unit": np.asarray(unit, dtype=np.int64),
            "order": np.asarray(order, dtype=np.int64),
            "h3": hexbin.cells_to_strings(cells[ci]).astype(str),
            "lat": lat[ci], "lon": lon[ci],
            "district": dist_names[ci].astype(str),
            "expected_covered": exp_cov[h] if len(h) else np.empty(0),
            "arrive": arrive,
            "leave": arrive + pd.to_timedelta(dwell_min, unit="min"),
            "fixed": np.isin(ci, fix),
        })
        if per_visit:
            df["visit"] = np.asarray(visit, dtype=np.int64)
            return df.sort_values(["unit", "arrive"], kind="stable").reset_index(drop=True)
        df["cycle_min"] = np.asarray(cyc, dtype=np.float64)
        df["visits"] = np.asarray(nv, dtype=np.int64)
        df["revisit_ok"] = np.asarray(ok, dtype=bool)
        return df

    return frame(rows, False), frame(visits, True), sorted(violations)


def _columns(recs: list[tuple[Any, ...]], n: int) -> list[np.ndarray]:
    if not recs:
        return [np.array([]) for _ in range(n)]
    return [np.array(col) for col in zip(*recs, strict=True)]
