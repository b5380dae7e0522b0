"""Datos: where the incidents are (precision mix, hit rate, reasons, forced points on a map).

Drawing only: every figure comes from ``ui.cache`` (``analytics.geocoding``).
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd
import pydeck as pdk
import streamlit as st

from analytics import location, settings
from ui import bounded, cache, layers
from ui.i18n import column_labels, fmt_float, fmt_int, lang, t

#: Layer id of the forced points on the Datos map.
FORCED_LAYER_ID: Final = "forced-points"
_PRECISIONS: Final = settings.LOCATION_PRECISIONS


def _pct(x: Any) -> str:
    return "—" if x is None or pd.isna(x) else f"{fmt_float(100 * float(x), 1)} %"


def import_summary(report: dict[str, Any]) -> None:
    """The precision mix and the forced points of the import just made."""
    mix = report.get("precision") or {}
    if sum(mix.values()):
        st.markdown(f"**{t('ubic.summary')}**")
        cols = st.columns(len(_PRECISIONS))
        for box, p in zip(cols, _PRECISIONS, strict=True):
            box.metric(t(f"prec.{p}"), fmt_int(mix.get(p, 0)), border=True)
    forced = report.get("forced_points") or []
    if forced:
        st.markdown(f"**{t('ubic.summary_forced')}**")
        table = pd.DataFrame(forced)[["lat", "lon", "rows", "distinct_addresses", "why"]]
        bounded.table(table.rename(columns=column_labels(list(table.columns))),
                      key="data_forced_summary")


def _mix_table(df: pd.DataFrame, first: str) -> pd.DataFrame:
    show = df[[first, *_PRECISIONS, "total"]].copy()
    show["hex_share"] = [_pct(x) for x in df["hex_share"]]
    return show.rename(columns=column_labels(list(show.columns)))


def location_section(dataset_id: str) -> None:
    """Precision mix overall, per import and per district; reasons; forced points map."""
    st.subheader(t("ubic.section"))
    st.caption(t("ubic.section_help"))
    total = cache.precision_table(dataset_id)
    if total.empty or int(total["total"].iloc[0]) == 0:
        return
    row = total.iloc[0]
    hit = float(row["hex_share"])
    c = st.columns(len(_PRECISIONS) + 1)
    c[0].metric(t("ubic.hit_rate"), _pct(hit), border=True, help=t("ubic.hit_rate_help"),
                delta=f"{fmt_float(100 * (hit - settings.PRECISE_SHARE_MIN), 1)} pp",
                delta_color="normal")
    for box, p in zip(c[1:], _PRECISIONS, strict=True):
        box.metric(t(f"prec.{p}"), fmt_int(int(row[p])), border=True)
    if hit >= settings.PRECISE_SHARE_MIN:
        st.success(t("ubic.bar_ok"), icon=":material/check_circle:")
    else:
        st.warning(t("ubic.bar_low"), icon=":material/wrong_location:")
    if pd.notna(row["geocoded_share"]):
        st.caption(f"{t('ubic.geocoded')}: {_pct(row['geocoded_share'])}")
    tab_imp, tab_dist, tab_why, tab_forced = st.tabs(
        [t("ubic.by_import"), t("ubic.by_district"), t("ubic.reasons"), t("ubic.forced")])
    with tab_imp:
        bounded.table(_mix_table(cache.precision_table(dataset_id, by="import_id"),
                                 "import_id"), width="stretch", key="data_prec_import")
    with tab_dist:
        by = cache.precision_table(dataset_id, by="district")
        by = by.sort_values("hex_share", kind="stable")
        bounded.table(_mix_table(by, "district"), width="stretch", key="data_prec_district")
    with tab_why:
        why = cache.location_reasons(dataset_id)
        if lang() != "es":
            why = why.drop(columns=["reason_text"])
        why = why.assign(location_precision=[t(f"prec.{p}") for p in why["location_precision"]])
        bounded.table(why.rename(columns=column_labels(list(why.columns))), width="stretch",
                      key="data_prec_reasons")
    with tab_forced:
        forced_map(cache.forced_points(dataset_id))


def forced_map(points: pd.DataFrame) -> None:
    """The forced points on a map (circles by rows held) and their table."""
    st.caption(t("ubic.forced_help"))
    if points.empty:
        st.caption(t("ubic.forced_none"))
        return
    pts = points.copy()
    pts["radius"] = (pts["rows"].astype(float) ** 0.5 * 8).clip(lower=30, upper=600)
    pts["rows_txt"] = [fmt_int(n) for n in pts["rows"]]
    pts["why"] = pts["why"].astype(str).map(bounded.clip_text)
    layer = pdk.Layer("ScatterplotLayer", layers.records(
        pts[["lat", "lon", "radius", "rows_txt", "why"]]), id=FORCED_LAYER_ID,
        get_position=["lon", "lat"], get_radius="radius", radius_units="'meters'",
        get_fill_color=[200, 40, 40, 160], get_line_color=[90, 0, 0, 220], stroked=True,
        line_width_min_pixels=1, pickable=True)
    bbox = layers.bbox_of(pts["lat"], pts["lon"])
    base = [layers.district_layer(cache.districts_in_view(bbox))]
    view = layers.view_for(pts["lat"], pts["lon"])
    tip = {"html": "{rows_txt} · {why}", "style": {"fontSize": "12px"}}
    st.pydeck_chart(layers.deck([*base, layer], view, basemap=cache.basemap_available(),
                                tooltip=tip), height=420, key="data_forced_map")
    show = points[["import_id", "file_name", "lat", "lon", "rows", "distinct_addresses", "why"]]
    bounded.table(show.rename(columns=column_labels(list(show.columns))), width="stretch",
                  key="data_forced_table")


def reason_label(key: str) -> str:
    """Spanish text of a ``location_reason`` key (the key itself in English)."""
    return location.LOCATION_REASONS.get(key, key) if lang() == "es" else key
