"""Plan de patrullaje: where each unit patrols this shift, in what order and how long.

Inputs: the forecast (the Pronóstico page's cached fit for one day's shifts, or a file
written by ``python -m analytics forecast``), units, radius, dwell, fixed
posts and excluded cells, and optionally the current plan (CSV with ``h3``).
The plan comes from ``analytics.patrol`` (exact MCLP with HiGHS) through
``ui.cache``; it is written to the audit log when generated. Downloads: CSV,
GeoJSON and the PDF briefing (``analytics.briefing``).
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from analytics import access, briefing, forecast, settings, shift_sheet
from analytics._errors import AnalyticsError
from analytics.patrol import windows
from ui import cache, forecast_views, page, patrol_ops, placement, plan_views as pv
from ui.i18n import fmt_date, fmt_float, group_label, lang, shift_label, t

ctx = page.context()
assert ctx is not None
ds, sess, f = ctx.dataset_id, ctx.session, ctx.filters
ss = st.session_state

K_SOURCE, K_DAY, K_SHIFT, K_GROUP = "plan_source", "plan_day", "plan_shift", "plan_group"
K_FILE, K_WINDOW, K_UNITS, K_RADIUS = "plan_file", "plan_window", "plan_units", "plan_radius"
K_DWELL, K_FIXED, K_EXCLUDED, K_CURRENT = "plan_dwell", "plan_fixed", "plan_excluded", \
    "plan_current"
K_ALL_SHIFTS, K_RESULT, K_DOCS = "plan_all_shifts", "plan_result", "plan_docs"
#: Hand-off from pages/pronostico.py (its ``K_TO_PLAN``): the model chosen there.
K_FROM_FORECAST = "plan_from_forecast"
SHIFT_NAMES = [s[0] for s in settings.SHIFTS]
SHIFT_START = {name: start for name, start, _ in settings.SHIFTS}


st.title(t("plan.title"))
st.caption(t("plan.intro"))

with page.guard():
    # ---- saved plans: every plan made here is kept; reopen one ---------------
    modes = {"new": t("saved.mode_new"), "saved": t("saved.mode_saved")}
    if st.segmented_control(t("saved.mode"), list(modes), key="plan_mode", default="new",
                            format_func=modes.get) == "saved":
        patrol_ops.saved_plans_view()
        st.stop()
    # ---- forecast ---------------------------------------------------------------------
    # format functions read prepared labels (AppTest also calls them outside a run)
    src_labels = {s: t(f"plan.source_{s}") for s in ("store", "file")}
    source = st.segmented_control(t("plan.source"), list(src_labels), key=K_SOURCE,
                                  default="store", format_func=src_labels.get) or "store"
    res = min(max(int(f.resolution), 8), 10)
    if source == "store":
        fr = cache.freshness(ds)
        last = (fr.last or pd.Timestamp.now()).date()
        c1, c2, c3 = st.columns([1, 1.2, 1.4])
        day = c1.date_input(t("plan.day"), value=last + timedelta(days=1), key=K_DAY,
                            format="DD/MM/YYYY", help=t("plan.day_help", last=fmt_date(last)))
        shift_labels = {n: shift_label(n) for n in SHIFT_NAMES}
        shift = c2.selectbox(t("plan.shift"), SHIFT_NAMES, key=K_SHIFT,
                             format_func=shift_labels.get)
        group_labels = {"": t("plan.all_groups"),
                        **{g: group_label(g) for g in settings.CRIME_GROUPS}}
        group = c3.selectbox(t("plan.group"), list(group_labels), key=K_GROUP,
                             format_func=group_labels.get) or None
        # The Pronóstico page's cached fit (same key): coming from there costs no second fit,
        # and a day after the data is forecast from the data's end, never over empty days.
        handoff = ss.get(K_FROM_FORECAST) or {}
        cut, horizon = cache.forecast_cutoff(day, last)
        with st.spinner(t("plan.forecasting")):
            fc_all = windows.parse_windows(cache.forecast_frame(
                ds, train_until=cut, horizon_days=horizon, crime_group=group,
                model=handoff.get("model", forecast.DEFAULT_MODEL), resolution=res,
                districts=tuple(f.districts), seed=cache.FORECAST_SEED))
        forecast_views.provenance(cache.forecast_provenance(
            ds, day=day, last_day=last, crime_group=group, resolution=res,
            model=handoff.get("model", forecast.DEFAULT_MODEL)), until=cut - timedelta(days=1))
        want = pd.Timestamp(day) + pd.Timedelta(hours=SHIFT_START[shift])
        st.caption(t("plan.forecast_from_store", res=res, last=fmt_date(last)))
        placement.unplaced_note(ds, f)
        fc_info = {"source": "almacén", "model": handoff.get("model", forecast.DEFAULT_MODEL),
                   "train_until": str(cut), "group": group, "resolution": res}
    else:
        up = st.file_uploader(t("plan.forecast_file"), key=K_FILE,
                              type=["csv", "gz", "parquet", "xlsx", "geojson"],
                              help=t("plan.forecast_file_help"))
        if up is None:
            st.info(t("plan.need_file"), icon=":material/upload_file:")
            st.stop()
        try:
            fc_all = windows.parse_windows(pv.read_upload(up))
        except AnalyticsError as exc:
            st.error(t("app.error", msg=str(exc)), icon=":material/error:")
            st.stop()
        starts = sorted(fc_all["window_start"].unique())
        window_labels = {w: f"{fmt_date(w)} · {pv.shift_of(pd.Timestamp(w))}" for w in starts}
        want = pd.Timestamp(st.selectbox(t("plan.window"), starts, key=K_WINDOW,
                                         format_func=window_labels.get))
        fc_info = {"source": "archivo", "file": up.name, "sha256": pv.key_of(up.getvalue())}
    day_windows = windows.day_windows(fc_all, want)
    if not (fc_all["window_start"] == want).any():
        st.info(t("plan.empty_window"), icon=":material/info:")
        st.stop()
    win = windows.select_window(fc_all, want)
    window, hours = win.cells, win.hours
    if float(window["expected"].sum()) <= 0:
        st.info(t("plan.empty_window"), icon=":material/info:")
        st.stop()

    # ---- options ----------------------------------------------------------------------
    c1, c2, c3 = st.columns(3)
    units = int(c1.number_input(t("plan.units"), min_value=1, max_value=200, value=6, step=1,
                                key=K_UNITS, help=t("plan.units_help")))
    radius = float(c2.number_input(t("plan.radius"), min_value=50, max_value=3000, value=400,
                                   step=50, key=K_RADIUS, help=t("plan.radius_help")))
    dwell = float(c3.number_input(t("plan.dwell"), min_value=5, max_value=120,
                                  value=settings.PATROL_DWELL_MIN, step=1, key=K_DWELL,
                                  help=t("plan.dwell_help",
                                         revisit=settings.PATROL_REVISIT_MIN)))
    ranked = window.sort_values(["expected", "h3"], ascending=[False, True])
    names = cache.cell_districts(ds, tuple(ranked["h3"]))
    choices = list(ranked["h3"].head(300))
    for k in (K_FIXED, K_EXCLUDED):  # keep earlier picks that are still in the window
        ss[k] = [c for c in ss.get(k, []) if c in set(window["h3"])]
        choices += [c for c in ss[k] if c not in choices]
    exp_of = dict(zip(window["h3"], window["expected"], strict=True))

    cell_labels = {c: f"{(names.get(c) or '—').title()} · "
                      f"{fmt_float(exp_of.get(c, 0.0), 2)} · {c}" for c in choices}
    cell_label = cell_labels.get

    with st.expander(t("plan.constraints"), icon=":material/tune:",
                     expanded=bool(ss.get(K_FIXED) or ss.get(K_EXCLUDED))):
        c1, c2 = st.columns(2)
        fixed = c1.multiselect(t("plan.fixed"), choices, key=K_FIXED, format_func=cell_label,
                               help=t("plan.fixed_help"))
        excluded = c2.multiselect(t("plan.excluded"), choices, key=K_EXCLUDED,
                                  format_func=cell_label, help=t("plan.excluded_help"))
        cur_up = st.file_uploader(t("plan.current"), key=K_CURRENT,
                                  type=["csv", "gz", "parquet", "xlsx", "geojson"],
                                  help=t("plan.current_help"))
    current: list[str] = []
    current_src = ""
    if cur_up is not None:
        try:
            current = windows.cells_from_table(pv.read_upload(cur_up))
            current_src = t("plan.current_uploaded", n=len(current))
        except AnalyticsError:
            st.error(t("plan.current_bad"), icon=":material/error:")
    elif fixed:
        current = list(fixed)
        current_src = t("plan.current_fixed", n=len(current))

    sig = (ds if source == "store" else pv.key_of(fc_all.to_csv()), str(want), group if
           source == "store" else None, res, units, radius, dwell, tuple(fixed), tuple(excluded))
    generate = st.button(t("plan.generate"), type="primary", key="plan_generate",
                         icon=":material/local_police:", disabled=not access.can(sess.role, "plan"))

    if generate:
        with st.spinner(t("plan.solving")):
            plan = cache.patrol_plan(ds, window[["h3", "expected"]], units=units, radius_m=radius,
                                     dwell_min=dwell, fixed=tuple(fixed),
                                     excluded=tuple(excluded), window_start=want,
                                     window_hours=hours)
        detail = (f"turno {pv.shift_of(want)} del {want:%Y-%m-%d}; {units} unidades, radio "
                  f"{radius:g} m, permanencia {dwell:g} min; {len(plan.routes)} puntos; "
                  f"cubre {plan.objective:.3g} de {plan.total_expected:.3g} esperados; "
                  f"{plan.status}")
        plan_id, audited = patrol_ops.keep_plan(
            plan, user=sess.user, detail=detail, dwell_min=dwell, window_start=want,
            window_end=win.end, forecast=fc_info,
            params={"units": units, "radius_m": radius, "fixed": list(fixed),
                    "excluded": list(excluded), "shift": pv.shift_of(want)})
        ss[K_RESULT] = {"sig": sig, "plan": plan, "audited": audited, "plan_id": plan_id}
        ss.pop(K_DOCS, None)

    result = ss.get(K_RESULT)
    if not result:
        st.info(t("plan.press_generate"), icon=":material/touch_app:")
        st.stop()
    if result["sig"] != sig:
        st.info(t("plan.stale"), icon=":material/update:")
        st.stop()
    plan = result["plan"]
    if not result["audited"]:
        st.warning(t("saved.not_saved"), icon=":material/lock:")

    current_value = pv.summary(plan, want, window, current, current_src, radius=radius)
    routes = plan.routes
    pv.plan_map(plan, key=pv.key_of(sig), radius=radius)
    pv.unit_tables(routes, dwell=dwell)

    # ---- downloads --------------------------------------------------------------------
    st.subheader(t("plan.downloads"))
    stem = f"plan_patrullaje_{want:%Y%m%d_%H%M}"
    d1, d2, d3 = st.columns(3)
    d1.download_button(t("plan.csv"), briefing.routes_to_csv(routes), file_name=f"{stem}.csv",
                       mime="text/csv", key="plan_dl_csv", on_click="ignore",
                       icon=":material/table:")
    d2.download_button(t("plan.geojson"), briefing.routes_to_geojson(routes),
                       file_name=f"{stem}.geojson", mime="application/geo+json",
                       key="plan_dl_geojson", on_click="ignore", icon=":material/map:")
    all_shifts = d3.toggle(t("plan.all_shifts"), key=K_ALL_SHIFTS,
                           help=t("plan.all_shifts_help"), disabled=len(day_windows) < 2)
    if d3.button(t("plan.prepare_pdf"), key="plan_prepare_pdf", icon=":material/picture_as_pdf:"):
        with st.spinner(t("plan.preparing")):
            others = tuple(w for w in (day_windows if all_shifts else []) if w != want)
            extra = cache.shift_plans(ds, fc_all, others, units=units, radius_m=radius,
                                      dwell_min=dwell, fixed=tuple(fixed),
                                      excluded=tuple(excluded), current=tuple(current))
            pages = [briefing.ShiftBriefing(plan, pv.shift_of(want), want, win.end,
                                            dwell_min=dwell, current_expected=current_value)]
            pages += [briefing.ShiftBriefing(sp.plan, pv.shift_of(sp.window.start),
                                             sp.window.start, sp.window.end, dwell_min=dwell,
                                             current_expected=sp.current_expected)
                      for sp in extra]
            pages.sort(key=lambda pg: pd.Timestamp(pg.window_start))
            subtitle = t("plan.pdf_subtitle", user=sess.user or t("plan.demo_user"))
            pdf = cache.plan_briefing(pages, pv.key_of(sig, all_shifts, current),
                                      title="Plan de patrullaje", subtitle=subtitle)
        ss[K_DOCS] = {"sig": (sig, all_shifts), "pdf": pdf}
    docs = ss.get(K_DOCS)
    if docs and docs["sig"] == (sig, all_shifts):
        d3.download_button(t("plan.pdf"), docs["pdf"], file_name=f"{stem}.pdf",
                           mime="application/pdf", key="plan_dl_pdf", on_click="ignore",
                           icon=":material/download:")
    st.markdown(f"**{t('saved.sheet_title')}**")
    patrol_ops.sheet_downloads(
        shift_sheet.routes_to_stops(routes, window_end=win.end, plan_id=result.get("plan_id")
                                    or "", radius_m=radius, dwell_min=dwell),
        key="plan_sheet", stem=f"{want:%Y%m%d_%H%M}")
    if result.get("plan_id"):
        st.caption(t("saved.kept_as", pid=result["plan_id"]))
    if lang() == "en":
        st.caption(t("plan.pdf_spanish"))
