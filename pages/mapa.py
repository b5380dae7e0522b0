"""Mapa: H3 hexagons coloured by count or rate, time player, district outlines, cell profile.

The ``publico`` role sees only the published cells of the public release
(``analytics.disclosure``) for one published period, at resolution 6-8: no time
player, no points, no cell profile.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import explore, hexbin, settings
from ui import cache, charts, filters as F, layers, page, placement, zone_views
from ui.i18n import fmt_date, fmt_float, fmt_int, lang, t, weekday_name

ctx = page.context()
assert ctx is not None
f, ds, public = ctx.filters, ctx.dataset_id, ctx.session.public
ss = st.session_state
res = min(f.resolution, settings.PUBLIC_MAX_RESOLUTION) if public else f.resolution  # 6-8
key = f  # the query is the cache key

st.title(t("mapa.title"))
F.page_view_state({"color": (F.K_MAP_METRIC, {"conteo": "count", "tasa": "rate"}),
                   "vista": (F.K_MAP_3D, {"2d": False, "3d": True}),
                   "paso": (F.K_MAP_STEP, {"todo": "none", "hora": "hour", "semana": "week"})})
c1, c2, c3, c4 = st.columns([1.3, 0.8, 1.2, 1.3])
metric = c1.radio(t("mapa.metric"), ["count", "rate"], key=F.K_MAP_METRIC, horizontal=True,
                  format_func=lambda m: t("mapa.metric_count" if m == "count" else
                                          "mapa.metric_rate"))
view3d = c2.toggle(t("mapa.view3d"), key=F.K_MAP_3D)
show_points = c3.toggle(t("mapa.points"), key=F.K_MAP_POINTS, disabled=public,
                        help=t("mapa.points_public") if public else t("mapa.points_help"))
step = c4.selectbox(t("mapa.step"), ["none", "hour", "week"], key=F.K_MAP_STEP,
                    format_func=lambda s: t(f"mapa.step_{s}"), disabled=public)
if public:  # per-frame counts are not published (they would be small)
    step = "none"

with page.guard():
    if zone_views.map_by_zone(ds, key, public=public):  # zone polygons instead of hexagons
        st.stop()
    if public:  # only the release's published cells, summed (analytics.disclosure)
        cells = cache.public_cell_counts(ds, key, resolution=res)
    else:
        cells = cache.cell_counts(ds, key, resolution=res)
    if cells.empty:
        st.info(t("app.empty_filter"), icon=":material/filter_alt_off:")
        st.stop()
    placement.unplaced_note(ds, key)
    value = "n" if metric == "count" else "rate_km2"
    digits = 0 if metric == "count" else 1
    basemap = cache.basemap_available()
    bbox = layers.bbox_of(cells["lat"], cells["lon"])
    base_layers = [layers.district_layer(cache.districts_in_view(bbox))]
    view = layers.view_for(cells["lat"], cells["lon"], weights=cells["n"],
                           pitch=45 if view3d else 0)
    top_layers = []
    if show_points and not public:
        top_layers.append(layers.points_layer(cache.incident_points(ds, key)))
    legend_title = t("mapa.metric_count" if metric == "count" else "mapa.metric_rate")
    area = hexbin.cell_area_km2(res)
    selected: str | None = None

    if step == "none":
        breaks = layers.class_breaks(cells[value])
        show = cells[["h3_id", "n", "rate_km2", "top_types", "peak_hour"]].copy()
        show["rate_txt"] = [fmt_float(x) for x in show["rate_km2"]]
        show["peak_txt"] = [f"{int(h):02d}" if pd.notna(h) else "—" for h in show["peak_hour"]]
        show["top_types"] = show["top_types"].fillna("")
        show = layers.colorize(show.drop(columns=["peak_hour"]), value, breaks)
        show = show.drop(columns=["rate_km2"])  # tooltip uses rate_txt; smaller spec
        tip = {"html": t("mapa.tooltip", n="{n}", rate="{rate_txt}", top="{top_types}",
                         peak="{peak_txt}"),
               "style": {"fontSize": "12px"}}
        deck = layers.deck([*base_layers, layers.hex_layer(show, extruded=view3d,
                                                         elevation_m=layers.ELEVATION_M[res]),
                            *top_layers],
                           view, basemap=basemap, tooltip=tip)
        event = st.pydeck_chart(deck, height=560, on_select="rerun",
                                selection_mode="single-object", key=F.K_MAP_SELECT)
        objs = (event.selection.get("objects", {}) if event is not None else {}) or {}
        picked = objs.get(layers.HEX_LAYER_ID) or []
        if picked:
            selected = str(picked[0].get("h3_id"))
        st.markdown(layers.legend_html(legend_title, breaks, vmin=float(cells[value].min()),
                                       digits=digits, decimal_comma=lang() == "es"),
                    unsafe_allow_html=True)
    else:
        frames = cache.cell_frames(ds, key, resolution=res, step=step)
        if public:
            frames = frames[frames["h3_id"].isin(set(cells["h3_id"]))]
        frames = frames.assign(rate_km2=frames["n"] / area)
        breaks = layers.class_breaks(frames[value])
        vmin_all = float(frames[value].min()) if len(frames) else 0.0
        labels = explore.frame_labels(step, frames["frame"].unique())
        n_frames = max(len(labels), 1)

        def label(i: int) -> str:
            """The frame's caption (hour of day or week start)."""
            v = labels[i]
            return (t("mapa.frame_hour", h=int(v)) if step == "hour"
                    else t("mapa.frame_week", d=fmt_date(v)))

        def _sync_idx() -> None:
            ss[F.K_MAP_FRAME_IDX] = ss[F.K_MAP_FRAME]

        st.toggle(t("mapa.play"), key=F.K_MAP_PLAY)
        playing = bool(ss.get(F.K_MAP_PLAY))

        @st.fragment(run_every=1.5 if playing else None)
        def player() -> None:
            """One frame of the time player (reruns alone while playing)."""
            idx = int(ss.get(F.K_MAP_FRAME_IDX, 0)) % n_frames
            if ss.get(F.K_MAP_PLAY):
                idx = (idx + 1) % n_frames
                ss[F.K_MAP_FRAME_IDX] = idx
                st.progress((idx + 1) / n_frames, text=label(idx))
            else:
                ss[F.K_MAP_FRAME] = idx
                st.select_slider(t("mapa.frame"), options=list(range(n_frames)),
                                 format_func=label, key=F.K_MAP_FRAME, on_change=_sync_idx)
            cur = frames[frames["frame"] == labels[idx]] if labels else frames.iloc[0:0]
            show = layers.colorize(cur[["h3_id", "n", "rate_km2"]], value, breaks)
            tip = {"html": t("mapa.tooltip_frame", n="{n}"), "style": {"fontSize": "12px"}}
            deck = layers.deck([*base_layers, layers.hex_layer(
                show, extruded=view3d, elevation_m=layers.ELEVATION_M[res]),
                                *top_layers], view, basemap=basemap, tooltip=tip)
            st.pydeck_chart(deck, height=560)
            st.markdown(layers.legend_html(legend_title, breaks, vmin=vmin_all, digits=digits,
                                           note=t("mapa.legend_fixed"),
                                           decimal_comma=lang() == "es"),
                        unsafe_allow_html=True)

        player()

    notes = [t("mapa.summary", n=fmt_int(cells["n"].sum()), cells=fmt_int(len(cells)), res=res)]
    if public:
        notes.append(t("mapa.suppressed", k=settings.PUBLIC_MIN_COUNT))
    if not basemap:
        notes.append(t("mapa.basemap_off"))
    st.caption(" ".join(notes))

    # ---- profile of one hexagon
    if public:  # a cell profile (hours, types) would publish small counts
        st.stop()
    st.subheader(t("mapa.profile"))
    choices = cells.head(200)
    names = {r.h3_id: f"{r.district or '—'} · {fmt_int(r.n)} · {r.h3_id}"
             for r in choices[["h3_id", "district", "n"]].itertuples(index=False)}
    if selected and selected != ss.get("_map_last_pick") and selected in set(cells["h3_id"]):
        ss["_map_last_pick"] = selected
        ss[F.K_MAP_CELL] = selected
        if selected not in names:
            row = cells[cells["h3_id"] == selected].iloc[0]
            names[selected] = f"{row['district'] or '—'} · {fmt_int(row['n'])} · {selected}"
    if ss.get(F.K_MAP_CELL) not in names:
        ss[F.K_MAP_CELL] = next(iter(names))
    cell = st.selectbox(t("mapa.pick_cell"), list(names), format_func=names.get,
                        key=F.K_MAP_CELL)
    prof = cache.cell_profile(ds, key, cell, resolution=res)
    district = cells.loc[cells["h3_id"] == cell, "district"]
    st.caption(t("mapa.profile_head", n=fmt_int(prof.total), cell=cell,
                 district=(district.iloc[0] if len(district) and district.iloc[0] else "—")))
    a, b = st.columns(2)
    a.markdown(f"**{t('mapa.hours')}**")
    a.altair_chart(charts.bars(prof.hours, x_title=t("col.hour"),
                               labels=[f"{h:02d}" for h in range(24)]), width="stretch")
    b.markdown(f"**{t('mapa.weekdays')}**")
    b.altair_chart(charts.bars(prof.weekdays, x_title=t("col.weekday"),
                               labels=[weekday_name(d)[:3] for d in range(7)]), width="stretch")
    a, b = st.columns(2)
    a.markdown(f"**{t('mapa.types')}**")
    a.dataframe(prof.types.rename(columns={"crime_type": t("col.type"), "n": t("col.count")}),
                hide_index=True, width="stretch")
    b.markdown(f"**{t('mapa.trend')}**")
    b.altair_chart(charts.trend_line(prof.weekly), width="stretch")
