"""Prophet for zone forecasts, quiet and lazy (plumbing of :mod:`analytics.zone_forecast`).

Prophet is imported inside functions (an ``ImportError`` says what to
install); its and cmdstanpy's logging is silenced only while it runs.
``cmdstanpy.install_cmdstan()`` is never called: Prophet 1.5 ships its model.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import numpy as np
import pandas as pd

#: Days over which a forecast's level is re-anchored to the latest counts.
LEVEL_DAYS: Final = 56
#: Years of history a Prophet model is fitted on (at most).
PROPHET_YEARS: Final = 3
#: Days of history a Prophet fit needs before it adds yearly seasonality.
YEARLY_MIN_DAYS: Final = 730
#: Fourier order of Prophet's yearly seasonality (Prophet's default is 10).
YEARLY_ORDER: Final = 5
_RATIO_CLIP: Final = (0.2, 5.0)


@contextmanager
def quiet_prophet() -> Iterator[None]:
    """Silence Prophet/cmdstanpy logging and warnings for the duration; restore after."""
    names = ("prophet", "prophet.plot", "prophet.models", "prophet.forecaster", "cmdstanpy")
    loggers = [logging.getLogger(n) for n in names]
    saved = [lg.disabled for lg in loggers]
    for lg in loggers:
        lg.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, d in zip(loggers, saved, strict=True):
            lg.disabled = d


def prophet_class() -> Any:
    try:
        with quiet_prophet():
            from prophet import Prophet
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = ("El pronóstico por zona necesita prophet: pip install prophet==1.5.0 "
               "(incluye su modelo compilado; no hace falta instalar CmdStan).")
        raise ImportError(msg) from exc
    return Prophet


def quincena_days(days: np.ndarray) -> np.ndarray:
    """Paydays and the day after: the 15th, 16th, the last day of the month and the 1st."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    dom = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    nxt = (d + 1).astype("datetime64[M]") != d.astype("datetime64[M]")
    return np.asarray((dom == 1) | (dom == 15) | (dom == 16) | nxt)


def holiday_days(country: str | None, first_day: int, last_day: int) -> np.ndarray:
    """Day numbers of ``country``'s public holidays in ``[first_day, last_day]``."""
    if not country:
        return np.empty(0, dtype=np.int64)
    import holidays

    d0, d1 = np.datetime64(first_day, "D"), np.datetime64(last_day, "D")
    y0 = int(d0.astype("datetime64[Y]").astype(np.int64)) + 1970
    y1 = int(d1.astype("datetime64[Y]").astype(np.int64)) + 1970
    cal = holidays.country_holidays(country, years=range(y0, y1 + 1))
    out = np.array(sorted(np.datetime64(d, "D").astype(np.int64) for d in cal), dtype=np.int64)
    return out[(out >= first_day) & (out <= last_day)]


def prophet_forecast(y: np.ndarray, first: int, end: int, predict_days: np.ndarray, *,
                      day0: int, country: str | None, seed: int | None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Fit Prophet on ``y[first:end]`` (column indices; day ``day0 + i``) and predict.

    Holidays enter as one effect (``feriado``) shared by every holiday: one
    column instead of one per holiday name, which is what a zone's few
    incidents per holiday can support, and keeps a fit fast (Prophet ships its
    design matrix to Stan as JSON).

    Returns
    -------
    yhat, quincena
        Predictions for the absolute day numbers ``predict_days`` and the
        quincena regressor's part of them.
    """
    Prophet = prophet_class()
    days = np.arange(first, end) + day0
    yearly = YEARLY_ORDER if (end - first) >= YEARLY_MIN_DAYS else False
    hol = holiday_days(country, int(days[0]), int(max(days[-1], predict_days[-1])))
    hol_frame = None
    if len(hol):
        hol_frame = pd.DataFrame({"holiday": "feriado",
                                  "ds": hol.astype("datetime64[D]").astype("datetime64[ns]")})
    train = pd.DataFrame({"ds": days.astype("datetime64[D]").astype("datetime64[ns]"),
                          "y": y[first:end], "quincena": quincena_days(days).astype(float)})
    future = pd.DataFrame({"ds": predict_days.astype("datetime64[D]").astype("datetime64[ns]"),
                           "quincena": quincena_days(predict_days).astype(float)})
    with quiet_prophet():
        m = Prophet(growth="flat", yearly_seasonality=yearly, weekly_seasonality=True,
                    daily_seasonality=False, holidays=hol_frame, uncertainty_samples=0)
        m.add_regressor("quincena", standardize=False)
        kwargs = {} if seed is None else {"seed": int(seed)}
        m.fit(train, **kwargs)
        f = m.predict(future)
    return f["yhat"].to_numpy(dtype=np.float64), f["quincena"].to_numpy(dtype=np.float64)


def relevel(pred: np.ndarray, pred_days: np.ndarray, actual: np.ndarray, actual_day0: int,
             origin: int, n_days: int) -> np.ndarray:
    """Forecast for days ``[origin, origin + n_days)`` re-anchored on the last LEVEL_DAYS.

    ``pred`` (…, len(pred_days)) are predictions for the absolute days
    ``pred_days`` (contiguous); ``actual`` (…, days) counts from ``actual_day0``.
    """
    p0 = int(pred_days[0])
    lo = max(origin - LEVEL_DAYS, actual_day0, p0)
    fitted = np.clip(pred[..., lo - p0:origin - p0], 0.0, None).sum(axis=-1)
    seen = actual[..., lo - actual_day0:origin - actual_day0].sum(axis=-1)
    r = np.clip((seen + 1.0) / (fitted + 1.0), *_RATIO_CLIP)
    out = pred[..., origin - p0:origin - p0 + n_days] * np.asarray(r)[..., None]
    return np.asarray(np.clip(out, 0.0, None))

