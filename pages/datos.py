"""Datos: upload -> column mapping -> import with progress -> summary; quarantine; history.

An administrator can also undo one import completely (incidents, quarantine,
record), after a confirmation step; the deletion is audited.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import _validate, access, files, store
from ui import bounded, cache, filters as F, location_views, login, page, upload, zone_views
from ui.i18n import column_labels, fmt_int, lang, t

ctx = page.context(need_data=False)
assert ctx is not None
ss = st.session_state
st.title(t("datos.title"))
if not access.can(ctx.session.role, "datos"):
    st.error(t("datos.forbidden"), icon=":material/lock:")
    st.stop()

K_UNDO = "data_undo_confirm"


def _undo_box(history: pd.DataFrame) -> None:
    """Admin only: pick an import, see what it holds, confirm, delete (audited)."""
    with st.expander(t("datos.undo"), icon=":material/delete_history:"):
        st.caption(t("datos.undo_help"))
        files = dict(zip(history["import_id"].astype(int),
                         [bounded.clip_text(str(f)) for f in history["file_name"]], strict=True))
        iid = st.selectbox(t("datos.undo_pick"), sorted(files, reverse=True), key="data_undo_pick",
                           format_func=lambda i: f"{i} — {files[i]}")
        if ss.get(K_UNDO) != iid:
            st.button(t("datos.undo_button"), key="data_undo", icon=":material/delete:",
                      on_click=lambda: ss.update({K_UNDO: iid}))
            return
        with cache.read_connection() as con:
            rows = store.import_rows(con, iid)
        st.warning(t("datos.undo_confirm", id=iid, file=files[iid], incidents=rows["incidents"],
                     quarantine=rows["quarantine"]), icon=":material/warning:")
        yes, no = st.columns(2)
        no.button(t("datos.undo_no"), key="data_undo_no", on_click=lambda: ss.pop(K_UNDO, None))
        if yes.button(t("datos.undo_yes"), type="primary", key="data_undo_yes"):
            ss.pop(K_UNDO, None)
            with cache.write_connection() as con:
                done = access.undo_import(con, iid, user=ctx.session.user)
            ss["_data_msg"] = t("datos.undo_done", id=iid, incidents=done["incidents"],
                                quarantine=done["quarantine"])
            st.rerun()


with page.guard():
    gen = int(ss.get(F.K_UPLOAD_GEN, 0))  # a new key after each import empties the uploader
    up = upload.uploader(f"{F.K_UPLOAD}_{gen}", help=t("datos.upload_help"))
    if up is None:
        upload.forget_staged()  # removed from the uploader (or never there): not kept
    else:
        staged = upload.preview(up)
        if staged is not None:
            path, pv = staged
            st.markdown(f"**{t('datos.preview')}**")
            bounded.table(pv.frame.head(10), width="stretch")
            if pv.pii_columns:
                st.warning(t("datos.pii", cols=bounded.clip_text(", ".join(pv.pii_columns))),
                           icon=":material/privacy_tip:")
            st.markdown(f"**{t('datos.mapping')}**")
            st.caption(t("datos.mapping_help"))
            none = t("datos.none")
            choices = [none, *pv.columns]
            mapping: dict[str, str] = {}
            cols = st.columns(3)
            for i, field in enumerate(_validate.MAPPABLE_FIELDS):
                guess = pv.mapping.get(field)
                col = cols[i % 3].selectbox(
                    t(f"field.{field}"), choices, key=f"map_{field}_{path.parent.name}",
                    index=choices.index(guess) if guess in choices else 0,
                    format_func=bounded.clip_label)
                if col != none:
                    mapping[field] = col
            source = st.text_input(t("datos.source"), key=f"source_{path.parent.name}",
                                   max_chars=120)
            b1, b2 = st.columns([1, 1])
            if b1.button(t("datos.import"), type="primary", key="data_import"):
                rep = upload.run_import(path, mapping=mapping, source=source,
                                        user=ctx.session.user)
                if rep is not None:
                    ss[F.K_LAST_REPORT] = rep
                    ss[F.K_UPLOAD_GEN] = gen + 1
                    upload.forget_staged()
                    st.rerun()
            if b2.button(t("datos.cancel"), key="data_cancel"):
                upload.forget_staged()
                ss[F.K_UPLOAD_GEN] = gen + 1
                ss["_data_cancelled"] = True
                st.rerun()
    if ss.pop("_data_cancelled", False):
        st.info(t("datos.cancelled"), icon=":material/delete:")

    rep = ss.get(F.K_LAST_REPORT)
    if rep:
        st.subheader(t("datos.summary"))
        st.success(t("datos.done", accepted=fmt_int(rep["accepted"])),
                   icon=":material/check_circle:")
        c = st.columns(4)
        for box, k in zip(c, ("rows_read", "accepted", "duplicates", "quarantined"), strict=True):
            box.metric(t(f"datos.{k}"), fmt_int(rep[k]), border=True)
        if rep.get("quarantine_reasons"):
            st.markdown(f"**{t('datos.reasons')}**")
            bounded.table(pd.DataFrame(
                [(_validate.REASONS.get(r, r) if lang() == "es" else r, n)
                 for r, n in rep["quarantine_reasons"].items()],
                columns=[t("mark.name"), t("col.count")]))
        if rep.get("pii_columns_dropped"):
            st.info(t("datos.pii", cols=bounded.clip_text(", ".join(rep["pii_columns_dropped"]))))
        if rep.get("stacked_points"):
            st.markdown(f"**{t('datos.stacked')}**")
            bounded.table(pd.DataFrame(rep["stacked_points"]))
        location_views.import_summary(rep)

    if ctx.dataset_id:
        ds = ctx.dataset_id
        location_views.location_section(ds)
        st.subheader(t("datos.quarantine"))
        q = cache.quarantine_rows(ds)
        if q.empty:
            st.caption(t("datos.quarantine_none"))
        else:
            show = q.copy()
            if "reason" in show.columns:
                show.insert(show.columns.get_loc("reason") + 1, "reason_text",
                            [_validate.REASONS.get(r, r) for r in show["reason"]])
            bounded.table(show.rename(columns=column_labels(list(show.columns))),
                          width="stretch", key="data_quarantine")
            st.download_button(t("datos.download"),
                               files.table_to_csv_bytes(bounded.export_frame(q)),
                               file_name="cuarentena.csv", mime="text/csv",
                               key="data_download", on_click=login.audit,
                               args=("export", f"cuarentena ({len(q)} filas, CSV)"),
                               kwargs={"user": ctx.session.user})
        st.subheader(t("datos.history"))
        if ss.get("_data_msg"):
            st.success(ss.pop("_data_msg"), icon=":material/check_circle:")
        h = cache.imports_history(ds)
        if h.empty:
            st.caption(t("datos.history_none"))
        else:
            keep = [c for c in ("import_id", "imported_at", "source", "file_name", "rows_read",
                                "accepted", "duplicates", "quarantined") if c in h.columns]
            bounded.table(h[keep].rename(columns=column_labels(keep)), width="stretch",
                          key="data_history")
            if access.can(ctx.session.role, "delete_import"):
                _undo_box(h)
        if access.can(ctx.session.role, "import"):  # zone layers (sectores, cuadrantes)
            zone_views.layer_box(ctx.session.user)
