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
from ui.i18n import fmt_float, fmt_int, lang, t


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


def knox_results(nr: Any, *, n_used: int, crime_type: str, permutations: int, seed: int) -> None:
    """The near-repeat (Knox) ratio table, its summary, first-band sentence and detail."""
    d_labels = band_labels(nr.distance_edges, "m", integer=False)
    t_labels = band_labels(nr.time_edges, t("zonas.days"), integer=True)
    ratio = nr.ratio
    # an excess shown as more than 1,00, in the near bands (the last row, beyond the
    # largest distance, is the complement of the others: not a near repeat)
    sig = (nr.p_value < nr.alpha) & (np.round(np.nan_to_num(ratio), 2) > 1)
    sig[-1, :] = False
    table = pd.DataFrame([[("—" if not np.isfinite(v) else fmt_float(v, 2)) for v in row]
                          for row in ratio],
                         index=pd.Index(d_labels, name=t("zonas.distance")),
                         columns=pd.Index(t_labels, name=t("zonas.time")))
    css = np.where(sig, "background-color: #f4a582; font-weight: bold", "")
    styled = table.style.apply(lambda _: pd.DataFrame(css, index=table.index,
                                                      columns=table.columns), axis=None)
    st.markdown(f"**{t('zonas.knox_ratio')}**")
    st.dataframe(styled, width="stretch", key="zc_knox_ratio")
    st.caption(t("zonas.knox_summary", n=fmt_int(n_used), type=crime_type, perms=permutations,
                 seed=seed))
    r0, p0 = ratio[0, 0], nr.p_value[0, 0]
    if np.isfinite(r0):
        st.markdown(t("zonas.knox_first_sig" if sig[0, 0] else "zonas.knox_first_ns",
                      d=d_labels[0], tb=t_labels[0], r=fmt_float(r0, 2),
                      obs=fmt_int(nr.observed[0, 0]), exp=fmt_float(nr.expected[0, 0], 1),
                      p=fmt_float(p0, 3), pct=fmt_int(abs(r0 - 1) * 100)))
    with st.expander(t("zonas.knox_detail")):
        long = nr.to_frame()
        st.dataframe(pd.DataFrame({
            t("zonas.distance"): np.repeat(d_labels, len(t_labels)),
            t("zonas.time"): np.tile(t_labels, len(d_labels)),
            t("zonas.col_observed"): long["observed"].astype("int64").to_numpy(),
            t("zonas.col_expected"): long["expected"].round(1).to_numpy(),
            t("zonas.col_ratio"): long["ratio"].round(2).to_numpy(),
            "p": long["p_value"].round(3).to_numpy(),
        }), hide_index=True, width="stretch", key="zc_knox_long")
