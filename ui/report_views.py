"""Drawing helpers of the Reportes page: population editor, metrics, charts, tabs.

Streamlit-aware presentation only: the tables come from ``analytics.reports``
through ``ui.cache``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final

import altair as alt
import pandas as pd
import streamlit as st

from analytics import compliance, reports
from ui.i18n import fmt_float, fmt_int, t

C = reports.COLUMN_LABELS
K_NOTES, K_POP, K_POP_VER = "rep_notes", "rep_pop", "rep_pop_ver"
ss = st.session_state
_MONTHS: Final = {"M": 1, "Q": 3, "Y": 12}


def slug(text: str) -> str:
    """A file-name-safe slug (ASCII, lower case, at most 60 characters)."""
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")[:60] or "informe"


def _apply_population(version: int, shown: pd.DataFrame) -> None:
    """Fold the editor's changes into this session's population table (new editor key).

    ``shown`` is the frame the editor displayed: its row positions are the ones
    the editor reports.
    """
    state = ss.get(f"rep_pop_{version}") or {}
    df = shown.copy()
    for i, changes in (state.get("edited_rows") or {}).items():
        for col, value in changes.items():
            df.iloc[int(i), df.columns.get_loc(col)] = value
    ss[K_POP] = df
    ss[K_POP_VER] = version + 1


def _reset_population() -> None:
    ss.pop(K_POP, None)
    ss[K_POP_VER] = int(ss.get(K_POP_VER, 0)) + 1


def population_editor(base_pop: pd.DataFrame, chosen: list[str]) -> pd.DataFrame:
    """The editable population table (expander); the session's edited copy or the shipped one."""
    with st.expander(t("reportes.population"), icon=":material/groups:"):
        st.caption(t("reportes.population_help"))
        version = int(ss.get(K_POP_VER, 0))
        pop_now = ss.get(K_POP, base_pop)
        keys = {reports.district_key(d) for d in chosen}
        first = pop_now["district"].map(reports.district_key).isin(keys)
        pop_now = pd.concat([pop_now[first], pop_now[~first]]).reset_index(drop=True)
        st.data_editor(
            pop_now, key=f"rep_pop_{version}", on_change=_apply_population,
            args=(version, pop_now),
            hide_index=True, num_rows="fixed", width="stretch",
            disabled=[c for c in pop_now.columns if c != "population"],
            column_order=["label", "ubigeo", "population", "year", "source"],
            column_config={
                "label": st.column_config.TextColumn(t("col.district")),
                "ubigeo": st.column_config.TextColumn(t("field.ubigeo")),
                "year": st.column_config.NumberColumn(t("reportes.freq_Y"), format="%d"),
                "source": st.column_config.TextColumn(t("reportes.col_source")),
                "population": st.column_config.NumberColumn(C["population"], min_value=1,
                                                            step=1, format="%d"),
            })
        if K_POP in ss:
            st.caption(t("reportes.population_edited"))
            st.button(t("reportes.population_reset"), on_click=_reset_population,
                      key="rep_pop_reset", icon=":material/restart_alt:")

    return ss.get(K_POP, base_pop)  # type: ignore[no-any-return]


def indicator_metrics(ind: pd.DataFrame) -> None:
    """Four metrics per district: count and change, rate, against línea base, meta."""

    def pct(v: object) -> str:
        """A percentage in the session's language, ``—`` when missing."""
        return "—" if v is None or pd.isna(v) else f"{fmt_float(float(v))} %"

    for row in ind.head(4).to_dict("records"):
        prev = row.get(C["previous_change_pct"])
        rate = row.get(C["rate_10k"])
        gc = row.get(C["goal_count"])
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(t("reportes.metric_count", district=row[C["district"]]),
                  fmt_int(row[C["count"]]), border=True, delta_color="inverse",
                  delta=None if prev is None or pd.isna(prev) else t(
                      "reportes.delta_prev", pct=fmt_float(float(prev))))
        m2.metric(t("reportes.metric_rate"), "—" if rate is None or pd.isna(rate)
                  else fmt_float(float(rate)), border=True)
        m3.metric(t("reportes.metric_base"), pct(row.get(C["baseline_change_pct"])),
                  border=True)
        m4.metric(t("reportes.metric_goal", goal="—" if gc is None or pd.isna(gc)
                    else fmt_float(float(gc))), str(row[C["status"]]), border=True)


def charts(tables: dict[str, pd.DataFrame], trend: pd.DataFrame, *, target: str, public: bool,
           freq: str, baseline: str | None, name: Callable[[str], str],
           trend_months: int) -> None:
    """Incidents by group and the trend by district (with the línea base as a rule)."""
    g1, g2 = st.columns(2)
    with g1:
        st.markdown(f"**{t('reportes.chart_groups', period=target)}**")
        by = tables["Incidentes por grupo" if public else "Por grupo"]
        if len(by):
            chart = alt.Chart(by.rename(columns={C["district"]: "d", C["crime_group"]: "g",
                                                 C["count"]: "n"})).mark_bar().encode(
                y=alt.Y("g:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)),
                x=alt.X("sum(n):Q", title=t("series.count")),
                color=alt.Color("d:N", title=t("col.district")),
                tooltip=[alt.Tooltip("d:N", title=t("col.district")),
                         alt.Tooltip("g:N", title=t("col.group")),
                         alt.Tooltip("n:Q", title=t("series.count"))],
            ).properties(height=260)
            st.altair_chart(chart, width="stretch")
    with g2:
        st.markdown(f"**{t('reportes.chart_trend_q', n=trend_months // 3)}**" if public else
                    f"**{t('reportes.chart_trend', n=trend_months)}**")
        x_title = t("reportes.freq_Q") if public else t("reportes.col_month")
        if len(trend):
            tr = trend.assign(d=trend["district"].map(name))
            line = alt.Chart(tr).mark_line(point=True).encode(
                x=alt.X("month:O", title=x_title),
                y=alt.Y("count:Q", title=t("series.count")),
                color=alt.Color("d:N", title=t("col.district")),
                tooltip=[alt.Tooltip("d:N", title=t("col.district")),
                         alt.Tooltip("month:O", title=x_title),
                         alt.Tooltip("count:Q", title=t("series.count"))])
            layers: list[alt.Chart] = [line]
            months_in = {"M": 1, "Q": 3, "Y": 12}[freq]
            if not public and baseline is not None:
                ind = tables["Indicadores"]
                rule = pd.DataFrame({"d": ind[C["district"]],
                                     "b": ind[C["baseline_count"]] / months_in}).dropna()
                if len(rule):
                    layers.append(alt.Chart(rule).mark_rule(strokeDash=[4, 4]).encode(
                        y="b:Q", color=alt.Color("d:N", legend=None),
                        tooltip=[alt.Tooltip("b:Q", title=t("reportes.series_base"),
                                             format=".1f")]))
            st.altair_chart(alt.layer(*layers).properties(height=260), width="stretch")
            if public:
                st.caption(t("reportes.chart_trend_public"))


def tables_tabs(tables: dict[str, pd.DataFrame], notes: list[str], maps: list[bytes], *,
                public: bool) -> None:
    """The report's tables, maps and notes in tabs (public: the release's tables only)."""
    if public:
        tabs = st.tabs([t("reportes.tab_public"), t("reportes.tab_cells"),
                        t("reportes.tab_maps"), t("reportes.tab_notes")])
        with tabs[0]:
            st.dataframe(tables["Incidentes por grupo"], hide_index=True, width="stretch",
                         key="rep_t_public")
        with tabs[1]:
            st.dataframe(tables["Celdas"], hide_index=True, width="stretch", key="rep_t_cells")
        map_tab, notes_tab = tabs[2], tabs[3]
    else:
        names = ["Indicadores", "Por grupo", "Por tipo", "Zonas críticas"]
        extra = [n for n in (compliance.REPORT_TABLE,) if n in tables]
        tabs = st.tabs([t("reportes.tab_indicators"), t("reportes.tab_groups"),
                        t("reportes.tab_types"), t("reportes.tab_hotspots"),
                        *[t("cump.report_tab") for _ in extra],
                        t("reportes.tab_maps"), t("reportes.tab_notes")])
        for tab, name in zip(tabs[:-2], names + extra, strict=True):
            with tab:
                st.dataframe(tables[name], hide_index=True, width="stretch",
                             key=f"rep_t_{slug(name)}")
        map_tab, notes_tab = tabs[-2], tabs[-1]
    with map_tab:
        m1, m2 = st.columns(2)
        m1.image(maps[0], width="stretch")
        m2.image(maps[1], width="stretch")
    with notes_tab:
        for line in notes:
            st.markdown(f"- {line}")
        st.text_area(t("reportes.user_notes"), key=K_NOTES, help=t("reportes.user_notes_help"),
                     max_chars=2000)
