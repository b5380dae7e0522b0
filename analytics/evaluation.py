"""Score cell forecasts honestly: hit rate, PAI and PEI in a rolling-origin backtest.

Definitions (one window, ``n`` domain cells, coverage ``p``):

- **Flagged cells**: the ``k = max(1, round(p · n))`` domain cells with the
  largest ``expected``; ties are broken at random with a seeded generator, so
  a flat map scores like a random guess rather than like the cell order.
- **Hit rate**: incidents of the window that fall in flagged cells, divided by
  *all* incidents of the window, including those in cells outside the domain
  (cells with no training incident). NaN for a window without incidents.
- **PAI** (predictive accuracy index): hit rate / (k / n), the hit rate per
  unit of area share (cells are equal-area at one resolution; ``k / n`` is
  ``p`` up to rounding).
- **PEI** (predictive efficiency index): hits / the most hits any ``k``
  domain cells could have caught in that window (the perfect map). 1 for an
  oracle; NaN when no domain cell had an incident.

:func:`backtest` averages each metric over windows and origins (each window
weighs the same; windows where it is NaN are left out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import forecast as fc, settings
from analytics._errors import IncidentSchemaError
from analytics.forecast.cells import parse_cutoff
from analytics.patrol import plan_coverage_history as plan_coverage_history

#: Default coverages (share of domain cells flagged).
COVERAGES = (0.01, 0.02, 0.05, 0.10)
#: Coverages of the hit-rate curve.
CURVE_COVERAGES: tuple[float, ...] = tuple(
    round(float(c), 4) for c in np.r_[0.005, np.arange(0.01, 0.2, 0.01),
                                      np.arange(0.2, 1.0001, 0.05)])


def _n_flagged(n_cells: int, coverage: float) -> int:
    return int(min(n_cells, max(1, np.floor(coverage * n_cells + 0.5))))


def rank_cells(expected: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    """Indices of cells from highest to lowest ``expected``, ties in random order."""
    e = np.asarray(expected, dtype=np.float64)
    return np.lexsort((rng.random(e.size), -e))


def flag_top(expected: np.ndarray, *, coverage: float, seed: int | None = 0) -> np.ndarray:
    """Boolean mask of the top ``coverage`` share of cells (random tie-break)."""
    e = np.asarray(expected, dtype=np.float64)
    order = rank_cells(e, rng=np.random.default_rng(seed))
    mask = np.zeros(e.size, dtype=bool)
    mask[order[: _n_flagged(e.size, coverage)]] = True
    return mask


def hit_rate(expected: np.ndarray, actual: np.ndarray, *, coverage: float,
             total: float | None = None, seed: int | None = 0) -> float:
    """Share of the window's incidents in the flagged cells.

    ``actual`` counts incidents per domain cell; ``total`` is every incident of
    the window (defaults to ``actual.sum()``, i.e. none outside the domain).
    """
    a = np.asarray(actual, dtype=np.float64)
    tot = float(a.sum() if total is None else total)
    if tot <= 0:
        return float("nan")
    return float(a[flag_top(expected, coverage=coverage, seed=seed)].sum() / tot)


def pai(expected: np.ndarray, actual: np.ndarray, *, coverage: float,
        total: float | None = None, seed: int | None = 0) -> float:
    """Hit rate divided by the flagged area share ``k / n``."""
    n = np.asarray(expected).size
    return hit_rate(expected, actual, coverage=coverage, total=total, seed=seed) / (
        _n_flagged(n, coverage) / n)


def pei(expected: np.ndarray, actual: np.ndarray, *, coverage: float,
        seed: int | None = 0) -> float:
    """Hits over the hits of the best possible ``k`` cells for the window."""
    a = np.asarray(actual, dtype=np.float64)
    k = _n_flagged(a.size, coverage)
    best = np.sort(a)[::-1][:k].sum()
    if best <= 0:
        return float("nan")
    return float(a[flag_top(expected, coverage=coverage, seed=seed)].sum() / best)


def window_scores(expected: np.ndarray, actual: np.ndarray, totals: np.ndarray, *,
                  coverages: Sequence[float], rng: np.random.Generator) -> np.ndarray:
    """(windows, coverages, 3) array of hit rate, PAI, PEI for (cells, windows) inputs."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    n, nw = e.shape
    ks = np.array([_n_flagged(n, c) for c in coverages])
    out = np.full((nw, len(ks), 3), np.nan)
    for w in range(nw):
        order = rank_cells(e[:, w], rng=rng)
        cum = np.cumsum(a[order, w])
        best = np.cumsum(np.sort(a[:, w])[::-1])
        hits = cum[ks - 1]
        if totals[w] > 0:
            out[w, :, 0] = hits / totals[w]
            out[w, :, 1] = out[w, :, 0] / (ks / n)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[w, :, 2] = np.where(best[ks - 1] > 0, hits / best[ks - 1], np.nan)
    return out


def actual_counts(binned: fc.BinnedIncidents, cells: np.ndarray, starts: np.ndarray,
                  ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Incidents per (domain cell, window) and per window in total (all cells).

    Windows must be sorted and non-overlapping.
    """
    t = binned.t
    idx = np.searchsorted(starts, t, side="right") - 1
    inside = idx >= 0
    inside[inside] &= t[inside] < ends[idx[inside]]
    totals = np.bincount(idx[inside], minlength=len(starts)).astype(np.float64)
    ci = np.searchsorted(cells, binned.cell)
    ci = np.clip(ci, 0, max(len(cells) - 1, 0))
    dom = inside & (len(cells) > 0) & (cells[ci] == binned.cell)
    flat = ci[dom] * len(starts) + idx[dom]
    actual = np.bincount(flat, minlength=len(cells) * len(starts)).reshape(len(cells),
                                                                           len(starts))
    return actual.astype(np.float64), totals


@dataclass(frozen=True)
class BacktestResult:
    """Output of :func:`backtest`.

    Attributes
    ----------
    table : pandas.DataFrame
        ``model, windows, coverage, hit_rate, pai, pei, n_windows`` (means over
        windows and origins).
    curve : pandas.DataFrame
        ``model, windows, coverage, hit_rate``: mean hit rate on a fine grid of
        area shares (:data:`CURVE_COVERAGES`), for the hit-rate curve.
    per_origin : pandas.DataFrame
        The table's metrics per origin as well (``origin`` column).
    per_window : pandas.DataFrame
        ``origin, model, windows, window_start, coverage, hit_rate, pai, pei``:
        every scored window (the table averages these).
    choices : pandas.DataFrame
        ``origin, model, chosen, reason``: what a selecting model (``auto``)
        chose at each origin (empty without one).
    """

    table: pd.DataFrame
    curve: pd.DataFrame
    per_origin: pd.DataFrame
    per_window: pd.DataFrame = field(default_factory=pd.DataFrame)
    choices: pd.DataFrame = field(default_factory=pd.DataFrame)

    def ratios(self, *, model: str = fc.DEFAULT_MODEL,
               baselines: Sequence[str] = fc.BASELINES) -> pd.DataFrame:
        """Hit rate of ``model`` over the best baseline at each windows × coverage."""
        t = self.table
        base = t[t["model"].isin(list(baselines))]
        best = base.loc[base.groupby(["windows", "coverage"])["hit_rate"].idxmax()]
        mine = t[t["model"] == model].set_index(["windows", "coverage"])["hit_rate"]
        out = best.set_index(["windows", "coverage"])[["model", "hit_rate"]].rename(
            columns={"model": "best_baseline", "hit_rate": "baseline_hit_rate"})
        out["model_hit_rate"] = mine
        out["ratio"] = out["model_hit_rate"] / out["baseline_hit_rate"]
        return out.reset_index()


def metric_table(result: BacktestResult, *, metric: str = "hit_rate", windows: str = "shift",
                 models: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per model, one column per coverage, for one metric and window kind.

    Parameters
    ----------
    result
        A backtest.
    metric
        ``hit_rate``, ``pai`` or ``pei``.
    windows
        ``shift``, ``hourly`` or ``week``.
    models
        Models to keep, in this order (default: those in the result, table order).

    Returns
    -------
    pandas.DataFrame
        ``model``, one float column per coverage (the area share, e.g. ``0.01``)
        and ``n_windows``; models missing from the result are left out.
    """
    if metric not in ("hit_rate", "pai", "pei"):
        msg = f"Métrica desconocida: {metric!r} (hit_rate, pai o pei)."
        raise IncidentSchemaError(msg)
    t = result.table[result.table["windows"] == windows]
    order = list(dict.fromkeys(t["model"])) if models is None else list(models)
    wide = t.pivot_table(index="model", columns="coverage", values=metric, aggfunc="first")
    n = t.groupby("model")["n_windows"].max()
    out = wide.reindex([m for m in order if m in wide.index])
    out.columns = [float(c) for c in out.columns]
    out["n_windows"] = n.reindex(out.index).astype("int64")
    return out.rename_axis(None, axis=1).reset_index()


def hit_rate_curve(result: BacktestResult, *, windows: str = "shift",
                   models: Sequence[str] | None = None) -> pd.DataFrame:
    """Hit rate versus flagged area share, one row per model and coverage."""
    c = result.curve[result.curve["windows"] == windows]
    if models is not None:
        c = c[c["model"].isin(list(models))]
    return c.reset_index(drop=True)


def backtest(incidents: pd.DataFrame | fc.BinnedIncidents, *, origins: Sequence[object],
             horizon_days: int = fc.HORIZON_DAYS, resolution: int = settings.H3_RESOLUTION,
             windows: str | Sequence[str] = ("shift", "week"),
             models: Sequence[str] = (*fc.BASELINES, fc.DEFAULT_MODEL),
             coverages: Sequence[float] = COVERAGES,
             shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS,
             crime_group: str | None = None, country: str = fc.HOLIDAY_COUNTRY,
             seed: int = 0) -> BacktestResult:
    """Rolling-origin backtest of cell forecasts.

    For each origin the models are fitted on incidents strictly before it
    (exactly as :func:`analytics.forecast.forecast_cells` does) and scored on
    the windows of the next ``horizon_days`` days. See the module notes for the
    metrics.

    Parameters
    ----------
    incidents
        Canonical incidents, or :func:`analytics.forecast.bin_incidents` output.
    origins
        Cut-off days (00:00 local).
    windows
        ``"shift"``, ``"hourly"``, ``"week"`` or several of them.
    models
        Model names (``"default"`` allowed).
    seed
        Seed of the tie-breaking and of the models.
    """
    kinds = [windows] if isinstance(windows, str) else list(windows)
    problems = []
    bad = [k for k in kinds if k not in fc.WINDOW_KINDS]
    if bad or not kinds:
        problems.append(f"ventanas desconocidas: {bad} (shift, hourly o week)")
    bad_m = [m for m in models if m != "default" and m not in fc.MODEL_NAMES]
    if bad_m or not models:
        problems.append(f"modelos desconocidos: {bad_m} (default, {', '.join(fc.MODEL_NAMES)})")
    cuts = [parse_cutoff(o, problems) for o in origins]
    if not cuts:
        problems.append("se necesita al menos un origen")
    if any(not (0 < c <= 1) for c in coverages):
        problems.append("las coberturas deben estar entre 0 y 1")
    if problems:
        raise IncidentSchemaError("Parámetros de evaluación no válidos: " + "; ".join(problems)
                                  + ".")
    if isinstance(incidents, fc.BinnedIncidents):
        binned = incidents
    else:
        binned = fc.bin_incidents(incidents, resolution=resolution, shifts=shifts,
                                  crime_group=crime_group)
    rng = np.random.default_rng(seed)
    grid = np.array(CURVE_COVERAGES)
    cov = np.array(coverages, dtype=float)
    rows: list[tuple[object, ...]] = []
    curve_rows: list[tuple[str, str, np.ndarray]] = []
    choices: list[tuple[object, ...]] = []
    for cut in sorted(cuts):  # type: ignore[type-var]
        history = fc.incidents_to_history(binned, train_until=cut, country=country)
        for name in models:
            label = fc.DEFAULT_MODEL if name == "default" else name
            model = fc.make_model(name, seed=seed).fit(history)
            evidence = getattr(model, "evidence_", None)
            if evidence is not None:
                choices.append((cut, label, evidence.chosen, evidence.reason))
            for kind in kinds:
                exp, starts, ends = fc.windows_to_array(history, model, train_until=cut,
                                                        horizon_days=horizon_days,
                                                        windows=kind)  # type: ignore[arg-type]
                act, tot = actual_counts(binned, history.cells, starts, ends)
                sc = window_scores(exp, act, tot, coverages=np.r_[cov, grid], rng=rng)
                for w in range(sc.shape[0]):
                    for j, c in enumerate(cov):
                        rows.append((cut, label, kind, starts[w], c, *sc[w, j]))
                    curve_rows.append((label, kind, sc[w, len(cov):, 0]))
    per_window = pd.DataFrame(rows, columns=["origin", "model", "windows", "window_start",
                                             "coverage", "hit_rate", "pai", "pei"])
    per = per_window.drop(columns="window_start")
    keys = ["model", "windows", "coverage"]
    table = per.groupby(keys, sort=False).agg(
        hit_rate=("hit_rate", "mean"), pai=("pai", "mean"), pei=("pei", "mean"),
        n_windows=("hit_rate", "count")).reset_index()
    per_origin = per.groupby(["origin", *keys], sort=False)[["hit_rate", "pai", "pei"]].mean(
    ).reset_index()
    cdf = pd.DataFrame([(m, k, c, v) for m, k, arr in curve_rows
                        for c, v in zip(grid, arr, strict=True)],
                       columns=["model", "windows", "coverage", "hit_rate"])
    curve = cdf.groupby(["model", "windows", "coverage"], sort=False)["hit_rate"].mean(
    ).reset_index()
    return BacktestResult(table=table, curve=curve, per_origin=per_origin,
                          per_window=per_window,
                          choices=pd.DataFrame(choices, columns=["origin", "model", "chosen",
                                                                 "reason"]))
