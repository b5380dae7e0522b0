"""The thin H3 adapter: forecast cells -> coverage matrix -> :func:`place_patrols` -> a plan.

:func:`place_patrols_on_cells` builds the coverage matrix from the great-circle distance
between cell centres, decides how many hotspots a unit can serve (the Koper dose), calls the
numeric core and hands the chosen hotspots to :mod:`analytics.patrol.routes`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import h3
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from analytics import geo, hexbin, settings
from analytics._errors import IncidentSchemaError, InfeasiblePlanError

if TYPE_CHECKING:
    pass
from analytics.patrol.mclp import (
    _PROVEN_GAP,
    _STATUS_TEXT,
    MIP_REL_GAP,
    PatrolSolution,
    Solver,
    place_patrols,
)
from analytics.patrol.routes import (
    LOOP_REPAIR_ROUNDS,
    _balanced_units,
    _rebalance,
    _refill,
    _schedule,
    _trim_loops,
)


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
    tree = cKDTree(geo.local_xy(clat, clon, lat0, lon0))
    # The local projection is within a fraction of a percent at city scale;
    # query a little wider and keep the exact great-circle test.
    lists = tree.query_ball_point(geo.local_xy(dlat, dlon, lat0, lon0), r=radius_m * 1.01 + 1.0)
    lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    ci = (np.concatenate([np.asarray(x, dtype=np.int64) for x in lists]) if lengths.sum()
          else np.empty(0, dtype=np.int64))
    di = np.repeat(np.arange(dem.size), lengths)
    ok = geo.haversine_m(clat[ci], clon[ci], dlat[di], dlon[di]) <= radius_m
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
        hs = hexbin.to_cells(self.routes["h3"].to_numpy())
        area = cells_within_radius(hs, radius_m=self.radius_m)
        if area.size == 0:
            return pd.DataFrame({"h3": pd.Series(dtype=str), "window_start": pd.NaT,
                                 "window_end": pd.NaT, "unit": pd.Series(dtype="int64")})
        lat, lon = hexbin.cells_to_centers(area)
        lat0, lon0 = float(lat.mean()), float(lon.mean())
        _, near = cKDTree(geo.local_xy(self.routes["lat"].to_numpy(), self.routes["lon"].to_numpy(),
                                    lat0, lon0)).query(geo.local_xy(lat, lon, lat0, lon0))
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
        cells = hexbin.to_cells(forecast["h3"].to_numpy())
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
        dtype = object if isinstance(wanted[0], str) else None
        w = hexbin.to_cells(np.asarray(wanted, dtype=dtype))
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
    units, radius_m, dwell_min, speed_kmh, max_hotspots_per_unit = _checked_dose(
        units, radius_m=radius_m, dwell_min=dwell_min, revisit_min=revisit_min,
        speed_kmh=speed_kmh, window_hours=window_hours,
        max_hotspots_per_unit=max_hotspots_per_unit, problems=problems)
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
    dist_names = _district_names(cells, districts)
    if district_min:
        _check_district_min(district_min, districts, dist_names, p, problems)
    if problems:
        raise InfeasiblePlanError("Plan de patrullaje imposible: " + "; ".join(problems) + ".")

    t_start = time.perf_counter()
    lat, lon = hexbin.cells_to_centers(cells)
    allowed = np.ones(cells.size, dtype=bool)
    allowed[exc] = False
    search = _Search(
        cov=coverage_matrix(cells, radius_m=radius_m), expected=expected, fix=fix, exc=exc,
        allowed=allowed, groups=dist_names if district_min else None,
        minimums={d: int(m) for d, m in district_min.items()} if district_min else None,
        lat=lat, lon=lon, xy=geo.local_xy(lat, lon, float(lat.mean()), float(lon.mean())),
        units=int(units), radius_m=float(radius_m), dwell=float(dwell_min),
        revisit=float(revisit_min), m_per_min=float(speed_kmh) * 1000 / 60,
        deadline=t_start + float(time_limit), mip_gap=mip_gap, solver=solver)
    first, hs, labels, moved, rounds = search.plan(p)
    covered = (np.asarray(search.cov[hs].sum(axis=0)).ravel() > 0 if hs.size
               else np.zeros(cells.size, dtype=bool))
    objective = float(expected[covered].sum())
    repaired = rounds > 0 or moved > 0 or hs.size != first.selected.size
    status, gap = _repaired_status(first, objective, repaired=repaired, mip_gap=mip_gap)
    order = np.argsort(hs, kind="stable")
    hs, labels = hs[order], labels[order]
    exp_cov = _expected_by_hotspot(search.xy, hs, covered, expected)
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


def _checked_dose(units: int, *, radius_m: float, dwell_min: float, revisit_min: float,
                  speed_kmh: float, window_hours: float, max_hotspots_per_unit: int | None,
                  problems: list[str]) -> tuple[int, float, float, float, int | None]:
    """Units, radius, dwell, speed and hotspot cap, invalid ones noted and replaced.

    A replaced value (``1`` unit, 1 m, 1 minute, 1 km/h, no cap) only lets the
    remaining checks run; the caller raises with every problem.
    """
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
    return units, radius_m, dwell_min, speed_kmh, max_hotspots_per_unit


def _district_names(cells: np.ndarray, districts: pd.Series | None) -> np.ndarray:
    """District of each cell (``""`` when unknown), from a Series indexed by cell."""
    if districts is None or not cells.size:
        return np.full(cells.size, "", dtype=object)
    idx = districts.index
    keys = (hexbin.to_cells(idx.to_numpy()) if len(idx) else np.empty(0, dtype=np.uint64))
    mapping = dict(zip((int(c) for c in keys), districts.astype(str), strict=True))
    return np.array([mapping.get(int(c), "") for c in cells], dtype=object)


def _check_district_min(district_min: Mapping[str, int], districts: pd.Series | None,
                        dist_names: np.ndarray, p: int, problems: list[str]) -> None:
    """Note district minimums that cannot be met (no districts, unknown ones, too many)."""
    if districts is None:
        problems.append("se pidieron mínimos por distrito sin indicar el distrito "
                        "de cada celda")
        return
    known = set(dist_names)
    unknown = [d for d, m in district_min.items() if int(m) > 0 and d not in known]
    if unknown:
        problems.append(f"distritos sin celdas en el pronóstico: {', '.join(unknown)}")
    if sum(max(0, int(m)) for m in district_min.values()) > p:
        asked = sum(int(m) for m in district_min.values())
        problems.append(f"los mínimos por distrito suman {asked} y solo hay {p} puntos")


@dataclass(frozen=True)
class _Search:
    """One window's MCLP and the loop repair around it (see :func:`place_patrols_on_cells`)."""

    cov: sparse.csr_array  # coverage, cells × cells
    expected: np.ndarray  # expected incidents per cell
    fix: np.ndarray  # fixed cells (positions)
    exc: np.ndarray  # excluded cells (positions)
    allowed: np.ndarray  # mask of the cells that are not excluded
    groups: np.ndarray | None  # district of each cell, with district minimums
    minimums: dict[Hashable, int] | None  # district minimums
    lat: np.ndarray
    lon: np.ndarray
    xy: np.ndarray  # local metric coordinates of the cell centres
    units: int
    radius_m: float
    dwell: float
    revisit: float
    m_per_min: float
    deadline: float  # time.perf_counter() at which the solver must stop
    mip_gap: float
    solver: Solver

    def solve(self, n: int, banned: np.ndarray) -> PatrolSolution:
        """The MCLP for ``n`` hotspots, ``banned`` cells excluded."""
        return place_patrols(self.cov, self.expected, n_hotspots=n, fixed=self.fix,
                             excluded=banned, groups=self.groups, min_per_group=self.minimums,
                             time_limit=max(0.5, self.deadline - time.perf_counter()),
                             mip_gap=self.mip_gap, solver=self.solver)

    def arrange(self, sol: PatrolSolution) -> tuple[float, np.ndarray, np.ndarray, int]:
        """Units for the solution's hotspots, loops trimmed to the revisit rule and refilled.

        Returns (covered expected incidents, hotspots, their units, hotspots moved).
        """
        hs = sol.selected
        dwell, revisit, m_per_min = self.dwell, self.revisit, self.m_per_min
        labels = _balanced_units(self.xy[hs], self.units)
        labels = _rebalance(self.lat[hs], self.lon[hs], labels, dwell_min=dwell,
                            revisit_min=revisit, m_per_min=m_per_min)
        keep = _trim_loops(self.cov[hs], self.expected, self.lat[hs], self.lon[hs], labels,
                           np.isin(hs, self.fix),
                           groups=None if self.groups is None else self.groups[hs],
                           minimums=self.minimums, dwell_min=dwell, revisit_min=revisit,
                           m_per_min=m_per_min)
        moved = int((~keep).sum())
        if moved:
            hs, labels = _refill(self.cov, self.expected, self.lat, self.lon, hs[keep],
                                 labels[keep], self.allowed, slots=moved, dwell_min=dwell,
                                 revisit_min=revisit, m_per_min=m_per_min)
        value = float(self.expected[np.asarray(self.cov[hs].sum(axis=0)).ravel() > 0].sum())
        return value, hs, labels, moved

    def plan(self, p: int) -> tuple[PatrolSolution, np.ndarray, np.ndarray, int, int]:
        """The first solve, arranged, then the loop repair.

        Returns (first solution, hotspots, their units, hotspots moved, repair rounds).

        Loop repair: re-solve the MCLP among the cells near the repaired plan (within
        two radii of one of its hotspots), so hotspots regroup where units can keep
        them; keep the best.
        """
        first = self.solve(p, self.exc)
        value, hs, labels, moved = self.arrange(first)
        rounds = 0
        while moved and rounds < LOOP_REPAIR_ROUNDS and time.perf_counter() < self.deadline:
            reach = cKDTree(self.xy[hs]).query(self.xy, distance_upper_bound=2 * self.radius_m)[0]
            near = np.isfinite(reach)
            near[self.fix] = True
            if (~near & self.allowed).sum() < 0.25 * self.allowed.sum():
                break  # the plan already reaches most cells: nearly the same problem again
            rounds += 1
            try:
                again = self.solve(p, np.union1d(self.exc, np.flatnonzero(~near)))
            except InfeasiblePlanError:
                break
            cand = self.arrange(again)
            if cand[0] <= value + 1e-9 * max(1.0, value):
                break
            value, hs, labels, moved = cand
        return first, hs, labels, moved, rounds


def _repaired_status(first: PatrolSolution, objective: float, *, repaired: bool,
                     mip_gap: float) -> tuple[str, float]:
    """Status and gap of the final plan, measured against the first solve's bound.

    The first solve's upper bound for ``p`` hotspots anywhere bounds every plan
    the loop repair can reach.
    """
    status, gap = first.status, first.gap
    if repaired and first.solver == "highs" and np.isfinite(first.gap):
        bound = first.objective * (1 + first.gap)
        gap = max(0.0, (bound - objective) / objective) if objective > 0 else 0.0
        if not status.startswith("time_limit"):
            status = ("optimal" if gap <= _PROVEN_GAP else "near_optimal" if gap <= mip_gap
                      else "loop_repair")
    return status, gap


def _expected_by_hotspot(xy: np.ndarray, hs: np.ndarray, covered: np.ndarray,
                         expected: np.ndarray) -> np.ndarray:
    """Expected incidents of the covered cells, each given to its nearest hotspot."""
    cov_idx = np.flatnonzero(covered)
    _, near = cKDTree(xy[hs]).query(xy[cov_idx])
    return np.bincount(np.atleast_1d(near), weights=expected[cov_idx], minlength=hs.size)


def expected_covered(forecast: pd.DataFrame, hotspots: Iterable[Any], *,
                     radius_m: float) -> float:
    """Sum the expected incidents of ``forecast`` covered by a given set of hotspots.

    Scores an existing plan (e.g. the current fixed posts) on the same terms
    as the optimiser, for the "gain over the current plan" comparison.
    """
    problems: list[str] = []
    cells, expected = _check_forecast(forecast, problems)
    hs = hexbin.to_cells(list(hotspots))
    if problems:
        raise InfeasiblePlanError("Plan de patrullaje imposible: " + "; ".join(problems) + ".")
    if hs.size == 0:
        return 0.0
    cov = coverage_matrix(cells, radius_m=radius_m, candidates=hs)
    return float(expected[np.asarray(cov.sum(axis=0)).ravel() > 0].sum())
