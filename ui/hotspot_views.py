"""Drawing helpers of the Zonas críticas page: category labels, legends, maps, Knox bands.

Streamlit-aware presentation only; the statistics come from ``analytics.hotspots``
through ``ui.cache``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import streamlit as st

from analytics import hotspots
from ui import layers
from ui.i18n import fmt_int, lang, t


@dataclass(frozen=True)
class MapBase:
    """What every map of the page shares: outline layers, view, basemap flag."""

    layers: list[Any]
    view: Any
    basemap: bool


HOT_ORDER: Final = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95",
                    "cold_99")
LISA_ORDER: Final = ("high_high", "high_low", "low_high", "low_low", "not_significant")
EMERGING_ORDER: Final = tuple(f"{k}_hot" for k in ("intensifying", "persistent", "new",
                                                   "consecutive", "sporadic", "oscillating",
                                                   "diminishing", "historical")) + tuple(
    f"{k}_cold" for k in ("intensifying", "persistent", "new", "consecutive", "sporadic",
                          "oscillating", "diminishing", "historical")) + ("no_pattern",)
_SPANISH = {"hot": hotspots.HOTSPOT_LABELS, "lisa": hotspots.CLUSTER_LABELS,
            "emerging": hotspots.EMERGING_LABELS}


def label(kind: str, key: str) -> str:
    """Display label of a category key (Spanish from analytics, English from i18n)."""
    text = t(f"zonas.{kind}.{key}") if lang() == "en" else _SPANISH[kind].get(key, key)
    return text[:1].upper() + text[1:]


def legend(title: str, kind: str, order: tuple[str, ...], palette: dict[str, tuple[int, int, int]],
           counts: pd.Series, *, note: str = "") -> None:
    """Legend of the categories present, with the number of hexagons of each."""
    items = [(palette[k], f"{label(kind, k)} ({fmt_int(counts[k])})") for k in order
             if counts.get(k, 0)]
    st.markdown(layers.category_legend_html(title, items, note=note), unsafe_allow_html=True)


def draw(frame: pd.DataFrame, kind: str, palette: dict[str, tuple[int, int, int]], *,
         base: MapBase, key: str, extra: str = "") -> None:
    """Hexagons coloured by ``frame['key']`` over the district outlines."""
    show = frame[["h3_id", "key", "count", "district", *([extra] if extra else [])]].copy()
    show["label"] = [label(kind, k) for k in show["key"]]
    show["district"] = show["district"].replace("", "—")
    show = layers.colorize_categories(show, "key", palette)
    tip_extra = "<br/>{" + extra + "}" if extra else ""
    tip = {"html": t("zonas.tooltip", label="{label}", n="{count}", district="{district}")
           + tip_extra, "style": {"fontSize": "12px"}}
    deck = layers.deck([*base.layers, layers.hex_layer(show)], base.view, basemap=base.basemap,
                       tooltip=tip)
    st.pydeck_chart(deck, height=520, key=key)


def visible(frame: pd.DataFrame, neutral: str) -> pd.DataFrame:
    """Cells worth drawing: observed ones and every significant filled (empty) cell."""
    return frame[frame["observed"].astype(bool) | (frame["key"] != neutral)]


def explain(key: str, **kw: object) -> None:
    """A closed "how to read this" box."""
    with st.expander(t("zonas.how_to_read"), icon=":material/help:"):
        st.markdown(t(key, **kw))




def band_labels(edges: np.ndarray, unit: str, *, integer: bool) -> list[str]:
    """Labels of Knox bands (``0–100 m``, ``más de 400 m``) in the session's language."""
    out = []
    for j in range(1, edges.size):
        lo = edges[j - 1] + (1 if integer and j > 1 else 0)
        out.append(t("zonas.band", lo=f"{lo:g}", hi=f"{edges[j]:g}", unit=unit))
    out.append(t("zonas.band_beyond", v=f"{edges[-1]:g}", unit=unit))
    return out
