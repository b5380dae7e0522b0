"""Drawing helpers of the Evaluación page: study-area map, monthly series, verdict, uploads.

Streamlit-aware presentation only; the evaluation comes from
``analytics.interventions`` through ``ui.cache``. Every function copies its input.
"""

from __future__ import annotations

from typing import Any, Final

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from ui import layers, upload
from ui.i18n import lang, t

#: Zone colours (ColorBrewer): area red, ring orange, control blue.
ZONE_COLORS: Final[dict[str, tuple[int, int, int]]] = {
    "area": (178, 24, 43), "buffer": (253, 141, 60), "control": (33, 102, 172)}
#: Fill opacity of each zone (the control is large: faint).
_FILL_ALPHA: Final = {"area": 110, "buffer": 90, "control": 35}
#: Files accepted for an area (a Shapefile is uploaded zipped with its companions).
AREA_TYPES: Final = ("geojson", "json", "zip", "gpkg")


def uploaded_area(up: Any, *, what: str) -> Any:
    """The polygon(s) of an uploaded file (``analytics.area_sources.read_area``).

    The upload is staged in a private temporary folder and deleted right after reading.
    """
    from analytics import area_sources

    path = upload.stage(up.name, up.getvalue())
    try:
        return area_sources.read_area(path, what=what)
    finally:
        upload.discard(path)


def _rings(geom: Any) -> list[list[list[list[float]]]]:
    """Polygons of a (multi)polygon as ``[outer, hole, …]`` rings of ``[lon, lat]``."""
    import shapely

    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        rings = [part.exterior, *part.interiors]
        out.append([np.round(np.asarray(r.coords)[:, :2], 6).tolist() for r in rings])
    return out


def study_layers(geoms: dict[str, Any]) -> list[pdk.Layer]:
    """PolygonLayers of the control, ring and area (drawn in that order: area on top)."""
    out = []
    for key in ("control", "buffer", "area"):
        geom = geoms.get(key)
        if geom is None or geom.is_empty:
            continue
        c = ZONE_COLORS[key]
        data = [{"polygon": rings, "zona": t(f"eval.zone_{key}")} for rings in _rings(geom)]
        out.append(pdk.Layer(
            "PolygonLayer", data, id=f"eval_{key}", get_polygon="polygon",
            get_fill_color=[*c, _FILL_ALPHA[key]], get_line_color=[*c, 230],
            line_width_min_pixels=2 if key != "control" else 1, stroked=True, filled=True,
            pickable=True))
    return out


def view_of(geom: Any) -> pdk.ViewState:
    """A view framing ``geom`` with some context around it."""
    x0, y0, x1, y1 = geom.bounds
    span = max(y1 - y0, (x1 - x0) * 0.8, 0.004)
    zoom = float(np.clip(np.log2(360.0 / span) - 1.3, 3, 16))
    return pdk.ViewState(latitude=(y0 + y1) / 2, longitude=(x0 + x1) / 2, zoom=round(zoom, 2),
                         pitch=0, bearing=0)


def study_map(geoms: dict[str, Any], districts: dict[str, Any], *, basemap: bool,
              key: str) -> None:
    """The map of area, ring and control over the district outlines, with a legend."""
    focus = geoms["area"].union(geoms["buffer"])
    deck = layers.deck([layers.district_layer(districts), *study_layers(geoms)],
                       view_of(focus), basemap=basemap,
                       tooltip={"html": "{zona}", "style": {"fontSize": "12px"}})
    st.pydeck_chart(deck, height=460, key=key)
    items = [(ZONE_COLORS[k], t(f"eval.zone_{k}")) for k in ("area", "buffer", "control")
             if geoms.get(k) is not None]
    st.markdown(layers.category_legend_html(t("eval.map_legend"), items),
                unsafe_allow_html=True)


def _date_axis() -> alt.Axis:
    return alt.Axis(format="%m/%y" if lang() == "es" else "%Y-%m", labelAngle=0)


def series_chart(series: pd.DataFrame, start: Any) -> alt.VConcatChart:
    """Monthly counts of area, ring and control (one panel each, own scale).

    A dashed rule marks the start of the intervention; the area's panel has the
    counterfactual band.
    """
    df = series.copy()
    df["month"] = pd.to_datetime(df["month_start"])
    rule = alt.Chart(pd.DataFrame({"start": [pd.Timestamp(start)]})).mark_rule(
        strokeDash=[5, 4], color="#333").encode(x="start:T")
    panels = []
    for key in ("area", "buffer", "control"):
        r, g, b = ZONE_COLORS[key]
        color = f"#{r:02x}{g:02x}{b:02x}"
        title = t(f"eval.zone_{key}")
        base = alt.Chart(df).encode(x=alt.X("month:T", title=None, axis=_date_axis()))
        chart = base.mark_line(point=True, color=color).encode(
            y=alt.Y(f"{key}:Q", title=title),
            tooltip=[alt.Tooltip("month:T", title=t("eval.month"), format="%m/%Y"),
                     alt.Tooltip(f"{key}:Q", title=t("eval.count"))])
        parts: list[Any] = [chart, rule]
        if key == "area" and df["counterfactual"].notna().any():
            band = base.mark_area(opacity=0.18, color="#555").encode(
                y="counterfactual_low:Q", y2="counterfactual_high:Q",
                tooltip=[alt.Tooltip("counterfactual:Q", title=t("eval.counterfactual"),
                                     format=".1f")])
            cf = base.mark_line(strokeDash=[3, 3], color="#555").encode(y="counterfactual:Q")
            parts = [band, cf, *parts]
        panels.append(alt.layer(*parts).properties(height=150 if key == "area" else 110))
    return alt.vconcat(*panels).resolve_scale(x="shared")


def verdict_box(result: Any) -> None:
    """The verdict, coloured: green reduction, orange increase or too few, blue unclear.

    The text itself (``analytics._intervention_text``) never overstates.
    """
    o = result.overall
    if not o.enough or o.ci_low_pct is None or o.ci_high_pct is None:
        st.warning(o.verdict, icon=":material/hourglass_empty:")
    elif o.ci_high_pct < 0:
        st.success(o.verdict, icon=":material/trending_down:")
    elif o.ci_low_pct > 0:
        st.warning(o.verdict, icon=":material/trending_up:")
    else:
        st.info(o.verdict, icon=":material/balance:")


def table(frame: pd.DataFrame, key: str) -> None:
    """A read-only table (Spanish headers from ``analytics.intervention_report``)."""
    st.dataframe(frame, hide_index=True, width="stretch", key=key)
