"""Emerging hot spots: Gi* per time slice, Mann-Kendall trends and ESRI's categories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError, InsufficientHistoryError
from analytics.hotspots._weights import (
    _check_k,
    _two_sided_norm,
    cells_to_region,
    cells_to_weights,
    fdr_adjust,
)
from analytics.hotspots.getis_ord import _gi_star_matrix

_EMERGING_KINDS = (
    ("new", "nuevo"),
    ("consecutive", "consecutivo"),
    ("intensifying", "intensificándose"),
    ("persistent", "persistente"),
    ("diminishing", "disminuyendo"),
    ("sporadic", "esporádico"),
    ("oscillating", "oscilante"),
    ("historical", "histórico"),
)


#: Emerging hot spot category key -> Spanish label.
EMERGING_LABELS = MappingProxyType({
    **{f"{k}_hot": f"punto caliente {v}" for k, v in _EMERGING_KINDS},
    **{f"{k}_cold": f"punto frío {v}" for k, v in _EMERGING_KINDS},
    "no_pattern": "sin patrón",
})


#: Fewest time slices for an emerging hot spot analysis (ESRI asks for 10).
_MIN_PERIODS = 10


#: Share of slices that makes a location persistent / historical (ESRI: 90 %).
_MOSTLY = 0.9


# --------------------------------------------------------------------------
# Mann–Kendall trend test
# --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class MannKendallResult:
    """Mann–Kendall trend test for each row of a matrix.

    Attributes
    ----------
    s : numpy.ndarray
        Kendall S = sum of sign(x_j - x_i) over i < j.
    var_s : numpy.ndarray
        Variance of S under no trend, corrected for ties.
    z : numpy.ndarray
        Continuity-corrected normal score ((S - sign S) / sqrt(var S)).
    p : numpy.ndarray
        Two-sided p-value.
    tau : numpy.ndarray
        Kendall's tau (S divided by the number of pairs).
    trend : numpy.ndarray
        +1 significant increase, -1 significant decrease, 0 none (at ``alpha``).
    """

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    trend: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per series: s, var_s, z, p, tau, trend."""
        return pd.DataFrame({"s": self.s, "var_s": self.var_s, "z": self.z, "p": self.p,
                             "tau": self.tau, "trend": self.trend})


def mann_kendall(series: np.ndarray | Sequence[float] | pd.DataFrame, *,
                 alpha: float = settings.ALPHA) -> MannKendallResult:
    """Mann–Kendall test on each row, vectorised (pymannkendall ``original_test``).

    Parameters
    ----------
    series
        One series (1-D) or one series per row (2-D), in time order, no NaN.
    alpha
        Significance level of ``trend``.

    Returns
    -------
    MannKendallResult
        Arrays of one value per row.
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    problems = []
    if x.ndim != 2:
        problems.append("La serie debe ser un vector o una matriz (una serie por fila).")
    elif x.shape[1] < 3:
        problems.append("La prueba de Mann–Kendall necesita al menos 3 períodos.")
    if np.isnan(x).any():
        problems.append("La serie contiene valores vacíos.")
    if problems:
        raise InsufficientHistoryError(" ".join(problems))
    rows, t = x.shape
    s = np.zeros(rows)
    for lag in range(1, t):
        s += np.sign(x[:, lag:] - x[:, :-lag]).sum(axis=1)
    # ties: sum over groups of equal values of g(g - 1)(2g + 5)
    srt = np.sort(x, axis=1)
    new_group = np.ones_like(srt, dtype=bool)
    new_group[:, 1:] = srt[:, 1:] != srt[:, :-1]
    group_id = np.cumsum(new_group.ravel()) - 1
    sizes = np.bincount(group_id).astype(np.float64)
    group_row = np.repeat(np.arange(rows), new_group.sum(axis=1))
    tie_term = np.bincount(group_row, weights=sizes * (sizes - 1) * (2 * sizes + 5),
                           minlength=rows)
    var_s = (t * (t - 1) * (2 * t + 5) - tie_term) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_s > 0, (s - np.sign(s)) / np.sqrt(var_s), 0.0)
    p = _two_sided_norm(z)
    tau = s / (0.5 * t * (t - 1))
    trend = np.where(p < alpha, np.sign(z), 0).astype(np.int8)
    return MannKendallResult(s=s, var_s=var_s, z=z, p=p, tau=tau, trend=trend)


# --------------------------------------------------------------------------
# Emerging hot spots (space-time cube)
# --------------------------------------------------------------------------

_PERIOD_FREQ = {"W": "W-SUN", "M": "M"}


def incidents_to_cube(incidents: pd.DataFrame, *, resolution: int = settings.H3_RESOLUTION,
                      period: Literal["W", "M"] = "W") -> pd.DataFrame:
    """Count incidents per H3 cell × week (Monday start) or month.

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at`` and ``h3_r12`` or ``lat``/``lon``).
    resolution
        H3 resolution of the cells.
    period
        ``"W"`` (weeks starting on Monday) or ``"M"`` (calendar months).

    Returns
    -------
    pandas.DataFrame
        ``h3`` (uint64), ``period`` (start of the week/month), ``count``;
        non-empty combinations only.
    """
    if period not in _PERIOD_FREQ:
        raise IncidentSchemaError(f"Período desconocido: {period!r} (use 'W' o 'M').")
    if "occurred_at" not in incidents.columns:
        raise IncidentSchemaError("Falta la columna 'occurred_at'.")
    df = hexbin.incidents_to_cells(incidents, resolution=resolution, column="h3")
    ts = pd.to_datetime(df["occurred_at"])
    if ts.isna().any():
        raise IncidentSchemaError(f"{int(ts.isna().sum())} incidentes sin fecha.")
    df["period"] = ts.dt.to_period(_PERIOD_FREQ[period]).dt.start_time
    out = df.groupby(["h3", "period"], sort=True).size().rename("count").reset_index()
    out["count"] = out["count"].astype("int64")
    return out


@dataclass(frozen=True, eq=False)
class EmergingResult:
    """Emerging hot spot analysis: Gi* per cell × slice plus trend and category.

    Attributes
    ----------
    cells : numpy.ndarray
        ``uint64`` cells (rows of the matrices).
    periods : pandas.DatetimeIndex
        Start of each time slice (columns), consecutive.
    counts, z, p : numpy.ndarray
        Cells × slices: counts, Gi* z-scores and the p-values used (two-sided
        analytical, FDR-adjusted per slice when requested).
    trend : MannKendallResult
        Mann–Kendall test on each cell's Gi* z series.
    key : numpy.ndarray
        Category key per cell (:data:`EMERGING_LABELS`).
    observed : numpy.ndarray
        ``True`` for cells with at least one incident.
    """

    cells: np.ndarray
    periods: pd.DatetimeIndex
    counts: np.ndarray
    z: np.ndarray
    p: np.ndarray
    trend: MannKendallResult
    key: np.ndarray
    observed: np.ndarray
    alpha: float
    k: int

    @property
    def label(self) -> np.ndarray:
        """Spanish label per cell."""
        return np.array([EMERGING_LABELS[k] for k in self.key], dtype=object)

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: category, trend and summary of the z series."""
        sig = self.p < self.alpha
        return pd.DataFrame({
            "h3": self.cells, "key": self.key, "label": self.label,
            "observed": self.observed, "total": self.counts.sum(axis=1),
            "hot_periods": (sig & (self.z > 0)).sum(axis=1),
            "cold_periods": (sig & (self.z < 0)).sum(axis=1),
            "z_last": self.z[:, -1], "p_last": self.p[:, -1],
            "trend_tau": self.trend.tau, "trend_z": self.trend.z, "trend_p": self.trend.p,
        })

    def cube_frame(self) -> pd.DataFrame:
        """Long table cell × slice: h3, period, count, z, p."""
        n, t = self.z.shape
        return pd.DataFrame({
            "h3": np.repeat(self.cells, t), "period": np.tile(self.periods.to_numpy(), n),
            "count": self.counts.ravel(), "z": self.z.ravel(), "p": self.p.ravel(),
        })


def _trailing_run(mask: np.ndarray) -> np.ndarray:
    """Length of the run of ``True`` that ends each row."""
    t = mask.shape[1]
    rev = ~mask[:, ::-1]
    return np.asarray(np.where(rev.any(axis=1), rev.argmax(axis=1), t))


def classify_emerging(z: np.ndarray, p: np.ndarray, *, alpha: float = settings.ALPHA,
                      trend_alpha: float | None = None) -> np.ndarray:
    """Emerging hot spot category of each row of a cells × slices Gi* matrix.

    A bin is hot when ``p < alpha`` and ``z > 0``, cold when ``p < alpha`` and
    ``z < 0``. "Mostly" means at least 90 % of the slices. The trend is a
    Mann–Kendall test on the row's z series at ``trend_alpha`` (default
    ``alpha``). Rules (ESRI, "How Emerging Hot Spot Analysis works"), for hot
    spots; cold spots mirror them (an intensifying cold spot has a
    significant *downward* z trend):

    - **histórico**: mostly hot, but the last slice is not hot.
    - **intensificándose**: mostly hot including the last slice, significant
      upward trend.
    - **disminuyendo**: mostly hot including the last slice, significant
      downward trend.
    - **persistente**: mostly hot including the last slice, no significant trend.
    - **nuevo**: hot in the last slice only; never significant (hot or cold)
      before.
    - **consecutivo**: a single run of two or more hot slices at the end;
      never significant before the run; not mostly hot.
    - **oscilante**: hot in the last slice, cold in some earlier slice; not
      mostly hot.
    - **esporádico**: hot in the last slice and in some earlier slice not
      adjoining the final run, never cold; not mostly hot.
    - **sin patrón**: none of the above (e.g. hot only in the middle of the
      period, or never significant).

    ESRI's text does not say whether a location cold before and hot now is
    new or oscillating; here it is oscilante (the sfdep choice), which keeps
    the categories exclusive. Hot categories are tested before cold ones.

    Parameters
    ----------
    z, p
        Cells × slices Gi* z-scores and p-values, slices in time order.
    alpha
        Significance of a bin.
    trend_alpha
        Significance of the Mann–Kendall trend (default ``alpha``).

    Returns
    -------
    numpy.ndarray
        Category keys (object array), one per row.
    """
    z = np.atleast_2d(np.asarray(z, dtype=np.float64))
    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    if z.shape != p.shape:
        raise IncidentSchemaError("z y p deben tener la misma forma.")
    t = z.shape[1]
    trend = mann_kendall(z, alpha=alpha if trend_alpha is None else trend_alpha).trend
    sig = p < alpha
    keys = np.full(z.shape[0], "no_pattern", dtype=object)
    for sign, suffix in ((-1, "_cold"), (1, "_hot")):  # hot last: it wins ties of rules
        this = sig & (np.sign(z) == sign)
        other = sig & (np.sign(z) == -sign)
        n_this = this.sum(axis=1)
        mostly = 10 * n_this >= 9 * t  # >= 90 % without float rounding
        last = this[:, -1]
        run = _trailing_run(this)
        sig_before_run = sig.sum(axis=1) - run > 0
        this_before_run = n_this - run > 0
        conditions = [
            mostly & ~last,
            mostly & last & (trend == sign),
            mostly & last & (trend == -sign),
            mostly & last,
            last & (run == 1) & ~sig_before_run,
            last & (run >= 2) & ~sig_before_run,
            last & other.any(axis=1),
            last & this_before_run & ~other.any(axis=1),
        ]
        choices = ["historical", "intensifying", "diminishing", "persistent",
                   "new", "consecutive", "oscillating", "sporadic"]
        kind = np.select(conditions, choices, default="")
        hit = kind != ""
        keys[hit] = np.char.add(kind[hit].astype(str), suffix).astype(object)
    return keys


def _cube_from_input(data: pd.DataFrame, *, resolution: int, period: Literal["W", "M"]
                     ) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    if not isinstance(data, pd.DataFrame):
        raise IncidentSchemaError("Se esperaba una tabla de incidentes o un cubo espacio-tiempo.")
    if {"h3", "period", "count"} <= set(data.columns):
        cube = data[["h3", "period", "count"]].copy()
        problems = []
        if cube.isna().any().any():
            problems.append("El cubo tiene valores vacíos.")
        elif (pd.to_numeric(cube["count"]) < 0).any():
            problems.append("El cubo tiene conteos negativos.")
        if problems:
            raise IncidentSchemaError(" ".join(problems))
        cube["period"] = pd.to_datetime(cube["period"])
        cube = cube.groupby(["h3", "period"], sort=True)["count"].sum().reset_index()
    else:
        cube = incidents_to_cube(data, resolution=resolution, period=period)
    if cube.empty:
        raise InsufficientHistoryError("No hay incidentes para el análisis emergente.")
    freq = "W-MON" if period == "W" else "MS"
    periods = pd.date_range(cube["period"].min(), cube["period"].max(), freq=freq)
    if not pd.Index(cube["period"].unique()).isin(periods).all():
        msg = ("Los períodos del cubo no son semanas (inicio lunes) o meses (día 1) "
               "consecutivos.")
        raise IncidentSchemaError(msg)
    return cube, periods


def emerging_hotspots(incidents_or_cube: pd.DataFrame, *,
                      resolution: int = settings.H3_RESOLUTION,
                      period: Literal["W", "M"] = "W", k: int = 1,
                      alpha: float = settings.ALPHA, trend_alpha: float | None = None,
                      use_fdr: bool = False, fill_empty: bool = True,
                      region: np.ndarray | Sequence[int] | None = None,
                      window: int = 0, min_periods: int = _MIN_PERIODS) -> EmergingResult:
    """Emerging hot spot analysis over a cell × week (or month) cube.

    Builds the cube (every cell of the study region × every slice from the
    first to the last non-empty one, zeros included), computes Gi* in each
    slice with analytical z-scores (weights and study region as in
    :func:`gi_star`; each slice uses its own mean and variance, and a slice
    without variation gives z = 0), tests the trend of each cell's z series
    with :func:`mann_kendall` and labels each cell with
    :func:`classify_emerging`. With ``window=0`` slices are purely spatial;
    ``window=w`` adds the counts of the ``w`` preceding slices to each slice
    (a rolling sum, shorter for the first slices) before Gi*, which steadies
    weekly data. ESRI's space-time window is similar but judges each bin
    against the mean and variance of the whole cube. A partial last week or
    month counts as a full one, so cut the data at a period boundary.

    Parameters
    ----------
    incidents_or_cube
        Canonical incidents, or a cube with columns ``h3``, ``period``
        (slice start) and ``count`` (see :func:`incidents_to_cube`).
    resolution
        H3 resolution when incidents are given.
    period
        ``"W"`` (weeks, Monday start) or ``"M"`` (months).
    k
        Neighbourhood rings.
    alpha
        Significance of a hot or cold bin.
    trend_alpha
        Significance of the Mann–Kendall trend (default ``alpha``).
    use_fdr
        Adjust the p-values of each slice with Benjamini–Hochberg.
    fill_empty, region
        Study region, as in :func:`gi_star`.
    min_periods
        Fewest slices accepted (ESRI requires 10).
    window
        Preceding slices added to each slice before Gi* (0: none).

    Returns
    -------
    EmergingResult
        Matrices, trend and category per cell.
    """
    problems: list[str] = []
    _check_k(k, problems)
    if period not in _PERIOD_FREQ:
        problems.append(f"Período desconocido: {period!r} (use 'W' o 'M').")
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 0:
        problems.append(f"window debe ser un entero mayor o igual a 0 (recibido {window!r}).")
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    cube, periods = _cube_from_input(incidents_or_cube, resolution=resolution, period=period)
    t = periods.size
    if t < max(min_periods, 3):
        unit = "semanas" if period == "W" else "meses"
        msg = (f"El análisis emergente necesita al menos {max(min_periods, 3)} {unit} "
               f"de datos (hay {t}).")
        raise InsufficientHistoryError(msg)
    observed_cells = np.unique(hexbin.to_cells(cube["h3"].to_numpy()))
    if fill_empty:
        cells = cells_to_region(observed_cells, k=k)
    else:
        cells = observed_cells
    if region is not None:
        cells = np.union1d(cells, hexbin.to_cells(region))
    if cells.size < 3:
        raise InsufficientHistoryError(
            f"Se necesitan al menos 3 celdas para este análisis (hay {cells.size}).")
    y = np.zeros((cells.size, t))
    rows = np.searchsorted(cells, hexbin.to_cells(cube["h3"].to_numpy()))
    cols = periods.get_indexer(pd.DatetimeIndex(cube["period"]))
    np.add.at(y, (rows, cols), cube["count"].to_numpy(dtype=np.float64))
    w = cells_to_weights(cells, k=k)
    w_self = (w + sparse.identity(cells.size, format="csr")).tocsr()
    if window:
        csum = np.cumsum(y, axis=1)
        lagged = np.zeros_like(csum)
        lagged[:, window + 1:] = csum[:, :-(window + 1)]
        _, z = _gi_star_matrix(w_self, csum - lagged)
    else:
        _, z = _gi_star_matrix(w_self, y)
    p = _two_sided_norm(z)
    if use_fdr:
        p = np.column_stack([fdr_adjust(p[:, j]) for j in range(t)])
    ta = alpha if trend_alpha is None else trend_alpha
    trend = mann_kendall(z, alpha=ta)
    keys = classify_emerging(z, p, alpha=alpha, trend_alpha=ta)
    observed = np.isin(cells, observed_cells)
    return EmergingResult(cells=cells, periods=periods, counts=y, z=z, p=p, trend=trend,
                          key=keys, observed=observed, alpha=float(alpha), k=int(k))
