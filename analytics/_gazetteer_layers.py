"""Add street-line and zone layers to a :class:`~analytics.gazetteer.Gazetteer`.

Private plumbing of :meth:`Gazetteer.build`: lines are projected on the
gazetteer's local plane, merged per (district, street key) and attached to
the street learned from points (or added as a new street whose
representative point is the middle of its lines); crossings come from lines
with different names that intersect; zones give their representative point.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from analytics import address as A
from analytics.gazetteer import _ANY, Gazetteer, _factorize_frame, _pair_key, district_keys


def _project(gaz: Gazetteer, geoms: np.ndarray) -> np.ndarray:
    import shapely

    kx, ky = gaz.plane.kx, gaz.plane.ky
    lon0, lat0 = gaz.lon0, gaz.lat0

    def f(c: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.c_[(c[:, 0] - lon0) * kx, (c[:, 1] - lat0) * ky]
        return out

    out: np.ndarray = shapely.transform(geoms, f)
    return out


def _layer_districts(layer: Any, district_polygons: Any) -> np.ndarray:
    """District key of each feature: its own column, else the polygon holding its middle."""
    if "district" in layer.columns:
        return district_keys(layer["district"].to_numpy())
    if district_polygons is None or not len(district_polygons):
        return np.full(len(layer), "", dtype=object)
    import shapely

    col = "district" if "district" in district_polygons.columns else (
        "ubigeo" if "ubigeo" in district_polygons.columns else None)
    if col is None:
        return np.full(len(layer), "", dtype=object)
    geoms = layer.geometry.to_numpy()
    lineal = np.isin(shapely.get_type_id(geoms), (1, 5))  # LineString, MultiLineString
    mid = np.empty(len(geoms), dtype=object)
    mid[lineal] = shapely.line_interpolate_point(geoms[lineal], 0.5, normalized=True)
    mid[~lineal] = shapely.point_on_surface(geoms[~lineal])
    polys = district_polygons.to_crs(4326) if district_polygons.crs is not None else \
        district_polygons
    tree = shapely.STRtree(polys.geometry.to_numpy())
    idx = tree.query(mid, predicate="intersects")
    keys = district_keys(polys[col].to_numpy())
    out = np.full(len(layer), "", dtype=object)
    out[idx[0]] = keys[idx[1]]
    return out


def _merge(geoms: np.ndarray) -> Any:
    """One lineal geometry from several lines (no noding: contiguous parts are joined)."""
    import shapely

    parts = shapely.get_parts(geoms)
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2))]  # LineString, LinearRing
    if len(parts) == 1:
        return parts[0]
    return shapely.line_merge(shapely.multilinestrings(parts))


def _merge_groups(geoms: np.ndarray, groups: np.ndarray, n_groups: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_merge` of each group of lines (``groups`` sorted) and each merge's middle point.

    Returns the merged geometries (``None`` for a group without lines) and an
    ``(n_groups, 2)`` array of middle points (NaN when none).
    """
    import shapely

    parts, owner = shapely.get_parts(geoms, return_index=True)
    linear = np.isin(shapely.get_type_id(parts), (1, 2))
    parts, grp = parts[linear], np.asarray(groups)[owner[linear]]
    out = np.full(n_groups, None, dtype=object)
    mid = np.full((n_groups, 2), np.nan)
    if not len(parts):
        return out, mid
    present = np.unique(grp)
    dense = np.searchsorted(present, grp)  # 0..k-1, sorted like grp
    multi = shapely.multilinestrings(parts, indices=dense)
    single = np.bincount(dense) == 1
    merged = shapely.line_merge(multi)
    first = np.searchsorted(dense, np.arange(len(present)))
    merged[single] = parts[first[single]]  # one line: kept as it is
    out[present] = merged
    c = shapely.get_coordinates(shapely.line_interpolate_point(merged, 0.5, normalized=True),
                                return_index=True)
    mid[present[c[1]]] = c[0]
    return out, mid


def _rebuild(gaz: Gazetteer, streets: pd.DataFrame, nodes: pd.DataFrame,
             named: pd.DataFrame, lines: dict[int, Any]) -> Gazetteer:
    nodes = nodes.sort_values(["sid", "pos"], kind="stable").reset_index(drop=True)
    return dataclasses.replace(
        gaz,
        street_district=streets["d"].to_numpy(dtype=object),
        street_key=streets["key"].to_numpy(dtype=object),
        street_type=streets["type"].to_numpy(dtype=object),
        street_x=streets["x"].to_numpy(dtype=np.float64),
        street_y=streets["y"].to_numpy(dtype=np.float64),
        street_n=streets["n"].to_numpy(dtype=np.int32),
        node_sid=nodes["sid"].to_numpy(dtype=np.int32),
        node_pos=nodes["pos"].to_numpy(dtype=np.float64),
        node_x=nodes["x"].to_numpy(dtype=np.float64),
        node_y=nodes["y"].to_numpy(dtype=np.float64),
        node_n=nodes["n"].to_numpy(dtype=np.int32),
        named=named.reset_index(drop=True), lines=lines)


def add_street_lines(gaz: Gazetteer, layer: Any, *, district_polygons: Any = None
                     ) -> Gazetteer:
    """Attach street lines (and their crossings, and numbering if any) to a gazetteer."""
    import shapely

    parts = A.parse_addresses(layer["name"].to_numpy(dtype=object))
    key = parts["street"].to_numpy(dtype=object)
    stype = parts["street_type"].to_numpy(dtype=object)
    keep = key != ""
    dk = _layer_districts(layer, district_polygons)
    geoms = _project(gaz, layer.geometry.to_numpy())
    streets = pd.DataFrame({"d": gaz.street_district, "key": gaz.street_key,
                            "type": gaz.street_type, "x": gaz.street_x, "y": gaz.street_y,
                            "n": gaz.street_n})
    nodes = pd.DataFrame({"sid": gaz.node_sid, "pos": gaz.node_pos, "x": gaz.node_x,
                          "y": gaz.node_y, "n": gaz.node_n})
    lines = dict(gaz.lines)
    index = {(d, k): i for i, (d, k) in enumerate(zip(streets["d"], streets["key"],
                                                      strict=True))}
    new_rows: list[dict[str, Any]] = []
    new_nodes: list[dict[str, Any]] = []
    fi = np.flatnonzero(keep)
    fd = dk[fi]
    with_d = fi[fd != ""]
    gi = np.concatenate([with_d, fi])
    gd = np.concatenate([dk[with_d], np.full(len(fi), _ANY, dtype=object)])
    codes, uniq = _factorize_frame(pd.DataFrame({"d": gd, "key": key[gi]}))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniq) + 1))
    has_num = "num_from" in layer.columns and "num_to" in layer.columns
    num_from = layer["num_from"].to_numpy(dtype=float) if has_num else None
    num_to = layer["num_to"].to_numpy(dtype=float) if has_num else None
    # every group's lines merged at once (one GEOS call, not one per street)
    merged_all, mid = _merge_groups(geoms[gi[order]], codes[order], len(uniq))
    sorted_codes = codes[order]
    type_of = pd.DataFrame({"g": sorted_codes, "t": stype[gi[order]]})
    type_of = type_of[type_of["t"] != ""].groupby("g")["t"].agg(
        lambda s: Counter(s).most_common(1)[0][0]).to_dict()
    for g, (d, k) in enumerate(zip(uniq["d"].to_numpy(dtype=object),
                                   uniq["key"].to_numpy(dtype=object), strict=True)):
        members = gi[order[bounds[g]:bounds[g + 1]]]
        merged = merged_all[g]
        if merged is None or merged.is_empty:
            continue
        sid = index.get((d, k))
        if sid is None:
            sid = len(streets) + len(new_rows)
            index[(d, k)] = sid
            new_rows.append({"d": d, "key": k, "type": type_of.get(g, ""),
                             "x": float(mid[g, 0]), "y": float(mid[g, 1]), "n": 0})
        elif sid in lines:
            merged = _merge(np.array([lines[sid], merged], dtype=object))
        lines[sid] = merged
        if num_from is not None and num_to is not None:
            for i in members:
                a, b = num_from[i], num_to[i]
                if not (np.isfinite(a) and np.isfinite(b)):
                    continue
                scale = 100.0 if max(a, b) >= 100 else 1.0
                c2 = shapely.get_coordinates(geoms[i])
                new_nodes.append({"sid": sid, "pos": a / scale, "x": c2[0, 0], "y": c2[0, 1],
                                  "n": 1})
                new_nodes.append({"sid": sid, "pos": b / scale, "x": c2[-1, 0],
                                  "y": c2[-1, 1], "n": 1})
    if new_rows:
        streets = pd.concat([streets, pd.DataFrame(new_rows)], ignore_index=True)
    if new_nodes:
        nn = pd.DataFrame(new_nodes).groupby(["sid", "pos"], as_index=False).agg(
            x=("x", "mean"), y=("y", "mean"), n=("n", "sum"))
        nodes = pd.concat([nodes, nn], ignore_index=True)
    named = pd.concat([gaz.named, _line_crossings(geoms[keep], key[keep], dk[keep], gaz.named)],
                      ignore_index=True)
    return _rebuild(gaz, streets, nodes, named, lines)


def _line_crossings(geoms: np.ndarray, key: np.ndarray, dk: np.ndarray,
                    known: pd.DataFrame) -> pd.DataFrame:
    """Crossings of lines with different street keys (first point of each pair and district)."""
    import shapely

    empty = pd.DataFrame({"kind": [], "district": [], "key": [], "x": [], "y": [], "n": []})
    if len(geoms) < 2:
        return empty
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    m = (i < j) & (key[i] != key[j])
    i, j = i[m], j[m]
    if len(i) == 0:
        return empty
    inter = shapely.intersection(geoms[i], geoms[j])
    coords, which = shapely.get_coordinates(inter, return_index=True)
    first = np.unique(which, return_index=True)
    rows = first[0]
    cx, cy = coords[first[1], 0], coords[first[1], 1]
    pair = np.array([_pair_key(a, b) for a, b in zip(key[i[rows]], key[j[rows]], strict=True)],
                    dtype=object)
    d = np.where(dk[i[rows]] != "", dk[i[rows]], dk[j[rows]])
    frame = pd.DataFrame({"district": d, "key": pair, "x": cx, "y": cy})
    frame = pd.concat([frame[frame["district"] != ""], frame.assign(district=_ANY)],
                      ignore_index=True)
    frame = frame.drop_duplicates(["district", "key"], keep="first")
    have = set(zip(known["district"][known["kind"] == "x"], known["key"][known["kind"] == "x"],
                   strict=True))
    frame = frame[[(a, b) not in have for a, b in zip(frame["district"], frame["key"],
                                                      strict=True)]]
    return pd.DataFrame({"kind": "x", "district": frame["district"], "key": frame["key"],
                         "x": frame["x"], "y": frame["y"], "n": 0})


def add_zones(gaz: Gazetteer, zones: Any, *, district_polygons: Any = None) -> Gazetteer:
    """Add zone representative points (polygons or points with a ``name``)."""
    import shapely

    names = zones["name"].astype(str).to_numpy(dtype=object)
    parts = A.parse_addresses(names)
    zkey = np.where(parts["zone"].to_numpy(dtype=object) != "",
                    parts["zone"].to_numpy(dtype=object),
                    np.array([A.name_to_key(n) for n in names], dtype=object))
    dk = _layer_districts(zones, district_polygons)
    pts = _project(gaz, shapely.point_on_surface(zones.geometry.to_numpy()))
    c = shapely.get_coordinates(pts)
    frame = pd.DataFrame({"district": dk, "key": zkey, "x": c[:, 0], "y": c[:, 1]})
    frame = frame[frame["key"] != ""]
    frame = pd.concat([frame[frame["district"] != ""], frame.assign(district=_ANY)],
                      ignore_index=True).drop_duplicates(["district", "key"])
    return _add_named(gaz, frame, "z")


def _points_districts(frame: pd.DataFrame, district_polygons: Any) -> np.ndarray:
    if "district" in frame.columns:
        return district_keys(frame["district"].to_numpy())
    if district_polygons is None or not len(district_polygons):
        return np.full(len(frame), "", dtype=object)
    import geopandas as gpd

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326)
    return _layer_districts(pts, district_polygons)


def add_street_points(gaz: Gazetteer, points: pd.DataFrame, *, district_polygons: Any = None
                      ) -> Gazetteer:
    """Add points known to lie on named streets (``name, lat, lon``; e.g. bus stops).

    A street not yet known gets, as representative point, its point nearest
    to the median of its points (so it lies on the street).
    """
    parts = A.parse_addresses(points["name"].astype(str).to_numpy(dtype=object))
    key = parts["street"].to_numpy(dtype=object)
    stype = parts["street_type"].to_numpy(dtype=object)
    x, y = gaz.plane.to_xy(pd.to_numeric(points["lat"], errors="coerce").to_numpy(),
                           pd.to_numeric(points["lon"], errors="coerce").to_numpy())
    dk = _points_districts(points, district_polygons)
    ok = (key != "") & np.isfinite(x) & np.isfinite(y)
    frame = pd.DataFrame({"d": dk, "key": key, "type": stype, "x": x, "y": y})[ok]
    frame = pd.concat([frame[frame["d"] != ""], frame.assign(d=_ANY)], ignore_index=True)
    med = frame.groupby(["d", "key"])[["x", "y"]].transform("median")
    frame["dist"] = np.hypot(frame["x"] - med["x"], frame["y"] - med["y"])
    rep = frame.sort_values("dist", kind="stable").drop_duplicates(["d", "key"])
    known = set(zip(gaz.street_district, gaz.street_key, strict=True))
    rep = rep[[(a, b) not in known for a, b in zip(rep["d"], rep["key"], strict=True)]]
    streets = pd.DataFrame({"d": np.concatenate([gaz.street_district, rep["d"].to_numpy()]),
                            "key": np.concatenate([gaz.street_key, rep["key"].to_numpy()]),
                            "type": np.concatenate([gaz.street_type, rep["type"].to_numpy()]),
                            "x": np.concatenate([gaz.street_x, rep["x"].to_numpy()]),
                            "y": np.concatenate([gaz.street_y, rep["y"].to_numpy()]),
                            "n": np.concatenate([gaz.street_n, np.zeros(len(rep), np.int32)])})
    nodes = pd.DataFrame({"sid": gaz.node_sid, "pos": gaz.node_pos, "x": gaz.node_x,
                          "y": gaz.node_y, "n": gaz.node_n})
    return _rebuild(gaz, streets, nodes, gaz.named, dict(gaz.lines))


def add_crossings(gaz: Gazetteer, crossings: pd.DataFrame, *, district_polygons: Any = None
                  ) -> Gazetteer:
    """Add known crossings (``street_a, street_b, lat, lon``; e.g. route intersections)."""
    a = A.parse_addresses(crossings["street_a"].astype(str).to_numpy(dtype=object))["street"]
    b = A.parse_addresses(crossings["street_b"].astype(str).to_numpy(dtype=object))["street"]
    x, y = gaz.plane.to_xy(pd.to_numeric(crossings["lat"], errors="coerce").to_numpy(),
                           pd.to_numeric(crossings["lon"], errors="coerce").to_numpy())
    dk = _points_districts(crossings, district_polygons)
    ka, kb = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    ok = (ka != "") & (kb != "") & (ka != kb) & np.isfinite(x)
    pair = np.array([_pair_key(p, q) for p, q in zip(ka[ok], kb[ok], strict=True)], dtype=object)
    frame = pd.DataFrame({"district": dk[ok], "key": pair, "x": x[ok], "y": y[ok]})
    frame = pd.concat([frame[frame["district"] != ""], frame.assign(district=_ANY)],
                      ignore_index=True).drop_duplicates(["district", "key"])
    return _add_named(gaz, frame, "x")


def _add_named(gaz: Gazetteer, frame: pd.DataFrame, kind: str) -> Gazetteer:
    """Add named points of ``kind`` (``district, key, x, y``) the gazetteer does not hold yet."""
    mine = gaz.named["kind"] == kind
    have = set(zip(gaz.named["district"][mine], gaz.named["key"][mine], strict=True))
    frame = frame[[(d, k) not in have for d, k in zip(frame["district"], frame["key"],
                                                      strict=True)]]
    add = pd.DataFrame({"kind": kind, "district": frame["district"], "key": frame["key"],
                        "x": frame["x"], "y": frame["y"], "n": 0})
    return dataclasses.replace(gaz, named=pd.concat([gaz.named, add], ignore_index=True))
