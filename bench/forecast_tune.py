"""Tune the selecting default cell model on 2023–2024 origins (never on 2025).

Run by hand: ``.venv/bin/python bench/forecast_tune.py [--cities a,b] [--dump-only]``.

Step 1 (slow, cached under ``bench/_work/tune/``, one file per city and origin):
for each stand-in city (``bench/_cities.py``) and each tuning origin, the
forecasts of every base model for the next week (shift windows) and the
actual counts, plus the internal panel :class:`analytics.forecast.selection.AutoModel`
sees at that origin (the last :data:`INTERNAL_WEEKS` weeks before it: each base
model's forecasts and the actual counts). The boosted model is fitted twice per
origin: once without the internal weeks (what the selecting model uses) and
once on every week (the plain ``boosted`` model).

Step 2 (fast): replays selection rules on the cached panels and prints, per
city, each rule's mean hit rate over the test weeks against the best baseline
(shift and week windows, 1 % and 5 % of cells).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import evaluation as ev  # noqa: E402
from analytics import forecast as fc  # noqa: E402
from analytics.forecast import selection as sel  # noqa: E402
from analytics.forecast.cells import windows_to_array  # noqa: E402
from bench._cities import CITIES, city, load_philadelphia  # noqa: E402

WORK = ROOT / "bench" / "_work" / "tune"
#: Tuning origins: Mondays ten weeks apart over 2023–2024; the small (fast) cities use
#: every Monday of those two years (a sparse city's week is a noisy test).
ORIGINS_TUNE = [d.strftime("%Y-%m-%d") for d in pd.date_range("2023-01-09", periods=10,
                                                                freq="70D")]
ORIGINS_TUNE_WEEKLY = [d.strftime("%Y-%m-%d") for d in pd.date_range("2023-01-09",
                                                                       "2024-12-23", freq="7D")]
#: Cities tuned on every week.
WEEKLY_CITIES = ("sparse3", "sparse3b")
COVERAGES = (0.01, 0.05)


def dump_origin(binned: fc.BinnedIncidents, cut: pd.Timestamp, path: Path) -> None:
    """Cache base-model forecasts and actual counts at one origin."""
    h = fc.incidents_to_history(binned, train_until=cut, country="US")
    origins = sel.internal_origins(h)
    out: dict[str, np.ndarray] = {"internal_actual": sel.actual_panel(h, origins)
                                  .astype(np.int16)}
    t0 = time.perf_counter()
    stale = fc.BoostedModel(holdout_days=7 * len(origins), seed=0)
    weeks = stale.fit_scoring(h, origins)
    t_stale = time.perf_counter() - t0
    out["internal_boosted"] = sel.boosted_panel(h, stale, weeks, origins).astype(np.float32)
    for name, arr in sel.baseline_panel(h, origins).items():
        out[f"internal_{name}"] = arr.astype(np.float32)
    t0 = time.perf_counter()
    fresh = fc.BoostedModel(seed=0).fit(h)
    t_fresh = time.perf_counter() - t0
    models: dict[str, fc.CellModel] = {"boosted": stale, "boosted_fresh": fresh}
    for b in fc.BASELINES:
        models[b] = fc.make_model(b)
    for name, m in models.items():
        exp, starts, ends = windows_to_array(h, m, train_until=cut, horizon_days=7,
                                             windows="shift")
        out[f"test_{name}"] = exp.astype(np.float32)
    act, tot = ev.actual_counts(binned, h.cells, starts, ends)
    out["test_actual"] = act.astype(np.int16)
    out["test_totals"] = tot
    wk = np.array([np.datetime64(cut.to_datetime64(), "ns")])
    wact, wtot = ev.actual_counts(binned, h.cells, wk, wk + np.timedelta64(7, "D"))
    out["test_week_totals"] = wtot
    out["seconds"] = np.array([t_stale, t_fresh])
    np.savez_compressed(path, **out)


def origins_of(name: str) -> list[str]:
    """Tuning origins of a stand-in city."""
    return ORIGINS_TUNE_WEEKLY if name in WEEKLY_CITIES else ORIGINS_TUNE


def dump(cities: Sequence[str], origins: Sequence[str]) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    philly = None
    for name in cities:
        todo = [o for o in origins if not (WORK / f"{name}_{o}.npz").exists()]
        if not todo:
            continue
        if philly is None:
            philly = load_philadelphia()
        df, group = city(name, philly)
        binned = fc.bin_incidents(df, resolution=9, crime_group=group)
        print(f"{name}: {len(binned.cell):,} incidents", flush=True)
        for o in todo:
            t0 = time.perf_counter()
            dump_origin(binned, pd.Timestamp(o), WORK / f"{name}_{o}.npz")
            print(f"  {o}: {time.perf_counter() - t0:.0f} s", flush=True)


# --------------------------------------------------------------------------- replay


def load(name: str, origin: str) -> dict[str, np.ndarray]:
    with np.load(WORK / f"{name}_{origin}.npz") as z:
        return {k: z[k] for k in z.files}


def test_rates(pred: np.ndarray, d: dict[str, np.ndarray], rng: np.random.Generator
               ) -> dict[str, float]:
    """Mean hit rates on the test week (shift and week windows), outer-evaluation rules."""
    act = d["test_actual"].astype(np.float64)
    sc = ev.window_scores(pred, act, d["test_totals"], coverages=COVERAGES, rng=rng)
    wk = ev.window_scores(pred.sum(axis=1, keepdims=True), act.sum(axis=1, keepdims=True),
                          d["test_week_totals"], coverages=COVERAGES, rng=rng)
    out = {f"shift@{p:g}": float(np.nanmean(sc[:, j, 0])) for j, p in enumerate(COVERAGES)}
    out.update({f"week@{p:g}": float(wk[0, j, 0]) for j, p in enumerate(COVERAGES)})
    return out


Rule = Callable[[dict[str, np.ndarray]], sel.Candidate]


def internal_choice(d: dict[str, np.ndarray], cands: Sequence[sel.Candidate],
                    weeks: int = sel.INTERNAL_WEEKS, seed: int = 0) -> sel.Candidate:
    preds = {m: d[f"internal_{m}"][-weeks:].astype(np.float64) for m in sel.BASE_MODELS}
    actual = d["internal_actual"][-weeks:].astype(np.float64)
    plain = [sel.Candidate(((b, 1.0),)) for b in fc.BASELINES]
    scored = list(dict.fromkeys([*plain, *cands]))
    rates = sel.score_candidates(preds, actual, scored, seed=seed)
    return sel.choose_candidate(rates, cands)


def replay(cities: Sequence[str], origins: Sequence[str],
           rules: dict[str, Rule]) -> pd.DataFrame:
    rows = []
    for name in cities:
        for o in origins:
            f = WORK / f"{name}_{o}.npz"
            if not f.exists():
                continue
            d = load(name, o)
            preds = {m: d[f"test_{m}"].astype(np.float64) for m in sel.BASE_MODELS}
            preds["boosted_fresh"] = d["test_boosted_fresh"].astype(np.float64)
            rng = np.random.default_rng(0)
            for b in (*fc.BASELINES, "boosted", "boosted_fresh"):
                rows.append({"city": name, "origin": o, "model": b,
                             **test_rates(preds[b], d, rng)})
            for rule, fn in rules.items():
                c = fn(d)
                rows.append({"city": name, "origin": o, "model": rule, "chosen": c.name,
                             **test_rates(c.combine(preds), d, rng)})
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in df.columns if "@" in c]
    mean = df.groupby(["city", "model"])[keys].mean()
    out = []
    for cty, g in mean.groupby(level=0):
        best = g.loc[[(cty, b) for b in fc.BASELINES]].max()
        r = g / best
        r["mean"] = r.mean(axis=1)
        r["min"] = r[keys].min(axis=1)
        out.append(r)
    return pd.concat(out)


def default_rules() -> dict[str, Rule]:
    cands = sel.default_candidates()
    return {"selected": lambda d: internal_choice(d, cands)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cities", default=",".join(CITIES))
    ap.add_argument("--dump-only", action="store_true")
    args = ap.parse_args(argv)
    cities = [c for c in args.cities.split(",") if c]
    for c in cities:
        dump([c], origins_of(c))
    if args.dump_only:
        return 0
    df = pd.concat([replay([c], origins_of(c), default_rules()) for c in cities])
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(summary(df).round(4).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
