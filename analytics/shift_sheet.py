"""The shift sheet (hoja de ruta): one printable page per unit and shift, in Spanish.

What a PNP or Serenazgo patrol carries today: a header with the unit, the
shift, the date and the comisaría or district, lines for the crew and the
supervisor's signature, and a table of the points to visit with arrival and
departure times, minutes and a blank "observaciones" column for handwriting.
Here the table lists every visit of the unit's loop across the shift, in
time order (the loop repeats until the shift ends), with the hotspot's loop
position, district, nearest street when known and H3 cell; a small map shows
the unit's hotspots. :func:`shift_sheet_csv` writes the same rows.

Visits of a stored plan
-----------------------
The store keeps one row per hotspot (``store.plans.plan_stops``: loop order,
first-loop ``arrive``/``leave``, ``cycle_min``). :func:`stops_visits` replays
the planner's schedule: visit ``k`` (0-based) of a hotspot arrives at
``arrive + k × cycle_min`` and is kept while it ends within the window, the
rule of :attr:`analytics.patrol.PatrolPlan.schedule` (same rows, tested).

Pure: frames in, ``bytes`` out (fpdf2, DejaVu Sans for accents, matplotlib map).
"""

from __future__ import annotations

import io as _io
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import settings
from analytics._errors import StoreError

#: Columns of :func:`sheet_rows` (and of the CSV), in order.
SHEET_COLUMNS: Final = ("plan_id", "unidad", "turno", "fecha", "n", "orden", "punto", "h3",
                        "distrito", "calle", "llegada", "salida", "minutos", "observaciones")
#: Columns :func:`stops_visits` needs.
STOP_COLUMNS: Final = ("window_start", "window_end", "unit", "order", "h3", "arrive", "leave",
                       "cycle_min")
_EPS: Final = 1e-9
_MIN_ROW_MM: Final = 4.2


def _shift(start: pd.Timestamp, end: pd.Timestamp) -> str:
    from analytics.compliance import shift_name

    return f"{shift_name(start)} ({start:%H:%M}–{end:%H:%M})"


def _title(text: object) -> str:
    s = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return s.title().replace(" De ", " de ").replace(" Del ", " del ") if s else ""


def _unit_sort(units: pd.Series) -> pd.Series:
    return pd.to_numeric(units, errors="coerce")


# --------------------------------------------------------------------------- visits
def routes_to_stops(routes: pd.DataFrame, *, window_end: Any, plan_id: str = "",
                    radius_m: float | None = None, dwell_min: float | None = None
                    ) -> pd.DataFrame:
    """A fresh plan's routes (``PatrolPlan.routes``) in the shape of stored stops."""
    out = routes.copy()
    out["window_end"] = pd.Timestamp(window_end)
    out["plan_id"] = str(plan_id)
    out["unit"] = out["unit"].astype(str)
    if radius_m is not None:
        out["radius_m"] = float(radius_m)
    if dwell_min is not None:
        out["dwell_min"] = float(dwell_min)
    return out


def stops_visits(stops: pd.DataFrame) -> pd.DataFrame:
    """Every visit of each unit's loop across its window, from stored stops.

    Parameters
    ----------
    stops
        ``store.plans.plan_stops`` rows (or a plan's routes with
        ``window_end``): :data:`STOP_COLUMNS`, optional ``plan_id``, ``lat``,
        ``lon``, ``district``.

    Returns
    -------
    pandas.DataFrame
        One row per visit, by window, unit (numeric labels as numbers) and
        arrival: ``plan_id, window_start, window_end, unit, order, h3, lat, lon,
        district, visit, arrive, leave``. A hotspot whose first visit does not
        fit in the window has no row.

    Raises
    ------
    StoreError
        Missing columns (one Spanish message).
    """
    missing = [c for c in STOP_COLUMNS if c not in stops.columns]
    if missing:
        msg = "A los puntos del plan les faltan columnas: " + ", ".join(missing) + "."
        raise StoreError(msg)
    df = stops.reset_index(drop=True).copy()
    for c in ("plan_id", "district"):
        if c not in df.columns:
            df[c] = ""
    for c in ("lat", "lon"):
        if c not in df.columns:
            df[c] = np.nan
    ws = pd.to_datetime(df["window_start"])
    we = pd.to_datetime(df["window_end"])
    arrive = pd.to_datetime(df["arrive"])
    offset = ((arrive - ws).dt.total_seconds() / 60.0).to_numpy(dtype=np.float64)
    dwell = ((pd.to_datetime(df["leave"]) - arrive).dt.total_seconds() / 60.0
             ).to_numpy(dtype=np.float64)
    window = ((we - ws).dt.total_seconds() / 60.0).to_numpy(dtype=np.float64)
    cycle = pd.to_numeric(df["cycle_min"], errors="coerce").to_numpy(dtype=np.float64)
    cycle = np.where(np.isfinite(cycle) & (cycle > 0), cycle, np.inf)
    ok = np.isfinite(offset) & np.isfinite(dwell) & (offset + dwell <= window + _EPS)
    n = np.where(ok, np.floor((window - dwell - offset) / cycle + _EPS) + 1, 0)
    n = np.where(np.isfinite(n), n, 1).astype(np.int64)
    rows = np.repeat(np.arange(len(df)), n)
    k = np.arange(rows.size) - np.repeat(np.cumsum(n) - n, n)
    start = offset[rows] + k * np.where(np.isfinite(cycle[rows]), cycle[rows], 0.0)
    out = pd.DataFrame({
        "plan_id": df["plan_id"].astype(str).to_numpy()[rows],
        "window_start": ws.to_numpy()[rows], "window_end": we.to_numpy()[rows],
        "unit": df["unit"].astype(str).to_numpy()[rows],
        "order": pd.to_numeric(df["order"]).astype(np.int64).to_numpy()[rows],
        "h3": df["h3"].astype(str).to_numpy()[rows],
        "lat": df["lat"].to_numpy(dtype=np.float64)[rows],
        "lon": df["lon"].to_numpy(dtype=np.float64)[rows],
        "district": df["district"].fillna("").astype(str).to_numpy()[rows],
        "visit": (k + 1).astype(np.int64),
        "arrive": ws.to_numpy()[rows] + pd.to_timedelta(start, unit="min").to_numpy(),
    })
    out["leave"] = out["arrive"] + pd.to_timedelta(dwell[rows], unit="min")
    out["_u"] = _unit_sort(out["unit"])
    out = out.sort_values(["window_start", "plan_id", "_u", "unit", "arrive", "order"],
                          kind="stable").drop(columns="_u")
    return out.reset_index(drop=True)


def sheet_rows(stops: pd.DataFrame, *, unit: str | None = None,
               streets: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The rows of the shift sheets (:data:`SHEET_COLUMNS`), one per visit.

    Parameters
    ----------
    stops
        Stored stops of one plan (see :func:`stops_visits`).
    unit
        Only this unit (its label, e.g. ``"3"``); default every unit.
    streets
        H3 cell -> nearest street name, when known.

    Raises
    ------
    StoreError
        ``unit`` is not a unit of the plan.
    """
    v = stops_visits(stops)
    if unit is not None:
        want = str(unit).strip()
        sel = v["unit"] == want
        if not sel.any():
            units = ", ".join(sorted(set(v["unit"]), key=lambda u: (len(u), u)))
            msg = f"La unidad {want!r} no está en el plan (unidades: {units or 'ninguna'})."
            raise StoreError(msg)
        v = v.loc[sel].reset_index(drop=True)
    names = streets or {}
    n = v.groupby(["window_start", "plan_id", "unit"], sort=False).cumcount() + 1
    street = [str(names.get(h, "") or "") for h in v["h3"]]
    punto = [f"Punto {o} · " + " · ".join(x for x in (_title(d), s, h) if x)
             for o, d, s, h in zip(v["order"], v["district"], street, v["h3"], strict=True)]
    minutes = ((v["leave"] - v["arrive"]).dt.total_seconds() / 60.0).round().astype(np.int64)
    return pd.DataFrame({
        "plan_id": v["plan_id"], "unidad": v["unit"],
        "turno": [_shift(pd.Timestamp(a), pd.Timestamp(b))
                  for a, b in zip(v["window_start"], v["window_end"], strict=True)],
        "fecha": v["arrive"].dt.strftime("%d/%m/%Y"), "n": n.astype(np.int64),
        "orden": v["order"], "punto": punto, "h3": v["h3"],
        "distrito": [_title(d) for d in v["district"]], "calle": street,
        "llegada": v["arrive"].dt.strftime("%H:%M"), "salida": v["leave"].dt.strftime("%H:%M"),
        "minutos": minutes, "observaciones": "",
    }, columns=list(SHEET_COLUMNS))


def shift_sheet_csv(stops: pd.DataFrame, *, unit: str | None = None,
                    streets: Mapping[str, str] | None = None) -> bytes:
    """The sheets' rows as CSV (UTF-8 with BOM: opens in Excel with accents)."""
    text: str = sheet_rows(stops, unit=unit, streets=streets).to_csv(index=False)
    return text.encode("utf-8-sig")


# --------------------------------------------------------------------------- PDF
def shift_sheet_pdf(stops: pd.DataFrame, *, unit: str | None = None,
                    streets: Mapping[str, str] | None = None, boundaries: Any = None,
                    station: str | None = None, generated_at: datetime | None = None) -> bytes:
    """Shift sheets as PDF: one A4 portrait page per unit and shift.

    Parameters
    ----------
    stops
        Stored stops of one plan (``store.plans.plan_stops``; ``radius_m`` and
        ``dwell_min`` columns are used when present).
    unit
        Only this unit; default every unit of the plan.
    streets
        H3 cell -> nearest street name, when known.
    boundaries
        District polygons for the map (optional).
    station
        Comisaría or base printed in the header (default: a blank line).
    generated_at
        Printed as "Generado" (default: now, Lima time).

    Returns
    -------
    bytes
        The PDF (starts with ``%PDF``).
    """
    from zoneinfo import ZoneInfo

    rows = sheet_rows(stops, unit=unit, streets=streets)
    when = generated_at or datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None)
    pdf = _portrait_pdf("Hoja de ruta de patrullaje")
    if rows.empty:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 14)
        pdf.cell(0, 8, "Hoja de ruta de patrullaje", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(0, 6, "El plan no tiene visitas dentro del turno.")
        return bytes(pdf.output())
    st = stops.copy()
    st["unit"] = st["unit"].astype(str)
    for (_ws, _pid, u), part in rows.groupby(["turno", "plan_id", "unidad"], sort=False):
        mine = st.loc[st["unit"] == u]
        if "plan_id" in st.columns and _pid:
            mine = mine.loc[mine["plan_id"].astype(str) == _pid]
        _sheet(pdf, part, mine, boundaries=boundaries, station=station, when=when)
    return bytes(pdf.output())


def _portrait_pdf(title: str) -> Any:
    import matplotlib
    from fpdf import FPDF

    base = matplotlib.get_data_path()  # DejaVu, as in analytics.reports
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Vigía")
    pdf.add_font("DejaVu", "", f"{base}/fonts/ttf/DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", f"{base}/fonts/ttf/DejaVuSans-Bold.ttf")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(12, 10, 12)
    return pdf


def _num(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f")


def _sheet(pdf: Any, part: pd.DataFrame, mine: pd.DataFrame, *, boundaries: Any,
           station: str | None, when: datetime) -> None:
    """One unit's shift: as many pages as its visits need (one in practice)."""
    from analytics.briefing import plan_map_png

    bottom_block = 34.0  # signatures and footer
    heads = ("N.º", "Punto", "Llegada", "Salida", "Min.", "Observaciones")
    shares = np.array([0.06, 0.46, 0.09, 0.09, 0.06, 0.24])
    width = pdf.w - pdf.l_margin - pdf.r_margin
    widths = shares * width
    top_guess = 95.0
    room = pdf.h - top_guess - bottom_block - 10
    per_page = max(1, int(room // _MIN_ROW_MM) - 1)
    chunks = [part.iloc[i:i + per_page] for i in range(0, len(part), per_page)] or [part]
    radius = float(pd.to_numeric(mine["radius_m"], errors="coerce").max()) \
        if "radius_m" in mine.columns and len(mine) else 0.0
    png = None
    if len(mine) and mine[["lat", "lon"]].notna().all().all():
        label = str(part["unidad"].iloc[0])
        routes = pd.DataFrame({"unit": int(label) if label.isdigit() and int(label) > 0 else 1,
                               "order": pd.to_numeric(mine["order"]).to_numpy(),
                               "lat": mine["lat"].to_numpy(dtype=float),
                               "lon": mine["lon"].to_numpy(dtype=float)})
        png = plan_map_png(routes, radius_m=radius if math.isfinite(radius) else 0.0,
                           boundaries=boundaries, size_in=(3.0, 3.0))
    for i, chunk in enumerate(chunks):
        y_info = _header_block(pdf, part, mine, station=station, page=i + 1, pages=len(chunks))
        map_x = pdf.l_margin + 114
        map_w = pdf.w - pdf.r_margin - map_x
        y_map = 19.0
        if png is not None:
            px_w = int.from_bytes(png[16:20], "big")
            px_h = int.from_bytes(png[20:24], "big")
            h = min(map_w * px_h / max(px_w, 1), y_info - y_map + 6)
            w = h * px_w / max(px_h, 1)
            pdf.image(_io.BytesIO(png), x=map_x + (map_w - w) / 2, y=y_map, w=w, h=h)
            y_info = max(y_info, y_map + h)
        top = y_info + 3
        avail = pdf.h - top - bottom_block - 10
        row_h = min(7.0, max(_MIN_ROW_MM, avail / (len(chunk) + 1)))
        font = min(9.0, max(6.5, row_h * 1.45))
        pdf.set_xy(pdf.l_margin, top)
        pdf.set_font("DejaVu", "B", font)
        pdf.set_fill_color(221, 228, 238)
        for w, txt in zip(widths, heads, strict=True):
            pdf.cell(float(w), row_h, txt, border=1, fill=True)
        pdf.ln(row_h)
        pdf.set_font("DejaVu", "", font)
        max_chars = int(widths[1] / (font * 0.19))
        for r in chunk.itertuples(index=False):
            punto = str(r.punto)
            if len(punto) > max_chars:
                punto = punto[:max_chars - 1] + "…"
            for w, txt in zip(widths, (str(r.n), punto, str(r.llegada), str(r.salida),
                                      str(r.minutos), ""), strict=True):
                pdf.cell(float(w), row_h, txt, border=1)
            pdf.ln(row_h)
        _footer(pdf, when=when, last=i == len(chunks) - 1)


def _header_block(pdf: Any, part: pd.DataFrame, mine: pd.DataFrame, *, station: str | None,
                  page: int, pages: int) -> float:
    """Title, crew box and instructions (left column); return the y under them."""
    first = part.iloc[0]
    ws = pd.Timestamp(mine["window_start"].iloc[0]) if len(mine) else None
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(120, 8, "HOJA DE RUTA DE PATRULLAJE")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(0, 8, f"Plan {first['plan_id']}" + (f" · hoja {page}/{pages}" if pages > 1 else ""),
             align="R", new_x="LMARGIN", new_y="NEXT")
    dists = [d for d in part["distrito"] if d]
    district = max(sorted(set(dists)), key=dists.count) if dists else "—"
    line = "_" * 26
    info = [("Unidad", f"Unidad {first['unidad']}"), ("Turno", str(first["turno"])),
            ("Fecha", f"{ws:%d/%m/%Y}" if ws is not None else str(first["fecha"])),
            ("Distrito", district), ("Comisaría / base", station or line),
            ("Jefe de patrulla", line), ("Conductor", line), ("Placa / código", line),
            ("Km inicial / final", "_" * 11 + " / " + "_" * 11)]
    pdf.set_xy(pdf.l_margin, pdf.get_y() + 1)
    for label, value in info:
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(34, 6.2, f"{label}:")
        pdf.set_font("DejaVu", "", 9)
        pdf.cell(76, 6.2, value, new_x="LMARGIN", new_y="NEXT")
    dwell = float(pd.to_numeric(mine["dwell_min"], errors="coerce").max()) \
        if "dwell_min" in mine.columns and len(mine) else float(part["minutos"].max())
    cycle = float(pd.to_numeric(mine["cycle_min"], errors="coerce").max()) \
        if "cycle_min" in mine.columns and len(mine) else math.nan
    text = (f"Permanecer {_num(dwell)} min en cada punto, visible y atento; recorrer los "
            f"{part['orden'].nunique()} puntos en el orden indicado"
            + (f" (circuito de {_num(cycle)} min)" if math.isfinite(cycle) else "")
            + " y repetir el circuito hasta el fin del turno. Anotar en observaciones las "
              "novedades, intervenciones y el motivo de cualquier punto no visitado.")
    pdf.set_font("DejaVu", "", 8)
    pdf.set_xy(pdf.l_margin, pdf.get_y() + 1)
    pdf.multi_cell(110, 3.8, text, new_x="LMARGIN", new_y="NEXT")
    return float(pdf.get_y())


def _footer(pdf: Any, *, when: datetime, last: bool) -> None:
    """Signature lines (last page of a sheet) and the generation line."""
    y = pdf.h - 40
    if last:
        pdf.set_font("DejaVu", "", 8.5)
        thirds = (pdf.w - pdf.l_margin - pdf.r_margin) / 3
        for k, label in enumerate(("Firma del jefe de patrulla", "Firma y sello del supervisor",
                                   "V.º B.º del comisario / jefe de Serenazgo")):
            x = pdf.l_margin + k * thirds
            pdf.line(x + 4, y + 14, x + thirds - 4, y + 14)
            pdf.set_xy(x, y + 15)
            pdf.cell(thirds, 4, label, align="C")
    pdf.set_font("DejaVu", "", 6.5)
    pdf.set_xy(pdf.l_margin, pdf.h - 14)
    pdf.cell(0, 4, f"Generado: {when:%Y-%m-%d %H:%M} (hora de Lima) · Vigía · uso policial "
             "interno · horas de la planificación; anotar las reales en observaciones")
