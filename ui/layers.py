"""pydeck layers, colour scales and legends for the maps.

Classify and draw are separate: :func:`class_breaks` fixes the colour classes
once (for the time player, from every frame together, so colours mean the
same count in every frame), :func:`colorize` copies a frame and adds its
colours, and the ``*_layer`` functions only draw. Hexagon layers get the id
:data:`HEX_LAYER_ID` so pages can read the selected cell from the chart state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote

import numpy as np
import pandas as pd
import pydeck as pdk

from ui.bounded import MAX_CELL_CHARS, clip_text

#: Yellow → dark red (ColorBrewer YlOrRd, 6 classes), RGB.
RAMP: Final[tuple[tuple[int, int, int], ...]] = (
    (255, 237, 160), (254, 204, 92), (253, 141, 60),
    (240, 59, 32), (189, 0, 38), (128, 0, 38),
)
HEX_ALPHA: Final = 200
HEX_LAYER_ID: Final = "hexagons"
DISTRICT_LAYER_ID: Final = "districts"
POINT_LAYER_ID: Final = "points"
#: Neutral background when no basemap is drawn.
BACKGROUND: Final = "#eef0f3"
CARTO_LIGHT: Final = "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"
#: Offline map style: an inline MapLibre style (a ``data:`` URL) with only a neutral
#: background. Streamlit replaces a missing ``mapStyle`` with the Carto basemap (a network
#: request that fails offline), and its frontend needs a string, so "no basemap" is this
#: self-contained style that needs no network.
OFFLINE_STYLE: Final = "data:application/json;charset=utf-8," + quote(json.dumps({
    "version": 8, "name": "vigia-offline", "sources": {},
    "layers": [{"id": "fondo", "type": "background",
                "paint": {"background-color": BACKGROUND}}],
}, separators=(",", ":")))


#: Cumulative shares at which the colour classes end: the top classes are narrow, so
#: hot spots stand out even when most cells hold one or two incidents.
CLASS_QUANTILES: Final = (0.5, 0.75, 0.9, 0.96, 0.99, 1.0)


def class_breaks(values: Sequence[float] | np.ndarray, *,
                 quantiles: Sequence[float] = CLASS_QUANTILES) -> list[float]:
    """Upper bounds of the colour classes (quantiles of the positive values, unique, rising).

    Integer data (counts) gets integer bounds. The last bound is the maximum, so
    every value falls in a class. Compute once per map (or once for all frames of
    the time player) and reuse: colours then mean the same everywhere.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return [1.0]
    qs = np.quantile(v, np.asarray(quantiles, dtype=float))
    if np.allclose(v, np.round(v)):
        qs = np.ceil(qs - 1e-9)
    out: list[float] = []
    for q in qs:
        q = float(q)
        if not out or q > out[-1] + 1e-12:
            out.append(q)
    out[-1] = float(v.max())
    return out


def classify(values: Sequence[float] | np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Class index (0 …) of each value for the ``breaks`` of :func:`class_breaks`."""
    v = np.asarray(values, dtype=float)
    idx = np.searchsorted(np.asarray(breaks, dtype=float), v, side="left")
    return np.clip(idx, 0, len(breaks) - 1)


def _ramp_for(n_classes: int) -> list[tuple[int, int, int]]:
    if n_classes >= len(RAMP):
        return list(RAMP)
    pos = np.linspace(0, len(RAMP) - 1, n_classes).round().astype(int) if n_classes > 1 else [3]
    return [RAMP[i] for i in pos]


def colorize(frame: pd.DataFrame, value: str, breaks: Sequence[float]) -> pd.DataFrame:
    """Copy of ``frame`` with a ``color`` column ``[r, g, b, a]`` and ``elev`` (0–1)."""
    out = frame.copy()
    ramp = _ramp_for(len(breaks))
    cls = classify(out[value].to_numpy(), breaks)
    out["color"] = [[*ramp[c], HEX_ALPHA] for c in cls]
    top = float(breaks[-1]) or 1.0
    out["elev"] = np.clip(out[value].to_numpy(dtype=float) / top, 0, 1)
    return out


def legend_items(breaks: Sequence[float], *, vmin: float | None = None, digits: int = 0,
                 decimal_comma: bool = False) -> list[tuple[str, str]]:
    """``(css colour, label)`` per class: ``"1"``, ``"3 – 4"`` for counts, ``"0,5 – 1,2"``.

    Class *i* holds the values in ``(breaks[i-1], breaks[i]]``; the first starts at ``vmin``.
    """
    ramp = _ramp_for(len(breaks))
    items = []
    prev: float | None = None
    for c, hi in zip(ramp, breaks, strict=True):
        if digits == 0:
            lo_v = float(np.ceil(vmin)) if prev is None and vmin is not None else (
                0.0 if prev is None else float(np.floor(prev) + 1))
            hi_v = float(np.floor(hi))
            if lo_v > hi_v:
                prev = hi
                continue
            label = f"{lo_v:.0f}" if lo_v == hi_v else f"{lo_v:.0f} – {hi_v:.0f}"
        else:
            lo_v = (vmin if vmin is not None else 0.0) if prev is None else prev
            a, b = f"{lo_v:.{digits}f}", f"{hi:.{digits}f}"
            label = a if a == b else f"{a} – {b}"
            if decimal_comma:
                label = label.replace(".", ",")
        items.append((f"rgb({c[0]},{c[1]},{c[2]})", label))
        prev = hi
    return items


def legend_html(title: str, breaks: Sequence[float], *, vmin: float | None = None,
                digits: int = 0, note: str = "", decimal_comma: bool = False) -> str:
    """A small horizontal legend (HTML for ``st.markdown(..., unsafe_allow_html=True)``)."""
    cells = "".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:10px">'
        f'<span style="width:18px;height:12px;background:{c};display:inline-block;'
        f'margin-right:4px;border:1px solid #999"></span>{label}</span>'
        for c, label in legend_items(breaks, vmin=vmin, digits=digits,
                                     decimal_comma=decimal_comma))
    extra = f'<div style="color:#666;font-size:0.8em">{note}</div>' if note else ""
    return (f'<div class="vigia-legend" style="font-size:0.85em"><b>{title}</b>: '
            f"{cells}{extra}</div>")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain-Python dicts; missing values become ``None``.

    10× faster than ``DataFrame.to_dict("records")`` on pandas 3 for ten thousand rows.
    """
    cols = list(frame.columns)
    arrays = []
    for c in cols:
        col = frame[c]
        if col.dtype == object or str(col.dtype) in ("str", "string"):
            # text from the data (crime types, districts) is clipped: tooltips stay small
            arrays.append([None if (v is None or (isinstance(v, float) and v != v)) else
                           clip_text(v) if isinstance(v, str) and len(v) > MAX_CELL_CHARS
                           else v for v in col.tolist()])
        elif np.issubdtype(col.dtype, np.datetime64):
            arrays.append([None if pd.isna(v) else str(v) for v in col.tolist()])
        else:
            arrays.append(col.astype(object).where(col.notna(), None).tolist())
    return [dict(zip(cols, row, strict=True)) for row in zip(*arrays, strict=True)]


#: Height of the tallest hexagon in 3D, metres, by H3 resolution (bigger cells, taller).
ELEVATION_M: Final = {6: 8000.0, 7: 5000.0, 8: 3000.0, 9: 1500.0, 10: 800.0}


def hex_layer(frame: pd.DataFrame, *, extruded: bool = False, elevation_m: float = 1500.0,
              pickable: bool = True) -> pdk.Layer:
    """``H3HexagonLayer`` over a colorized frame (needs ``h3_id``, ``color``, ``elev``)."""
    return pdk.Layer(
        "H3HexagonLayer", records(frame), id=HEX_LAYER_ID, get_hexagon="h3_id",
        get_fill_color="color", get_line_color=[255, 255, 255, 120], line_width_min_pixels=0.5,
        stroked=not extruded, filled=True, extruded=extruded,
        get_elevation="elev", elevation_scale=elevation_m, coverage=0.95 if extruded else 1.0,
        pickable=pickable, auto_highlight=True, opacity=0.85,
    )


def district_layer(geojson: dict[str, Any]) -> pdk.Layer:
    """District outlines (always drawn: the map reads without basemap tiles)."""
    return pdk.Layer(
        "GeoJsonLayer", geojson, id=DISTRICT_LAYER_ID, stroked=True, filled=True,
        get_fill_color=[255, 255, 255, 0], get_line_color=[60, 70, 90, 200],
        line_width_min_pixels=1.2, pickable=False,
    )


def points_layer(points: pd.DataFrame) -> pdk.Layer:
    """Small points in metres: dots only when zoomed in, invisible specks when zoomed out."""
    return pdk.Layer(
        "ScatterplotLayer", records(points), id=POINT_LAYER_ID, get_position=["lon", "lat"],
        get_radius=12, radius_units="'meters'", radius_min_pixels=0.5, radius_max_pixels=6,
        get_fill_color=[30, 60, 160, 200], pickable=False,
    )


def focus_mask(lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray,
               weights: Sequence[float] | np.ndarray | None = None, *,
               radius_km: float = 40.0) -> np.ndarray:
    """Cells of the busiest city.

    Those within ``radius_km`` of the weighted centre of the heaviest ~0.5° block
    (the demo holds Lima and Trujillo, 480 km apart).
    """
    la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    w = np.ones(la.size) if weights is None else np.asarray(weights, dtype=float)
    if la.size == 0:
        return np.zeros(0, dtype=bool)
    block = pd.Series(w).groupby([np.floor(la * 2), np.floor(lo * 2)]).sum()
    bl = block.idxmax()
    sel = (np.floor(la * 2) == bl[0]) & (np.floor(lo * 2) == bl[1])
    c_lat = float(np.average(la[sel], weights=w[sel]))
    c_lon = float(np.average(lo[sel], weights=w[sel]))
    dy = (la - c_lat) * 111.0
    dx = (lo - c_lon) * 111.0 * np.cos(np.radians(c_lat))
    return np.hypot(dx, dy) <= radius_km


def _wquantile(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> list[float]:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    cw = cw / cw[-1]
    return [float(x[order][min(np.searchsorted(cw, q), x.size - 1)]) for q in qs]


def view_for(lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray, *,
             weights: Sequence[float] | np.ndarray | None = None,
             pitch: float = 0.0) -> pdk.ViewState:
    """A view that frames the central 92 % of the incidents of the busiest city."""
    la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    if la.size == 0:
        return pdk.ViewState(latitude=-12.06, longitude=-77.04, zoom=10.5, pitch=pitch)
    w = np.ones(la.size) if weights is None else np.asarray(weights, dtype=float)
    keep = focus_mask(la, lo, w)
    la, lo, w = la[keep], lo[keep], w[keep]
    lat0, lat1 = _wquantile(la, w, (0.04, 0.96))
    lon0, lon1 = _wquantile(lo, w, (0.04, 0.96))
    span = max(lat1 - lat0, (lon1 - lon0) * 0.8, 0.005)
    zoom = float(np.clip(np.log2(360.0 / span) - 0.3, 3, 16))
    return pdk.ViewState(latitude=float((lat0 + lat1) / 2), longitude=float((lon0 + lon1) / 2),
                         zoom=round(zoom, 2), pitch=pitch, bearing=0)


def bbox_of(lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray,
            *, pad: float = 0.05) -> tuple[float, float, float, float]:
    """``(min_lon, min_lat, max_lon, max_lat)`` padded, for clipping district outlines."""
    la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    if la.size == 0:
        return (-180.0, -90.0, 180.0, 90.0)
    return (float(lo.min() - pad), float(la.min() - pad), float(lo.max() + pad),
            float(la.max() + pad))


class CompactDeck(pdk.Deck):
    """A Deck whose JSON is compact.

    pydeck pretty-prints (``indent=2``, sorted keys), which triples the time to
    serialise maps with ten thousand hexagons.
    """

    def to_json(self) -> str:
        """Compact JSON spec (what ``st.pydeck_chart`` sends to the browser)."""
        from pydeck.bindings.json_tools import default_serialize

        return json.dumps(self, default=default_serialize, separators=(",", ":"))


def deck(layers: list[pdk.Layer], view: pdk.ViewState, *, basemap: bool,
         tooltip: dict[str, Any] | None = None) -> pdk.Deck:
    """A Deck with the Carto basemap when reachable, else no basemap (no network request)."""
    return CompactDeck(
        layers=layers, initial_view_state=view,
        map_provider="carto" if basemap else None,
        map_style=CARTO_LIGHT if basemap else OFFLINE_STYLE,
        tooltip=tooltip or False,  # type: ignore[arg-type]
    )



# --------------------------------------------------------------------------- categorical maps
#: Gi* classes (analytics.hotspots keys), ColorBrewer RdBu: red hot, blue cold, grey neutral.
HOTSPOT_COLORS: Final[dict[str, tuple[int, int, int]]] = {
    "hot_99": (178, 24, 43), "hot_95": (239, 138, 98), "hot_90": (253, 219, 199),
    "not_significant": (200, 200, 200),
    "cold_90": (209, 229, 240), "cold_95": (103, 169, 207), "cold_99": (33, 102, 172),
}
#: Local Moran clusters, GeoDa's convention (alto-alto red, bajo-bajo blue, outliers pale).
CLUSTER_COLORS: Final[dict[str, tuple[int, int, int]]] = {
    "high_high": (215, 25, 28), "high_low": (253, 174, 97), "low_high": (171, 217, 233),
    "low_low": (44, 123, 182), "not_significant": (200, 200, 200),
}
#: Emerging hot spot categories: warm colours for hot, cool for cold, grey for no pattern.
EMERGING_COLORS: Final[dict[str, tuple[int, int, int]]] = {
    "intensifying_hot": (128, 0, 38), "persistent_hot": (215, 48, 39),
    "new_hot": (255, 127, 0), "consecutive_hot": (244, 109, 67),
    "sporadic_hot": (254, 217, 118), "oscillating_hot": (231, 138, 195),
    "diminishing_hot": (244, 165, 130), "historical_hot": (166, 97, 26),
    "intensifying_cold": (8, 48, 107), "persistent_cold": (33, 102, 172),
    "new_cold": (65, 182, 196), "consecutive_cold": (103, 169, 207),
    "sporadic_cold": (199, 233, 180), "oscillating_cold": (128, 205, 193),
    "diminishing_cold": (146, 197, 222), "historical_cold": (1, 133, 113),
    "no_pattern": (200, 200, 200),
}
#: Opacity of the neutral class (not significant / no pattern): present but quiet.
FAINT_ALPHA: Final = 70


def colorize_categories(frame: pd.DataFrame, column: str,
                        palette: dict[str, tuple[int, int, int]], *,
                        faint: Sequence[str] = ("not_significant", "no_pattern")) -> pd.DataFrame:
    """Copy of ``frame`` with ``color`` ``[r, g, b, a]`` from ``palette[frame[column]]``.

    Keys in ``faint`` get :data:`FAINT_ALPHA`; unknown keys are grey. ``elev`` is 0
    (flat map), so the result feeds :func:`hex_layer` directly.
    """
    out = frame.copy()
    grey = (200, 200, 200)
    faint_set = set(faint)
    out["color"] = [[*palette.get(k, grey), FAINT_ALPHA if k in faint_set else HEX_ALPHA]
                    for k in out[column].astype(str)]
    out["elev"] = 0.0
    return out


def category_legend_html(title: str, items: Sequence[tuple[tuple[int, int, int], str]], *,
                         note: str = "") -> str:
    """A legend of categories: ``items`` are ``(rgb, label)`` in display order."""
    cells = "".join(
        f'<span style="display:inline-flex;align-items:center;margin:0 12px 4px 0">'
        f'<span style="width:18px;height:12px;background:rgb({c[0]},{c[1]},{c[2]});'
        f'display:inline-block;margin-right:4px;border:1px solid #999"></span>{label}</span>'
        for c, label in items)
    extra = f'<div style="color:#666;font-size:0.8em">{note}</div>' if note else ""
    return (f'<div class="vigia-legend" style="font-size:0.85em"><b>{title}</b>: '
            f"{cells}{extra}</div>")


# --------------------------------------------------------------------------- patrol plan
PATROL_AREA_LAYER_ID: Final = "patrol_area"
PATROL_RADIUS_LAYER_ID: Final = "patrol_radius"
PATROL_HOTSPOT_LAYER_ID: Final = "patrol_hotspots"


def patrol_layers(routes: pd.DataFrame, area: pd.DataFrame, *,
                  radius_m: float) -> list[pdk.Layer]:
    """Plan layers: covered hexagons tinted by unit, coverage circles, numbered hotspots.

    ``routes`` is ``PatrolPlan.routes`` (needs ``unit, order, h3, lat, lon``; other
    columns go to the tooltip as given); ``area`` is ``PatrolPlan.covered_area()``.
    Colours are those of the PDF briefing (``analytics.briefing.unit_color``).
    """
    from analytics.briefing import unit_color

    cov = area[["h3", "unit"]].rename(columns={"h3": "h3_id"}).copy()
    cov["color"] = [[*unit_color(int(u)), 60] for u in cov["unit"]]
    pts = routes.copy()
    pts["color"] = [[*unit_color(int(u)), 230] for u in pts["unit"]]
    pts["ring"] = [[*unit_color(int(u)), 40] for u in pts["unit"]]
    pts["label"] = [f"{int(u)}.{int(o)}" for u, o in zip(pts["unit"], pts["order"], strict=True)]
    for c in pts.columns:
        if (pd.api.types.is_datetime64_any_dtype(pts[c])
                or pd.api.types.is_timedelta64_dtype(pts[c])):
            pts[c] = pts[c].astype(str)
    return [
        pdk.Layer("H3HexagonLayer", records(cov), id=PATROL_AREA_LAYER_ID, get_hexagon="h3_id",
                  get_fill_color="color", stroked=False, filled=True, extruded=False,
                  pickable=False),
        pdk.Layer("ScatterplotLayer", records(pts), id=PATROL_RADIUS_LAYER_ID,
                  get_position=["lon", "lat"], get_radius=float(radius_m),
                  radius_units="'meters'",  # quoted: pydeck turns bare strings into accessors
                  get_fill_color="ring", get_line_color="color", stroked=True, filled=True,
                  line_width_min_pixels=1.5, pickable=False),
        pdk.Layer("ScatterplotLayer", records(pts), id=PATROL_HOTSPOT_LAYER_ID,
                  get_position=["lon", "lat"], get_radius=6, radius_units="'pixels'",
                  get_fill_color="color", get_line_color=[255, 255, 255, 255], stroked=True,
                  line_width_min_pixels=1.5, pickable=True),
        pdk.Layer("TextLayer", records(pts[["lon", "lat", "label"]]), id="patrol_labels",
                  get_position=["lon", "lat"], get_text="label", get_size=13,
                  get_color=[20, 20, 30, 255], get_pixel_offset=[0, -14], pickable=False),
    ]


TRACK_LAYER_ID: Final = "tracks"
#: Most vertices drawn per unit track (longer tracks are thinned evenly).
TRACK_MAX_VERTICES: Final = 1500


def track_layers(pings: pd.DataFrame, *, max_vertices: int = TRACK_MAX_VERTICES
                 ) -> list[pdk.Layer]:
    """GPS tracks as one path per unit, in the plan's unit colours.

    ``pings`` has ``unit`` (plan label), ``ts``, ``lat``, ``lon``; a track is
    cut where two pings are more than 5 minutes apart (no evidence in between).
    Labels that are not unit numbers are drawn grey.
    """
    from analytics.briefing import unit_color

    recs: list[dict[str, Any]] = []
    if len(pings):
        df = pings.sort_values(["unit", "ts"])
        for unit, g in df.groupby("unit", sort=True):
            if len(g) > max_vertices:
                g = g.iloc[np.linspace(0, len(g) - 1, max_vertices).astype(int)]
            gap = g["ts"].diff().dt.total_seconds().fillna(0).to_numpy() > 300
            label = str(unit)
            rgb = unit_color(int(label)) if label.isdigit() and int(label) > 0 else (90, 90, 90)
            for seg in np.split(np.arange(len(g)), np.flatnonzero(gap)):
                if seg.size < 2:
                    continue
                part = g.iloc[seg]
                recs.append({"unit": label, "color": [*rgb, 170],
                             "path": [[round(float(x), 6), round(float(y), 6)] for x, y in
                                      zip(part["lon"], part["lat"], strict=True)]})
    return [pdk.Layer("PathLayer", recs, id=TRACK_LAYER_ID, get_path="path",
                      get_color="color", width_min_pixels=2, get_width=3, pickable=True)]
