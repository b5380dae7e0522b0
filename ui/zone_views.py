"""Zone views the pages share: zone maps, the plan's zone column, layers on Datos.

Zone polygons on a map, the Mapa "ver por zona" view, the plan's zone column,
and zone layers on the Datos page.

The zone layer is the sidebar's choice (:func:`ui.filters.zone_layer_id`): districts
by default, or a layer stored with ``python -m analytics zones add`` or the Datos
page. Counts and layers come through ``ui.cache``; nothing here computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from analytics._errors import AnalyticsError
from analytics.query import IncidentQuery
from ui import cache, filters, layers, page
from ui.i18n import fmt_float, fmt_int, lang, t

#: Mapa's "ver por zona" toggle.
K_MAP_ZONES: Final = "map_zones"
#: Id of the zone polygons layer in a deck spec.
ZONE_LAYER_ID: Final = "zones"
#: Simplification of zone outlines sent to the browser, degrees (~10 m).
SIMPLIFY_DEG: Final = 0.0001
K_LAYER_MSG: Final = "_zones_layer_msg"


def layer_label(layer_id: int | None) -> str:
    """Display name of the chosen zone layer (``Distritos`` or ``Sectores (v2)``)."""
    if layer_id is None:
        return t("filters.zones_districts")
    ds = st.session_state.get(page.K_DATASET)
    names = dict(cache.zone_layer_choices(ds)) if ds else {}
    return names.get(int(layer_id), f"#{layer_id}")


def zone_polygons(layer_id: int | None, names: Sequence[str]) -> Any:
    """The polygons of the chosen layer (districts: the shipped outlines of ``names``)."""
    if layer_id is None:
        return cache.district_layer(tuple(sorted({str(n) for n in names})))
    return cache.zone_layer(int(layer_id))


def zone_geojson(polygons: Any, values: pd.DataFrame) -> dict[str, Any]:
    """GeoJSON of the polygons with the properties of ``values`` (joined on ``zone``).

    Zones without a row are left out.
    """
    import shapely

    props = values.set_index(values["zone"].astype(str))
    feats = []
    for zone, geom in zip(polygons["zone"].astype(str), polygons.geometry.to_numpy(),
                          strict=True):
        if zone not in props.index or geom is None:
            continue
        row = props.loc[zone]
        p = {k: (v.tolist() if isinstance(v, np.ndarray) else
                 v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        p["zone"] = zone
        g = shapely.simplify(geom, SIMPLIFY_DEG, preserve_topology=True)
        feats.append({"type": "Feature", "properties": p,
                      "geometry": shapely.geometry.mapping(g)})
    return {"type": "FeatureCollection", "features": feats}


def zone_deck_layer(geojson: dict[str, Any]) -> pdk.Layer:
    """Zone polygons filled with ``properties.color``, outlined, pickable."""
    return pdk.Layer(
        "GeoJsonLayer", geojson, id=ZONE_LAYER_ID, stroked=True, filled=True,
        get_fill_color="properties.color", get_line_color=[40, 50, 70, 220],
        line_width_min_pixels=1.2, pickable=True, auto_highlight=True, opacity=0.8,
    )


def zone_view(polygons: Any, zones: Sequence[str]) -> pdk.ViewState:
    """A view framing the whole of the given zones (their bounding box)."""
    sel = polygons[polygons["zone"].astype(str).isin(set(zones))]
    if sel.empty:
        return layers.view_for([], [])
    x0, y0, x1, y1 = (float(v) for v in sel.total_bounds)
    span = max(y1 - y0, (x1 - x0) * 0.8, 0.005)
    zoom = float(np.clip(np.log2(360.0 / span) - 0.4, 3, 16))
    return pdk.ViewState(latitude=(y0 + y1) / 2, longitude=(x0 + x1) / 2, zoom=round(zoom, 2),
                         pitch=0, bearing=0)


def draw_zone_map(polygons: Any, values: pd.DataFrame, *, value: str, tooltip: str,
                  legend: str, digits: int = 0, height: int = 540) -> list[str]:
    """Draw the zones coloured by ``values[value]``; return zones that have no polygon."""
    breaks = layers.class_breaks(values[value]) if len(values) else [1.0]
    shown = layers.colorize(values, value, breaks).drop(columns=["elev"])
    gj = zone_geojson(polygons, shown)
    drawn = {f["properties"]["zone"] for f in gj["features"]}
    view = zone_view(polygons, sorted(drawn))
    tip = {"html": tooltip, "style": {"fontSize": "12px"}}
    st.pydeck_chart(layers.deck([zone_deck_layer(gj)], view, basemap=cache.basemap_available(),
                                tooltip=tip), height=height)
    positive = values.loc[values[value] > 0, value]
    st.markdown(layers.legend_html(legend, breaks,
                                   vmin=float(positive.min()) if len(positive) else 0.0,
                                   digits=digits, decimal_comma=lang() == "es"),
                unsafe_allow_html=True)
    return sorted(set(values["zone"].astype(str)) - drawn)


# --------------------------------------------------------------------------- Mapa
def map_by_zone(dataset_id: str, query: IncidentQuery, *, public: bool) -> bool:
    """Mapa's "ver por zona" toggle; when on, draw the zone map and return ``True``.

    Internal data only: the public version has no zone view (zone counts are not
    published figures).
    """
    if public:
        return False
    lid = filters.zone_layer_id()
    label = layer_label(lid)
    if not st.toggle(t("porzona.map_toggle", layer=label), key=K_MAP_ZONES,
                     help=t("porzona.map_toggle_help")):
        return False
    counts = cache.zone_counts(dataset_id, query, layer_id=lid)
    if counts.empty:
        st.info(t("app.empty_filter"), icon=":material/filter_alt_off:")
        return True
    total = int(counts["n"].sum()) + int(counts.attrs.get("outside", 0))
    show = counts.copy()
    show["share"] = 100.0 * show["n"] / max(total, 1)
    show["n_txt"] = [fmt_int(v) for v in show["n"]]
    show["share_txt"] = [fmt_float(v, 1) for v in show["share"]]
    polys = zone_polygons(lid, list(show["zone"]))
    missing = draw_zone_map(polys, show[["zone", "n", "n_txt", "share_txt"]], value="n",
                            tooltip=t("porzona.tooltip_map", zone="{zone}", n="{n_txt}",
                                      share="{share_txt}"),
                            legend=t("mapa.metric_count"), height=560)
    notes = [t("porzona.map_summary", n=fmt_int(counts["n"].sum()), z=fmt_int(len(counts)),
               out=fmt_int(counts.attrs.get("outside", 0)))]
    if missing:
        notes.append(t("porzona.no_polygon", zones=", ".join(missing[:12])
                       + (" …" if len(missing) > 12 else "")))
    st.caption(" ".join(notes))
    st.dataframe(pd.DataFrame({t("porzona.col_zone"): show["zone"],
                               t("porzona.col_count"): show["n"],
                               t("porzona.col_share"): show["share"].round(1)}),
                 hide_index=True, width="stretch", key="map_zone_table")
    return True


# --------------------------------------------------------------------------- Plan
def add_zone_column(table: pd.DataFrame, cells: Sequence[str] | pd.Series, *,
                    after: str | None = None) -> None:
    """Insert a "Zona" column (the zone of each cell centre) into ``table``, in place.

    Only when the sidebar names a zone layer (districts are already shown).
    """
    lid = filters.zone_layer_id()
    if lid is None:
        return
    keys = [str(c) for c in cells]
    names = cache.cell_zones(int(lid), tuple(keys))
    pos = (table.columns.get_loc(after) + 1 if after in table.columns else len(table.columns))
    table.insert(int(pos), t("porzona.col_zone"), [names.get(c) or "—" for c in keys])


# --------------------------------------------------------------------------- Datos
def layer_box(user: str | None) -> None:
    """Datos: load a zone layer (validated, repaired or refused) and list the stored ones."""
    from analytics import access, zones as zn
    from analytics.store import zones as sz
    from ui import upload

    ss = st.session_state
    with st.expander(t("porzona.layers_title"), icon=":material/layers:"):
        st.caption(t("porzona.layers_help"))
        msg = ss.pop(K_LAYER_MSG, None)
        if msg:
            st.success(msg, icon=":material/check_circle:")
        up = st.file_uploader(t("porzona.layer_file"), type=["geojson", "json", "gpkg", "zip"],
                              key="zones_upload")
        c1, c2 = st.columns(2)
        name = c1.text_input(t("porzona.layer_name"), key="zones_name",
                             max_chars=sz.MAX_LAYER_NAME)
        column = c2.text_input(t("porzona.layer_column"), key="zones_column", max_chars=60,
                               help=t("porzona.layer_column_help"))
        if st.button(t("porzona.layer_save"), key="zones_save", icon=":material/save:",
                     disabled=up is None or not name.strip()):
            assert up is not None
            path = upload.stage(up.name, up.getvalue())
            try:
                layer = zn.read_zone_layer(path, name_column=column.strip() or None)
                with cache.write_connection() as con:
                    info = sz.save_zone_layer(con, layer, name=name, created_by=user,
                                              source=up.name)
                    access.record_audit(con, user=user, action="zone_layer_add",
                                        detail=f"capa {info.label}: {info.n_zones} zonas de "
                                               f"{info.source}")
            except AnalyticsError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                ss[K_LAYER_MSG] = " ".join([t("porzona.layer_saved", label=info.label,
                                              n=fmt_int(info.n_zones)), *info.notes])
                st.rerun()
            finally:
                upload.discard(path)
        ds = ss.get(page.K_DATASET)
        stored = cache.zone_layer_choices(ds) if ds else []
        if stored:
            st.dataframe(pd.DataFrame({t("porzona.col_layer"): [lab for _, lab in stored]}),
                         hide_index=True, key="zones_stored")
        else:
            st.caption(t("porzona.layers_none"))

