"""Static resources shared by every session: district outlines, population, the basemap probe."""

from __future__ import annotations

import os
import socket
import threading
from typing import Any

import pandas as pd
import streamlit as st

from ui.cache.connection import OFFLINE_ENV


# --------------------------------------------------------------------------- static resources
@st.cache_resource(show_spinner=False)
def districts_geojson(simplify_deg: float = 0.0002) -> dict[str, Any]:
    """District outlines (GeoJSON dict, properties ``district``, ``ubigeo``, ``city``)."""
    from analytics import geo

    gdf = geo.read_boundaries()
    keep = [c for c in ("district", "ubigeo", "city") if c in gdf.columns]
    gdf = gdf[keep + ["geometry"]].copy()
    gdf["geometry"] = gdf.geometry.simplify(simplify_deg, preserve_topology=True)
    return dict(gdf.__geo_interface__)


@st.cache_data(show_spinner=False, max_entries=16)
def districts_in_view(bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    """District outlines intersecting ``(min_lon, min_lat, max_lon, max_lat)``."""
    gj = districts_geojson()
    x0, y0, x1, y1 = bbox
    feats = []
    for f in gj["features"]:
        fx0, fy0, fx1, fy1 = f.get("bbox") or _bbox(f["geometry"])
        if fx1 >= x0 and fx0 <= x1 and fy1 >= y0 and fy0 <= y1:
            feats.append(f)
    return {"type": "FeatureCollection", "features": feats}


def _bbox(geom: dict[str, Any]) -> tuple[float, float, float, float]:
    import shapely.geometry

    return shapely.geometry.shape(geom).bounds  # type: ignore[no-any-return]


@st.cache_resource(show_spinner=False)
def basemap_available() -> bool:
    """Whether the Carto basemap is reachable (checked once per process, 0.5 s max).

    ``VIGIA_OFFLINE=1`` forces ``False`` (tests, air-gapped installs).
    """
    if os.environ.get(OFFLINE_ENV, "").lower() in ("1", "true", "yes"):
        return False
    result = {"ok": False}

    def probe() -> None:
        try:
            with socket.create_connection(("basemaps.cartocdn.com", 443), timeout=0.5):
                result["ok"] = True
        except OSError:
            pass

    th = threading.Thread(target=probe, daemon=True)
    th.start()
    th.join(0.6)
    return result["ok"]


@st.cache_resource(show_spinner=False)
def _boundaries() -> Any:
    from analytics import geo

    return geo.read_boundaries()


@st.cache_data(show_spinner=False, max_entries=2)
def population() -> pd.DataFrame:
    """The shipped district populations (``analytics.files.read_population``)."""
    from analytics import files

    return files.read_population()
