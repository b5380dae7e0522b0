"""Zone forecasts: Philadelphia's 21 police districts at the 2025 origins.

Run by hand: ``.venv/bin/python bench/zones.py [--origins N] [--no-write]``.

1. Daily forecast (28 days, ``by="day"``) of each district at the 13 origins
   of ``bench/forecast.py``: daily RMSE over all zone-days of the 7-day and
   28-day horizons (28-day horizons cut at 2025-12-31, the end of the data)
   against the two baselines (mean of the last 28 days; same weekday over the
   last 8 weeks), per-origin spread, and the 80 % interval's coverage.
2. Shift and hour split: a 7-day forecast by shift and by hour against the
   analyst's baseline (mean of the same weekday and shift/hour over the last
   8 weeks), RMSE per shift and over hours, coverage.
3. Timing of a 28-day daily forecast for 136 zones (Philadelphia's 408 census
   tracts merged three by three, incidents placed in them by
   :func:`analytics.zones.points_to_zones`) and for 3 large zones (the
   districts grouped), each with its internal backtest.
4. A low-density city: a 10 % random thinning of Philadelphia (21 districts),
   the same RMSE and coverage checks, to see the sparse fallbacks hold.
5. ``--only store,period`` (its own section, ``zones_store``): the nightly job's
   path (a 28-day daily and a 7-day hourly forecast of the 136 zones, written
   to a store that already holds three weeks of nightly runs, and read back the
   way the pages read them), and the Codisec expected range of whole months and
   quarters (:func:`analytics.zone_period.forecast_period`): its time and the
   coverage of its 80 % interval.

Data: ``../shared/data/philadelphia_incidents/incidents_2016_2025.parquet``:
every incident of the 21 current districts (``police_district`` in the
polygon file; the old 6th and the two stray 4th rows are left out), with or
without coordinates, midnight-stamped rows included (their date is real; the
hour profile ignores 00:00:00 stamps). Holidays ``US``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import (  # noqa: E402
    zone_forecast as zf,
    zones as zn,
)
from analytics._zone_prophet import prophet_forecast  # noqa: E402
from bench._results import write_section  # noqa: E402
from bench.forecast import ORIGINS_2025  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "philadelphia_incidents"
PHILLY = DATA / "incidents_2016_2025.parquet"
DISTRICTS = DATA / "police_districts.geojson"
TRACTS = DATA / "census_tracts_pop.geojson"
END = pd.Timestamp("2026-01-01")  # first day without data


def load_events(*, thin: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """``occurred_at``, ``zone`` (district number as text), ``lat``, ``lon``."""
    import geopandas as gpd

    keep = set(gpd.read_file(DISTRICTS)["dist_num"].astype(int))
    df = pd.read_parquet(PHILLY, columns=["ts_local", "police_district", "lat", "lon"])
    df = df[df["police_district"].isin(keep)]
    if thin < 1.0:
        df = df[np.random.default_rng(seed).random(len(df)) < thin]
    return pd.DataFrame({"occurred_at": df["ts_local"].to_numpy(),
                         "zone": df["police_district"].astype(int).astype(str).to_numpy(),
                         "lat": df["lat"].to_numpy(), "lon": df["lon"].to_numpy()})


def daily_matrix(events: pd.DataFrame, zones: np.ndarray, first: pd.Timestamp,
                 end: pd.Timestamp) -> np.ndarray:
    """(zones, days) counts over [first, end)."""
    t = pd.to_datetime(events["occurred_at"])
    m = ((t >= first) & (t < end)).to_numpy()
    zi = pd.Index(zones).get_indexer(events["zone"].to_numpy()[m])
    d = (t[m].dt.normalize() - first).dt.days.to_numpy()
    ok = zi >= 0
    n = (end - first).days
    return np.bincount(zi[ok] * n + d[ok], minlength=len(zones) * n).reshape(len(zones), n
                                                                          ).astype(float)


def window_counts(events: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Actual incidents of each row's zone in its window (windows sorted per zone)."""
    out = np.zeros(len(table))
    t = pd.to_datetime(events["occurred_at"]).to_numpy()
    ez = events["zone"].to_numpy()
    for z, rows in table.groupby("zone", sort=False).indices.items():
        tz = np.sort(t[ez == z])
        s = table["window_start"].to_numpy()[rows]
        e = table["window_end"].to_numpy()[rows]
        out[rows] = np.searchsorted(tz, e) - np.searchsorted(tz, s)
    return out


def daily_eval(events: pd.DataFrame, origins: list[str], *, country: str = "US",
               max_zone_fits: int = zf.MAX_ZONE_FITS) -> dict[str, object]:
    """Per origin: squared errors of the forecast and baselines over 7 and 28 days."""
    zones = np.array(sorted(events["zone"].unique()), dtype=object)
    first = pd.Timestamp(events["occurred_at"].min()).normalize()
    Y = daily_matrix(events, zones, first, END)
    rows, models, secs, cover = [], [], [], {7: [], 28: []}
    for o in origins:
        cut = pd.Timestamp(o)
        t0 = time.perf_counter()
        res = zf.forecast_zones(events[["occurred_at", "zone"]], train_until=cut,
                                horizon_days=28, by="day", country=country,
                                max_zone_fits=max_zone_fits, seed=0)
        secs.append(time.perf_counter() - t0)
        models.append(res.model_counts())
        tab = res.table
        zi = pd.Index(zones).get_indexer(tab["zone"])
        assert (zi >= 0).all()
        i = (cut - first).days
        n = min(28, (END - cut).days)
        exp = np.zeros((len(zones), 28))
        lo = np.zeros_like(exp)
        hi = np.zeros_like(exp)
        d = ((pd.to_datetime(tab["window_start"]) - cut).dt.days).to_numpy()
        exp[zi, d] = tab["expected"].to_numpy()
        lo[zi, d] = tab["lower"].to_numpy()
        hi[zi, d] = tab["upper"].to_numpy()
        y = Y[:, i:i + n]
        mean28, wd8 = zf.baseline_forecasts(Y, i, 28)
        for h in (7, 28):
            k = min(h, n)
            rows.append({"origin": o, "h": h,
                         "se_model": ((exp[:, :k] - y[:, :k]) ** 2).ravel(),
                         "se_mean28": ((mean28[:, :k] - y[:, :k]) ** 2).ravel(),
                         "se_wd8": ((wd8[:, :k] - y[:, :k]) ** 2).ravel()})
            cover[h].append(((lo[:, :k] <= y[:, :k]) & (y[:, :k] <= hi[:, :k])).ravel())
        print(f"  {o}: {secs[-1]:.1f} s {models[-1]}", flush=True)
    return {"rows": rows, "models": models, "seconds": secs, "cover": cover,
            "zones": len(zones)}


def summarise(ev: dict[str, object]) -> pd.DataFrame:
    """RMSE table: overall, per-origin spread of the ratio to the best baseline, coverage."""
    out = []
    rows = ev["rows"]
    assert isinstance(rows, list)
    cover = ev["cover"]
    assert isinstance(cover, dict)
    for h in (7, 28):
        sel = [r for r in rows if r["h"] == h]
        rm = {k: float(np.sqrt(np.concatenate([r[f"se_{k}"] for r in sel]).mean()))
              for k in ("model", "mean28", "wd8")}
        best = min(rm["mean28"], rm["wd8"])
        per = []
        for r in sel:
            m = np.sqrt(r["se_model"].mean())
            b = min(np.sqrt(r["se_mean28"].mean()), np.sqrt(r["se_wd8"].mean()))
            per.append(m / b)
        per_a = np.array(per)
        out.append({"horizon": f"{h} d", "RMSE zone forecast": rm["model"],
                    "RMSE mean 28 d": rm["mean28"], "RMSE weekday 8 w": rm["wd8"],
                    "ratio to best": rm["model"] / best,
                    "per-origin ratio min": per_a.min(), "median": float(np.median(per_a)),
                    "max": per_a.max(), "origins won": f"{int((per_a <= 1).sum())}/{len(per_a)}",
                    "80 % coverage": float(np.concatenate(cover[h]).mean())})
    return pd.DataFrame(out)


def shift_baselines(events: pd.DataFrame, table: pd.DataFrame, cut: pd.Timestamp
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Analyst baselines per window (complete windows before the cut only).

    Mean of the same weekday and window over the last 8 weeks, and of the
    same window of the day over the last 28 days.
    """
    t = pd.to_datetime(events["occurred_at"]).to_numpy()
    ez = events["zone"].to_numpy()
    day = np.timedelta64(1, "D")
    c = np.datetime64(cut.to_datetime64(), "ns")
    wd8 = np.zeros(len(table))
    d28 = np.zeros(len(table))
    for z, rows in table.groupby("zone", sort=False).indices.items():
        tz = np.sort(t[ez == z])
        s = table["window_start"].to_numpy()[rows]
        e = table["window_end"].to_numpy()[rows]
        for out, step, n in ((wd8, 7, 8), (d28, 1, 28)):
            k = np.arange(1, n + 12)
            ss = s[:, None] - (step * k)[None, :] * day
            ee = e[:, None] - (step * k)[None, :] * day
            ok = ee <= c
            rank = np.cumsum(ok, axis=1)
            use = ok & (rank <= n)
            cnt = np.searchsorted(tz, ee) - np.searchsorted(tz, ss)
            out[rows] = (cnt * use).sum(axis=1) / np.maximum(use.sum(axis=1), 1)
    return wd8, d28


def split_eval(events: pd.DataFrame, origins: list[str], *, by: str) -> pd.DataFrame:
    """RMSE per window kind (and per shift) of the zone forecast vs the analyst baselines."""
    parts = []
    for o in origins:
        cut = pd.Timestamp(o)
        res = zf.forecast_zones(events[["occurred_at", "zone"]], train_until=cut,
                                horizon_days=7, by=by, country="US", seed=0)
        tab = res.table.copy()
        tab["y"] = window_counts(events, tab)
        tab["wd8"], tab["d28"] = shift_baselines(events, tab, cut)
        tab["covered"] = (tab["lower"] <= tab["y"]) & (tab["y"] <= tab["upper"])
        parts.append(tab)
        print(f"  {by} {o}: {res.seconds:.1f} s", flush=True)
    allw = pd.concat(parts, ignore_index=True)
    key = allw["window_start"].dt.hour if by == "shift" else pd.Series("todas", index=allw.index)
    if by == "shift":
        names = {s: n for n, s, _e in zf.settings.SHIFTS}
        key = key.map(names)
    rows = []
    for k, g in [*allw.groupby(key, sort=False), ("todas", allw)] if by == "shift" else [
            ("todas", allw)]:
        r = {"windows": by, "group": k}
        for c, lab in (("expected", "RMSE zone forecast"), ("wd8", "RMSE weekday 8 w"),
                       ("d28", "RMSE same window 28 d")):
            r[lab] = float(np.sqrt(((g[c] - g["y"]) ** 2).mean()))
        r["ratio to best"] = r["RMSE zone forecast"] / min(r["RMSE weekday 8 w"],
                                                           r["RMSE same window 28 d"])
        r["80 % coverage"] = float(g["covered"].mean())
        r["mean count"] = float(g["y"].mean())
        rows.append(r)
    return pd.DataFrame(rows)


def tract_zones() -> tuple[object, float]:
    """Census tracts merged three by three (by GEOID): about 136 zones; seconds to validate."""
    import geopandas as gpd

    tracts = gpd.read_file(TRACTS)
    geoid = next(c for c in tracts.columns if c.upper() in ("GEOID", "GEOID10", "GEOID20"))
    tracts = tracts.sort_values(geoid, kind="stable").reset_index(drop=True)
    tracts["grupo"] = [f"T{i // 3:03d}" for i in range(len(tracts))]
    t0 = time.perf_counter()
    layer = zn.zone_layer_from_frame(tracts[["grupo", "geometry"]], name_column="grupo",
                                     duplicates="merge", source="census_tracts_pop.geojson")
    return layer, time.perf_counter() - t0


def bare_prophet_seconds(events: pd.DataFrame, cut: str) -> float:
    """Time one Prophet fit + predict of the city's daily counts (3 years), median of 3."""
    zones = np.array(sorted(events["zone"].unique()), dtype=object)
    first = pd.Timestamp(cut) - pd.Timedelta(days=3 * 365)
    y = daily_matrix(events, zones, first, pd.Timestamp(cut)).sum(axis=0)
    day0 = int(np.datetime64(first.to_datetime64(), "D").astype(np.int64))
    pred = np.arange(day0 + len(y) - 56, day0 + len(y) + 28)
    out = []
    for _ in range(3):
        t0 = time.perf_counter()
        prophet_forecast(y, 0, len(y), pred, day0=day0, country="US", seed=0)
        out.append(time.perf_counter() - t0)
    return float(np.median(out))


def store_bench(events: pd.DataFrame, t_ref: float) -> str:
    """Nightly forecasts written to a store with 21 earlier nights; page-style reads."""
    import tempfile

    from analytics import store
    from analytics.forecast import day as fday
    from analytics.store import forecasts as sf, zones as sz

    layer, _t = tract_zones()
    located = events.dropna(subset=["lat", "lon"])
    where = zn.points_to_zones(located["lat"].to_numpy(), located["lon"].to_numpy(), layer)
    ev = pd.DataFrame({"occurred_at": located["occurred_at"].to_numpy(), "zone": where})
    ev = ev[ev["zone"].notna()].reset_index(drop=True)
    cut = pd.Timestamp("2025-09-15")
    t0 = time.perf_counter()
    daily = zf.forecast_zones(ev, train_until=cut, horizon_days=28, by="day", country="US",
                              zones=list(layer["zone"]), seed=0)
    t_daily = time.perf_counter() - t0
    t0 = time.perf_counter()
    hourly = zf.forecast_zones(ev, train_until=cut, horizon_days=7, by="hour", country="US",
                               zones=list(layer["zone"]), seed=0)
    t_hourly = time.perf_counter() - t0
    print(f"store: daily {t_daily:.1f} s, hourly {t_hourly:.1f} s", flush=True)
    # a city-sized cell forecast: 7,000 cells x 21 shifts (synthetic values)
    rng = np.random.default_rng(0)
    import h3

    centre = h3.latlng_to_cell(39.99, -75.15, 9)
    cells = sorted(h3.grid_disk(centre, 48))[:7000]
    starts = [cut + pd.Timedelta(days=d, hours=h) for d in range(7) for h in (6, 14, 22)]

    def cell_frame(c: pd.Timestamp) -> pd.DataFrame:
        st = [s + (c - cut) for s in starts]
        return pd.DataFrame({"h3": np.repeat(cells, len(st)), "window_start": st * len(cells),
                             "window_end": [s + pd.Timedelta(hours=8) for s in st] * len(cells),
                             "expected": rng.gamma(0.5, 0.2, len(cells) * len(st)),
                             "lower": 0.0, "upper": 2.0})

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "vigia.duckdb"
        with store.writing(db) as con:
            info = sz.save_zone_layer(con, layer, name="Tramos censales")
            for k in range(21, 0, -1):  # three weeks of earlier nights
                c = cut - pd.Timedelta(days=k)
                sf.save_forecast(con, cell_frame(c), kind="cell", windows="shift",
                                 train_until=c, horizon_days=7, resolution=9, model="boosted")
                sf.save_forecast(con, hourly.table.assign(
                    window_start=hourly.table["window_start"] - pd.Timedelta(days=k),
                    window_end=hourly.table["window_end"] - pd.Timedelta(days=k)),
                    kind="zone", windows="hour", train_until=c, horizon_days=7,
                    layer_id=info.layer_id)
            frame = cell_frame(cut)
            t0 = time.perf_counter()
            sf.save_forecast(con, frame, kind="cell", windows="shift", train_until=cut,
                             horizon_days=7, resolution=9, model="boosted")
            out["write_cells"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            sf.save_forecast(con, daily.table, kind="zone", windows="day", train_until=cut,
                             horizon_days=28, layer_id=info.layer_id)
            sf.save_forecast(con, hourly.table, kind="zone", windows="hour", train_until=cut,
                             horizon_days=7, layer_id=info.layer_id)
            out["write_zones"] = time.perf_counter() - t0
            n_rows = int(con.execute("SELECT count(*) FROM forecasts").fetchall()[0][0])
        parquet = Path(tmp) / "cells.parquet"
        frame.to_parquet(parquet)
        reads: dict[str, list[float]] = {"cells": [], "day": [], "zones": [], "parquet": []}
        for _ in range(5):
            t0 = time.perf_counter()
            with store.reading(db) as con:
                run, rows = sf.stored_forecast(con, kind="cell", windows="shift",
                                               train_until=cut, resolution=9, model="boosted")
            reads["cells"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            fday.forecast_day(rows, pd.DataFrame(), day=cut.date(),
                              last_day=(cut - pd.Timedelta(days=1)).date(),
                              shifts=["mañana", "tarde", "noche"], resolution=9)
            reads["day"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with store.reading(db) as con:
                sf.stored_forecast(con, kind="zone", windows="hour", train_until=cut,
                                   layer_id=info.layer_id)
            reads["zones"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pd.read_parquet(parquet)
            reads["parquet"].append(time.perf_counter() - t0)
    med = {k: float(np.median(v)) for k, v in reads.items()}
    print(f"store: daily {t_daily:.1f} s, hourly {t_hourly:.1f} s, writes {out}, reads {med}, "
          f"{n_rows:,} rows", flush=True)
    return (
        "### Nightly job and page reads (136 tract-group zones, cut 2025-09-15)\n\n"
        f"Forecasts: 28-day daily **{t_daily:.1f} s** (target < 60 s; "
        f"= {t_daily / t_ref:.0f}× one bare Prophet fit), 7-day hourly {t_hourly:.1f} s "
        f"({len(hourly.table):,} rows). Written to a store already holding 21 earlier nights "
        f"of a 7,000-cell shift forecast and of the hourly zone forecast "
        f"({n_rows:,} forecast rows in all): the night's cell run (147,000 rows) in "
        f"{out['write_cells']:.2f} s, the two zone runs in {out['write_zones']:.2f} s.\n\n"
        "What a page does, median of 5 (open the store read-only, find the newest run for the "
        "cut-off, read its rows; the store's lock included):\n\n"
        "| read | seconds | ratio to reading the same cell rows from Parquet |\n|---|---|---|\n"
        f"| cell run, 147,000 rows | {med['cells']:.3f} | {med['cells'] / med['parquet']:.1f}× |\n"
        f"| + slice one day (forecast_day) | {med['day']:.3f} | |\n"
        f"| zone run, 136 zones × 168 hours | {med['zones']:.3f} | |\n"
        f"| bare reference: pandas.read_parquet | {med['parquet']:.3f} | 1× |\n\n"
        "Target: a stored forecast on a page in under 0.5 s (the page also caches it for "
        "two minutes).")


def period_bench(events: pd.DataFrame) -> str:
    """Expected range of whole months and quarters per district: time and 80 % coverage."""
    from analytics import zone_period as zp

    ev = events[["occurred_at", "zone"]]
    months = [(2024, 3), (2024, 6), (2024, 9), (2024, 12), (2025, 3), (2025, 6), (2025, 9),
              (2025, 11)]
    periods = [(f"{y}-{m:02d}", pd.Timestamp(y, m, 1),
                pd.Timestamp(y, m, 1) + pd.offsets.MonthBegin(1)) for y, m in months]
    periods += [(f"{y}-T{q}", pd.Timestamp(y, 3 * q - 2, 1),
                 pd.Timestamp(y, 3 * q - 2, 1) + pd.offsets.QuarterBegin(1, startingMonth=1))
                for y, q in [(2024, 1), (2024, 2), (2024, 3), (2024, 4), (2025, 1), (2025, 2),
                             (2025, 3), (2025, 4)]]
    rows = []
    for label, a, b in periods:
        t0 = time.perf_counter()
        res = zp.forecast_period(ev, start=a, end=b, country="US")
        secs = time.perf_counter() - t0
        cmp = zp.compare_to_expected(zp.counts_in_period(ev, start=a, end=b), res.table)
        from scipy.stats import poisson

        p_lo = poisson.ppf(0.1, cmp["expected"])  # independent days: the sum is Poisson
        p_hi = poisson.ppf(0.9, cmp["expected"])
        rows.append({"period": label, "kind": "month" if "T" not in label else "quarter",
                     "seconds": secs, "within": int((cmp["verdict"] == "within").sum()),
                     "above": int((cmp["verdict"] == "above").sum()),
                     "below": int((cmp["verdict"] == "below").sum()),
                     "poisson within": int(((cmp["count"] >= p_lo) & (cmp["count"] <= p_hi)
                                            ).sum()),
                     "median width %": float(np.median(
                         100 * (cmp["upper"] - cmp["lower"]) / cmp["expected"])),
                     "poisson width %": float(np.median(
                         100 * 2 * 1.2816 * np.sqrt(cmp["expected"]) / cmp["expected"])),
                     "note": res.notes[-1][:60]})
        print(f"  {label}: {secs:.1f} s {rows[-1]}", flush=True)
    tab = pd.DataFrame(rows)
    summary = []
    for kind, g in tab.groupby("kind", sort=False):
        n = g[["within", "above", "below"]].to_numpy().sum()
        summary.append({"periods": kind, "zone-periods": int(n),
                        "80 % coverage": float(g["within"].sum() / n),
                        "above": int(g["above"].sum()), "below": int(g["below"].sum()),
                        "Poisson-only coverage": float(g["poisson within"].sum() / n),
                        "median width %": float(g["median width %"].median()),
                        "Poisson-only width %": float(g["poisson width %"].median()),
                        "seconds (median)": float(g["seconds"].median())})
    return (
        "### Codisec expected range of a period (21 districts)\n\n"
        "Each period forecast at its first day (daily zone forecast summed) with the interval "
        "of the sum measured on the 3 previous periods of the same length "
        "(`analytics.zone_period`); coverage = share of district-periods whose count fell "
        "within the 80 % range. Width = (upper − lower) / expected. \"Poisson-only\" is the "
        "band independent days would give (a sum of daily Poisson counts): far too narrow, "
        "it would call ordinary level errors \"por encima/por debajo de lo esperado\".\n\n"
        f"{_md(pd.DataFrame(summary))}\n\n{_md(tab.drop(columns=['note', 'kind']))}")


def _md(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    out = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for _, r in frame.iterrows():
        out.append("| " + " | ".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c])
                                     for c in cols) + " |")
    return "\n".join(out)


def _models(ev: dict[str, object]) -> str:
    tot: dict[str, int] = {}
    models = ev["models"]
    assert isinstance(models, list)
    for m in models:
        for k, v in m.items():
            tot[k] = tot.get(k, 0) + v
    return ", ".join(f"{k} {v}" for k, v in sorted(tot.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    """Run the chosen parts, print them, write the ``zones`` section of RESULTS.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origins", type=int, default=len(ORIGINS_2025),
                    help="how many of the 13 2025 origins (default all)")
    ap.add_argument("--only", default="daily,split,thin,large,timing",
                    help="parts: daily, split, thin, large, timing (section zones); store, "
                         "period (section zones_store)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    parts = set(args.only.split(","))
    origins = ORIGINS_2025[: args.origins]
    load0 = os.getloadavg()[0]
    events = load_events()
    print(f"{len(events):,} incidents, load {load0:.1f}", flush=True)
    fmt = {"float_format": lambda v: f"{v:.3f}", "index": False}
    sections: dict[str, str] = {}
    t_ref = bare_prophet_seconds(events, "2025-06-02")
    print(f"bare Prophet fit+predict (city, 3 years): {t_ref:.2f} s", flush=True)
    if "daily" in parts:
        ev = daily_eval(events, origins)
        tab = summarise(ev)
        print(tab.to_string(**fmt), flush=True)
        secs = np.array(ev["seconds"])
        sections["daily"] = (
            f"### Daily forecast, 21 districts, {len(origins)} origins\n\n{_md(tab)}\n\n"
            f"Models chosen (zone × origin): {_models(ev)}. Seconds per 28-day forecast "
            f"(21 zones, backtest included): median {np.median(secs):.1f}, max {secs.max():.1f} "
            f"(= {np.median(secs) / t_ref:.0f}× one bare Prophet fit).")
    if "split" in parts:
        sp = pd.concat([split_eval(events, origins, by="shift"),
                        split_eval(events, origins, by="hour")], ignore_index=True)
        print(sp.to_string(**fmt), flush=True)
        sections["split"] = (
            f"### Shifts and hours (7-day horizons, {len(origins)} origins)\n\n{_md(sp)}\n\n"
            "Baselines per window: mean of the same weekday and window over the last 8 weeks; "
            "mean of the same window of the day over the last 28 days (complete windows before "
            "the cut). `mean count` = average incidents per window.")
    if "thin" in parts:
        thin = load_events(thin=0.1)
        ev = daily_eval(thin, origins)
        tab = summarise(ev)
        print(tab.to_string(**fmt), flush=True)
        sections["thin"] = (
            f"### Low density: 10 % random thinning (seed 0), 21 districts\n\n{_md(tab)}\n\n"
            f"Models chosen: {_models(ev)}.")
    if "large" in parts:
        big = events.copy()
        order = sorted(big["zone"].unique(), key=int)
        group = {z: f"G{i * 3 // len(order) + 1}" for i, z in enumerate(order)}
        big["zone"] = big["zone"].map(group)
        ev = daily_eval(big, origins)
        tab = summarise(ev)
        print(tab.to_string(**fmt), flush=True)
        secs = np.array(ev["seconds"])
        sections["large"] = (
            "### Three large zones (the 21 districts in three groups by number)\n\n"
            f"{_md(tab)}\n\nModels chosen: {_models(ev)}. Seconds per 28-day forecast: "
            f"median {np.median(secs):.1f}.")
    if "timing" in parts:
        layer, t_layer = tract_zones()
        located = events.dropna(subset=["lat", "lon"])
        t0 = time.perf_counter()
        where = zn.points_to_zones(located["lat"].to_numpy(), located["lon"].to_numpy(), layer)
        t_assign = time.perf_counter() - t0
        ev136 = pd.DataFrame({"occurred_at": located["occurred_at"].to_numpy(), "zone": where})
        ev136 = ev136[ev136["zone"].notna()].reset_index(drop=True)
        t_orig = origins[:: max(1, len(origins) // 4)][:4]
        ev = daily_eval(ev136, t_orig)
        tab = summarise(ev)
        secs = np.array(ev["seconds"])
        print(tab.to_string(**fmt), flush=True)
        print(f"136 zones: {secs} s; layer {t_layer:.1f} s; assignment {t_assign:.2f} s",
              flush=True)
        sections["timing"] = (
            f"### 136 small zones (408 census tracts merged three by three)\n\n"
            f"{len(layer)} zones; layer validation (merge, overlaps) {t_layer:.1f} s; "
            f"{len(located):,} located incidents placed in them in {t_assign:.2f} s "
            f"({int(ev136['zone'].notna().sum()):,} inside a zone). 28-day daily forecast "
            f"(with its internal backtest): **{np.median(secs):.1f} s** median, "
            f"{secs.max():.1f} s max over {len(t_orig)} origins ({', '.join(t_orig)}), "
            f"= {np.median(secs) / t_ref:.0f}× one bare Prophet fit (target < 60 s). "
            f"Models chosen: {_models(ev)}.\n\n{_md(tab)}")
    store_parts = []
    if "store" in parts:
        store_parts.append(store_bench(events, t_ref))
    if "period" in parts:
        store_parts.append(period_bench(events))
    load1 = os.getloadavg()[0]
    if args.no_write:
        return 0
    if store_parts:
        title = "## zones: store and Codisec range (`bench/zones.py --only store,period`)"
        write_section("zones_store", f"""{title}

Philadelphia as above. Reference: one bare Prophet fit + predict of the city series took
{t_ref:.2f} s in this run. Load average (1 min) before / after: {load0:.1f} / {load1:.1f}
(shared machine).

""" + "\n\n".join(store_parts) + "\n")
        print("RESULTS.md updated (zones_store)", flush=True)
    if not sections:
        return 0
    body = f"""## zones (`bench/zones.py`)

Reproduce: `.venv/bin/python bench/zones.py` (Philadelphia, every incident of the 21
current police districts, located or not; holidays `US`; origins {', '.join(origins)}).
Daily RMSE over all zone-days of the 7-day and 28-day horizons (28-day horizons end at
2025-12-31 for the last origin). "ratio to best" = zone forecast RMSE / the better of the two
baselines (mean of the last 28 days; same weekday over the last 8 weeks); per-origin ratios
show the spread ("origins won" counts ratio ≤ 1). Coverage = share of zone-days within
[lower, upper] of the 80 % interval. Reference: one bare Prophet fit + predict of the city
series (3 years of days) took {t_ref:.2f} s in this run. Load average (1 min) before / after:
{load0:.1f} / {load1:.1f} (shared machine).

""" + "\n\n".join(sections[k] for k in ("daily", "split", "large", "thin", "timing")
                   if k in sections) + "\n"
    write_section("zones", body)
    print("RESULTS.md updated", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
