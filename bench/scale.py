"""Benchmark: 1 M, 10 M and 50 M incidents, one process against a 2-worker Dask cluster.

Run by hand: ``.venv/bin/python bench/scale.py [--sizes 1e6,1e7,5e7] [--keep]``.

For each size:

1. **generate** (not part of the comparison): a simple, fast, seeded
   generator of this script (not ``analytics.demo``, whose per-row polygon
   work is too slow at 50 M) writes flat monthly Parquet chunks of at most
   1 M rows (``raw/year=/month=/chunk-KK.parquet``) with canonical columns
   but no ``h3_r12`` and no ``crime_group``: Gaussian hotspots around the
   centres of the 61 shipped Lima/Callao/Trujillo districts plus 14 district
   centres of other Peruvian cities (approximate), 60 months (2021–2025),
   rows per month proportional to its days, a fixed hour-of-day profile,
   SIDPOL-like type shares. Every chunk has its own ``(seed, month, chunk)``
   generator, so memory is one chunk and the data does not depend on order.
2. **ingest**: raw chunks -> month-partitioned dataset (crime group, H3
   res 12, sort by district and time, write), one process
   (``partitions.parquet_to_partitions``) and on the cluster
   (``distributed.parquet_to_partitions``, each worker bins and writes).
   A third path goes through the DuckDB store: the dataset is loaded into
   a store's ``incidents`` table and exported back with
   ``partitions.store_to_partitions`` (``python -m analytics partition --db``).
3. **aggregate**: counts per res-9 cell × shift over the whole dataset,
   DuckDB in one process (``partitions.counts_by_cell``) and on the cluster
   (``distributed.counts_by_cell``: ``hexbin.counts_by_cell`` per file, Dask
   groupby-sum); the two results are compared exactly.
4. **map query**: one city (Lima and Callao, 50 ubigeos) × a 90-day window,
   res-9 cells, DuckDB, five times in a fresh process (the app's map).

Every step runs in a fresh child process; peak memory is that process's
maximum RSS (``getrusage``), and for the cluster also each worker's (asked
from the workers with ``client.run``). Cluster times exclude its start-up,
reported apart. Data go to ``bench/_work/scale/`` and are deleted after each
size unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "_work" / "scale"
sys.path.insert(0, str(ROOT))

SEED = 20261122
MONTHS = [(y, m) for y in range(2021, 2026) for m in range(1, 13)]
CHUNK_ROWS = 1_000_000
RESOLUTION = 9
DUCKDB_LIMIT = "4GB"  # analytics.partitions.DUCKDB_MEMORY_LIMIT, quoted for the text
QUERY_START, QUERY_END = "2025-10-01", "2025-12-30"  # 90 days
QUERY_LAST = "2025-12-29"  # the query's last day (inclusive): QUERY_END is exclusive
#: Per-district forecasts (smallest size only): Trujillo's 11 districts and La Victoria.
FORECAST = {"train_until": "2025-12-01", "history_days": 730, "model": "boosted", "seed": 1,
            "horizon_days": 7}

#: District centres outside the shipped boundaries (approximate), ubigeo, name, lat, lon.
OTHER_DISTRICTS = (
    ("040101", "AREQUIPA", -16.3989, -71.5350), ("040104", "CERRO COLORADO", -16.3760, -71.5600),
    ("040129", "JOSE LUIS BUSTAMANTE Y RIVERO", -16.4250, -71.5250),
    ("140101", "CHICLAYO", -6.7714, -79.8409), ("140105", "JOSE LEONARDO ORTIZ", -6.7550, -79.8450),
    ("140106", "LA VICTORIA", -6.7900, -79.8400),
    ("200101", "PIURA", -5.1945, -80.6328), ("200104", "CASTILLA", -5.1960, -80.6150),
    ("080101", "CUSCO", -13.5170, -71.9785), ("080108", "WANCHAQ", -13.5250, -71.9650),
    ("160101", "IQUITOS", -3.7491, -73.2538), ("120101", "HUANCAYO", -12.0651, -75.2049),
    ("021801", "CHIMBOTE", -9.0745, -78.5936), ("110101", "ICA", -14.0678, -75.7286),
)
TYPES = (("hurto", 26), ("robo", 14), ("robo agravado", 12), ("hurto agravado", 6),
         ("estafa", 8), ("extorsión", 3), ("lesiones", 8), ("violencia familiar", 12),
         ("microcomercialización de drogas", 3), ("falta contra el patrimonio", 5),
         ("falta contra la persona", 2), ("homicidio", 0.5), ("daños", 0.5))
HOURS = np.array([3, 2, 1.5, 1, 1, 1.5, 2.5, 3.5, 4.5, 5, 5.5, 6, 6, 5.5, 5, 5, 5.5, 6, 6.5,
                  6.5, 6, 5, 4.5, 3.5])


# --------------------------------------------------------------------------- generator


def _districts() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ubigeo, name, lat, lon, weight of every district the generator uses."""
    from analytics import geo

    b = geo.read_boundaries()
    pts = b.geometry.representative_point()
    ub = list(b["ubigeo"]) + [d[0] for d in OTHER_DISTRICTS]
    name = list(b["district"]) + [d[1] for d in OTHER_DISTRICTS]
    lat = list(pts.y) + [d[2] for d in OTHER_DISTRICTS]
    lon = list(pts.x) + [d[3] for d in OTHER_DISTRICTS]
    city = list(b["city"]) + ["otras"] * len(OTHER_DISTRICTS)
    share = {"lima": 0.50, "trujillo": 0.12, "otras": 0.38}
    count = {c: city.count(c) for c in share}
    w = np.array([share[c] / count[c] for c in city])
    w[np.array(ub) == "150115"] *= 3  # La Victoria (Gamarra) is the densest
    return (np.array(ub, dtype=object), np.array(name, dtype=object), np.array(lat),
            np.array(lon), w / w.sum())


def _chunk(n: int, year: int, month: int, k: int, dist: tuple[np.ndarray, ...],
           hot: np.ndarray) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    ub, name, clat, clon, w = dist
    rng = np.random.default_rng([SEED, year, month, k])
    d = rng.choice(len(ub), size=n, p=w)
    at_hot = rng.random(n) < 0.45
    h = rng.integers(0, hot.shape[1], n)
    lat = np.where(at_hot, clat[d] + hot[d, h, 0], clat[d]) \
        + rng.normal(0, 1, n) * np.where(at_hot, 0.0015, 0.010)
    lon = np.where(at_hot, clon[d] + hot[d, h, 1], clon[d]) \
        + rng.normal(0, 1, n) * np.where(at_hot, 0.0015, 0.010)
    first = np.datetime64(f"{year:04d}-{month:02d}-01")
    days = int((np.datetime64(f"{year + month // 12:04d}-{month % 12 + 1:02d}-01") - first)
               .astype(int))
    hour = rng.choice(24, size=n, p=HOURS / HOURS.sum())
    minutes = rng.integers(0, days, n) * 1440 + hour * 60 + rng.integers(0, 60, n)
    occurred = first.astype("datetime64[us]") + minutes.astype("timedelta64[m]")
    tw = np.array([t[1] for t in TYPES], dtype=float)
    ti = rng.choice(len(TYPES), size=n, p=tw / tw.sum())
    seq = pa.array(np.arange(n) + k * CHUNK_ROWS).cast(pa.string())
    ids = pc.binary_join_element_wise(f"B{year}{month:02d}-", pc.utf8_lpad(seq, 7, "0"), "")
    types = pa.array([t[0] for t in TYPES], type=pa.string())
    return pa.table({
        "incident_id": ids,
        "occurred_at": pa.array(occurred, type=pa.timestamp("us")),
        "lat": np.round(lat, 6), "lon": np.round(lon, 6),
        "crime_type": types.take(pa.array(ti)),
        "district": pa.array(name, type=pa.string()).take(pa.array(d)),
        "ubigeo": pa.array(ub, type=pa.string()).take(pa.array(d)),
        "source": pa.array(np.full(n, "bench", dtype=object), type=pa.string()),
    })


def generate(rows: int, raw: Path) -> dict[str, Any]:
    """Write ``rows`` raw incidents as monthly chunks under ``raw``."""
    import pyarrow.parquet as pq

    dist = _districts()
    hot = np.random.default_rng(SEED).normal(0, 0.008, (len(dist[0]), 3, 2))
    days = np.array([(np.datetime64(f"{y + m // 12:04d}-{m % 12 + 1:02d}-01")
                      - np.datetime64(f"{y:04d}-{m:02d}-01")).astype(int) for y, m in MONTHS])
    per_month = np.floor(rows * days / days.sum()).astype(int)
    per_month[: rows - per_month.sum()] += 1
    files = 0
    for (y, m), n_m in zip(MONTHS, per_month, strict=True):
        folder = raw / f"year={y}" / f"month={m}"
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(int(np.ceil(n_m / CHUNK_ROWS))):
            n = int(min(CHUNK_ROWS, n_m - k * CHUNK_ROWS))
            pq.write_table(_chunk(n, y, m, k, dist, hot), folder / f"chunk-{k:02d}.parquet",
                           compression="zstd")
            files += 1
    return {"rows": int(per_month.sum()), "files": files}


def raw_files(raw: Path) -> list[Path]:
    return sorted(raw.glob("year=*/month=*/*.parquet"),
                  key=lambda p: (int(p.parent.parent.name[5:]), int(p.parent.name[6:]), p.name))


def forecast_ubigeos() -> list[str]:
    import json as _json

    from analytics.geo import BOUNDARIES_PATH

    feats = _json.loads(BOUNDARIES_PATH.read_text(encoding="utf-8"))["features"]
    return sorted([f["properties"]["ubigeo"] for f in feats
                   if f["properties"]["city"] == "trujillo"] + ["150115"])


def fingerprint(root: Path) -> tuple[int, int]:
    """Order-independent digest of a dataset: rows and the sum of a hash of every row (DuckDB)."""
    import duckdb

    from analytics import partitions

    files = partitions.partition_files(root)
    con = duckdb.connect(":memory:")
    try:
        n, h = con.execute(f"SELECT count(*), sum(hash({', '.join(partitions.COLUMNS)})::HUGEINT) "
                           f"FROM {partitions._source_sql(files)}").fetchall()[0]
    finally:
        con.close()
    return int(n), int(h)


def lima_ubigeos() -> list[str]:
    import json as _json

    from analytics.geo import BOUNDARIES_PATH

    feats = _json.loads(BOUNDARIES_PATH.read_text(encoding="utf-8"))["features"]
    return sorted(f["properties"]["ubigeo"] for f in feats if f["properties"]["city"] == "lima")


# --------------------------------------------------------------------------- child steps


def _cluster() -> tuple[Any, Any, float]:
    from distributed import Client, LocalCluster

    t = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", memory_limit="8GiB")
    client = Client(cluster, set_as_default=False)
    return cluster, client, time.perf_counter() - t


def _worker_rss(client: Any) -> list[float]:
    def peak() -> float:
        import resource as r

        return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024

    return sorted(float(v) for v in client.run(peak).values())


def _commit() -> str:
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                       cwd=ROOT, check=False)
    return r.stdout.strip() or "?"


def child(step: str, rows: int, base: Path) -> dict[str, Any]:
    """Run one measured step in this (fresh) process."""
    from analytics import distributed, partitions
    from analytics.query import IncidentQuery

    raw, local, dask_out = base / "raw", base / "local", base / "dask"
    out: dict[str, Any] = {"step": step, "rows": rows, "load": os.getloadavg()[0],
                           "commit": _commit(), "utc": time.strftime("%H:%M", time.gmtime())}
    t0 = time.perf_counter()
    if step == "generate":
        out.update(generate(rows, raw))
    elif step == "ingest-local":
        rep = partitions.parquet_to_partitions(raw_files(raw), local)
        out["written"] = rep.rows
    elif step == "aggregate-local":
        c = partitions.counts_by_cell(local, IncidentQuery(resolution=RESOLUTION), by="shift")
        c.to_parquet(base / "counts_local.parquet")
        out["groups"], out["total"] = len(c), int(c["count"].sum())
    elif step == "query":
        ubs = lima_ubigeos()
        times = []
        for _ in range(5):
            t = time.perf_counter()
            c = partitions.counts_by_cell(local, IncidentQuery.build(
                resolution=RESOLUTION, start=QUERY_START, end=QUERY_LAST, ubigeos=ubs))
            times.append(time.perf_counter() - t)
        out["times"] = times
        out["cells"], out["total"] = len(c), int(c["count"].sum())
    elif step == "store":
        from analytics import store

        db = base / "store.duckdb"
        con = store.connect(db)
        con.execute(f"SET memory_limit = '{partitions.DUCKDB_MEMORY_LIMIT}'")
        con.execute("INSERT INTO incidents BY NAME SELECT * FROM "
                    f"{partitions._source_sql(partitions.partition_files(local))}")
        con.close()
        out["load_seconds"] = time.perf_counter() - t0
        out["store_mib"] = db.stat().st_size / 2**20
        t1 = time.perf_counter()
        con = store.connect(db, read_only=True)
        rep = partitions.store_to_partitions(con, base / "export")
        con.close()
        out["seconds"] = time.perf_counter() - t1
        out["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["written"] = rep.rows
        out["equal"] = fingerprint(base / "export") == fingerprint(local)
    elif step == "forecast-local":
        f = distributed.forecasts_by_district(local, ubigeos=forecast_ubigeos(), address="local",
                                              **FORECAST)
        f.to_parquet(base / "forecast_local.parquet")
        out["districts"], out["rows_out"] = int(f["ubigeo"].nunique()), len(f)
    elif step in ("ingest-dask", "aggregate-dask", "forecast-dask"):
        cluster, client, start_s = _cluster()
        out["cluster_start_s"] = start_s
        t0 = time.perf_counter()
        try:
            if step == "ingest-dask":
                rep = distributed.parquet_to_partitions(raw_files(raw), dask_out, client=client)
                out["written"] = rep.rows
            elif step == "forecast-dask":
                import pandas as pd

                f = distributed.forecasts_by_district(local, ubigeos=forecast_ubigeos(),
                                                      client=client, **FORECAST)
                ref = pd.read_parquet(base / "forecast_local.parquet")
                out["districts"], out["rows_out"] = int(f["ubigeo"].nunique()), len(f)
                f.attrs = {}
                out["equal"] = bool(f.equals(ref))
            else:
                import pandas as pd

                c = distributed.counts_by_cell(local, IncidentQuery(resolution=RESOLUTION),
                                               by="shift", client=client)
                ref = pd.read_parquet(base / "counts_local.parquet")
                out["groups"], out["total"] = len(c), int(c["count"].sum())
                out["equal"] = bool(c.equals(ref))
            out["seconds"] = time.perf_counter() - t0
            out["worker_rss_mib"] = _worker_rss(client)
        finally:
            client.close()
            cluster.close()
        if step == "ingest-dask":  # same rows as the one-process ingest (checked untimed)
            out["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            out["equal"] = fingerprint(dask_out) == fingerprint(local)
    else:
        raise SystemExit(f"unknown step {step}")
    out.setdefault("seconds", time.perf_counter() - t0)
    out.setdefault("rss_mib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["rss_mib_end"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


# --------------------------------------------------------------------------- driver


def run_step(step: str, rows: int, base: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("VIGIA_DASK", None)
    r = subprocess.run([sys.executable, __file__, "--child", step, "--rows", str(rows),
                        "--base", str(base)], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{step} {rows} failed:\n{r.stderr[-3000:]}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    print(json.dumps(res), flush=True)
    return res


def dir_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*.parquet")) / 2**20


def table(results: list[dict[str, Any]]) -> str:  # noqa: C901 - one branch per column
    """Markdown for RESULTS.md."""
    by = {(r["rows"], r["step"]): r for r in results}
    sizes = sorted({r["rows"] for r in results})
    lines = [
        "## scale (bench/scale.py)",
        "",
        "Synthetic national incidents (own fast generator: 61 shipped Lima/Callao/Trujillo",
        "districts + 14 other city districts, 60 months 2021–2025), one fresh process per step.",
        "*One process*: `partitions` (pyarrow + h3ronpy ingest; DuckDB aggregate). *Dask*: a",
        "`LocalCluster` of 2 worker processes × 1 thread (`distributed`, binning with `hexbin`",
        "per file, groupby-sum reduce); its start-up is excluded (shown apart). Peak RSS: the",
        "measuring process; for Dask also the largest worker and the sum of both. The machine was",
        "shared with other jobs: the 1-minute load average at the start of each step is shown",
        "(2 cores; above 2 means the step competed for CPU).",
        "",
        "| rows | step | path | seconds | rows/s | s per M rows | peak RSS MiB "
        "| workers MiB (max / sum) | load avg at start |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in sizes:
        for step, label, path in (("ingest-local", "ingest (bin + write)", "one process"),
                                  ("ingest-dask", "ingest (bin + write)", "Dask 2×1"),
                                  ("aggregate-local", "aggregate r9 × shift",
                                   "one process (DuckDB)"),
                                  ("aggregate-dask", "aggregate r9 × shift", "Dask 2×1"),
                                  ("store", "export store → months", "one process (DuckDB)")):
            r = by.get((n, step))
            if r is None:
                continue
            w = r.get("worker_rss_mib")
            wtxt = f"{max(w):,.0f} / {sum(w):,.0f}" if w else "–"
            lines.append(f"| {n:,} | {label} | {path} | {r['seconds']:.2f} | "
                         f"{n / r['seconds']:,.0f} | {r['seconds'] / (n / 1e6):.2f} | "
                         f"{r['rss_mib']:,.0f} | {wtxt} | {r.get('load', 0):.1f} |")
    lines += ["", "Growth (seconds, and ratio to the smallest run; linear time means the ratio "
              "follows ×rows):", "",
              "| rows | ×rows | ingest one | ingest Dask | aggregate one | aggregate Dask | "
              "store export | map query (median of 5) |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    n0 = sizes[0]

    def cell(n: int, step: str) -> str:
        r, r0 = by.get((n, step)), by.get((n0, step))
        if r is None or r0 is None:
            return "–"
        return f"{r['seconds']:.1f} s (×{r['seconds'] / r0['seconds']:.1f})"

    for n in sizes:
        q = by.get((n, "query"))
        qtxt = (f"{statistics.median(q['times']):.3f} s (first {q['times'][0]:.3f} s)"
                if q else "–")
        lines.append(f"| {n:,} | ×{n / n0:.0f} | {cell(n, 'ingest-local')} | "
                     f"{cell(n, 'ingest-dask')} | {cell(n, 'aggregate-local')} | "
                     f"{cell(n, 'aggregate-dask')} | {cell(n, 'store')} | {qtxt} |")
    lines += ["", "Details per size:", ""]
    for n in sizes:
        g, q, ad = by.get((n, "generate")), by.get((n, "query")), by.get((n, "aggregate-dask"))
        parts = []
        if g:
            parts.append(f"generated in {g['seconds']:.1f} s ({g['files']} chunks, "
                         f"raw {g.get('raw_mib', 0):,.0f} MiB)")
        if "dataset_mib" in by.get((n, "ingest-local"), {}):
            parts.append(f"dataset {by[(n, 'ingest-local')]['dataset_mib']:,.0f} MiB on disk")
        di = by.get((n, "ingest-dask"))
        st = by.get((n, "store"))
        if st:
            parts.append(f"DuckDB store: loading the dataset into `incidents` "
                         f"{st['load_seconds']:.1f} s ({st['store_mib']:,.0f} MiB file), "
                         f"`partition --db` export back to months (DuckDB `COPY … PARTITION_BY`, "
                         f"sorted, out of core) {st['seconds']:.1f} s "
                         f"({n / st['seconds']:,.0f} rows/s), peak {st['rss_mib']:,.0f} MiB, "
                         f"same rows: **{st['equal']}**")
        if di:
            parts.append(f"Dask ingest wrote the same rows as one process (row count and "
                         f"digest of every row): **{di['equal']}**")
        if ad:
            parts.append(f"Dask aggregate equal to DuckDB's: **{ad['equal']}** "
                         f"({ad['groups']:,} cell×shift rows, {ad['total']:,} incidents); "
                         f"cluster start {ad['cluster_start_s']:.1f} s")
        if q:
            parts.append(f"map query Lima+Callao {QUERY_START}..{QUERY_END} (excl.): "
                         f"{q['cells']:,} cells, {q['total']:,} incidents, times "
                         + ", ".join(f"{t:.3f}" for t in q["times"]) + " s")
        lines.append(f"- **{n:,}**: " + "; ".join(parts) + ".")
    fl, fd = by.get((n0, "forecast-local")), by.get((n0, "forecast-dask"))
    if fl and fd:
        lines += ["", f"Per-district forecasts ({fl['districts']} districts, model "
                  f"`{FORECAST['model']}`, {FORECAST['history_days']} days of history, "
                  f"{FORECAST['horizon_days']}-day shift windows, {n0:,}-row dataset): "
                  f"one process {fl['seconds']:.1f} s (peak {fl['rss_mib']:,.0f} MiB), "
                  f"Dask 2×1 {fd['seconds']:.1f} s (workers "
                  f"{max(fd['worker_rss_mib']):,.0f} MiB max); identical results: "
                  f"**{fd['equal']}**."]
    peak = max([r["rss_mib"] for r in results]
               + [sum(r.get("worker_rss_mib", [])) + r["rss_mib"] for r in results])
    commits = sorted({r["commit"] for r in results if "commit" in r})
    if commits:
        lines += ["", f"Measured at commit {', '.join(commits)} between "
                  f"{min(r['utc'] for r in results)} and {max(r['utc'] for r in results)} UTC "
                  "(the commit line below is when this text was written)."]
    lines += ["", f"Largest peak of any step (process + its workers): **{peak / 1024:.2f} GiB** "
              "(target < 8 GiB at 50 M)."]
    big = sizes[-1]
    q = by.get((big, "query"))
    if len(sizes) > 1 and q:
        mid = sizes[-2]

        def per_m(n: int, step: str) -> str:
            r = by.get((n, step))
            return f"{r['seconds'] / (n / 1e6):.2f}" if r else "–"

        lines += [
            "",
            "Reading:",
            f"- Map query (one city, 90 days, res 9) on {big:,} rows: median "
            f"{statistics.median(q['times']):.3f} s, slowest {max(q['times']):.3f} s "
            "(target < 1 s). Only the three month folders of the window are opened, and row "
            "groups of other districts are skipped from the Parquet statistics.",
            f"- Time per million rows, {mid:,} -> {big:,} rows: ingest one process "
            f"{per_m(mid, 'ingest-local')} -> {per_m(big, 'ingest-local')} s, Dask "
            f"{per_m(mid, 'ingest-dask')} -> {per_m(big, 'ingest-dask')} s; aggregate DuckDB "
            f"{per_m(mid, 'aggregate-local')} -> {per_m(big, 'aggregate-local')} s, Dask "
            f"{per_m(mid, 'aggregate-dask')} -> {per_m(big, 'aggregate-dask')} s. The cost "
            "per row stays flat or falls (linear or better). The small runs carry fixed costs "
            "(60 month files, process and cluster start) and the load of the shared machine.",
            "- The store export (`COPY … PARTITION_BY` with a sort) grows faster than linear "
            f"({per_m(mid, 'store')} -> {per_m(big, 'store')} s per M rows). At 50 M rows "
            f"the sort spills to disk beyond DuckDB's {DUCKDB_LIMIT} memory limit, which also "
            "sets the largest peak. A full export is a one-off; the nightly refresh re-exports "
            "only the last months (`partition --db … --start … --replace`).",
            "- On 2 shared cores the 2-worker cluster is no faster than one process. DuckDB's "
            "vectorised aggregate beats pandas per file, and Dask adds scheduling and "
            "serialisation. The cluster path exists to add machines. Its results are "
            "identical (checked above at every size).",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,1e7,5e7")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    ap.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    ap.add_argument("--from-log", action="store_true",
                    help="rebuild the section from bench/_work/scale/results.jsonl, no runs")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--rows", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--base", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.base)))
        return
    results: list[dict[str, Any]] = []
    log = WORK / "results.jsonl"
    if args.from_log:
        results = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x]
        text = table(results)
        print(text)
        if not args.no_write:
            from bench._results import write_section

            write_section("scale", text)
        return
    WORK.mkdir(parents=True, exist_ok=True)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    for n in sizes:
        base = WORK / f"n{n}"
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        for step in ("generate", "ingest-local", "aggregate-local", "ingest-dask",
                     "aggregate-dask", "query", "store"):
            r = run_step(step, n, base)
            if step == "generate":
                r["raw_mib"] = dir_mib(base / "raw")
            if step == "ingest-local":
                r["dataset_mib"] = dir_mib(base / "local")
            if step == "ingest-dask":
                shutil.rmtree(base / "dask", ignore_errors=True)
            if step == "store":
                shutil.rmtree(base / "export", ignore_errors=True)
                (base / "store.duckdb").unlink(missing_ok=True)
            new = [r]
            if step == "query" and n == sizes[0]:
                new += [run_step(extra, n, base) for extra in ("forecast-local", "forecast-dask")]
            results.extend(new)
            with log.open("a", encoding="utf-8") as f:
                f.writelines(json.dumps(x) + "\n" for x in new)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    text = table(results)
    print(text)
    if not args.no_write:
        from bench._results import write_section

        write_section("scale", text)


if __name__ == "__main__":
    main()
