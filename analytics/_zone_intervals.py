"""Honest integer intervals for zone forecasts (plumbing of :mod:`analytics.zone_forecast`).

Negative-binomial dispersion from backtest residuals, a factor per lead week,
and quantile levels calibrated on the backtest so that integer bounds cover
what they claim (see the "Intervals" notes of :mod:`analytics.zone_forecast`).
"""

from __future__ import annotations

from typing import Final

import numpy as np

#: Standard errors of the backtest coverage added to the calibration target.
CALIBRATION_MARGIN_SE: Final = 0.5


def dispersion(y: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-zone NB dispersion φ (var = μ + φμ²) from backtest days, shrunk to the pool."""
    excess = ((y - mu) ** 2 - mu).sum(axis=1)
    info = (mu**2).sum(axis=1)
    pool = float(max(0.0, excess.sum() / info.sum())) if info.sum() > 0 else 0.0
    pos = info[info > 0]
    tau = float(np.median(pos)) if len(pos) else 1.0
    phi = np.clip((excess + tau * pool) / (info + tau), 0.0, None)
    return phi, pool


def lead_factors(y: np.ndarray, mu: np.ndarray, *, step: int) -> np.ndarray:
    """Dispersion multiplier per lead week (1st, 2nd, … week after an origin), pooled.

    Level errors grow with the lead, so one φ for all leads would make short
    horizons over-cover and long ones under-cover. Each week's pooled moment
    estimate is divided by the all-leads one (clipped to [1/4, 4]; 1 when the
    pool shows no over-dispersion).
    """
    n_weeks = max(1, -(-step // 7))
    week = (np.arange(y.shape[1]) % step) // 7
    _phi, pool = dispersion(y, mu)
    out = np.ones(n_weeks)
    if pool <= 0:
        return out
    for w in range(n_weeks):
        cols = week == w
        _p, pw = dispersion(y[:, cols], mu[:, cols])
        out[w] = float(np.clip(pw / pool, 0.25, 4.0))
    return out


def lead_weeks(n_windows: int, per_day: int, n_weeks: int) -> np.ndarray:
    """Lead week of each window column (windows of one day are contiguous)."""
    day = np.arange(n_windows) // per_day
    return np.minimum(day // 7, n_weeks - 1)


def nb_cdf(x: np.ndarray, mu: np.ndarray, phi: np.ndarray) -> np.ndarray:
    from scipy.stats import nbinom, poisson

    x = np.asarray(x, dtype=np.float64)
    mu = np.maximum(np.asarray(mu, dtype=np.float64), 0.0)
    phi = np.broadcast_to(np.asarray(phi, dtype=np.float64), mu.shape)
    out = np.where(x >= 0, 1.0, 0.0)
    pos = mu > 0
    nb = pos & (phi > 1e-9)
    po = pos & ~nb
    if po.any():
        out[po] = poisson.cdf(x[po], mu[po])
    if nb.any():
        k = 1.0 / phi[nb]
        out[nb] = nbinom.cdf(x[nb], k, k / (k + mu[nb]))
    return out


def nb_ppf(q: float, mu: np.ndarray, phi: np.ndarray) -> np.ndarray:
    from scipy.stats import nbinom, poisson

    mu = np.maximum(np.asarray(mu, dtype=np.float64), 0.0)
    phi = np.broadcast_to(np.asarray(phi, dtype=np.float64), mu.shape)
    out = np.zeros(mu.shape)
    pos = mu > 0
    nb = pos & (phi > 1e-9)
    po = pos & ~nb
    if po.any():
        out[po] = poisson.ppf(q, mu[po])
    if nb.any():
        k = 1.0 / phi[nb]
        out[nb] = nbinom.ppf(q, k, k / (k + mu[nb]))
    return np.nan_to_num(out, nan=0.0, posinf=0.0).astype(np.int64)


def calibration_target(interval: float, *, n_zones: int, n_origins: int,
                       weeks_per_origin: int) -> float:
    """Coverage the backtest calibration aims at: ``interval`` plus half a standard error.

    The standard error is that of a coverage share estimated on the backtest,
    counting each zone-week as one observation (days of a week share their
    level error): ``sqrt(p (1 - p) / (zones × origins × weeks per origin))``.
    A backtest of three zones thus aims at about 0.83 for an 80 % interval,
    one of 140 zones at 0.80, so a small backtest errs on the wide side.
    """
    n_eff = max(1, n_zones * n_origins * weeks_per_origin)
    se = np.sqrt(interval * (1.0 - interval) / n_eff)
    return float(min(0.99, interval + CALIBRATION_MARGIN_SE * se))


def calibrate_levels(y: np.ndarray, mu: np.ndarray, phi: np.ndarray, *,
                     interval: float) -> tuple[float, float]:
    """NB quantile levels whose integer bounds leave at most ``1 - interval`` of ``y`` outside.

    ``y < Q(a)`` exactly when ``F(y) < a``, and ``y > Q(b)`` when
    ``F(y - 1) >= b`` (``F`` the NB distribution function), so the share of
    backtest counts below or above is read from two CDF values per window for
    every candidate level. The lower level leaves as close to (but not more
    than) ``(1 - interval) / 2`` below; the upper level then leaves as close as
    possible to the rest of ``1 - interval`` above, without exceeding it. With
    sparse counts the lower bound is 0 and cannot miss, so the upper tail takes
    the whole ``1 - interval`` instead of over-covering. Ties go to the level
    nearest the nominal one.
    """
    tail = (1.0 - interval) / 2.0
    y = np.asarray(y, dtype=np.float64).ravel()
    if y.size == 0:
        return tail, 1.0 - tail
    mu = np.asarray(mu, dtype=np.float64).ravel()
    ph = np.asarray(phi, dtype=np.float64).ravel()
    f_y = np.sort(nb_cdf(y, mu, ph))
    f_below = np.sort(nb_cdf(y - 1.0, mu, ph))
    eps = 1e-9
    grid = np.round(np.arange(0.001, 0.5, 0.001), 6)
    below = np.searchsorted(f_y, grid, side="left") / y.size  # share with F(y) < a
    ok = below <= tail + eps
    if not ok.any():
        ok = below <= below.min() + eps
    best = below[ok].max()
    cand = grid[ok & (below >= best - eps)]
    a = float(cand[np.argmin(np.abs(cand - tail))])
    room = (1.0 - interval) - best
    hi = np.round(1.0 - grid, 6)
    above = 1.0 - np.searchsorted(f_below, hi, side="left") / y.size  # share with F(y-1) >= b
    ok = above <= room + eps
    if not ok.any():
        ok = above <= above.min() + eps
    top = above[ok].max()
    cand = hi[ok & (above >= top - eps)]
    b = float(cand[np.argmin(np.abs(cand - (1.0 - tail)))])
    return a, b

