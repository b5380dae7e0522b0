"""The printable patrol briefing: one A4 page per shift, in Spanish, as PDF bytes.

Pure (no Streamlit): the page and the CLI pass :class:`~analytics.patrol.PatrolPlan`
objects in and get ``bytes`` out. Each page carries the title, the shift
window, the units, a static map of the hotspots coloured by unit with their
coverage circles over the district outlines (matplotlib, Agg), one small
table per unit (order, cell, district, arrive/leave of the first loop,
expected incidents covered) and notes on the Koper dose. Fonts: DejaVu Sans
from matplotlib, as in :mod:`analytics.reports`, so accents print.
"""

from __future__ import annotations

import io as _io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics import _safe, geo, settings

if TYPE_CHECKING:
    from analytics.patrol import PatrolPlan

#: Qualitative colours (ColorBrewer Set1 + Dark2), one per unit, cycled; RGB 0–255.
UNIT_COLORS: tuple[tuple[int, int, int], ...] = (
    (228, 26, 28), (55, 126, 184), (77, 175, 74), (152, 78, 163), (255, 127, 0),
    (166, 86, 40), (247, 129, 191), (27, 158, 119), (217, 95, 2), (117, 112, 179),
    (231, 41, 138), (102, 166, 30), (230, 171, 2), (102, 102, 102), (0, 0, 0),
)


def unit_color(unit: int) -> tuple[int, int, int]:
    """Colour of unit ``unit`` (1-based), shared by the app map and the PDF."""
    return UNIT_COLORS[(int(unit) - 1) % len(UNIT_COLORS)]


@dataclass(frozen=True)
class ShiftBriefing:
    """One page of the briefing.

    Attributes
    ----------
    plan
        The shift's plan.
    shift
        Shift name shown in the header (e.g. ``"noche (22–06 h)"``).
    window_start, window_end
        The shift window (local time).
    dwell_min, revisit_min
        The Koper dose used.
    current_expected
        Expected incidents covered by the current plan (``None``: no comparison).
    """

    plan: PatrolPlan
    shift: str
    window_start: Any
    window_end: Any
    dwell_min: float = settings.PATROL_DWELL_MIN
    revisit_min: float = settings.PATROL_REVISIT_MIN
    current_expected: float | None = None


def _num(x: float, digits: int = 1) -> str:
    """Spanish decimal comma."""
    return f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def _hhmm(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return "—"
    if isinstance(v, pd.Timedelta):
        m = int(v.total_seconds() // 60)
        return f"+{m // 60:d}:{m % 60:02d}"
    return str(pd.Timestamp(v).strftime("%H:%M"))


def gap_text(gap: float, status: str) -> str:
    """The solver's status in plain Spanish (``óptimo demostrado``, ``brecha 0,2 %``, ...)."""
    code = status.split(":")[0]
    if code == "greedy":
        return "heurística voraz pedida (sin garantía de óptimo)"
    if code == "greedy_fallback":
        return "el optimizador exacto falló: heurística voraz de respaldo, sin garantía"
    if code in ("optimal", "trivial") or (not math.isnan(gap) and gap <= 1e-4):
        return "óptimo demostrado"
    prefix = {"time_limit": "límite de tiempo, ",
              "loop_repair": "reagrupado para la revisita, "}.get(code, "casi óptimo, ")
    if math.isnan(gap):
        return prefix + "brecha desconocida"
    return prefix + f"brecha {_num(100 * gap, 1 if gap >= 0.001 else 2)} %"


def plan_map_png(routes: pd.DataFrame, *, radius_m: float, boundaries: Any = None,
                 title: str = "", size_in: tuple[float, float] = (5.6, 5.6)) -> bytes:
    """Hotspots coloured by unit with their coverage circles, over district outlines (PNG).

    Parameters
    ----------
    routes
        ``PatrolPlan.routes`` (``unit, order, lat, lon``).
    radius_m
        Coverage radius drawn around each hotspot.
    boundaries
        District polygons (GeoDataFrame with ``geometry``), optional.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import Ellipse

    fig = Figure(figsize=size_in, dpi=130)
    ax = fig.add_subplot()
    if len(routes):
        lat = routes["lat"].to_numpy(dtype=float)
        lon = routes["lon"].to_numpy(dtype=float)
        lat0 = float(lat.mean())
        r_lat = radius_m / geo.M_PER_DEG
        r_lon = r_lat / max(math.cos(math.radians(lat0)), 1e-6)
        pad = max(lat.max() - lat.min(), lon.max() - lon.min()) * 0.08 + 2 * r_lat
        x0, x1, y0, y1 = lon.min() - pad, lon.max() + pad, lat.min() - pad, lat.max() + pad
        if boundaries is not None and len(boundaries):
            import geopandas as gpd

            b = gpd.GeoDataFrame(boundaries, geometry="geometry")
            part = b.cx[x0:x1, y0:y1]
            if len(part):
                part.boundary.plot(ax=ax, color="#7a7f8c", linewidth=0.6)
                if "district" in part.columns:
                    for name, geom in zip(part["district"], part.geometry, strict=True):
                        c = geom.representative_point()
                        if x0 <= c.x <= x1 and y0 <= c.y <= y1:
                            ax.text(c.x, c.y, str(name).title(), fontsize=5.5,
                                    color="#8a8f9c", ha="center", va="center")
        for unit, grp in routes.sort_values(["unit", "order"]).groupby("unit", sort=True):
            rgb = np.array(unit_color(int(unit))) / 255.0
            glon, glat = grp["lon"].to_numpy(float), grp["lat"].to_numpy(float)
            for x, y in zip(glon, glat, strict=True):
                ax.add_patch(Ellipse((x, y), 2 * r_lon, 2 * r_lat, facecolor=(*rgb, 0.18),
                                     edgecolor=(*rgb, 0.8), linewidth=0.6))
            if len(grp) > 1:
                ax.plot(np.append(glon, glon[0]), np.append(glat, glat[0]), color=rgb,
                        linewidth=0.8, alpha=0.7)
            ax.scatter(glon, glat, s=14, color=rgb, edgecolor="white", linewidth=0.5, zorder=3)
            for x, y, o in zip(glon, glat, grp["order"], strict=True):
                ax.annotate(f"{int(unit)}.{int(o)}", (x, y), xytext=(2.5, 2.5),
                            textcoords="offset points", fontsize=5.5, color=rgb, zorder=4)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(1 / max(math.cos(math.radians(lat0)), 1e-6))
    else:
        ax.text(0.5, 0.5, "Sin puntos de patrullaje", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for s in ax.spines.values():
        s.set_color("#bbbbbb")
    if title:
        ax.set_title(title, fontsize=8)
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def koper_notes(plan: PatrolPlan, *, dwell_min: float, revisit_min: float) -> list[str]:
    """The notes printed under each page (and shown by the app)."""
    notes = [
        f"Dosis de Koper: permanecer {_num(dwell_min, 0)} min en cada punto, visible y "
        "atento; patrullajes de 10 a 16 min disuaden más tiempo después de la salida "
        "(Koper, 1995). Cambiar de punto al terminar la permanencia.",
        f"Volver a cada punto al menos cada {_num(revisit_min, 0)} min: la unidad recorre "
        "su circuito en el orden indicado y lo repite durante todo el turno.",
    ]
    if getattr(plan, "loop_repaired", False):
        notes.append("Puntos reagrupados para que cada unidad cumpla la revisita; la brecha se "
                     "mide contra la cobertura máxima sin esa regla (es un tope).")
    if plan.revisit_violations:
        units = ", ".join(map(str, plan.revisit_violations))
        notes.append(f"Atención: el circuito de la(s) unidad(es) {units} dura más de "
                     f"{_num(revisit_min, 0)} min; sus puntos se revisitan con menos frecuencia.")
    notes.append("Horas de llegada y salida: primera vuelta del circuito; las siguientes "
                 "repiten el mismo orden. Esperados: incidentes pronosticados dentro del "
                 f"radio de {_num(plan.radius_m, 0)} m de cada punto (cada celda contada una vez).")
    return notes


def _unit_cards(routes: pd.DataFrame) -> list[tuple[str, list[tuple[str, ...]]]]:
    cards: list[tuple[str, list[tuple[str, ...]]]] = []
    for unit, grp in routes.sort_values(["unit", "order"]).groupby("unit", sort=True):
        cyc = float(grp["cycle_min"].iloc[0]) if "cycle_min" in grp else math.nan
        visits = int(grp["visits"].min()) if "visits" in grp else 0
        head = f"Unidad {int(unit)} · circuito {_num(cyc, 0)} min · {visits}+ visitas"
        rows: list[tuple[str, ...]] = [
            (str(int(r.order)), str(r.h3), (str(r.district).title() or "—"),
             f"{_hhmm(r.arrive)}–{_hhmm(r.leave)}", _num(float(r.expected_covered), 2)
             + (" F" if bool(getattr(r, "fixed", False)) else ""))
            for r in grp.itertuples(index=False)]
        cards.append((head, rows))
    return cards


def briefing_pdf(pages: Sequence[ShiftBriefing], *, title: str = "Plan de patrullaje",
                 subtitle: str = "", boundaries: Any = None,
                 generated_at: datetime | None = None) -> bytes:
    """The briefing: one A4 landscape page per shift (more only if a shift has very many units).

    Parameters
    ----------
    pages
        One :class:`ShiftBriefing` per shift.
    title, subtitle
        Header lines (e.g. the comisaría and who generated it).
    boundaries
        District polygons for the map (optional).
    generated_at
        Printed as "Generado" (default: now, Lima time).

    Returns
    -------
    bytes
        The PDF (starts with ``%PDF``).
    """
    from zoneinfo import ZoneInfo

    from analytics.reports import landscape_pdf

    when = generated_at or datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None)
    pdf = landscape_pdf(title)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(10, 8, 10)
    if not pages:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 14)
        pdf.cell(0, 8, title)
        pdf.ln(10)
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(0, 6, "Sin turnos planificados.")
        return bytes(pdf.output())
    for sb in pages:
        _page(pdf, sb, title=title, subtitle=subtitle, boundaries=boundaries, when=when)
    return bytes(pdf.output())


def _page(pdf: Any, sb: ShiftBriefing, *, title: str, subtitle: str, boundaries: Any,
          when: datetime) -> None:
    plan = sb.plan
    ws, we = pd.Timestamp(sb.window_start), pd.Timestamp(sb.window_end)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 7, f"{title} · turno {sb.shift}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 5, f"Del {ws:%d/%m/%Y %H:%M} al {we:%d/%m/%Y %H:%M} (hora de Lima) · "
             f"{plan.units} unidades · {len(plan.routes)} puntos · radio "
             f"{_num(plan.radius_m, 0)} m · permanencia {_num(sb.dwell_min, 0)} min",
             new_x="LMARGIN", new_y="NEXT")
    share = 100 * plan.share_of_risk
    line = (f"Cubre {_num(plan.objective, 1)} de {_num(plan.total_expected, 1)} incidentes "
            f"esperados ({_num(share, 0)} %); {gap_text(plan.gap, plan.status)}.")
    if sb.current_expected is not None:
        line += (f" Plan actual: {_num(sb.current_expected, 1)}; ganancia "
                 f"{_num(plan.objective - sb.current_expected, 1)}.")
    pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    pdf.cell(0, 4, (subtitle + " · " if subtitle else "")
             + f"Generado: {when:%Y-%m-%d %H:%M} · Vigía · uso policial interno",
             new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 1
    map_w = 105.0
    png = plan_map_png(plan.routes, radius_m=plan.radius_m, boundaries=boundaries)
    px_w, px_h = (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))
    img_h = min(map_w * px_h / max(px_w, 1), pdf.h - top - 45)
    img_w = img_h * px_w / max(px_h, 1)
    pdf.image(_io.BytesIO(png), x=pdf.l_margin + (map_w - img_w) / 2, y=top, w=img_w, h=img_h)
    # notes under the map
    pdf.set_xy(pdf.l_margin, top + img_h + 2)
    pdf.set_font("DejaVu", "B", 8)
    pdf.cell(map_w, 4, "Notas", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 6.5)
    for n in koper_notes(plan, dwell_min=sb.dwell_min, revisit_min=sb.revisit_min):
        pdf.multi_cell(map_w, 3, f"• {n}", new_x="LMARGIN", new_y="NEXT")
    _cards(pdf, _unit_cards(plan.routes), x0=pdf.l_margin + map_w + 5, top=top)


def _cards(pdf: Any, cards: list[tuple[str, list[tuple[str, ...]]]], *, x0: float,
           top: float) -> None:
    """Unit tables in columns right of the map; more columns and smaller type until they fit.

    Two columns from 7 pt down to 5.4 pt, then three down to 4.6 pt. Only when
    nothing fits (dozens of units) do the remaining tables continue on a
    further page, across its whole width.
    """
    bottom = pdf.h - 8
    col_gap = 3.0
    heads = ("N.º", "Celda H3", "Distrito", "Llega–sale", "Esperados")
    shares = np.array([0.06, 0.30, 0.25, 0.24, 0.15])

    def height(rows: list[tuple[str, ...]], font: float) -> float:
        return font * 0.47 * (len(rows) + 2) + 1.2

    def fits(font: float, n_cols: int) -> bool:
        col, y = 0, top
        for _, rows in cards:
            h = height(rows, font)
            if y + h > bottom:
                col, y = col + 1, top
                if col >= n_cols:
                    return False
            y += h
        return True

    tries = [(f, 2) for f in (7.0, 6.6, 6.2, 5.8, 5.4)] + [(f, 3) for f in (5.4, 5.0, 4.6)]
    font, n_cols = next(((f, c) for f, c in tries if fits(f, c)), tries[-1])
    lh = font * 0.47
    col_w = (pdf.w - pdf.r_margin - x0 - col_gap * (n_cols - 1)) / n_cols
    max_chars = int(col_w * 0.25 / (font * 0.19))  # district column, ~0.19 mm per pt per char
    col, y, page_top = 0, top, top
    for head, rows in cards:
        h = height(rows, font)
        if y + h > bottom:
            col, y = col + 1, page_top
            if col >= n_cols:
                pdf.add_page()
                x0, page_top = pdf.l_margin, 10.0
                col_w = (pdf.w - pdf.r_margin - x0 - col_gap * (n_cols - 1)) / n_cols
                col, y = 0, page_top
        widths = shares * col_w
        x = x0 + col * (col_w + col_gap)
        unit = int(head.split()[1])
        pdf.set_fill_color(*unit_color(unit))
        pdf.rect(x, y + 0.4, 2.2, lh * 0.8, style="F")
        pdf.set_xy(x + 3, y)
        pdf.set_font("DejaVu", "B", font)
        pdf.cell(col_w - 3, lh, head)
        yy = y + lh
        pdf.set_font("DejaVu", "B", font - 0.6)
        pdf.set_fill_color(221, 228, 238)
        xx = x
        for w, txt in zip(widths, heads, strict=True):
            pdf.set_xy(xx, yy)
            pdf.cell(float(w), lh, txt, fill=True)
            xx += float(w)
        yy += lh
        pdf.set_font("DejaVu", "", font - 0.6)
        for row in rows:
            xx = x
            for k, (w, v) in enumerate(zip(widths, row, strict=True)):
                if k == 2 and len(v) > max_chars:
                    v = v[:max(3, max_chars - 1)] + "."
                pdf.set_xy(xx, yy)
                pdf.cell(float(w), lh, v)
                xx += float(w)
            yy += lh
        y += h


_EXPORT_COLUMNS = ("window_start", "unit", "order", "h3", "lat", "lon", "district",
                   "expected_covered", "arrive", "leave", "fixed", "cycle_min", "visits",
                   "revisit_ok")


def _export_frame(routes: pd.DataFrame) -> pd.DataFrame:
    out = routes[[c for c in _EXPORT_COLUMNS if c in routes.columns]].copy()
    for c in ("window_start", "arrive", "leave"):
        if c in out.columns:
            v = out[c]
            if pd.api.types.is_timedelta64_dtype(v):
                out[c] = (v.dt.total_seconds() / 60).round().astype("Int64")
            else:
                out[c] = pd.to_datetime(v).dt.strftime("%Y-%m-%dT%H:%M")
    return out


def routes_to_csv(routes: pd.DataFrame) -> bytes:
    """The plan's routes as CSV (UTF-8 with BOM, opens in Excel; the CLI's columns).

    Formula-like text (a district name from an imported file) is neutralised.
    """
    text: str = _safe.frame_for_csv(_export_frame(routes)).to_csv(index=False)
    return text.encode("utf-8-sig")


def routes_to_geojson(routes: pd.DataFrame) -> bytes:
    """The hotspots as a GeoJSON FeatureCollection of points with unit, order and times."""
    import json

    out = _export_frame(routes)
    feats = []
    for rec in out.to_dict("records"):
        props = {k: (None if (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))
                     else v.item() if isinstance(v, np.generic) else v)
                 for k, v in rec.items() if k not in ("lat", "lon")}
        feats.append({"type": "Feature", "properties": props,
                      "geometry": {"type": "Point",
                                   "coordinates": [round(float(rec["lon"]), 7),
                                                   round(float(rec["lat"]), 7)]}})
    return json.dumps({"type": "FeatureCollection", "features": feats},
                      ensure_ascii=False).encode("utf-8")
