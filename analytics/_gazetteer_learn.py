"""How a :class:`~analytics.gazetteer.Gazetteer` learns from known points (private).

Streets (per district and city-wide), block centres (median of each block's
points, shrunk towards the street's neighbouring blocks when made of few
points), the street type written for one street merged, the weight of house
numbers inside a block, and the crossings, places and zones written in the
addresses. Grouping runs on integer codes: a million points learn in seconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics import settings
from analytics.gazetteer import _ANY, _BLOCK_SCALE, _pair_key


def group_median(keys: list[np.ndarray], x: np.ndarray, y: np.ndarray
                  ) -> tuple[pd.DataFrame, np.ndarray]:
    """Median x, y, count and median distance to the median (spread) per key combination.

    Keys are numpy arrays (object or integer); grouping runs on integer codes.
    Returns the grouped frame (key columns ``k0, k1…``, object or integer) and
    each input row's group code (0..k-1).
    """
    n = len(x)
    codes = np.zeros(n, dtype=np.int64)
    parts = []
    for k in keys:
        c, u = pd.factorize(np.asarray(k), use_na_sentinel=False)
        parts.append((c, np.asarray(u)))
        codes, _ = pd.factorize(codes * (len(u) + 1) + c)
        codes = codes.astype(np.int64)
    m = int(codes.max()) + 1 if n else 0
    first = np.full(m, n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n))
    cols: dict[str, Any] = {}
    for i, (c, u) in enumerate(parts):
        vals = u[c[first]]
        cols[f"k{i}"] = pd.Series(vals, dtype=object) if vals.dtype == object else vals
    g = pd.DataFrame({"c": codes, "x": x, "y": y}).groupby("c", sort=True)
    med = g[["x", "y"]].median()
    mx, my = med["x"].to_numpy(), med["y"].to_numpy()
    spread = pd.Series(np.hypot(x - mx[codes], y - my[codes])).groupby(codes).median()
    uniq = pd.DataFrame(cols)
    uniq["x"] = mx
    uniq["y"] = my
    uniq["n"] = np.bincount(codes, minlength=m)
    uniq["spread"] = spread.to_numpy()
    return uniq, codes


def _trim_to_mean(groups: pd.DataFrame, codes: np.ndarray, x: np.ndarray, y: np.ndarray, *,
                  radius: float) -> None:
    """Replace each group's median by the mean of its points within ``radius`` of it (in place).

    A block's incidents spread along the block; their median falls on one
    often-repeated address, their mean on the block's middle, which is nearer
    to most of them. Points farther than ``radius`` (another block written
    with this number, a bad point) are left out.
    """
    if radius <= 0 or not len(codes):
        return
    mx, my = groups["x"].to_numpy(), groups["y"].to_numpy()
    near = np.hypot(x - mx[codes], y - my[codes]) <= radius
    m = len(groups)
    cnt = np.bincount(codes[near], minlength=m).astype(np.float64)
    sx = np.bincount(codes[near], weights=x[near], minlength=m)
    sy = np.bincount(codes[near], weights=y[near], minlength=m)
    ok = cnt > 0
    mx, my = mx.copy(), my.copy()
    mx[ok], my[ok] = sx[ok] / cnt[ok], sy[ok] / cnt[ok]
    groups["x"], groups["y"] = mx, my


def learn_streets(frame: pd.DataFrame, *, min_shrink_n: float, any_code: int
                   ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Street table (district-level and city-wide), block nodes and the offset weight.

    ``frame`` holds integer codes ``d``, ``key``, ``type``; the city-wide
    copy of each row gets district code ``any_code``. The street table keeps
    the codes (the caller maps them back to text).
    """
    both = pd.concat([frame, frame.assign(d=any_code)], ignore_index=True)
    bx, by = both["x"].to_numpy(), both["y"].to_numpy()
    rtype = _merge_types(both, bx, by)
    streets, sid = group_median([both["d"].to_numpy(), both["key"].to_numpy(), rtype], bx, by)
    streets = streets.rename(columns={"k0": "d", "k1": "key", "k2": "type"})
    blk = both["block"].to_numpy()
    has = blk >= 0
    nodes, ncode = group_median([sid[has], blk[has]], both["x"].to_numpy()[has],
                                 both["y"].to_numpy()[has])
    _trim_to_mean(nodes, ncode, both["x"].to_numpy()[has], both["y"].to_numpy()[has],
                  radius=settings.GEOCODE_BLOCK_TRIM_M)
    nodes = nodes.rename(columns={"k0": "sid", "k1": "block"})
    nodes["pos"] = nodes["block"].to_numpy() + 0.5
    nodes = nodes.sort_values(["sid", "pos"], kind="stable").reset_index(drop=True)
    weight = _offset_weight(both[: len(frame)], sid[: len(frame)], nodes)
    _shrink_nodes(nodes, min_shrink_n=min_shrink_n)
    # representative point of each street: its known block nearest to its median point
    if len(nodes):
        nsid = nodes["sid"].to_numpy()
        d2 = (nodes["x"].to_numpy() - streets["x"].to_numpy()[nsid]) ** 2 + (
            nodes["y"].to_numpy() - streets["y"].to_numpy()[nsid]) ** 2
        best = pd.Series(d2).groupby(nsid).idxmin()
        sx = streets["x"].to_numpy().copy()
        sy = streets["y"].to_numpy().copy()
        sx[best.index.to_numpy()] = nodes["x"].to_numpy()[best.to_numpy()]
        sy[best.index.to_numpy()] = nodes["y"].to_numpy()[best.to_numpy()]
        streets["x"], streets["y"] = sx, sy
    return streets, nodes, weight


def _merge_types(both: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Street type of each row, with types written for the same street merged.

    One street is often written with several types (``JR.``/``CALLE``, a
    missing type). Per (district, key), a type whose points' median lies
    within ``GEOCODE_TYPE_MERGE_M`` of the most used type's median is taken
    as that type; a type farther away is another street (``PARK AVE`` and
    ``PARK LN``).
    """
    g1, c1 = group_median([both["d"].to_numpy(), both["key"].to_numpy(),
                            both["type"].to_numpy()], x, y)
    g1 = g1.rename(columns={"k0": "d", "k1": "key", "k2": "type"})
    dom = g1.loc[g1.groupby(["d", "key"], sort=False)["n"].idxmax(),
                 ["d", "key", "type", "x", "y"]].rename(
        columns={"type": "dtype", "x": "dx", "y": "dy"})
    g1 = g1.merge(dom, on=["d", "key"], how="left")
    far = np.hypot(g1["x"] - g1["dx"], g1["y"] - g1["dy"]) > settings.GEOCODE_TYPE_MERGE_M
    new = np.where(far.to_numpy(), g1["type"].to_numpy(), g1["dtype"].to_numpy())
    out: np.ndarray = new[c1]
    return out


def _neighbour_line(nodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each node's position on the line through its previous and next nodes (same street)."""
    sid = nodes["sid"].to_numpy()
    pos = nodes["pos"].to_numpy()
    x = nodes["x"].to_numpy()
    y = nodes["y"].to_numpy()
    n = len(sid)
    ix = np.full(n, np.nan)
    iy = np.full(n, np.nan)
    if n < 3:
        return ix, iy, np.zeros(n, dtype=bool)
    inner = np.zeros(n, dtype=bool)
    inner[1:-1] = (sid[:-2] == sid[1:-1]) & (sid[2:] == sid[1:-1])
    i = np.flatnonzero(inner)
    w = (pos[i] - pos[i - 1]) / (pos[i + 1] - pos[i - 1])
    ix[i] = x[i - 1] + w * (x[i + 1] - x[i - 1])
    iy[i] = y[i - 1] + w * (y[i + 1] - y[i - 1])
    return ix, iy, inner


def _shrink_nodes(nodes: pd.DataFrame, *, min_shrink_n: float) -> None:
    """Pull block centres made of few points towards their street's neighbouring blocks."""
    if min_shrink_n <= 0 or len(nodes) < 3:
        return
    ix, iy, inner = _neighbour_line(nodes)
    pos = nodes["pos"].to_numpy()
    span = np.zeros(len(pos))
    span[1:-1] = pos[2:] - pos[:-2]
    use = inner & (span <= 4.0)
    n = nodes["n"].to_numpy().astype(np.float64)
    w = n / (n + min_shrink_n)
    x = nodes["x"].to_numpy().copy()
    y = nodes["y"].to_numpy().copy()
    x[use] = w[use] * x[use] + (1 - w[use]) * ix[use]
    y[use] = w[use] * y[use] + (1 - w[use]) * iy[use]
    nodes["x"], nodes["y"] = x, y


def _offset_weight(frame: pd.DataFrame, sid: np.ndarray, nodes: pd.DataFrame) -> float:
    """How far house numbers move a point along its block, learned from the known points.

    Regresses each point's position along its street (relative to its block's
    centre, in blocks) on its house number's offset within the block. 1 when
    numbers place points as expected; near 0 when they carry no position
    (numbers written without care, or made up); the default when too few.
    """
    off = frame["offset"].to_numpy()
    blk = frame["block"].to_numpy()
    use = (off >= 0) & (blk >= 0)
    if use.sum() < settings.GEOCODE_OFFSET_MIN_POINTS or len(nodes) < 3:
        return settings.GEOCODE_OFFSET_WEIGHT
    nsid = nodes["sid"].to_numpy()
    nblk = nodes["block"].to_numpy()
    nx, ny = nodes["x"].to_numpy(), nodes["y"].to_numpy()
    npos = nodes["pos"].to_numpy()
    code_nodes = nsid.astype(np.int64) * _BLOCK_SCALE + nblk
    code = sid[use].astype(np.int64) * _BLOCK_SCALE + blk[use]
    j = np.searchsorted(code_nodes, code)
    j = np.clip(j, 1, len(code_nodes) - 2)
    found = code_nodes[j] == code
    inner = (nsid[j - 1] == nsid[j]) & (nsid[j + 1] == nsid[j]) & found
    j = j[inner]
    span = npos[j + 1] - npos[j - 1]
    vx = (nx[j + 1] - nx[j - 1]) / span
    vy = (ny[j + 1] - ny[j - 1]) / span
    v2 = vx * vx + vy * vy
    # reference: the block's middle on the line through its neighbours (which do not
    # contain the point itself, so the slope is not shrunk towards 0)
    w = npos[j] - npos[j - 1]
    px = frame["x"].to_numpy()[use][inner] - (nx[j - 1] + w * vx)
    py = frame["y"].to_numpy()[use][inner] - (ny[j - 1] + w * vy)
    ok = v2 > 1.0
    if ok.sum() < settings.GEOCODE_OFFSET_MIN_POINTS:
        return settings.GEOCODE_OFFSET_WEIGHT
    s = (px * vx + py * vy)[ok] / v2[ok]
    d = (off[use][inner][ok] + 0.5) / 100.0 - 0.5
    s = np.clip(s, -1.0, 1.0)
    beta = float(np.sum(s * d) / max(float(np.sum(d * d)), 1e-9))
    return float(np.clip(beta, 0.0, 1.0))


def learn_named(d: np.ndarray, x: np.ndarray, y: np.ndarray, parts: pd.DataFrame, *,
                 place_max_spread_m: float, zone_max_spread_m: float) -> pd.DataFrame:
    """Crossings, places and zones written in the known points' addresses."""
    out = []
    key = parts["street"].to_numpy(dtype=object)
    cross = parts["cross_street"].to_numpy(dtype=object)
    m = (key != "") & (cross != "")
    if m.any():
        pair = np.array([_pair_key(a, b) for a, b in zip(key[m], cross[m], strict=True)],
                        dtype=object)
        for dd in (d[m], np.full(int(m.sum()), _ANY, dtype=object)):
            g, _ = group_median([dd, pair], x[m], y[m])
            g = g[g["spread"] <= place_max_spread_m]
            out.append(pd.DataFrame({"kind": "x", "district": g["k0"], "key": g["k1"],
                                     "x": g["x"], "y": g["y"], "n": g["n"]}))
    place = parts["place"].to_numpy(dtype=object)
    m = place != ""
    if m.any():
        g, _ = group_median([d[m], place[m]], x[m], y[m])
        g = g[(g["n"] >= 2) & (g["spread"] <= place_max_spread_m)]
        out.append(pd.DataFrame({"kind": "p", "district": g["k0"], "key": g["k1"],
                                 "x": g["x"], "y": g["y"], "n": g["n"]}))
    zone = parts["zone"].to_numpy(dtype=object)
    m = zone != ""
    if m.any():
        for dd in (d[m], np.full(int(m.sum()), _ANY, dtype=object)):
            g, _ = group_median([dd, zone[m]], x[m], y[m])
            g = g[g["spread"] <= zone_max_spread_m]
            out.append(pd.DataFrame({"kind": "z", "district": g["k0"], "key": g["k1"],
                                     "x": g["x"], "y": g["y"], "n": g["n"]}))
    if not out:
        return pd.DataFrame({"kind": [], "district": [], "key": [], "x": [], "y": [], "n": []})
    return pd.concat(out, ignore_index=True)


def learn_districts(dcode: np.ndarray, dnames: np.ndarray, x: np.ndarray, y: np.ndarray
                     ) -> pd.DataFrame:
    """Centre and reach of each district's known points (districts as integer codes)."""
    keep = dnames[dcode] != ""
    f = pd.DataFrame({"d": dcode[keep], "x": x[keep], "y": y[keep]})
    if f.empty:
        return pd.DataFrame({"district": [], "x": [], "y": [], "radius": []})
    med = f.groupby("d")[["x", "y"]].median()
    dc = f["d"].to_numpy()
    dist = np.hypot(f["x"].to_numpy() - med["x"].reindex(dc).to_numpy(),
                    f["y"].to_numpy() - med["y"].reindex(dc).to_numpy())
    q = pd.Series(dist).groupby(dc).quantile(0.98)
    radius = q.reindex(med.index).to_numpy() * 1.25 + settings.GEOCODE_DISTRICT_MARGIN_M
    return pd.DataFrame({"district": pd.Series(dnames[med.index.to_numpy()], dtype=object),
                         "x": med["x"].to_numpy(), "y": med["y"].to_numpy(), "radius": radius})
