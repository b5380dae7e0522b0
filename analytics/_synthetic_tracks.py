"""Synthetic GPS tracks that follow a patrol plan, with the true dwell (tests and benchmarks).

:func:`tracks_from_plan` plays each unit's loop through its hotspots for each
plan window: the unit starts at its first hotspot, stays a random time in it,
drives in a straight line at patrol speed to the next one, and so on around
the loop until the window ends. Some planned (unit, hotspot) rows are skipped
(no stop there in that window; the unit may still drive through). It parks
at a random spot of the cell's inner part (``park_share`` of the inner radius
around the centre, inside the cell by the project's parent rule), so parked
pings with GPS noise can sit a few noise widths from the border.

Pings come every ``ping_s`` seconds (random phase) with isotropic Gaussian
noise of ``noise_m`` metres per axis. The truth is the time the noiseless
trajectory spends in each planned cell (same parent-of-resolution-12 rule),
sampled every ``truth_step_s`` seconds across the window.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import h3
import numpy as np
import pandas as pd

from analytics import geo, hexbin, settings


class SyntheticTracks(NamedTuple):
    """Pings and truth from :func:`tracks_from_plan` (unpacks as ``pings, truth``).

    Attributes
    ----------
    pings
        ``unit`` (plan label as text), ``ts`` (naive local), ``lat``, ``lon``.
    truth
        One row per planned (unit, hotspot), in plan order (the row order of
        :func:`analytics.dosage.hotspot_dosage`'s table): ``window_start``,
        ``unit``, ``h3``, ``true_dwell_min`` (minutes the noiseless trajectory
        spent in the cell within the window; repeated as ``dwell_min`` so the
        frame has the dosage table's shape), ``stops`` (stays made there),
        ``skipped`` (the row was chosen to be skipped).
    """

    pings: pd.DataFrame
    truth: pd.DataFrame


def _offset(lat: float, lon: float, d_north: np.ndarray | float,
            d_east: np.ndarray | float) -> tuple[Any, Any]:
    return (lat + np.asarray(d_north) / geo.M_PER_DEG,
            lon + np.asarray(d_east) / (geo.M_PER_DEG * np.cos(np.radians(lat))))


def _cell_of(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
    r12 = hexbin.points_to_cells(lat, lon, resolution=settings.H3_STORE_RESOLUTION)
    return hexbin.cells_to_parent(r12, resolution=res)


def _parking(rng: np.random.Generator, cell: int, res: int, share: float) -> tuple[float, float]:
    """Draw a random spot within ``share`` of the cell's inner radius, inside the cell."""
    clat, clon = h3.cell_to_latlng(h3.int_to_str(int(cell)))
    inner = h3.average_hexagon_edge_length(res, "m") * np.sqrt(3) / 2 * max(0.0, share)
    if inner <= 0:
        return float(clat), float(clon)
    r = inner * np.sqrt(rng.random(32))
    ang = rng.random(32) * 2 * np.pi
    lat, lon = _offset(clat, clon, r * np.cos(ang), r * np.sin(ang))
    inside = np.flatnonzero(_cell_of(np.asarray(lat), np.asarray(lon), res) == np.uint64(cell))
    if inside.size == 0:
        return float(clat), float(clon)
    k = int(inside[0])
    return float(lat[k]), float(lon[k])


def _leg_s(lat1: float, lon1: float, lat2: float, lon2: float, m_per_s: float) -> float:

    d = float(geo.haversine_m(np.array([lat1]), np.array([lon1]), np.array([lat2]),
                          np.array([lon2]))[0])
    return d / m_per_s


def tracks_from_plan(plan: Any, *, seed: int | None, ping_s: float = 30.0,
                     noise_m: float = 10.0, stay_min: tuple[float, float] = (0.0, 20.0),
                     skip_share: float = 0.1, speed_kmh: float = settings.PATROL_SPEED_KMH,
                     window_hours: float | None = None, park_share: float = 0.5,
                     dropout_share: float = 0.0, truth_step_s: float = 1.0
                     ) -> SyntheticTracks:
    """Simulate the GPS pings of units carrying out ``plan``, and the true dwell.

    Parameters
    ----------
    plan
        A plan as taken by :func:`analytics.plan_stops.plan_frame` (a
        :class:`~analytics.patrol.PatrolPlan`, its routes, or a frame with
        ``unit, h3, window_start``; loop order from ``order`` when present).
    seed
        Seed of the random generator (stays, skips, parking spots, noise, phase).
    ping_s, noise_m
        Seconds between pings; GPS noise, metres (standard deviation per axis).
    stay_min
        Range of each stay, minutes (uniform).
    skip_share
        Share of the planned (unit, hotspot) rows never stopped at.
    speed_kmh
        Driving speed between hotspots.
    window_hours
        Window length for plans without ``window_end``.
    park_share
        Parking spots lie within this share of the cell's inner radius.
    dropout_share
        Share of pings lost at random (coverage gaps).
    truth_step_s
        Sampling step of the noiseless trajectory for the truth, seconds.

    Returns
    -------
    SyntheticTracks
    """
    from analytics import plan_stops

    p = plan_stops.plan_frame(plan, window_hours=window_hours)
    routes = plan.routes if hasattr(plan, "routes") else plan
    order_col = (pd.to_numeric(routes["order"], errors="coerce").to_numpy()
                 [p["plan_row"].to_numpy()] if isinstance(routes, pd.DataFrame)
                 and "order" in routes.columns and len(routes) == len(p)
                 else p["plan_row"].to_numpy())
    rng = np.random.default_rng(seed)
    n = len(p)
    skipped = np.zeros(n, dtype=bool)
    if n and skip_share > 0:
        skipped[rng.choice(n, size=int(round(min(1.0, skip_share) * n)), replace=False)] = True
    m_per_s = float(speed_kmh) / 3.6
    true_s = np.zeros(n)
    stops = np.zeros(n, dtype=np.int64)
    out_u: list[np.ndarray] = []
    out_t: list[np.ndarray] = []
    out_lat: list[np.ndarray] = []
    out_lon: list[np.ndarray] = []
    lo_st, hi_st = 60.0 * float(stay_min[0]), 60.0 * float(stay_min[1])
    frame = pd.DataFrame({"k": p["unit_key"], "a": p["ws"], "b": p["we"], "o": order_col})
    last: dict[str, tuple[Any, float, float]] = {}  # unit -> (window end, lat, lon)
    groups = sorted(frame.groupby(["k", "a", "b"], sort=False), key=lambda kv: (kv[0][1],
                                                                                 kv[0][0]))
    for (k, ws, we), grp in groups:
        rows = grp.sort_values("o", kind="stable").index.to_numpy()
        res = p["res"].to_numpy()[rows]
        cells = p["cell"].to_numpy(dtype=np.uint64)[rows]
        spots = [_parking(rng, int(c), int(r), park_share) for c, r in zip(cells, res,
                                                                            strict=True)]
        window = (pd.Timestamp(we) - pd.Timestamp(ws)).total_seconds()
        active = [i for i in range(rows.size) if not skipped[rows[i]]]
        wt: list[float] = []
        wlat: list[float] = []
        wlon: list[float] = []
        # a unit whose previous window ends where this one starts drives on from where it was
        prev = last.get(str(k))
        if not active:  # every hotspot skipped: the unit waits 1 km north of its first one
            la, lo = _offset(spots[0][0], spots[0][1], 1000.0, 0.0)
            goal = (float(la), float(lo))
        else:
            goal = spots[active[0]]
        t = 0.0
        if prev is not None and prev[0] == ws and (prev[1], prev[2]) != goal:
            wt, wlat, wlon = [0.0], [prev[1]], [prev[2]]
            t = _leg_s(prev[1], prev[2], goal[0], goal[1], m_per_s)
        wt, wlat, wlon = wt + [t], wlat + [goal[0]], wlon + [goal[1]]
        if not active:
            wt, wlat, wlon = wt + [max(window, t)], wlat + [goal[0]], wlon + [goal[1]]
        else:
            pos = 0
            while t < window:
                i = active[pos % len(active)]
                stay = float(rng.uniform(lo_st, hi_st))
                stops[rows[i]] += 1
                t += stay
                wt.append(t)
                wlat.append(spots[i][0])
                wlon.append(spots[i][1])
                if len(active) == 1:  # a lone hotspot: a short loop away and back between stays
                    ang = rng.random() * 2 * np.pi
                    la, lo = _offset(spots[i][0], spots[i][1], 600 * np.cos(ang),
                                     600 * np.sin(ang))
                    t += 600.0 / m_per_s
                    wt.append(t)
                    wlat.append(float(la))
                    wlon.append(float(lo))
                    nxt = spots[i]
                    t += 600.0 / m_per_s
                else:
                    nxt = spots[active[(pos + 1) % len(active)]]
                    t += _leg_s(spots[i][0], spots[i][1], nxt[0], nxt[1], m_per_s)
                wt.append(t)
                wlat.append(nxt[0])
                wlon.append(nxt[1])
                pos += 1
        wt_a, wlat_a, wlon_a = np.asarray(wt), np.asarray(wlat), np.asarray(wlon)
        last[str(k)] = (we, float(np.interp(window, wt_a, wlat_a)),
                        float(np.interp(window, wt_a, wlon_a)))
        # pings
        tp = float(rng.uniform(0, ping_s)) + np.arange(0.0, window, float(ping_s))
        tp = tp[tp < window]
        if dropout_share > 0 and tp.size:
            tp = tp[rng.random(tp.size) >= dropout_share]
        plat = np.interp(tp, wt_a, wlat_a)
        plon = np.interp(tp, wt_a, wlon_a)
        if noise_m > 0 and tp.size:
            dn = rng.normal(0.0, noise_m, tp.size)
            de = rng.normal(0.0, noise_m, tp.size)
            plat = plat + dn / geo.M_PER_DEG
            plon = plon + de / (geo.M_PER_DEG * np.cos(np.radians(plat)))
        base = np.datetime64(pd.Timestamp(ws).to_datetime64(), "ns")
        out_u.append(np.full(tp.size, str(p["unit"].to_numpy()[rows[0]]), dtype=object))
        out_t.append(base + np.round(tp * 1e9).astype("timedelta64[ns]"))
        out_lat.append(np.asarray(plat, dtype=np.float64))
        out_lon.append(np.asarray(plon, dtype=np.float64))
        # truth
        ts = (np.arange(int(np.ceil(window / truth_step_s))) + 0.5) * truth_step_s
        ts = ts[ts < window]
        tlat, tlon = np.interp(ts, wt_a, wlat_a), np.interp(ts, wt_a, wlon_a)
        for r in np.unique(res):
            tc = _cell_of(tlat, tlon, int(r))
            for q, row in enumerate(rows):
                if res[q] == r:
                    true_s[row] = float((tc == cells[q]).sum()) * truth_step_s
    pings = pd.DataFrame({
        "unit": pd.Series(np.concatenate(out_u) if out_u else [], dtype=str),
        "ts": np.concatenate(out_t) if out_t else np.empty(0, dtype="datetime64[ns]"),
        "lat": np.concatenate(out_lat) if out_lat else np.empty(0),
        "lon": np.concatenate(out_lon) if out_lon else np.empty(0)})
    truth = pd.DataFrame({"window_start": p["ws"].to_numpy(), "unit": p["unit"].to_numpy(),
                          "h3": p["h3"].to_numpy(), "true_dwell_min": true_s / 60.0,
                          "dwell_min": true_s / 60.0, "stops": stops, "skipped": skipped})
    return SyntheticTracks(pings=pings, truth=truth)
