"""Spanish PDF and chart of an intervention evaluation (A4 landscape, DejaVu fonts).

The chart shows the monthly series of the area, its ring and the control, the start date
and the counterfactual band of the area (its level before, carried forward by the
control). Fonts and page set-up come from :func:`analytics.reports.landscape_pdf`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from analytics import settings
from analytics._intervention_text import interval_text, number_text, pct_text
from analytics.interventions import AreaComparison, InterventionEvaluation

_METHOD_TEXT = {
    "nb_monthly": "binomial negativa sobre conteos mensuales, con la zona de control como "
                  "exposición",
    "res_totals": "tamaño relativo del efecto (RES) sobre los totales",
}


def evaluation_chart_png(result: InterventionEvaluation, *, title: str = "",
                         width_in: float = 10.0, height_in: float = 4.2, dpi: int = 150) -> bytes:
    """Monthly series of area, ring and control with the start and the counterfactual band.

    Returns
    -------
    bytes
        A PNG image.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = result.series.copy()
    s = pd.concat([s, s.iloc[[-1]]], ignore_index=True)  # close the last step at the end
    x = pd.to_datetime(pd.Series([*result.series["month_start"], result.windows.after_end]))
    fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=dpi)
    try:
        if s["counterfactual"].notna().any():
            ax.fill_between(x, s["counterfactual_low"], s["counterfactual_high"], step="post",
                            color="#f4a582", alpha=0.35,
                            label="Área sin intervención (banda esperada)")
            ax.step(x, s["counterfactual"], where="post", color="#d6604d", lw=1, ls="--")
        ax.step(x, s["area"], where="post", color="#b2182b", lw=2.2, label="Área intervenida")
        ax.step(x, s["buffer"], where="post", color="#2166ac", lw=1.6,
                label=f"Anillo de {result.buffer_m:g} m")
        ax.set_ylabel("Incidentes por mes (área y anillo)")
        ax.set_ylim(bottom=0)
        ax2 = ax.twinx()
        ax2.step(x, s["control"], where="post", color="#7f7f7f", lw=1.2, ls=":",
                 label="Zona de control (eje derecho)")
        ax2.set_ylabel("Incidentes por mes (control)")
        ax2.set_ylim(bottom=0)
        ax.axvline(result.windows.start, color="black", lw=1.2)
        ax.annotate("inicio", (result.windows.start, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=8)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        if title:
            ax.set_title(title, fontsize=10)
        fig.autofmt_xdate()
        fig.tight_layout(rect=(0, 0.1, 1, 1))
        fig.legend(h1 + h2, l1 + l2, loc="lower center", fontsize=7, ncol=4, frameon=False)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    return buf.getvalue()


def _change(before: int, after: int) -> str:
    if before <= 0:
        return "—"
    return pct_text((after / before - 1) * 100, signed=True)


def counts_table(comp: AreaComparison, *, buffer_m: float) -> pd.DataFrame:
    """Before/after counts of area, ring and control with the raw change."""
    rows = [("Área intervenida", comp.area_before, comp.area_after),
            (f"Anillo de {buffer_m:g} m", comp.buffer_before, comp.buffer_after),
            ("Zona de control", comp.control_before, comp.control_after)]
    return pd.DataFrame([(n, b, a, _change(b, a)) for n, b, a in rows],
                        columns=["Zona", "Antes", "Después", "Cambio bruto"])


def effects_table(comp: AreaComparison, *, buffer_m: float, alpha: float) -> pd.DataFrame:
    """Effect sizes and displacement measures as Spanish text rows."""
    def ci(lo: float | None, hi: float | None) -> str:
        return "—" if lo is None or hi is None else interval_text(lo, hi, alpha)

    def num(v: float | None, digits: int = 2) -> str:
        return "—" if v is None else number_text(v, digits)

    def pct(v: float | None) -> str:
        return "—" if v is None else pct_text(v, signed=True)

    rows = [
        ("Cambio del área frente al control", pct(comp.effect_pct),
         ci(comp.ci_low_pct, comp.ci_high_pct)),
        (f"Cambio del anillo de {buffer_m:g} m frente al control", pct(comp.buffer_effect_pct),
         ci(comp.buffer_ci_low_pct, comp.buffer_ci_high_pct)),
        ("RES sobre totales (Farrington y Welsh, sin calibrar)", num(comp.res, 3),
         "—" if comp.res_ci_low is None or comp.res_ci_high is None
         else f"{num(comp.res_ci_low, 3)} a {num(comp.res_ci_high, 3)}"),
        ("Cociente de desplazamiento ponderado (WDQ)", num(comp.wdq), comp.wdq_reading or "—"),
        ("Efecto neto total (incidentes evitados)", num(comp.total_net_effect, 1),
         "positivo: menos incidentes que la tendencia del control"),
        ("Diferencia de desplazamiento ponderada (WDD)", num(comp.wdd, 1),
         "—" if comp.wdd_se is None else f"error estándar {num(comp.wdd_se, 1)} (Poisson)"),
    ]
    return pd.DataFrame(rows, columns=["Medida", "Valor", "Intervalo o lectura"])


def groups_table(result: InterventionEvaluation) -> pd.DataFrame:
    """One row per crime group: counts, effect and interval."""
    rows = []
    for g in result.groups:
        eff = "—" if g.effect_pct is None else pct_text(g.effect_pct, signed=True)
        ci = ("—" if g.ci_low_pct is None or g.ci_high_pct is None
              else interval_text(g.ci_low_pct, g.ci_high_pct, result.alpha))
        rows.append((g.label, g.area_before, g.area_after, g.buffer_before, g.buffer_after,
                     eff, ci))
    return pd.DataFrame(rows, columns=["Grupo", "Área antes", "Área después", "Anillo antes",
                                       "Anillo después", "Efecto", "Intervalo"])


def method_notes(result: InterventionEvaluation) -> list[str]:
    """How the numbers were computed, in plain Spanish."""
    o = result.overall
    w = result.windows
    notes = [
        f"Periodo antes: del {w.before_start:%d/%m/%Y} al "
        f"{w.start - pd.Timedelta(days=1):%d/%m/%Y} ({w.months_before} meses); después: del "
        f"{w.start:%d/%m/%Y} al {w.after_end - pd.Timedelta(days=1):%d/%m/%Y} "
        f"({number_text(w.months_after, 1)} meses).",
        f"Método: {_METHOD_TEXT.get(o.method, o.method)}. El efecto es el cambio del área "
        "relativo al cambio de la zona de control (diferencia en diferencias); negativo = "
        "reducción.",
        f"Zona de control: {result.control_label}.",
    ]
    if result.calibrated:
        notes.append(
            f"Los intervalos suman la variación natural entre zonas medida en {o.placebos} "
            "áreas placebo (la misma forma trasladada a otros lugares con datos, mismos meses)"
            + ("" if o.drift_sd is None else
               f": unos ±{pct_text(100 * o.drift_sd)} de un año a otro en zonas como esta")
            + ". Sin esa corrección, zonas sin intervención parecen cambiar 'significativamente' "
              "con demasiada frecuencia.")
    notes.append("WDQ (Bowers y Johnson): > 0 difusión de beneficios; entre −1 y 0 algo de "
                 "desplazamiento con beneficio neto; < −1 el desplazamiento supera el efecto. "
                 "Solo se interpreta si el área mejoró frente al control.")
    notes.append("Una asociación en el tiempo no prueba por sí sola que la intervención causó el "
                 "cambio: revise otras acciones en la zona y en el control en el mismo periodo.")
    return notes + list(result.notes)


def evaluation_pdf(result: InterventionEvaluation, *, title: str = "Evaluación de intervención",
                   subtitle: str = "", generated_at: datetime | None = None,
                   extra_notes: Sequence[str] = ()) -> bytes:
    """One- or two-page Spanish PDF: verdict, counts, effects, chart, groups and notes.

    Returns
    -------
    bytes
        The PDF (starts with ``%PDF``).
    """
    from zoneinfo import ZoneInfo

    from fpdf.fonts import FontFace

    from analytics.reports import landscape_pdf


    when = generated_at or datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None)
    o = result.overall
    pdf = landscape_pdf(title)
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(12, 10, 12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 7, title + (f": {result.name}" if result.name else ""),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    group = "todos los delitos" if o.crime_group is None else o.label
    line = (f"Inicio {result.windows.start:%d/%m/%Y} · {group} · área "
            f"{number_text(result.area_km2, 2)} km² · anillo {result.buffer_m:g} m · "
            f"generado {when:%Y-%m-%d %H:%M} (hora de Lima) · Vigía")
    pdf.multi_cell(0, 5, subtitle + ("\n" if subtitle else "") + line,
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_fill_color(238, 242, 248)
    pdf.multi_cell(0, 6, o.verdict, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    heading = FontFace(emphasis="BOLD", fill_color=(221, 228, 238))
    y0 = pdf.get_y()
    left_w = width * 0.36
    pdf.set_font("DejaVu", "", 8)
    _table(pdf, counts_table(o, buffer_m=result.buffer_m), width=left_w, heading=heading,
           x=pdf.l_margin)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 7.5)
    w = result.windows
    day = pd.Timedelta(days=1)
    pdf.multi_cell(left_w, 4, f"Antes: {w.before_start:%d/%m/%Y} al {w.start - day:%d/%m/%Y} "
                              f"({w.months_before} meses). Después: {w.start:%d/%m/%Y} al "
                              f"{w.after_end - day:%d/%m/%Y} ({number_text(w.months_after, 1)} "
                              f"meses). Control: {result.control_label}.",
                   new_x="LMARGIN", new_y="NEXT")
    png = evaluation_chart_png(result, width_in=7.4, height_in=4.0)
    chart_w = width - left_w - 4
    pdf.image(io.BytesIO(png), x=pdf.l_margin + left_w + 4, y=y0, w=chart_w)
    pdf.set_y(max(pdf.get_y(), y0 + chart_w * 4.0 / 7.4) + 2)
    pdf.set_font("DejaVu", "", 8)
    _table(pdf, effects_table(o, buffer_m=result.buffer_m, alpha=result.alpha), width=width,
           heading=heading, x=pdf.l_margin)
    if result.groups:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 7, "Por grupo delictivo", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        _table(pdf, groups_table(result), width=width, heading=heading, x=pdf.l_margin)
        pdf.ln(1)
        pdf.set_font("DejaVu", "", 8)
        for g in result.groups:
            pdf.multi_cell(0, 4.2, f"• {g.label}: {g.verdict}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, "Cómo se calculó", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7.5)
    for n in [*method_notes(result), *extra_notes]:
        pdf.multi_cell(0, 4, f"• {n}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _table(pdf: Any, table: pd.DataFrame, *, width: float, heading: Any, x: float) -> None:
    pdf.set_x(x)
    with pdf.table(headings_style=heading, line_height=pdf.font_size * 1.5, text_align="LEFT",
                   width=width, align="LEFT") as t:
        row = t.row()
        for c in table.columns:
            row.cell(str(c))
        for rec in table.itertuples(index=False):
            row = t.row()
            for v in rec:
                row.cell(_cell(v))


def _cell(v: object) -> str:
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return f"{int(v):,}".replace(",", " ")
    return str(v)
