"""Where each patrol unit goes during a shift: exact coverage optimiser and schedule.

Two layers, as in spopt's ``locate/coverage.py``:

* :func:`place_patrols` is the numeric core. It takes a binary coverage
  matrix (candidates × demand points) and the demand weights and solves the
  Maximal Covering Location Problem (MCLP) exactly, as a mixed-integer
  programme, with HiGHS through ``highspy``. Before solving it reduces the
  model without changing its optimum (see :func:`place_patrols`).
* :func:`place_patrols_on_cells` is the thin H3 adapter. It builds the
  coverage matrix from the true great-circle distance between cell centres,
  decides how many hotspots a unit can serve (the Koper dose), delegates to
  the core, then splits the chosen hotspots among units and schedules each
  unit's beat across the window.

The Koper dose rule
-------------------
Each hotspot gets a visit of ``dwell_min`` minutes (15 by default, Koper 1995)
and must be visited again at most ``revisit_min`` minutes (120) after the
previous arrival. A unit that serves ``k`` hotspots in a closed loop needs a
cycle of ``k * dwell_min`` plus the travel between them. Before the hotspots
are known, one leg is estimated as the travel time over ``2 * radius_m``
(the spacing of hotspots whose coverage does not overlap) at ``speed_kmh``,
rounded up to the minute, so::

    k = floor(revisit_min / (dwell_min + leg_min)),  1 <= k <= max_hotspots_per_unit

(6 with the defaults and 400 m). This is only an estimate: chosen hotspots
can lie farther apart. So after the MCLP the hotspots are split among units
(balanced clustering, then moves and swaps between neighbouring units) and
each unit's real loop is measured (dwell plus whole-minute legs of its tour).

Loop repair. The MCLP answer is optimal (or within the stated gap) for
``p = units * k`` hotspots, but it knows nothing of travel, so some loops can
come out longer than ``revisit_min`` (4 of 20 units on Philadelphia, the
worst 158 min: ``bench/RESULTS.md``). Then, per unit, the non-fixed hotspot that
loses the least covered weight per minute of loop saved is dropped until
the loop fits (hotspots that keep a district minimum are kept), and the
freed slots go, greedily by marginal coverage, to units whose loop still
has room (``_refill``). Next, up to :data:`LOOP_REPAIR_ROUNDS` times, the
MCLP is solved again among the cells within two radii of the repaired
plan's hotspots (skipped when that would exclude under a quarter of the
cells: nearly the same problem), and that answer is repaired the same way;
the plan covering the most is kept. Every loop then fits, except where
fixed posts (or hotspots a district minimum needs) alone are too far apart
for one unit; such units stay reported in ``revisit_violations``.

Honesty of the numbers: a repaired plan is no longer the MCLP optimum. Its
``gap`` is measured against the first solve's upper bound for ``p``
hotspots placed anywhere (a valid bound: the revisit rule and fewer
hotspots can only lower the optimum), so it is an over-estimate of the
distance to the best plan that honours the rule; ``status`` is then
``optimal``/``near_optimal`` only when that gap allows it, else
``loop_repair``. ``PatrolPlan.loop_repaired``, ``repair_rounds`` and
``hotspots_dropped`` (slots that could not be refilled) say what the repair
did. Measured on Philadelphia (``bench/RESULTS.md``).

Solving and status
------------------
The LP relaxation (interior point, ~0.1 s for a whole city at resolution 9)
bounds the optimum from above; LP dives plus a swap search give a strong
plan; when plan and bound are within ``mip_gap`` (0.5 % by default, far below
the forecast's own error) the answer is proven and returned, otherwise HiGHS
branch and cut continues from that plan until the gap or ``time_limit``.
``status``: ``optimal`` (gap ≤ 0.01 %), ``near_optimal`` (gap ≤ ``mip_gap``),
``time_limit`` (best plan at the deadline, gap reported), ``greedy`` (asked
for), ``greedy_fallback: …`` (HiGHS failed; labelled), ``trivial``, and
``loop_repair`` (regrouped for the revisit rule; gap to the bound). Measured
on Philadelphia (``bench/RESULTS.md``): 20 units × 6 hotspots, 400 m,
2,706 cells: MCLP 0.2 s, gap under 0.5 %; with the loop repair 0.6 s, every
loop within 2 h, 0.7 % less covered, gap to the MCLP bound 1.0 %; greedy is
2–3 % below.

District minimums
-----------------
``district_min={"La Victoria": 3}`` means: at least 3 of the chosen hotspot
cells lie in La Victoria (a hotspot's district is the district of its cell
centre). Minimums are in hotspots, not units, because a unit's beat may cross
a district boundary; to ask for ``u`` whole units, pass ``u *
plan.hotspots_per_unit``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import h3
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError, InfeasiblePlanError

if TYPE_CHECKING:
    import geopandas as gpd

Solver = Literal["highs", "greedy"]

#: Relative optimality gap at which the exact solver stops (0.5 %: far below the
#: forecast's own uncertainty; pass ``mip_gap=1e-4`` for a proven optimum).
MIP_REL_GAP = 0.005
#: Share of the open slots fixed per round of each LP dive (see ``_solve_highs``).
_DIVE_STEPS = (0.1, 0.03)
#: A gap at or below this is reported as a proven optimum.
_PROVEN_GAP = 1e-4
#: Candidates (by marginal coverage) tried for each slot the loop repair refills.
REFILL_CANDIDATES = 200
#: MCLP re-solves of the loop repair (each among the cells near the repaired plan).
LOOP_REPAIR_ROUNDS = 2

_EARTH_RADIUS_M = 6_371_007.180918475  # the radius h3 uses
_STATUS_TEXT = {
    "optimal": "Óptimo demostrado (HiGHS)",
    "near_optimal": "Casi óptimo demostrado: a lo sumo la brecha indicada por debajo del óptimo",
    "time_limit": "Límite de tiempo alcanzado: mejor solución encontrada, con la brecha indicada",
    "greedy": "Heurística voraz (greedy) pedida explícitamente: sin garantía de óptimo",
    "greedy_fallback": ("El solver exacto falló; se muestra la heurística voraz (greedy) "
                        "como respaldo"),
    "trivial": "Óptimo trivial: no quedaba decisión que optimizar",
    "loop_repair": ("Puntos reagrupados para cumplir la revisita cada 2 horas: a lo sumo la "
                    "brecha indicada por debajo del óptimo sin esa regla"),
}


# --------------------------------------------------------------------------- #
# Numeric core
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class PatrolSolution:
    """Result of :func:`place_patrols`.

    Attributes
    ----------
    selected
        Sorted indices of the chosen candidates (fixed ones included).
    covered
        Boolean mask over demand points: covered by at least one chosen candidate.
    objective
        Total weight of the covered demand.
    total_weight
        Total weight of all demand.
    solver, status
        Solver actually used (``highs`` or ``greedy``) and a status code:
        ``optimal``, ``time_limit``, ``greedy``, ``greedy_fallback`` or ``trivial``.
    gap
        Relative optimality gap ``(bound - objective) / objective`` proven by the
        solver; ``nan`` when no bound is known (greedy).
    seconds
        Wall time of the whole call (reduction, build and solve).
    model_size
        Variables and constraints before and after the reduction.
    """

    selected: np.ndarray
    covered: np.ndarray
    objective: float
    total_weight: float
    solver: str
    status: str
    gap: float
    seconds: float
    model_size: dict[str, int] = field(default_factory=dict)

    @property
    def share_of_risk(self) -> float:
        """``objective / total_weight`` (0 when there is no weight)."""
        return self.objective / self.total_weight if self.total_weight > 0 else 0.0

    @property
    def status_text(self) -> str:
        """Spanish description of ``status`` for users."""
        return _STATUS_TEXT.get(self.status.split(":")[0], self.status)


def _as_index_array(values: Iterable[int], n: int, what: str, problems: list[str]) -> np.ndarray:
    arr = np.asarray(list(values), dtype=np.int64)
    bad = arr[(arr < 0) | (arr >= n)]
    if bad.size:
        problems.append(f"{what}: índices fuera de rango ({', '.join(map(str, bad[:5]))})")
        arr = arr[(arr >= 0) & (arr < n)]
    return np.unique(arr)


def place_patrols(coverage: sparse.spmatrix | sparse.sparray | np.ndarray,
                  weights: Sequence[float] | np.ndarray, *,
                  n_hotspots: int,
                  fixed: Iterable[int] = (),
                  excluded: Iterable[int] = (),
                  groups: Sequence[Hashable] | np.ndarray | None = None,
                  min_per_group: Mapping[Hashable, int] | None = None,
                  time_limit: float = settings.SOLVER_TIME_LIMIT_S,
                  mip_gap: float = MIP_REL_GAP,
                  solver: Solver = "highs") -> PatrolSolution:
    """Choose ``n_hotspots`` candidates that cover the most demand weight (MCLP).

    Parameters
    ----------
    coverage
        ``(n_candidates, n_demand)`` matrix, non-zero where the candidate covers
        the demand point.
    weights
        Demand weights (expected incidents), finite and non-negative.
    n_hotspots
        Number of candidates to choose, fixed ones included. Clamped to the
        number of candidates that are not excluded.
    fixed, excluded
        Candidate indices always chosen / never chosen.
    groups, min_per_group
        Group label of each candidate and the minimum number of chosen
        candidates per label (e.g. district minimums).
    time_limit
        Seconds for the whole call; the best plan found by then is returned
        with its proven gap.
    mip_gap
        Relative optimality gap at which the search stops (the gap actually
        proven is reported in the result).
    solver
        ``"highs"`` (exact MILP) or ``"greedy"`` (marginal-gain heuristic).
        When HiGHS fails to return any feasible answer, the greedy answer is
        returned with status ``greedy_fallback``.

    Returns
    -------
    PatrolSolution

    Notes
    -----
    Model: ``max Σ w_i y_i`` subject to ``y_i <= Σ_j a_ij x_j``,
    ``Σ x_j <= p``, group minimums, ``x`` binary, ``0 <= y <= 1``. Reductions
    that keep the optimum: demand already covered by a fixed candidate, with
    zero weight or coverable by no candidate is dropped; demand points with
    identical covering sets are merged (weights added); a candidate whose
    covered set is contained in another's is dropped when it is neither fixed
    nor in a group with a minimum (swapping it for its dominator never loses
    coverage). Slots the reduced model leaves empty (nothing more to cover)
    are filled with the unused candidates covering the most total weight.
    Weights are scaled to a maximum of 1 before HiGHS sees them. The solve
    strategy and the status codes are in the module notes.
    """
    t0 = time.perf_counter()
    problems: list[str] = []
    a = sparse.csr_array(coverage if sparse.issparse(coverage) else np.asarray(coverage))
    a = sparse.csr_array((a != 0).astype(np.int8))
    a.eliminate_zeros()
    n_c, n_d = a.shape
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.size != n_d:
        problems.append(f"hay {w.size} pesos para {n_d} puntos de demanda")
        w = np.zeros(n_d)
    elif not np.isfinite(w).all() or (w < 0).any():
        problems.append("los pesos deben ser finitos y no negativos")
    if n_c == 0:
        problems.append("no hay candidatos")
    if int(n_hotspots) < 1:
        problems.append("se necesita al menos un punto de patrullaje")
    if solver not in ("highs", "greedy"):
        problems.append(f"solver desconocido {solver!r} (highs o greedy)")
    fix = _as_index_array(fixed, n_c, "puestos fijos", problems)
    exc = _as_index_array(excluded, n_c, "celdas excluidas", problems)
    both = np.intersect1d(fix, exc)
    if both.size:
        problems.append(f"{both.size} candidato(s) son a la vez fijos y excluidos")
    allowed = np.ones(n_c, dtype=bool)
    allowed[exc] = False
    p = min(int(n_hotspots), int(allowed.sum()))
    if fix.size > p:
        problems.append(f"hay {fix.size} puestos fijos y solo {p} puntos de patrullaje")
    g = None
    need: dict[Hashable, int] = {}
    if min_per_group:
        if groups is None:
            problems.append("se pidieron mínimos por grupo sin indicar el grupo de cada candidato")
        else:
            g = np.asarray(groups, dtype=object)
            if g.size != n_c:
                problems.append(f"hay {g.size} grupos para {n_c} candidatos")
                g = None
    if g is not None and min_per_group:
        required = int(fix.size)
        for label, m in min_per_group.items():
            m = int(m)
            members = g == label
            if m <= 0:
                continue
            if not members.any():
                problems.append(f"el grupo {label!r} no tiene candidatos")
                continue
            cap = int((members & allowed).sum())
            if cap < m:
                problems.append(f"el grupo {label!r} pide {m} y solo tiene {cap} "
                                "candidatos disponibles")
            have = int(members[fix].sum())
            need[label] = max(0, m - have)
            required += need[label]
        if required > p:
            problems.append(f"los puestos fijos y los mínimos por grupo exigen {required} puntos "
                            f"y solo hay {p}")
    if problems:
        raise InfeasiblePlanError("Plan imposible: " + "; ".join(problems) + ".")

    total = float(w.sum())
    sizes = {"candidates": n_c, "demand": n_d}
    if solver == "greedy":
        sel = _greedy(a, w, p=p, fixed=fix, allowed=allowed, groups=g, need_extra=need)
        return _finish(a, w, sel, total, "greedy", "greedy", math.nan, t0, sizes)

    # ---- reduction ------------------------------------------------------ #
    fixed_cov = np.zeros(n_d, dtype=bool)
    if fix.size:
        fixed_cov = np.asarray(a[fix].sum(axis=0)).ravel() > 0
    reachable = np.asarray(a[np.flatnonzero(allowed)].sum(axis=0)).ravel() > 0
    keep_d = (w > 0) & ~fixed_cov & reachable
    base = float(w[fixed_cov].sum())
    free = np.flatnonzero(allowed)
    free = free[~np.isin(free, fix)]
    sub = sparse.csc_array(a[free][:, np.flatnonzero(keep_d)])
    # merge demand points with identical covering sets
    keys: dict[bytes, int] = {}
    col_group = np.empty(sub.shape[1], dtype=np.int64)
    for i in range(sub.shape[1]):
        k = sub.indices[sub.indptr[i]:sub.indptr[i + 1]].tobytes()
        col_group[i] = keys.setdefault(k, len(keys))
    w_m = np.bincount(col_group, weights=w[keep_d], minlength=len(keys))
    merge = sparse.csr_array((np.ones(sub.shape[1]), (np.arange(sub.shape[1]), col_group)),
                             shape=(sub.shape[1], len(keys)))
    s = sparse.csr_array((sub @ merge) > 0).astype(np.float64)
    # drop dominated candidates
    removable = np.ones(free.size, dtype=bool)
    if g is not None and need:
        removable = ~np.isin(g[free], np.array([lab for lab, v in need.items() if v > 0],
                                               dtype=object))
    size = np.asarray(s.sum(axis=1)).ravel()
    inter = sparse.coo_array(s @ s.T)
    j, k, v = inter.row, inter.col, inter.data
    sub_mask = (j != k) & (np.abs(v - size[j]) < 0.5)
    j, k = j[sub_mask], k[sub_mask]
    dom = removable[j] & ((size[k] > size[j]) | ((size[k] == size[j]) & (~removable[k] | (k < j))))
    drop = np.zeros(free.size, dtype=bool)
    drop[j[dom]] = True
    drop |= (size == 0) & removable & (free.size > 1)
    cand = free[~drop]
    s = s[np.flatnonzero(~drop)]
    p_free = p - fix.size
    sizes.update({"candidates_reduced": int(cand.size), "demand_reduced": int(s.shape[1])})

    if p_free == 0 or cand.size == 0 or s.shape[1] == 0:
        sel = _fill(a, w, list(fix), p, allowed)
        return _finish(a, w, sel, total, "highs", "trivial", 0.0, t0, sizes)

    need_rows = []
    if g is not None:
        for label, v_need in need.items():
            if v_need > 0:
                need_rows.append(((g[cand] == label).astype(np.float64), v_need))
    try:
        # weights scaled to max 1: HiGHS's absolute tolerances then mean the same
        # whatever the units of the forecast (rates per shift can be ~1e-6)
        scale = float(w_m.max())
        picked, code, bound = _solve_highs(
            sparse.csr_array(s), w_m / scale, p_free, need_rows,
            groups=None if g is None else g[cand], need=need, mip_gap=mip_gap,
            deadline=t0 + float(time_limit))
        bound *= scale
    except Exception as exc:  # noqa: BLE001 - any solver failure falls back, labelled
        picked, code, bound = None, f"error {type(exc).__name__}", math.nan
    if picked is None:
        sel = _greedy(a, w, p=p, fixed=fix, allowed=allowed, groups=g, need_extra=need)
        return _finish(a, w, sel, total, "greedy", f"greedy_fallback: {code}", math.nan, t0, sizes)
    sel = _fill(a, w, list(fix) + list(cand[picked]), p, allowed)
    sol = _finish(a, w, sel, total, "highs", code, math.nan, t0, sizes)
    gap = 0.0 if sol.objective <= 0 else max(0.0, (bound + base - sol.objective) / sol.objective)
    if code != "time_limit":
        code = "optimal" if gap <= _PROVEN_GAP else "near_optimal"
    return PatrolSolution(sol.selected, sol.covered, sol.objective, total, "highs", code,
                          float(gap), time.perf_counter() - t0, sizes)


def _highs_model(s: sparse.csr_array, w: np.ndarray, p: int,
                 need_rows: list[tuple[np.ndarray, int]], *, integer: bool) -> Any:
    """Build the reduced MCLP as a ``highspy.HighsLp`` (columns x then y)."""
    import highspy

    n_x, n_y = s.shape
    top = sparse.hstack([-s.T, sparse.eye_array(n_y)])
    rows = [top, sparse.hstack([sparse.csr_array(np.ones((1, n_x))),
                                sparse.csr_array((1, n_y))])]
    inf = highspy.kHighsInf
    lower: list[np.ndarray] = [np.full(n_y, -inf), np.array([-inf])]
    upper: list[np.ndarray] = [np.zeros(n_y), np.array([float(p)])]
    for member, v in need_rows:
        rows.append(sparse.hstack([sparse.csr_array(member[None, :]), sparse.csr_array((1, n_y))]))
        lower.append(np.array([float(v)]))
        upper.append(np.array([inf]))
    mat = sparse.csc_array(sparse.vstack(rows))
    mat.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n_x + n_y
    lp.num_row_ = mat.shape[0]
    lp.col_cost_ = np.concatenate([np.zeros(n_x), w])
    lp.col_lower_ = np.zeros(n_x + n_y)
    lp.col_upper_ = np.ones(n_x + n_y)
    lp.row_lower_ = np.concatenate(lower).astype(np.float64)
    lp.row_upper_ = np.concatenate(upper).astype(np.float64)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data.astype(np.float64)
    if integer:
        lp.integrality_ = ([highspy.HighsVarType.kInteger] * n_x
                           + [highspy.HighsVarType.kContinuous] * n_y)
    return lp


def _new_highs(seconds: float) -> Any:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", max(0.05, float(seconds)))
    return h


def _solve_highs(s: sparse.csr_array, w: np.ndarray, p: int,
                 need_rows: list[tuple[np.ndarray, int]], *, groups: np.ndarray | None,
                 need: Mapping[Hashable, int], mip_gap: float,
                 deadline: float) -> tuple[np.ndarray | None, str, float]:
    """Exact solve of the reduced MCLP; returns (chosen columns, status code, upper bound).

    1. LP relaxation by interior point (fast on this degenerate LP; dual
       simplex is 10–50× slower): its value bounds the optimum from above.
    2. LP diving: repeatedly fix to 1 the largest fractional ``x`` (10 % of
       the open slots at a time) and re-solve, then a swap local search.
       When this incumbent is within ``mip_gap`` of the bound, stop: the gap
       is proven.
    3. Otherwise branch and cut (HiGHS MIP, interior-point root) from that
       incumbent until the gap target or the deadline.
    """
    import highspy

    n_x = s.shape[0]
    ok_lp = (highspy.HighsModelStatus.kOptimal,)
    h = _new_highs(deadline - time.perf_counter())
    h.setOptionValue("solver", "ipm")
    h.passModel(_highs_model(s, w, p, need_rows, integer=False))
    h.run()
    if h.getModelStatus() not in ok_lp:
        return None, f"LP: {h.modelStatusToString(h.getModelStatus())}", math.nan
    bound = float(h.getInfo().objective_function_value)
    # --- LP diving: coarse steps first, finer ones if the gap is still open
    x_root = np.asarray(h.getSolution().col_value[:n_x])
    best: tuple[float, list[int]] = (-1.0, [])
    for share in _DIVE_STEPS:
        if time.perf_counter() >= deadline:
            break
        one = _dive(h, x_root, p, share=share, deadline=deadline)
        one &= np.cumsum(one) <= p
        cand = _greedy(s, w, p=p, fixed=np.flatnonzero(one), allowed=np.ones(n_x, dtype=bool),
                       groups=groups, need_extra=_still_needed(one, groups, need))
        cand = _improve(s, w, cand, locked=np.zeros(n_x, dtype=bool),
                        allowed=np.ones(n_x, dtype=bool), groups=groups, minimum=need)
        value = float(w[np.asarray(s[cand].sum(axis=0)).ravel() > 0].sum())
        if value > best[0]:
            best = (value, cand)
        if value <= 0 or bound - value <= mip_gap * value:
            break
    inc, start = best
    if inc <= 0 or bound - inc <= mip_gap * inc:
        return np.asarray(start, dtype=np.int64), "optimal", bound
    if time.perf_counter() >= deadline:
        return np.asarray(start, dtype=np.int64), "time_limit", bound
    # --- branch and cut from the incumbent
    m = _new_highs(deadline - time.perf_counter())
    m.setOptionValue("mip_rel_gap", float(mip_gap))
    m.setOptionValue("mip_lp_solver", "ipm")
    m.passModel(_highs_model(s, w, p, need_rows, integer=True))
    x0 = np.zeros(n_x)
    x0[start] = 1.0
    sol0 = highspy.HighsSolution()
    sol0.col_value = np.concatenate([x0, np.minimum(1.0, s.T @ x0)]).tolist()
    sol0.value_valid = True
    m.setSolution(sol0)
    m.run()
    status = m.getModelStatus()
    info = m.getInfo()
    mip_bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else bound
    bound = min(bound, mip_bound)
    code = "optimal" if status == highspy.HighsModelStatus.kOptimal else "time_limit"
    if info.primal_solution_status == 2:
        xm = np.asarray(m.getSolution().col_value[:n_x]) > 0.5
        if int(xm.sum()) <= p and float(info.objective_function_value) > inc:
            return np.flatnonzero(xm), code, bound
    return np.asarray(start, dtype=np.int64), code, bound


def _dive(h: Any, x: np.ndarray, p: int, *, share: float, deadline: float) -> np.ndarray:
    """Fix the largest fractional ``x`` to 1 (``share`` of the open slots per round), re-solve.

    Starts from the root LP solution ``x`` and leaves the model's bounds as
    they were (all ``x`` in [0, 1]). Re-solves are warm-started dual simplex;
    HiGHS's time limit counts the instance's whole run time, hence ``getRunTime``.
    """
    import highspy

    n_x = x.size
    one = np.zeros(n_x, dtype=bool)
    h.setOptionValue("solver", "simplex")
    while time.perf_counter() < deadline:
        one |= x > 1 - 1e-6
        left = p - int(one.sum())
        frac = np.flatnonzero((x > 1e-6) & ~one)
        if left <= 0 or frac.size == 0:
            break
        trial = one.copy()
        trial[frac[np.argsort(-x[frac], kind="stable")[:max(1, math.ceil(share * left))]]] = True
        idx = np.flatnonzero(trial).astype(np.int32)
        h.changeColsBounds(idx.size, idx, np.ones(idx.size), np.ones(idx.size))
        h.setOptionValue("time_limit", h.getRunTime() + max(0.05, deadline - time.perf_counter()))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        one = trial
        x = np.asarray(h.getSolution().col_value[:n_x])
    idx = np.arange(n_x, dtype=np.int32)
    h.changeColsBounds(n_x, idx, np.zeros(n_x), np.ones(n_x))
    return one


def _still_needed(chosen: np.ndarray, groups: np.ndarray | None,
                  need: Mapping[Hashable, int]) -> dict[Hashable, int]:
    if groups is None:
        return {}
    return {lab: max(0, int(v) - int((chosen & (groups == lab)).sum())) for lab, v in need.items()}


def _greedy(a: sparse.csr_array, w: np.ndarray, *, p: int, fixed: np.ndarray,
            allowed: np.ndarray, groups: np.ndarray | None,
            need_extra: Mapping[Hashable, int]) -> list[int]:
    """Marginal-gain greedy honouring fixed candidates and group minimums."""
    chosen = [int(i) for i in fixed]
    covered = np.zeros(a.shape[1], dtype=bool)
    if chosen:
        covered = np.asarray(a[chosen].sum(axis=0)).ravel() > 0
    avail = allowed.copy()
    avail[chosen] = False
    need = {k: int(v) for k, v in need_extra.items() if v > 0}
    total_gain = a @ w
    while len(chosen) < p and avail.any():
        eligible = avail.copy()
        if need and groups is not None and sum(need.values()) >= p - len(chosen):
            eligible &= np.isin(groups, np.array([k for k, v in need.items() if v > 0],
                                                 dtype=object))
        gain = a @ (w * ~covered)
        # ties: more total weight first, then lowest index
        score = np.where(eligible, gain + 1e-9 * total_gain / max(total_gain.max(), 1e-300), -1.0)
        j = int(np.argmax(score))
        if score[j] < 0:
            break
        chosen.append(j)
        avail[j] = False
        covered |= np.asarray(a[[j]].toarray()).ravel() > 0
        if groups is not None and groups[j] in need:
            need[groups[j]] -= 1
    return chosen


def _improve(a: sparse.csr_array, w: np.ndarray, chosen: list[int], *, locked: np.ndarray,
             allowed: np.ndarray, groups: np.ndarray | None, minimum: Mapping[Hashable, int],
             max_swaps: int = 10_000) -> list[int]:
    """Best-improvement swap local search (Teitz–Bart interchange) for the MCLP.

    Swaps one chosen candidate for one unchosen candidate while coverage
    grows, keeping ``locked`` candidates and group minimums. Used to give
    HiGHS a strong incumbent, so it mainly has to prove the bound.
    """
    n_c, n_d = a.shape
    if not chosen or n_c <= len(chosen):
        return chosen
    x = np.zeros(n_c, dtype=bool)
    x[chosen] = True
    at = sparse.csr_array(a.T)
    cnt = at @ x.astype(np.int64)
    tol = 1e-12 * max(float(w.sum()), 1.0)
    for _ in range(max_swaps):
        ww = w * (cnt == 0)
        gain = np.where(allowed & ~x, a @ ww, -np.inf)
        one = cnt == 1
        sole = np.full(n_d, -1, dtype=np.int64)
        # the single chosen coverer of each demand point covered once
        ac = sparse.coo_array(a[np.flatnonzero(x)])
        rows_sel = np.flatnonzero(x)[ac.row]
        m1 = one[ac.col]
        sole[ac.col[m1]] = rows_sel[m1]
        loss = np.bincount(sole[one], weights=w[one], minlength=n_c)
        removable = x & ~locked
        count_g: dict[Hashable, int] = {}
        if groups is not None and minimum:
            for lab in minimum:
                count_g[lab] = int((x & (groups == lab)).sum())
        tight = np.zeros(n_c, dtype=bool)
        if groups is not None:
            for lab, m in minimum.items():
                if count_g.get(lab, 0) <= int(m):
                    tight |= groups == lab
        # M[k, j]: weight covered once by j that k would also cover
        di = np.flatnonzero(one)
        mk = sparse.csr_array(a[:, di] @ sparse.csr_array(
            (w[di], (np.arange(di.size), sole[di])), shape=(di.size, n_c)))
        best = (tol, -1, -1)
        pairs = [(allowed & ~x, removable & ~tight)]
        if groups is not None:
            for lab, m in minimum.items():
                members = groups == lab
                if count_g.get(lab, 0) <= int(m):
                    pairs.append((allowed & ~x & members, removable & members))
        for kmask, jmask in pairs:
            best = max(best, _best_swap(gain, loss, mk, kmask, jmask))
        if best[1] < 0:
            break
        _, k, j = best
        x[j], x[k] = False, True
        cnt -= np.asarray(a[[j]].toarray()).ravel().astype(np.int64)
        cnt += np.asarray(a[[k]].toarray()).ravel().astype(np.int64)
    return [int(i) for i in np.flatnonzero(x)]


def _best_swap(gain: np.ndarray, loss: np.ndarray, mk: sparse.csr_array, kmask: np.ndarray,
               jmask: np.ndarray) -> tuple[float, int, int]:
    """Best (delta, k in, j out) swap; delta = gain_k - loss_j + M_kj."""
    if not kmask.any() or not jmask.any():
        return (-np.inf, -1, -1)
    g_k = np.where(kmask, gain, -np.inf)
    l_j = np.where(jmask, loss, np.inf)
    k0, j0 = int(np.argmax(g_k)), int(np.argmin(l_j))
    best = (float(g_k[k0] - l_j[j0] + mk[k0, j0]), k0, j0)
    coo = sparse.coo_array(mk)
    ok = kmask[coo.row] & jmask[coo.col]
    if ok.any():
        d = gain[coo.row[ok]] - loss[coo.col[ok]] + coo.data[ok]
        i = int(np.argmax(d))
        if d[i] > best[0]:
            best = (float(d[i]), int(coo.row[ok][i]), int(coo.col[ok][i]))
    return best


def _fill(a: sparse.csr_array, w: np.ndarray, chosen: list[int], p: int,
          allowed: np.ndarray) -> list[int]:
    """Fill empty slots with unused allowed candidates covering the most weight."""
    chosen = [int(i) for i in dict.fromkeys(chosen)]
    if len(chosen) >= p:
        return chosen
    rest = np.flatnonzero(allowed & ~np.isin(np.arange(a.shape[0]), chosen))
    order = rest[np.lexsort((rest, -(a @ w)[rest]))]
    return chosen + [int(i) for i in order[:p - len(chosen)]]


def _finish(a: sparse.csr_array, w: np.ndarray, sel: list[int], total: float, solver: str,
            status: str, gap: float, t0: float, sizes: dict[str, int]) -> PatrolSolution:
    selected = np.unique(np.asarray(sel, dtype=np.int64))
    covered = (np.asarray(a[selected].sum(axis=0)).ravel() > 0 if selected.size
               else np.zeros(a.shape[1], dtype=bool))
    return PatrolSolution(selected, covered, float(w[covered].sum()), total, solver, status,
                          gap, time.perf_counter() - t0, sizes)


# --------------------------------------------------------------------------- #
# Geometry helpers
# --------------------------------------------------------------------------- #
def _haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                 lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    hav = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: np.ndarray = 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(hav, 0, 1)))
    return out


def _local_xy(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    x = _EARTH_RADIUS_M * np.radians(lon - lon0) * math.cos(math.radians(lat0))
    y = _EARTH_RADIUS_M * np.radians(lat - lat0)
    return np.column_stack([x, y])


def _to_cells(values: Iterable[Any] | np.ndarray | pd.Series) -> np.ndarray:
    """uint64 cells from hex strings or integers (raises IncidentSchemaError)."""
    arr = np.asarray(list(values) if not isinstance(values, (np.ndarray, pd.Series)) else values)
    if arr.size == 0:
        return np.empty(0, dtype=np.uint64)
    if arr.dtype.kind in "iu":
        cells = arr.astype(np.uint64)
        bad = [c for c in cells if not h3.api.basic_int.is_valid_cell(int(c))]
        if bad:
            ids = ", ".join(format(int(c), "x") for c in bad[:5])
            msg = f"Identificadores H3 no válidos: {ids}"
            raise IncidentSchemaError(msg)
        return cells
    return hexbin.strings_to_cells([str(x).strip() for x in arr])


def coverage_matrix(cells: np.ndarray, *, radius_m: float,
                    candidates: np.ndarray | None = None) -> sparse.csr_array:
    """Which candidate cells cover which demand cells.

    Parameters
    ----------
    cells
        Demand cells (uint64).
    radius_m
        Coverage radius: a candidate covers a demand cell when the great-circle
        distance between their centres is at most this.
    candidates
        Candidate cells; the demand cells when omitted.

    Returns
    -------
    scipy.sparse.csr_array
        ``(n_candidates, n_demand)`` of 0/1.
    """
    dem = np.asarray(cells, dtype=np.uint64)
    cand = dem if candidates is None else np.asarray(candidates, dtype=np.uint64)
    if dem.size == 0 or cand.size == 0:
        return sparse.csr_array((cand.size, dem.size), dtype=np.int8)
    dlat, dlon = hexbin.cells_to_centers(dem)
    clat, clon = (dlat, dlon) if candidates is None else hexbin.cells_to_centers(cand)
    lat0, lon0 = float(np.mean(dlat)), float(np.mean(dlon))
    tree = cKDTree(_local_xy(clat, clon, lat0, lon0))
    # The local projection is within a fraction of a percent at city scale;
    # query a little wider and keep the exact great-circle test.
    lists = tree.query_ball_point(_local_xy(dlat, dlon, lat0, lon0), r=radius_m * 1.01 + 1.0)
    lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    ci = (np.concatenate([np.asarray(x, dtype=np.int64) for x in lists]) if lengths.sum()
          else np.empty(0, dtype=np.int64))
    di = np.repeat(np.arange(dem.size), lengths)
    ok = _haversine_m(clat[ci], clon[ci], dlat[di], dlon[di]) <= radius_m
    return sparse.csr_array((np.ones(int(ok.sum()), dtype=np.int8), (ci[ok], di[ok])),
                            shape=(cand.size, dem.size))


def cells_within_radius(hotspots: np.ndarray, *, radius_m: float) -> np.ndarray:
    """Every H3 cell (same resolution) whose centre lies within ``radius_m`` of a hotspot centre.

    Unlike :func:`coverage_matrix` this does not need the cells to be in a
    forecast: it is the covered area on the ground, used to score plans
    against incidents that happened anywhere.
    """
    hs = np.unique(np.asarray(hotspots, dtype=np.uint64))
    if hs.size == 0:
        return hs
    out = []
    for res in np.unique(hexbin.cells_resolution(hs)):
        group = hs[hexbin.cells_resolution(hs) == res]
        step = h3.average_hexagon_edge_length(int(res), unit="m") * math.sqrt(3) * 0.75
        k = int(math.ceil(radius_m / step)) + 1
        disk = np.unique(np.array([h3.str_to_int(c) for x in group
                                   for c in h3.grid_disk(h3.int_to_str(int(x)), k)],
                                  dtype=np.uint64))
        cov = coverage_matrix(disk, radius_m=radius_m, candidates=group)
        out.append(disk[np.asarray(cov.sum(axis=0)).ravel() > 0])
    return np.unique(np.concatenate(out))


def cells_to_districts(cells: np.ndarray, boundaries: gpd.GeoDataFrame) -> pd.Series:
    """District name of each cell centre (``""`` outside every polygon).

    Parameters
    ----------
    cells
        uint64 cells.
    boundaries
        Districts with a ``district`` column (as ``analytics.io.read_boundaries``).

    Returns
    -------
    pandas.Series
        Indexed by the cells (uint64), values ``str``.
    """
    import geopandas as gpd

    c = np.asarray(cells, dtype=np.uint64)
    lat, lon = hexbin.cells_to_centers(c)
    pts = gpd.GeoDataFrame({"i": np.arange(c.size)}, geometry=gpd.points_from_xy(lon, lat),
                           crs="EPSG:4326")
    b = boundaries[["district", "geometry"]].to_crs("EPSG:4326")
    joined = gpd.sjoin(pts, b, how="left", predicate="within").drop_duplicates("i")
    names = joined.sort_values("i")["district"].fillna("").astype(str).to_numpy()
    return pd.Series(names, index=pd.Index(c, dtype="uint64"), name="district")


# --------------------------------------------------------------------------- #
# Adapter
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class PatrolPlan:
    """A patrol plan for one window, from :func:`place_patrols_on_cells`.

    Attributes
    ----------
    routes
        One row per hotspot: ``window_start, unit, order, h3, lat, lon,
        district, expected_covered, arrive, leave`` then ``fixed, cycle_min,
        visits, revisit_ok``. ``order`` is the position in the unit's loop;
        ``arrive``/``leave`` are those of the first loop (timestamps when the
        window start is known, else minutes after it). ``expected_covered``
        is the expected incidents of the covered cells, each cell counted once
        for its nearest hotspot, so the column sums to ``objective``.
    schedule
        One row per visit across the whole window (same columns plus
        ``visit``, the visit number of that hotspot).
    objective, total_expected, share_of_risk
        Expected incidents covered, in the whole window, and their ratio.
    solver, status, status_text, gap, seconds
        From the optimiser (see :class:`PatrolSolution`).
    covered_cells
        Forecast cells covered by the plan (hex strings).
    hotspots_per_unit
        ``k`` from the Koper dose rule.
    revisit_violations
        Units whose loop is longer than ``revisit_min``.
    hotspots_dropped
        Hotspots given up so that every loop fits ``revisit_min`` (``units * k``
        minus the hotspots planned; see "Loop repair" in the module notes).
    repair_rounds
        MCLP re-solves made by the loop repair (see the module notes).
    loop_repaired
        Whether the loop repair changed the MCLP answer (then ``gap`` is
        measured against the bound of the unrepaired problem).
    """

    routes: pd.DataFrame
    schedule: pd.DataFrame
    objective: float
    total_expected: float
    share_of_risk: float
    solver: str
    status: str
    status_text: str
    gap: float
    seconds: float
    covered_cells: list[str]
    hotspots_per_unit: int
    units: int
    radius_m: float
    revisit_violations: list[int]
    model_size: dict[str, int] = field(default_factory=dict)
    window_hours: float = 8.0
    hotspots_dropped: int = 0
    repair_rounds: int = 0
    loop_repaired: bool = False

    def covered_area(self) -> pd.DataFrame:
        """Cells on the ground inside the plan's coverage, one row per cell.

        Every H3 cell (resolution of the hotspots) whose centre is within
        ``radius_m`` of a hotspot, whether or not it is in the forecast:
        ``h3`` (hex), ``window_start``, ``window_end``, ``unit`` (of the
        nearest hotspot). The shape ``reports.plan_coverage`` takes.
        """
        hs = _to_cells(self.routes["h3"].to_numpy())
        area = cells_within_radius(hs, radius_m=self.radius_m)
        if area.size == 0:
            return pd.DataFrame({"h3": pd.Series(dtype=str), "window_start": pd.NaT,
                                 "window_end": pd.NaT, "unit": pd.Series(dtype="int64")})
        lat, lon = hexbin.cells_to_centers(area)
        lat0, lon0 = float(lat.mean()), float(lon.mean())
        _, near = cKDTree(_local_xy(self.routes["lat"].to_numpy(), self.routes["lon"].to_numpy(),
                                    lat0, lon0)).query(_local_xy(lat, lon, lat0, lon0))
        ws = self.routes["window_start"].iloc[0] if len(self.routes) else pd.NaT
        we = ws + pd.Timedelta(hours=self.window_hours) if pd.notna(ws) else pd.NaT
        return pd.DataFrame({"h3": hexbin.cells_to_strings(area).astype(str),
                             "window_start": ws, "window_end": we,
                             "unit": self.routes["unit"].to_numpy()[np.atleast_1d(near)]})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no tables)."""
        return {
            "objective": float(f"{self.objective:.8g}"),
            "share_of_risk": float(f"{self.share_of_risk:.8g}"),
            "solver": self.solver,
            "status": self.status,
            "gap": None if math.isnan(self.gap) else round(self.gap, 8),
            "seconds": round(self.seconds, 3),
            "status_text": self.status_text,
            "total_expected": float(f"{self.total_expected:.8g}"),
            "units": self.units,
            "hotspots": int(len(self.routes)),
            "hotspots_per_unit": self.hotspots_per_unit,
            "radius_m": self.radius_m,
            "covered_cells": len(self.covered_cells),
            "revisit_violations": self.revisit_violations,
            "hotspots_dropped": self.hotspots_dropped,
            "repair_rounds": self.repair_rounds,
            "loop_repaired": self.loop_repaired,
            "model_size": self.model_size,
        }


def hotspots_per_unit(*, radius_m: float, dwell_min: float = settings.PATROL_DWELL_MIN,
                      revisit_min: float = settings.PATROL_REVISIT_MIN,
                      speed_kmh: float = settings.PATROL_SPEED_KMH,
                      max_hotspots_per_unit: int | None = None) -> int:
    """Hotspots one unit can keep under the Koper dose (see the module notes).

    ``floor(revisit_min / (dwell_min + ceil(2 * radius_m / speed)))``, at least 1,
    at most ``max_hotspots_per_unit``.
    """
    leg = math.ceil(2 * radius_m / (speed_kmh * 1000 / 60))
    k = max(1, int(revisit_min // (dwell_min + leg)))
    if max_hotspots_per_unit is not None:
        k = min(k, int(max_hotspots_per_unit))
    return max(1, k)


def _check_forecast(forecast: pd.DataFrame, problems: list[str]) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in ("h3", "expected") if c not in forecast.columns]
    if missing:
        problems.append(f"al pronóstico le faltan columnas: {', '.join(missing)}")
        return np.empty(0, dtype=np.uint64), np.empty(0)
    if len(forecast) == 0:
        problems.append("el pronóstico está vacío")
        return np.empty(0, dtype=np.uint64), np.empty(0)
    if "window_start" in forecast.columns and forecast["window_start"].nunique() > 1:
        problems.append("el pronóstico tiene varias ventanas: elija una (window_start)")
    try:
        cells = _to_cells(forecast["h3"].to_numpy())
    except IncidentSchemaError as exc:
        problems.append(str(exc).rstrip("."))
        cells = np.empty(0, dtype=np.uint64)
    expected = pd.to_numeric(forecast["expected"], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(expected).all() or (expected < 0).any():
        problems.append("la columna 'expected' debe ser numérica, finita y no negativa")
    if cells.size and np.unique(cells).size != cells.size:
        problems.append("el pronóstico repite celdas en la misma ventana")
    return cells, expected


def _lookup(cells: np.ndarray, wanted: Iterable[Any], what: str,
            problems: list[str]) -> np.ndarray:
    wanted = list(wanted)
    if not wanted:
        return np.empty(0, dtype=np.int64)
    try:
        w = _to_cells(np.asarray(wanted, dtype=object if isinstance(wanted[0], str) else None))
    except IncidentSchemaError as exc:
        problems.append(f"{what}: {str(exc).rstrip('.')}")
        return np.empty(0, dtype=np.int64)
    pos = {int(c): i for i, c in enumerate(cells)}
    unknown = [format(int(c), "x") for c in w if int(c) not in pos]
    if unknown:
        problems.append(f"{what} fuera del pronóstico: {', '.join(unknown[:5])}")
    return np.unique(np.array([pos[int(c)] for c in w if int(c) in pos], dtype=np.int64))


def place_patrols_on_cells(forecast: pd.DataFrame, *, units: int, radius_m: float,
                           dwell_min: float = settings.PATROL_DWELL_MIN,
                           revisit_min: float = settings.PATROL_REVISIT_MIN,
                           max_hotspots_per_unit: int | None = None,
                           fixed: Iterable[Any] = (), excluded: Iterable[Any] = (),
                           district_min: Mapping[str, int] | None = None,
                           districts: pd.Series | None = None,
                           speed_kmh: float = settings.PATROL_SPEED_KMH,
                           window_start: Any = None, window_hours: float = 8,
                           time_limit: float = settings.SOLVER_TIME_LIMIT_S,
                           mip_gap: float = MIP_REL_GAP,
                           solver: Solver = "highs") -> PatrolPlan:
    """Plan the hotspots, beats and schedule of ``units`` patrols for one window.

    Parameters
    ----------
    forecast
        One window: ``h3`` (hex string or uint64) and ``expected``; every cell
        is a demand point and a candidate hotspot.
    units
        Patrol units available.
    radius_m
        A hotspot covers the cells whose centres are within this distance.
    dwell_min, revisit_min, speed_kmh, max_hotspots_per_unit
        Koper dose and travel (see the module notes).
    fixed, excluded
        Cells always chosen (they count as hotspots) / never chosen.
    district_min, districts
        Minimum hotspots per district, and the district of each cell (Series
        indexed by cell, hex or uint64); see the module notes.
    window_start, window_hours
        Window of the schedule; without a start, times are minutes from it.
    time_limit, mip_gap, solver
        Passed to :func:`place_patrols`.

    Returns
    -------
    PatrolPlan

    Raises
    ------
    InfeasiblePlanError
        Empty or invalid forecast, unknown cells, ``units < 1``, ``radius_m <= 0``,
        more fixed posts than hotspots, a cell both fixed and excluded, district
        minimums that cannot be met. Every problem is listed in one message.
    """
    problems: list[str] = []
    cells, expected = _check_forecast(forecast, problems)
    if not isinstance(units, (int, np.integer)) or int(units) < 1:
        problems.append("se necesita al menos una unidad de patrullaje")
        units = 1
    if not (radius_m > 0):
        problems.append("el radio de cobertura debe ser mayor que 0 m")
        radius_m = 1.0
    if not (dwell_min > 0):
        problems.append("la permanencia debe ser mayor que 0 minutos")
        dwell_min = 1
    if not (revisit_min >= dwell_min):
        problems.append("el intervalo de revisita debe ser al menos la permanencia")
    if not (speed_kmh > 0):
        problems.append("la velocidad debe ser mayor que 0 km/h")
        speed_kmh = 1.0
    if not (window_hours > 0):
        problems.append("la ventana debe durar más de 0 horas")
    if max_hotspots_per_unit is not None and int(max_hotspots_per_unit) < 1:
        problems.append("el máximo de puntos por unidad debe ser al menos 1")
        max_hotspots_per_unit = None
    fix = _lookup(cells, fixed, "puestos fijos", problems)
    exc = _lookup(cells, excluded, "celdas excluidas", problems)
    both = np.intersect1d(fix, exc)
    if both.size:
        problems.append("celdas fijas y excluidas a la vez: "
                        + ", ".join(format(int(cells[i]), "x") for i in both[:5]))
    k = hotspots_per_unit(radius_m=radius_m, dwell_min=dwell_min, revisit_min=revisit_min,
                          speed_kmh=speed_kmh, max_hotspots_per_unit=max_hotspots_per_unit)
    p = min(int(units) * k, max(0, cells.size - exc.size))
    if cells.size and fix.size > p:
        problems.append(f"hay {fix.size} puestos fijos y solo {p} puntos de patrullaje "
                        f"({units} unidades × {k})")
    dist_names = np.full(cells.size, "", dtype=object)
    if districts is not None and cells.size:
        idx = districts.index
        keys = (_to_cells(idx.to_numpy()) if len(idx) else np.empty(0, dtype=np.uint64))
        mapping = dict(zip((int(c) for c in keys), districts.astype(str), strict=True))
        dist_names = np.array([mapping.get(int(c), "") for c in cells], dtype=object)
    if district_min:
        if districts is None:
            problems.append("se pidieron mínimos por distrito sin indicar el distrito "
                            "de cada celda")
        else:
            known = set(dist_names)
            unknown = [d for d, m in district_min.items() if int(m) > 0 and d not in known]
            if unknown:
                problems.append(f"distritos sin celdas en el pronóstico: {', '.join(unknown)}")
            if sum(max(0, int(m)) for m in district_min.values()) > p:
                asked = sum(int(m) for m in district_min.values())
                problems.append(f"los mínimos por distrito suman {asked} y solo hay {p} puntos")
    if problems:
        raise InfeasiblePlanError("Plan de patrullaje imposible: " + "; ".join(problems) + ".")

    t_start = time.perf_counter()
    deadline = t_start + float(time_limit)
    cov = coverage_matrix(cells, radius_m=radius_m)
    groups = dist_names if district_min else None
    minimums = {d: int(m) for d, m in district_min.items()} if district_min else None

    def solve(n: int, banned: np.ndarray) -> PatrolSolution:
        return place_patrols(cov, expected, n_hotspots=n, fixed=fix, excluded=banned,
                             groups=groups, min_per_group=minimums,
                             time_limit=max(0.5, deadline - time.perf_counter()),
                             mip_gap=mip_gap, solver=solver)

    lat, lon = hexbin.cells_to_centers(cells)
    xy = _local_xy(lat, lon, float(lat.mean()), float(lon.mean()))
    m_per_min = float(speed_kmh) * 1000 / 60
    loop_opts: dict[str, float] = dict(dwell_min=float(dwell_min), revisit_min=float(revisit_min),
                                       m_per_min=m_per_min)
    allowed = np.ones(cells.size, dtype=bool)
    allowed[exc] = False

    def arrange(sol: PatrolSolution) -> tuple[float, np.ndarray, np.ndarray, int]:
        """Units for the solution's hotspots, loops trimmed to the revisit rule and refilled."""
        hs = sol.selected
        labels = _balanced_units(xy[hs], int(units))
        labels = _rebalance(lat[hs], lon[hs], labels, **loop_opts)
        keep = _trim_loops(cov[hs], expected, lat[hs], lon[hs], labels, np.isin(hs, fix),
                           groups=None if groups is None else groups[hs], minimums=minimums,
                           **loop_opts)
        moved = int((~keep).sum())
        if moved:
            hs, labels = _refill(cov, expected, lat, lon, hs[keep], labels[keep], allowed,
                                 slots=moved, **loop_opts)
        value = float(expected[np.asarray(cov[hs].sum(axis=0)).ravel() > 0].sum())
        return value, hs, labels, moved

    first = solve(p, exc)
    value, hs, labels, moved = arrange(first)
    rounds = 0
    # Loop repair: re-solve the MCLP among the cells near the repaired plan (within two radii
    # of one of its hotspots), so hotspots regroup where units can keep them; keep the best.
    while moved and rounds < LOOP_REPAIR_ROUNDS and time.perf_counter() < deadline:
        reach = cKDTree(xy[hs]).query(xy, distance_upper_bound=2 * float(radius_m))[0]
        near = np.isfinite(reach)
        near[fix] = True
        if (~near & allowed).sum() < 0.25 * allowed.sum():
            break  # the plan already reaches most cells: nearly the same problem again
        rounds += 1
        try:
            again = solve(p, np.union1d(exc, np.flatnonzero(~near)))
        except InfeasiblePlanError:
            break
        cand = arrange(again)
        if cand[0] <= value + 1e-9 * max(1.0, value):
            break
        value, hs, labels, moved = cand
    covered = (np.asarray(cov[hs].sum(axis=0)).ravel() > 0 if hs.size
               else np.zeros(cells.size, dtype=bool))
    objective = float(expected[covered].sum())
    status, gap = first.status, first.gap
    repaired = rounds > 0 or moved > 0 or hs.size != first.selected.size
    if repaired and first.solver == "highs" and np.isfinite(first.gap):
        # the first solve's upper bound for p hotspots anywhere bounds every plan here
        bound = first.objective * (1 + first.gap)
        gap = max(0.0, (bound - objective) / objective) if objective > 0 else 0.0
        if not status.startswith("time_limit"):
            status = ("optimal" if gap <= _PROVEN_GAP else "near_optimal" if gap <= mip_gap
                      else "loop_repair")
    order = np.argsort(hs, kind="stable")
    hs, labels = hs[order], labels[order]
    # attribute each covered cell to its nearest chosen hotspot
    tree = cKDTree(xy[hs])
    cov_idx = np.flatnonzero(covered)
    _, near = tree.query(xy[cov_idx])
    exp_cov = np.bincount(np.atleast_1d(near), weights=expected[cov_idx], minlength=hs.size)
    routes, schedule, violations = _schedule(
        cells, lat, lon, dist_names, hs, exp_cov, labels, fix,
        dwell_min=float(dwell_min), revisit_min=float(revisit_min), speed_kmh=float(speed_kmh),
        window_start=window_start, window_hours=float(window_hours))
    total = float(expected.sum())
    return PatrolPlan(routes=routes, schedule=schedule, objective=objective,
                      total_expected=total, share_of_risk=objective / total if total > 0 else 0.0,
                      solver=first.solver, status=status,
                      status_text=_STATUS_TEXT.get(status.split(":")[0], status),
                      gap=float(gap), seconds=time.perf_counter() - t_start,
                      covered_cells=list(hexbin.cells_to_strings(cells[covered])),
                      hotspots_per_unit=k, units=int(units), radius_m=float(radius_m),
                      revisit_violations=violations, model_size=first.model_size,
                      window_hours=float(window_hours), hotspots_dropped=int(p - hs.size),
                      repair_rounds=rounds, loop_repaired=repaired)


def _minutes(lat: np.ndarray, lon: np.ndarray, m_per_min: float) -> np.ndarray:
    """Whole minutes of travel between every pair of points (0 on the diagonal)."""
    d = np.ceil(_haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
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
    hs, labels = list(map(int, hs)), list(map(int, labels))
    if slots <= 0 or not hs:
        return np.asarray(hs, dtype=np.int64), np.asarray(labels, dtype=np.int64)
    cov = sparse.csr_array(cov)
    covered = np.asarray(cov[hs].sum(axis=0)).ravel() > 0
    tried = np.zeros(cov.shape[0], dtype=bool)
    tried[hs] = True
    def loop(members: list[int]) -> float:
        ids = np.asarray(members, dtype=np.int64)
        return _cycle_min(_minutes(lat[ids], lon[ids], m_per_min), np.arange(ids.size),
                          dwell_min)

    members = {u: [h for h, lab in zip(hs, labels, strict=True) if lab == u]
               for u in sorted(set(labels))}
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
                near = float(np.ceil(_haversine_m(lat[c], lon[c], lat[m], lon[m]).min()
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
                hs.append(int(c))
                labels.append(u)
                covered |= np.asarray(cov[[int(c)]].toarray()).ravel() > 0
                placed = True
                break
        if not placed:
            break
    return np.asarray(hs, dtype=np.int64), np.asarray(labels, dtype=np.int64)


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

    def excess(c: float) -> float:
        return max(0.0, c - revisit_min)

    for _ in range(max_moves):
        over = sorted((u for u in cyc if cyc[u] > revisit_min + 1e-9), key=lambda u: -cyc[u])
        if not over:
            break
        done = False
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
                            labels, cyc[a], cyc[b] = new, ca, cb
                            done = True
                            break
                    if done:
                        break
                if done:
                    break
            if done:
                break
        if not done:
            break
    return labels


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


def expected_covered(forecast: pd.DataFrame, hotspots: Iterable[Any], *,
                     radius_m: float) -> float:
    """Sum the expected incidents of ``forecast`` covered by a given set of hotspots.

    Scores an existing plan (e.g. the current fixed posts) on the same terms
    as the optimiser, for the "gain over the current plan" comparison.
    """
    problems: list[str] = []
    cells, expected = _check_forecast(forecast, problems)
    hs = _to_cells(list(hotspots))
    if problems:
        raise InfeasiblePlanError("Plan de patrullaje imposible: " + "; ".join(problems) + ".")
    if hs.size == 0:
        return 0.0
    cov = coverage_matrix(cells, radius_m=radius_m, candidates=hs)
    return float(expected[np.asarray(cov.sum(axis=0)).ravel() > 0].sum())


def plan_coverage_history(incidents: pd.DataFrame, forecasts: pd.DataFrame, *, units: int,
                          radius_m: float, dwell_min: float = settings.PATROL_DWELL_MIN,
                          revisit_min: float = settings.PATROL_REVISIT_MIN,
                          speed_kmh: float = settings.PATROL_SPEED_KMH,
                          max_hotspots_per_unit: int | None = None,
                          retro_days: int = 28,
                          time_limit: float = settings.SOLVER_TIME_LIMIT_S,
                          solver: Solver = "highs") -> pd.DataFrame:
    """Share of the actual incidents of past windows that fell inside each plan's area.

    For every window of ``forecasts`` two plans with the same number of
    hotspots are built: one from the forecast, one from ``retro28`` (each
    cell's incident count over the ``retro_days`` days before the window
    start). A plan's area is every cell whose centre lies within ``radius_m``
    of one of its hotspots (:func:`cells_within_radius`), at the forecast's
    resolution.

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at`` and ``h3_r12`` or ``lat``/``lon``).
    forecasts
        ``h3``, ``window_start``, ``window_end``, ``expected``; one or more windows.
    units, radius_m, dwell_min, revisit_min, speed_kmh, max_hotspots_per_unit
        As in :func:`place_patrols_on_cells`.

    Returns
    -------
    pandas.DataFrame
        One row per window: ``window_start, window_end, incidents, hotspots,
        area_cells, covered_forecast, share_forecast, area_cells_retro28,
        covered_retro28, share_retro28, gain`` (``share_forecast -
        share_retro28``); shares are NaN for windows without incidents.
    """
    need = [c for c in ("h3", "window_start", "window_end", "expected")
            if c not in forecasts.columns]
    if need:
        raise InfeasiblePlanError(f"Al pronóstico le faltan columnas: {', '.join(need)}.")
    if "occurred_at" not in incidents.columns:
        raise IncidentSchemaError("Faltan columnas en los incidentes: occurred_at.")
    fc = forecasts.copy()
    fc["window_start"] = pd.to_datetime(fc["window_start"])
    fc["window_end"] = pd.to_datetime(fc["window_end"])
    cells_all = _to_cells(fc["h3"].to_numpy())
    res = np.unique(hexbin.cells_resolution(cells_all))
    if res.size != 1:
        raise InfeasiblePlanError("El pronóstico mezcla resoluciones H3.")
    fc["h3"] = cells_all
    inc = hexbin.incidents_to_cells(incidents, resolution=int(res[0]), column="cell")
    when = pd.to_datetime(inc["occurred_at"]).to_numpy()
    inc_cells = inc["cell"].to_numpy(dtype=np.uint64)
    opts: dict[str, Any] = dict(units=units, radius_m=radius_m, dwell_min=dwell_min,
                                revisit_min=revisit_min, speed_kmh=speed_kmh,
                                max_hotspots_per_unit=max_hotspots_per_unit,
                                time_limit=time_limit, solver=solver)
    out = []
    for (ws, we), grp in fc.groupby(["window_start", "window_end"], sort=True):
        inside = (when >= np.datetime64(ws)) & (when < np.datetime64(we))
        actual = inc_cells[inside]
        plan = place_patrols_on_cells(grp[["h3", "expected"]], **opts)
        area = cells_within_radius(_to_cells(plan.routes["h3"].to_numpy()), radius_m=radius_m)
        lo = np.datetime64(ws - pd.Timedelta(days=retro_days))
        past = inc_cells[(when >= lo) & (when < np.datetime64(ws))]
        if past.size:
            rc, cnt = np.unique(past, return_counts=True)
            retro = pd.DataFrame({"h3": rc, "expected": cnt.astype(np.float64)})
            rplan = place_patrols_on_cells(retro, **opts)
            rarea = cells_within_radius(_to_cells(rplan.routes["h3"].to_numpy()),
                                        radius_m=radius_m)
        else:
            rarea = np.empty(0, dtype=np.uint64)
        n = int(actual.size)
        cf = int(np.isin(actual, area).sum())
        cr = int(np.isin(actual, rarea).sum())
        out.append({"window_start": ws, "window_end": we, "incidents": n,
                    "hotspots": int(len(plan.routes)), "area_cells": int(area.size),
                    "covered_forecast": cf, "share_forecast": cf / n if n else math.nan,
                    "area_cells_retro28": int(rarea.size), "covered_retro28": cr,
                    "share_retro28": cr / n if n else math.nan})
    df = pd.DataFrame(out)
    if len(df):
        df["gain"] = df["share_forecast"] - df["share_retro28"]
    return df
