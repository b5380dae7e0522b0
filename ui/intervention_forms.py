"""The interventions register forms of the Evaluación page: add, edit, remove.

Writes run in button callbacks (before the page script), so the page drawn afterwards
already lists the change; the outcome is kept in session state and shown by
:func:`messages`. Validation, overlap warnings and the audit are in
``analytics.intervention_register`` (through ``ui.cache``). Widget keys ``ev_*``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final

import pandas as pd
import streamlit as st

from analytics import area_sources
from analytics._errors import AnalyticsError, InterventionError
from analytics.intervention_register import INTERVENTION_KINDS, KEEP
from ui import cache, evaluation_views as ev
from ui.i18n import fmt_int, t

#: Session key of the selected intervention (shared with the evaluation part).
K_PICK: Final = "ev_pick"
K_MSG: Final = "ev_msg"
SOURCES: Final = ("district", "cells", "file")
#: Hottest cells offered for an area made of H3 cells.
TOP_CELLS: Final = 40


def messages() -> None:
    """Show (once) the outcome of the last register action."""
    msg = st.session_state.pop(K_MSG, None)
    if not msg:
        return
    kind, text, *warnings = msg
    (st.error if kind == "error" else st.success)(
        text, icon=":material/error:" if kind == "error" else ":material/task_alt:")
    for w in warnings:
        st.warning(w, icon=":material/layers:")


def _new_area() -> Any:
    ss = st.session_state
    source = ss.get("ev_src", "district")
    if source == "district":
        if not ss.get("ev_district"):
            raise InterventionError(t("eval.need_district"))
        return cache.district_area(ss["ev_district"])
    if source == "cells":
        pasted = str(ss.get("ev_paste") or "")
        picked = list(ss.get("ev_cells") or [])
        extra = area_sources.parse_cells(pasted) if pasted.strip() else []
        return area_sources.area_from_cells(area_sources.parse_cells(picked + extra))
    up = ss.get("ev_file")
    if up is None:
        raise InterventionError(t("eval.need_file"))
    return ev.uploaded_area(up, what="el área")


def _end(ongoing: bool, last: date | None) -> date | None:
    return None if ongoing or last is None else last + timedelta(days=1)


def _register(user: str | None) -> None:
    ss = st.session_state
    try:
        change = cache.add_intervention(
            name=ss.get("ev_name", ""), kind=ss.get("ev_kind", "otro"), area=_new_area(),
            start=ss.get("ev_start"), end=_end(ss.get("ev_ongoing", True), ss.get("ev_last")),
            body=ss.get("ev_body", ""), user=user)
    except AnalyticsError as exc:
        ss[K_MSG] = ("error", str(exc))
        return
    ss[K_MSG] = ("success", t("eval.registered", id=change.id), *change.warnings)
    ss[K_PICK] = change.id
    for key in ("ev_name", "ev_body", "ev_paste", "ev_cells"):
        ss.pop(key, None)


def register_form(ds: str, query: Any, *, user: str | None, districts: list[str],
                  default_start: date) -> None:
    """Name, kind, body, dates and the area (a district, H3 cells or a file)."""
    c1, c2, c3 = st.columns([2, 1.3, 1.5])
    c1.text_input(t("eval.name"), key="ev_name", max_chars=120)
    c2.selectbox(t("eval.kind"), list(INTERVENTION_KINDS), key="ev_kind",
                 format_func=INTERVENTION_KINDS.get)
    c3.text_input(t("eval.body"), key="ev_body", max_chars=120, help=t("eval.body_help"))
    d1, d2, d3 = st.columns([1.2, 1, 1.2])
    d1.date_input(t("eval.start"), value=default_start, key="ev_start", format="DD/MM/YYYY")
    ongoing = d2.checkbox(t("eval.ongoing"), value=True, key="ev_ongoing")
    d3.date_input(t("eval.last_day"), value=default_start + timedelta(days=90), key="ev_last",
                  format="DD/MM/YYYY", disabled=ongoing)
    source = st.radio(t("eval.source"), list(SOURCES), key="ev_src", horizontal=True,
                      format_func=lambda s: t(f"eval.source_{s}"))
    if source == "district":
        st.selectbox(t("eval.district"), districts, key="ev_district", index=None,
                     placeholder=t("eval.district_ph"))
    elif source == "cells":
        top = cache.top_cells(ds, query, resolution=query.resolution, n=TOP_CELLS)
        label = {str(r.h3_id): f"{r.h3_id} · {r.district or '—'} ({fmt_int(r.n)})"
                 for r in top.itertuples()}
        st.multiselect(t("eval.cells", res=query.resolution), list(label), key="ev_cells",
                       format_func=label.get)
        st.text_area(t("eval.paste"), key="ev_paste", height=70, help=t("eval.paste_help"))
    else:
        st.file_uploader(t("eval.file"), type=list(ev.AREA_TYPES), key="ev_file",
                         help=t("eval.file_help"))
    st.button(t("eval.register"), key="ev_add", type="primary", on_click=_register,
              args=(user,), icon=":material/add_location_alt:")


def _edit(ident: str, user: str | None) -> None:
    ss = st.session_state
    try:
        change = cache.update_intervention(
            ident, user=user, name=ss.get(f"ev_ed_name_{ident}", KEEP),
            kind=ss.get(f"ev_ed_kind_{ident}", KEEP), body=ss.get(f"ev_ed_body_{ident}", KEEP),
            start=ss.get(f"ev_ed_start_{ident}", KEEP),
            end=_end(ss.get(f"ev_ed_ongoing_{ident}", True), ss.get(f"ev_ed_last_{ident}")))
    except AnalyticsError as exc:
        ss[K_MSG] = ("error", str(exc))
        return
    ss[K_MSG] = ("success", t("eval.edited", id=change.id), *change.warnings)


def _remove(ident: str, user: str | None) -> None:
    ss = st.session_state
    try:
        change = cache.remove_intervention(ident, user=user)
    except AnalyticsError as exc:
        ss[K_MSG] = ("error", str(exc))
        return
    ss[K_MSG] = ("success", t("eval.removed", id=change.id), *change.warnings)
    ss.pop(K_PICK, None)


def manage_form(inter: Any, *, user: str | None) -> None:
    """Edit the selected entry's name, kind, body and dates, or remove it (confirmed).

    The area is not edited here: register the new area as another intervention.
    """
    i = inter.id
    c1, c2, c3 = st.columns([2, 1.3, 1.5])
    c1.text_input(t("eval.name"), value=inter.name, key=f"ev_ed_name_{i}", max_chars=120)
    kinds = list(INTERVENTION_KINDS)
    c2.selectbox(t("eval.kind"), kinds, key=f"ev_ed_kind_{i}", format_func=INTERVENTION_KINDS.get,
                 index=kinds.index(inter.kind) if inter.kind in kinds else len(kinds) - 1)
    c3.text_input(t("eval.body"), value=inter.body, key=f"ev_ed_body_{i}", max_chars=120)
    d1, d2, d3 = st.columns([1.2, 1, 1.2])
    d1.date_input(t("eval.start"), value=inter.start.date(), key=f"ev_ed_start_{i}",
                  format="DD/MM/YYYY")
    ongoing = d2.checkbox(t("eval.ongoing"), value=inter.end is None, key=f"ev_ed_ongoing_{i}")
    last = (inter.end - pd.Timedelta(days=1)).date() if inter.end is not None else \
        inter.start.date() + timedelta(days=90)
    d3.date_input(t("eval.last_day"), value=last, key=f"ev_ed_last_{i}", format="DD/MM/YYYY",
                  disabled=ongoing)
    b1, b2, b3 = st.columns([1, 1.4, 1])
    b1.button(t("eval.save"), key=f"ev_ed_save_{i}", on_click=_edit, args=(i, user),
              icon=":material/save:")
    sure = b2.checkbox(t("eval.confirm_remove", id=i), key=f"ev_rm_ok_{i}")
    b3.button(t("eval.remove"), key=f"ev_rm_{i}", on_click=_remove, args=(i, user),
              disabled=not sure, icon=":material/delete:")
