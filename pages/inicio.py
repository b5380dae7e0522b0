"""Inicio: KPIs against the previous period, top hexagons, freshness, data quality.

The ``publico`` role sees :func:`_public_home` only: every figure a sum of rows of the
public release (``analytics.disclosure``), for one published period.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import settings
from ui import bounded, cache, filters as F, page, placement
from ui.i18n import fmt_date, fmt_float, fmt_int, group_label, t

ctx = page.context()
assert ctx is not None
f, ds = ctx.filters, ctx.dataset_id


def _top_table(top: pd.DataFrame) -> None:
    table = pd.DataFrame({
        t("col.rank"): range(1, len(top) + 1),
        t("col.district"): top["district"].fillna("—").to_numpy(),
        t("col.count"): top["n"].to_numpy(),
        t("col.share"): top["share_pct"].round(1).to_numpy(),
        t("col.top_types"): top["top_types"].fillna("").to_numpy(),
        t("col.peak_hour"): [f"{int(h):02d}:00" if pd.notna(h) else "—" for h in top["peak_hour"]],
        t("col.cell"): top["h3_id"].to_numpy(),
    })
    st.dataframe(table, hide_index=True, width="stretch", key="inicio_top")


def _group_metrics(by_group: pd.DataFrame) -> None:
    """The first eight crime groups as metrics: count and change against the previous period."""
    st.subheader(t("inicio.by_group"))
    groups = by_group.head(8)
    cols = st.columns(max(min(len(groups), 4), 1))
    for i, row in enumerate(groups.itertuples(index=False)):
        d = None if row.change_pct is None or pd.isna(row.change_pct) else (
            f"{fmt_float(row.change_pct)} %")
        cols[i % len(cols)].metric(group_label(row.crime_group), fmt_int(row.n), delta=d,
                                   delta_color="inverse", border=True)


def _public_home() -> None:
    """Public Inicio: published sums of the chosen period, its previous one, top cells."""
    label = F.public_period()
    k = cache.public_kpis(ds, f)
    if label is None or not k.periods:
        st.info(t("inicio.public_none"), icon=":material/info:")
        return
    if k.previous_periods is None:
        st.caption(t("inicio.public_no_previous", label=label, start=fmt_date(k.start),
                     end=fmt_date(k.end)))
    else:
        st.caption(t("inicio.public_period", label=label, start=fmt_date(k.start),
                     end=fmt_date(k.end), pstart=fmt_date(k.prev_start),
                     pend=fmt_date(k.prev_end)))
    delta = None if k.change_pct is None else f"{fmt_float(k.change_pct)} %"
    c1, c2, c3 = st.columns(3)
    c1.metric(t("inicio.total"), fmt_int(k.total) if k.total else "—", delta=delta,
              delta_color="inverse", border=True)
    c2.metric(t("inicio.previous"), fmt_int(k.previous) if k.previous else "—", border=True)
    c3.metric(t("inicio.change"), "—" if k.change_pct is None else f"{fmt_float(k.change_pct)} %",
              border=True)
    st.caption(t("inicio.public_note", k=settings.PUBLIC_MIN_COUNT))
    _group_metrics(k.by_group)
    st.subheader(t("inicio.top_cells"))
    pub = cache.public_cell_counts(ds, f, resolution=f.resolution)
    top = pub.head(10).assign(share_pct=pub["n"].head(10) / max(int(pub["n"].sum()), 1) * 100.0)
    _top_table(top)
    choices = cache.public_choices(ds)
    if choices.get("first") and choices.get("last"):
        st.caption(t("inicio.public_freshness", first=fmt_date(choices["first"]),
                     last=fmt_date(choices["last"])))


st.title(t("inicio.title"))
with page.guard():
    if ctx.session.public:
        _public_home()
        st.stop()
    k = cache.kpis(ds, f)
    st.caption(t("inicio.period", start=fmt_date(k.start), end=fmt_date(k.end),
                 pstart=fmt_date(k.prev_start), pend=fmt_date(k.prev_end)))
    delta = None if k.change_pct is None else f"{fmt_float(k.change_pct)} %"
    c1, c2, c3 = st.columns(3)
    c1.metric(t("inicio.total"), fmt_int(k.total), delta=delta, delta_color="inverse",
              border=True)
    c2.metric(t("inicio.previous"), fmt_int(k.previous), border=True)
    c3.metric(t("inicio.change"), "—" if k.change_pct is None else f"{fmt_float(k.change_pct)} %",
              border=True)
    if k.total == 0:
        st.info(t("app.empty_filter"), icon=":material/filter_alt_off:")

    _group_metrics(k.by_group)

    st.subheader(t("inicio.top_cells"))
    _top_table(cache.top_cells(ds, f, resolution=f.resolution, n=10))
    placement.unplaced_note(ds, f)

    fr = cache.freshness(ds)
    st.subheader(t("inicio.quality"))
    st.caption(t("inicio.freshness", n=fmt_int(fr.n), first=fmt_date(fr.first),
                 last=fmt_date(fr.last),
                 imported=fmt_date(fr.last_import_at) if fr.last_import_at else
                 t("inicio.no_imports"), file=bounded.clip_text(fr.last_import_file or "—")))
    warnings = cache.quality_warnings(ds)
    low = cache.low_precision_districts(ds)
    if not warnings and low.empty:
        st.success(t("inicio.quality_ok"), icon=":material/check_circle:")
    if not low.empty:
        names = ", ".join(f"{d} ({fmt_float(100 * float(x), 0)} %)"
                          for d, x in zip(low["district"], low["hex_share"], strict=True))
        st.warning(t("ubic.warn_low", districts=bounded.clip_text(names),
                     pct=round(100 * settings.PRECISE_SHARE_MIN)),
                   icon=":material/wrong_location:")
    for w in warnings:
        if w["kind"] == "quarantined":
            reasons = bounded.clip_text(", ".join(f"{r} ({fmt_int(n)})"
                                                  for r, n in w["reasons"].items()))
            st.warning(t("inicio.warn_quarantined", count=fmt_int(w["count"]), reasons=reasons),
                       icon=":material/report:")
        elif (w["kind"] == "stacked" and not ctx.session.public and w.get("lat") is not None
              and w.get("lon") is not None):
            st.warning(t("inicio.warn_stacked", count=fmt_int(w["count"] or 0),
                         lat=f"{float(w['lat']):.4f}", lon=f"{float(w['lon']):.4f}",
                         file=bounded.clip_text(w["file"])), icon=":material/location_on:")
        elif w["kind"] == "no_district":
            st.info(t("inicio.warn_no_district", count=fmt_int(w["count"])),
                    icon=":material/info:")
