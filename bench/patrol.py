"""Patrol optimiser on a whole city: solve times, gap, greedy comparison, historical coverage.

Run by hand: ``.venv/bin/python bench/patrol.py`` (about a minute). Uses the
Philadelphia incidents (``../shared/data``), resolution-9 cells, a 400 m
radius and the default Koper dose (15 min per hotspot, revisit every 2 h,
20 km/h: 6 hotspots per unit). Writes the ``patrol`` section of RESULTS.md.

Forecast used here (simple, computed in this script): for a shift starting
at ``t``, each cell's expected incidents are the mean of its same-shift daily
rate over the 28 days before ``t`` and over the 365 days before ``t``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import geo, hexbin, patrol, settings  # noqa: E402
from analytics.patrol import routes  # noqa: E402
from bench._results import write_section  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "philadelphia_incidents" / "incidents_2016_2025.parquet"
RES = 9
RADIUS = 400.0


def load() -> pd.DataFrame:
    df = pd.read_parquet(DATA, columns=["ts_local", "lat", "lon"]).dropna()
    df = df[df["ts_local"] >= "2023-06-01"].reset_index(drop=True)
    r12 = hexbin.points_to_cells(df["lat"].to_numpy(), df["lon"].to_numpy(), resolution=12)
    df["h3_r12"] = r12
    df["cell"] = hexbin.cells_to_parent(r12, resolution=RES)
    df["occurred_at"] = df["ts_local"]
    df["shift_start"] = hexbin.times_to_shift_starts(df["ts_local"]).to_numpy()
    return df


def forecast_for(df: pd.DataFrame, start: pd.Timestamp, hours: int = 8) -> pd.DataFrame:
    same = df[df["shift_start"].dt.hour == start.hour]
    out = []
    for days in (28, 365):
        lo = start - pd.Timedelta(days=days)
        past = same[(same["shift_start"] < start) & (same["shift_start"] >= lo)]
        out.append(past.groupby("cell").size() / days)
    exp = pd.concat(out, axis=1).fillna(0.0).mean(axis=1)
    return pd.DataFrame({"h3": exp.index.to_numpy(dtype=np.uint64), "expected": exp.to_numpy(),
                         "window_start": start, "window_end": start + pd.Timedelta(hours=hours)})


def main() -> None:
    t0 = time.perf_counter()
    df = load()
    print(f"loaded {len(df):,} incidents in {time.perf_counter() - t0:.1f} s")
    start = pd.Timestamp("2025-06-02 14:00")
    fc = forecast_for(df, start)
    k = patrol.hotspots_per_unit(radius_m=RADIUS)
    lines = [
        "## Patrol optimiser (`bench/patrol.py`)",
        "",
        f"Philadelphia, forecast for the shift starting {start:%Y-%m-%d %H:%M} (mean of the "
        f"same-shift daily rate over 28 and 365 days), {len(fc):,} resolution-9 cells "
        f"(every cell is a candidate and a demand point), radius {RADIUS:.0f} m, "
        f"{k} hotspots per unit (Koper dose: {settings.PATROL_DWELL_MIN} min, revisit "
        f"≤ {settings.PATROL_REVISIT_MIN} min, {settings.PATROL_SPEED_KMH:g} km/h). "
        f"Exact = HiGHS {_highs_version()} (IPM LP bound, LP dive + swap search, then "
        f"branch and cut), gap target {patrol.MIP_REL_GAP:.1%}, time limit "
        f"{settings.SOLVER_TIME_LIMIT_S:g} s, one thread.",
        "",
        "Two rows per unit count: **MCLP** is the optimiser alone (`place_patrols` on the "
        "coverage matrix: the exact answer for units × k hotspots, its proven gap, and how many "
        "units' loops would exceed 2 h once the hotspots are split among units); **plan** is "
        "what `place_patrols_on_cells` returns after the loop repair (module notes of "
        "`analytics/patrol.py`): every loop within 2 h, its gap measured against the MCLP's "
        "upper bound (so a ceiling on the distance to the best plan that honours the rule).",
        "",
        "| units | row | hotspots | covered (share) | status | gap | seconds | "
        "greedy: covered | greedy / plan | units over 2 h loop | model after reduction |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    cells = hexbin.to_cells(fc["h3"].to_numpy())
    w = fc["expected"].to_numpy()
    cov = patrol.coverage_matrix(cells, radius_m=RADIUS)
    lat, lon = hexbin.cells_to_centers(cells)
    m_per_min = settings.PATROL_SPEED_KMH * 1000 / 60
    for units in (10, 20, 50):
        sol = patrol.place_patrols(cov, w, n_hotspots=units * k)
        hs = sol.selected
        labels = routes._balanced_units(geo.local_xy(lat[hs], lon[hs], float(lat.mean()),
                                                         float(lon.mean())), units)
        labels = routes._rebalance(lat[hs], lon[hs], labels,
                                   dwell_min=settings.PATROL_DWELL_MIN,
                                   revisit_min=settings.PATROL_REVISIT_MIN, m_per_min=m_per_min)
        minutes = routes._minutes(lat[hs], lon[hs], m_per_min)
        cycles = [routes._cycle_min(minutes, np.flatnonzero(labels == u),
                                    settings.PATROL_DWELL_MIN) for u in np.unique(labels)]
        over = sum(c > settings.PATROL_REVISIT_MIN for c in cycles)
        ms = sol.model_size
        size = f"{ms.get('candidates_reduced')} × {ms.get('demand_reduced')}"
        lines.append(
            f"| {units} | MCLP | {len(hs)} | {sol.objective:.2f} ({sol.share_of_risk:.1%}) | "
            f"{sol.status} | {sol.gap:.3%} | {sol.seconds:.2f} | | | {over} of {units} "
            f"(worst {max(cycles):.0f} min) | {size} |")
        print(lines[-1], flush=True)
        plan = patrol.place_patrols_on_cells(fc, units=units, radius_m=RADIUS)
        greedy = patrol.place_patrols_on_cells(fc, units=units, radius_m=RADIUS, solver="greedy")
        lines.append(
            f"| {units} | plan | {len(plan.routes)} | {plan.objective:.2f} "
            f"({plan.share_of_risk:.1%}) | {plan.status} | {plan.gap:.3%} | {plan.seconds:.2f} | "
            f"{greedy.objective:.2f} | {greedy.objective / plan.objective:.4f} | "
            f"{len(plan.revisit_violations)} of {units} (worst "
            f"{plan.routes['cycle_min'].max():.0f} min) | {plan.repair_rounds} re-solve(s) |")
        print(lines[-1], flush=True)
    # historical coverage against retro28
    windows = [pd.Timestamp(f"2025-{m:02d}-{d:02d} {h:02d}:00")
               for m, d in ((2, 3), (4, 7), (6, 9), (8, 4), (10, 6), (12, 1)) for h in (14, 22)]
    fcs = pd.concat([forecast_for(df, w) for w in windows], ignore_index=True)
    t1 = time.perf_counter()
    hist = patrol.plan_coverage_history(df[["occurred_at", "h3_r12"]], fcs, units=20,
                                        radius_m=RADIUS)
    th = time.perf_counter() - t1
    lines += [
        "",
        f"Historical coverage, 20 units × {k} hotspots, 400 m: share of the incidents of each "
        "window that fell inside the plan's covered area (cells whose centre is within 400 m of "
        "a hotspot), for the plan from the forecast above and for the plan from `retro28` (each "
        f"cell's count over the 28 days before the window). {len(windows)} windows of 2025, "
        f"{th:.0f} s for all {2 * len(windows)} plans (all with the loop repair).",
        "",
        "| window start | incidents | covered area (cells) | share, forecast plan | "
        "share, retro28 plan | gain |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in hist.iterrows():
        lines.append(f"| {r['window_start']:%Y-%m-%d %H:%M} | {r['incidents']} | "
                     f"{r['area_cells']} / {r['area_cells_retro28']} | {r['share_forecast']:.1%} | "
                     f"{r['share_retro28']:.1%} | {r['gain']:+.1%} |")
    tot = hist[["incidents", "covered_forecast", "covered_retro28"]].sum()
    lines += [
        f"| **all** | {tot['incidents']} | | "
        f"**{tot['covered_forecast'] / tot['incidents']:.1%}** | "
        f"**{tot['covered_retro28'] / tot['incidents']:.1%}** | "
        f"{(tot['covered_forecast'] - tot['covered_retro28']) / tot['incidents']:+.1%} |",
    ]
    body = "\n".join(lines)
    print(body)
    write_section("patrol", body)


def _highs_version() -> str:
    import highspy

    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


if __name__ == "__main__":
    main()
