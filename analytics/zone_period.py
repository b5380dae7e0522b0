"""Expected incidents of a whole period per zone, with an honest interval for the sum.

For Codisec meetings: is this quarter's count in a district within what was
to be expected, or above or below it? The expected count comes from the zone
forecast (:func:`analytics.zone_forecast.forecast_zones`, daily windows) made
with a cut-off at the period's first day, summed over the period's days. Only
incidents before the period are used.

The interval of a sum
---------------------
The core's intervals are calibrated for one day. Adding daily bounds, or
daily variances as if days were independent, would give a sum interval that
is far too narrow: a level error (the whole quarter running 8 % above the
forecast) is shared by every day of the period. A band that narrow would call
ordinary noise "por encima de lo esperado", the very mistake the comparison
is meant to prevent. So the spread of the *sum* is measured on the same
procedure: the period's forecast is repeated at :data:`PERIOD_ORIGINS`
earlier origins, each ``L`` days before the previous one (``L`` = the
period's length in days), and each zone's forecast sum is compared with what
happened in those ``L`` days. The residuals give one pooled negative-binomial
dispersion of period sums (moment estimate ``φ = Σ((y − μ)² − μ) / Σμ²``,
``var = μ + φμ²``, floored at 0 = Poisson), and the interval is the NB
quantiles ``(1 ∓ interval) / 2`` around each zone's expected sum. Pooling
over zones is what a few origins allow; large zones weigh most, and in small
zones the Poisson term dominates anyway.

When fewer than :data:`MIN_RESIDUALS` zone-periods can be checked (short
history), the daily dispersion of each zone (the core's ``dispersion``,
measured on 28-day backtests) is applied to the sum as if the level error
were fully shared by all days (``var = M + φM²``), and never below
:data:`FALLBACK_DISPERSION`: a deliberately wide band, said so in the notes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Final, Literal

import numpy as np
import pandas as pd

from analytics import zone_forecast as zf
from analytics._errors import IncidentSchemaError, InsufficientHistoryError
from analytics._zone_intervals import nb_ppf

#: Earlier periods of the same length on which the spread of a period's sum is measured.
PERIOD_ORIGINS: Final = 3
#: Zone-periods (with a positive forecast) needed to trust the measured spread.
MIN_RESIDUALS: Final = 8
#: Least dispersion of a period sum when it could not be measured (relative sd ≥ 10 %).
FALLBACK_DISPERSION: Final = 0.01
#: Longest period, days.
MAX_PERIOD_DAYS: Final = 366
#: Verdicts of :func:`expected_verdict`.
VERDICTS: Final = ("below", "within", "above")

Verdict = Literal["below", "within", "above"]


def _day(value: object, what: str, problems: list[str]) -> pd.Timestamp | None:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if pd.isna(ts):
        problems.append(f"{what} no válida: {value!r}")
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    if ts != ts.normalize():
        problems.append(f"{what} debe ser un día a las 00:00, no {ts}")
    return pd.Timestamp(ts.normalize())


def counts_in_period(events: pd.DataFrame, *, start: object, end: object) -> pd.Series:
    """Incidents per zone with ``start <= occurred_at < end`` (a Series indexed by zone)."""
    t = pd.to_datetime(events["occurred_at"])
    m = ((t >= pd.Timestamp(start)) & (t < pd.Timestamp(end))).to_numpy()
    z = events["zone"].astype(str).to_numpy()[m]
    return pd.Series(z).value_counts().rename("count").rename_axis("zone")


def _sums(result: zf.ZoneForecast) -> pd.Series:
    return result.table.groupby("zone", sort=True)["expected"].sum()


def sum_dispersion(actual: np.ndarray, expected: np.ndarray) -> tuple[float, int]:
    """Pooled NB dispersion of period sums and how many zone-periods it rests on.

    ``φ = max(0, Σ((y − μ)² − μ) / Σμ²)`` over the pairs with ``μ > 0``.
    """
    y = np.asarray(actual, dtype=np.float64)
    mu = np.asarray(expected, dtype=np.float64)
    ok = np.isfinite(y) & np.isfinite(mu) & (mu > 0)
    info = float((mu[ok] ** 2).sum())
    if info <= 0:
        return 0.0, int(ok.sum())
    return max(0.0, float((((y[ok] - mu[ok]) ** 2) - mu[ok]).sum()) / info), int(ok.sum())


def forecast_period(events: pd.DataFrame, *, start: object, end: object,
                    interval: float = zf.INTERVAL, country: str | None = zf.COUNTRY,
                    zones: Sequence[str] | None = None, origins: int = PERIOD_ORIGINS,
                    max_zone_fits: int = zf.MAX_ZONE_FITS, seed: int | None = 0
                    ) -> zf.ZoneForecast:
    """Expected incidents per zone over ``[start, end)`` with an interval for the sum.

    Parameters
    ----------
    events
        ``occurred_at`` and ``zone`` per incident
        (:func:`analytics.zones.incidents_to_zone_events`); only those before
        ``start`` are used for the forecast, and those of the earlier periods
        to measure its spread.
    start, end
        The period's first day and the day after its last (e.g. a quarter).
    interval
        Central probability of ``lower``–``upper``.
    country, zones, max_zone_fits, seed
        As in :func:`analytics.zone_forecast.forecast_zones`.
    origins
        Earlier periods used to measure the spread of the sum (0: none).

    Returns
    -------
    ZoneForecast
        ``by == "period"``; ``table`` has one row per zone with history:
        ``window_start = start``, ``window_end = end``, ``expected`` (the sum of
        the daily forecasts), ``lower``/``upper`` (integers), ``model`` (the
        zone's daily model). ``zones`` gains ``period_dispersion`` (the φ used)
        and ``notes`` say how the spread was measured.

    Raises
    ------
    IncidentSchemaError
        Invalid dates or parameters.
    InsufficientHistoryError
        No incident with a zone before ``start``.
    """
    t0 = time.perf_counter()
    problems: list[str] = []
    a = _day(start, "Fecha de inicio", problems)
    b = _day(end, "Fecha de fin", problems)
    if a is not None and b is not None and not 1 <= (b - a).days <= MAX_PERIOD_DAYS:
        problems.append(f"el periodo debe durar de 1 a {MAX_PERIOD_DAYS} días")
    if not isinstance(origins, (int, np.integer)) or not 0 <= int(origins) <= 12:
        problems.append(f"orígenes no válidos: {origins!r} (0 a 12)")
    if problems:
        raise IncidentSchemaError("Periodo no válido: " + "; ".join(problems) + ".")
    assert a is not None and b is not None
    n_days = int((b - a).days)
    main = zf.forecast_zones(events, train_until=a, horizon_days=n_days, by="day",
                             interval=interval, country=country, zones=zones,
                             max_zone_fits=max_zone_fits, seed=seed)
    expected = _sums(main)
    ys: list[np.ndarray] = []
    mus: list[np.ndarray] = []
    checked = 0
    for k in range(1, int(origins) + 1):
        o = a - pd.Timedelta(days=k * n_days)
        try:
            past = zf.forecast_zones(events, train_until=o, horizon_days=n_days, by="day",
                                     interval=interval, country=country,
                                     max_zone_fits=max_zone_fits, seed=seed)
        except InsufficientHistoryError:
            break
        mu = _sums(past)
        got = counts_in_period(events, start=o, end=o + pd.Timedelta(days=n_days))
        ys.append(got.reindex(mu.index, fill_value=0).to_numpy(dtype=np.float64))
        mus.append(mu.to_numpy(dtype=np.float64))
        checked += 1
    phi, n_res = sum_dispersion(np.concatenate(ys) if ys else np.zeros(0),
                                np.concatenate(mus) if mus else np.zeros(0))
    notes = list(main.notes)
    summary = main.zones.copy()
    daily_phi = summary.set_index("zone")["dispersion"].reindex(expected.index)
    if n_res >= MIN_RESIDUALS:
        phi_z = np.full(len(expected), phi)
        notes.append(f"intervalo de la suma medido en {checked} periodo(s) anterior(es) de "
                     f"{n_days} días ({n_res} comparaciones por zona y periodo)")
    else:
        phi_z = np.maximum(daily_phi.fillna(0.0).to_numpy(dtype=np.float64),
                           FALLBACK_DISPERSION)
        notes.append("historia corta para medir el error de una suma: intervalo amplio "
                     "(el error diario se supone compartido por todos los días del periodo)")
    tail = (1.0 - float(interval)) / 2.0
    m = expected.to_numpy(dtype=np.float64)
    lower = nb_ppf(tail, m, phi_z)
    upper = np.maximum(nb_ppf(1.0 - tail, m, phi_z), lower)
    model = main.table.drop_duplicates("zone").set_index("zone")["model"].reindex(expected.index)
    table = pd.DataFrame({
        "zone": pd.array(expected.index.astype(str).to_numpy(), dtype="str"),
        "window_start": np.full(len(m), a.to_datetime64()),
        "window_end": np.full(len(m), b.to_datetime64()),
        "expected": m, "lower": lower, "upper": upper,
        "model": pd.array(model.astype(str).to_numpy(), dtype="str"),
    })
    summary["period_dispersion"] = summary["zone"].map(
        dict(zip(expected.index.astype(str), phi_z, strict=True)))
    return zf.ZoneForecast(table=table, zones=summary, no_history=main.no_history,
                           train_until=a, by="period", interval=float(interval),
                           levels={"periodo": (tail, 1.0 - tail)},
                           seconds=time.perf_counter() - t0, notes=tuple(notes))


def expected_verdict(count: float, lower: float, upper: float) -> Verdict:
    """``"above"`` when ``count > upper``, ``"below"`` when ``count < lower``, else ``"within"``."""
    if count > upper:
        return "above"
    if count < lower:
        return "below"
    return "within"


def compare_to_expected(counts: Mapping[str, float] | pd.Series, forecast: pd.DataFrame,
                        *, zones: Sequence[str] | None = None) -> pd.DataFrame:
    """Each zone's count against its expected range.

    Parameters
    ----------
    counts
        Incidents per zone in the period (zones absent count 0).
    forecast
        One row per zone: ``zone``, ``expected``, ``lower``, ``upper`` (e.g. the
        ``table`` of :func:`forecast_period`).
    zones
        Zones to report, in this order (default: those of ``forecast``).

    Returns
    -------
    pandas.DataFrame
        ``zone, count, expected, lower, upper, verdict`` (``verdict`` one of
        :data:`VERDICTS`, ``None`` for a zone without a forecast).
    """
    fc = forecast.drop_duplicates("zone").set_index(forecast["zone"].astype(str).to_numpy())
    order = [str(z) for z in (zones if zones is not None else fc.index)]
    got = pd.Series(counts, dtype="float64") if not isinstance(counts, pd.Series) else counts
    got.index = got.index.astype(str)
    rows = []
    for z in order:
        c = float(got.get(z, 0.0))
        if z in fc.index:
            r = fc.loc[z]
            lo, hi = float(r["lower"]), float(r["upper"])
            rows.append({"zone": z, "count": int(c), "expected": float(r["expected"]),
                         "lower": lo, "upper": hi, "verdict": expected_verdict(c, lo, hi)})
        else:
            rows.append({"zone": z, "count": int(c), "expected": np.nan, "lower": np.nan,
                         "upper": np.nan, "verdict": None})
    out = pd.DataFrame(rows, columns=["zone", "count", "expected", "lower", "upper",
                                      "verdict"])
    out["verdict"] = pd.Series([r["verdict"] for r in rows], dtype=object)  # None, not NaN
    return out
