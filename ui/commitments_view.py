"""The Codisec commitments section of Reportes: list, add, report a status, verdicts.

Staff see the internal table (notes, zones, linked indicators and interventions, and the
verdicts of the linked interventions once evaluated) and the forms; the public version
shows only what, who, due date and status (``analytics.commitments.PUBLIC_COLUMNS``).
:func:`section` returns the table that goes into the report's Excel and PDF. Writes run
in button callbacks (audited in ``analytics.commitments``). Widget keys ``comp_*``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from analytics import commitments as cm, settings
from analytics._errors import AnalyticsError
from analytics.reports import label_to_period
from ui import cache
from ui.i18n import fmt_date, group_label, t

K_MSG: Final = "comp_msg"
K_VERDICTS: Final = "comp_verdicts"


def _today() -> date:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).date()


def period_dates(target: str) -> tuple[date, date]:
    """``(first day, status date)`` of a report period: its last day, or today if earlier."""
    p = label_to_period(target)
    return p.start_time.date(), min(p.end_time.date(), _today())


def signature(table: pd.DataFrame | None) -> str:
    """A short key of the table's content (documents are prepared again when it changes)."""
    return "" if table is None else str(pd.util.hash_pandas_object(table, index=False).sum())


def _add(user: str | None) -> None:
    ss = st.session_state
    try:
        ident = cache.add_commitment(
            session_date=ss.get("comp_session"), what=ss.get("comp_what", ""),
            who=ss.get("comp_who", ""), due_date=ss.get("comp_due"),
            district=ss.get("comp_district") or None, place=ss.get("comp_place", ""),
            indicator_group=ss.get("comp_group") or None,
            intervention_id=ss.get("comp_inter") or None, user=user)
    except AnalyticsError as exc:
        ss[K_MSG] = ("error", str(exc))
        return
    ss[K_MSG] = ("success", t("comp.added", id=ident))
    for key in ("comp_what", "comp_who", "comp_place"):
        ss.pop(key, None)


def _record(user: str | None) -> None:
    ss = st.session_state
    ident = ss.get("comp_pick")
    try:
        cache.record_commitment_status(ident, session_date=ss.get("comp_st_session"),
                                       status=ss.get("comp_status", "en_curso"),
                                       note=ss.get("comp_note", ""), user=user)
    except AnalyticsError as exc:
        ss[K_MSG] = ("error", str(exc))
        return
    ss[K_MSG] = ("success", t("comp.recorded", id=ident))
    ss.pop("comp_note", None)


def _verdicts(ds: str, linked: tuple[str, ...]) -> dict[str, str]:
    """The verdict of each linked intervention (default options), or why it has none."""
    from analytics.area_sources import area_to_geojson
    from analytics.intervention_areas import BUFFER_M

    fresh = cache.freshness(ds)
    data_end = pd.Timestamp(fresh.last).normalize() + pd.Timedelta(days=1)
    out = {}
    for ident in linked:
        try:
            inter = cache.intervention(ident)
            end = inter.end if inter.end is not None and inter.end <= data_end else None
            res = cache.evaluation(ds, area_to_geojson(inter.area), start=f"{inter.start:%Y-%m-%d}",
                                   end=None if end is None else f"{end:%Y-%m-%d}",
                                   months_before=None, months_after=None, buffer_m=BUFFER_M,
                                   control_geojson=None, crime_group=None,
                                   name=inter.name or ident, notes=())
            out[ident] = res.verdict
        except AnalyticsError as exc:
            out[ident] = t("comp.verdict_error", msg=str(exc))
    return out


def _forms(ds: str, commitments: pd.DataFrame, status: pd.DataFrame,
           districts: tuple[str, ...], user: str | None, at: date) -> None:
    listing = cache.intervention_list()
    with st.expander(t("comp.add_title"), icon=":material/add_task:"):
        a1, a2, a3 = st.columns([1, 1, 1.4])
        a1.date_input(t("comp.session"), value=at, key="comp_session", format="DD/MM/YYYY")
        a2.date_input(t("comp.due"), value=at + timedelta(days=90), key="comp_due",
                      format="DD/MM/YYYY")
        a3.selectbox(t("comp.district"), ["", *districts], key="comp_district",
                     format_func=lambda d: d or "—")
        st.text_input(t("comp.what"), key="comp_what", max_chars=cm.MAX_WHAT_CHARS)
        b1, b2 = st.columns(2)
        b1.text_input(t("comp.who"), key="comp_who", max_chars=cm.MAX_WHO_CHARS,
                      help=t("comp.who_help"))
        b2.text_input(t("comp.place"), key="comp_place", max_chars=cm.MAX_PLACE_CHARS)
        c1, c2 = st.columns(2)
        c1.selectbox(t("comp.indicator"), ["", *settings.CRIME_GROUPS], key="comp_group",
                     format_func=lambda g: t("comp.no_indicator") if not g else group_label(g))
        names = dict(zip(listing["id"].astype(str), listing["name"].astype(str), strict=True))
        c2.selectbox(t("comp.intervention"), ["", *names], key="comp_inter",
                     format_func=lambda i: t("comp.no_intervention") if not i
                     else f"{i} — {names[i]}")
        st.button(t("comp.add"), key="comp_add", on_click=_add, args=(user,),
                  icon=":material/add:")
    if commitments.empty:
        return
    with st.expander(t("comp.status_title"), icon=":material/fact_check:"):
        now = status.set_index("id")["status"]
        open_ids = [i for i in commitments["id"].astype(str) if now.get(i) != "cumplido"]
        what = dict(zip(commitments["id"].astype(str), commitments["what"].astype(str),
                        strict=True))
        s1, s2, s3 = st.columns([2.4, 1, 1.2])
        s1.selectbox(t("comp.pick"), open_ids or list(what), key="comp_pick",
                     format_func=lambda i: f"{i} — {what[i][:70]}")
        s2.date_input(t("comp.session"), value=at, key="comp_st_session", format="DD/MM/YYYY")
        s3.radio(t("comp.status"), list(cm.RECORDED_STATUSES), key="comp_status",
                 format_func=cm.STATUS_LABELS.get, horizontal=True)
        st.text_input(t("comp.note"), key="comp_note", max_chars=cm.MAX_NOTE_CHARS)
        st.button(t("comp.record"), key="comp_record", on_click=_record, args=(user,),
                  icon=":material/check:")


def section(ds: str, *, target: str, districts: tuple[str, ...], public: bool,
            user: str | None) -> pd.DataFrame | None:
    """Draw the commitments section; return its table for the report documents."""
    since, at = period_dates(target)
    st.subheader(t("comp.title"))
    st.caption(t("comp.intro", at=fmt_date(at)))
    if public:
        table = cache.public_commitments(at=at, since=since, districts=districts)
        st.caption(t("comp.public_note"))
        if table.empty:
            st.info(t("comp.none"), icon=":material/info:")
        else:
            st.dataframe(table, hide_index=True, width="stretch", key="comp_t_public")
        return table
    msg = st.session_state.pop(K_MSG, None)
    if msg:
        (st.error if msg[0] == "error" else st.success)(msg[1])
    commitments, history = cache.commitment_frames()
    listing = cache.intervention_list()
    linked = tuple(sorted({str(i) for i in commitments["intervention_id"].dropna() if str(i)}))
    saved = st.session_state.get(K_VERDICTS) or {}
    verdicts = saved.get("verdicts") if saved.get("sig") == (ds, linked) else None
    table = cm.commitments_table(
        commitments, history, at=at, since=since, districts=districts,
        interventions=dict(zip(listing["id"].astype(str), listing["name"].astype(str),
                               strict=True)),
        verdicts=verdicts, indicators=cache.commitment_indicators(ds, target=target,
                                                                  districts=districts))
    if table.empty:
        st.info(t("comp.none"), icon=":material/info:")
    else:
        st.dataframe(table, hide_index=True, width="stretch", key="comp_t_internal")
    if linked and verdicts is None and st.button(t("comp.evaluate"), key="comp_eval",
                                                 help=t("comp.evaluate_help"),
                                                 icon=":material/query_stats:"):
        with st.spinner(t("eval.computing")):
            st.session_state[K_VERDICTS] = {"sig": (ds, linked),
                                            "verdicts": _verdicts(ds, linked)}
        st.rerun()
    summary = cm.session_summary(commitments, history)
    if len(summary):
        with st.expander(t("comp.sessions"), icon=":material/event:"):
            st.dataframe(pd.DataFrame({
                t("comp.col_session"): [fmt_date(d) for d in summary["session_date"]],
                t("comp.col_agreed"): summary["agreed"], t("comp.col_total"): summary["total"],
                **{cm.STATUS_LABELS[k]: summary[k] for k in cm.STATUSES},
                t("comp.col_reported"): summary["reported"]}),
                hide_index=True, width="stretch", key="comp_t_sessions")
    _forms(ds, commitments, cm.status_at(commitments, history, at=_today()), districts, user,
           at)
    return table
