"""Patrones: hour × weekday, weekly trend + moving average, STL, type mix, holidays and paydays."""

from __future__ import annotations

import streamlit as st

from analytics import explore
from analytics._errors import InsufficientHistoryError
from ui import cache, charts, filters as F, page
from ui.i18n import fmt_date, group_label, lang, t

ctx = page.context()
assert ctx is not None
f, ds = ctx.filters, ctx.dataset_id
key = f  # the query is the cache key

st.title(t("patrones.title"))
with page.guard():
    st.subheader(t("patrones.heatmap"))
    st.caption(t("patrones.heatmap_help"))
    st.altair_chart(charts.hour_weekday_heatmap(cache.hour_weekday_matrix(ds, key)),
                    width="stretch")

    weekly = cache.weekly_series(ds, key)
    if int(weekly.sum()) == 0:
        st.info(t("app.empty_filter"), icon=":material/filter_alt_off:")
        st.stop()
    st.subheader(t("patrones.weekly"))
    st.altair_chart(charts.weekly_with_ma(weekly, explore.moving_average(weekly, window=4)),
                    width="stretch")

    daily = cache.daily_series(ds, key)
    marks = cache.calendar_marks(daily.index.min().date(), daily.index.max().date(), lang())
    st.subheader(t("patrones.daily"))
    st.altair_chart(charts.daily_with_marks(daily, marks), width="stretch")

    st.subheader(t("patrones.stl"))
    st.caption(t("patrones.stl_help"))
    try:
        st.altair_chart(charts.stl_panels(cache.stl(ds, key, period=7)), width="stretch")
    except InsufficientHistoryError as exc:
        st.info(str(exc), icon=":material/info:")

    st.subheader(t("patrones.mix"))
    by = st.radio(t("patrones.mix_by"), ["group", "type"], key=F.K_PAT_MIX, horizontal=True,
                  format_func=lambda b: t(f"patrones.mix_{b}"))
    mix = cache.type_mix(ds, key, by=by)
    labels = ({g: group_label(g) for g in mix["category"].unique()} if by == "group" else None)
    st.altair_chart(charts.type_mix_area(mix, labels), width="stretch")

    if not marks.empty:
        with st.expander(t("patrones.marks")):
            st.dataframe(marks.assign(date=[fmt_date(d) for d in marks["date"]],
                                      kind=[t(f"mark.{k}") for k in marks["kind"]])
                         .rename(columns={"date": t("col.date"), "kind": t("mark.kind"),
                                          "name": t("mark.name")}),
                         hide_index=True, width="stretch")
