"""Datos: upload -> column mapping -> import with progress -> summary; quarantine; history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import _validate
from analytics import io as vio
from ui import cache, login, page, upload
from ui import filters as F
from ui.auth import STAFF
from ui.i18n import column_labels, fmt_int, lang, t

ctx = page.context(need_data=False)
assert ctx is not None
ss = st.session_state
st.title(t("datos.title"))
if ctx.session.role not in STAFF:
    st.error(t("datos.forbidden"), icon=":material/lock:")
    st.stop()

with page.guard():
    gen = int(ss.get(F.K_UPLOAD_GEN, 0))  # a new key after each import empties the uploader
    up = st.file_uploader(t("datos.upload"), key=f"{F.K_UPLOAD}_{gen}",
                          help=t("datos.upload_help"),
                          type=["csv", "txt", "tsv", "gz", "xlsx", "xls", "parquet", "geojson",
                                "json"])
    if up is not None:
        staged = upload.preview(up.name, up.getvalue())
        if staged is not None:
            path, pv = staged
            st.markdown(f"**{t('datos.preview')}**")
            st.dataframe(pv.frame.head(10), hide_index=True, width="stretch")
            if pv.pii_columns:
                st.warning(t("datos.pii", cols=", ".join(pv.pii_columns)),
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
                    index=choices.index(guess) if guess in choices else 0)
                if col != none:
                    mapping[field] = col
            source = st.text_input(t("datos.source"), key=f"source_{path.parent.name}")
            if st.button(t("datos.import"), type="primary", key="data_import"):
                rep = upload.run_import(path, mapping=mapping, source=source,
                                        user=ctx.session.user)
                if rep is not None:
                    ss[F.K_LAST_REPORT] = rep
                    ss[F.K_UPLOAD_GEN] = gen + 1
                    upload.discard(path)
                    st.rerun()

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
            st.dataframe(pd.DataFrame(
                [(_validate.REASONS.get(r, r) if lang() == "es" else r, n)
                 for r, n in rep["quarantine_reasons"].items()],
                columns=[t("mark.name"), t("col.count")]), hide_index=True)
        if rep.get("pii_columns_dropped"):
            st.info(t("datos.pii", cols=", ".join(rep["pii_columns_dropped"])))
        if rep.get("stacked_points"):
            st.markdown(f"**{t('datos.stacked')}**")
            st.dataframe(pd.DataFrame(rep["stacked_points"]), hide_index=True)

    if ctx.dataset_id:
        ds = ctx.dataset_id
        st.subheader(t("datos.quarantine"))
        q = cache.quarantine_rows(ds)
        if q.empty:
            st.caption(t("datos.quarantine_none"))
        else:
            show = q.copy()
            if "reason" in show.columns:
                show.insert(show.columns.get_loc("reason") + 1, "reason_text",
                            [_validate.REASONS.get(r, r) for r in show["reason"]])
            st.dataframe(show.rename(columns=column_labels(list(show.columns))),
                         hide_index=True, width="stretch", key="data_quarantine")
            st.download_button(t("datos.download"), vio.table_to_csv_bytes(q),
                               file_name="cuarentena.csv", mime="text/csv",
                               key="data_download", on_click=login.audit,
                               args=("export", f"cuarentena ({len(q)} filas, CSV)"),
                               kwargs={"user": ctx.session.user})
        st.subheader(t("datos.history"))
        h = cache.imports_history(ds)
        if h.empty:
            st.caption(t("datos.history_none"))
        else:
            keep = [c for c in ("import_id", "imported_at", "source", "file_name", "rows_read",
                                "accepted", "duplicates", "quarantined") if c in h.columns]
            st.dataframe(h[keep].rename(columns=column_labels(keep)), hide_index=True,
                         width="stretch", key="data_history")
