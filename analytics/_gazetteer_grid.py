"""Gazetteer lookups that use the street grid and the street lines (private).

Plumbing of :class:`~analytics.gazetteer.Gazetteer`: the same cuadra of parallel streets
(numbering in step across a grid), the street's known cuadra nearest to a far one, and the
street lines of a layer (cuadras along them, points put onto them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from analytics import settings
from analytics.gazetteer import _BLOCK_SCALE

if TYPE_CHECKING:
    from analytics.gazetteer import Gazetteer


def parallel_blocks(gaz: Gazetteer, sid: np.ndarray, t: np.ndarray, x: np.ndarray, y: np.ndarray,
                     mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average an interpolated cuadra with the same cuadra of parallel streets.

    Where numbering runs in step across a grid (the 1400 block of every
    north-south street between the same two cross streets), the known
    cuadras ``t`` of other streets of the district, projected on this
    street's line between its known neighbours, say where cuadra ``t``
    lies when the blocks are of uneven length. Used when such cuadras
    lie within ``GEOCODE_PARALLEL_M`` of the line and between the
    neighbours; the estimate is the mean of both.
    """
    x, y = x.copy(), y.copy()
    if len(gaz.node_sid) == 0:
        return x, y
    table = block_table(gaz, )
    code_nodes = gaz.node_sid.astype(np.float64) * _BLOCK_SCALE + gaz.node_pos
    reach = settings.GEOCODE_PARALLEL_M
    for i in np.flatnonzero(mask):
        s = int(sid[i])
        cands = [c for c in table.get((gaz.street_district[s], float(t[i])), ())
                 if gaz.node_sid[c] != s
                 and parallel(gaz, s, int(gaz.node_sid[c]), float(t[i]))]
        if not cands:
            continue
        a, e = gaz._node_start[s], gaz._node_start[s + 1]
        hi = int(np.clip(np.searchsorted(code_nodes, s * _BLOCK_SCALE + t[i]), a + 1, e - 1))
        ax, ay = gaz.node_x[hi - 1], gaz.node_y[hi - 1]
        dx, dy = gaz.node_x[hi] - ax, gaz.node_y[hi] - ay
        length = float(np.hypot(dx, dy))
        if length < 1.0:
            continue
        ux, uy = dx / length, dy / length
        cx, cy = gaz.node_x[cands] - ax, gaz.node_y[cands] - ay
        along = cx * ux + cy * uy
        ok = (np.abs(cx * uy - cy * ux) <= reach) & (along > 0) & (along < length)
        if ok.any():
            at = float(np.median(along[ok]))
            x[i] = (x[i] + ax + at * ux) / 2.0
            y[i] = (y[i] + ay + at * uy) / 2.0
    return x, y

def direction(gaz: Gazetteer, sid: int, at: float) -> tuple[float, float] | None:
    """Unit direction of increasing cuadras of a street near position ``at`` (or None).

    From its two known cuadras nearest to ``at`` (at least 20 m apart).
    """
    key = (sid, at)
    if key in gaz._dirs:
        return gaz._dirs[key]
    a, e = int(gaz._node_start[sid]), int(gaz._node_start[sid + 1])
    out: tuple[float, float] | None = None
    if e - a >= 2:
        hi = int(np.clip(np.searchsorted(gaz.node_pos[a:e], at), 1, e - a - 1)) + a
        i, j = hi - 1, hi  # the two known cuadras around (or nearest to) ``at``
        dx, dy = gaz.node_x[j] - gaz.node_x[i], gaz.node_y[j] - gaz.node_y[i]
        length = float(np.hypot(dx, dy))
        if length >= 20.0:
            out = (float(dx / length), float(dy / length))
    gaz._dirs[key] = out
    return out

def parallel(gaz: Gazetteer, s: int, p: int, at: float) -> bool:
    """Whether streets ``s`` and ``p`` run the same way near cuadra ``at`` (±25°)."""
    ds, dp = direction(gaz, s, at), direction(gaz, p, at)
    return ds is not None and dp is not None and ds[0] * dp[0] + ds[1] * dp[1] >= 0.9

def block_table(gaz: Gazetteer) -> dict[tuple[str, float], list[int]]:
    """Node indices by (district, cuadra position), built once."""
    if gaz._by_block is None:
        nd = gaz.street_district[gaz.node_sid]
        table: dict[tuple[str, float], list[int]] = {}
        for i, (dd, pp) in enumerate(zip(nd, gaz.node_pos, strict=True)):
            table.setdefault((dd, float(pp)), []).append(i)
        gaz._by_block = table
    return gaz._by_block

def translated_blocks(gaz: Gazetteer, sid: np.ndarray, t: np.ndarray, mask: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A cuadra far from a street's known ones, by the step of a nearby parallel street.

    When street S knows cuadra ``j`` but not ``t``, and another street of
    the district knows both, with its cuadra ``j`` within
    ``GEOCODE_PARALLEL_M`` of S's, cuadra ``t`` of S is S's cuadra ``j``
    moved as that street moves from ``j`` to ``t`` (median over such
    streets; ``j`` tried nearest to ``t`` first, among S's three nearest).
    """
    n = len(sid)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    if not mask.any() or len(gaz.node_sid) == 0:
        return x, y, ok
    table = block_table(gaz, )
    reach2 = settings.GEOCODE_PARALLEL_M ** 2
    for i in np.flatnonzero(mask):
        s = int(sid[i])
        a, e = gaz._node_start[s], gaz._node_start[s + 1]
        if e <= a:
            continue
        d = gaz.street_district[s]
        at_t = {int(gaz.node_sid[c]): c for c in table.get((d, float(t[i])), ())}
        if not at_t:
            continue
        pos = gaz.node_pos[a:e]
        for k in np.argsort(np.abs(pos - t[i]), kind="stable")[:3]:
            jx, jy = gaz.node_x[a + k], gaz.node_y[a + k]
            single = e - a < 2
            moves = [(gaz.node_x[at_t[int(gaz.node_sid[c])]] - gaz.node_x[c],
                      gaz.node_y[at_t[int(gaz.node_sid[c])]] - gaz.node_y[c])
                     for c in table.get((d, float(pos[k])), ())
                     if int(gaz.node_sid[c]) != s and int(gaz.node_sid[c]) in at_t
                     and (gaz.node_x[c] - jx) ** 2 + (gaz.node_y[c] - jy) ** 2
                     <= reach2 and (single or parallel(gaz, s, int(gaz.node_sid[c]),
                                                             float(t[i])))]
            if single and not _agree(moves):
                continue  # no direction of its own: several streets must agree
            if moves:
                mv = np.median(np.asarray(moves), axis=0)
                x[i], y[i], ok[i] = jx + mv[0], jy + mv[1], True
                break
    return x, y, ok

def nearest_block(gaz: Gazetteer, sid: np.ndarray, block: np.ndarray, mask: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The street's known block nearest (in cuadras) to ``block`` (vectorised)."""
    n = len(sid)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    if not mask.any() or len(gaz.node_sid) == 0:
        return x, y, ok
    start = gaz._node_start[sid]
    end = gaz._node_start[sid + 1]
    has = mask & (end > start)
    code_nodes = gaz.node_sid.astype(np.float64) * _BLOCK_SCALE + gaz.node_pos
    t = block + 0.5
    hi = np.searchsorted(code_nodes, sid.astype(np.float64) * _BLOCK_SCALE + t)
    last = len(gaz.node_pos) - 1  # streets without cuadras: any valid index, masked out
    hi = np.minimum(np.clip(hi, start, np.maximum(end - 1, start)), last)
    lo = np.minimum(np.clip(hi - 1, start, np.maximum(end - 1, start)), last)
    pick = np.where(np.abs(gaz.node_pos[lo] - t) <= np.abs(gaz.node_pos[hi] - t), lo, hi)
    x[has], y[has] = gaz.node_x[pick[has]], gaz.node_y[pick[has]]
    ok[has] = True
    return x, y, ok

def onto_lines(gaz: Gazetteer, sid: np.ndarray, x: np.ndarray, y: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Move points onto their street's line (when it has one, within a reach)."""
    import shapely

    x, y = x.copy(), y.copy()
    reach = settings.GEOCODE_ONTO_LINE_M
    for s in np.unique(sid[sid >= 0]):
        line = gaz.lines.get(int(s))
        if line is None:
            continue
        rows = np.flatnonzero(sid == s)
        pts = shapely.points(x[rows], y[rows])
        at = shapely.get_coordinates(shapely.line_interpolate_point(
            line, shapely.line_locate_point(line, pts)))
        close = np.hypot(at[:, 0] - x[rows], at[:, 1] - y[rows]) <= reach
        x[rows[close]], y[rows[close]] = at[close, 0], at[close, 1]
    return x, y

def along_lines(gaz: Gazetteer, sid: np.ndarray, block: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cuadra on a street known only (or mostly) as a line, calibrated by its known blocks."""
    n = len(sid)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    if not gaz.lines:
        return x, y, ok
    import shapely

    for s in np.unique(sid[sid >= 0]):
        line = gaz.lines.get(int(s))
        if line is None:
            continue
        pos, nx, ny = gaz._street_nodes(int(s))
        if len(pos) < 2:
            continue
        dist = shapely.line_locate_point(line, shapely.points(nx, ny))
        if np.ptp(pos) == 0:
            continue
        slope, icpt = np.polyfit(pos, dist, 1)
        rows = np.flatnonzero(sid == s)
        at = icpt + slope * (block[rows] + 0.5)
        inside = (at >= -50) & (at <= line.length + 50)
        pts = shapely.line_interpolate_point(line, np.clip(at, 0, line.length))
        c = shapely.get_coordinates(pts)
        x[rows[inside]], y[rows[inside]] = c[inside, 0], c[inside, 1]
        ok[rows[inside]] = True
    return x, y, ok


def _agree(moves: list[tuple[float, float]]) -> bool:
    """Whether at least two moves point the same way (±25°) with lengths within 30 %."""
    if len(moves) < 2:
        return False
    m = np.asarray(moves, dtype=np.float64)
    length = np.hypot(m[:, 0], m[:, 1])
    if (length < 1.0).any():
        return False
    u = m / length[:, None]
    cos = u @ u.T
    ratio = length[:, None] / length[None, :]
    good = (cos >= 0.9) & (ratio >= 0.7) & (ratio <= 1 / 0.7)
    return bool((good.sum(axis=1) >= 2).any())


def fit_line(xs: np.ndarray, ys: np.ndarray, tx: float, ty: float, *, k: int = 4
             ) -> tuple[float, float, float, float] | None:
    """Line (centre, unit direction) through the ``k`` points nearest to (tx, ty)."""
    if len(xs) < 2:
        return None
    order = np.argsort(np.hypot(xs - tx, ys - ty))[:k]
    px, py = xs[order], ys[order]
    cx, cy = float(px.mean()), float(py.mean())
    dx, dy = px - cx, py - cy
    sxx, syy, sxy = float(dx @ dx), float(dy @ dy), float(dx @ dy)
    # largest eigenvalue of the 2x2 scatter matrix and its direction
    half = (sxx + syy) / 2.0
    root = float(np.hypot((sxx - syy) / 2.0, sxy))
    if half + root < 400.0:  # the points are within ~20 m: no direction
        return None
    theta = 0.5 * np.arctan2(2.0 * sxy, sxx - syy)
    return cx, cy, float(np.cos(theta)), float(np.sin(theta))


def intersect_lines(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
                    ) -> tuple[float, float] | None:
    """Intersection of two (centre, unit direction) lines; None when nearly parallel."""
    ax, ay, ux, uy = a
    bx, by, vx, vy = b
    den = ux * vy - uy * vx
    if abs(den) < 0.3:
        return None
    t = ((bx - ax) * vy - (by - ay) * vx) / den
    return ax + t * ux, ay + t * uy
