"""Binned incidents and the dense daily history every model sees.

:func:`bin_incidents` puts incidents in cells and shift slots once; :func:`incidents_to_history`
builds the :class:`History` of one cut-off, from incidents strictly before it only.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def check_shifts(shifts: Sequence[tuple[str, int, int]]) -> list[str]:
    """Problems (Spanish) with a shift table: every hour covered exactly once, valid bounds."""
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


def bin_incidents(incidents: pd.DataFrame, *, resolution: int = settings.H3_RESOLUTION,  # noqa: C901
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
    problems += check_shifts(shifts)
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
        """Days in the history (the counts' second axis)."""
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
        out: np.ndarray = cum[:, end] - cum[:, start]
        return out

    def truncated(self, end: int) -> History:
        """The history as it was at day index ``end`` (days ``< end`` only), sharing arrays.

        Counts, cumulative counts and type counts are views; ``hours`` and
        ``hours_recent`` (used only to spread shifts over hours) are kept as they
        are, and so is the cell domain (cells first seen later have zero counts).
        """
        end = int(min(max(end, 1), self.n_days))
        types = None
        if self.types is not None:
            types = self.types[:, : max(self.types.shape[1] - (self.n_days - end), 0), :]
        return History(self.cells, self.day0, self.counts[:, :end, :], self.hours,
                       self.hours_recent, self.shifts, self.country, self.ring1, self.ring2,
                       types, self.cum[:, : end + 1, :])

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
