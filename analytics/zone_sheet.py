"""The zone forecast a commander prints: zone × hour (or shift) tables, CSV, Excel, PDF.

Input is a zone forecast table (:attr:`analytics.zone_forecast.ZoneForecast.table`
or the stored rows of :func:`analytics.store.forecasts.forecast_rows`): ``zone,
window_start, window_end, expected, lower, upper, model``. The printable form
is one table per day: a row per zone, a column per window of that day (hours
``00``–``23`` or the shifts), the day's total, and for shifts and days the
interval (``4,2 (2–7)``). Files are in Spanish with decimal commas.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import numpy as np
import pandas as pd

from analytics import settings
from analytics._errors import IncidentSchemaError

#: Columns (Spanish) of the long table written by :func:`sheet_to_csv` and the Excel file.
LONG_COLUMNS: Final = ("Zona", "Día", "Ventana", "Inicio", "Fin", "Esperados", "Mínimo",
                       "Máximo", "Modelo")
#: Most zones printed per day (the PDF continues on more pages before this).
MAX_PDF_ZONES: Final = 500


def _need(table: pd.DataFrame) -> None:
    missing = sorted({"zone", "window_start", "window_end", "expected"} - set(table.columns))
    if missing:
        msg = f"Al pronóstico por zona le faltan columnas: {', '.join(missing)}."
        raise IncidentSchemaError(msg)


def window_label(start: pd.Timestamp, end: pd.Timestamp, *,
                 shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS) -> str:
    """``"14 h"`` for an hour, ``"mañana 06–14 h"`` for a shift, ``"día"`` for a day."""
    hours = (end - start) / pd.Timedelta(hours=1)
    if hours == 1:
        return f"{start.hour:02d} h"
    if hours == 24 and start.hour == 0:
        return "día"
    for name, s, e in shifts:
        if start.hour == s and hours == ((e - s) % 24 or 24):
            return f"{name} {s:02d}–{e:02d} h"
    return f"{start:%H:%M}–{end:%H:%M}"


def _num(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def _cell(exp: float, lo: float, hi: float, with_range: bool, digits: int) -> str:
    if not with_range or not (np.isfinite(lo) and np.isfinite(hi)):
        return _num(exp, digits)
    return f"{_num(exp, digits)} ({int(lo)}–{int(hi)})"


def long_table(table: pd.DataFrame, *,
               shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS) -> pd.DataFrame:
    """The forecast with Spanish headers (:data:`LONG_COLUMNS`), by zone, day and window."""
    _need(table)
    t = table.sort_values(["zone", "window_start"], kind="stable")
    ws = pd.to_datetime(t["window_start"])
    we = pd.to_datetime(t["window_end"])
    n = len(t)
    return pd.DataFrame({
        "Zona": t["zone"].astype(str).to_numpy(),
        "Día": ws.dt.strftime("%d/%m/%Y").to_numpy(),
        "Ventana": [window_label(a, b, shifts=shifts) for a, b in zip(ws, we, strict=True)],
        "Inicio": ws.dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
        "Fin": we.dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
        "Esperados": t["expected"].to_numpy(dtype=np.float64).round(2),
        "Mínimo": (t["lower"].to_numpy(dtype=np.float64) if "lower" in t else np.full(n, np.nan)),
        "Máximo": (t["upper"].to_numpy(dtype=np.float64) if "upper" in t else np.full(n, np.nan)),
        "Modelo": (t["model"].astype(str).to_numpy() if "model" in t else [""] * n),
    })


def day_tables(table: pd.DataFrame, *, with_range: bool | None = None,
               shifts: Sequence[tuple[str, int, int]] = settings.SHIFTS
               ) -> dict[pd.Timestamp, pd.DataFrame]:
    """One zone × window table per day (windows belong to the day they start).

    Parameters
    ----------
    table
        A zone forecast table.
    with_range
        Print ``expected (lower–upper)`` in each cell (default: for shift and day
        windows, not for hours, whose 24 columns leave no room).

    Returns
    -------
    dict
        Day -> table of text cells: ``Zona``, one column per window (in time
        order), ``Total`` (the day's expected sum); zones sorted by that total,
        largest first.
    """
    _need(table)
    if table.empty:
        return {}
    t = table.copy()
    t["ws"] = pd.to_datetime(t["window_start"])
    t["we"] = pd.to_datetime(t["window_end"])
    t["day"] = t["ws"].dt.normalize()
    hourly = bool(((t["we"] - t["ws"]) == pd.Timedelta(hours=1)).all())
    rng = (not hourly) if with_range is None else bool(with_range)
    digits = 2 if hourly else 1  # an hour's expectation is often below 0.1
    has_iv = {"lower", "upper"} <= set(t.columns)
    out: dict[pd.Timestamp, pd.DataFrame] = {}
    for day, g in t.groupby("day", sort=True):
        starts = sorted(g["ws"].unique())
        labels = {s: window_label(pd.Timestamp(s), pd.Timestamp(g.loc[g["ws"] == s, "we"].iloc[0]),
                                  shifts=shifts) for s in starts}
        total = g.groupby("zone")["expected"].sum().sort_values(ascending=False, kind="stable")
        rows = []
        for z in total.index:
            gz = g[g["zone"] == z].set_index("ws")
            row: dict[str, str] = {"Zona": str(z)}
            for s in starts:
                if s in gz.index:
                    r = gz.loc[s]
                    lo = float(r["lower"]) if has_iv else np.nan
                    hi = float(r["upper"]) if has_iv else np.nan
                    row[labels[s]] = _cell(float(r["expected"]), lo, hi, rng, digits)
                else:
                    row[labels[s]] = "—"
            row["Total"] = _num(float(total[z]), digits)
            rows.append(row)
        out[pd.Timestamp(day)] = pd.DataFrame(rows)
    return out


def sheet_to_csv(table: pd.DataFrame) -> bytes:
    """The long table as CSV (UTF-8 with BOM, so Excel shows the accents)."""
    text: str = long_table(table).to_csv(index=False)
    return text.encode("utf-8-sig")


def sheet_to_xlsx(table: pd.DataFrame, *, title: str, notes: Sequence[str] = ()) -> bytes:
    """Excel: a ``Pronóstico`` sheet (long table) and one sheet per day (zone × window)."""
    import io

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        head = pd.DataFrame({title: [*notes]}) if notes else pd.DataFrame({title: []})
        head.to_excel(xw, sheet_name="Pronóstico", index=False)
        long_table(table).to_excel(xw, sheet_name="Pronóstico", index=False,
                                   startrow=len(head) + 2)
        for day, wide in day_tables(table).items():
            wide.to_excel(xw, sheet_name=f"{day:%d-%m-%Y}", index=False)
    return buf.getvalue()


def sheet_to_pdf(table: pd.DataFrame, *, title: str, subtitle: str = "",
                 notes: Sequence[str] = (), generated_at: datetime | None = None) -> bytes:
    """Printable PDF: A4 landscape, one zone × window table per day.

    Long days continue on more pages, with the headings repeated.

    Returns
    -------
    bytes
        The PDF (starts with ``%PDF``).
    """
    from zoneinfo import ZoneInfo

    from fpdf.fonts import FontFace

    from analytics.reports import landscape_pdf

    when = generated_at or datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None)
    pdf = landscape_pdf(title)
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(8, 8, 8)
    heading = FontFace(emphasis="BOLD", fill_color=(221, 228, 238))
    days = day_tables(table)
    if not days:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 14)
        pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(0, 6, "Sin pronóstico.", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for day, wide in days.items():
        wide = wide.head(MAX_PDF_ZONES)
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 13)
        pdf.cell(0, 7, f"{title} · {day:%d/%m/%Y}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        if subtitle:
            pdf.multi_cell(0, 4.5, subtitle, new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 4.5, f"Generado: {when:%d/%m/%Y %H:%M} (hora de Lima) · Vigía",
                 new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        n_win = len(wide.columns) - 2
        pdf.set_font("DejaVu", "", 9 if n_win <= 4 else 6)
        zone_w = 34.0 if n_win > 4 else 60.0
        rest = (width - zone_w) / max(1, n_win + 1)
        widths = (zone_w, *([rest] * (n_win + 1)))
        with pdf.table(headings_style=heading, line_height=pdf.font_size * 1.5,
                       text_align="CENTER", width=width, col_widths=widths) as t:
            row = t.row()
            for c in wide.columns:
                row.cell(str(c))
            for rec in wide.itertuples(index=False):
                row = t.row()
                for v in rec:
                    row.cell(str(v))
    if notes:
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 8)
        for line in notes:
            pdf.multi_cell(0, 4.5, f"• {line}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def zone_day_totals(table: pd.DataFrame) -> pd.DataFrame:
    """Expected incidents per zone and day (``zone, day, expected``): for maps and charts."""
    _need(table)
    t = pd.DataFrame({"zone": table["zone"].astype(str).to_numpy(),
                      "day": pd.to_datetime(table["window_start"]).dt.normalize().to_numpy(),
                      "expected": table["expected"].to_numpy(dtype=np.float64)})
    return t.groupby(["zone", "day"], as_index=False, sort=True)["expected"].sum()
