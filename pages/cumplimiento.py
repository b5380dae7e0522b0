"""Cumplimiento: saved patrol plans against the units' GPS tracks (the Koper dose delivered).

Staff only (GPS tracks are operational data). Pick a period and the plans
(default: the newest plan of each shift); per shift and unit, planned against
actual minutes in the hotspots, skipped hotspots, time outside any hotspot and
kilometres; a map of one shift's tracks over its hotspots; per period, the
share of the planned dose delivered and the incidents inside dosed and undosed
hotspots (descriptive). Computations: ``analytics.compliance`` through
``ui.cache``; GPS upload and the unit aliases: ``ui.patrol_ops``.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from analytics import access, compliance, settings
from ui import cache, layers, login, page, patrol_ops
from ui.i18n import fmt_date, fmt_float, fmt_int, t

ctx = page.context()
assert ctx is not None
ds, sess = ctx.dataset_id, ctx.session
ss = st.session_state
if not access.can(sess.role, "cumplimiento"):
    login.forbidden("page.cumplimiento")
    st.stop()

K_PERIOD, K_PLANS, K_SHIFT, K_FREQ = "cump_period", "cump_plans", "cump_shift", "cump_freq"
SHIFT_COLS = {"shift": "cump.col_shift", "unit": "cump.col_unit", "hotspots": "cump.col_hotspots",
              "visited": "cump.col_visited", "skipped": "cump.col_skipped",
              "dosed": "cump.col_dosed", "planned_min": "cump.col_planned",
              "dwell_min": "cump.col_dwell", "delivered_share": "cump.col_share",
              "minutes_outside_hotspots": "cump.col_outside", "km": "cump.col_km"}
PERIOD_COLS = {"period": "cump.col_period", "shifts": "cump.col_shifts",
               "hotspots": "cump.col_hotspots", "share_dosed": "cump.col_share_dosed",
               "planned_min": "cump.col_planned", "delivered_min": "cump.col_delivered",
               "delivered_share": "cump.col_share", "km": "cump.col_km"}


def _pct(x: float) -> str:
    return f"{fmt_float(100 * float(x), 0)} %"


st.title(t("cump.title"))
st.caption(t("cump.intro"))

with page.guard():
    version = cache.patrol_version()
    if access.can(sess.role, "import"):
        with st.expander(t("cump.upload_title"), icon=":material/satellite_alt:"):
            patrol_ops.track_upload(sess.user)
            version = cache.patrol_version()
    recent = cache.saved_plans(version, limit=1)
    if recent.empty:
        st.info(t("cump.no_plans"), icon=":material/inventory_2:")
        st.stop()
    last = pd.Timestamp(recent["window_start"].iloc[0]).date()
    c1, c2 = st.columns([1, 2.2])
    period = c1.date_input(t("cump.period"), value=(last - timedelta(days=6), last),
                           key=K_PERIOD, format="DD/MM/YYYY")
    if not isinstance(period, tuple) or len(period) != 2:
        st.info(t("cump.pick_period"), icon=":material/date_range:")
        st.stop()
    start, end = period
    listed = cache.plans_between(version, start, end + timedelta(days=1))
    listed = listed.loc[pd.to_datetime(listed["window_start"]).dt.date >= start]
    if listed.empty:
        st.info(t("cump.no_plans_period"), icon=":material/event_busy:")
        st.stop()
    opts = patrol_ops.plan_options(listed)
    current = compliance.current_plans(listed)
    if K_PLANS not in ss or not set(ss[K_PLANS]) <= set(opts):
        ss[K_PLANS] = current
    chosen = c2.multiselect(t("cump.plans"), list(opts), key=K_PLANS, format_func=opts.get,
                            help=t("cump.plans_help"))
    if not chosen:
        st.info(t("cump.pick_plans"), icon=":material/touch_app:")
        st.stop()
    ids = tuple(sorted(chosen))
    with st.spinner(t("cump.measuring")):
        pc = cache.plan_compliance(version, ids)
    res = pc.result
    shifts = compliance.shift_compliance(pc)
    d = res.to_dict()

    # ---- summary ------------------------------------------------------------------------
    planned = float(shifts["planned_min"].sum())
    delivered = float(shifts["delivered_min"].sum())
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric(t("cump.m_share"), _pct(delivered / planned if planned else 0), border=True,
              help=t("cump.m_share_help"))
    m2.metric(t("cump.m_dosed"), f"{fmt_int(d['dosed'])} / {fmt_int(d['hotspots'])}",
              border=True, help=t("cump.m_dosed_help"))
    m3.metric(t("cump.m_skipped"), fmt_int(d["skipped_hotspots"]), border=True)
    m4.metric(t("cump.m_outside"), fmt_int(round(d["minutes_outside_hotspots"])), border=True,
              help=t("cump.m_outside_help"))
    m5.metric(t("cump.m_km"), fmt_float(float(shifts["km"].sum()), 1), border=True,
              help=t("cump.m_km_help"))
    if d["minutes_tracked"] == 0:
        st.warning(t("cump.no_tracks"), icon=":material/gps_off:")
    if d["unmatched_devices"]:
        st.warning(t("cump.unmatched", n=d["unmatched_devices"]), icon=":material/link_off:")
    if d["units_without_pings"]:
        st.caption(t("cump.units_without", units=", ".join(d["units_without_pings"])))
    if access.can(sess.role, "import"):
        with st.expander(t("cump.aliases"), icon=":material/link:",
                         expanded=bool(d["unmatched_devices"])):
            units = sorted(set(pc.stops["unit"].astype(str)), key=lambda u: (len(u), u))
            latest = str(pc.stops.sort_values("window_start")["plan_id"].iloc[-1])
            patrol_ops.alias_editor(sess.user, latest, units)  # suggested from the last shift

    # ---- per shift and unit -------------------------------------------------------------
    st.subheader(t("cump.by_shift"))
    show = shifts.assign(shift=[f"{fmt_date(w)} · {s}" for w, s in
                                zip(shifts["window_start"], shifts["shift"], strict=True)],
                         delivered_share=(100 * shifts["delivered_share"]).round(0),
                         planned_min=shifts["planned_min"].round(0),
                         dwell_min=shifts["dwell_min"].round(1),
                         minutes_outside_hotspots=shifts["minutes_outside_hotspots"].round(0),
                         km=shifts["km"].round(1))
    st.dataframe(show[list(SHIFT_COLS)].rename(columns={c: t(k) for c, k in SHIFT_COLS.items()}),
                 hide_index=True, width="stretch", key="cump_shifts")
    st.caption(t("cump.shift_note", revisit=settings.PATROL_REVISIT_MIN))

    # ---- map of one shift ---------------------------------------------------------------
    windows = sorted(pd.to_datetime(pc.stops["window_start"]).unique())
    wlabels = {pd.Timestamp(w): f"{fmt_date(w)} · {compliance.shift_name(w)}" for w in windows}
    w = pd.Timestamp(st.selectbox(t("cump.map_shift"), list(wlabels), key=K_SHIFT,
                                  format_func=wlabels.get))
    stops = pc.stops.loc[pd.to_datetime(pc.stops["window_start"]) == w]
    routes = stops.assign(unit=pd.to_numeric(stops["unit"], errors="coerce").fillna(0)
                          .astype(int))[["unit", "order", "h3", "lat", "lon", "district"]]
    we = pd.to_datetime(stops["window_end"]).max()
    pings = pc.pings.loc[(pc.pings["ts"] >= w) & (pc.pings["ts"] < we)]
    lat = pd.concat([routes["lat"], pings["lat"]])
    lon = pd.concat([routes["lon"], pings["lon"]])
    empty_area = pd.DataFrame({"h3": pd.Series(dtype=str), "unit": pd.Series(dtype="int64")})
    radius = float(pd.to_numeric(stops["radius_m"], errors="coerce").max())
    deck = layers.deck([layers.district_layer(cache.districts_in_view(layers.bbox_of(lat, lon))),
                        *layers.track_layers(pings),
                        *layers.patrol_layers(routes, empty_area, radius_m=radius)],
                       layers.view_for(routes["lat"], routes["lon"]),
                       basemap=cache.basemap_available())
    st.pydeck_chart(deck, height=480, key="cump_map")
    st.caption(t("cump.map_note", n=fmt_int(len(pings))))

    # ---- per period, incidents ----------------------------------------------------------
    st.subheader(t("cump.by_period"))
    freqs = {"D": t("cump.freq_D"), "W": t("cump.freq_W"), "M": t("cump.freq_M")}
    freq = st.segmented_control(t("cump.freq"), list(freqs), key=K_FREQ, default="W",
                                format_func=freqs.get) or "W"
    per = compliance.period_compliance(pc, freq=freq)
    per = per.assign(period=[fmt_date(p) for p in per["period"]],
                     share_dosed=(100 * per["share_dosed"]).round(0),
                     delivered_share=(100 * per["delivered_share"]).round(0),
                     planned_min=per["planned_min"].round(0),
                     delivered_min=per["delivered_min"].round(0), km=per["km"].round(1))
    st.dataframe(per[list(PERIOD_COLS)].rename(columns={c: t(k) for c, k in PERIOD_COLS.items()}),
                 hide_index=True, width="stretch", key="cump_periods")
    inc = cache.compliance_incidents(version, ds, ids)
    st.markdown(f"**{t('cump.incidents')}**")
    st.dataframe(pd.DataFrame({
        t("cump.col_dose"): [t("cump.dosed_yes") if v else t("cump.dosed_no")
                             for v in inc["dose_ok"]],
        t("cump.col_hotspots"): inc["hotspots"].to_numpy(),
        t("cump.col_incidents"): inc["incidents"].to_numpy(),
        t("cump.col_per_hotspot"): inc["incidents_per_hotspot"].round(2).to_numpy()}),
        hide_index=True, width="stretch", key="cump_incidents")
    st.caption(t("cump.not_causal"))

    st.download_button(t("cump.download"), res.table.to_csv(index=False).encode("utf-8-sig"),
                       file_name=f"dosis_patrullaje_{start:%Y%m%d}_{end:%Y%m%d}.csv",
                       mime="text/csv", key="cump_dl", on_click="ignore",
                       icon=":material/table:")
