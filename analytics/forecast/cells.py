"""Cell forecasts: the model registry and :func:`forecast_cells`, the functional entry point."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError
from analytics.forecast.baselines import (
    BASELINES,
    CellModel,
    LongRunModel,
    ProspectiveModel,
    Retro28Model,
    RetroShiftModel,
)
from analytics.forecast.boosted import BoostedModel
from analytics.forecast.history import (
    HOLIDAY_COUNTRY,
    HORIZON_DAYS,
    INTERVAL,
    WINDOW_KINDS,
    BinnedIncidents,
    History,
    WindowKind,
    _slot_hours,
    bin_incidents,
    incidents_to_history,
)
from analytics.forecast.selection import AutoModel

#: Name of the default model: boosted, a baseline or a blend, chosen on the data's last weeks.
DEFAULT_MODEL: Final = "auto"


def _model_classes() -> Mapping[str, type[CellModel]]:
    return {"retro28": Retro28Model, "retro_shift": RetroShiftModel, "longrun": LongRunModel,
            "prospective": ProspectiveModel, "boosted": BoostedModel, "auto": AutoModel}


#: Model names accepted by :func:`forecast_cells` (``"default"`` means :data:`DEFAULT_MODEL`).
MODEL_NAMES: Final = (*BASELINES, "boosted", "auto")


def make_model(name: str, *, seed: int | None = None) -> CellModel:
    """A fresh model by name."""
    key = DEFAULT_MODEL if name == "default" else name
    classes = _model_classes()
    if key not in classes:
        msg = f"Modelo desconocido: {name!r} (válidos: default, {', '.join(classes)})."
        raise IncidentSchemaError(msg)
    cls = classes[key]
    return cls(seed=seed) if cls in (BoostedModel, AutoModel) else cls()


# --------------------------------------------------------------------------- windows


def parse_cutoff(train_until: object, problems: list[str]) -> pd.Timestamp | None:
    """The cut-off as a day (00:00), or ``None`` with a Spanish problem appended."""
    try:
        ts = pd.Timestamp(train_until)
    except (ValueError, TypeError):
        problems.append(f"fecha de corte no válida: {train_until!r}")
        return None
    if ts is pd.NaT or pd.isna(ts):
        problems.append("falta la fecha de corte")
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    if ts != ts.normalize():
        problems.append(f"la fecha de corte debe ser un día a las 00:00, no {ts}")
    return ts


def windows_to_array(history: History, model: CellModel, *, train_until: pd.Timestamp,
                     horizon_days: int, windows: WindowKind
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predict with a fitted model as arrays.

    Returns
    -------
    expected : numpy.ndarray
        (domain cells, windows), ≥ 0.
    starts, ends : numpy.ndarray
        ``datetime64[ns]`` window bounds, sorted, non-overlapping.
    """
    start_day = history.day0 + history.n_days
    days = np.arange(start_day, start_day + horizon_days)
    n = len(history.cells)
    day_ts = days.astype("datetime64[D]").astype("datetime64[ns]")
    hour = np.timedelta64(1, "h")
    if windows == "hourly":
        exp = model.predict_hours(history, days).reshape(n, -1)  # (cells, days*24)
        starts = (day_ts[:, None] + np.arange(24)[None, :] * hour).reshape(-1)
        ends = starts + hour
    else:
        pred = model.predict_slots(history, days)  # (cells, days, slots)
        sh = history.shifts
        st_h = np.array([s for _n, s, _e in sh])
        dur = np.array([len(h) for h in _slot_hours(sh)])
        order = np.argsort(st_h, kind="stable")
        starts = (day_ts[:, None] + st_h[order][None, :] * hour).reshape(-1)
        ends = starts + np.tile(dur[order], len(days)) * hour
        exp = pred[:, :, order].reshape(n, -1)
        if windows == "week":
            exp = exp.sum(axis=1, keepdims=True)
            starts = np.array([np.datetime64(train_until.to_datetime64(), "ns")])
            ends = starts + np.timedelta64(horizon_days, "D")
    exp = np.clip(np.nan_to_num(np.asarray(exp, dtype=np.float64), nan=0.0), 0.0, None)
    return exp, starts.astype("datetime64[ns]"), ends.astype("datetime64[ns]")


def array_to_frame(history: History, expected: np.ndarray, starts: np.ndarray,
                   ends: np.ndarray) -> pd.DataFrame:
    """Long frame (``h3``, ``window_start``, ``window_end``, ``expected``, ``lower``, ``upper``)."""
    from scipy.stats import poisson

    n, nw = expected.shape
    out = pd.DataFrame({
        "h3": pd.array(np.repeat(hexbin.cells_to_strings(history.cells), nw), dtype="str"),
        "window_start": np.tile(starts, n),
        "window_end": np.tile(ends, n),
        "expected": expected.reshape(-1),
    })
    e = out["expected"].to_numpy()
    out["lower"] = np.where(e > 0, poisson.ppf(INTERVAL[0], np.maximum(e, 1e-12)), 0.0)
    out["upper"] = np.where(e > 0, poisson.ppf(INTERVAL[1], np.maximum(e, 1e-12)), 0.0)
    return out


def forecast_cells(incidents: pd.DataFrame | BinnedIncidents, *, train_until: object,
                   horizon_days: int = HORIZON_DAYS, resolution: int = settings.H3_RESOLUTION,
                   windows: WindowKind = "shift",
                   shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS,
                   crime_group: str | None = None, model: str = "default",
                   country: str = HOLIDAY_COUNTRY, seed: int | None = None) -> pd.DataFrame:
    """Expected incidents per domain cell and window after ``train_until``.

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at`` naive local time; ``h3_r12`` or
        ``lat``/``lon``; ``crime_group`` when filtering), or the output of
        :func:`bin_incidents` (then ``resolution``, ``shifts`` and
        ``crime_group`` are taken from it).
    train_until
        Cut-off day (00:00 local). Only incidents strictly before it are used.
    horizon_days
        Days forecast, starting at ``train_until``.
    resolution
        H3 resolution of the cells.
    windows
        ``"shift"``, ``"hourly"`` or ``"week"`` (see the module notes).
    shifts
        ``(name, start_hour, end_hour)`` covering the 24 hours.
    crime_group
        Forecast only this group (a key of ``settings.CRIME_GROUPS``).
    model
        ``"default"`` or one of :data:`MODEL_NAMES`.
    country
        ``holidays`` country code for holiday flags (``"PE"``; ``"US"`` for
        Philadelphia).
    seed
        Seed of the model's randomness.

    Returns
    -------
    pandas.DataFrame
        ``h3`` (str), ``window_start``, ``window_end`` (naive local),
        ``expected`` (≥ 0), ``lower``, ``upper``; one row per domain cell
        (every cell with a training incident) and window, sorted by cell then
        window. ``attrs["model"]`` names the model; with ``"auto"``,
        ``attrs["evidence"]`` holds :meth:`ForecastEvidence.to_dict` (what it
        chose, and every candidate's hit rates over the weeks before the
        cut-off).

    Examples
    --------
    One incident a night for 59 nights: the last-28-days map spreads 28 incidents
    over 28 days and three eight-hour shifts.

    >>> t = pd.date_range("2025-01-01 20:00", periods=59, freq="D")
    >>> inc = pd.DataFrame({"occurred_at": t, "lat": -12.068, "lon": -77.018,
    ...                     "crime_group": "patrimonio"})
    >>> fc = forecast_cells(inc, train_until="2025-03-01", horizon_days=1, model="retro28")
    >>> fc["expected"].round(3).tolist()
    [0.333, 0.333, 0.333]
    """
    problems: list[str] = []
    cutoff = parse_cutoff(train_until, problems)
    if not isinstance(horizon_days, (int, np.integer)) or not (1 <= int(horizon_days) <= 366):
        problems.append(f"horizonte no válido: {horizon_days!r} (1 a 366 días)")
    if windows not in WINDOW_KINDS:
        problems.append(f"ventanas desconocidas: {windows!r} (shift, hourly o week)")
    if model != "default" and model not in MODEL_NAMES:
        problems.append(f"modelo desconocido: {model!r} (default, {', '.join(MODEL_NAMES)})")
    if problems:
        raise IncidentSchemaError("Parámetros de pronóstico no válidos: " + "; ".join(problems)
                                  + ".")
    assert cutoff is not None
    if isinstance(incidents, BinnedIncidents):
        binned = incidents.before(cutoff)
    else:
        if "occurred_at" in incidents.columns:
            # drop everything at or after the cut-off before anything else looks at the data
            # (unparseable times are kept so that validation reports them)
            t = pd.to_datetime(incidents["occurred_at"], errors="coerce")
            if getattr(t.dt, "tz", None) is None:
                incidents = incidents.loc[~(t >= cutoff).to_numpy()]
        binned = bin_incidents(incidents, resolution=resolution, shifts=shifts,
                               crime_group=crime_group)
    history = incidents_to_history(binned, train_until=cutoff, country=country)
    m = make_model(model, seed=seed).fit(history)
    exp, starts, ends = windows_to_array(history, m, train_until=cutoff,
                                         horizon_days=int(horizon_days), windows=windows)
    out = array_to_frame(history, exp, starts, ends)
    out.attrs["model"] = m.name
    evidence = getattr(m, "evidence_", None)
    if evidence is not None:
        out.attrs["evidence"] = evidence.to_dict()
    return out
