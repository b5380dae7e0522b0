"""Reportes: the Codisec report per district and period, internal or public, Excel and PDF.

Defaults give the usual report in one click: La Victoria (when present), the
last complete quarter, the last complete year as línea base. The ``publico``
role only ever sees the public version. Files are handed out only after the
export is written to the audit table.
"""

from __future__ import annotations

import streamlit as st

from analytics import access, reports, settings
from ui import cache, commitments_view, forecast_views, login, page, report_views as rv
from ui.i18n import t

ctx = page.context()
assert ctx is not None
ds, sess, f = ctx.dataset_id, ctx.session, ctx.filters
ss = st.session_state
if not access.can(sess.role, "reportes"):
    login.forbidden("page.reportes")
    st.stop()

K = settings.PUBLIC_MIN_COUNT
C = reports.COLUMN_LABELS
K_DISTRICTS, K_FREQ, K_GOAL, K_PUBLIC = "rep_districts", "rep_freq", "rep_goal", "rep_public"
K_TOP, K_DOCS = "rep_top", "rep_docs"
KIND = {"M": "reportes.freq_M", "Q": "reportes.freq_Q", "Y": "reportes.freq_Y"}


st.title(t("reportes.title"))
st.caption(t("reportes.intro"))

with page.guard():
    # Public version (forced for the publico role): everything from the public release,
    # whose periods are whole published quarters and years (analytics.disclosure).
    forced = sess.public
    public_now = forced or bool(ss.get(K_PUBLIC, False))
    periods = cache.public_report_periods(ds) if public_now else cache.report_periods(ds)
    base_pop = cache.population()
    labels = reports.district_labels(base_pop)
    present = (cache.public_choices(ds).get("districts", []) if public_now
               else cache.filter_options(ds).get("districts", []))

    def dname(d: str) -> str:
        """Display name of a district (population table label)."""
        key = reports.district_key(d) or str(d)
        return labels.get(key, key.title())

    if not any(periods.values()) or not present:
        st.info(t("reportes.no_periods"), icon=":material/info:")
        st.stop()

    # --- choices -------------------------------------------------------------------------
    if K_DISTRICTS not in ss or not set(ss[K_DISTRICTS]) <= set(present):
        lv = [d for d in present if reports.district_key(d) == "LA VICTORIA"]
        ss[K_DISTRICTS] = lv or list(present)
    c1, c2, c3 = st.columns([2.2, 1.2, 1.3])
    chosen = c1.multiselect(t("reportes.districts"), present, key=K_DISTRICTS,
                            format_func=dname)
    kinds = [q for q in KIND if periods.get(q)]
    if ss.get(K_FREQ) not in kinds:
        ss.pop(K_FREQ, None)
    freq = c2.segmented_control(t("reportes.freq"), kinds, key=K_FREQ,
                                default="Q" if "Q" in kinds else kinds[0],
                                format_func=lambda q: t(KIND[q])) or (
        "Q" if "Q" in kinds else kinds[0])
    options = [lab for lab, _ in periods[freq]]
    complete = dict(periods[freq])
    default = next((i for i, (_, ok) in enumerate(periods[freq]) if ok), 0)
    target = c3.selectbox(t("reportes.period"), options, index=default,
                          key=f"rep_period_{'pub_' if public_now else ''}{freq}",
                          format_func=lambda p: p if complete.get(p) else
                          t("reportes.incomplete", label=p))
    if not chosen:
        st.info(t("reportes.no_districts"), icon=":material/info:")
        st.stop()
    districts = tuple(sorted(chosen, key=dname))
    tp = reports.label_to_period(target)

    public = st.toggle(t("reportes.public"), key=K_PUBLIC, value=forced, disabled=forced,
                       help=t("reportes.public_help", k=K)) or forced
    if forced:
        st.caption(t("reportes.public_forced"))

    baseline: str | None = None
    goal: float | None = None
    top = 10
    if not public:
        # Baselines: complete periods that end before the report period starts.
        cands = [(lab, q) for q in ("Y", "Q", "M") for lab, ok in periods[q]
                 if ok and reports.label_to_period(lab).end_time < tp.start_time]
        default_base = next((lab for lab, q in cands if q == "Y"
                             and int(lab) == tp.year - 1), None)
        if default_base is None:
            default_base = next((lab for lab, q in cands if q == freq), None)
        base_opts = [""] + [lab for lab, _ in cands]
        kinds = {lab: q for lab, q in cands}
        b1, b2, b3 = st.columns([1.6, 1.4, 1.3])
        baseline = b1.selectbox(
            t("reportes.baseline"), base_opts,
            index=base_opts.index(default_base) if default_base else 0,
            key=f"rep_baseline_{target}", help=t("reportes.baseline_help"),
            format_func=lambda b: t("reportes.no_baseline") if not b else
            t("reportes.baseline_opt", label=b, kind=t(KIND[kinds[b]]).lower())) or None
        goal_value = b2.number_input(t("reportes.goal"), min_value=-99.0, max_value=500.0,
                                     value=-5.0, step=1.0, format="%.1f", key=K_GOAL,
                                     help=t("reportes.goal_help"), disabled=baseline is None)
        goal = float(goal_value) if baseline is not None else None
        top = int(b3.slider(t("reportes.top"), 3, 20, 10, key=K_TOP))

    population = rv.population_editor(base_pop, chosen)

    if not complete.get(target):
        st.warning(t("reportes.incomplete_warn", label=target), icon=":material/warning:")

    # --- tables, charts, maps --------------------------------------------------------------
    res = f.resolution
    # saved plans measured against GPS tracks: internal report only (never public)
    patrol = None if public else cache.patrol_version()
    if public:
        tables, notes = cache.public_report_tables(ds, target=target, districts=districts,
                                                   population=population, k=K)
    else:
        tables, notes = cache.report_tables(ds, target=target, districts=districts,
                                            baseline=baseline, goal_pct=goal,
                                            population=population, resolution=res, top=top,
                                            patrol=patrol)
    maps = cache.report_maps(ds, target=target, districts=districts, population=population,
                             resolution=res, top=top, public=public, k=K)
    trend_months = 24  # public: the last 8 published quarters
    trend = cache.report_trend(ds, target=target, districts=districts, months=trend_months,
                               public=public, k=K)

    if not public:
        rv.indicator_metrics(tables["Indicadores"])
    if not public:  # count vs the zone forecast's expected range (internal report only)
        forecast_views.expected_section(ds, target=target, districts=districts, name=dname,
                                        complete=bool(complete.get(target)))

    rv.charts(tables, trend, target=target, public=public, freq=freq, baseline=baseline,
              name=dname, trend_months=trend_months)
    rv.tables_tabs(tables, notes, maps, public=public)

    # --- Codisec commitments (ui/commitments_view.py) ---------------------------------------
    commitments = None
    with page.guard():
        commitments = commitments_view.section(ds, target=target, districts=districts,
                                               public=public, user=sess.user)

    # --- downloads (audited before the files are handed out) --------------------------------
    st.subheader(t("reportes.downloads"))
    action = "export_public" if public else "export"
    user_text = str(ss.get(rv.K_NOTES) or "").strip()
    user_notes = (t("reportes.doc_user_note", text=user_text),) if user_text else ()
    names = ", ".join(dname(d) for d in districts[:4]) + (
        f" (+{len(districts) - 4})" if len(districts) > 4 else "")
    title = t("reportes.doc_title", districts=names)
    subtitle = t("reportes.doc_public") if public else t(
        "reportes.doc_internal", user=sess.user or "modo demostración")
    sig = (ds, target, districts, baseline, goal, public, top, res, user_notes,
           population.to_json(), patrol, commitments_view.signature(commitments))
    fname = (f"informe_codisec_{rv.slug(names)}_{target}" + ("_publico" if public else ""))
    if not access.can(sess.role, action):
        st.info(t("reportes.no_export"), icon=":material/block:")
    elif st.button(t("reportes.prepare"), key="rep_prepare", type="primary",
                   help=t("reportes.prepare_help"), icon=":material/description:"):
        with st.spinner(t("reportes.preparing")):
            xlsx, pdf = cache.report_documents(
                ds, target=target, districts=districts, baseline=baseline, goal_pct=goal,
                population=population, resolution=res, top=top, public=public, k=K,
                title=title, subtitle=subtitle, user_notes=user_notes, patrol=patrol,
                commitments=commitments)
        detail = (f"{'versión pública' if public else 'versión interna'}; distritos: {names}; "
                  f"periodo {target}"
                  + (f"; línea base {baseline}, meta {goal:+g} %" if baseline and goal is not
                     None else "") + "; Excel y PDF")
        if login.audit(action, detail, user=sess.user):
            ss[K_DOCS] = {"sig": sig, "xlsx": xlsx, "pdf": pdf, "name": fname}
        else:
            ss.pop(K_DOCS, None)
            st.error(t("reportes.audit_failed"), icon=":material/lock:")
    docs = ss.get(K_DOCS)
    if docs and docs.get("sig") == sig:
        st.success(t("reportes.ready"), icon=":material/task_alt:")
        d1, d2, _ = st.columns([1, 1, 2])
        d1.download_button(t("reportes.xlsx"), docs["xlsx"], file_name=f"{docs['name']}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet",
                           key="rep_dl_xlsx", on_click="ignore", icon=":material/table:")
        d2.download_button(t("reportes.pdf"), docs["pdf"], file_name=f"{docs['name']}.pdf",
                           mime="application/pdf", key="rep_dl_pdf", on_click="ignore",
                           icon=":material/picture_as_pdf:")
