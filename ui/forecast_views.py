"""Forecast views the pages share: provenance, the zone view, the Codisec expected range.

Where a forecast comes from (stored by the nightly job or fitted now), the
Pronóstico zone view, and the expected range of a period on Reportes.

Stored forecasts (``python -m analytics forecast --store`` / ``zone-forecast --store``)
are read through ``ui.cache``; a page says when the forecast it shows was made and
with data up to which day, and offers to recompute it now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import pandas as pd
import streamlit as st

from analytics import evaluation, forecast as fc, reports, zone_period, zone_sheet
from ui import cache, charts, filters, zone_views
from ui.i18n import fmt_date, fmt_float, fmt_int, lang, t

#: Pronóstico: "Hexágonos | Por zona" switch.
K_VIEW: Final = "pron_view"
#: Pronóstico: the hexagon forecast the user asked to recompute (its signature).
K_REFIT: Final = "pron_refit"
K_ZONE_BY: Final = "pron_zone_by"
K_ZONE_DAY: Final = "pron_zone_day"
K_ZONE_REFIT: Final = "pron_zone_refit"
#: Reportes: the (dataset, period) whose expected range the user asked to compute.
K_EXPECTED: Final = "rep_expected"
#: Days of the zone view.
ZONE_HORIZON_DAYS: Final = 7
WINDOWS: Final = ("shift", "hour", "day")


def fmt_made(ts: object) -> str:
    """``06/12/2026 02:00`` (Spanish) or ``2026-12-06 02:00``."""
    stamp = pd.Timestamp(ts)  # type: ignore[arg-type]
    return stamp.strftime("%d/%m/%Y %H:%M" if lang() == "es" else "%Y-%m-%d %H:%M")


def refit_requested(key: str, sig: object) -> bool:
    """Whether the user asked to recompute the forecast with signature ``sig`` now."""
    return bool(st.session_state.get(key) == sig)


def provenance(run: Any, *, until: object, refit_key: str | None = None, sig: object = None,
               refitted: bool = False) -> None:
    """One caption: "calculado el … con datos hasta el …" (stored) or "calculado ahora".

    With ``refit_key``, a button to recompute now (or to go back to the stored one).
    """
    ss = st.session_state
    if run is not None:
        text = t("porzona.stored_made", made=fmt_made(run.made_at), until=fmt_date(run.data_until))
    else:
        text = t("porzona.refitted" if refitted else "porzona.fitted_now", until=fmt_date(until))
    if refit_key is None or (run is None and not refitted):
        st.caption(text)
        return
    c1, c2 = st.columns([4, 1])
    c1.caption(text)
    if run is not None:
        c2.button(t("porzona.refit"), key=f"{refit_key}_btn", icon=":material/refresh:",
                  help=t("porzona.refit_help"), on_click=lambda: ss.update({refit_key: sig}))
    else:
        c2.button(t("porzona.use_stored"), key=f"{refit_key}_back",
                  on_click=lambda: ss.pop(refit_key, None))


def cell_provenance(dataset_id: str, *, day: date, last_day: date, crime_group: str | None,
                    model: str, resolution: int, refit: bool, sig: object) -> None:
    """Provenance of the Pronóstico page's hexagon forecast of ``day``."""
    run = cache.forecast_provenance(dataset_id, day=day, last_day=last_day,
                                    crime_group=crime_group, model=model, resolution=resolution,
                                    refit=refit)
    cut, _h = cache.forecast_cutoff(day, last_day)
    stored_exists = refit and cache.forecast_provenance(
        dataset_id, day=day, last_day=last_day, crime_group=crime_group, model=model,
        resolution=resolution) is not None
    provenance(run, until=cut - timedelta(days=1), refit_key=K_REFIT, sig=sig,
               refitted=stored_exists)


# --------------------------------------------------------------------------- Pronóstico
def zone_view_chosen() -> bool:
    """Pronóstico's "Hexágonos | Por zona" switch; whether the zone view is chosen."""
    labels = {"cells": t("porzona.view_cells"), "zones": t("porzona.view_zones")}
    view = st.segmented_control(t("porzona.view"), list(labels), key=K_VIEW, default="cells",
                                format_func=labels.get)
    return view == "zones"


def _zone_forecast(dataset_id: str, *, layer_id: int | None, cut: date, by: str, refit: bool
                   ) -> tuple[Any, pd.DataFrame, tuple[str, ...], tuple[str, ...], float]:
    """(stored run or None, table, zones without history, notes, interval)."""
    ts = pd.Timestamp(cut)
    hit = None if refit else cache.stored_forecast(
        dataset_id, kind="zone", windows=by, train_until=ts,
        covers_until=ts + pd.Timedelta(days=ZONE_HORIZON_DAYS), layer_id=layer_id)
    if hit is not None:
        run, table = hit
        end = ts + pd.Timedelta(days=ZONE_HORIZON_DAYS)
        table = table[pd.to_datetime(table["window_start"]) < end].reset_index(drop=True)
        return run, table, run.no_history, run.notes, float(run.interval or 0.8)
    with st.spinner(t("porzona.computing")):
        res = cache.fitted_zone_forecast(dataset_id, layer_id=layer_id, train_until=cut,
                                         horizon_days=ZONE_HORIZON_DAYS, by=by)
    return None, res.table, res.no_history, res.notes, res.interval


def zone_forecast_view(dataset_id: str) -> None:
    """Pronóstico por zona: expected incidents per zone and window for the next days.

    Shift, hour or day windows with intervals; map of the chosen day; printable
    table; CSV, Excel and PDF.
    """
    ss = st.session_state
    fresh = cache.freshness(dataset_id)
    if fresh.last is None:
        st.info(t("app.no_store"), icon=":material/info:")
        return
    last_day = pd.Timestamp(fresh.last).date()
    cut = last_day + timedelta(days=1)
    lid = filters.zone_layer_id()
    label = zone_views.layer_label(lid)
    st.subheader(t("porzona.fc_title", layer=label))
    by_labels = {w: t(f"porzona.by_{w}") for w in WINDOWS}
    days = [cut + timedelta(days=k) for k in range(ZONE_HORIZON_DAYS)]
    if ss.get(K_ZONE_DAY) not in days:
        ss[K_ZONE_DAY] = days[0]
    c1, c2 = st.columns([1.4, 1])
    by = c1.segmented_control(t("porzona.by"), list(WINDOWS), key=K_ZONE_BY, default="shift",
                              format_func=by_labels.get) or "shift"
    day = c2.selectbox(t("porzona.day"), days, key=K_ZONE_DAY, format_func=fmt_date)
    sig = (dataset_id, lid, by)
    refit = refit_requested(K_ZONE_REFIT, sig)
    run, table, no_history, notes, interval = _zone_forecast(dataset_id, layer_id=lid, cut=cut,
                                                             by=by, refit=refit)
    pct = int(round(100 * interval))
    st.caption(t("porzona.fc_intro", n=ZONE_HORIZON_DAYS, d=fmt_date(cut), by=by_labels[by],
                 p=pct))
    provenance(run, until=last_day, refit_key=K_ZONE_REFIT, sig=sig, refitted=refit)
    if table.empty:
        st.info(t("porzona.empty"), icon=":material/info:")
        return
    totals = zone_sheet.zone_day_totals(table)
    today = totals[totals["day"] == pd.Timestamp(day)].copy()
    today["exp_txt"] = [fmt_float(v, 1) for v in today["expected"]]
    polys = zone_views.zone_polygons(lid, list(totals["zone"].unique()))
    missing = zone_views.draw_zone_map(
        polys, today[["zone", "expected", "exp_txt"]], value="expected", digits=1,
        tooltip=t("porzona.tooltip_fc", zone="{zone}", exp="{exp_txt}"),
        legend=t("porzona.legend_fc"))
    wide = zone_sheet.day_tables(table).get(pd.Timestamp(day))
    if wide is not None:
        wide = wide.rename(columns={"Zona": t("porzona.col_zone")})
        st.dataframe(wide, hide_index=True, width="stretch", key="pron_zone_table")
        st.caption(t("porzona.table_caption_hour") if by == "hour" else
                   t("porzona.table_caption", p=pct))
    extra = []
    if no_history:
        extra.append(t("porzona.no_history", zones=", ".join(no_history[:20])
                       + (" …" if len(no_history) > 20 else "")))
    if missing:
        extra.append(t("porzona.no_polygon", zones=", ".join(missing[:12])
                       + (" …" if len(missing) > 12 else "")))
    if extra:
        st.caption(" ".join(extra))
    st.markdown(f"**{t('porzona.downloads')}**")
    made = (t("porzona.stored_made", made=fmt_made(run.made_at), until=fmt_date(run.data_until))
            if run is not None else t("porzona.refitted", until=fmt_date(last_day)))
    key = f"{dataset_id}|{lid}|{by}|{run.run_id if run is not None else 'fit'}|{lang()}"
    csv, xlsx, pdf = cache.zone_sheet_files(
        table, key, title=f"{t('porzona.pdf_title')} · {label}", subtitle=made,
        notes=(*notes, *([t("porzona.no_history", zones=", ".join(no_history))]
                         if no_history else [])))
    stem = f"pronostico_zonas_{cut:%Y%m%d}_{by}"
    d1, d2, d3 = st.columns(3)
    d1.download_button(t("porzona.csv"), csv, file_name=f"{stem}.csv", mime="text/csv",
                       key="pron_zone_csv", on_click="ignore", icon=":material/table:")
    d2.download_button(t("porzona.xlsx"), xlsx, file_name=f"{stem}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="pron_zone_xlsx", on_click="ignore", icon=":material/grid_on:")
    d3.download_button(t("porzona.pdf"), pdf, file_name=f"{stem}.pdf", mime="application/pdf",
                       key="pron_zone_pdf", on_click="ignore",
                       icon=":material/picture_as_pdf:")


# --------------------------------------------------------------------------- Reportes
def period_bounds(label: str) -> tuple[date, date]:
    """First day of the report period ``label`` and the day after its last."""
    p = reports.label_to_period(label)
    return p.start_time.date(), (p + 1).start_time.date()


def _period_forecast(dataset_id: str, *, target: str, start: date, end: date
                     ) -> tuple[Any, pd.DataFrame, tuple[str, ...]] | None:
    """(stored run or None, one row per district, notes) or ``None`` while not computed."""
    ss = st.session_state
    hit = cache.stored_forecast(dataset_id, kind="zone", windows="period",
                                train_until=pd.Timestamp(start), covers_until=pd.Timestamp(end),
                                layer_id=None)
    if hit is not None:
        run, table = hit
        if len(table) and (pd.to_datetime(table["window_end"]) == pd.Timestamp(end)).all():
            return run, table, run.notes
    if ss.get(K_EXPECTED) != (dataset_id, target):
        if st.button(t("porzona.expected_compute"), key="rep_expected_btn",
                     icon=":material/query_stats:", help=t("porzona.expected_compute_help")):
            ss[K_EXPECTED] = (dataset_id, target)
        else:
            return None
    with st.spinner(t("porzona.expected_computing")):
        res = cache.fitted_period(dataset_id, start=start, end=end)
    return None, res.table, res.notes


def expected_section(dataset_id: str, *, target: str, districts: tuple[str, ...],
                     name: Callable[[str], str], complete: bool) -> None:
    """Reportes (internal only): each district's count against its expected range.

    The range comes from the zone forecast of the period ``target`` made with
    data before it (stored, or computed on request).
    """
    st.markdown(f"**{t('porzona.expected_title')}**")
    st.caption(t("porzona.expected_intro"))
    if not complete:
        st.caption(t("porzona.expected_incomplete"))
        return
    start, end = period_bounds(target)
    found = _period_forecast(dataset_id, target=target, start=start, end=end)
    if found is None:
        return
    run, table, notes = found
    counts = cache.period_counts(dataset_id, start=start, end=end)
    cmp = zone_period.compare_to_expected(counts, table, zones=list(districts))
    pct = int(round(100 * float(run.interval if run is not None and run.interval else 0.8)))
    for r in cmp.itertuples(index=False):
        if not isinstance(r.verdict, str):
            st.markdown(t("porzona.expected_none", district=name(r.zone), n=fmt_int(r.count),
                          period=target))
            continue
        st.markdown(t("porzona.expected_line", district=name(r.zone), n=fmt_int(r.count),
                      period=target, verdict=t(f"porzona.verdict.{r.verdict}"),
                      exp=fmt_float(r.expected, 0), p=pct, lo=fmt_int(r.lower),
                      hi=fmt_int(r.upper)))
    made = (t("porzona.expected_stored", made=fmt_made(run.made_at), until=fmt_date(run.data_until))
            if run is not None else
            t("porzona.expected_fitted", until=fmt_date(start - timedelta(days=1))))
    how = [n for n in notes if n.startswith(("intervalo", "historia corta"))]
    st.caption(" ".join([made, t("porzona.expected_method"), *(f"({n})." for n in how[-1:])]))


# ---- the Pronóstico page's cell forecast: model names, evidence, backtest
def model_label(name: str) -> str:
    """Display name of a model (no fixed "recommended": the evidence says how it did)."""
    return t(f"pronostico.model.{name}")


def evidence_text(ev: dict) -> str:
    """What the automatic model chose, and its and the last-28-days map's hit rates.

    Over the weeks before the cut-off (``ui.cache.forecast_evidence``).
    """
    parts = [(m, w) for m, w in ev.get("weights", [])]
    if len(parts) == 1:
        chosen = model_label(parts[0][0])
    else:
        chosen = t("pronostico.evidence_mix", parts=" + ".join(
            f"{fmt_float(100 * w, 0)} % {model_label(m).lower()}" for m, w in parts))
    rates = ev.get("hit_rates", {})
    if ev.get("reason") == "thin" or not rates:
        return t("pronostico.evidence_thin", model=chosen)
    mine = rates[ev["chosen"]]["shift@0.01"]
    text = t("pronostico.evidence", weeks=ev["weeks"], day=fmt_date(ev["train_until"]),
             model=chosen, hit=pct(mine), base=pct(rates["retro28"]["shift@0.01"]))
    best = max(fc.BASELINES, key=lambda b: rates[b]["shift@0.01"])
    if best != "retro28":
        text += " " + t("pronostico.evidence_best", base=model_label(best),
                        hit=pct(rates[best]["shift@0.01"]))
    return text


def pct(x: float) -> str:
    """A share as a Spanish percentage with one decimal ("—" when missing)."""
    return "—" if pd.isna(x) else fmt_float(100 * float(x), 1)


def backtest_results(result: Any, *, models: tuple[str, ...], origins: tuple[date, ...]) -> None:
    """The backtest's tables (hit rate, PAI, PEI), ratios to the best baseline and curve."""
    metrics = (("hit_rate", "pronostico.tab_hit", pct),
               ("pai", "pronostico.tab_pai", lambda v: fmt_float(v, 1)),
               ("pei", "pronostico.tab_pei", lambda v: fmt_float(v, 2)))
    for (metric, _key, fmt), box in zip(metrics, st.tabs([t(k) for _m, k, _f in metrics]),
                                        strict=True):
        wide = evaluation.metric_table(result, metric=metric, windows="shift",
                                       models=models)
        covs = [c for c in wide.columns if isinstance(c, float)]
        table = pd.DataFrame({t("pronostico.col_model"): [model_label(m)
                                                          for m in wide["model"]]})
        for c in covs:
            table[t("pronostico.col_cov", p=f"{100 * c:g}")] = [fmt(v) for v in wide[c]]
        table[t("pronostico.col_windows")] = wide["n_windows"].to_numpy()
        box.dataframe(table, hide_index=True, width="stretch")
    st.caption(t("pronostico.eval_weeks", days=", ".join(fmt_date(o) for o in origins)))
    ratios = result.ratios()
    ratios = ratios[ratios["windows"] == "shift"]
    for p in (0.01, 0.05):
        r = ratios[np.isclose(ratios["coverage"], p)]
        if len(r) and pd.notna(r["ratio"].iloc[0]):
            r0 = r.iloc[0]
            st.markdown(t("pronostico.ratio", p=f"{100 * p:g}", hit=pct(r0["model_hit_rate"]),
                          base=t(f"pronostico.model.{r0['best_baseline']}"),
                          bhit=pct(r0["baseline_hit_rate"]),
                          ratio=fmt_float(r0["ratio"], 2)))
    st.markdown(f"**{t('pronostico.curve')}**")
    curve = evaluation.hit_rate_curve(result, windows="shift")
    st.altair_chart(charts.hit_rate_curve(curve, {m: model_label(m) for m in models}),
                    width="stretch")
    st.caption(t("pronostico.curve_note"))
