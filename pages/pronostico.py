"""Pronóstico: expected incidents per hexagon for a day and shifts, and how good that is.

Thin page: the forecast (``analytics.forecast.forecast_cells``) and the backtest
(``analytics.evaluation.backtest``) run through the cached wrappers of
``ui.cache`` (keyed on the dataset, cut-off, group, model, resolution and the
sidebar's districts); this file picks options and draws. Widget keys are
``pron_*`` (page-local). The button to the Plan de patrullaje page presets that
page's day, shift and group widgets (:data:`PLAN_KEYS`) and leaves the whole
choice in ``st.session_state[K_TO_PLAN]``: the URL cannot carry them, because
``app.py`` rewrites the query string to the sidebar filters on every run.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import numpy as np
import pandas as pd
import streamlit as st

from analytics import forecast, settings
from ui import cache, forecast_views, layers, nav, page, placement
from ui.i18n import fmt_date, fmt_float, fmt_int, group_label, lang, shift_label, t

#: Seed of the models and of the backtest's tie-breaking: same data, same map.
SEED: Final = cache.FORECAST_SEED
#: Days before the data's last day that can be forecast again (and compared).
PAST_DAYS: Final = 60
#: Rows of the top-cells table.
TOP_N: Final = 15
#: Weeks the evaluation can cover.
ORIGIN_CHOICES: Final = (2, 4, 8)
PLAN_PAGE: Final = "pages/plan_patrullaje.py"

K_DAY: Final = "pron_day"
K_SHIFTS: Final = "pron_shifts"
K_GROUP: Final = "pron_group"
K_MODEL: Final = "pron_model"
K_ORIGINS: Final = "pron_origins"
K_EVAL: Final = "pron_eval"
K_DATASET: Final = "_pron_dataset"
#: Hand-off to the Plan de patrullaje page: ``{"day": date, "shifts": [names],
#: "crime_group": key or None, "model": name, "resolution": int}``.
K_TO_PLAN: Final = "plan_from_forecast"
#: Widget keys of pages/plan_patrullaje.py preset by the hand-off button.
PLAN_KEYS: Final = {"day": "plan_day", "shift": "plan_shift", "group": "plan_group"}

SHIFT_NAMES: Final = [s for s, _, _ in settings.SHIFTS]
ALL: Final = ""


def shifts_text(shifts: list[str]) -> str:
    """``mañana (06–14 h) y tarde (14–22 h)`` or "all shifts"."""
    if len(shifts) == len(SHIFT_NAMES):
        return t("pronostico.shifts_all").lower()
    return ", ".join(shift_label(s) for s in shifts)


ctx = page.context()
assert ctx is not None
f, ds = ctx.filters, ctx.dataset_id
ss = st.session_state
res = f.resolution
districts = tuple(f.districts)

st.title(t("pronostico.title"))
st.caption(t("pronostico.intro"))
if forecast_views.zone_view_chosen():  # expected incidents per zone
    with page.guard():
        forecast_views.zone_forecast_view(ds)
    st.stop()

fresh = cache.freshness(ds)
if fresh.last is None:
    st.info(t("app.no_store"), icon=":material/info:")
    st.stop()
last_day = pd.Timestamp(fresh.last).date()
first_future = last_day + timedelta(days=1)
lo_day = max(pd.Timestamp(fresh.first).date() if fresh.first else last_day,
             last_day - timedelta(days=PAST_DAYS))
hi_day = last_day + timedelta(days=cache.FORECAST_HORIZON_DAYS)
if ss.get(K_DATASET) != ds or not (lo_day <= ss.get(K_DAY, first_future) <= hi_day):
    ss[K_DATASET] = ds          # new data: back to "tomorrow"
    ss[K_DAY] = first_future
ss.setdefault(K_SHIFTS, list(SHIFT_NAMES))
ss.setdefault(K_MODEL, forecast.DEFAULT_MODEL)
groups = [ALL, *[g for g in cache.filter_options(ds).get("groups", [])
                 if g in settings.CRIME_GROUPS]]
if ss.get(K_GROUP) not in groups:
    ss[K_GROUP] = ALL

c1, c2, c3 = st.columns([0.7, 1.2, 1.4])
day = c1.date_input(t("pronostico.day"), min_value=lo_day, max_value=hi_day, key=K_DAY,
                    format="DD/MM/YYYY", help=t("pronostico.day_help", d=fmt_date(last_day)))
group_names = {g: t("pronostico.group_all") if g == ALL else group_label(g) for g in groups}
group = c2.selectbox(t("pronostico.group"), groups, key=K_GROUP, format_func=group_names.get)
model_names = {m: forecast_views.model_label(m) for m in forecast.MODEL_NAMES}
model = c3.selectbox(t("pronostico.model"), list(forecast.MODEL_NAMES), key=K_MODEL,
                     format_func=model_names.get, help=t("pronostico.model_help"))
shift_names = {s: shift_label(s) for s in SHIFT_NAMES}
chosen = st.pills(t("pronostico.shifts"), SHIFT_NAMES, selection_mode="multi", key=K_SHIFTS,
                  format_func=shift_names.get, help=t("pronostico.shifts_help"))
day = day or first_future  # a cleared date picker means the default day
shifts = [s for s in SHIFT_NAMES if s in (chosen or [])] or list(SHIFT_NAMES)
crime_group = group or None
st.caption(t("pronostico.scope", area=", ".join(districts) or t("pronostico.scope_all"),
             res=res))

with page.guard():
    placement.unplaced_note(ds, f)
    refit_sig = (ds, day, crime_group, model, res, districts)
    refit = forecast_views.refit_requested(forecast_views.K_REFIT, refit_sig)
    with st.spinner(t("pronostico.computing")):
        fday = cache.forecast_day(
            ds, day=day, last_day=last_day, shifts=tuple(shifts), crime_group=crime_group,
            model=model, resolution=res, districts=districts, seed=SEED, refit=refit)
    forecast_views.cell_provenance(ds, day=day, last_day=last_day, crime_group=crime_group,
                                   model=model, resolution=res, refit=refit, sig=refit_sig)
    cells, scale, has_interval = fday.cells, fday.scale, fday.has_interval
    if cells.empty:
        st.info(t("pronostico.no_cells"), icon=":material/info:")
    else:
        es = lang() == "es"
        show = cells.loc[cells["expected"] > 0].copy()
        if show.empty:
            show = cells.copy()
        breaks = layers.class_breaks(scale if len(scale) else show["expected"])
        show["exp_txt"] = [fmt_float(x, 2) for x in show["expected"]]
        show["rng_txt"] = ([f"{fmt_int(a)} – {fmt_int(b)}" for a, b in
                            zip(show["lower"], show["upper"], strict=True)]
                           if has_interval else ["—"] * len(show))
        show["district"] = show["district"].replace("", "—")
        drawn = layers.colorize(show[["h3_id", "district", "expected", "exp_txt", "rng_txt"]],
                                "expected", breaks)
        bbox = layers.bbox_of(show["lat"], show["lon"])
        tip = {"html": t("pronostico.tooltip", district="{district}", exp="{exp_txt}",
                         rng="{rng_txt}"), "style": {"fontSize": "12px"}}
        deck = layers.deck([layers.district_layer(cache.districts_in_view(bbox)),
                            layers.hex_layer(drawn)],
                           layers.view_for(show["lat"], show["lon"], weights=show["expected"]),
                           basemap=cache.basemap_available(), tooltip=tip)
        st.pydeck_chart(deck, height=540)
        positive = [v for v in scale if v > 0] or [float(show["expected"].min())]
        digits = 3 if breaks[0] < 0.005 else 2  # tiny classes stay distinguishable
        st.markdown(layers.legend_html(t("pronostico.legend"), breaks, vmin=min(positive),
                                       digits=digits, decimal_comma=es,
                                       note=t("pronostico.legend_note")),
                    unsafe_allow_html=True)

        total = float(cells["expected"].sum())
        top10 = cells.head(10)
        share = 100 * float(top10["expected"].sum()) / total if total > 0 else 0.0
        lines = [t("pronostico.summary", day=fmt_date(day), shifts=shifts_text(shifts),
                   total=fmt_float(total, 1), n=fmt_int(len(cells)), share=fmt_float(share, 0))]
        known = bool(cells["actual"].notna().all())
        if known:
            lines.append(t("pronostico.summary_actual", n=fmt_int(cells["actual"].sum()),
                           hits=fmt_int(top10["actual"].sum())))
        st.markdown(" ".join(lines))
        evidence = cache.forecast_evidence(
            ds, day=day, last_day=last_day, crime_group=crime_group, model=model,
            resolution=res, districts=districts, seed=SEED, refit=refit)
        if evidence is not None:
            st.markdown(forecast_views.evidence_text(evidence))

        st.subheader(t("pronostico.top"))
        top = cells.head(TOP_N)
        table = pd.DataFrame({
            t("pronostico.col_rank"): np.arange(1, len(top) + 1),
            t("pronostico.col_district"): top["district"].replace("", "—").to_numpy(),
            t("pronostico.col_expected"): [fmt_float(x, 2) for x in top["expected"]],
            t("pronostico.col_range"): ([f"{fmt_int(a)} – {fmt_int(b)}" for a, b in
                                         zip(top["lower"], top["upper"], strict=True)]
                                        if has_interval else ["—"] * len(top)),
        })
        if known:
            table[t("pronostico.col_actual")] = top["actual"].astype(int).to_numpy()
        table[t("pronostico.col_cell")] = top["h3_id"].to_numpy()
        st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)
        st.caption(t("pronostico.range_note") if has_interval else t("pronostico.no_range"))

        if any(p.path == PLAN_PAGE for p in nav.visible_pages(ctx.session.role)):
            if st.button(t("pronostico.to_plan"), icon=":material/local_police:",
                         key="pron_to_plan"):
                ss[K_TO_PLAN] = {"day": day, "shifts": list(shifts), "crime_group": crime_group,
                                 "model": model, "resolution": res}
                # The plan page's own widgets (one shift there): preset day, shift, group.
                ss[PLAN_KEYS["day"]] = day
                if len(shifts) < len(SHIFT_NAMES):
                    ss[PLAN_KEYS["shift"]] = shifts[0]
                ss[PLAN_KEYS["group"]] = group
                st.switch_page(PLAN_PAGE)

# ---- evaluation (backtest): slower, on request, cached
st.divider()
st.subheader(t("pronostico.eval_title"))
st.markdown(t("pronostico.eval_intro"))
st.markdown(t("pronostico.explain"))
c1, c2 = st.columns([1, 2])
ss.setdefault(K_ORIGINS, 4)
n_origins = c1.select_slider(t("pronostico.origins"), options=list(ORIGIN_CHOICES),
                             key=K_ORIGINS, help=t("pronostico.origins_help"))
# Each evaluated week ends with the night shift of its 7th day (06:00 the next morning),
# so the latest week ends by the last day with data: every scored shift is complete.
origins = tuple(last_day - timedelta(days=7 * k) for k in range(int(n_origins), 0, -1))
eval_key = (ds, origins, crime_group, res, districts)
c2.caption(t("pronostico.eval_slow"))
if c2.button(t("pronostico.run_eval"), icon=":material/analytics:", key="pron_run_eval"):
    ss[K_EVAL] = eval_key
if ss.get(K_EVAL) == eval_key:
    with page.guard():
        models = tuple(forecast.MODEL_NAMES)
        with st.spinner(t("pronostico.eval_computing", n=len(origins), m=len(models))):
            result = cache.forecast_backtest(ds, origins=origins, crime_group=crime_group,
                                             resolution=res, districts=districts,
                                             models=models, seed=SEED)
        forecast_views.backtest_results(result, models=models, origins=origins)

# ---- honest caveats
st.subheader(t("pronostico.caveats_title"))
notes = t("pronostico.caveats")
stacked = [w for w in cache.quality_warnings(ds) if w.get("kind") == "stacked"]
if stacked:
    notes += "\n\n" + t("pronostico.stacked", n=fmt_int(len(stacked)))
st.info(notes, icon=":material/info:")
