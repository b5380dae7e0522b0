"""Forecast expected incidents per H3 cell and time window (shift, hour or week).

One functional entry point, :func:`forecast_cells`, backed by small model
classes with ``fit``/``predict`` that all see the same :class:`History`: dense
daily counts per domain cell and shift slot, built only from incidents
strictly before ``train_until`` (filtered at entry, so nothing at or after the
cut-off can influence a forecast).

Windows
-------
``"shift"``
    Every shift (``settings.SHIFTS``) that *starts* in
    ``[train_until, train_until + horizon_days)``. With the default shifts the
    first window is 06:00–14:00 of ``train_until`` and the last is the night
    shift of the last day, ending at 06:00 the day after the horizon.
``"hourly"``
    Every hour of ``[train_until, train_until + horizon_days)``.
``"week"``
    One window ``[train_until, train_until + horizon_days)``.

Models
------
Baselines, as an analyst would draw a map:

``retro28``
    All incidents of the cell in the last 28 days (same value for every window).
``retro_shift``
    Incidents of the cell in the same shift (hour, for hourly windows) over the
    last 56 days.
``longrun``
    Incidents of the cell in the same shift (hour) over all history.
``prospective``
    Bowers–Johnson–Pease prospective map: every incident of the last
    :data:`PROSPECTIVE_WEEKS` weeks weighted ``1/(1 + weeks ago)`` ×
    ``1/(1 + ring distance)`` for the cell itself and its two H3 rings.

``boosted`` (the default)
    Poisson gradient-boosted trees (LightGBM, 200 rounds, one thread)
    trained on many past weekly origins to map features at an origin to the
    next week's count per cell and shift: the cell's same-shift and all-shift
    rates over 7, 28, 91, 365, 1,095 days and all history, the same for its
    ring-1 and ring-2 neighbourhoods, self-exciting (ETAS-like) exponentially
    decayed counts at several time scales, days since the last incident in the
    cell and its ring, and the cell's mix of the :data:`TOP_TYPES` most frequent
    crime types (rates over 28, 91, 365 days, share, decayed count): some types
    are much more persistent in a place than others. Training origins are the
    52 weeks before the cut-off (origin ``train_until - 8 - 7k`` days, so every
    target week ends before the last, partly unobserved, night shift). The
    weekly count is then spread over the days of the horizon by the cell's
    weekday profile for that shift over the last two years, shrunk towards the
    city's profile (holidays of ``country`` count as Sundays), and over hours by
    its smoothed hour profile. Chosen and tuned on 2023–2024 Philadelphia
    origins (see ``bench/forecast.py``).

    Speed (so the Pronóstico page answers in seconds): the features of all
    origins are computed at once (:func:`_features_many`): window rates from
    cumulative counts, decayed and type counts from one sparse product of the
    mostly-zero daily counts with a (days × origins) weight matrix; they equal
    the per-origin sums to float32 precision. Most training rows of a sparse
    city are zero counts, so :func:`_subsample_zeros` keeps every positive row
    and a share ``q = max(0.2, 3 × positives / zeros)`` (at most 1) of the
    zeros, drawn (seeded) within each cell and shift so that each keeps its
    exact zero count as weight (kept zeros weigh about ``1/q``: the Poisson loss
    stays unbiased). Trees fitted on a subsample still over-predict the
    unsampled zeros a little, so the model is re-levelled by one factor so its
    total matches the training targets on an independent draw of zeros (plus
    every positive); that factor does not change any ranking. On the demo store
    (6,603 cells, 1.6 % positive rows, ``q = 0.2``) a 7-day forecast went from
    22 s to about 5 s; Philadelphia (22 % positive rows, ``q ≈ 0.85``) gains
    mainly from the features. The floor 0.2 was checked on the 2023–2024
    tuning origins, also on a 10 % thinning of Philadelphia (``q`` would be
    0.11 there): hit rates at 1 % and 5 % within 0.003 of the full fit, while
    ``q = 0.11`` lost 0.007 at 5 % on week windows.

``expected`` is an expected count for the window (calibrated, so sums over
cells and windows are meaningful); ``lower``/``upper`` are the 5 % and 95 %
Poisson quantiles of ``expected`` (they ignore model uncertainty).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
from scipy import sparse

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError, InsufficientHistoryError

WindowKind = Literal["shift", "hourly", "week"]

#: Window kinds accepted by :func:`forecast_cells`.
WINDOW_KINDS: Final = ("shift", "hourly", "week")
#: Default forecast horizon, days.
HORIZON_DAYS: Final = 7
#: Default country for holiday flags (``holidays`` package code).
HOLIDAY_COUNTRY: Final = "PE"
#: Look-back of the prospective (Bowers–Johnson–Pease) baseline, weeks.
PROSPECTIVE_WEEKS: Final = 8
#: Baseline model names.
BASELINES: Final = ("retro28", "retro_shift", "longrun", "prospective")
#: Name of the default model.
DEFAULT_MODEL: Final = "boosted"
#: Crime types with their own features in the default model (most frequent first).
TOP_TYPES: Final = 8
#: Days of per-type daily counts kept in a :class:`History`.
TYPE_DAYS: Final = 760
#: Quantiles of the ``lower``/``upper`` columns.
INTERVAL: Final = (0.05, 0.95)

_DAY_NS: Final = 86_400 * 10**9


# --------------------------------------------------------------------------- binning


@dataclass(frozen=True)
class BinnedIncidents:
    """Incidents reduced to what the models use, computed once.

    Attributes
    ----------
    cell : numpy.ndarray
        ``uint64`` H3 cell at ``resolution``.
    t : numpy.ndarray
        ``datetime64[ns]`` local wall time.
    day : numpy.ndarray
        Day number (days since 1970-01-01) on which the incident's shift started.
    slot : numpy.ndarray
        Index of the incident's shift in ``shifts``.
    hour : numpy.ndarray
        Local hour of day.
    kind : numpy.ndarray or None
        Code of the incident's ``crime_type`` (``-1`` when missing); ``None``
        when the input has no ``crime_type``.
    """

    cell: np.ndarray
    t: np.ndarray
    day: np.ndarray
    slot: np.ndarray
    hour: np.ndarray
    resolution: int
    shifts: tuple[tuple[str, int, int], ...]
    kind: np.ndarray | None = None

    def before(self, cutoff: pd.Timestamp) -> BinnedIncidents:
        """The incidents strictly before ``cutoff``."""
        m = self.t < np.datetime64(cutoff.to_datetime64(), "ns")
        return BinnedIncidents(self.cell[m], self.t[m], self.day[m], self.slot[m],
                               self.hour[m], self.resolution, self.shifts,
                               None if self.kind is None else self.kind[m])


def _check_shifts(shifts: Sequence[tuple[str, int, int]]) -> list[str]:
    problems = []
    hours = np.zeros(24, dtype=int)
    for item in shifts:
        try:
            _name, start, end = item
            start, end = int(start), int(end)
        except (TypeError, ValueError):
            problems.append(f"turno mal definido: {item!r}")
            continue
        if not (0 <= start < 24 and 0 <= end < 24) or start == end:
            problems.append(f"horas de turno fuera de rango: {item!r}")
            continue
        h = np.arange(24)
        hours += ((h >= start) & (h < end)) if start < end else ((h >= start) | (h < end))
    if not problems and not (hours == 1).all():
        problems.append("los turnos deben cubrir las 24 horas sin solaparse")
    return problems


def bin_incidents(incidents: pd.DataFrame, *, resolution: int = settings.H3_RESOLUTION,
                  shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS,
                  crime_group: str | None = None) -> BinnedIncidents:
    """Validate canonical incidents and bin them into cells and shift slots.

    Rows without a location (no ``h3_r12`` and missing ``lat``/``lon``) are
    dropped: they cannot be placed in a cell.

    Raises
    ------
    IncidentSchemaError
        Listing every problem found (columns, times, shifts, crime group).
    """
    problems: list[str] = []
    cols = set(incidents.columns)
    if "occurred_at" not in cols:
        problems.append("falta la columna 'occurred_at'")
    if "h3_r12" not in cols and not {"lat", "lon"} <= cols:
        problems.append("faltan columnas de ubicación: 'h3_r12' o 'lat' y 'lon'")
    if crime_group is not None:
        if "crime_group" not in cols:
            problems.append("falta la columna 'crime_group' para filtrar por grupo")
        elif crime_group not in settings.CRIME_GROUPS:
            problems.append(f"grupo delictivo desconocido: {crime_group!r} "
                            f"(válidos: {', '.join(settings.CRIME_GROUPS)})")
    problems += _check_shifts(shifts)
    lo, hi = settings.H3_MIN_RESOLUTION, settings.H3_MAX_RESOLUTION
    if not (lo <= int(resolution) <= hi):
        problems.append(f"resolución H3 {resolution} fuera del rango admitido ({lo}–{hi})")
    t = None
    if "occurred_at" in cols:
        try:
            t = pd.to_datetime(incidents["occurred_at"])
            if getattr(t.dt, "tz", None) is not None:
                problems.append("'occurred_at' debe ser hora local sin zona horaria")
            elif t.isna().any():
                problems.append(f"{int(t.isna().sum())} incidentes sin fecha en 'occurred_at'")
        except (ValueError, TypeError):
            problems.append("'occurred_at' no contiene fechas válidas")
    if problems:
        msg = "Datos de incidentes no válidos para el pronóstico: " + "; ".join(problems) + "."
        raise IncidentSchemaError(msg)
    assert t is not None
    df = incidents
    keep = np.ones(len(df), dtype=bool)
    if crime_group is not None:
        keep &= (df["crime_group"] == crime_group).to_numpy(dtype=bool, na_value=False)
    if "h3_r12" in cols:
        keep &= df["h3_r12"].notna().to_numpy()
    else:
        keep &= df[["lat", "lon"]].notna().all(axis=1).to_numpy()
    df = df.loc[keep]
    t = t[keep]
    sub = df[["h3_r12"]] if "h3_r12" in cols else df[["lat", "lon"]]
    cell = hexbin.incidents_to_cells(sub, resolution=resolution, column="h3")["h3"].to_numpy(
        dtype=np.uint64)
    tn = t.to_numpy(dtype="datetime64[ns]")
    hour = t.dt.hour.to_numpy(dtype=np.int64)
    day = tn.astype("datetime64[D]").astype(np.int64)
    slot = np.full(len(tn), -1, dtype=np.int64)
    for i, (_n, start, end) in enumerate(shifts):
        if start < end:
            m = (hour >= start) & (hour < end)
        else:
            m = (hour >= start) | (hour < end)
            day = np.where(m & (hour < end), day - 1, day)
        slot[m] = i
    kind = None
    if "crime_type" in cols:
        kind = pd.factorize(df["crime_type"].astype(object), use_na_sentinel=True)[0]
        kind = np.asarray(kind, dtype=np.int32)
    return BinnedIncidents(cell, tn, day, slot.astype(np.int8), hour.astype(np.int8),
                           int(resolution), tuple((str(n), int(a), int(b)) for n, a, b in shifts),
                           kind)


# --------------------------------------------------------------------------- history


def _ring_matrices(cells: np.ndarray) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Sparse ring-1 and ring-2 adjacency among ``cells`` (sorted uint64)."""
    index = {int(c): i for i, c in enumerate(cells)}
    rows: tuple[list[int], list[int]] = ([], [])
    cols: tuple[list[int], list[int]] = ([], [])
    for i, c in enumerate(cells):
        for k in (1, 2):
            for n in h3i.grid_ring(int(c), k):
                j = index.get(n)
                if j is not None:
                    rows[k - 1].append(i)
                    cols[k - 1].append(j)
    n = len(cells)
    mats = tuple(sparse.csr_matrix((np.ones(len(r), dtype=np.float32), (r, cc)), shape=(n, n))
                 for r, cc in zip(rows, cols, strict=True))
    return mats[0], mats[1]


@dataclass
class History:
    """Dense counts of the training incidents (all strictly before ``train_until``).

    Attributes
    ----------
    cells : numpy.ndarray
        Domain: sorted ``uint64`` cells with at least one training incident.
    day0 : int
        Day number of ``counts[:, 0]``.
    counts : numpy.ndarray
        ``float32`` array (cells, days, slots): incidents per cell, shift-start
        day and shift. Day ``n_days - 1`` is the day before ``train_until``.
    hours : numpy.ndarray
        (cells, 24) counts per local hour over all history; ``hours_recent``
        the same over the last 56 days.
    types : numpy.ndarray or None
        ``float32`` (cells, :data:`TYPE_DAYS`, groups): daily counts of the
        :data:`TOP_TYPES` most frequent crime types of the training data and
        of all other types, over the last days (``None`` without
        ``crime_type``). Day ``TYPE_DAYS - 1`` is the day before the cut-off.
    """

    cells: np.ndarray
    day0: int
    counts: np.ndarray
    hours: np.ndarray
    hours_recent: np.ndarray
    shifts: tuple[tuple[str, int, int], ...]
    country: str
    ring1: sparse.csr_matrix
    ring2: sparse.csr_matrix
    types: np.ndarray | None = None
    _cum: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_days(self) -> int:
        return int(self.counts.shape[1])

    @property
    def cum(self) -> np.ndarray:
        """Cumulative counts over days, (cells, days + 1, slots)."""
        if self._cum is None:
            c = np.zeros((self.counts.shape[0], self.n_days + 1, self.counts.shape[2]),
                         dtype=np.float32)
            np.cumsum(self.counts, axis=1, out=c[:, 1:])
            self._cum = c
        return self._cum

    def window(self, end: int, length: int | None) -> np.ndarray:
        """Counts per cell and slot over days ``[end - length, end)`` (all if None)."""
        cum = self.cum
        start = 0 if length is None else max(end - length, 0)
        return cum[:, end] - cum[:, start]

    def weekdays(self, days: np.ndarray) -> np.ndarray:
        """Weekday (0 = Monday) of absolute day numbers, holidays as Sunday (6)."""
        days = np.asarray(days, dtype=np.int64)
        wd = (days + 3) % 7  # 1970-01-01 was a Thursday
        hol = _holiday_days(self.country, days)
        return np.where(np.isin(days, hol), 6, wd)


def _holiday_days(country: str, days: np.ndarray) -> np.ndarray:
    if country is None or len(days) == 0:
        return np.empty(0, dtype=np.int64)
    import holidays

    d = np.asarray(days, dtype="datetime64[D]")
    years = range(int(d.min().astype("datetime64[Y]").astype(int) + 1970),
                  int(d.max().astype("datetime64[Y]").astype(int) + 1971))
    cal = holidays.country_holidays(country, years=list(years))
    return np.array([np.datetime64(x, "D").astype(np.int64) for x in cal], dtype=np.int64)


def incidents_to_history(binned: BinnedIncidents, *, train_until: pd.Timestamp,
                         country: str = HOLIDAY_COUNTRY) -> History:
    """Dense training counts from the incidents strictly before ``train_until``."""
    b = binned.before(train_until)
    if len(b.cell) == 0:
        msg = (f"No hay incidentes anteriores a {train_until:%Y-%m-%d}: "
               "no se puede entrenar un pronóstico.")
        raise InsufficientHistoryError(msg)
    cells, ci = np.unique(b.cell, return_inverse=True)
    end_day = int(np.datetime64(train_until.to_datetime64(), "D").astype(np.int64))
    day0 = int(b.day.min())
    n_days = end_day - day0
    n_slots = len(binned.shifts)
    flat = (ci * n_days + (b.day - day0)) * n_slots + b.slot
    counts = np.bincount(flat, minlength=len(cells) * n_days * n_slots).astype(np.float32)
    counts = counts.reshape(len(cells), n_days, n_slots)
    hours = np.bincount(ci * 24 + b.hour, minlength=len(cells) * 24).reshape(len(cells), 24)
    recent = b.t >= np.datetime64((train_until - pd.Timedelta(days=56)).to_datetime64(), "ns")
    hours_recent = np.bincount(ci[recent] * 24 + b.hour[recent],
                               minlength=len(cells) * 24).reshape(len(cells), 24)
    r1, r2 = _ring_matrices(cells)
    types = None
    if b.kind is not None:
        freq = np.bincount(b.kind[b.kind >= 0])
        top = np.argsort(-freq, kind="stable")[:TOP_TYPES]
        top = top[freq[top] > 0]
        lut = np.full(max(len(freq), 1) + 1, len(top), dtype=np.int64)  # last: other/missing
        lut[top] = np.arange(len(top))
        g = lut[np.where(b.kind >= 0, b.kind, len(lut) - 1)]
        n_g = len(top) + 1
        rel = b.day - (day0 + n_days - TYPE_DAYS)
        m = rel >= 0
        types = np.bincount((ci[m] * TYPE_DAYS + rel[m]) * n_g + g[m],
                            minlength=len(cells) * TYPE_DAYS * n_g).astype(np.float32)
        types = types.reshape(len(cells), TYPE_DAYS, n_g)
    return History(cells, day0, counts, hours.astype(np.float64),
                   hours_recent.astype(np.float64), binned.shifts, country, r1, r2, types)


# --------------------------------------------------------------------------- models


def _slot_hours(shifts: Sequence[tuple[str, int, int]]) -> list[np.ndarray]:
    out = []
    for _n, start, end in shifts:
        out.append(np.arange(start, end) if start < end
                   else np.r_[np.arange(start, 24), np.arange(0, end)])
    return out


class CellModel:
    """Interface: ``fit(history)`` then ``predict_slots``/``predict_hours``.

    ``predict_slots(history, days)`` returns expected incidents per (cell, day,
    slot) window, days being absolute day numbers (shift start day).
    ``predict_hours`` returns (cell, day, 24) for calendar hours; the default
    spreads each slot over its hours by the cell's hour profile (uniform for
    baselines that ignore time of day).
    """

    name = "base"
    hour_profile = "uniform"

    def fit(self, history: History) -> CellModel:
        return self

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def hour_shares(self, history: History) -> np.ndarray:
        """(cells, 24): share of its slot's expected count for each hour."""
        n = len(history.cells)
        share = np.zeros((n, 24))
        for hrs in _slot_hours(history.shifts):
            if self.hour_profile == "uniform":
                share[:, hrs] = 1.0 / len(hrs)
            else:
                src = history.hours if self.hour_profile == "longrun" else history.hours_recent
                part = src[:, hrs]
                glob = history.hours[:, hrs].sum(axis=0) + 1.0
                glob = glob / glob.sum()
                k = 0.0 if self.hour_profile != "smoothed" else 10.0
                tot = part.sum(axis=1, keepdims=True)
                with np.errstate(invalid="ignore", divide="ignore"):
                    s = (part + k * glob) / (tot + k)
                share[:, hrs] = np.where(tot + k > 0, s, 1.0 / len(hrs))
        return share

    def predict_hours(self, history: History, days: np.ndarray) -> np.ndarray:
        days = np.asarray(days, dtype=np.int64)
        # slot of each hour on a calendar day, and whether it started the day before
        ext = np.r_[days[0] - 1, days]
        slot_pred = self.predict_slots(history, ext)  # (cells, len(ext), slots)
        share = self.hour_shares(history)
        out = np.empty((len(history.cells), len(days), 24))
        for s, (_n, start, end) in enumerate(history.shifts):
            for h in _slot_hours([history.shifts[s]])[0]:
                back = start > end and h < end
                src = slot_pred[:, :-1, s] if back else slot_pred[:, 1:, s]
                out[:, :, h] = src * share[:, [h]]
        return out


def _slot_fraction(shifts: Sequence[tuple[str, int, int]]) -> np.ndarray:
    return np.array([len(h) / 24 for h in _slot_hours(shifts)])


class Retro28Model(CellModel):
    """All incidents of the cell in the last 28 days."""

    name = "retro28"

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        rate = history.window(history.n_days, 28).sum(axis=1) / 28.0  # per day
        frac = _slot_fraction(history.shifts)
        return np.broadcast_to(rate[:, None, None] * frac[None, None, :],
                               (len(rate), len(days), len(frac))).copy()


class RetroShiftModel(CellModel):
    """Incidents of the cell in the same shift over the last 56 days."""

    name = "retro_shift"
    hour_profile = "recent"
    days = 56

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        span = min(self.days, history.n_days) if self.days else history.n_days
        rate = history.window(history.n_days, self.days) / max(span, 1)  # per slot window
        return np.broadcast_to(rate[:, None, :], (rate.shape[0], len(days), rate.shape[1])).copy()


class LongRunModel(RetroShiftModel):
    """Incidents of the cell in the same shift over all history."""

    name = "longrun"
    hour_profile = "longrun"
    days = 0  # all history

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        rate = history.window(history.n_days, None) / max(history.n_days, 1)
        return np.broadcast_to(rate[:, None, :], (rate.shape[0], len(days), rate.shape[1])).copy()


class ProspectiveModel(CellModel):
    """Bowers–Johnson–Pease prospective hotspot map (cell and two rings)."""

    name = "prospective"

    def __init__(self, weeks: int = PROSPECTIVE_WEEKS) -> None:
        self.weeks = weeks

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        end = history.n_days
        score = np.zeros(len(history.cells))
        for w in range(self.weeks):
            lo, hi = max(end - 7 * (w + 1), 0), max(end - 7 * w, 0)
            score += (history.cum[:, hi] - history.cum[:, lo]).sum(axis=1) / (1.0 + w)
        score = score + history.ring1 @ score / 2.0 + history.ring2 @ score / 3.0
        # scale so the map sums to the recent daily rate (ranking is what matters)
        recent = history.window(end, 7 * self.weeks).sum() / max(min(7 * self.weeks, end), 1)
        total = score.sum()
        rate = score * (recent / total) if total > 0 else score
        frac = _slot_fraction(history.shifts)
        return np.broadcast_to(rate[:, None, None] * frac[None, None, :],
                               (len(rate), len(days), len(frac))).copy()


#: Features of the boosted model: (kind, window days or decay) — see `_features`.
_RATE_WINDOWS: Final = (7, 28, 91, 365, 1095, None)
_ETAS_TAUS: Final = (1.0, 3.0, 7.0, 30.0)


def _day_matrix(arr: np.ndarray, lo: int, hi: int) -> sparse.csr_matrix:
    """Sparse (cells × groups, hi - lo) view of ``arr[:, lo:hi, :]`` (rows cell-major)."""
    n, _, g = arr.shape
    sub = arr[:, lo:hi, :]
    c, d, k = np.nonzero(sub)
    return sparse.csr_matrix((sub[c, d, k].astype(np.float64), (c * g + k, d)),
                             shape=(n * g, max(hi - lo, 0)))


def _day_weights(lo: int, hi: int, starts: np.ndarray, ends: np.ndarray,
                 tau: float | None = None) -> np.ndarray:
    """(hi - lo, origins) weights of days ``lo..hi-1``: 1, or ``exp(-(end - day - 0.5)/tau)``,
    for ``start <= day < end`` of each origin's window, else 0."""
    d = np.arange(lo, hi, dtype=np.float64)[:, None]
    inside = (d >= starts[None, :]) & (d < ends[None, :])
    if tau is None:
        return inside.astype(np.float64)
    return np.where(inside, np.exp(-(ends[None, :] - d - 0.5) / tau), 0.0)


def _features_many(history: History, origins: Sequence[int],
                   rows: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """Features at several origins at once, each using days < its origin only.

    Rows are ordered origin-major, then cell, then slot (the concatenation of
    one block per origin); ``rows`` selects some of them (flat indices in that
    order). Windowed sums come from cumulative counts and from one sparse
    product of the (mostly zero) daily counts with a (days × origins) weight
    matrix, instead of re-summing every window for every origin.
    """
    n, n_days, n_slots = history.counts.shape
    O = np.asarray(origins, dtype=np.int64)
    m = len(O)
    if rows is None:
        rows = np.arange(m * n * n_slots)
    oi, ci, si = np.unravel_index(np.asarray(rows, dtype=np.int64), (m, n, n_slots))
    cols: list[np.ndarray] = []
    names: list[str] = []

    def add(name: str, a: np.ndarray) -> None:
        """``a`` broadcastable to (cells, origins, slots)."""
        full = np.broadcast_to(a, (n, m, n_slots))
        cols.append(full[ci, oi, si].astype(np.float32))
        names.append(name)

    def ring(mat: sparse.csr_matrix, a: np.ndarray) -> np.ndarray:
        return np.asarray(mat @ a.reshape(n, -1)).reshape(a.shape)

    cum = history.cum
    for L in _RATE_WINDOWS:
        start = np.zeros_like(O) if L is None else np.maximum(O - L, 0)
        span = O if L is None else np.minimum(L, O)
        w = (cum[:, O] - cum[:, start]).astype(np.float64) / np.maximum(span, 1)[None, :, None]
        tag = "all" if L is None else str(L)
        a = w.sum(axis=2, keepdims=True)
        add(f"cell_all_{tag}", a)
        add(f"cell_slot_{tag}", w)
        if L in (28, 365, 1095, None):
            add(f"r1_all_{tag}", ring(history.ring1, a))
            add(f"r1_slot_{tag}", ring(history.ring1, w))
            add(f"r2_all_{tag}", ring(history.ring2, a))
        if L in (7, 91):
            add(f"r1_all_{tag}", ring(history.ring1, a))
    look = np.minimum(365, O)
    st = O - look
    lo, hi = int(st.min()), int(O.max())
    counts = _day_matrix(history.counts, lo, hi)  # (cells*slots, days)
    wts = np.hstack([_day_weights(lo, hi, st, O, tau) for tau in _ETAS_TAUS])
    et = np.asarray(counts @ wts).reshape(n, n_slots, len(_ETAS_TAUS), m)
    for j, tau in enumerate(_ETAS_TAUS):
        slot_e = et[:, :, j, :].transpose(0, 2, 1)  # (cells, origins, slots)
        e = slot_e.sum(axis=2, keepdims=True)
        add(f"etas_{tau:g}", e)
        if tau >= 7:
            add(f"etas_slot_{tau:g}", slot_e)
            add(f"r1_etas_{tau:g}", ring(history.ring1, e))
    any_day = history.counts[:, lo:hi, :].sum(axis=2) > 0  # (cells, days)
    day_no = np.arange(lo, hi)
    r1 = history.ring1.tocsr()
    ring_any = (r1 @ any_day.astype(np.float32)) > 0
    for name, flag in (("days_since", any_day), ("r1_days_since", ring_any)):
        last = np.maximum.accumulate(np.where(flag, day_no[None, :], -1), axis=1)[:, O - 1 - lo]
        add(name, np.where(last >= st[None, :], O[None, :] - last, 400)[:, :, None]
            .astype(np.float64))
    if history.types is not None:
        n_types = history.types.shape[1]
        g = history.types.shape[2]
        t_end = n_types - (n_days - O)
        e_t = np.maximum(t_end, 0)
        s_t = np.maximum(t_end - 365, 0)
        tlo, thi = int(s_t.min()), int(e_t.max())
        tmat = _day_matrix(history.types, tlo, thi)  # (cells*groups, days)
        wins = (28, 91, 365)
        wts = np.hstack([_day_weights(tlo, thi, np.maximum(e_t - L, s_t), e_t) for L in wins]
                        + [_day_weights(tlo, thi, s_t, e_t, 30.0)])
        res = np.asarray(tmat @ wts).reshape(n, g, len(wins) + 1, m).transpose(0, 3, 1, 2)
        for j, L in enumerate(wins):  # res: (cells, origins, groups, 4)
            part = res[:, :, :, j] / np.maximum(np.minimum(L, O), 1)[None, :, None]
            for k in range(g):
                add(f"type{k}_{L}", part[:, :, k:k + 1])
        year = res[:, :, :, 2]
        share = year / np.maximum(year.sum(axis=2, keepdims=True), 1.0)
        for k in range(g):
            add(f"type{k}_share", share[:, :, k:k + 1])
            add(f"type{k}_etas_30", res[:, :, k:k + 1, 3])
    add("slot", np.arange(n_slots, dtype=np.float64)[None, None, :])
    add("history_days", O.astype(np.float64)[None, :, None])
    return np.column_stack(cols), names


def _features(history: History, origin: int) -> tuple[np.ndarray, list[str]]:
    """Features per (cell, slot), rows ordered cell-major, using days < ``origin`` only."""
    return _features_many(history, [origin])


def _subsample_zeros(y: np.ndarray, groups: np.ndarray, *, ratio: float | None,
                     floor: float, seed: int | None
                     ) -> tuple[np.ndarray, np.ndarray, float]:
    """Training rows to keep: every positive target and a share ``q`` of the zeros.

    ``q = ratio × positives / zeros`` (about ``ratio`` kept zeros per positive),
    clipped to ``[floor, 1]``. The zeros are sampled within each group (a cell
    and slot, over the training origins): a group with ``z`` zero rows keeps
    ``k = max(1, round(q z))`` of them, chosen at random (seeded), each weighing
    ``z / k``. The weighted Poisson loss is then an unbiased estimate of the
    full one, and every group keeps its exact total weight, so the trees cannot
    mistake sampling noise for a cell with a higher rate. ``ratio=None`` keeps
    every row.

    Returns
    -------
    rows, weight, q
        Sorted row indices, their weights, and the rate ``q``.
    """
    pos = y > 0
    n_pos, n_zero = int(pos.sum()), int((~pos).sum())
    if ratio is None or n_zero == 0:
        return np.arange(len(y)), np.ones(len(y)), 1.0
    q = float(min(1.0, max(floor, ratio * max(n_pos, 1) / n_zero)))
    if q >= 1.0:
        return np.arange(len(y)), np.ones(len(y)), 1.0
    rng = np.random.default_rng(0 if seed is None else int(seed))
    zero = np.flatnonzero(~pos)
    g = groups[zero]
    order = np.lexsort((rng.random(len(zero)), g))  # by group, random within group
    gs = g[order]
    first = np.r_[0, np.flatnonzero(gs[1:] != gs[:-1]) + 1]
    size = np.diff(np.r_[first, len(gs)])
    rank = np.arange(len(gs)) - np.repeat(first, size)
    k = np.maximum(1, np.rint(q * size)).astype(np.int64)
    kept = rank < np.repeat(k, size)
    zrows = zero[order[kept]]
    zw = np.repeat(size / k, size)[kept]
    rows = np.concatenate([np.flatnonzero(pos), zrows])
    weight = np.concatenate([np.ones(n_pos), zw])
    srt = np.argsort(rows, kind="stable")
    return rows[srt], weight[srt], q


class BoostedModel(CellModel):
    """Poisson gradient boosting (LightGBM) over rolling weekly origins (see module notes)."""

    name = "boosted"
    hour_profile = "smoothed"

    def __init__(self, *, n_origins: int = 52, step_days: int = 7, n_rounds: int = 200,
                 learning_rate: float = 0.05, num_leaves: int = 31,
                 min_data_in_leaf: int = 100, feature_fraction: float = 0.7,
                 bagging_fraction: float = 0.7, weekday_k: float = 300.0,
                 zero_ratio: float | None = 3.0, zero_floor: float = 0.2,
                 calibrate: bool = True, seed: int | None = None) -> None:
        self.n_origins = n_origins
        self.step_days = step_days
        self.n_rounds = n_rounds
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.weekday_k = weekday_k
        self.zero_ratio = zero_ratio
        self.zero_floor = zero_floor
        self.calibrate = calibrate
        self.scale_: float = 1.0
        self.seed = seed
        self.zero_rate_: float = 1.0
        self.model_: object | None = None

    def training_origins(self, history: History) -> list[int]:
        """Past origins whose 7-day targets end before the last (partial) day."""
        last = history.n_days - 8
        first = min(28, last)
        out = [last - self.step_days * k for k in range(self.n_origins)]
        return [o for o in out if o >= max(first, 1)]

    def fit(self, history: History) -> BoostedModel:
        try:
            import lightgbm as lgb
        except ImportError as exc:  # pragma: no cover - depends on the environment
            msg = "El modelo por defecto necesita lightgbm: pip install lightgbm==4.7.0"
            raise ImportError(msg) from exc

        origins = self.training_origins(history)
        if len(origins) < 4:
            msg = ("Historia insuficiente para el modelo por defecto: se necesitan al menos "
                   "8 semanas de incidentes antes de la fecha de corte.")
            raise InsufficientHistoryError(msg)
        # targets of every (origin, cell, slot), origin-major like the feature rows
        o = np.asarray(origins, dtype=np.int64)
        cum = history.cum
        y_all = (cum[:, o + 7] - cum[:, o]).transpose(1, 0, 2).reshape(-1).astype(np.float64)
        groups = np.arange(len(y_all)) % (cum.shape[0] * cum.shape[2])  # cell and slot
        rows, weight, self.zero_rate_ = _subsample_zeros(
            y_all, groups, ratio=self.zero_ratio, floor=self.zero_floor, seed=self.seed)
        cal_rows = cal_w = None
        if self.zero_rate_ < 1.0 and self.calibrate:
            # an independent draw of zeros (plus every positive) to re-level the fitted model
            cal_rows, cal_w, _ = _subsample_zeros(
                y_all, groups, ratio=self.zero_ratio, floor=self.zero_floor,
                seed=(0 if self.seed is None else int(self.seed)) + 1_000_003)
            union = np.union1d(rows, cal_rows)
            xu, _ = _features_many(history, origins, union)
            X, x_cal = xu[np.searchsorted(union, rows)], xu[np.searchsorted(union, cal_rows)]
        else:
            X, _ = _features_many(history, origins, rows)
        y = y_all[rows]
        # one thread: on a shared 2-core machine OpenMP spin-waiting made fits ~7x slower
        params = {
            "objective": "poisson", "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": int(min(self.min_data_in_leaf, max(5, len(y) // 50))),
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction, "bagging_freq": 1,
            "num_threads": 1, "deterministic": True, "verbose": -1,
            "seed": 0 if self.seed is None else int(self.seed),
        }
        self.model_ = lgb.train(params, lgb.Dataset(X, y, weight=weight),
                                num_boost_round=self.n_rounds)
        self.scale_ = 1.0
        if cal_rows is not None:
            fitted = float(np.dot(cal_w, self.model_.predict(x_cal)))
            if fitted > 0:
                self.scale_ = float(y_all.sum()) / fitted
        return self

    def predict_week(self, history: History) -> np.ndarray:
        """Expected incidents per (cell, slot) over the next 7 days."""
        x, _ = _features(history, history.n_days)
        return self.scale_ * np.asarray(self.model_.predict(x)).reshape(len(history.cells), -1)

    def weekday_profile(self, history: History) -> np.ndarray:
        """(cells, slots, 7): smoothed share of a week's slot count on each weekday."""
        look = min(730, history.n_days)
        days = np.arange(history.day0 + history.n_days - look, history.day0 + history.n_days)
        wd = history.weekdays(days)
        recent = history.counts[:, -look:, :]
        per = np.stack([recent[:, wd == d, :].sum(axis=1) for d in range(7)], axis=2)
        glob = per.sum(axis=0) + 1.0
        glob = glob / glob.sum(axis=1, keepdims=True)
        tot = per.sum(axis=2, keepdims=True)
        k = self.weekday_k
        return (per + k * glob[None]) / (tot + k)

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        week = self.predict_week(history)
        prof = self.weekday_profile(history)  # (cells, slots, 7)
        wd = history.weekdays(np.asarray(days))
        return week[:, None, :] * np.moveaxis(prof[:, :, wd], 2, 1)


def _model_classes() -> Mapping[str, type[CellModel]]:
    return {"retro28": Retro28Model, "retro_shift": RetroShiftModel, "longrun": LongRunModel,
            "prospective": ProspectiveModel, "boosted": BoostedModel}


#: Model names accepted by :func:`forecast_cells` (``"default"`` means :data:`DEFAULT_MODEL`).
MODEL_NAMES: Final = (*BASELINES, "boosted")


def make_model(name: str, *, seed: int | None = None) -> CellModel:
    """A fresh model by name."""
    key = DEFAULT_MODEL if name == "default" else name
    classes = _model_classes()
    if key not in classes:
        msg = f"Modelo desconocido: {name!r} (válidos: default, {', '.join(classes)})."
        raise IncidentSchemaError(msg)
    cls = classes[key]
    return cls(seed=seed) if cls is BoostedModel else cls()


# --------------------------------------------------------------------------- windows


def _parse_cutoff(train_until: object, problems: list[str]) -> pd.Timestamp | None:
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
        window.
    """
    problems: list[str] = []
    cutoff = _parse_cutoff(train_until, problems)
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
    return array_to_frame(history, exp, starts, ends)
