"""Zonas críticas: Gi* hot and cold spots, emerging hot spots, local Moran, near repeat.

Thin page: the statistics live in ``analytics.hotspots`` and run through the
cached wrappers of ``ui.cache`` (keyed on the dataset, the filters and the
options below); this file picks options, classifies nothing itself and draws.
Widget keys are ``zc_*`` (page-local).
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import pandas as pd
import streamlit as st

from analytics import hexbin, settings
from analytics._errors import InsufficientHistoryError
from analytics.hotspots import maps
from ui import cache, hotspot_views as hv, layers, page, placement
from ui.i18n import fmt_date, fmt_float, fmt_int, t

#: Fixed seed of every permutation on this page: the same data gives the same result.
SEED: Final = 20261122
#: Permutations of the local Moran p-values (floor 2 / 500 = 0.004).
MORAN_PERMUTATIONS: Final = 499
#: Near-repeat permutations offered (99 default: smallest p = 0.01).
KNOX_PERMUTATIONS: Final = (99, 199, 499, 999)
#: Near repeat runs on at most this many incidents (the most recent ones), by permutations.
#: The cost grows with close pairs (about n²) × permutations; these keep the densest case
#: measured (Philadelphia thefts, ~3 M pairs within 400 m at 30 000) near 3–5 s.
KNOX_MAX_INCIDENTS: Final = {99: 30_000, 199: 20_000, 499: 12_000, 999: 8_000}
MIN_SLICES: Final = maps.MIN_SLICES

K_RING: Final = "zc_k"
K_FDR: Final = "zc_fdr"
K_PERIOD: Final = "zc_period"
K_WIDEN: Final = "zc_widen"
K_TYPE: Final = "zc_type"
K_PERMS: Final = "zc_perms"

# --------------------------------------------------------------------------- page
ctx = page.context()
assert ctx is not None
f, ds = ctx.filters, ctx.dataset_id
res, key = f.resolution, f

st.title(t("zonas.title"))
st.caption(t("zonas.intro"))
c1, c2 = st.columns([1, 2])
k_ring = c1.selectbox(t("zonas.k"), [1, 2, 3], key=K_RING, help=t("zonas.k_help"))
use_fdr = c2.toggle(t("zonas.fdr"), key=K_FDR, help=t("zonas.fdr_help"))

ready = False
with page.guard():
    cells = cache.cell_counts(ds, key, resolution=res)
    if cells.empty:
        st.info(t("app.empty_filter"), icon=":material/filter_alt_off:")
        st.stop()
    placement.unplaced_note(ds, key)
    basemap = cache.basemap_available()
    bbox = layers.bbox_of(cells["lat"], cells["lon"])
    base = hv.MapBase([layers.district_layer(cache.districts_in_view(bbox))],
                      layers.view_for(cells["lat"], cells["lon"]), basemap)

    # Stacked points (police stations) inside the current cells: named wherever they show.
    stacked = [w for w in cache.quality_warnings(ds) if w["kind"] == "stacked"
               and w.get("lat") is not None and w.get("lon") is not None]
    stacked_cells: dict[str, int] = {}
    if stacked:
        sc = hexbin.points_to_cells(np.array([float(w["lat"]) for w in stacked]),
                                    np.array([float(w["lon"]) for w in stacked]),
                                    resolution=res)
        for c, w in zip(hexbin.cells_to_strings(sc), stacked, strict=True):
            stacked_cells[str(c)] = stacked_cells.get(str(c), 0) + int(w["count"] or 0)

    tab_gi, tab_em, tab_lisa, tab_nr = st.tabs([t("zonas.tab_gi"), t("zonas.tab_emerging"),
                                                t("zonas.tab_lisa"), t("zonas.tab_knox")])
    ready = True
if not ready:
    st.stop()

# ---- (a) Gi*
with tab_gi, page.guard():
    st.subheader(t("zonas.gi_title"))
    with st.spinner(t("zonas.computing")):
        gi = cache.hotspot_gi(ds, key, resolution=res, k=k_ring, use_fdr=use_fdr)
    shown = hv.visible(gi, "not_significant").copy()
    counts = shown["key"].value_counts()  # drawn cells: observed or significant
    shown["z_txt"] = [t("zonas.z_tip", z=fmt_float(z, 2)) for z in shown["z"]]
    hv.draw(shown, "hot", layers.HOTSPOT_COLORS, base=base, key="zc_map_gi",
            extra="z_txt")
    hv.legend(t("zonas.gi_legend"), "hot", hv.HOT_ORDER, layers.HOTSPOT_COLORS, counts,
           note=t("zonas.gi_note_fdr" if use_fdr else "zonas.gi_note", k=k_ring))
    n_hot = int(counts.reindex(["hot_99", "hot_95", "hot_90"]).fillna(0).sum())
    n_cold = int(counts.reindex(["cold_99", "cold_95", "cold_90"]).fillna(0).sum())
    st.caption(t("zonas.gi_summary", hot=fmt_int(n_hot), cold=fmt_int(n_cold),
                 cells=fmt_int(len(gi)), observed=fmt_int(int(gi["observed"].sum())), res=res))
    hot = gi[gi["key"].isin(["hot_99", "hot_95", "hot_90"])].sort_values(
        ["z", "count"], ascending=False).head(15)
    if len(hot):
        st.markdown(f"**{t('zonas.gi_top')}**")
        st.dataframe(pd.DataFrame({
            t("col.district"): hot["district"].replace("", "—").to_numpy(),
            t("zonas.col_class"): [hv.label("hot", k) for k in hot["key"]],
            t("col.count"): hot["count"].to_numpy(),
            "z": hot["z"].round(2).to_numpy(),
            t("zonas.col_stacked"): [t("zonas.yes") if h in stacked_cells else ""
                                     for h in hot["h3_id"]],
            t("col.cell"): hot["h3_id"].to_numpy(),
        }), hide_index=True, width="stretch", key="zc_gi_top")
    hot_stacked = sorted(set(hot["h3_id"]) & set(stacked_cells)) if len(hot) else []
    if hot_stacked:
        st.warning(t("zonas.stacked_hot", n=len(hot_stacked)), icon=":material/location_on:")
    hv.explain("zonas.gi_explain", k=k_ring)

# ---- (b) emerging hot spots
with tab_em, page.guard():
    st.subheader(t("zonas.em_title"))
    a, b = st.columns([1, 2])
    period_names = {"W": t("zonas.period_W"), "M": t("zonas.period_M")}
    period = a.radio(t("zonas.period"), ["W", "M"], key=K_PERIOD, horizontal=True,
                     format_func=period_names.get)
    widen = b.toggle(t("zonas.widen"), value=True, key=K_WIDEN, help=t("zonas.widen_help"))
    unit_pl = t("zonas.weeks" if period == "W" else "zonas.months")
    if f.start is None or f.end is None:
        fr = cache.freshness(ds)
        start0 = f.start or (fr.first.date() if fr.first else date.today())
        end0 = f.end or (fr.last.date() if fr.last else date.today())
    else:
        start0, end0 = f.start, f.end
    s, e, n_slices, widened = maps.slice_window(start0, end0, period, widen=widen)
    if n_slices < MIN_SLICES:
        st.info(t("zonas.em_short", n=n_slices, min=MIN_SLICES, unit=unit_pl),
                icon=":material/hourglass_empty:")
    else:
        if widened:
            st.info(t("zonas.em_widened", min=MIN_SLICES, unit=unit_pl, n=n_slices,
                      start=fmt_date(s), end=fmt_date(e)), icon=":material/date_range:")
        try:
            with st.spinner(t("zonas.computing")):
                em, periods = cache.emerging(ds, f.with_(start=s, end=e), resolution=res,
                                             period=period, k=k_ring, use_fdr=use_fdr)
        except InsufficientHistoryError as exc:
            st.warning(t("zonas.em_insufficient", msg=str(exc), unit=unit_pl, min=MIN_SLICES),
                       icon=":material/hourglass_empty:")
        else:
            shown = hv.visible(em, "no_pattern").copy()
            ecounts = shown["key"].value_counts()  # drawn cells: observed or categorised
            shown["count"] = shown["total"].astype("int64")
            hv.draw(shown, "emerging", layers.EMERGING_COLORS, base=base, key="zc_map_em")
            hv.legend(t("zonas.em_legend"), "emerging", hv.EMERGING_ORDER, layers.EMERGING_COLORS,
                   ecounts)
            last_day = (periods[-1] + (pd.DateOffset(weeks=1) if period == "W"
                                       else pd.DateOffset(months=1)) - pd.Timedelta(days=1))
            st.caption(t("zonas.em_summary", n=len(periods), unit=unit_pl,
                         start=fmt_date(periods[0]), end=fmt_date(last_day),
                         cells=fmt_int(len(em))))
            present = [k for k in hv.EMERGING_ORDER if ecounts.get(k, 0)]
            totals = shown.groupby("key")["total"].sum()
            st.markdown(f"**{t('zonas.em_counts')}**")
            st.dataframe(pd.DataFrame({
                t("zonas.col_category"): [hv.label("emerging", k) for k in present],
                t("zonas.col_cells"): [int(ecounts[k]) for k in present],
                t("col.count"): [int(totals.get(k, 0)) for k in present],
            }), hide_index=True, width="stretch", key="zc_em_counts")
            urgent = em[em["key"].isin(["intensifying_hot", "persistent_hot", "new_hot",
                                        "consecutive_hot"])]
            if len(urgent):
                order = {k: i for i, k in enumerate(hv.EMERGING_ORDER)}
                urgent = urgent.assign(_o=urgent["key"].map(order)).sort_values(
                    ["_o", "total"], ascending=[True, False]).head(15)
                st.markdown(f"**{t('zonas.em_top')}**")
                st.dataframe(pd.DataFrame({
                    t("col.district"): urgent["district"].replace("", "—").to_numpy(),
                    t("zonas.col_category"): [hv.label("emerging", k) for k in urgent["key"]],
                    t("col.count"): urgent["total"].astype("int64").to_numpy(),
                    t("zonas.col_hot_periods"): urgent["hot_periods"].astype("int64").to_numpy(),
                    t("col.cell"): urgent["h3_id"].to_numpy(),
                }), hide_index=True, width="stretch", key="zc_em_top")
    hv.explain("zonas.em_explain", unit=unit_pl, min=MIN_SLICES)

# ---- (c) local Moran
with tab_lisa, page.guard():
    st.subheader(t("zonas.lisa_title"))
    with st.spinner(t("zonas.computing")):
        lisa = cache.hotspot_moran(ds, key, resolution=res, k=k_ring, use_fdr=use_fdr,
                                   permutations=MORAN_PERMUTATIONS, seed=SEED)
    lshown = hv.visible(lisa, "not_significant")
    lcounts = lshown["key"].value_counts()  # drawn cells: observed or significant
    hv.draw(lshown, "lisa", layers.CLUSTER_COLORS, base=base, key="zc_map_lisa")
    hv.legend(t("zonas.lisa_legend"), "lisa", hv.LISA_ORDER, layers.CLUSTER_COLORS, lcounts)
    present = [k for k in hv.LISA_ORDER if lcounts.get(k, 0)]
    ltotals = lshown.groupby("key")["count"].sum()
    st.dataframe(pd.DataFrame({
        t("zonas.col_cluster"): [hv.label("lisa", k) for k in present],
        t("zonas.col_cells"): [int(lcounts[k]) for k in present],
        t("col.count"): [int(ltotals.get(k, 0)) for k in present],
    }), hide_index=True, width="stretch", key="zc_lisa_counts")
    hv.explain("zonas.lisa_explain", perms=MORAN_PERMUTATIONS)

# ---- (d) near repeat
with tab_nr, page.guard():
    st.subheader(t("zonas.knox_title"))
    types = cache.type_counts(ds, key)
    sensitive = (types["crime_group"].isin(settings.SENSITIVE_GROUPS)
                 | types["crime_type"].isin(settings.SENSITIVE_TYPES))
    types = types[~sensitive & (types["n"] >= 2)].reset_index(drop=True)
    if types.empty:
        st.info(t("zonas.knox_no_types"), icon=":material/info:")
    else:
        options = types["crime_type"].tolist()
        patr = types.loc[types["crime_group"] == "patrimonio", "crime_type"]
        if st.session_state.get(K_TYPE) not in options:
            st.session_state[K_TYPE] = patr.iloc[0] if len(patr) else options[0]
        n_by_type = dict(zip(types["crime_type"], types["n"], strict=True))
        a, b = st.columns([2, 1])
        type_names = {x: f"{x} ({fmt_int(n)})" for x, n in n_by_type.items()}
        ctype = a.selectbox(t("zonas.knox_type"), options, key=K_TYPE,
                            format_func=type_names.get)
        perms = b.selectbox(t("zonas.knox_perms"), list(KNOX_PERMUTATIONS), key=K_PERMS,
                            help=t("zonas.knox_perms_help"))
        n_type, cap = int(n_by_type[ctype]), KNOX_MAX_INCIDENTS[int(perms)]
        if n_type > cap:
            st.warning(t("zonas.knox_capped", n=fmt_int(n_type), cap=fmt_int(cap),
                         perms=perms), icon=":material/speed:")
        with st.spinner(t("zonas.computing_knox")):
            nr, n_used = cache.near_repeat(ds, f.with_(types=(ctype,)),
                                           permutations=int(perms), seed=SEED, limit=cap)

        hv.knox_results(nr, n_used=n_used, crime_type=ctype, permutations=int(perms),
                        seed=SEED)
    hv.explain("zonas.knox_explain", perms=KNOX_PERMUTATIONS[0],
            pmin=fmt_float(1 / (KNOX_PERMUTATIONS[0] + 1), 2))

# ---- (e) caveats for every tab
with st.expander(t("zonas.caveats_title"), icon=":material/warning:", expanded=False):
    st.markdown(t("zonas.caveats"))
