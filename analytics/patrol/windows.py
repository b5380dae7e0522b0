"""Forecast tables as patrol inputs: parsed windows, one window's cells, a day's shifts.

Shared by the Plan de patrullaje page and ``python -m analytics plan``: a forecast
(written by ``forecast``, read from a user's file or fitted on demand) has one row
per cell and window (``h3, window_start, expected`` and usually ``window_end``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from analytics._errors import InfeasiblePlanError
from analytics.patrol.cells import PatrolPlan, expected_covered, place_patrols_on_cells

#: Columns a forecast must have to be planned.
FORECAST_COLUMNS: Final = ("h3", "window_start", "expected")
#: Header names taken as the cell column of a "current plan" table.
CELL_HEADERS: Final = ("h3", "h3_id", "celda", "cell", "hexagono", "hexágono")
#: Window length assumed when a forecast has no ``window_end``.
DEFAULT_WINDOW_HOURS: Final = 8.0


def _naive(values: pd.Series) -> pd.Series:
    v = pd.to_datetime(values, errors="coerce")
    if getattr(v.dt, "tz", None) is not None:
        v = v.dt.tz_localize(None)
    return v


def parse_windows(forecast: pd.DataFrame) -> pd.DataFrame:
    """A copy with naive ``window_start``/``window_end``, ``h3`` as text, numeric ``expected``.

    Raises
    ------
    InfeasiblePlanError
        Missing columns, an empty forecast, or window starts that are not dates.
    """
    missing = [c for c in FORECAST_COLUMNS if c not in forecast.columns]
    if missing:
        raise InfeasiblePlanError(f"Al pronóstico le faltan columnas: {', '.join(missing)}.")
    if len(forecast) == 0:
        raise InfeasiblePlanError("El pronóstico está vacío.")
    fc = forecast.copy()
    for c in ("window_start", "window_end"):
        if c in fc.columns:
            fc[c] = _naive(fc[c])
    if fc["window_start"].isna().any():
        raise InfeasiblePlanError("El pronóstico tiene valores de window_start que no son fechas.")
    fc["h3"] = fc["h3"].astype(str).str.strip()
    fc["expected"] = pd.to_numeric(fc["expected"], errors="coerce")
    return fc


@dataclass(frozen=True)
class Window:
    """One forecast window ready to plan: its cells and its time span."""

    cells: pd.DataFrame
    start: pd.Timestamp
    hours: float

    @property
    def end(self) -> pd.Timestamp:
        """End of the window (start plus its length)."""
        return self.start + pd.Timedelta(hours=self.hours)


def select_window(forecast: pd.DataFrame, window_start: Any = None) -> Window:
    """The cells (``h3, expected``) and span of one window (default: the first).

    ``forecast`` is parsed with :func:`parse_windows` first.

    Raises
    ------
    InfeasiblePlanError
        Bad input, an unreadable ``window_start``, or a window not in the forecast.
    """
    fc = parse_windows(forecast)
    starts = fc["window_start"]
    if window_start is None:
        ws = starts.min()
    else:
        try:
            ws = pd.Timestamp(window_start)
        except (ValueError, TypeError):
            raise InfeasiblePlanError(f"Fecha de ventana no válida: {window_start!r}.") from None
        if ws.tzinfo is not None:
            ws = ws.tz_localize(None)
    rows = fc[(starts == ws).to_numpy()]
    if rows.empty:
        raise InfeasiblePlanError(
            f"La ventana {ws.isoformat()} no está en el pronóstico "
            f"(hay {starts.nunique()} ventanas, de {starts.min().isoformat()} "
            f"a {starts.max().isoformat()}).")
    hours = DEFAULT_WINDOW_HOURS
    if "window_end" in rows.columns and rows["window_end"].notna().any():
        hours = max(float((rows["window_end"].max() - ws) / pd.Timedelta(hours=1)), 0.25)
    return Window(rows[["h3", "expected"]].reset_index(drop=True), pd.Timestamp(ws), hours)


def day_windows(forecast: pd.DataFrame, day: Any) -> list[pd.Timestamp]:
    """Window starts of the forecast that fall on ``day``, in time order."""
    fc = parse_windows(forecast)
    d = pd.Timestamp(day).normalize()
    return sorted(pd.Timestamp(w) for w in fc["window_start"].unique()
                  if pd.Timestamp(w).normalize() == d)


def cells_from_table(table: pd.DataFrame) -> list[str]:
    """The cell ids of a "current plan" table (column ``h3``, ``h3_id``, ``celda``…).

    Raises
    ------
    InfeasiblePlanError
        No column with one of the names of :data:`CELL_HEADERS`.
    """
    col = next((c for c in table.columns if str(c).strip().lower() in CELL_HEADERS), None)
    if col is None:
        msg = ("El plan actual necesita una columna con las celdas H3 "
               f"({', '.join(CELL_HEADERS[:3])}).")
        raise InfeasiblePlanError(msg)
    return list(dict.fromkeys(str(x).strip() for x in table[col].dropna()))


@dataclass(frozen=True)
class ShiftPlan:
    """The plan of one window of a day, and the current plan's coverage there."""

    plan: PatrolPlan
    window: Window
    current_expected: float | None


def plan_windows(forecast: pd.DataFrame, starts: Sequence[Any], *, units: int,
                 radius_m: float, dwell_min: float, fixed: Sequence[str] = (),
                 excluded: Sequence[str] = (), current: Sequence[str] = (),
                 **options: Any) -> list[ShiftPlan]:
    """Plan several windows with the same units and options (e.g. every shift of a day).

    Fixed posts and excluded cells that are not in a window's forecast are
    ignored for that window; ``current`` cells are scored with
    :func:`expected_covered`. ``options`` go to :func:`place_patrols_on_cells`.
    """
    out: list[ShiftPlan] = []
    for ws in starts:
        win = select_window(forecast, ws)
        keep = set(win.cells["h3"])
        plan = place_patrols_on_cells(
            win.cells, units=units, radius_m=radius_m, dwell_min=dwell_min,
            fixed=[c for c in fixed if c in keep], excluded=[c for c in excluded if c in keep],
            window_start=win.start, window_hours=win.hours, **options)
        cur = (expected_covered(win.cells, list(current), radius_m=radius_m)
               if current else None)
        out.append(ShiftPlan(plan, win, cur))
    return out
