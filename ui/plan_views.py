"""Drawing helpers of the Plan de patrullaje page: labels, summary, map and unit tables.

Streamlit-aware presentation only: the plan comes from ``analytics.patrol``
through ``ui.cache``.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from analytics import files, patrol, settings
from analytics._errors import AnalyticsError
from ui import cache, layers, upload, zone_views
from ui.i18n import fmt_date, fmt_float, fmt_int, shift_label, t


def read_upload(up: object) -> pd.DataFrame:
    """Read a staged upload as a plain table (``analytics.files.read_table``); delete the copy."""
    path = upload.stage(up.name, up.getvalue())  # type: ignore[attr-defined]
    try:
        return files.read_table(path)
    finally:
        upload.discard(path)


def shift_of(ts: pd.Timestamp) -> str:
    """Label of the shift starting at ``ts`` (``mañana (06–14 h)``), else ``HH:MM``."""
    for name, start, _ in settings.SHIFTS:
        if ts.hour == start:
            return shift_label(name)
    return f"{ts:%H:%M}"


def status_text(plan: patrol.PatrolPlan) -> str:
    """The solver's status in the session's language (optimal, gap, time limit…)."""
    code = plan.status.split(":")[0]
    if code == "greedy":
        return t("plan.status_greedy")
    if code == "greedy_fallback":
        return t("plan.status_fallback")
    gap = plan.gap
    if code in ("optimal", "trivial") or (gap == gap and gap <= 1e-4):
        return t("plan.status_optimal")
    digits = 1 if gap >= 0.001 else 2
    gap_txt = fmt_float(100 * gap, digits) if gap == gap else "—"
    return t("plan.status_time_limit" if code == "time_limit" else "plan.status_gap",
             gap=gap_txt)


def key_of(*parts: object) -> str:
    """A short stable key of some values (cache keys of unhashable inputs)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def summary(plan: patrol.PatrolPlan, want: pd.Timestamp, window: pd.DataFrame,
            current: list[str], current_src: str, *, radius: float) -> float | None:
    """Metrics, solver quality and the comparison with the current plan; its coverage."""
    # ---- summary ----------------------------------------------------------------------
    st.subheader(t("plan.result", shift=shift_of(want), day=fmt_date(want)))
    m1, m2, m3 = st.columns(3)
    m1.metric(t("plan.m_covered"), fmt_float(plan.objective, 1), border=True,
              help=t("plan.m_covered_help", total=fmt_float(plan.total_expected, 1)))
    m2.metric(t("plan.m_share"), f"{fmt_float(100 * plan.share_of_risk, 0)} %", border=True)
    m3.metric(t("plan.m_points"), fmt_int(len(plan.routes)), border=True,
              help=t("plan.m_points_help", k=plan.hotspots_per_unit))
    code = plan.status.split(":")[0]
    quality = st.success if code in ("optimal", "trivial") else (
        st.warning if code in ("greedy", "greedy_fallback", "time_limit") else st.info)
    quality(f"**{t('plan.m_solver')}:** {status_text(plan)} · "
            + t("plan.m_solver_help", s=fmt_float(plan.seconds, 1)),
            icon=":material/verified:")
    if plan.loop_repaired:
        st.caption(t("plan.repaired", revisit=settings.PATROL_REVISIT_MIN))
    if plan.revisit_violations:
        st.warning(t("plan.revisit_warn", units=", ".join(map(str, plan.revisit_violations)),
                     revisit=settings.PATROL_REVISIT_MIN), icon=":material/warning:")
    current_value: float | None = None
    if current:
        try:
            current_value = patrol.expected_covered(window[["h3", "expected"]], current,
                                                    radius_m=radius)
        except AnalyticsError as exc:
            st.error(t("plan.current_error", msg=str(exc)), icon=":material/error:")
    if current_value is not None:
        gain = plan.objective - current_value
        pct = (f" ({'+' if gain >= 0 else ''}{fmt_float(100 * gain / current_value, 0)} %)"
               if current_value > 0 else "")
        g1, g2, g3 = st.columns(3)
        g1.metric(t("plan.m_current"), fmt_float(current_value, 1), border=True,
                  help=current_src)
        g2.metric(t("plan.m_new"), fmt_float(plan.objective, 1), border=True,
                  help=t("plan.m_new_help", n=len(plan.routes)))
        g3.metric(t("plan.m_gain"), f"{'+' if gain >= 0 else ''}{fmt_float(gain, 1)}{pct}",
                  border=True)
        st.caption(t("plan.compare_note", src=current_src, n=len(plan.routes)))
    return current_value


def plan_map(plan: patrol.PatrolPlan, *, key: str, radius: float) -> None:
    """The plan's hotspots, beats and covered area over the district outlines."""
    # ---- map ----------------------------------------------------------------------------
    routes = plan.routes
    area = cache.plan_area(plan, key)
    view = layers.view_for(routes["lat"], routes["lon"])
    bbox = layers.bbox_of(routes["lat"], routes["lon"])
    tip = {"html": t("plan.tooltip", unit="{unit}", order="{order}", h3="{h3}",
                     district="{district}", arrive="{arrive}"),
           "style": {"fontSize": "12px"}}
    deck = layers.deck([layers.district_layer(cache.districts_in_view(bbox)),
                        *layers.patrol_layers(routes, area, radius_m=radius)],
                       view, basemap=cache.basemap_available(), tooltip=tip)
    st.pydeck_chart(deck, height=520)
    st.caption(t("plan.map_note", r=fmt_int(radius), cells=fmt_int(len(area))))


def unit_tables(routes: pd.DataFrame, *, dwell: float) -> None:
    """One tab per unit: its loop in order, times, district (and zone), visits."""
    st.markdown(f"**{t('plan.units_tables')}**")
    unit_ids = sorted(routes["unit"].unique())
    tabs = st.tabs([t("plan.unit_tab", u=int(u)) for u in unit_ids])
    for tab, u in zip(tabs, unit_ids, strict=True):
        part = routes[routes["unit"] == u].sort_values("order")
        with tab:
            st.caption(t("plan.unit_cycle", cycle=fmt_int(part["cycle_min"].iloc[0]),
                         visits=fmt_int(part["visits"].min()),
                         ok=t("plan.cycle_ok") if bool(part["revisit_ok"].iloc[0])
                         else t("plan.cycle_long", revisit=settings.PATROL_REVISIT_MIN)))
            show = pd.DataFrame({
                t("plan.col_order"): part["order"].to_numpy(),
                t("plan.col_cell"): part["h3"].to_numpy(),
                t("col.district"): [str(d).title() or "—" for d in part["district"]],
                t("plan.col_arrive"): [pd.Timestamp(a).strftime("%H:%M") for a in part["arrive"]],
                t("plan.col_leave"): [pd.Timestamp(a).strftime("%H:%M") for a in part["leave"]],
                t("plan.col_expected"): part["expected_covered"].round(2).to_numpy(),
                t("plan.col_visits"): part["visits"].to_numpy(),
                t("plan.col_fixed"): part["fixed"].to_numpy(),
            })
            zone_views.add_zone_column(show, part["h3"], after=t("col.district"))
            st.dataframe(show, hide_index=True, width="stretch", key=f"plan_unit_{int(u)}")
    st.caption(t("plan.koper_note", dwell=fmt_int(dwell), revisit=settings.PATROL_REVISIT_MIN))
