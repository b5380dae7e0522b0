"""Intervention evaluation on real Philadelphia incidents with injected effects.

Run by hand: ``.venv/bin/python bench/interventions.py [--areas 100] [--reps 5]``. Writes the
``interventions`` section of ``bench/RESULTS.md``:

1. false-positive rate on untouched areas (random discs and police districts, random start
   dates, 12 months before/after): calibrated NB (the default) vs the plain RES on totals vs
   the NB without the placebo drift;
2. recovery of injected reductions (10/30/50 %) at four sizes, from a few blocks to a
   police district: coverage of the truth, mean estimate, detection rate, interval width;
3. displacement: WDQ with half of the removed incidents moved into the ring, and without;
4. time per evaluation against a bare reference (zone counting only) in the same run.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import interventions as iv  # noqa: E402
from bench import _interventions_harness as H  # noqa: E402
from bench._results import write_section  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / \
    "philadelphia_incidents" / "incidents_2016_2025.parquet"
COVERAGE = (pd.Timestamp("2016-01-01"), pd.Timestamp("2026-01-01"))
Z = 1.959963984540054


def _start(rng: np.random.Generator) -> str:
    s = pd.Timestamp("2017-02-01") + pd.DateOffset(months=int(rng.integers(0, 94)))
    return f"{s:%Y-%m-%d}"


def _eval(df: pd.DataFrame, area: object, start: str, **kw: object) -> tuple[iv.AreaComparison,
                                                                              float]:
    t = time.perf_counter()
    o = iv.evaluate_intervention(df, area, start=start, coverage=COVERAGE, by_group=False,
                                 **kw).overall  # type: ignore[arg-type]
    return o, time.perf_counter() - t


def _uncalibrated(o: iv.AreaComparison) -> tuple[float, float] | None:
    """Recover the NB interval without the placebo drift from the calibrated one."""
    if o.ci_low_pct is None or o.ci_high_pct is None or o.effect_pct is None:
        return None
    lo, hi = math.log1p(o.ci_low_pct / 100), math.log1p(o.ci_high_pct / 100)
    var = ((hi - lo) / (2 * (o.interval_multiplier or Z))) ** 2 - (o.drift_sd or 0.0) ** 2
    b = math.log1p(o.effect_pct / 100)
    s = math.sqrt(max(var, 0.0))
    return (math.expm1(b - Z * s) * 100, math.expm1(b + Z * s) * 100)


def _excludes_zero(lo: float | None, hi: float | None) -> bool:
    return lo is not None and hi is not None and not (lo <= 0 <= hi)


def false_positives(full: pd.DataFrame, rng: np.random.Generator, n: int
                    ) -> tuple[pd.DataFrame, list[float]]:
    """Evaluate ``n`` untouched areas; one row each with the three methods' verdicts."""
    rows, secs = [], []
    for i in range(n):
        start = _start(rng)
        df = H.window(full, start)
        if i % 8 == 7:
            num = int(rng.choice(H.district_numbers(DATA)))
            area, kind = H.district_area(DATA, num), f"distrito {num}"
        else:
            r = float(np.exp(rng.uniform(np.log(120), np.log(1500))))
            area, kind = H.random_disc(df, rng, r), f"disco {r:.0f} m"
        o, s = _eval(df, area, start)
        secs.append(s)
        unc = _uncalibrated(o)
        rows.append(dict(
            kind=kind, start=start, n=o.area_before + o.area_after, enough=o.enough,
            fp_nb=_excludes_zero(o.ci_low_pct, o.ci_high_pct),
            fp_res=(o.res_ci_low is not None and o.res_ci_high is not None
                    and not (o.res_ci_low <= 1 <= o.res_ci_high)),
            fp_nb_raw=unc is not None and _excludes_zero(*unc),
            fp_ring=_excludes_zero(o.buffer_ci_low_pct, o.buffer_ci_high_pct),
            ring_ok=o.buffer_ci_low_pct is not None, drift=o.drift_sd,
            dispersion=o.dispersion, effect=o.effect_pct))
    return pd.DataFrame(rows), secs


SIZES = (("pocas cuadras (disco 150 m)", 150.0, 150), ("barrio (disco 400 m)", 400.0, 600),
         ("sector (disco 1 km)", 1000.0, 2000), ("distrito policial", 0.0, 0))


def recovery(full: pd.DataFrame, rng: np.random.Generator, reps: int
             ) -> tuple[pd.DataFrame, list[float]]:
    """Inject reductions of 10/30/50 % at each size; one row per evaluation."""
    rows, secs = [], []
    districts = H.district_numbers(DATA)
    for label, radius, min_n in SIZES:
        for share in (0.1, 0.3, 0.5):
            for _ in range(reps):
                start = _start(rng)
                df = H.window(full, start)
                area = (H.district_area(DATA, int(rng.choice(districts))) if radius == 0
                        else H.random_disc(df, rng, radius, min_incidents=min_n))
                o, s = _eval(H.inject_reduction(df, area, start, share, rng), area, start)
                secs.append(s)
                truth = -100 * share
                rows.append(dict(
                    size=label, share=share, enough=o.enough, n=o.area_before + o.area_after,
                    covered=(o.ci_low_pct is not None and o.ci_high_pct is not None
                             and o.ci_low_pct <= truth <= o.ci_high_pct),
                    detected=o.ci_high_pct is not None and o.ci_high_pct < 0,
                    estimate=o.effect_pct,
                    width=(None if o.ci_low_pct is None or o.ci_high_pct is None
                           else o.ci_high_pct - o.ci_low_pct)))
    return pd.DataFrame(rows), secs


def displacement(full: pd.DataFrame, rng: np.random.Generator, reps: int) -> pd.DataFrame:
    """WDQ with half of the area's incidents moved into the ring, and with them removed."""
    rows = []
    for label, radius, min_n, ring in (("disco 700 m, anillo 250 m", 700.0, 3000, 250.0),
                                       ("disco 400 m, anillo 400 m", 400.0, 600, 400.0)):
        for _ in range(reps):
            start = _start(rng)
            df = H.window(full, start)
            area = H.random_disc(df, rng, radius, min_incidents=min_n)
            moved, _ = _eval(H.inject_displacement(df, area, start, 0.5, rng, buffer_m=ring),
                             area, start, buffer_m=ring)
            cut, _ = _eval(H.inject_reduction(df, area, start, 0.5, rng), area, start,
                           buffer_m=ring)
            for injected, o in (("sí", moved), ("no", cut)):
                rows.append(dict(config=label, injected=injected, wdq=o.wdq,
                                 ring_over_area=o.buffer_before / max(o.area_before, 1),
                                 flagged="indicios de desplazamiento:" in o.verdict))
    return pd.DataFrame(rows)


def reference_time(full: pd.DataFrame, rng: np.random.Generator, n: int = 10) -> float:
    """Bare reference: project the points and count area/ring/control per month."""
    import shapely

    out = []
    for _ in range(n):
        start = _start(rng)
        df = H.window(full, start)
        area = H.random_disc(df, rng, 500)
        t = time.perf_counter()
        sa = iv.study_areas(area)
        ok = df[["lat", "lon"]].notna().all(axis=1).to_numpy()
        x, y = iv.utm_transformer(sa.epsg).transform(df["lon"].to_numpy()[ok],
                                                     df["lat"].to_numpy()[ok])
        zone = (shapely.contains_xy(sa.target, x, y).astype(np.int64)
                + shapely.contains_xy(sa.full, x, y).astype(np.int64))
        m = df["occurred_at"].to_numpy().astype("datetime64[M]").astype(np.int64)[ok]
        np.bincount((m - m.min()) * 3 + zone)
        out.append(time.perf_counter() - t)
    return float(np.median(out))


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def main() -> int:
    """Run the harness and write the section."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=100)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20261207)
    args = ap.parse_args()
    if not DATA.is_file():
        print(f"no está {DATA}", file=sys.stderr)
        return 1
    load0 = os.getloadavg()[0]
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    full = H.load_philadelphia(DATA)
    t_load = time.perf_counter() - t0
    fp, secs_fp = false_positives(full, rng, args.areas)
    rec, secs_rec = recovery(full, rng, args.reps)
    disp = displacement(full, rng, max(args.reps, 6))
    ref = reference_time(full, rng)
    load1 = os.getloadavg()[0]
    secs = secs_fp + secs_rec
    ev = fp[fp["enough"]]
    ring = fp[fp["ring_ok"]]

    lines = ["## interventions (bench/interventions.py)", "",
             f"Real Philadelphia incidents ({len(full):,} rows, read in {t_load:.1f} s), "
             "12 months before and after a random start (2017–2024), all crimes, default 400 m "
             f"ring, automatic control (rest of the police district(s), else the city), "
             f"{iv.PLACEBO_AREAS} placebo areas. Effects are injected, so the truth is known.",
             "", "### False positives on untouched areas",
             "", f"{len(fp)} untouched areas (random discs of 120–1,500 m around an incident, "
             f"every 8th a police district), {len(ev)} with enough incidents. Share whose 95 % "
             "interval excludes zero (nominal 5 %):", "",
             "| method | false-positive rate |", "| --- | ---: |",
             "| **NB on monthly counts + placebo drift (default)** | "
             f"**{_pct(ev['fp_nb'].mean())}** |",
             f"| NB on monthly counts, no drift term | {_pct(ev['fp_nb_raw'].mean())} |",
             f"| plain RES on totals (Farrington & Welsh) | {_pct(ev['fp_res'].mean())} |",
             f"| ring vs control (default, calibrated) | {_pct(ring['fp_ring'].mean())} "
             f"(n = {len(ring)}) |", "",
             f"Placebo drift (sd of the log ratio change between areas): median "
             f"{ev['drift'].median():.3f} (range {ev['drift'].min():.3f}–{ev['drift'].max():.3f}); "
             f"NB2 dispersion α median {ev['dispersion'].median():.3f}. The plain RES treats "
             "counts as Poisson; real areas drift relative to the city by ±10–25 % a year, so "
             "with hundreds of incidents its interval is far too narrow. Monthly NB catches "
             "month-to-month overdispersion but not that drift; the placebo term does.", "",
             "### Recovery of injected reductions", "",
             "A share of the area's incidents after the start removed at random. *Covered*: "
             "the 95 % interval contains the true effect; *detected*: its upper end is below "
             "zero; *too few*: fewer than 20 incidents, no number given.", "",
             "| area | injected | areas | too few | covered | detected | mean estimate | "
             "mean interval width |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for (size, share), g in rec.groupby(["size", "share"], sort=False):
        ok = g[g["enough"]]
        lines.append(
            f"| {size} | −{100 * share:.0f} % | {len(g)} | {int((~g['enough']).sum())} | "
            f"{_pct(ok['covered'].mean()) if len(ok) else '—'} | "
            f"{_pct(ok['detected'].mean()) if len(ok) else '—'} | "
            f"{ok['estimate'].mean():+.1f} % | {ok['width'].mean():.0f} pts |")
    ok = rec[rec["enough"]]
    lines += ["", f"Overall coverage {_pct(ok['covered'].mean())} over {len(ok)} evaluations "
              "(nominal 95 %).", "", "### Displacement (WDQ)", "",
              "Half of the area's incidents after the start moved to random points of the ring "
              "(*injected*), or removed (*not injected*). Expected WDQ: −1 and 0. Its noise "
              "grows with the ring's count over the area's (sd ≈ drift × ring/area ÷ share).",
              "", "| configuration | displaced | areas | ring/area (before) | median WDQ | "
              "WDQ interquartile range | verdict flags displacement |",
              "| --- | --- | ---: | ---: | ---: | --- | ---: |"]
    for (cfg, inj), g in disp.groupby(["config", "injected"], sort=False):
        w = g["wdq"].dropna()
        lines.append(f"| {cfg} | {inj} | {len(g)} | {g['ring_over_area'].median():.1f} | "
                     f"{w.median():.2f} | {w.quantile(0.25):.2f} to {w.quantile(0.75):.2f} | "
                     f"{_pct(g['flagged'].mean())} |")
    lines += ["", "### Time", "",
              f"Median per evaluation (2 × 12 months of the whole city, ~300k incidents, 100 "
              f"placebos): {np.median(secs):.2f} s; bare reference (project + count area/ring "
              f"per month, no statistics): {ref:.3f} s; ratio {np.median(secs) / ref:.0f}×. "
              f"Load average (1 min) before / after: {load0:.1f} / {load1:.1f} (the machine is "
              "shared).", ""]
    body = "\n".join(lines)
    write_section("interventions", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
