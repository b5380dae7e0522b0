"""Evaluación: did an intervention work? The interventions register and its evaluation.

Thin page: the register (``analytics.intervention_register``) and the evaluation
(``analytics.interventions``) run through ``ui.cache``; the forms are in
``ui.intervention_forms`` and the drawing in ``ui.evaluation_views``. Staff only: the
page reads internal incidents. Widget keys are ``ev_*``.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from analytics import access, area_sources, settings
from analytics.intervention_areas import BUFFER_M
from analytics.intervention_report import counts_table, effects_table, groups_table, method_notes
from analytics.reports import district_key
from ui import cache, evaluation_views as ev, intervention_forms as forms, login, page
from ui.i18n import fmt_date, fmt_float, group_label, t

K_SHOWN, K_DOC = "ev_shown", "ev_doc"
ss = st.session_state

ctx = page.context()
assert ctx is not None
ds, sess, q = ctx.dataset_id, ctx.session, ctx.filters
if not access.can(sess.role, "evaluacion"):
    login.forbidden("page.evaluacion")
    st.stop()

st.title(t("eval.title"))
st.caption(t("eval.intro"))
tab_eval, tab_reg = st.tabs([t("eval.tab_evaluate"), t("eval.tab_register")])

ready = False
with page.guard():
    fresh = cache.freshness(ds)
    data_end = pd.Timestamp(fresh.last).normalize() + pd.Timedelta(days=1)
    data_start = pd.Timestamp(fresh.first).normalize()
    # default start: the middle of the data (at most a year before its end)
    mid = max(data_start + (data_end - data_start) / 2, data_end - pd.Timedelta(days=365))
    listing = cache.intervention_list()
    ready = True
if not ready:
    st.stop()

# ---- register: add, edit, remove
with tab_reg, page.guard():
    forms.messages()
    st.subheader(t("eval.new_title"))
    st.caption(t("eval.new_help"))
    present = set(cache.filter_options(ds).get("districts", []))
    names = cache.boundary_districts()
    keys = {district_key(d) for d in present}
    offered = [d for d in names if district_key(d) in keys] or names
    forms.register_form(ds, q, user=sess.user, districts=offered,
                        default_start=mid.normalize().date())
    if len(listing):
        st.subheader(t("eval.list_title"))
        st.dataframe(pd.DataFrame({
            t("eval.col_id"): listing["id"], t("eval.name"): listing["name"],
            t("eval.kind"): listing["kind_label"], t("eval.body"): listing["body"],
            t("eval.start"): [fmt_date(d) for d in listing["start"]],
            t("eval.last_day"): [t("eval.ongoing") if pd.isna(d) else
                                 fmt_date(pd.Timestamp(d) - timedelta(days=1))
                                 for d in listing["end"]],
            t("eval.col_km2"): listing["area_km2"],
            t("eval.col_by"): listing["created_by"],
        }), hide_index=True, width="stretch", key="ev_list")

# ---- evaluation of one intervention
with tab_eval, page.guard():
    if listing.empty:
        st.info(t("eval.empty_register"), icon=":material/info:")
        st.stop()
    ids = listing["id"].astype(str).tolist()
    if ss.get(forms.K_PICK) not in ids:
        ss[forms.K_PICK] = ids[-1]
    label = {r.id: t("eval.pick_label", id=r.id, name=r.name, kind=r.kind_label,
                     start=fmt_date(r.start)) for r in listing.itertuples()}
    pick = st.selectbox(t("eval.pick"), ids, key=forms.K_PICK, format_func=label.get)
    inter = cache.intervention(pick)
    st.caption(t("eval.details", body=inter.body or "—", start=fmt_date(inter.start),
                 end=t("eval.ongoing") if inter.end is None
                 else fmt_date(inter.end - pd.Timedelta(days=1))))
    with st.expander(t("eval.manage"), icon=":material/edit:"):
        forms.manage_form(inter, user=sess.user)

    c1, c2, c3, c4 = st.columns([1, 1, 1.4, 1.8])
    mb = int(c1.number_input(t("eval.months_before"), 0, 60, 0, key="ev_mb",
                             help=t("eval.months_help")))
    ma = int(c2.number_input(t("eval.months_after"), 0, 60, 0, key="ev_ma",
                             help=t("eval.months_help")))
    buffer_m = int(c3.slider(t("eval.buffer"), 100, 1500, int(BUFFER_M), 50, key="ev_buffer",
                             help=t("eval.buffer_help")))
    groups = [""] + list(settings.CRIME_GROUPS)
    group = c4.selectbox(t("eval.group"), groups, key="ev_group",
                         format_func=lambda g: t("eval.all_groups") if not g else group_label(g))
    control_kind = st.radio(t("eval.control"), ["auto", "file"], key="ev_control",
                            horizontal=True, format_func=lambda k: t(f"eval.control_{k}"))
    control_json = None
    if control_kind == "file":
        up = st.file_uploader(t("eval.control_upload"), type=list(ev.AREA_TYPES),
                              key="ev_control_file", help=t("eval.file_help"))
        if up is None:
            st.info(t("eval.control_missing"), icon=":material/upload_file:")
        else:
            control_json = area_sources.area_to_geojson(
                ev.uploaded_area(up, what="la zona de control"))
    area_json = area_sources.area_to_geojson(inter.area)
    end = (inter.end if inter.end is not None and ma == 0 and inter.end <= data_end else None)
    args = dict(start=f"{inter.start:%Y-%m-%d}", end=None if end is None else f"{end:%Y-%m-%d}",
                months_before=mb or None, months_after=ma or None, buffer_m=float(buffer_m),
                control_geojson=control_json, crime_group=group or None)
    sig = (ds, pick, area_json, tuple(sorted(args.items())))
    if st.button(t("eval.run"), key="ev_run", type="primary", icon=":material/query_stats:",
                 disabled=control_kind == "file" and control_json is None):
        ss[K_SHOWN] = sig
    if ss.get(K_SHOWN) != sig:
        st.caption(t("eval.run_help"))
        st.stop()

    notes = tuple(cache.intervention_clash_notes(pick, buffer_m=float(buffer_m)))
    with st.spinner(t("eval.computing")):
        res = cache.evaluation(ds, area_json, name=inter.name or pick, notes=notes, **args)
    key = repr(sig)
    st.subheader(t("eval.result_title", name=inter.name or pick))
    ev.verdict_box(res)
    for n in res.notes:
        if n in notes:
            st.warning(n, icon=":material/layers:")
    w = res.windows
    st.caption(t("eval.windows", b0=fmt_date(w.before_start),
                 b1=fmt_date(w.start - pd.Timedelta(days=1)), a0=fmt_date(w.start),
                 a1=fmt_date(w.after_end - pd.Timedelta(days=1)), mb=w.months_before,
                 ma=fmt_float(w.months_after), control=res.control_label,
                 km2=fmt_float(res.area_km2, 2)))
    geoms = cache.evaluation_geometries(res, key, area_json, control_json)
    shown = geoms["control"] if geoms["control"] is not None else geoms["buffer"]
    x0, y0, x1, y1 = shown.union(geoms["buffer"]).bounds
    ev.study_map(geoms, cache.districts_in_view((x0 - 0.02, y0 - 0.02, x1 + 0.02, y1 + 0.02)),
                 basemap=cache.basemap_available(), key="ev_map")
    if geoms["control"] is None:
        st.caption(t("eval.control_whole"))
    st.markdown(f"**{t('eval.series_title')}**")
    st.altair_chart(ev.series_chart(res.series, w.start), width="stretch")
    st.caption(t("eval.series_help"))
    t1, t2, t3 = st.tabs([t("eval.tab_counts"), t("eval.tab_effects"), t("eval.tab_groups")])
    with t1:
        ev.table(counts_table(res.overall, buffer_m=res.buffer_m), "ev_t_counts")
    with t2:
        ev.table(effects_table(res.overall, buffer_m=res.buffer_m, alpha=res.alpha),
                 "ev_t_effects")
    with t3:
        if res.groups:
            ev.table(groups_table(res), "ev_t_groups")
            for g in res.groups:
                st.markdown(f"- **{g.label}**: {g.verdict}")
        else:
            st.caption(t("eval.no_groups"))
    with st.expander(t("eval.how"), icon=":material/help:"):
        for n in method_notes(res):
            st.markdown(f"- {n}")

    # PDF, handed out after the export is in the audit log
    if not access.can(sess.role, "export"):
        st.info(t("eval.no_export"), icon=":material/block:")
    elif st.button(t("eval.prepare_pdf"), key="ev_pdf", icon=":material/picture_as_pdf:"):
        pdf = cache.evaluation_document(res, key, subtitle=t(
            "eval.pdf_subtitle", user=sess.user or t("eval.demo_user")))
        if login.audit("export", f"evaluación de la intervención {pick} (PDF)", user=sess.user):
            ss[K_DOC] = {"sig": sig, "pdf": pdf}
        else:
            st.error(t("eval.audit_failed"), icon=":material/lock:")
    doc = ss.get(K_DOC)
    if doc and doc.get("sig") == sig:
        st.download_button(t("eval.download_pdf"), doc["pdf"],
                           file_name=f"evaluacion_{pick}.pdf", mime="application/pdf",
                           key="ev_dl_pdf", on_click="ignore", icon=":material/download:")
