"""The Codisec report as files: Excel, PDF and map images (bytes; ``analytics.files`` writes)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import _safe, disclosure, hexbin, settings
from analytics._errors import IncidentSchemaError
from analytics._labels import (
    PERIODS as PERIODS,
    district_key as district_key,
    label_to_period as label_to_period,
    period_label as period_label,
    period_span as period_span,
    times_to_periods as times_to_periods,
)
from analytics.disclosure import public_counts as public_counts
from analytics.reports.indicators import (
    _population_by_key,
    _target_period,
    district_hotspots,
    district_indicators,
)
from analytics.reports.tables import check_public_tables, district_labels

# --------------------------------------------------------------------------- #
# Documents: Excel, PDF, map images (bytes; analytics.files writes files)
# --------------------------------------------------------------------------- #
_SHEET_BAD: Final = re.compile(r"[\[\]:*?/\\]")


def _cell_value(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def _with_commitments(tables: dict[str, pd.DataFrame], commitments: pd.DataFrame | None, *,
                      public: bool) -> dict[str, pd.DataFrame]:
    """``tables`` plus the commitments section (public: its public columns only, checked).

    ``commitments`` is :func:`analytics.commitments.commitments_table`; an empty one adds
    nothing.
    """
    if commitments is None or commitments.empty:
        return tables
    from analytics import commitments as cm

    if public:
        cm.check_public_commitments(commitments)
    return {**tables, cm.REPORT_TABLE: commitments}


def report_to_xlsx(tables: dict[str, pd.DataFrame], *, title: str,
                   notes: Sequence[str] = (), public: bool = False,
                   k: int = settings.PUBLIC_MIN_COUNT,
                   commitments: pd.DataFrame | None = None) -> bytes:
    """Excel workbook: one sheet per table, then a ``Notas`` sheet.

    Parameters
    ----------
    tables
        Sheet name -> table (headers as given: use :func:`report_tables`).
    title
        Written at the top of every sheet.
    notes
        Lines of the ``Notas`` sheet.
    public
        Check the tables with :func:`check_public_tables` first.
    commitments
        The Codisec commitments table (a sheet after the others).

    Returns
    -------
    bytes
        The ``.xlsx`` file.
    """
    import io as _io

    import xlsxwriter

    tables = _with_commitments(tables, commitments, public=public)
    if public:
        check_public_tables(tables, k=k)
    buf = _io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": False,
                                   "default_date_format": "yyyy-mm-dd hh:mm",
                                   **_safe.XLSX_OPTIONS})  # text is text, never a formula
    bold = wb.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True,
                          "valign": "top"})
    head = wb.add_format({"bold": True, "font_size": 13})
    num = wb.add_format({"num_format": "#,##0.0"})
    used: set[str] = set()
    for name, table in tables.items():
        sheet_name = _SHEET_BAD.sub(" ", str(name))[:31] or "Tabla"
        base, i = sheet_name, 2
        while sheet_name.lower() in used:
            sheet_name = f"{base[:28]} {i}"
            i += 1
        used.add(sheet_name.lower())
        ws = wb.add_worksheet(sheet_name)
        ws.write(0, 0, f"{title} — {name}", head)
        cols = [str(c) for c in table.columns]
        for j, c in enumerate(cols):
            ws.write(2, j, c, bold)
            width = max([len(c) * 0.9] + [len(str(v)) for v in table.iloc[:200, j].tolist()])
            ws.set_column(j, j, min(max(width + 2, 8), 50))
        for i_row, row in enumerate(table.itertuples(index=False), start=3):
            for j, v in enumerate(row):
                val = _cell_value(v)
                if val is None:
                    ws.write_blank(i_row, j, None)
                elif isinstance(val, float) and not float(val).is_integer():
                    ws.write_number(i_row, j, val, num)
                else:
                    ws.write(i_row, j, val)
        ws.freeze_panes(3, 0)
        if len(table):
            ws.autofilter(2, 0, 2 + len(table), max(0, len(cols) - 1))
    ws = wb.add_worksheet("Notas")
    ws.write(0, 0, title, head)
    ws.set_column(0, 0, 120)
    for i, line in enumerate(notes, start=2):
        ws.write(i, 0, str(line))
    wb.close()
    return buf.getvalue()


def landscape_pdf(title: str) -> Any:
    """An empty landscape A4 ``fpdf.FPDF`` titled ``title``, fonts loaded.

    DejaVu regular and bold (matplotlib's copy: accents and ñ print) as
    ``"DejaVu"``. Shared by every PDF Vigía writes.
    """
    import matplotlib
    from fpdf import FPDF

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Vigía")
    pdf.add_font("DejaVu", "", str(base / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(base / "DejaVuSans-Bold.ttf"))
    return pdf


def _pdf_text(v: object) -> str:
    v = _cell_value(v)
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def report_to_pdf(tables: dict[str, pd.DataFrame], *, title: str, period: str = "",
                  notes: Sequence[str] = (), map_images: Sequence[bytes] = (),
                  subtitle: str = "", public: bool = False,
                  k: int = settings.PUBLIC_MIN_COUNT,
                  generated_at: datetime | None = None,
                  commitments: pd.DataFrame | None = None) -> bytes:
    """PDF report (A4 landscape, DejaVu Sans for Spanish accents).

    Parameters
    ----------
    tables
        Heading -> table; long tables continue on the next pages.
    title, period, subtitle
        First-page header lines.
    notes
        Paragraphs printed after the tables.
    map_images
        PNG images (e.g. :func:`district_map_png`), one per half page.
    public
        Check the tables with :func:`check_public_tables` first.
    generated_at
        Time printed as "Generado"; default now (local wall time).
    commitments
        The Codisec commitments table (a section after the others).

    Returns
    -------
    bytes
        The PDF file (starts with ``%PDF``).
    """
    import io as _io
    from zoneinfo import ZoneInfo

    from fpdf.fonts import FontFace

    tables = _with_commitments(tables, commitments, public=public)
    if public:
        check_public_tables(tables, k=k)
    when = generated_at or datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None)
    pdf = landscape_pdf(title)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    if period:
        pdf.cell(0, 6, f"Periodo: {period}", new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(0, 5, f"Generado: {when:%Y-%m-%d %H:%M} (hora de Lima) · Vigía",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for png in map_images:
        img_w = width / 2
        if pdf.get_y() + img_w * 0.75 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(_io.BytesIO(png), x=pdf.l_margin + width / 4, w=img_w)
        pdf.ln(2)
    heading = FontFace(emphasis="BOLD", fill_color=(221, 228, 238))
    for name, table in tables.items():
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, str(name), new_x="LMARGIN", new_y="NEXT")
        n_cols = max(1, len(table.columns))
        pdf.set_font("DejaVu", "", 8 if n_cols <= 8 else 7 if n_cols <= 11 else 6)
        if table.empty:
            pdf.cell(0, 6, "Sin datos.", new_x="LMARGIN", new_y="NEXT")
            continue
        with pdf.table(headings_style=heading, line_height=pdf.font_size * 1.6,
                       text_align="LEFT", width=width) as t:
            row = t.row()
            for c in table.columns:
                row.cell(str(c))
            for rec in table.itertuples(index=False):
                row = t.row()
                for v in rec:
                    row.cell(_pdf_text(v))
        pdf.ln(3)
    if notes:
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, "Notas", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        for line in notes:
            pdf.multi_cell(0, 5, f"• {line}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def district_map_png(boundaries: pd.DataFrame, values: pd.DataFrame | None = None, *,
                     value_column: str = "count", title: str = "",
                     highlight: Sequence[str] = (), legend_label: str = "Incidentes",
                     population: pd.DataFrame | None = None) -> bytes:
    """Choropleth of districts as a PNG image.

    Parameters
    ----------
    boundaries
        GeoDataFrame with ``district`` and ``geometry`` (``districts.geojson``).
    values
        ``district`` and ``value_column``; districts without a value are grey
        (no data or suppressed).
    highlight
        Districts outlined in black; the map zooms to them (with their
        neighbours around), else to the districts with values.
    population
        Optional, for accented names in the labels (``label`` column).

    Returns
    -------
    bytes
        PNG image.
    """
    import io as _io

    import geopandas as gpd
    from matplotlib import patheffects
    from matplotlib.figure import Figure

    gdf = gpd.GeoDataFrame(boundaries.copy(), geometry="geometry")
    gdf["_key"] = gdf["district"].map(district_key)
    if values is not None and len(values):
        v = values.assign(_key=values["district"].map(district_key)).groupby("_key")[
            value_column].sum(min_count=1)
        gdf["_value"] = gdf["_key"].map(v).astype("float64")
    else:
        gdf["_value"] = np.nan
    keys = {district_key(d) for d in highlight}
    focus = gdf.loc[gdf["_key"].isin(keys)] if keys else gdf.loc[gdf["_value"].notna()]
    if focus.empty:
        focus = gdf
    fig = Figure(figsize=(7.5, 5.6), dpi=110)
    ax = fig.add_subplot()
    minx, miny, maxx, maxy = focus.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.35 + 0.005
    view = gdf.cx[minx - pad:maxx + pad, miny - pad:maxy + pad]
    if view["_value"].notna().any():
        view.plot(ax=ax, column="_value", cmap="OrRd", legend=True, edgecolor="#666666",
                  linewidth=0.5, missing_kwds={"color": "#dddddd", "edgecolor": "#999999"},
                  legend_kwds={"label": legend_label, "shrink": 0.7})
    else:
        view.plot(ax=ax, color="#dddddd", edgecolor="#999999", linewidth=0.5)
    if keys:
        gdf.loc[gdf["_key"].isin(keys)].boundary.plot(ax=ax, color="black", linewidth=1.6)
    labels = district_labels(population)
    for _, r in focus.iterrows():
        pt = r.geometry.representative_point()
        ax.annotate(labels.get(r["_key"], str(r["district"]).title()), (pt.x, pt.y),
                    ha="center", fontsize=7, color="#222222",
                    path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def cells_map_png(cells: pd.DataFrame, *, boundaries: pd.DataFrame | None = None,
                  value_column: str = "count", title: str = "",
                  legend_label: str = "Incidentes") -> bytes:
    """H3 cells coloured by a value, over district outlines, as a PNG image.

    ``cells`` has ``h3`` (hex strings) and ``value_column``; used for the top
    hotspots of the internal report and the published cells of the public one.
    """
    import io as _io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 5.6), dpi=110)
    ax = fig.add_subplot()
    if len(cells):
        v = cells.groupby("h3")[value_column].sum()
        poly = hexbin.cells_to_polygons(hexbin.strings_to_cells(v.index.astype(str)))
        poly["_value"] = poly["h3"].map(v).astype("float64")
        minx, miny, maxx, maxy = poly.total_bounds
        pad = max(maxx - minx, maxy - miny) * 0.25 + 0.005
        if boundaries is not None:
            import geopandas as gpd

            b = gpd.GeoDataFrame(boundaries, geometry="geometry")
            b.cx[minx - pad:maxx + pad, miny - pad:maxy + pad].boundary.plot(
                ax=ax, color="#888888", linewidth=0.6)
        poly.plot(ax=ax, column="_value", cmap="OrRd", legend=True, edgecolor="#444444",
                  linewidth=0.4, alpha=0.9, legend_kwds={"label": legend_label, "shrink": 0.7})
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
    else:
        ax.text(0.5, 0.5, "Sin celdas que mostrar", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _report_area(boundaries: pd.DataFrame, districts: Sequence[str]) -> pd.DataFrame:
    """The districts of the same city (``city`` column) as ``districts``."""
    keys = {district_key(d) for d in districts}
    if "city" in boundaries.columns:
        cities = set(boundaries.loc[boundaries["district"].map(district_key).isin(keys), "city"])
        if cities:
            return boundaries.loc[boundaries["city"].isin(cities)]
    return boundaries


def report_maps(incidents: pd.DataFrame, boundaries: pd.DataFrame, *, target: str,
                districts: Sequence[str], population: pd.DataFrame | None = None,
                resolution: int = settings.H3_RESOLUTION, top: int = 10) -> list[bytes]:
    """The two map images of the internal report, as PNG bytes.

    1. The districts of the same city as ``districts`` coloured by their rate
       per 10,000 inhabitants (by count when ``population`` is ``None``), the
       chosen districts outlined.
    2. The top ``top`` cells at ``resolution`` of the chosen districts.
    """
    gdf = _report_area(boundaries, districts)
    column, label = ("rate_10k", "Tasa por 10 mil hab.") if population is not None else (
        "count", "Incidentes")
    tp = period_label(label_to_period(target))
    vals = district_indicators(incidents, target=target, population=population)
    cells = district_hotspots(incidents, target=target, resolution=resolution, top=top,
                              districts=districts)
    first = district_map_png(gdf, vals, value_column=column, highlight=list(districts),
                             legend_label=label, population=population,
                             title=f"{label} por distrito, {tp}")
    second = cells_map_png(cells, boundaries=gdf,
                           title=f"Zonas críticas: {top} celdas con más incidentes, {tp}")
    return [first, second]


def public_report_maps(release: disclosure.PublicRelease, boundaries: pd.DataFrame, *,
                       target: str, districts: Sequence[str],
                       population: pd.DataFrame | None = None) -> list[bytes]:
    """The two map images of the public report (release sums only), as PNG bytes.

    1. Every district of the same city by its published rate per 10,000
       inhabitants (or published count), the chosen districts outlined.
    2. The published resolution-8 cells of the chosen districts (groups and
       district parts summed; the coarse cells of sensitive incidents are
       listed in the report's table, not drawn).
    """
    problems: list[str] = []
    tp = _target_period(target, problems)
    pop = _population_by_key(population, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    assert tp is not None
    label_p = period_label(tp)
    members = disclosure.label_members(release, label_p)
    gdf = _report_area(boundaries, districts)
    column, label = ("rate_10k", "Tasa por 10 mil hab.") if population is not None else (
        "count", "Incidentes")
    vals = disclosure.district_counts(release, periods=members).groupby(
        "district", as_index=False)["count"].sum()
    vals["rate_10k"] = vals["count"] / vals["district"].map(pop).astype("float64") * 10_000.0
    cells = disclosure.cell_counts(release, periods=members,
                                   districts=[k for k in map(district_key, districts) if k])
    cells = cells.groupby("h3", as_index=False)["count"].sum()
    first = district_map_png(gdf, vals, value_column=column, highlight=list(districts),
                             legend_label=label, population=population,
                             title=f"{label} por distrito (cifras publicadas), {label_p}")
    second = cells_map_png(cells, boundaries=gdf,
                           title=f"Celdas publicadas (≥ {release.k} incidentes), {label_p}")
    return [first, second]
