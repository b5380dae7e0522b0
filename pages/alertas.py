"""Alertas: the live view of a shift, refreshing itself (C4, comisarías; staff only).

Every ``settings.LIVE_REFRESH_S`` seconds the fragment below reruns alone: it
reads the store's live version (two tiny queries) and, only when it changed,
the shift's incidents and the active near-repeat alerts (``analytics.live``,
``analytics.alerts`` through ``ui.cache``). While another process writes (an
import, the API) the store may be busy for a moment: the page says so and
retries at the next refresh, never showing an error.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from analytics import access, alerts, live, settings
from analytics._errors import AnalyticsError, StoreError
from ui import cache, layers, login, page
from ui.i18n import fmt_float, fmt_int, t

ctx = page.context()
assert ctx is not None
sess = ctx.session
if not access.can(sess.role, "alertas"):
    login.forbidden("page.alertas")
    st.stop()

st.title(t("alertas.title"))
st.caption(t("alertas.intro", s=settings.LIVE_REFRESH_S))


def _hhmm(ts: object) -> str:
    return "" if ts is None or pd.isna(ts) else f"{pd.Timestamp(ts):%d/%m %H:%M}"


def _risk(ratio: float) -> str:
    if ratio is None or not math.isfinite(float(ratio)):
        return t("alertas.ratio_default")
    return t("alertas.ratio", x=fmt_float(float(ratio), 1))


def _map(cells: pd.DataFrame) -> None:
    show = cells.assign(h3_id=cells["h3"], vence=[_hhmm(v) for v in cells["expires_at"]],
                        riesgo=[_risk(r) for r in cells["risk_ratio"]], elev=0.0)
    breaks = layers.class_breaks(show["n_incidents"].to_numpy(dtype=float))
    show = layers.colorize(show, "n_incidents", breaks)
    bbox = layers.bbox_of(show["lat"], show["lon"])
    tip = {"html": t("alertas.tooltip"), "style": {"fontSize": "12px"}}
    deck = layers.deck([layers.district_layer(cache.districts_in_view(bbox)),
                        layers.hex_layer(show[["h3_id", "color", "elev", "crime_types", "vence",
                                               "n_incidents", "riesgo"]])],
                       layers.view_for(show["lat"], show["lon"]),
                       basemap=cache.basemap_available(), tooltip=tip)
    st.pydeck_chart(deck, height=480)


@st.fragment(run_every=settings.LIVE_REFRESH_S)
def live_view() -> None:
    """One refresh: read what changed (a busy store: say so, retry at the next refresh)."""
    now = live.local_now().replace(second=0)
    try:
        version = cache.live_version()
        act = cache.shift_activity(version, now)
        active = cache.live_alerts(version, now)
        rules = cache.alert_rules(version)
    except StoreError:
        st.warning(t("alertas.busy"), icon=":material/hourglass_top:")
        return
    except AnalyticsError as exc:
        st.error(t("app.error", msg=str(exc)), icon=":material/error:")
        return
    with page.guard():
        _draw(act, active, rules)


def _draw(act: live.ShiftActivity, active: pd.DataFrame, rules: pd.DataFrame) -> None:
    cells = live.alerts_by_cell(active)
    start = f"{act.start:%H:%M}"
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("alertas.m_incidents"), fmt_int(act.total), border=True,
              help=t("alertas.m_incidents_help", shift=act.shift, start=start))
    m2.metric(t("alertas.m_alerts"), fmt_int(len(cells)), border=True,
              help=t("alertas.m_alerts_help"))
    m3.metric(t("alertas.m_types"), fmt_int(active["crime_type"].nunique()), border=True)
    m4.metric(t("alertas.m_next"), _hhmm(active["expires_at"].min()) if len(active) else "—",
              border=True)
    st.caption(t("alertas.updated", time=f"{live.local_now():%H:%M:%S}", shift=act.shift,
                 start=start))

    st.subheader(t("alertas.map"))
    if cells.empty:
        st.info(t("alertas.no_alerts"), icon=":material/notifications_off:")
    else:
        _map(cells)
        st.dataframe(pd.DataFrame({
            t("alertas.col_cell"): cells["h3"], t("alertas.col_type"): cells["crime_types"],
            t("alertas.col_expires"): [_hhmm(v) for v in cells["expires_at"]],
            t("alertas.col_n"): cells["n_incidents"],
            t("alertas.col_trigger"): cells["trigger_incident_id"]}),
            hide_index=True, width="stretch", height=240)

    c1, c2 = st.columns([1, 1.6])
    with c1:
        st.subheader(t("alertas.by_type"))
        if act.by_type.empty:
            st.info(t("alertas.no_incidents"), icon=":material/inbox:")
        else:
            st.dataframe(pd.DataFrame({t("alertas.col_type"): act.by_type["crime_type"],
                                       t("alertas.col_n"): act.by_type["n"]}),
                         hide_index=True, width="stretch")
    with c2:
        st.subheader(t("alertas.last"))
        if not act.last.empty:
            st.dataframe(pd.DataFrame({
                t("alertas.col_time"): [_hhmm(v) for v in act.last["occurred_at"]],
                t("alertas.col_type"): act.last["crime_type"],
                t("alertas.col_district"): act.last["district"],
                t("alertas.col_source"): act.last["source"]}),
                hide_index=True, width="stretch", height=320)

    with st.expander(t("alertas.rules"), icon=":material/rule:"):
        if rules.empty:
            st.caption(t("alertas.rules_none"))
        in_force = alerts.rules_in_force(rules, active["crime_type"].unique())
        for _, rule in in_force.iterrows():
            st.markdown(f"- {alerts.rule_text(rule)}")


live_view()
