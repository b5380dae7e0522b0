"""Forecast incidents per zone and day, shift or hour: Prophet, checked against baselines.

Input is one row per incident with a zone (``occurred_at``, ``zone``), located
or not (see :func:`analytics.zones.incidents_to_zone_events`). Everything at
or after ``train_until`` is dropped at entry, before anything looks at the
data, so nothing after the cut can influence a forecast.

Daily model
-----------
Counts are aggregated first into a dense zone × day matrix. Six candidate
forecasts of each zone's daily counts are computed at the cut and at
:data:`BACKTEST_ORIGINS` earlier origins, every :data:`BACKTEST_STEP_DAYS`
days before the cut (each scored on the next :data:`BACKTEST_STEP_DAYS` days,
all strictly before the cut):

``prophet``
    The zone's own Prophet model: flat trend (``growth="flat"``: a drifting
    trend hurt daily errors), weekly seasonality, yearly seasonality when the
    fit has two years of data, the ``country``'s holidays, and the *quincena*
    regressor (paydays: the 15th and the last day of the month, and the day
    after each). Fitted once per zone on up to :data:`PROPHET_YEARS` years
    ending at the *first* backtest origin, so the fit that is scored is the
    fit that forecasts (one fit per zone keeps 140 zones under a minute). Its
    level is then re-anchored at each origin: the forecast is multiplied by
    (incidents + 1) / (fitted + 1) over the last :data:`LEVEL_DAYS` days. The
    quincena term is kept only when it lowers the zone's backtest error
    (the model without it subtracts the regressor's component). Only zones with
    :data:`MIN_ZONE_PROPHET_DAYS` days of history before that fit and at
    least :data:`MIN_ZONE_PROPHET_RATE` incidents a day over its last year,
    the :data:`MAX_ZONE_FITS` busiest, get one.
``city_share``
    The pooled model, and the fallback of sparse zones: one Prophet model of
    the whole city's daily counts (same terms, refitted at each origin,
    re-anchored the same way; quincena kept when it lowers the city's backtest
    error) split among zones by each zone's share of the last year, corrected
    towards its share of the last :data:`LEVEL_DAYS` days with a Gamma-Poisson
    prior of :data:`SHARE_PRIOR` incidents, times its weekday profile shrunk
    towards the city's (:data:`WEEKDAY_PRIOR` incidents); shares are
    normalised so the zones sum to the city each day. With under
    :data:`MIN_CITY_PROPHET_DAYS` days of history the city forecast is the
    mean of the same weekday over the last 8 weeks instead.
``prophet_blend``
    Mean of ``prophet`` and ``city_share``.
``city_share_blend``
    Mean of ``city_share`` and ``weekday_8w``.
``weekday_8w``, ``mean_28d``
    The baselines: mean of the same weekday over the last 8 weeks, and mean of
    the last 28 days.

Each zone takes the candidate with the lowest score ``α × (its backtest MSE /
its weekday_8w MSE) + (1 - α) × (the same ratio summed over all zones)``,
``α =`` :data:`SELECTION_WEIGHT`: the zone's own backtest decides, shrunk
towards the city-wide choice, which cuts the noise of choosing among six on
112 days. On Philadelphia this beat both the per-zone argmin and any single
candidate for everyone (see ``bench/zones.py``). The ``model`` column says
which candidate each zone got. A zone with no incident before the cut gets no
forecast and is listed in :attr:`ZoneForecast.no_history`.

Shifts and hours
----------------
A day's forecast is split into hours by the zone's hour profile for that
weekday over the last :data:`PROFILE_DAYS` days, shrunk towards the city's
(:data:`HOUR_PRIOR` incidents a weekday). Incidents stamped exactly 00:00:00
count for their day but not for the hour profile (date-only records carry that
time). Windows are calendar days (``"day"``), hours (``"hour"``) or the shifts of
``settings.SHIFTS`` that *start* in the horizon (``"shift"``: a night shift
belongs to the day it starts, and takes the first hours of the next day), so
hours sum to days and shifts to hours.

Intervals
---------
Counts are small and discrete, so a Gaussian band would not be honest. Each
backtest origin is forecast by the model the choice rule picks *without* that
origin (leave one origin out), so the residuals are those of the whole
procedure, not of a choice fitted to them. They give each zone a
negative-binomial dispersion (``var = μ + φμ²``, moment estimate, shrunk
towards the city's with the weight of one typical zone; ``φ = 0`` is Poisson),
scaled by a pooled factor per lead week (level errors grow with the lead).
Because integer quantiles over-cover (a Poisson(5) 10–90 % interval [2, 8]
holds 93 %), the quantile levels themselves are calibrated on the backtest
windows of the requested kind, pooled over zones, per shift
(:func:`calibrate_levels`): the lower level leaves at most half the miss
below, the upper one the rest above (all of it when the lower bound is 0 and
cannot miss). The target is ``interval`` plus half a standard error of a
coverage measured on that backtest (:func:`calibration_target`), so a small
backtest errs on the wide side. ``lower``/``upper`` are the NB quantiles at
those levels: integers, ``lower <= upper``. The backtest covers leads up to
:data:`BACKTEST_STEP_DAYS` days; longer leads reuse the last week's factor.

Measured (``bench/zones.py``): 80 % intervals covered 78–85 % of zone-days on
Philadelphia's districts, its 10 % thinning, three merged districts and 136
tract groups.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import pandas as pd

from analytics import settings
from analytics._errors import IncidentSchemaError, InsufficientHistoryError
from analytics._zone_intervals import (
    CALIBRATION_MARGIN_SE as CALIBRATION_MARGIN_SE,
    calibrate_levels as calibrate_levels,
    calibration_target,
    dispersion,
    lead_factors,
    lead_weeks,
    nb_ppf,
)
from analytics._zone_prophet import (
    LEVEL_DAYS as LEVEL_DAYS,
    PROPHET_YEARS as PROPHET_YEARS,
    YEARLY_MIN_DAYS as YEARLY_MIN_DAYS,
    YEARLY_ORDER as YEARLY_ORDER,
    holiday_days as holiday_days,
    prophet_forecast,
    quincena_days as quincena_days,
    relevel,
)
from analytics._zone_series import (
    HOUR_PRIOR as HOUR_PRIOR,
    PROFILE_DAYS as PROFILE_DAYS,
    ZoneSeries as ZoneSeries,
    actual_hourly,
    baseline_forecasts as baseline_forecasts,
    events_to_series as events_to_series,
    hour_profile as hour_profile,
    hours_to_windows,
    split_days,
    weekday,
    window_bounds,
    window_slots,
)

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import geopandas as gpd

Windows = Literal["day", "shift", "hour"]

#: Window kinds of :func:`forecast_zones`.
WINDOWS: Final = ("day", "shift", "hour")
#: Default horizon, days.
HORIZON_DAYS: Final = 7
#: Default central probability of the ``lower``–``upper`` interval.
INTERVAL: Final = 0.8
#: Default ``holidays`` country code.
COUNTRY: Final = "PE"
#: Rolling backtest origins before the cut (model choice and interval calibration).
BACKTEST_ORIGINS: Final = 4
#: Days between backtest origins, and days scored after each.
BACKTEST_STEP_DAYS: Final = 28
#: Days of a zone's history before its Prophet fit, at least.
MIN_ZONE_PROPHET_DAYS: Final = 365
#: Incidents a day over the last year a zone needs for its own Prophet model.
MIN_ZONE_PROPHET_RATE: Final = 1.0
#: Zones (the busiest eligible) that get their own Prophet model; the rest are pooled.
MAX_ZONE_FITS: Final = 48
#: Days of history the city's Prophet model needs.
MIN_CITY_PROPHET_DAYS: Final = 90
#: Days of history an origin needs to be used in the backtest.
MIN_BACKTEST_DAYS: Final = 56
#: Prior weight (incidents) pulling a zone's recent share towards its yearly share.
SHARE_PRIOR: Final = 20.0
#: Prior weight (incidents) pulling a zone's weekday profile towards the city's.
WEEKDAY_PRIOR: Final = 70.0
#: Weight of the zone's own backtest against the city-wide one in model choice.
SELECTION_WEIGHT: Final = 0.5
#: Candidate models, in the order that breaks ties.
MODELS: Final = ("prophet", "prophet_blend", "city_share", "city_share_blend", "weekday_8w",
                 "mean_28d")
#: Columns of :attr:`ZoneForecast.table`.
COLUMNS: Final = ("zone", "window_start", "window_end", "expected", "lower", "upper", "model")
#: Columns proposed for a stored ``forecasts`` table (:func:`zone_forecast_records`).
RECORD_COLUMNS: Final = (*COLUMNS, "train_until", "made_at")


# --------------------------------------------------------------------------- candidates


def _city_share(daily: np.ndarray, origin: int, target_days: np.ndarray,
                city: np.ndarray, day0: int) -> np.ndarray:
    """Split a city forecast (n,) among zones: (zones, n); columns sum to ``city``."""
    n_z = daily.shape[0]
    a = max(0, origin - PROFILE_DAYS)
    win = daily[:, a:origin]
    nz = win.sum(axis=1)
    s_long = (nz + 0.5) / (nz.sum() + 0.5 * n_z)
    b = max(0, origin - LEVEL_DAYS)
    n_recent = daily[:, b:origin].sum(axis=1)
    share = s_long * (n_recent + SHARE_PRIOR) / (s_long * n_recent.sum() + SHARE_PRIOR)
    wd = weekday(np.arange(a, origin) + day0)
    cz = np.stack([win[:, wd == d].sum(axis=1) for d in range(7)], axis=1)
    cw = (cz.sum(axis=0) + 1.0) / (cz.sum() + 7.0)
    zw = (cz + WEEKDAY_PRIOR * cw[None, :]) / (nz[:, None] + WEEKDAY_PRIOR)
    f = share[:, None] * zw / cw[None, :]
    f = f / f.sum(axis=0, keepdims=True)
    return np.asarray(f[:, weekday(target_days)] * city[None, :])


@dataclass
class _Fits:
    """Prophet predictions shared by every origin."""

    city: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    city_quincena: bool = False
    zone_pred: np.ndarray | None = None  # (zones, days) with quincena
    zone_q: np.ndarray | None = None  # quincena component
    zone_days: np.ndarray | None = None
    zone_fitted: np.ndarray | None = None  # bool (zones,)
    zone_quincena: np.ndarray | None = None  # bool (zones,)


def _city_forecasts(s: ZoneSeries, origins: Sequence[int], lengths: Sequence[int], *,
                    country: str | None, seed: int | None) -> dict[int, tuple[np.ndarray,
                                                                            np.ndarray]]:
    """Re-levelled city forecast (with, without quincena) at each origin (absolute day)."""
    city = s.daily.sum(axis=0)
    out = {}
    for o, n in zip(origins, lengths, strict=True):
        i = o - s.day0
        if i >= MIN_CITY_PROPHET_DAYS:
            first = max(0, i - 365 * PROPHET_YEARS)
            pdays = np.arange(o - LEVEL_DAYS, o + n)
            yhat, q = prophet_forecast(city, first, i, pdays, day0=s.day0, country=country,
                                       seed=seed)
            out[o] = (relevel(yhat, pdays, city, s.day0, o, n),
                      relevel(yhat - q, pdays, city, s.day0, o, n))
        else:
            _m, wd = baseline_forecasts(city[None, :], i, n)
            out[o] = (wd[0], wd[0])
    return out


def _zone_prophets(s: ZoneSeries, fit_end: int, pred_end: int, *, max_fits: int,
                   country: str | None, seed: int | None) -> _Fits:
    """Fit the eligible zones' Prophet models once, ending at day ``fit_end``."""
    n_z = len(s.zones)
    fits = _Fits()
    i_end = fit_end - s.day0
    pdays = np.arange(fit_end - LEVEL_DAYS, pred_end)
    fitted = np.zeros(n_z, dtype=bool)
    pred = np.full((n_z, len(pdays)), np.nan)
    qc = np.zeros((n_z, len(pdays)))
    if i_end > 0 and max_fits > 0:
        has = s.daily[:, :i_end] > 0
        first = np.where(has.any(axis=1), has.argmax(axis=1), i_end)
        rate = s.daily[:, max(0, i_end - 365):i_end].sum(axis=1) / min(365, i_end)
        ok = ((i_end - first) >= MIN_ZONE_PROPHET_DAYS) & (rate >= MIN_ZONE_PROPHET_RATE)
        order = [int(z) for z in np.argsort(-rate, kind="stable") if ok[z]][:max_fits]
        for z in sorted(order):
            start = max(int(first[z]), i_end - 365 * PROPHET_YEARS)
            pred[z], qc[z] = prophet_forecast(s.daily[z], start, i_end, pdays, day0=s.day0,
                                              country=country, seed=seed)
            fitted[z] = True
    fits.zone_pred, fits.zone_q, fits.zone_days, fits.zone_fitted = pred, qc, pdays, fitted
    fits.zone_quincena = np.zeros(n_z, dtype=bool)
    return fits


def _candidates(s: ZoneSeries, fits: _Fits, origin: int, n_days: int) -> dict[str, np.ndarray]:
    """Every candidate's (zones, n_days) forecast at ``origin`` (absolute day)."""
    i = origin - s.day0
    target = np.arange(origin, origin + n_days)
    mean28, wd8 = baseline_forecasts(s.daily, i, n_days)
    with_q, without_q = fits.city[origin]
    city = with_q if fits.city_quincena else without_q
    share = _city_share(s.daily, i, target, city, s.day0)
    out = {"city_share": share, "city_share_blend": 0.5 * (share + wd8), "weekday_8w": wd8,
           "mean_28d": mean28}
    assert fits.zone_pred is not None and fits.zone_q is not None
    assert fits.zone_days is not None and fits.zone_quincena is not None
    pred = np.where(fits.zone_quincena[:, None], fits.zone_pred, fits.zone_pred - fits.zone_q)
    own = np.full_like(share, np.nan)
    f = np.flatnonzero(np.asarray(fits.zone_fitted))
    if len(f):
        own[f] = relevel(pred[f], fits.zone_days, s.daily[f], s.day0, origin, n_days)
    out["prophet"] = own
    out["prophet_blend"] = 0.5 * (own + share)
    return {m: out[m] for m in MODELS}


# --------------------------------------------------------------------------- selection


def _select(bt: dict[str, np.ndarray], y: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Index into :data:`MODELS` of each zone's choice, scored on backtest columns ``cols``."""
    n_z = y.shape[0]
    mse = {m: ((bt[m][:, cols] - y[:, cols]) ** 2).mean(axis=1) for m in MODELS}
    ref = mse["weekday_8w"]
    scores = np.full((len(MODELS), n_z), np.inf)
    for j, m in enumerate(MODELS):
        avail = np.isfinite(mse[m])
        if not avail.any():
            continue
        glob = mse[m][avail].sum() / max(ref[avail].sum(), 1e-12)
        own = np.divide(mse[m], ref, out=np.full(n_z, glob), where=ref > 0)
        scores[j, avail] = (SELECTION_WEIGHT * own + (1 - SELECTION_WEIGHT) * glob)[avail]
    return np.asarray(scores.argmin(axis=0))


def _select_honestly(bt: dict[str, np.ndarray], y: np.ndarray, *, n_origins: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Each zone's choice on every backtest origin, and honest backtest forecasts.

    The honest forecast of origin ``k`` comes from the model the rule would
    have chosen *without* origin ``k`` (leave one origin out): residuals of a
    choice scored on the same days would be optimistic, and intervals
    calibrated on them too narrow.
    """
    n_z, n_cols = y.shape
    step = n_cols // n_origins
    choice = _select(bt, y, np.arange(n_cols))
    honest = np.empty_like(y)
    rows = np.arange(n_z)
    for k in range(n_origins):
        cols = np.arange(k * step, (k + 1) * step)
        others = np.setdiff1d(np.arange(n_cols), cols)
        ck = _select(bt, y, others) if n_origins > 1 else choice
        stacked = np.stack([bt[m][:, cols] for m in MODELS])  # (models, zones, step)
        honest[:, cols] = stacked[ck, rows, :]
    return choice, honest


@dataclass(frozen=True)
class _Backtest:
    """What the rolling backtest before the cut decides."""

    choice: np.ndarray  # index into MODELS per zone
    phi: np.ndarray  # NB dispersion per zone
    lead: np.ndarray  # dispersion factor per lead week
    levels: list[tuple[float, float]]  # quantile levels per calibration slot
    rmse: np.ndarray  # honest daily backtest RMSE per zone
    baseline_rmse: np.ndarray  # the better baseline's daily backtest RMSE per zone


def _backtest(s: ZoneSeries, fits: _Fits, origins: list[int], *, by: str,
              shifts: Sequence[tuple[str, int, int]], interval: float) -> _Backtest:
    """Decide quincena terms, each zone's model, its dispersion and the interval levels.

    Everything is scored on the :data:`BACKTEST_STEP_DAYS` days after each
    origin, all before the cut. Sets ``fits.city_quincena`` and
    ``fits.zone_quincena``.
    """
    step = BACKTEST_STEP_DAYS
    n_z = len(s.zones)
    slots, slot_names = window_slots(by=by, shifts=shifts)
    y_bt = np.concatenate([s.daily[:, o - s.day0:o - s.day0 + step] for o in origins], axis=1)
    city_y = s.daily.sum(axis=0)
    err = [sum(float(((fits.city[o][v] - city_y[o - s.day0:o - s.day0 + step]) ** 2).sum())
               for o in origins) for v in (0, 1)]
    fits.city_quincena = err[0] < err[1]
    # zone quincena: keep it where it lowers the zone's own backtest error
    assert fits.zone_fitted is not None
    if fits.zone_fitted.any():
        e = []
        for keep_q in (True, False):
            fits.zone_quincena = np.full(n_z, keep_q)
            p = np.concatenate([_candidates(s, fits, o, step)["prophet"] for o in origins],
                               axis=1)
            e.append(((p - y_bt) ** 2).sum(axis=1))
        fits.zone_quincena = fits.zone_fitted & (e[0] < e[1])
    cands = [_candidates(s, fits, o, step) for o in origins]
    bt = {m: np.concatenate([c[m] for c in cands], axis=1) for m in MODELS}
    choice, mu_bt = _select_honestly(bt, y_bt, n_origins=len(origins))
    mse = {m: ((bt[m] - y_bt) ** 2).mean(axis=1) for m in ("weekday_8w", "mean_28d")}
    phi, _pool = dispersion(y_bt, mu_bt)
    lead = lead_factors(y_bt, mu_bt, step=step)
    target = calibration_target(interval, n_zones=n_z, n_origins=len(origins),
                                weeks_per_origin=step // 7)
    # interval levels on backtest windows of the requested kind, per shift
    if by == "day":
        yw, mw = y_bt, mu_bt
        lead_w = lead[(np.arange(yw.shape[1]) % step) // 7]
    else:
        prof_bt = hour_profile(s, end_day=origins[0])
        n_win_days = step - (1 if by == "shift" else 0)  # a night shift needs the next day
        ys, ms = [], []
        for k, o in enumerate(origins):
            mu_o = mu_bt[:, k * step:(k + 1) * step]
            ms.append(hours_to_windows(split_days(mu_o, o, prof_bt), by=by, n_days=n_win_days,
                                       shifts=shifts))
            ys.append(hours_to_windows(actual_hourly(s, o, step), by=by, n_days=n_win_days,
                                       shifts=shifts))
        yw, mw = np.concatenate(ys, axis=1), np.concatenate(ms, axis=1)
        lead_w = np.tile(lead[lead_weeks(ys[0].shape[1], len(slots), len(lead))], len(origins))
    slot_w = np.tile(slots, yw.shape[1] // len(slots))
    levels = []
    for j in range(len(slot_names)):
        cols = slot_w == j
        levels.append(calibrate_levels(yw[:, cols], mw[:, cols],
                                       phi[:, None] * lead_w[None, cols], interval=target))
    return _Backtest(choice=choice, phi=phi, lead=lead, levels=levels,
                     rmse=np.sqrt(((mu_bt - y_bt) ** 2).mean(axis=1)),
                     baseline_rmse=np.sqrt(np.minimum(mse["weekday_8w"], mse["mean_28d"])))


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class ZoneForecast:
    """Output of :func:`forecast_zones`.

    Attributes
    ----------
    table : pandas.DataFrame
        :data:`COLUMNS`: one row per zone with history and window, sorted by
        zone then window; ``expected`` ≥ 0, ``lower``/``upper`` integers.
    zones : pandas.DataFrame
        One row per zone: ``zone, model, incidents`` (before the cut),
        ``backtest_rmse`` (daily, chosen model), ``baseline_rmse`` (daily, best
        of the two baselines), ``dispersion`` (NB φ), ``own_prophet``,
        ``quincena`` (the zone's Prophet keeps the payday term); zones
        without history have ``model`` ``None``.
    no_history : tuple of str
        Zones asked for (``zones=``) with no incident before the cut.
    levels : dict
        Calibrated quantile levels ``(lower, upper)`` of the NB distribution,
        per shift (``"día"`` for daily windows; hours use their shift's).
    notes : tuple of str
        What was done that a user may want to know (Spanish).
    """

    table: pd.DataFrame
    zones: pd.DataFrame
    no_history: tuple[str, ...]
    train_until: pd.Timestamp
    by: str
    interval: float
    levels: dict[str, tuple[float, float]]
    seconds: float
    notes: tuple[str, ...] = ()

    def model_counts(self) -> dict[str, int]:
        """Zones per chosen model."""
        m = self.zones["model"].dropna()
        return {str(k): int(v) for k, v in m.value_counts().sort_index().items()}


def _parse_cut(train_until: object) -> pd.Timestamp | None:
    try:
        ts = pd.Timestamp(train_until)
    except (ValueError, TypeError):
        return None
    if pd.isna(ts):
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts if ts == ts.normalize() else None


def _check_country(country: str | None) -> str | None:
    if not country:
        return None
    import holidays

    try:
        holidays.country_holidays(country)
    except (NotImplementedError, KeyError, AttributeError):
        return f"país de feriados desconocido: {country!r} (código ISO, p. ej. PE)"
    return None


def forecast_zones(events: pd.DataFrame, *, train_until: object,
                   horizon_days: int = HORIZON_DAYS, by: Windows = "day",
                   interval: float = INTERVAL, country: str | None = COUNTRY,
                   shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS,
                   zones: Sequence[str] | None = None, max_zone_fits: int = MAX_ZONE_FITS,
                   seed: int | None = 0) -> ZoneForecast:
    """Forecast expected incidents per zone and window after ``train_until``, with intervals.

    Parameters
    ----------
    events
        ``occurred_at`` (naive local time) and ``zone`` per incident (see
        :func:`analytics.zones.incidents_to_zone_events`).
    train_until
        Cut-off day (00:00 local): only incidents strictly before it are used.
    horizon_days
        Days forecast from ``train_until`` (1 to 366).
    by
        ``"day"``, ``"shift"`` or ``"hour"`` windows (see the module notes).
    interval
        Central probability of ``lower``–``upper`` (0.5 to 0.99).
    country
        ``holidays`` country code (``"PE"``; ``None`` for no holidays).
    shifts
        ``(name, start_hour, end_hour)`` covering the 24 hours.
    zones
        Every zone to report, e.g. all polygons of a layer; those without
        history are listed in ``no_history``. Default: the zones in ``events``.
    max_zone_fits
        At most this many zones (the busiest eligible) get their own Prophet
        model; 0 pools every zone (``city_share`` and the baselines).
    seed
        Passed to Prophet's optimiser (results are deterministic).

    Returns
    -------
    ZoneForecast

    Raises
    ------
    IncidentSchemaError
        Invalid parameters or events (every problem listed).
    InsufficientHistoryError
        No incident with a zone before the cut.
    """
    from analytics.forecast.history import check_shifts

    t0 = time.perf_counter()
    problems: list[str] = []
    cut = _parse_cut(train_until)
    if cut is None:
        problems.append(f"fecha de corte no válida: {train_until!r} (un día, AAAA-MM-DD)")
    if not isinstance(horizon_days, (int, np.integer)) or not 1 <= int(horizon_days) <= 366:
        problems.append(f"horizonte no válido: {horizon_days!r} (1 a 366 días)")
    if by not in WINDOWS:
        problems.append(f"ventanas desconocidas: {by!r} (day, shift u hour)")
    if not isinstance(interval, (float, int)) or not 0.5 <= float(interval) <= 0.99:
        problems.append(f"intervalo no válido: {interval!r} (entre 0.5 y 0.99)")
    if not isinstance(max_zone_fits, (int, np.integer)) or int(max_zone_fits) < 0:
        problems.append(f"max_zone_fits no válido: {max_zone_fits!r}")
    problems += check_shifts(shifts)
    bad_country = _check_country(country)
    if bad_country:
        problems.append(bad_country)
    if problems:
        raise IncidentSchemaError("Parámetros de pronóstico por zona no válidos: "
                                  + "; ".join(problems) + ".")
    assert cut is not None
    s = events_to_series(events, train_until=cut)
    h = int(horizon_days)
    extra = 1 if by == "shift" else 0
    n_final = h + extra
    origins = [s.cut - BACKTEST_STEP_DAYS * k for k in range(BACKTEST_ORIGINS, 0, -1)]
    origins = [o for o in origins if o - s.day0 >= MIN_BACKTEST_DAYS]
    step = BACKTEST_STEP_DAYS
    notes: list[str] = []

    # fits: the city at every origin, each eligible zone once (ending at the first origin)
    fits = _zone_prophets(s, origins[0] if origins else s.cut, s.cut + n_final,
                          max_fits=int(max_zone_fits) if origins else 0, country=country,
                          seed=seed)
    fits.city = _city_forecasts(s, [*origins, s.cut], [step] * len(origins) + [n_final],
                                country=country, seed=seed)
    n_z = len(s.zones)
    slots, slot_names = window_slots(by=by, shifts=shifts)
    if origins:
        bt = _backtest(s, fits, origins, by=by, shifts=shifts, interval=float(interval))
    else:
        notes.append("historia corta: sin evaluación previa, se usa el reparto de la ciudad "
                     "y un intervalo de Poisson")
        tail = (1.0 - float(interval)) / 2.0
        bt = _Backtest(choice=np.full(n_z, MODELS.index("city_share")), phi=np.zeros(n_z),
                       lead=np.ones(1), levels=[(tail, 1.0 - tail)] * len(slot_names),
                       rmse=np.full(n_z, np.nan), baseline_rmse=np.full(n_z, np.nan))
    choice, phi, lead, levels = bt.choice, bt.phi, bt.lead, bt.levels

    final = _candidates(s, fits, s.cut, n_final)
    mu = np.stack([final[MODELS[c]][z] for z, c in enumerate(choice)])
    if by == "day":
        exp = mu[:, :h]
    else:
        exp = hours_to_windows(split_days(mu, s.cut, hour_profile(s, end_day=s.cut)), by=by,
                               n_days=h, shifts=shifts)
    starts, ends = window_bounds(s.cut, h, by=by, shifts=shifts)
    nw = exp.shape[1]
    phi_w = phi[:, None] * lead[lead_weeks(nw, len(slots), len(lead))][None, :]
    slot_f = np.tile(slots, nw // len(slots))
    lower = np.zeros(exp.shape, dtype=np.int64)
    upper = np.zeros(exp.shape, dtype=np.int64)
    for j, (a, b) in enumerate(levels):
        cols = slot_f == j
        lower[:, cols] = nb_ppf(a, exp[:, cols], phi_w[:, cols])
        upper[:, cols] = np.maximum(nb_ppf(b, exp[:, cols], phi_w[:, cols]), lower[:, cols])
    model = np.array([MODELS[c] for c in choice], dtype=object)
    table = pd.DataFrame({
        "zone": pd.array(np.repeat(s.zones, nw).astype(str), dtype="str"),
        "window_start": np.tile(starts, n_z),
        "window_end": np.tile(ends, n_z),
        "expected": exp.reshape(-1),
        "lower": lower.reshape(-1),
        "upper": upper.reshape(-1),
        "model": pd.array(np.repeat(model, nw).astype(str), dtype="str"),
    })
    asked = [] if zones is None else [str(z) for z in zones]
    known = {str(z) for z in s.zones}
    no_history = tuple(z for z in dict.fromkeys(asked) if z not in known)
    assert fits.zone_fitted is not None and fits.zone_quincena is not None
    summary = pd.DataFrame({
        "zone": pd.array(s.zones.astype(str), dtype="str"),
        "model": pd.array(model.astype(str), dtype="str"),
        "incidents": s.daily.sum(axis=1).astype(np.int64),
        "backtest_rmse": bt.rmse,
        "baseline_rmse": bt.baseline_rmse,
        "dispersion": phi,
        "own_prophet": fits.zone_fitted,
        "quincena": fits.zone_quincena,
    })
    if no_history:
        extra_rows = pd.DataFrame({"zone": pd.array(list(no_history), dtype="str"),
                                   "model": pd.array([None] * len(no_history), dtype="str"),
                                   "incidents": np.zeros(len(no_history), dtype=np.int64)})
        summary = pd.concat([summary, extra_rows], ignore_index=True)
        summary["own_prophet"] = summary["own_prophet"].fillna(False).astype(bool)
        summary["quincena"] = summary["quincena"].fillna(False).astype(bool)
        notes.append(f"{len(no_history)} zona(s) sin incidentes antes del corte: sin pronóstico")
    return ZoneForecast(table=table, zones=summary, no_history=no_history, train_until=cut,
                        by=str(by), interval=float(interval),
                        levels=dict(zip(slot_names, levels, strict=True)),
                        seconds=time.perf_counter() - t0, notes=tuple(notes))


# --------------------------------------------------------------------------- store adapter


def zone_forecast_records(result: ZoneForecast, *, made_at: pd.Timestamp | None = None
                          ) -> pd.DataFrame:
    """Rows for a stored ``forecasts`` table: :data:`RECORD_COLUMNS`.

    ``made_at`` defaults to now (UTC, naive).
    """
    out = result.table.copy()
    out["train_until"] = result.train_until
    stamp = made_at if made_at is not None else pd.Timestamp.now(tz="UTC").tz_localize(None)
    out["made_at"] = pd.Timestamp(stamp)
    return out[list(RECORD_COLUMNS)]


def forecast_zones_from_store(con: duckdb.DuckDBPyConnection, *,
                              train_until: object | None = None,
                              horizon_days: int = HORIZON_DAYS, by: Windows = "shift",
                              layer: gpd.GeoDataFrame | None = None,
                              zone_column: str = "district", interval: float = INTERVAL,
                              country: str | None = COUNTRY,
                              max_zone_fits: int = MAX_ZONE_FITS,
                              seed: int | None = 0) -> ZoneForecast:
    """Forecast the next ``horizon_days`` days by zone from a store connection.

    ``train_until`` defaults to the day after the last stored incident. Zones
    are the ``district`` column, or the polygons of ``layer`` (every polygon
    is reported; those without incidents are in ``no_history``). Reads only
    ``occurred_at``, ``lat``, ``lon`` and ``zone_column``.
    """
    from analytics import store, zones as zn

    cols = ["occurred_at", zone_column] + (["lat", "lon"] if layer is not None else [])
    inc = store.load_incidents(con, columns=list(dict.fromkeys(cols)))
    if train_until is None:
        if inc.empty:
            raise InsufficientHistoryError("El almacén no tiene incidentes.")
        train_until = pd.Timestamp(inc["occurred_at"].max()).normalize() + pd.Timedelta(days=1)
    cut = _parse_cut(train_until)
    if cut is not None:
        inc = inc[inc["occurred_at"] < cut]
    events = zn.incidents_to_zone_events(inc, zones=layer,
                                         zone_column=zone_column if layer is None else None)
    return forecast_zones(events, train_until=train_until, horizon_days=horizon_days, by=by,
                          interval=interval, country=country, max_zone_fits=max_zone_fits,
                          zones=None if layer is None else list(layer["zone"]), seed=seed)
