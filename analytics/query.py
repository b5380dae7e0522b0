"""Which incidents: the one query type of Vigía.

:class:`IncidentQuery` is a frozen, hashable description of a selection of
incidents. Every reader takes it (the store, the exploration aggregates, the
month-partitioned Parquet dataset, the Dask path) and the app uses it as its
cache key. It renders its own SQL with bound parameters (:meth:`IncidentQuery.sql`),
so user values never enter SQL text.

Conventions
-----------
Period
    ``start`` and ``end`` are calendar days, **both inclusive** (a commander
    asks for "del 1 al 31 de marzo"), in the store's local wall time. The
    half-open timestamps ``[start 00:00, end + 1 day 00:00)`` are
    :meth:`IncidentQuery.bounds`.
Lists
    Groups, types, districts, ubigeos (a city is its district ubigeos: names
    repeat across provinces, ubigeos do not). An empty tuple means "all". Values are
    kept sorted and de-duplicated, so two queries that select the same incidents
    compare (and hash) equal.
Shifts, weekdays
    Shift names of :data:`analytics.settings.SHIFTS` (local hours); weekdays
    0 = Monday … 6 = Sunday.
Precision
    ``precisions`` keeps only incidents placed at least that well (see
    :data:`analytics.settings.LOCATION_PRECISIONS`); empty means every
    accepted incident, located or not. Hexagon analytics use
    :meth:`IncidentQuery.located`.
Resolution
    The H3 resolution the caller aggregates to; it does not change which
    incidents are selected (counts nest across resolutions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from analytics import settings
from analytics._errors import IncidentSchemaError

Timeish: TypeAlias = str | date | datetime | pd.Timestamp | None


def _as_date(value: Timeish) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        day: date = pd.Timestamp(value).date()
        return day
    except (ValueError, TypeError):
        msg = f"Fecha no válida: {value!r} (use AAAA-MM-DD)."
        raise IncidentSchemaError(msg) from None


def _strings(values: Iterable[Any] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(sorted({str(v) for v in values}))


def shift_hours(shifts: Iterable[str], *,
                shift_defs: Sequence[tuple[str, int, int]] = settings.SHIFTS) -> list[int]:
    """Local hours (0–23) covered by the named shifts.

    Raises
    ------
    IncidentSchemaError
        A name is not one of ``shift_defs``.
    """
    wanted = set(shifts)
    unknown = sorted(wanted - {name for name, _, _ in shift_defs})
    if unknown:
        msg = f"Turnos desconocidos: {', '.join(unknown)}."
        raise IncidentSchemaError(msg)
    hours: list[int] = []
    for h in range(24):
        for name, start, end in shift_defs:
            inside = start <= h < end if start < end else (h >= start or h < end)
            if inside:
                if name in wanted:
                    hours.append(h)
                break
    return hours


@dataclass(frozen=True)
class IncidentQuery:
    """Which incidents (see the module notes for the conventions).

    Build it with :meth:`build` (validates and normalises) or directly with
    already-normalised values; change it with :meth:`with_`.

    Examples
    --------
    >>> q = IncidentQuery.build(start="2025-03-01", end="2025-03-31", groups=["patrimonio"])
    >>> q.bounds()
    (Timestamp('2025-03-01 00:00:00'), Timestamp('2025-04-01 00:00:00'))
    >>> q.sql()[0]
    'occurred_at >= ? AND occurred_at < ? AND crime_group IN (?)'
    """

    start: date | None = None
    end: date | None = None
    groups: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    shifts: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()
    districts: tuple[str, ...] = ()
    ubigeos: tuple[str, ...] = ()
    precisions: tuple[str, ...] = ()
    exclude_sensitive: bool = False
    resolution: int = settings.H3_RESOLUTION

    @classmethod
    def build(cls, *, start: Timeish = None, end: Timeish = None,
              groups: Iterable[str] | str | None = None, types: Iterable[str] | str | None = None,
              shifts: Iterable[str] | str | None = None, weekdays: Iterable[int] | None = None,
              districts: Iterable[str] | str | None = None,
              ubigeos: Iterable[str] | str | None = None,
              precisions: Iterable[str] | str | None = None, exclude_sensitive: bool = False,
              resolution: int = settings.H3_RESOLUTION, **unknown: Any) -> IncidentQuery:
        """Validate and normalise; every problem is reported in one error.

        Raises
        ------
        IncidentSchemaError
            Unknown filter name, shift, weekday or precision, a reversed
            period, a resolution outside the accepted range.
        """
        problems: list[str] = []
        if unknown:
            problems.append(f"Filtros desconocidos: {', '.join(sorted(unknown))}.")
        try:
            s, e = _as_date(start), _as_date(end)
        except IncidentSchemaError as exc:
            problems.append(str(exc))
            s = e = None
        if s is not None and e is not None and e < s:
            problems.append(f"El periodo termina ({e}) antes de empezar ({s}).")
        sh = _strings(shifts)
        known = {name for name, _, _ in settings.SHIFTS}
        if set(sh) - known:
            problems.append(f"Turnos desconocidos: {', '.join(sorted(set(sh) - known))}.")
        wd: tuple[int, ...] = ()
        try:
            wd = tuple(sorted({int(d) for d in (weekdays or ())}))
        except (TypeError, ValueError):
            problems.append("Días de la semana no válidos (0 = lunes … 6 = domingo).")
        if any(d < 0 or d > 6 for d in wd):
            problems.append("Días de la semana fuera de 0 (lunes) … 6 (domingo).")
        pr = _strings(precisions)
        if set(pr) - set(settings.LOCATION_PRECISIONS):
            bad = ", ".join(sorted(set(pr) - set(settings.LOCATION_PRECISIONS)))
            problems.append(f"Precisión de ubicación desconocida: {bad} (use "
                            f"{', '.join(settings.LOCATION_PRECISIONS)}).")
        lo, hi = settings.H3_MIN_RESOLUTION, settings.H3_MAX_RESOLUTION
        if not lo <= int(resolution) <= hi:
            problems.append(f"Resolución H3 {resolution} fuera del rango admitido ({lo}–{hi}).")
        if problems:
            raise IncidentSchemaError(" ".join(problems))
        return cls(start=s, end=e, groups=_strings(groups), types=_strings(types), shifts=sh,
                   weekdays=wd, districts=_strings(districts), ubigeos=_strings(ubigeos),
                   precisions=pr,
                   exclude_sensitive=bool(exclude_sensitive), resolution=int(resolution))

    def with_(self, **changes: Any) -> IncidentQuery:
        """A copy with some fields changed (normalised again)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return IncidentQuery.build(**values)

    def located(self) -> IncidentQuery:
        """The query restricted to incidents placed precisely enough for hexagons.

        Keeps an explicit ``precisions`` choice; otherwise uses
        :data:`analytics.settings.HEX_PRECISIONS` (``exacta`` and ``cuadra``).
        """
        return self if self.precisions else replace(self, precisions=settings.HEX_PRECISIONS)

    def bounds(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """Half-open timestamps ``[start 00:00, (end + 1 day) 00:00)``; ``None`` when open."""
        lo = pd.Timestamp(self.start) if self.start is not None else None
        hi = pd.Timestamp(self.end + timedelta(days=1)) if self.end is not None else None
        return lo, hi

    def columns(self) -> set[str]:
        """Incident columns this query reads (for column-pruned readers)."""
        cols = {"occurred_at"} if (self.start or self.end or self.shifts or self.weekdays) \
            else set()
        for column, values in (("crime_group", self.groups), ("crime_type", self.types),
                               ("district", self.districts), ("ubigeo", self.ubigeos),
                               ("location_precision", self.precisions)):
            if values:
                cols.add(column)
        if self.exclude_sensitive:
            cols |= {"crime_group", "crime_type"}
        return cols

    def hours(self) -> list[int]:
        """Local hours selected by :attr:`shifts` (all 24 when empty)."""
        return shift_hours(self.shifts) if self.shifts else list(range(24))

    def sql(self, *, alias: str = "") -> tuple[str, list[Any]]:
        """``WHERE`` condition over the ``incidents`` columns and its bound parameters.

        Parameters
        ----------
        alias
            Table alias to prefix columns with (``"i"`` gives ``i.occurred_at``).

        Returns
        -------
        tuple of (str, list)
            The condition (``"TRUE"`` when nothing is filtered) and its
            parameters, in placeholder order.
        """
        p = f"{alias}." if alias else ""
        conds: list[str] = []
        params: list[Any] = []
        lo, hi = self.bounds()
        if lo is not None:
            conds.append(f"{p}occurred_at >= ?")
            params.append(lo.to_pydatetime())
        if hi is not None:
            conds.append(f"{p}occurred_at < ?")
            params.append(hi.to_pydatetime())
        for column, values in (("crime_group", self.groups), ("crime_type", self.types),
                               ("district", self.districts), ("ubigeo", self.ubigeos),
                               ("location_precision", self.precisions)):
            if values:
                conds.append(f"{p}{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if self.shifts:
            hours = self.hours()
            if len(hours) < 24:
                conds.append(f"hour({p}occurred_at) IN ({', '.join('?' for _ in hours)})"
                             if hours else "FALSE")
                params.extend(hours)
        if self.weekdays and len(self.weekdays) < 7:
            conds.append(f"(isodow({p}occurred_at) - 1) IN "
                         f"({', '.join('?' for _ in self.weekdays)})")
            params.extend(self.weekdays)
        if self.exclude_sensitive:
            sg = sorted(settings.SENSITIVE_GROUPS)
            st = sorted(settings.SENSITIVE_TYPES)
            conds.append(f"coalesce({p}crime_group, '') NOT IN ({', '.join('?' for _ in sg)})")
            params.extend(sg)
            conds.append(f"coalesce({p}crime_type, '') NOT IN ({', '.join('?' for _ in st)})")
            params.extend(st)
        return (" AND ".join(conds) if conds else "TRUE"), params

    def mask(self, incidents: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows of a canonical incident frame this query selects.

        The same rule as :meth:`sql`, for frames already in memory (the
        Parquet and Dask paths, tests).
        """
        n = len(incidents)
        keep = np.ones(n, dtype=bool)
        if n == 0:
            return keep
        t = pd.to_datetime(incidents["occurred_at"])
        lo, hi = self.bounds()
        if lo is not None:
            keep &= (t >= lo).to_numpy()
        if hi is not None:
            keep &= (t < hi).to_numpy()
        for column, values in (("crime_group", self.groups), ("crime_type", self.types),
                               ("district", self.districts), ("ubigeo", self.ubigeos),
                               ("location_precision", self.precisions)):
            if values:
                if column not in incidents.columns:
                    keep &= False
                else:
                    keep &= incidents[column].isin(values).to_numpy()
        if self.shifts:
            keep &= t.dt.hour.isin(self.hours()).to_numpy()
        if self.weekdays and len(self.weekdays) < 7:
            keep &= t.dt.day_of_week.isin(self.weekdays).to_numpy()
        if self.exclude_sensitive:
            keep &= ~incidents["crime_group"].isin(settings.SENSITIVE_GROUPS).to_numpy()
            if "crime_type" in incidents.columns:
                keep &= ~incidents["crime_type"].isin(settings.SENSITIVE_TYPES).to_numpy()
        return keep
