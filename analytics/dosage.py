"""Patrol as executed: minutes each unit spent in each planned hotspot (the Koper dose).

The evidence on hot-spot policing is about minutes in the hotspot: stops of
10–15 minutes, at least every 2 hours (Koper 1995; Sacramento 2011). A plan
from :mod:`analytics.patrol` says which unit should be in which H3 cell and
when; this module reads the units' GPS pings (:mod:`analytics.tracks`) and
measures what happened, one row per planned (unit, hotspot):
``unit, h3, planned_min, dwell_min, visits, first_arrival, max_gap_min,
dose_ok`` (:data:`DOSAGE_COLUMNS`, the CLI contract).

Which cell a ping is in
-----------------------
The same rule as the plan's cells: the project bins hierarchically, so a
point's cell at resolution r is the H3 parent of its resolution-12 cell
(:func:`analytics.hexbin.cells_to_parent` of ``h3_r12``), not
``latlng_to_cell(lat, lon, r)`` (they differ for ~6 % of points near edges).
H3 puts every point, even one exactly on a border, in exactly one cell, so a
ping is in at most one hotspot of a unit.

Dwell
-----
The core rule: **dwell** is the sum of the intervals between consecutive
pings of the unit (time order, equal times dropped) that are both inside the
hotspot's cell, counting only intervals of at most ``max_interval_min`` (5)
minutes: 5 minutes counts, 5 minutes and 1 second does not (the unit's
position in between is unknown). Intervals are clipped to the plan window.
Two corrections make it measure time in the cell rather than time between
pings (both can be switched off to get the literal rule):

* **Border crossings** (``split_crossings=True``). An interval whose two
  pings lie in different cells is split where the straight line between them
  crosses the border: :data:`SPLIT_SAMPLES` evenly spaced points of the
  segment are placed in cells by the same rule, and the interval is shared
  in proportion (the unit drove at a steady speed along the line). When the
  unit stood still at one end (that ping and its other neighbour less than
  :data:`STILL_M` apart) in one of its planned hotspots, it is taken to have
  driven the segment at ``speed_kmh`` (the planner's patrol speed) or faster
  and to have spent the rest of the interval stopped at that end (half at
  each end when it stood still at both): a unit that enters and parks was
  inside for most of the entry interval. The literal rule drops the inside
  part of every entry and exit interval and misses drive-throughs between
  two outside pings (measured: ``bench/RESULTS.md``).
* **GPS flicker** (``flicker_m=75``). A unit parked near a border has pings
  that jump in and out of the cell with GPS noise. A run of outside pings
  between two inside pings at most ``max_interval_min`` apart, every one of
  them within ``flicker_m`` metres of one of those two inside pings, counts
  as inside: the unit stood still and a stop is not cut into pieces by noise.
  A unit that really drove out and back is more than that away.

Measured on synthetic tracks (:func:`tracks_from_plan`, 30 s pings, 10 m
noise): ``bench/RESULTS.md``.

Visits, gaps and the dose
-------------------------
A **visit** is a run of consecutive credited intervals (the unit stays in the
cell from ping to ping) lasting at least ``min_visit_min`` (2) minutes;
shorter runs are **passes** (driving through: a resolution-9 cell is crossed
in under a minute at patrol speed). Passes add to the dwell but are not
visits. ``first_arrival`` is the start of the first visit; ``max_gap_min`` is
the longest time in the window without a visit: window start to the first
visit, between visits, last visit to window end (the whole window when there
is none). Time without pings counts as absence: there is no evidence of
presence.

``dose_ok`` implements the issue's sentence literally (``dose_rule="each"``):
*each visit lasts at least the planned dwell and the gaps respect the revisit
rule*, i.e. at least one visit, every visit at least ``planned dwell``
minutes, and ``max_gap_min <= revisit_min``. A visit cut by the window's
start or end cannot be judged on its length and is exempt from the length
test. This is strict on purpose: a 5-minute stop is an under-dose even if a
15-minute one follows, because the deterrence per stop is what Koper
measured. ``dose_rule="enough"`` is the lenient reading: short visits are
ignored (they neither count nor break a gap), and the dose holds when the
qualifying visits (each at least the planned dwell) leave no gap longer than
``revisit_min``.

``planned_min`` is ``planned visits × planned dwell``: visits from the plan's
``visits`` column (the patrol schedule), else ``ceil(window / revisit)``;
dwell from ``dwell_min=``, else a ``dwell_min`` column, else ``leave -
arrive``, else :data:`analytics.settings.PATROL_DWELL_MIN`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from analytics import geo, hexbin, settings
from analytics._errors import TrackSchemaError
from analytics._synthetic_tracks import (
    SyntheticTracks as SyntheticTracks,
    tracks_from_plan as tracks_from_plan,
)
from analytics.plan_stops import (
    DEFAULT_WINDOW_HOURS as DEFAULT_WINDOW_HOURS,
    UNDATED_START as UNDATED_START,
    plan_frame as plan_frame,
    timestamps_to_naive,
)
from analytics.tracks import unit_key

DoseRule = Literal["each", "enough"]

#: Columns of the dosage table, in order (the CLI contract).
DOSAGE_COLUMNS: Final = ("unit", "h3", "planned_min", "dwell_min", "visits", "first_arrival",
                         "max_gap_min", "dose_ok")
#: Longest interval between two pings that still counts as presence, minutes.
MAX_INTERVAL_MIN: Final = 5.0
#: Outside pings between two inside pings (at most ``MAX_INTERVAL_MIN`` apart) that lie
#: this close to one of them are GPS flicker of a unit standing still, metres.
FLICKER_M: Final = 75.0
#: Shortest run in a cell that counts as a visit (shorter: a pass), minutes.
VISIT_MIN_MIN: Final = 2.0
#: Consecutive pings closer than this (and at most ``MAX_INTERVAL_MIN`` apart) mean the unit
#: stood still between them (GPS noise aside), metres.
STILL_M: Final = 50.0
#: Points per interval used to split an interval that crosses a cell border.
SPLIT_SAMPLES: Final = 10

_EPS: Final = 1e-6



def ping_cells(pings: pd.DataFrame) -> np.ndarray:
    """Resolution-12 cell of every ping (``h3_r12`` when present, else from ``lat``/``lon``)."""
    if "h3_r12" in pings.columns:
        return np.asarray(pings["h3_r12"].to_numpy(dtype=np.uint64), dtype=np.uint64)
    return hexbin.points_to_cells(pings["lat"].to_numpy(dtype=np.float64),
                                  pings["lon"].to_numpy(dtype=np.float64),
                                  resolution=settings.H3_STORE_RESOLUTION)


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class DosageResult:
    """Dosage of one or more plan windows, from :func:`hotspot_dosage`.

    Attributes
    ----------
    table
        One row per planned (unit, hotspot), in plan order, exactly
        :data:`DOSAGE_COLUMNS`: ``unit`` (plan label), ``h3`` (hex),
        ``planned_min``, ``dwell_min`` (float minutes), ``visits`` (int),
        ``first_arrival`` (timestamp, NaT without visits), ``max_gap_min``,
        ``dose_ok`` (bool).
    detail
        The same rows with ``window_start``, ``window_end``,
        ``planned_visits``, ``planned_dwell_min`` and ``passes`` in front of
        the table's columns: the input of the compliance helpers.
    visits
        One row per visit: ``window_start, unit, h3, visit, start, end,
        minutes, cut`` (``cut``: truncated by the window's start or end).
    units
        One row per plan unit: ``unit, windows, pings, minutes_tracked,
        minutes_in_hotspots, minutes_outside_hotspots, km``. ``km`` is the
        haversine length of the track inside the windows (GPS noise adds to it
        while parked, as it does in SIPCOP's ranking).
    unmatched_devices, unmatched_pings
        Devices (and their pings) that match no plan unit: they need an entry
        in the unit mapping (:func:`analytics.tracks.apply_unit_mapping`).
    params
        The rule's settings (dwell override, revisit, intervals, dose rule).
    unit_windows
        ``units`` per window: one row per (window, plan unit), ``window_start,
        unit, pings, minutes_tracked, minutes_in_hotspots,
        minutes_outside_hotspots, km`` (per shift compliance).
    """

    table: pd.DataFrame
    detail: pd.DataFrame
    visits: pd.DataFrame
    units: pd.DataFrame
    unmatched_devices: int = 0
    unmatched_pings: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    unit_windows: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def hotspots(self) -> int:
        """Planned (unit, hotspot) rows."""
        return len(self.table)

    @property
    def dosed(self) -> int:
        """Rows with ``dose_ok``."""
        return int(self.table["dose_ok"].sum())

    @property
    def share_dosed(self) -> float:
        """``dosed / hotspots`` (0 without hotspots)."""
        return self.dosed / self.hotspots if self.hotspots else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no tables).

        Keys: ``hotspots, dosed, share_dosed, minutes_in_hotspots,
        minutes_tracked`` (the contract), then ``minutes_outside_hotspots``,
        ``skipped_hotspots`` (planned rows without any visit), ``km_by_unit``
        (plan label -> km), ``units_without_pings``, ``unmatched_devices``,
        ``unmatched_pings`` and ``params``.
        """
        u = self.units
        return {
            "hotspots": self.hotspots,
            "dosed": self.dosed,
            "share_dosed": round(self.share_dosed, 6),
            "minutes_in_hotspots": round(float(self.table["dwell_min"].sum()), 2),
            "minutes_tracked": round(float(u["minutes_tracked"].sum()), 2),
            "minutes_outside_hotspots": round(float(u["minutes_outside_hotspots"].sum()), 2),
            "skipped_hotspots": int((self.table["visits"] == 0).sum()),
            "km_by_unit": {str(k): round(float(v), 3) for k, v in zip(u["unit"], u["km"],
                                                                       strict=True)},
            "units_without_pings": [str(x) for x in u.loc[u["pings"] == 0, "unit"]],
            "unmatched_devices": self.unmatched_devices,
            "unmatched_pings": self.unmatched_pings,
            "params": dict(self.params),
        }


# --------------------------------------------------------------------------- core
@dataclass(frozen=True)
class _Opts:
    max_int_s: float
    flicker_m: float
    min_visit_s: float
    split: bool
    speed_ms: float


def _fill_flicker(mem: np.ndarray, t: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                  flicker_m: float, max_s: float) -> np.ndarray:
    """Count as inside the outside pings that are GPS flicker of a unit standing still.

    A run of outside pings between two inside pings at most ``max_s`` apart is
    flicker when every ping of the run lies within ``flicker_m`` of one of the
    two inside pings.
    """
    ii = np.flatnonzero(mem)
    if flicker_m <= 0 or ii.size < 2:
        return mem
    k = np.flatnonzero((ii[1:] - ii[:-1] > 1) & (t[ii[1:]] - t[ii[:-1]] <= max_s + _EPS))
    if k.size == 0:
        return mem
    prev, nxt = ii[k], ii[k + 1]
    length = nxt - prev - 1
    run = np.repeat(np.arange(k.size), length)
    pos = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    out_i = prev[run] + 1 + pos
    d = np.minimum(geo.haversine_m(lat[out_i], lon[out_i], lat[prev[run]], lon[prev[run]]),
                   geo.haversine_m(lat[out_i], lon[out_i], lat[nxt[run]], lon[nxt[run]]))
    far = np.bincount(run, weights=(d > flicker_m).astype(np.float64), minlength=k.size)
    fill = out_i[far[run] == 0]
    out = mem.copy()
    out[fill] = True
    return out


def _hotspot(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, pc: np.ndarray, h: np.uint64,
             a: float, b: float,
             split_rows: np.ndarray, split_cells: np.ndarray, split_m: np.ndarray,
             in_any: np.ndarray, still: np.ndarray, o: _Opts
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Credited seconds per interval, and the runs (start, end, seconds) of one hotspot.

    ``t`` are the unit's ping times (seconds, sorted, distinct) around the
    window ``[a, b]``; ``pc`` their cells at the plan's resolution; ``in_any``
    whether each ping is in any of the unit's hotspots of the window;
    ``still`` whether the unit stood still from the previous ping (column 0)
    and until the next one (column 1);
    ``split_rows`` the intervals whose pings lie in different cells (and are
    short enough), with ``split_cells`` their sample cells and ``split_m``
    their straight-line length.
    """
    n = t.size
    empty = np.empty(0)
    if n < 2:
        return np.zeros(max(n - 1, 0)), empty, np.empty((0, 3))
    mem = _fill_flicker(pc == h, t, lat, lon, o.flicker_m, o.max_int_s)
    dt = t[1:] - t[:-1]
    valid = (dt > 0) & (dt <= o.max_int_s + _EPS)
    both = valid & mem[:-1] & mem[1:]
    credit = np.where(both, np.clip(np.minimum(t[1:], b) - np.maximum(t[:-1], a), 0.0, None),
                      0.0)
    if o.split and split_rows.size:
        sel = ~both[split_rows]
        r = split_rows[sel]
        hits = (split_cells[sel] == h).sum(axis=1)
        e0, e1 = mem[r], mem[r + 1]
        if hits.any() or e0.any() or e1.any():
            d = dt[r]
            stop0 = still[r, 0] & (in_any[r] | e0)  # stood still at the start, in a hotspot
            stop1 = still[r + 1, 1] & (in_any[r + 1] | e1)  # ... at the end
            moving = np.where(stop0 | stop1, np.minimum(d, split_m[sel] / o.speed_ms), d)
            share = np.where(stop0 & stop1, 0.5, 1.0) * ((e0 & stop0) | (e1 & stop1))
            c = hits * moving / SPLIT_SAMPLES + (d - moving) * share
            overlap = np.clip(np.minimum(t[r + 1], b) - np.maximum(t[r], a), 0.0, None)
            credit[r] = c * overlap / d
    touched = credit > 0
    if not touched.any():
        return credit, mem, np.empty((0, 3))
    cont = touched[1:] & touched[:-1] & mem[1:-1]
    first = touched & ~np.r_[False, cont]
    last = touched & ~np.r_[cont, False]
    i, j = np.flatnonzero(first), np.flatnonzero(last)
    csum = np.r_[0.0, np.cumsum(credit)]
    secs = csum[j + 1] - csum[i]
    start = np.where(mem[i], t[i], np.where(mem[i + 1], t[i + 1] - credit[i],
                                           t[i] + (dt[i] - credit[i]) / 2))
    end = np.where(mem[j + 1], t[j + 1], np.where(mem[j], t[j] + credit[j],
                                                 t[j] + (dt[j] + credit[j]) / 2))
    runs = np.column_stack([start, end, secs])
    return credit, mem, runs[secs > 0]


def _gaps(starts: np.ndarray, ends: np.ndarray, a: float, b: float) -> float:
    if starts.size == 0:
        return b - a
    s, e = np.clip(starts, a, b), np.clip(ends, a, b)
    gaps = np.r_[s[0] - a, s[1:] - e[:-1], b - e[-1]]
    return float(max(0.0, gaps.max()))


def _check_dosage_inputs(pings: pd.DataFrame, *, max_interval_min: float, speed_kmh: float,
                         min_visit_min: float, flicker_m: float, dose_rule: str) -> None:
    """Raise one ``TrackSchemaError`` for pings without the needed columns and bad options."""
    problems: list[str] = []
    if not isinstance(pings, pd.DataFrame):
        raise TrackSchemaError("Se esperaba una tabla de puntos GPS.")
    missing = [c for c in ("unit", "ts", "lat", "lon") if c not in pings.columns]
    if missing:
        problems.append("a los puntos GPS les faltan columnas: " + ", ".join(missing))
    if not (max_interval_min > 0):
        problems.append("el intervalo máximo entre puntos debe ser mayor que 0")
    if not (speed_kmh > 0):
        problems.append("la velocidad de patrullaje debe ser mayor que 0 km/h")
    if not (min_visit_min >= 0) or not (flicker_m >= 0):
        problems.append("la visita mínima y el parpadeo no pueden ser negativos")
    if dose_rule not in ("each", "enough"):
        problems.append(f"regla de dosis desconocida {dose_rule!r} (each o enough)")
    if problems:
        raise TrackSchemaError("No se puede medir la dosis: " + "; ".join(problems) + ".")


def hotspot_dosage(plan: Any, pings: pd.DataFrame, *, dwell_min: float | None = None,
                   revisit_min: float = settings.PATROL_REVISIT_MIN,
                   window_hours: float | None = None,
                   max_interval_min: float = MAX_INTERVAL_MIN, flicker_m: float = FLICKER_M,
                   min_visit_min: float = VISIT_MIN_MIN, split_crossings: bool = True,
                   speed_kmh: float = settings.PATROL_SPEED_KMH,
                   dose_rule: DoseRule = "each") -> DosageResult:
    """Minutes each unit spent in each planned hotspot, visits, gaps and the dose.

    Parameters
    ----------
    plan
        A plan (see :func:`plan_frame`): one row per planned (unit, hotspot)
        with its window; any number of windows (a month of plans at once).
    pings
        Clean pings (:attr:`analytics.tracks.TrackImport.pings`, after
        :func:`analytics.tracks.apply_unit_mapping`): ``unit``, ``ts`` (naive
        local), ``lat``, ``lon``, optional ``h3_r12``. Order does not matter;
        units match plan labels through :func:`analytics.tracks.unit_key`.
    dwell_min
        Minutes each visit must last (10–15 in the evidence); default: the
        plan's own dwell, else :data:`analytics.settings.PATROL_DWELL_MIN`.
    revisit_min
        Longest allowed time without a visit, minutes.
    window_hours
        Window length for plans without ``window_end``.
    max_interval_min, flicker_m, min_visit_min, split_crossings, speed_kmh
        The dwell rule (module notes); ``split_crossings=False, flicker_m=0``
        is the literal rule.
    dose_rule
        ``"each"`` (every visit at least the dwell; the default, literal) or
        ``"enough"`` (see the module notes).

    Returns
    -------
    DosageResult

    Raises
    ------
    TrackSchemaError
        Invalid plan, pings without ``unit``/``ts``/``lat``/``lon``, or
        invalid options (one message listing every problem).
    """
    _check_dosage_inputs(pings, max_interval_min=max_interval_min, speed_kmh=speed_kmh,
                         min_visit_min=min_visit_min, flicker_m=flicker_m, dose_rule=dose_rule)
    p = plan_frame(plan, window_hours=window_hours, dwell_min=dwell_min,
                   revisit_min=revisit_min)
    o = _Opts(max_int_s=60.0 * float(max_interval_min), flicker_m=float(flicker_m),
              min_visit_s=60.0 * float(min_visit_min), split=bool(split_crossings),
              speed_ms=float(speed_kmh) / 3.6)

    # ---- pings of plan units, sorted by (unit, time), distinct times ---------------------
    keys = unit_key(pings["unit"]) if len(pings) else np.empty(0, dtype=object)
    plan_keys = set(p["unit_key"])
    known = np.isin(keys, list(plan_keys)) if len(pings) else np.zeros(0, dtype=bool)
    unmatched_devices = len(set(keys[~known]) - {""})
    unmatched_pings = int((~known).sum())
    ts_all = timestamps_to_naive(pings["ts"]).to_numpy(dtype="datetime64[ns]") if len(pings) else \
        np.empty(0, dtype="datetime64[ns]")
    ok = known & ~np.isnat(ts_all)
    idx = np.flatnonzero(ok)
    ukeys = np.array(sorted(plan_keys), dtype=object)
    code = np.searchsorted(ukeys, keys[idx].astype(str)) if idx.size else \
        np.empty(0, dtype=np.int64)
    tns = ts_all[idx].view(np.int64)
    order = np.lexsort((tns, code))
    idx, code, tns = idx[order], code[order], tns[order]
    keep = np.r_[True, (code[1:] != code[:-1]) | (tns[1:] != tns[:-1])] if idx.size else \
        np.zeros(0, dtype=bool)
    idx, code, tns = idx[keep], code[keep], tns[keep]
    t = tns / 1e9
    lat = pings["lat"].to_numpy(dtype=np.float64)[idx]
    lon = pings["lon"].to_numpy(dtype=np.float64)[idx]
    r12 = ping_cells(pings.iloc[idx]) if idx.size else np.empty(0, dtype=np.uint64)
    bounds = np.searchsorted(code, np.arange(len(ukeys) + 1))
    same_next = code[1:] == code[:-1]
    dt_next = t[1:] - t[:-1]
    step_ok = same_next & (dt_next > 0) & (dt_next <= o.max_int_s + _EPS)
    step_m = geo.haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) if idx.size > 1 else np.empty(0)

    cells_at: dict[int, np.ndarray] = {}
    splits: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for res in sorted(set(p["res"].tolist())):
        pc = hexbin.cells_to_parent(r12, resolution=int(res))
        cells_at[int(res)] = pc
        rows = np.flatnonzero(step_ok & (pc[1:] != pc[:-1])) if o.split and idx.size > 1 \
            else np.empty(0, dtype=np.int64)
        if rows.size:
            frac = (np.arange(SPLIT_SAMPLES) + 0.5) / SPLIT_SAMPLES
            slat = lat[rows][:, None] + frac[None, :] * (lat[rows + 1] - lat[rows])[:, None]
            slon = lon[rows][:, None] + frac[None, :] * (lon[rows + 1] - lon[rows])[:, None]
            sc = hexbin.points_to_cells(slat.ravel(), slon.ravel(),
                                        resolution=settings.H3_STORE_RESOLUTION)
            splits[int(res)] = (rows, hexbin.cells_to_parent(sc, resolution=int(res))
                                .reshape(rows.size, SPLIT_SAMPLES), step_m[rows])
        else:
            splits[int(res)] = (rows, np.empty((0, SPLIT_SAMPLES), dtype=np.uint64),
                                np.empty(0))

    # ---- per planned row ------------------------------------------------------------------
    n = len(p)
    dwell_s = np.zeros(n)
    n_visits = np.zeros(n, dtype=np.int64)
    n_passes = np.zeros(n, dtype=np.int64)
    first_arr = np.full(n, np.nan)
    max_gap = np.zeros(n)
    dose = np.zeros(n, dtype=bool)
    visit_recs: list[tuple[int, int, float, float, float, bool]] = []
    uw_recs: list[tuple[str, float, float, int, float, float]] = []
    pad = o.max_int_s + 1.0
    p_ws = p["ws"].to_numpy(dtype="datetime64[ns]").view(np.int64) / 1e9
    p_we = p["we"].to_numpy(dtype="datetime64[ns]").view(np.int64) / 1e9
    p_dwell = p["planned_dwell_min"].to_numpy(dtype=np.float64) * 60.0
    p_cells = p["cell"].to_numpy(dtype=np.uint64)
    p_res = p["res"].to_numpy(dtype=np.int64)
    revisit_s = 60.0 * float(revisit_min)
    for (uk, ws_i, we_i), grp in pd.DataFrame(
            {"k": p["unit_key"], "a": p_ws, "b": p_we}).groupby(["k", "a", "b"], sort=False):
        a, b = float(ws_i), float(we_i)
        u = int(np.searchsorted(ukeys, uk))
        lo, hi = int(bounds[u]), int(bounds[u + 1])
        s0 = lo + int(np.searchsorted(t[lo:hi], a - pad))
        s1 = lo + int(np.searchsorted(t[lo:hi], b + pad, side="right"))
        ts = t[s0:s1]
        # tracked time and km inside the window
        steps = np.arange(s0, max(s0, s1 - 1))
        tracked = float(np.clip(np.minimum(t[steps + 1], b) - np.maximum(t[steps], a), 0, None)
                        [step_ok[steps]].sum()) if steps.size else 0.0
        inwin = (t[steps] >= a) & (t[steps + 1] <= b) & same_next[steps] if steps.size else \
            np.zeros(0, dtype=bool)
        km = float(step_m[steps][inwin].sum()) / 1000.0 if steps.size else 0.0
        in_hot = 0.0
        g_rows = grp.index.to_numpy()
        in_any = np.zeros(ts.size, dtype=bool)
        still = np.zeros((ts.size, 2), dtype=bool)
        if ts.size > 1:
            near = step_ok[s0:s1 - 1] & (step_m[s0:s1 - 1] <= STILL_M)
            still[1:, 0] = near
            still[:-1, 1] = near
        for res in np.unique(p_res[g_rows]):
            in_any |= np.isin(cells_at[int(res)][s0:s1], p_cells[g_rows][p_res[g_rows] == res])
        for r in g_rows:
            res = int(p_res[r])
            rows, scells, sm = splits[res]
            k0, k1 = np.searchsorted(rows, [s0, s1 - 1])
            credit, _mem, runs = _hotspot(ts, lat[s0:s1], lon[s0:s1], cells_at[res][s0:s1],
                                          p_cells[r], a, b, rows[k0:k1] - s0, scells[k0:k1],
                                          sm[k0:k1], in_any, still, o)
            dwell_s[r] = float(credit.sum())
            in_hot += dwell_s[r]
            is_visit = runs[:, 2] >= o.min_visit_s - _EPS if runs.size else np.zeros(0, bool)
            v = runs[is_visit] if runs.size else runs
            n_visits[r] = len(v)
            n_passes[r] = len(runs) - len(v)
            cut = (v[:, 0] <= a + _EPS) | (v[:, 1] >= b - _EPS) if len(v) else \
                np.zeros(0, dtype=bool)
            if len(v):
                first_arr[r] = max(a, float(v[0, 0]))
                for q in range(len(v)):
                    visit_recs.append((int(r), q + 1, max(a, float(v[q, 0])),
                                       min(b, float(v[q, 1])), float(v[q, 2]), bool(cut[q])))
            max_gap[r] = _gaps(v[:, 0], v[:, 1], a, b) if len(v) else b - a
            long_enough = (v[:, 2] >= p_dwell[r] - _EPS) | cut if len(v) else \
                np.zeros(0, dtype=bool)
            if dose_rule == "each":
                dose[r] = bool(len(v) and long_enough.all() and max_gap[r] <= revisit_s + _EPS)
            else:
                q_ = v[long_enough] if len(v) else v
                dose[r] = bool(len(q_) and _gaps(q_[:, 0], q_[:, 1], a, b) <= revisit_s + _EPS)
        uw_recs.append((str(uk), a, tracked, int(max(0, s1 - s0)), km, in_hot))

    label = dict(zip(p["unit_key"], p["unit"], strict=False))
    window_start = p["ws"]
    first_ts = pd.to_datetime(first_arr * 1e9, errors="coerce")
    table = pd.DataFrame({
        "unit": p["unit"].to_numpy(),
        "h3": p["h3"].to_numpy(dtype=object).astype(str),
        "planned_min": np.round(p["planned_min"].to_numpy(dtype=np.float64), 2),
        "dwell_min": np.round(dwell_s / 60.0, 2),
        "visits": n_visits,
        "first_arrival": pd.Series(first_ts).astype("datetime64[ns]").to_numpy(),
        "max_gap_min": np.round(max_gap / 60.0, 2),
        "dose_ok": dose,
    }, columns=list(DOSAGE_COLUMNS))
    detail = pd.concat([pd.DataFrame({
        "window_start": window_start.to_numpy(), "window_end": p["we"].to_numpy(),
        "planned_visits": p["planned_visits"].to_numpy(),
        "planned_dwell_min": p["planned_dwell_min"].to_numpy(),
        "passes": n_passes}), table], axis=1)
    detail = detail[["window_start", "window_end", "unit", "h3", "planned_visits",
                     "planned_dwell_min", "planned_min", "dwell_min", "visits", "passes",
                     "first_arrival", "max_gap_min", "dose_ok"]]
    visits = _visit_frame(visit_recs, p)
    units = _unit_frame(uw_recs, label)
    params = {"dwell_min": dwell_min, "revisit_min": float(revisit_min),
              "max_interval_min": float(max_interval_min), "flicker_m": float(flicker_m),
              "min_visit_min": float(min_visit_min), "split_crossings": bool(split_crossings),
              "dose_rule": dose_rule}
    return DosageResult(table=table, detail=detail, visits=visits, units=units,
                        unmatched_devices=int(unmatched_devices),
                        unmatched_pings=unmatched_pings, params=params,
                        unit_windows=_unit_window_frame(uw_recs, label))


def _visit_frame(recs: list[tuple[int, int, float, float, float, bool]],
                 p: pd.DataFrame) -> pd.DataFrame:
    cols = ["window_start", "unit", "h3", "visit", "start", "end", "minutes", "cut"]
    if not recs:
        return pd.DataFrame({"window_start": pd.Series(dtype="datetime64[ns]"),
                             "unit": pd.Series(dtype=object), "h3": pd.Series(dtype=str),
                             "visit": pd.Series(dtype=np.int64),
                             "start": pd.Series(dtype="datetime64[ns]"),
                             "end": pd.Series(dtype="datetime64[ns]"),
                             "minutes": pd.Series(dtype=np.float64),
                             "cut": pd.Series(dtype=bool)})[cols]
    r, q, s, e, secs, cut = (np.array(c) for c in zip(*recs, strict=True))
    return pd.DataFrame({
        "window_start": p["ws"].to_numpy()[r], "unit": p["unit"].to_numpy()[r],
        "h3": p["h3"].to_numpy()[r], "visit": q.astype(np.int64),
        "start": pd.to_datetime(np.round(s * 1e9).astype(np.int64)).to_numpy(),
        "end": pd.to_datetime(np.round(e * 1e9).astype(np.int64)).to_numpy(),
        "minutes": np.round(secs / 60.0, 2), "cut": cut.astype(bool)})[cols]


def _unit_frame(recs: list[tuple[str, float, float, int, float, float]],
                label: Mapping[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(recs, columns=["k", "a", "tracked", "pings", "km", "in_hot"])
    g = df.groupby("k", sort=False).agg(windows=("a", "size"), pings=("pings", "sum"),
                                        tracked=("tracked", "sum"), in_hot=("in_hot", "sum"),
                                        km=("km", "sum"))
    out = pd.DataFrame({
        "unit": [label[k] for k in g.index],
        "windows": g["windows"].to_numpy(dtype=np.int64),
        "pings": g["pings"].to_numpy(dtype=np.int64),
        "minutes_tracked": np.round(g["tracked"].to_numpy() / 60.0, 2),
        "minutes_in_hotspots": np.round(g["in_hot"].to_numpy() / 60.0, 2),
        "minutes_outside_hotspots": np.round(
            np.clip(g["tracked"].to_numpy() - g["in_hot"].to_numpy(), 0, None) / 60.0, 2),
        "km": np.round(g["km"].to_numpy(), 3)})
    return out.reset_index(drop=True)


def _unit_window_frame(recs: list[tuple[str, float, float, int, float, float]],
                       label: Mapping[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(recs, columns=["k", "a", "tracked", "pings", "km", "in_hot"])
    return pd.DataFrame({
        # window starts are whole seconds; float seconds of 2025 carry ~0.2 µs of error
        "window_start": pd.to_datetime(np.round(df["a"].to_numpy(dtype=np.float64))
                                       .astype(np.int64), unit="s").to_numpy(
                                           dtype="datetime64[ns]"),
        "unit": [label[k] for k in df["k"]],
        "pings": df["pings"].to_numpy(dtype=np.int64),
        "minutes_tracked": np.round(df["tracked"].to_numpy(dtype=np.float64) / 60.0, 2),
        "minutes_in_hotspots": np.round(df["in_hot"].to_numpy(dtype=np.float64) / 60.0, 2),
        "minutes_outside_hotspots": np.round(np.clip(
            df["tracked"].to_numpy(dtype=np.float64) - df["in_hot"].to_numpy(dtype=np.float64),
            0, None) / 60.0, 2),
        "km": np.round(df["km"].to_numpy(dtype=np.float64), 3)})


# --------------------------------------------------------------------------- compliance
def _detail(result: DosageResult | pd.DataFrame) -> pd.DataFrame:
    d = result.detail if isinstance(result, DosageResult) else result
    need = {"window_start", "unit", "h3", "planned_min", "dwell_min", "dose_ok"}
    missing = sorted(need - set(d.columns))
    if missing:
        raise TrackSchemaError("Al detalle de la dosis le faltan columnas: "
                               + ", ".join(missing) + ".")
    out = d.copy()
    out["delivered_min"] = np.minimum(out["dwell_min"].to_numpy(dtype=np.float64),
                                      out["planned_min"].to_numpy(dtype=np.float64))
    return out


def compliance_by_shift(result: DosageResult | pd.DataFrame) -> pd.DataFrame:
    """Planned versus actual minutes per shift and unit.

    Returns
    -------
    pandas.DataFrame
        ``window_start, unit, hotspots, dosed, planned_min, dwell_min,
        delivered_min, delivered_share``: ``delivered_min`` caps each
        hotspot's dwell at its planned minutes (an over-dose in one hotspot
        does not make up for a skipped one), ``delivered_share`` is
        ``delivered_min / planned_min``.
    """
    d = _detail(result)
    g = d.groupby(["window_start", "unit"], sort=True).agg(
        hotspots=("h3", "size"), dosed=("dose_ok", "sum"), planned_min=("planned_min", "sum"),
        dwell_min=("dwell_min", "sum"), delivered_min=("delivered_min", "sum")).reset_index()
    g["dosed"] = g["dosed"].astype(np.int64)
    g["delivered_share"] = np.where(g["planned_min"] > 0,
                                    g["delivered_min"] / g["planned_min"].where(
                                        g["planned_min"] > 0, 1.0), 0.0)
    return g


def compliance_by_period(result: DosageResult | pd.DataFrame, *,
                         freq: str = "W") -> pd.DataFrame:
    """Share of the planned dose delivered per period of the window starts.

    ``freq`` is a pandas period: ``"D"`` day, ``"W"`` week (Monday to Sunday,
    the default), ``"M"`` month (``"MS"`` is taken as ``"M"``).

    Returns
    -------
    pandas.DataFrame
        ``period`` (start), ``shifts`` (distinct windows), ``hotspots``,
        ``dosed``, ``share_dosed``, ``planned_min``, ``delivered_min``,
        ``delivered_share`` (capped as in :func:`compliance_by_shift`).
    """
    d = _detail(result)
    try:
        period = pd.to_datetime(d["window_start"]).dt.to_period(
            {"MS": "M", "W-MON": "W"}.get(freq, freq)).dt.start_time
    except (ValueError, TypeError):
        raise TrackSchemaError(f"Periodo desconocido {freq!r} (D, W o M).") from None
    d["period"] = period
    g = d.groupby("period", sort=True).agg(
        shifts=("window_start", "nunique"), hotspots=("h3", "size"), dosed=("dose_ok", "sum"),
        planned_min=("planned_min", "sum"), delivered_min=("delivered_min", "sum")
    ).reset_index()
    g["dosed"] = g["dosed"].astype(np.int64)
    g["share_dosed"] = g["dosed"] / g["hotspots"]
    g["delivered_share"] = np.where(g["planned_min"] > 0, g["delivered_min"]
                                    / g["planned_min"].where(g["planned_min"] > 0, 1.0), 0.0)
    return g[["period", "shifts", "hotspots", "dosed", "share_dosed", "planned_min",
              "delivered_min", "delivered_share"]]


def incidents_by_dose(result: DosageResult | pd.DataFrame,
                      incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents that happened inside dosed and undosed hotspots during their windows.

    Descriptive only: hotspots are chosen because crime is expected there and
    units choose where to stay, so the difference is not the effect of the
    dose (that needs a randomised or matched design).

    Parameters
    ----------
    result
        A :class:`DosageResult` (or its ``detail``).
    incidents
        ``occurred_at`` and ``h3_r12`` (or ``lat``/``lon``); an incident
        counts for a planned row when its cell at the plan's resolution (parent
        rule) is the hotspot and it occurred within the window.

    Returns
    -------
    pandas.DataFrame
        Two rows (``dose_ok`` True/False): ``hotspots``, ``incidents``,
        ``incidents_per_hotspot``.
    """
    d = _detail(result).reset_index(drop=True)
    if "window_end" not in d.columns:
        raise TrackSchemaError("Al detalle de la dosis le falta la columna window_end.")
    if "occurred_at" not in incidents.columns:
        raise TrackSchemaError("A los incidentes les falta la columna occurred_at.")
    r12 = ping_cells(incidents)
    occ = timestamps_to_naive(incidents["occurred_at"]).to_numpy(dtype="datetime64[ns]")
    cells = hexbin.strings_to_cells(d["h3"].astype(str).tolist()) if len(d) else \
        np.empty(0, dtype=np.uint64)
    res = ((cells >> np.uint64(52)) & np.uint64(0xF)).astype(np.int64)
    counts = np.zeros(len(d), dtype=np.int64)
    ws = timestamps_to_naive(d["window_start"]).to_numpy(dtype="datetime64[ns]")
    we = timestamps_to_naive(d["window_end"]).to_numpy(dtype="datetime64[ns]")
    for r in np.unique(res):
        rows = np.flatnonzero(res == r)
        inc = pd.DataFrame({"cell": hexbin.cells_to_parent(r12, resolution=int(r)), "t": occ})
        plan = pd.DataFrame({"cell": cells[rows], "row": rows, "a": ws[rows], "b": we[rows]})
        m = plan.merge(inc, on="cell", how="inner")
        m = m[(m["t"] >= m["a"]) & (m["t"] < m["b"])]
        np.add.at(counts, m["row"].to_numpy(dtype=np.int64), 1)
    d["incidents"] = counts
    out = d.groupby("dose_ok").agg(hotspots=("h3", "size"), incidents=("incidents", "sum"))
    out = out.reindex([True, False], fill_value=0)
    out.index.name = "dose_ok"
    out = out.reset_index()
    out["incidents_per_hotspot"] = np.where(out["hotspots"] > 0, out["incidents"]
                                            / out["hotspots"].where(out["hotspots"] > 0, 1), 0.0)
    return out


def dosage_message(result: DosageResult) -> str:
    """One Spanish line summarising a dosage (for the CLI)."""
    d = result.to_dict()
    return (f"{d['dosed']} de {d['hotspots']} puntos con dosis completa "
            f"({d['share_dosed']:.0%}); {d['minutes_in_hotspots']:.0f} min en puntos de "
            f"{d['minutes_tracked']:.0f} min con GPS; {d['skipped_hotspots']} puntos sin visita."
            ).replace("%", " %")
