"""Patrol operations widgets: plans kept, shift sheets, GPS uploads, unit aliases.

Shared by ``pages/plan_patrullaje.py`` (save every plan made, reopen saved ones,
print shift sheets) and ``pages/cumplimiento.py`` (import tracks, edit the
device -> unit aliases). Writes go through :func:`ui.cache.patrol_write_connection`
with their audit entry in the same connection; reads through ``ui.cache``
wrappers keyed by :func:`ui.cache.patrol_version`. Unit ids from GPS files
(plates) are shown only in the alias editor, to staff, and never audited.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import pandas as pd
import streamlit as st

from analytics import access, briefing, settings, shift_sheet
from analytics._errors import AnalyticsError
from ui import cache, layers, upload
from ui.i18n import fmt_float, fmt_int, t

log = logging.getLogger("vigia.ui")

#: File types a GPS export comes in (``analytics._track_readers``).
TRACK_TYPES = ("csv", "txt", "gz", "xlsx", "gpx", "geojson", "json")


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- plans kept
def keep_plan(plan: Any, *, user: str | None, detail: str, dwell_min: float,
              window_start: Any, window_end: Any, forecast: dict[str, Any],
              params: dict[str, Any]) -> tuple[str | None, bool]:
    """Save a plan made in the app and its audit entry together.

    The resolution saved is the plan's cells'. Returns ``(plan_id, audited)``;
    ``(None, False)`` after a log line when the store cannot be written (the
    page still shows the plan, with a warning).
    """
    from analytics import hexbin
    from analytics.store import plans

    cells = hexbin.to_cells(plan.routes["h3"].head(1).to_numpy())
    resolution = int(hexbin.cells_resolution(cells)[0]) if cells.size else 0
    try:
        with cache.patrol_write_connection() as con:
            pid = plans.save_plan(con, plan, author=user, origin="app", resolution=resolution,
                                  dwell_min=dwell_min, window_start=window_start,
                                  window_end=window_end, forecast=forecast, params=params)
            access.record_audit(con, user=user, action="plan",
                                detail=f"{detail}; guardado como {pid}")
    except Exception as exc:  # noqa: BLE001 - a busy or damaged store must not lose the plan
        log.warning("plan not saved: %s", exc)
        return None, False
    return pid, True


def sheet_downloads(stops: pd.DataFrame, *, key: str, stem: str) -> None:
    """Shift sheet (hoja de ruta) downloads: a unit (or all), CSV at once, PDF on request."""
    units = sorted(set(stops["unit"].astype(str)), key=lambda u: (len(u), u))
    labels = {"": t("saved.sheet_all"), **{u: t("plan.unit_tab", u=u) for u in units}}
    c1, c2, c3 = st.columns([1.2, 1, 1])
    unit = c1.selectbox(t("saved.sheet_unit"), list(labels), key=f"{key}_unit",
                        format_func=labels.get) or None
    name = f"hoja_de_ruta_{stem}" + (f"_unidad_{unit}" if unit else "")
    c2.download_button(t("saved.sheet_csv"), shift_sheet.shift_sheet_csv(stops, unit=unit),
                       file_name=f"{name}.csv", mime="text/csv", key=f"{key}_csv",
                       on_click="ignore", icon=":material/table:")
    skey = _key(stops.to_csv(), unit)
    done = st.session_state.get(f"{key}_pdf_done")
    if c3.button(t("saved.sheet_prepare"), key=f"{key}_prepare",
                 icon=":material/picture_as_pdf:"):
        with st.spinner(t("plan.preparing")):
            cache.shift_sheet_pdf(stops, skey, unit=unit)
        st.session_state[f"{key}_pdf_done"] = done = skey
    if done == skey:
        c3.download_button(t("saved.sheet_pdf"), cache.shift_sheet_pdf(stops, skey, unit=unit),
                           file_name=f"{name}.pdf", mime="application/pdf", key=f"{key}_pdf",
                           on_click="ignore", icon=":material/download:")
    st.caption(t("saved.sheet_note"))


def _plan_label(r: Any) -> str:
    ws = pd.Timestamp(r.window_start)
    from analytics.compliance import shift_name

    when = f"{ws:%d/%m/%Y} · {shift_name(ws)}" if pd.notna(ws) else "—"
    return (f"{when} · {t('saved.units', n=int(r.units))} · "
            f"{fmt_float(100 * float(r.share_of_risk or 0), 0)} % · {r.author} · {r.plan_id}")


def plan_options(listed: pd.DataFrame) -> dict[str, str]:
    """``{plan_id: label}`` of listed plans (date, shift, units, risk share, author)."""
    return {str(r.plan_id): _plan_label(r) for r in listed.itertuples(index=False)}


def saved_plans_view() -> None:
    """Saved plans, newest first: pick one, see its map, tables and downloads again."""
    version = cache.patrol_version()
    listed = cache.saved_plans(version, limit=settings.SAVED_PLANS_SHOWN)
    if listed.empty:
        st.info(t("saved.none"), icon=":material/inventory_2:")
        return
    st.caption(t("saved.list_note", n=settings.SAVED_PLANS_SHOWN))
    opts = plan_options(listed)
    pid = st.selectbox(t("saved.pick"), list(opts), key="saved_pick", format_func=opts.get)
    if not pid:
        return
    rec, stops = cache.saved_plan(version, pid)
    routes = stops.assign(unit=pd.to_numeric(stops["unit"], errors="coerce").fillna(0)
                          .astype(int))
    m1, m2, m3 = st.columns(3)
    m1.metric(t("plan.m_covered"), fmt_float(float(rec["objective"]), 1), border=True)
    m2.metric(t("plan.m_share"), f"{fmt_float(100 * float(rec['share_of_risk']), 0)} %",
              border=True)
    m3.metric(t("plan.m_points"), fmt_int(len(stops)), border=True)
    st.caption(t("saved.meta", author=rec["author"], origin=rec["origin"],
                 created=f"{pd.Timestamp(rec['created_at']):%d/%m/%Y %H:%M}",
                 model=(rec.get("forecast") or {}).get("model") or "—"))
    radius = float(rec["radius_m"])
    area = pd.DataFrame({"h3": pd.Series(dtype=str), "unit": pd.Series(dtype="int64")})
    deck = layers.deck([layers.district_layer(cache.districts_in_view(
        layers.bbox_of(routes["lat"], routes["lon"]))),
        *layers.patrol_layers(routes[["unit", "order", "h3", "lat", "lon", "district"]], area,
                              radius_m=radius)],
        layers.view_for(routes["lat"], routes["lon"]), basemap=cache.basemap_available())
    st.pydeck_chart(deck, height=440, key="saved_map")
    unit_ids = sorted(routes["unit"].unique())
    for tab, u in zip(st.tabs([t("plan.unit_tab", u=int(u)) for u in unit_ids]), unit_ids,
                      strict=True):
        part = routes[routes["unit"] == u].sort_values("order")
        with tab:
            st.dataframe(pd.DataFrame({
                t("plan.col_order"): part["order"].to_numpy(),
                t("plan.col_cell"): part["h3"].to_numpy(),
                t("col.district"): [str(d).title() or "—" for d in part["district"]],
                t("plan.col_arrive"): [f"{pd.Timestamp(a):%H:%M}" for a in part["arrive"]],
                t("plan.col_leave"): [f"{pd.Timestamp(a):%H:%M}" for a in part["leave"]],
                t("plan.col_visits"): part["visits"].to_numpy()}), hide_index=True,
                width="stretch", key=f"saved_unit_{int(u)}")
    st.subheader(t("plan.downloads"))
    stem = f"{pd.Timestamp(rec['window_start']):%Y%m%d_%H%M}_{pid}"
    d1, d2 = st.columns(2)
    d1.download_button(t("plan.csv"), briefing.routes_to_csv(routes), key="saved_dl_csv",
                       file_name=f"plan_patrullaje_{stem}.csv", mime="text/csv",
                       on_click="ignore", icon=":material/table:")
    d2.download_button(t("plan.geojson"), briefing.routes_to_geojson(routes),
                       file_name=f"plan_patrullaje_{stem}.geojson", key="saved_dl_geojson",
                       mime="application/geo+json", on_click="ignore", icon=":material/map:")
    sheet_downloads(stops, key="saved_sheet", stem=stem)


# --------------------------------------------------------------------------- GPS tracks
def track_upload(user: str | None) -> None:
    """Upload a GPS export and import it (staged privately, deleted after import)."""
    from analytics import tracks
    from analytics.store import tracks as store_tracks

    st.caption(t("cump.upload_help", days=settings.TRACK_RETENTION_DAYS))
    up = st.file_uploader(t("cump.upload"), key="cump_upload", type=list(TRACK_TYPES),
                          max_upload_size=upload.MAX_UPLOAD_MB)
    if up is None or not st.button(t("cump.import"), key="cump_import", type="primary",
                                   icon=":material/upload:"):
        return
    path = upload.stage(up.name, up.getvalue())
    try:
        with st.spinner(t("cump.importing")):
            sha = store_tracks.file_sha256(path)
            result = tracks.pings_from_file(path)
            with cache.patrol_write_connection() as con:
                out = store_tracks.store_pings(
                    con, result, user=user, file_name=up.name, file_sha256=sha,
                    audit=lambda o: access.record_audit(con, user=user, action="tracks_import",
                                                        detail=store_tracks.audit_detail(o)))
    except AnalyticsError as exc:
        st.error(t("app.error", msg=str(exc)), icon=":material/error:")
        return
    finally:
        upload.discard(path)
    st.success(out.summary.message(), icon=":material/task_alt:")


def alias_editor(user: str | None, plan_id: str, units: list[str]) -> None:
    """Device -> plan unit table: suggestions for one plan's shift, add/replace, remove."""
    from analytics.store import tracks as store_tracks

    version = cache.patrol_version()
    sug = cache.alias_suggestions(version, plan_id)
    if len(sug):
        st.dataframe(sug.rename(columns={"alias": t("cump.alias"), "unit": t("cump.alias_unit"),
                                         "basis": t("cump.alias_basis"),
                                         "share": t("cump.alias_share")}),
                     hide_index=True, width="stretch", key="cump_alias_sug")
    current = cache.track_aliases(version)
    choices = [str(a) for a in sug["alias"]] if len(sug) else []
    with st.form("cump_alias_form", clear_on_submit=True, border=False):
        c1, c2, c3 = st.columns([1.4, 1, 0.8])
        alias = c1.selectbox(t("cump.alias"), choices, accept_new_options=True, index=None,
                             key="cump_alias_new")
        unit = c2.selectbox(t("cump.alias_unit"), units, key="cump_alias_unit")
        if c3.form_submit_button(t("cump.alias_save"), icon=":material/link:") and alias:
            with cache.patrol_write_connection() as con:
                store_tracks.set_alias(con, str(alias), str(unit), user=user)
                access.record_audit(con, user=user, action="tracks_alias",
                                    detail=f"equivalencia de un dispositivo a la unidad {unit}")
            st.rerun()
    if len(current):
        st.dataframe(current[["alias", "unit", "note", "updated_by"]], hide_index=True,
                     width="stretch", key="cump_alias_list")
        gone = st.selectbox(t("cump.alias_remove"), [""] + current["alias"].astype(str).tolist(),
                            key="cump_alias_gone")
        if gone and st.button(t("cump.alias_remove_do"), key="cump_alias_rm"):
            with cache.patrol_write_connection() as con:
                store_tracks.remove_alias(con, gone)
                access.record_audit(con, user=user, action="tracks_alias",
                                    detail="equivalencia de un dispositivo quitada")
            st.rerun()
