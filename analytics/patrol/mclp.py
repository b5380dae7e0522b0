"""The numeric core: the Maximal Covering Location Problem on a coverage matrix.

:func:`place_patrols` takes a binary coverage matrix (candidates × demand points) and demand
weights and solves the MCLP exactly with HiGHS (``highspy``), as spopt's ``from_cost_matrix``
does; it knows nothing of H3, maps or time. See :mod:`analytics.patrol` for the notes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy import sparse

from analytics import settings
from analytics._errors import InfeasiblePlanError

if TYPE_CHECKING:
    pass


Solver = Literal["highs", "greedy"]


#: Relative optimality gap at which the exact solver stops (0.5 %: far below the
#: forecast's own uncertainty; pass ``mip_gap=1e-4`` for a proven optimum).
MIP_REL_GAP = 0.005


#: Share of the open slots fixed per round of each LP dive (see ``_solve_highs``).
_DIVE_STEPS = (0.1, 0.03)


#: A gap at or below this is reported as a proven optimum.
_PROVEN_GAP = 1e-4


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

    Examples
    --------
    Three candidate posts, four demand points, two patrols:

    >>> cov = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]])
    >>> sol = place_patrols(cov, np.array([5.0, 1.0, 4.0, 3.0]), n_hotspots=2)
    >>> sol.selected.tolist(), sol.objective, sol.status
    ([0, 2], 13.0, 'optimal')
    """
    t0 = time.perf_counter()
    pb = _validated(coverage, weights, n_hotspots=n_hotspots, fixed=fixed, excluded=excluded,
                    groups=groups, min_per_group=min_per_group, solver=solver)
    a, w, fix, allowed, p, g, need = pb.a, pb.w, pb.fix, pb.allowed, pb.p, pb.groups, pb.need
    n_c, n_d = a.shape
    total = float(w.sum())
    sizes = {"candidates": n_c, "demand": n_d}
    if solver == "greedy":
        sel = _greedy(a, w, p=p, fixed=fix, allowed=allowed, groups=g, need_extra=need)
        return _finish(a, w, sel, total, "greedy", "greedy", math.nan, t0, sizes)

    red = _reduce(pb)
    p_free = p - fix.size
    sizes.update({"candidates_reduced": int(red.cand.size),
                  "demand_reduced": int(red.s.shape[1])})
    if p_free == 0 or red.cand.size == 0 or red.s.shape[1] == 0:
        sel = _fill(a, w, list(fix), p, allowed)
        return _finish(a, w, sel, total, "highs", "trivial", 0.0, t0, sizes)

    picked, code, bound = _solve_reduced(pb, red, p_free, mip_gap=mip_gap,
                                         deadline=t0 + float(time_limit))
    if picked is None:
        sel = _greedy(a, w, p=p, fixed=fix, allowed=allowed, groups=g, need_extra=need)
        return _finish(a, w, sel, total, "greedy", f"greedy_fallback: {code}", math.nan, t0, sizes)
    sel = _fill(a, w, list(fix) + list(red.cand[picked]), p, allowed)
    sol = _finish(a, w, sel, total, "highs", code, math.nan, t0, sizes)
    excess = bound + red.base - sol.objective
    gap = 0.0 if sol.objective <= 0 else max(0.0, excess / sol.objective)
    if code != "time_limit":
        code = "optimal" if gap <= _PROVEN_GAP else "near_optimal"
    return PatrolSolution(sol.selected, sol.covered, sol.objective, total, "highs", code,
                          float(gap), time.perf_counter() - t0, sizes)


@dataclass(frozen=True)
class _Problem:
    """A validated MCLP instance (see :func:`_validated`)."""

    a: sparse.csr_array  # binary coverage, candidates × demand
    w: np.ndarray  # demand weights
    fix: np.ndarray  # fixed candidates, sorted
    allowed: np.ndarray  # mask of candidates that are not excluded
    p: int  # number of candidates to choose
    groups: np.ndarray | None  # group label of each candidate (only with minimums)
    need: dict[Hashable, int]  # chosen candidates still needed per group beyond the fixed


def _validated(coverage: sparse.spmatrix | sparse.sparray | np.ndarray,
               weights: Sequence[float] | np.ndarray, *, n_hotspots: int,
               fixed: Iterable[int], excluded: Iterable[int],
               groups: Sequence[Hashable] | np.ndarray | None,
               min_per_group: Mapping[Hashable, int] | None, solver: str) -> _Problem:
    """The inputs of :func:`place_patrols` as arrays, every problem raised together.

    Raises
    ------
    InfeasiblePlanError
        Listing every problem found (bad weights or indices, impossible minimums...).
    """
    problems: list[str] = []
    a = sparse.csr_array(coverage if sparse.issparse(coverage) else np.asarray(coverage))
    a = sparse.csr_array((a != 0).astype(np.int8))
    a.eliminate_zeros()
    n_c, n_d = a.shape
    w = _checked_weights(weights, n_d, problems)
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
    g = _group_labels(groups, min_per_group, n_c, problems)
    need: dict[Hashable, int] = {}
    if g is not None and min_per_group:
        need = _group_needs(g, min_per_group, fix=fix, allowed=allowed, p=p, problems=problems)
    if problems:
        raise InfeasiblePlanError("Plan imposible: " + "; ".join(problems) + ".")
    return _Problem(a, w, fix, allowed, p, g, need)


def _checked_weights(weights: Sequence[float] | np.ndarray, n_d: int,
                     problems: list[str]) -> np.ndarray:
    """Demand weights as floats (zeros when their number is wrong); problems noted."""
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.size != n_d:
        problems.append(f"hay {w.size} pesos para {n_d} puntos de demanda")
        return np.zeros(n_d)
    if not np.isfinite(w).all() or (w < 0).any():
        problems.append("los pesos deben ser finitos y no negativos")
    return w


def _group_labels(groups: Sequence[Hashable] | np.ndarray | None,
                  min_per_group: Mapping[Hashable, int] | None, n_c: int,
                  problems: list[str]) -> np.ndarray | None:
    """Group label of each candidate when minimums are asked (``None`` otherwise or if unusable)."""
    if not min_per_group:
        return None
    if groups is None:
        problems.append("se pidieron mínimos por grupo sin indicar el grupo de cada candidato")
        return None
    g = np.asarray(groups, dtype=object)
    if g.size != n_c:
        problems.append(f"hay {g.size} grupos para {n_c} candidatos")
        return None
    return g


def _group_needs(g: np.ndarray, min_per_group: Mapping[Hashable, int], *, fix: np.ndarray,
                 allowed: np.ndarray, p: int, problems: list[str]) -> dict[Hashable, int]:
    """Candidates each group still needs beyond its fixed ones; impossible minimums noted."""
    need: dict[Hashable, int] = {}
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
    return need


@dataclass(frozen=True)
class _Reduced:
    """The MCLP after the reductions of :func:`_reduce`."""

    cand: np.ndarray  # free candidates kept (indices into the full matrix)
    s: sparse.csr_array  # their coverage of the merged demand points (0/1 floats)
    w_m: np.ndarray  # weight of each merged demand point
    base: float  # weight already covered by the fixed candidates


def _reduce(pb: _Problem) -> _Reduced:
    """Drop demand and candidates that cannot change the optimum; merge identical demand."""
    a, w, fix, allowed = pb.a, pb.w, pb.fix, pb.allowed
    fixed_cov = np.zeros(a.shape[1], dtype=bool)
    if fix.size:
        fixed_cov = np.asarray(a[fix].sum(axis=0)).ravel() > 0
    reachable = np.asarray(a[np.flatnonzero(allowed)].sum(axis=0)).ravel() > 0
    keep_d = (w > 0) & ~fixed_cov & reachable
    base = float(w[fixed_cov].sum())
    free = np.flatnonzero(allowed)
    free = free[~np.isin(free, fix)]
    s, w_m = _merge_demand(sparse.csc_array(a[free][:, np.flatnonzero(keep_d)]), w[keep_d])
    removable = np.ones(free.size, dtype=bool)
    if pb.groups is not None and pb.need:
        removable = ~np.isin(pb.groups[free],
                             np.array([lab for lab, v in pb.need.items() if v > 0], dtype=object))
    drop = _dominated(s, removable)
    return _Reduced(free[~drop], s[np.flatnonzero(~drop)], w_m, base)


def _merge_demand(sub: sparse.csc_array,
                  w_kept: np.ndarray) -> tuple[sparse.csr_array, np.ndarray]:
    """Merge demand points with identical covering sets (weights added)."""
    keys: dict[bytes, int] = {}
    col_group = np.empty(sub.shape[1], dtype=np.int64)
    for i in range(sub.shape[1]):
        k = sub.indices[sub.indptr[i]:sub.indptr[i + 1]].tobytes()
        col_group[i] = keys.setdefault(k, len(keys))
    w_m = np.bincount(col_group, weights=w_kept, minlength=len(keys))
    merge = sparse.csr_array((np.ones(sub.shape[1]), (np.arange(sub.shape[1]), col_group)),
                             shape=(sub.shape[1], len(keys)))
    s = sparse.csr_array((sub @ merge) > 0).astype(np.float64)
    return s, w_m


def _dominated(s: sparse.csr_array, removable: np.ndarray) -> np.ndarray:
    """Mask of removable candidates whose covered set is contained in another's (or empty)."""
    size = np.asarray(s.sum(axis=1)).ravel()
    inter = sparse.coo_array(s @ s.T)
    j, k, v = inter.row, inter.col, inter.data
    sub_mask = (j != k) & (np.abs(v - size[j]) < 0.5)
    j, k = j[sub_mask], k[sub_mask]
    dom = removable[j] & ((size[k] > size[j]) | ((size[k] == size[j]) & (~removable[k] | (k < j))))
    drop = np.zeros(removable.size, dtype=bool)
    drop[j[dom]] = True
    drop |= (size == 0) & removable & (removable.size > 1)
    return drop


def _solve_reduced(pb: _Problem, red: _Reduced, p_free: int, *, mip_gap: float,
                   deadline: float) -> tuple[np.ndarray | None, str, float]:
    """HiGHS on the reduced model: (chosen rows of ``red.cand``, status code, upper bound).

    Any solver failure gives ``None`` and an ``error …`` code (the caller falls back).
    """
    g, need = pb.groups, pb.need
    need_rows = []
    if g is not None:
        for label, v_need in need.items():
            if v_need > 0:
                need_rows.append(((g[red.cand] == label).astype(np.float64), v_need))
    try:
        # weights scaled to max 1: HiGHS's absolute tolerances then mean the same
        # whatever the units of the forecast (rates per shift can be ~1e-6)
        scale = float(red.w_m.max())
        picked, code, bound = _solve_highs(
            sparse.csr_array(red.s), red.w_m / scale, p_free, need_rows,
            groups=None if g is None else g[red.cand], need=need, mip_gap=mip_gap,
            deadline=deadline)
        bound *= scale
    except Exception as exc:  # noqa: BLE001 - any solver failure falls back, labelled
        return None, f"error {type(exc).__name__}", math.nan
    return picked, code, bound


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

    h = highspy.Highs()  # type: ignore[no-untyped-call]
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
