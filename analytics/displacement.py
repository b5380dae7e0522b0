"""Statistics for place-based interventions: effect sizes, displacement, calibration.

Pure numeric functions on counts; :mod:`analytics.interventions` places incidents in
the areas and calls them. Every pair of counts is ``(before, after)``.

Conventions (checked against the published examples in ``tests/test_interventions.py``):

- **Relative effect size** (Farrington & Welsh): with ``a, b`` the treated counts
  before/after and ``c, d`` the control counts before/after, ``RES = (a·d)/(b·c)`` and
  ``Var(ln RES) = 1/a + 1/b + 1/c + 1/d``. ``RES > 1`` means the treated area improved
  relative to the control (treated 207 → 110, control 308 → 318 gives 1.943, 95 % CI
  1.469–2.569). Vigía reports it as a percent change of the treated area relative to the
  control, ``effect_pct = (1/RES − 1)·100``: a reduction is negative (−48.5 % there).
- **Weighted displacement quotient** (Bowers & Johnson 2003):
  ``WDQ = (D_a/C_a − D_b/C_b) / (R_a/C_a − R_b/C_b)`` (0.258 for the same counts with the
  buffer 178 → 157).
- **Total net effect** (Bowers & Johnson; Ratcliffe et al. 2011):
  ``[R_b·C_a/C_b − R_a] + [D_b·C_a/C_b − D_a]``, incidents prevented net of displacement
  (positive: fewer incidents than the control's trend predicts).
- **Weighted displacement difference** (Wheeler & Ratcliffe 2018):
  ``WDD = ΔT − ΔCt + ΔD − ΔCd`` with ``Var = T_b + T_a + Ct_b + Ct_a + D_b + D_a + Cd_b +
  Cd_a`` (Poisson); negative means fewer incidents. With a single, larger control (the
  rest of the district) :func:`weighted_displacement_difference_one_control` rescales it
  to each area's before count; then ``WDD = −total net effect``.
- **Monthly count model** (:func:`did_fit`): monthly counts of an area ``y_t`` with the
  control's monthly counts ``C_t`` as exposure, ``log E[y_t] = log C_t + θ_b + β·post_t``,
  negative binomial (NB2, ``Var = μ + α μ²``) with ``α`` from the Pearson moment equation
  (Cameron & Trivedi). The control absorbs the common calendar (seasonality, city-wide
  trend). ``β`` is the log of the ratio of ratios, as in the RES; its variance adds the
  control's Poisson noise ``1/ΣC_b + 1/ΣC_a``.
- **Drift calibration** (:func:`drift_variance`): untouched areas change relative to the
  city far more than Poisson or month-to-month noise allows (in Philadelphia a random area's
  ratio to the rest of the city moves ±10–25 % from one year to the next). The same fit on
  placebo areas (the target's shape moved elsewhere in the data) estimates that between-area
  variance ``τ²`` (DerSimonian–Laird), which is added to the target's variance.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from analytics import settings
from analytics._errors import InsufficientHistoryError

#: ``(before, after)`` counts of one area.
Counts = tuple[float, float]

#: WDQ values within ±this band are read as "neither displacement nor diffusion".
WDQ_NEUTRAL: Final = 0.1
#: Continuity correction used when a period total is zero (a log needs a positive count).
ZERO_COUNT: Final = 0.5
_NEWTON_STEPS: Final = 25
_BISECT_STEPS: Final = 60


def normal_quantile(alpha: float) -> float:
    """``z`` of a two-sided ``1 − alpha`` normal interval (1.96 for 0.05)."""
    return float(stats.norm.ppf(1.0 - alpha / 2.0))


def _pair(counts: Counts, name: str, problems: list[str]) -> tuple[float, float]:
    try:
        b, a = float(counts[0]), float(counts[1])
    except (TypeError, ValueError, IndexError):
        problems.append(f"{name}: se esperaban dos conteos (antes, después).")
        return math.nan, math.nan
    if not (math.isfinite(b) and math.isfinite(a)) or b < 0 or a < 0:
        problems.append(f"{name}: los conteos deben ser números no negativos ({b}, {a}).")
    return b, a


def _raise(problems: list[str]) -> None:
    if problems:
        msg = " ".join(problems)
        raise InsufficientHistoryError(msg)


# --------------------------------------------------------------------------- RES
@dataclass(frozen=True)
class EffectSize:
    """Relative effect size of a treated area against a control (Farrington & Welsh).

    Attributes
    ----------
    res, res_low, res_high
        ``RES = (a·d)/(b·c)`` and its confidence interval (``> 1``: the treated area
        improved relative to the control).
    log_se
        Standard error of ``ln RES``.
    effect_pct, ci_low_pct, ci_high_pct
        Change of the treated area relative to the control, percent
        (``(1/RES − 1)·100``; negative: reduction) and its interval.
    """

    res: float
    res_low: float
    res_high: float
    log_se: float
    effect_pct: float
    ci_low_pct: float
    ci_high_pct: float

    def to_dict(self) -> dict[str, float]:
        """Plain dict (JSON-ready)."""
        return asdict(self)


def relative_effect_size(treated: Counts, control: Counts, *,
                         alpha: float = settings.ALPHA) -> EffectSize:
    """Relative effect size on totals with its ``1 − alpha`` interval.

    Parameters
    ----------
    treated, control
        ``(before, after)`` counts (letters ``a, b`` and ``c, d``).
    alpha
        Two-sided level (0.05: 95 % interval).

    Returns
    -------
    EffectSize

    Raises
    ------
    InsufficientHistoryError
        A count is zero or negative (the log ratio is undefined).
    """
    problems: list[str] = []
    a, b = _pair(treated, "área intervenida", problems)
    c, d = _pair(control, "zona de control", problems)
    if not problems and min(a, b, c, d) <= 0:
        problems.append(f"No se puede calcular el RES con un conteo cero (área {a:g} → {b:g}, "
                        f"control {c:g} → {d:g}).")
    _raise(problems)
    log_res = math.log(a * d / (b * c))
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = normal_quantile(alpha)
    lo, hi = math.exp(log_res - z * se), math.exp(log_res + z * se)
    res = math.exp(log_res)
    return EffectSize(res=res, res_low=lo, res_high=hi, log_se=se,
                      effect_pct=(1 / res - 1) * 100, ci_low_pct=(1 / hi - 1) * 100,
                      ci_high_pct=(1 / lo - 1) * 100)


# --------------------------------------------------------------------------- WDQ / TNE
def weighted_displacement_quotient(treated: Counts, buffer: Counts,
                                   control: Counts) -> float | None:
    """Bowers & Johnson's weighted displacement quotient.

    ``None`` when undefined: the treated area did not change relative to the control, or
    a control total is zero.
    """
    problems: list[str] = []
    rb, ra = _pair(treated, "área intervenida", problems)
    db, da = _pair(buffer, "anillo", problems)
    cb, ca = _pair(control, "zona de control", problems)
    _raise(problems)
    if cb <= 0 or ca <= 0:
        return None
    success = ra / ca - rb / cb
    if abs(success) < 1e-12:
        return None
    return (da / ca - db / cb) / success


def wdq_reading(wdq: float | None, *, treated: Counts, control: Counts) -> tuple[str, str]:
    """Classify a WDQ (Bowers & Johnson's reading) as ``(key, Spanish text)``.

    The quotient is read only when the treated area fell relative to the control (the
    denominator is negative); ``|WDQ| <= WDQ_NEUTRAL`` is read as neither effect.
    Keys: ``indefinido, no_aplica, difusion, neutro, desplazamiento_parcial,
    desplazamiento_mayor``.
    """
    rb, ra = float(treated[0]), float(treated[1])
    cb, ca = float(control[0]), float(control[1])
    if wdq is None or cb <= 0 or ca <= 0:
        return ("indefinido", "WDQ indefinido: el área no cambió frente al control, no hay "
                              "efecto directo que comparar con el anillo")
    if ra / ca - rb / cb > 0:
        return ("no_aplica", "WDQ no aplica: el área no mejoró frente al control")
    if abs(wdq) <= WDQ_NEUTRAL:
        return ("neutro", "WDQ cercano a 0: ni desplazamiento ni difusión de beneficios")
    if wdq > 0:
        return ("difusion", "WDQ > 0: difusión de beneficios (el anillo también mejoró)")
    if wdq > -1:
        return ("desplazamiento_parcial", "WDQ entre −1 y 0: algo de desplazamiento al "
                                          "anillo, pero con beneficio neto")
    return ("desplazamiento_mayor", "WDQ < −1: el desplazamiento al anillo supera el efecto "
                                    "directo (el efecto se anula)")


def total_net_effect(treated: Counts, buffer: Counts, control: Counts) -> float:
    """Incidents prevented net of displacement (Bowers & Johnson).

    ``[R_b·C_a/C_b − R_a] + [D_b·C_a/C_b − D_a]``; positive: fewer incidents than the
    control's trend predicts.
    """
    problems: list[str] = []
    rb, ra = _pair(treated, "área intervenida", problems)
    db, da = _pair(buffer, "anillo", problems)
    cb, ca = _pair(control, "zona de control", problems)
    if not problems and cb <= 0:
        problems.append("La zona de control no tiene incidentes antes de la intervención.")
    _raise(problems)
    k = ca / cb
    return (rb * k - ra) + (db * k - da)


# --------------------------------------------------------------------------- WDD
@dataclass(frozen=True)
class DisplacementDifference:
    """Wheeler & Ratcliffe's weighted displacement difference (negative: fewer incidents).

    Attributes
    ----------
    wdd, se, z, p_value
        Estimate, Poisson standard error, ``wdd/se`` and the two-sided p-value.
    ci_low, ci_high
        ``wdd ± z_{1−alpha/2}·se``.
    """

    wdd: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, float]:
        """Plain dict (JSON-ready)."""
        return asdict(self)


def _wdd(wdd: float, var: float, alpha: float) -> DisplacementDifference:
    se = math.sqrt(var)
    z = wdd / se if se > 0 else math.nan
    p = float(2 * stats.norm.sf(abs(z))) if se > 0 else math.nan
    q = normal_quantile(alpha)
    return DisplacementDifference(wdd=wdd, se=se, z=z, p_value=p,
                                  ci_low=wdd - q * se, ci_high=wdd + q * se)


def weighted_displacement_difference(treated: Counts, treated_control: Counts,
                                     displacement: Counts, displacement_control: Counts, *,
                                     alpha: float = settings.ALPHA) -> DisplacementDifference:
    """WDD with separate controls for the treated and the displacement areas.

    ``WDD = (T_a − T_b) − (Ct_a − Ct_b) + (D_a − D_b) − (Cd_a − Cd_b)``, ``Var`` the sum of
    the eight counts (each Poisson).
    """
    problems: list[str] = []
    tb, ta = _pair(treated, "área intervenida", problems)
    ctb, cta = _pair(treated_control, "control del área", problems)
    db, da = _pair(displacement, "anillo", problems)
    cdb, cda = _pair(displacement_control, "control del anillo", problems)
    _raise(problems)
    wdd = (ta - tb) - (cta - ctb) + (da - db) - (cda - cdb)
    return _wdd(wdd, tb + ta + ctb + cta + db + da + cdb + cda, alpha)


def weighted_displacement_difference_one_control(treated: Counts, displacement: Counts,
                                                 control: Counts, *,
                                                 alpha: float = settings.ALPHA
                                                 ) -> DisplacementDifference:
    """WDD when one control serves both areas and is larger than them.

    Each control term is the control rescaled to the area's before count
    (``Ct = C·T_b/C_b``, ``Cd = C·D_b/C_b``), so ``ΔCt = T_b·(C_a/C_b − 1)``. Its variance is
    the scaled Poisson variance of the one control, counted once for both terms:
    ``Var = T_b + T_a + D_b + D_a + (T_b/C_b + D_b/C_b)²·(C_b + C_a)``. Then
    ``WDD = −total_net_effect``.
    """
    problems: list[str] = []
    tb, ta = _pair(treated, "área intervenida", problems)
    db, da = _pair(displacement, "anillo", problems)
    cb, ca = _pair(control, "zona de control", problems)
    if not problems and cb <= 0:
        problems.append("La zona de control no tiene incidentes antes de la intervención.")
    _raise(problems)
    k = (tb + db) / cb
    wdd = (ta - tb) + (da - db) - k * (ca - cb)
    return _wdd(wdd, tb + ta + db + da + k * k * (cb + ca), alpha)


# --------------------------------------------------------------------------- count model
@dataclass(frozen=True)
class DidFit:
    """Difference-in-differences fits of one or more areas against their controls.

    Arrays have one entry per area (row of the inputs of :func:`did_fit`).

    Attributes
    ----------
    beta
        Log ratio of ratios (``ln`` of after/before of the area over that of the control);
        ``exp(beta) − 1`` is the relative change (negative: reduction).
    variance
        Variance of ``beta`` (count model plus the control's Poisson noise).
    level_before, level_before_var
        ``θ_b``, the area's log level relative to the control before, and its variance.
    dispersion
        NB2 ``α`` (0: Poisson; always 0 for ``monthly=False``).
    before, after, control_before, control_after
        Period totals.
    """

    beta: NDArray[np.float64]
    variance: NDArray[np.float64]
    level_before: NDArray[np.float64]
    level_before_var: NDArray[np.float64]
    dispersion: NDArray[np.float64]
    before: NDArray[np.float64]
    after: NDArray[np.float64]
    control_before: NDArray[np.float64]
    control_after: NDArray[np.float64]


def _nb2_alpha(y: NDArray[np.float64], mu: NDArray[np.float64], used: NDArray[np.bool_],
               dof: NDArray[np.float64]) -> NDArray[np.float64]:
    """Pearson moment estimate of NB2 ``α`` per row: ``Σ (y−μ)²/(μ(1+αμ)) = dof``."""
    safe_mu = np.where(used, mu, 1.0)
    resid2 = np.where(used, (y - mu) ** 2, 0.0)

    def excess(a: NDArray[np.float64]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = np.sum(resid2 / (safe_mu * (1.0 + a[:, None] * safe_mu)),
                                          axis=1) - dof
        return out

    n = y.shape[0]
    over = (excess(np.zeros(n)) > 0) & (dof > 0)
    lo, hi = np.full(n, -18.0), np.full(n, 9.0)  # log α bounds
    for _ in range(_BISECT_STEPS):
        mid = (lo + hi) / 2
        pos = excess(np.exp(mid)) > 0
        lo = np.where(pos, mid, lo)
        hi = np.where(pos, hi, mid)
    return np.where(over, np.exp((lo + hi) / 2), 0.0)


def _nb2_level(y: NDArray[np.float64], c: NDArray[np.float64], mask: NDArray[np.bool_],
               alpha: NDArray[np.float64], theta0: NDArray[np.float64]
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fit ``θ`` in ``E[y_t] = c_t·e^θ`` by NB2 maximum likelihood over ``mask`` (per row).

    Returns ``θ`` and the expected information ``Σ μ/(1+αμ)``.
    """
    theta = theta0.copy()
    a = alpha[:, None]
    for _ in range(_NEWTON_STEPS):
        mu = c * np.exp(theta)[:, None]
        score = np.sum(np.where(mask, (y - mu) / (1 + a * mu), 0.0), axis=1)
        info = np.sum(np.where(mask, mu * (1 + a * y) / (1 + a * mu) ** 2, 0.0), axis=1)
        theta = theta + np.where(info > 0, score / np.where(info > 0, info, 1.0), 0.0)
    mu = c * np.exp(theta)[:, None]
    fisher = np.sum(np.where(mask, mu / (1 + a * mu), 0.0), axis=1)
    return theta, fisher


def did_fit(area: NDArray[Any], control: NDArray[Any], post: NDArray[np.bool_], *,
            monthly: bool = True) -> DidFit:
    """Fit the area-vs-control difference in differences on monthly counts.

    Parameters
    ----------
    area, control
        Monthly counts, shape ``(T,)`` or ``(k, T)`` for ``k`` areas at once.
    post
        ``(T,)`` booleans: months after the intervention start.
    monthly
        ``True``: NB2 on the monthly counts with the control as exposure (``α`` by
        moments, 0 when the months are not overdispersed). ``False``: Poisson on the
        totals, whose variance is exactly the RES's ``1/a + 1/b + 1/c + 1/d``.

    Returns
    -------
    DidFit
        A zero period total is replaced by :data:`ZERO_COUNT` (continuity correction).
    """
    y = np.atleast_2d(np.asarray(area, dtype=np.float64))
    c = np.atleast_2d(np.asarray(control, dtype=np.float64))
    post = np.asarray(post, dtype=bool)
    pre = ~post
    rb, ra = y[:, pre].sum(axis=1), y[:, post].sum(axis=1)
    cb, ca = c[:, pre].sum(axis=1), c[:, post].sum(axis=1)
    rb_, ra_ = np.maximum(rb, ZERO_COUNT), np.maximum(ra, ZERO_COUNT)
    cb_, ca_ = np.maximum(cb, ZERO_COUNT), np.maximum(ca, ZERO_COUNT)
    theta_b, theta_a = np.log(rb_ / cb_), np.log(ra_ / ca_)
    if monthly:
        used = c > 0
        mu = c * np.exp(np.where(post, theta_a[:, None], theta_b[:, None]))
        dof = used.sum(axis=1).astype(np.float64) - 2.0
        alpha = _nb2_alpha(y, mu, used, dof)
        nb_b, info_b = _nb2_level(y, c, pre[None, :] & used, alpha, theta_b)
        nb_a, info_a = _nb2_level(y, c, post[None, :] & used, alpha, theta_a)
        zero_b, zero_a = rb <= 0, ra <= 0
        theta_b = np.where(zero_b, theta_b, nb_b)
        theta_a = np.where(zero_a, theta_a, nb_a)
        var_b = np.where(zero_b | (info_b <= 0), 1 / rb_, 1 / np.where(info_b > 0, info_b, 1.0))
        var_a = np.where(zero_a | (info_a <= 0), 1 / ra_, 1 / np.where(info_a > 0, info_a, 1.0))
    else:
        alpha = np.zeros(y.shape[0])
        var_b, var_a = 1 / rb_, 1 / ra_
    ctl_var_b, ctl_var_a = 1 / cb_, 1 / ca_
    return DidFit(beta=theta_a - theta_b, variance=var_b + var_a + ctl_var_b + ctl_var_a,
                  level_before=theta_b, level_before_var=var_b + ctl_var_b,
                  dispersion=alpha, before=rb, after=ra, control_before=cb, control_after=ca)


def drift_variance(deltas: NDArray[Any], variances: NDArray[Any]) -> float:
    """Between-area variance ``τ²`` of placebo estimates (DerSimonian–Laird, ≥ 0).

    Parameters
    ----------
    deltas, variances
        Placebo estimates (``DidFit.beta``) and their within-area variances.

    Returns
    -------
    float
        ``max(0, (Q − (k − 1)) / (Σw − Σw²/Σw))`` with ``w = 1/variance``.
    """
    d = np.asarray(deltas, dtype=np.float64)
    v = np.asarray(variances, dtype=np.float64)
    ok = np.isfinite(d) & np.isfinite(v) & (v > 0)
    d, v = d[ok], v[ok]
    k = d.size
    if k < 2:
        msg = "Se necesitan al menos dos áreas placebo para estimar la variación entre zonas."
        raise InsufficientHistoryError(msg)
    w = 1 / v
    mean = float(np.sum(w * d) / np.sum(w))
    q = float(np.sum(w * (d - mean) ** 2))
    denom = float(np.sum(w) - np.sum(w * w) / np.sum(w))
    return max(0.0, (q - (k - 1)) / denom) if denom > 0 else 0.0


def nb_interval(mean: NDArray[Any], dispersion: float, *, alpha: float = settings.ALPHA
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Central ``1 − alpha`` interval of NB2 (Poisson when ``dispersion`` is 0) counts."""
    m = np.asarray(mean, dtype=np.float64)
    if dispersion <= 0:
        lo, hi = stats.poisson.ppf(alpha / 2, m), stats.poisson.ppf(1 - alpha / 2, m)
    else:
        n = 1.0 / dispersion
        p = n / (n + m)
        lo, hi = stats.nbinom.ppf(alpha / 2, n, p), stats.nbinom.ppf(1 - alpha / 2, n, p)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
