"""Benchmark: ingest + bin a 1 M-row messy CSV, against a bare pandas + h3ronpy reference.

Run by hand: ``.venv/bin/python bench/ingest.py [--rows N] [--repeat K]``.

Two generated files of the same rows: one with a ``distrito`` column, one
without (every district then comes from the polygons, ``analytics.geo``).
For each file both sides run as separate processes (start-up included),
timed in the same run; the best of ``--repeat`` is kept. Peak memory is each
child's maximum resident set size (``getrusage(RUSAGE_CHILDREN)`` in a fresh
launcher process per run). The CSVs are generated once, seeded, in
``bench/_work/``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "_work"
sys.path.insert(0, str(ROOT))

REFERENCE = r"""
import sys
import pandas as pd
from h3ronpy.vector import coordinates_to_cells
df = pd.read_csv(sys.argv[1])
lat = pd.to_numeric(df["latitud"], errors="coerce")
lon = pd.to_numeric(df["longitud"], errors="coerce")
m = (lat.notna() & lon.notna()).to_numpy()
cells = coordinates_to_cells(lat.to_numpy()[m], lon.to_numpy()[m], 12).to_numpy()
hour = df["hora"].str.slice(0, 2).to_numpy()[m]
out = pd.DataFrame({"h3": cells, "hour": hour}).groupby(["h3", "hour"]).size()
print(len(out), int(out.sum()))
"""


def make_csv(path: Path, n: int, seed: int = 20261122, *, district: bool = True) -> None:
    """Write a SIDPOL-like messy CSV: dd/mm/yyyy + HH:MM, PII, bad rows, a stacked point.

    ``district=False`` leaves out the ``distrito`` column (same rows otherwise).
    """
    rng = np.random.default_rng(seed)
    centers = np.array([[-12.068, -77.018], [-12.046, -77.030], [-12.120, -77.030],
                        [-11.990, -77.060], [-8.110, -79.030]])
    which = rng.choice(len(centers), size=n, p=[0.35, 0.2, 0.2, 0.15, 0.10])
    lat = centers[which, 0] + rng.normal(0, 0.015, n)
    lon = centers[which, 1] + rng.normal(0, 0.015, n)
    stacked = rng.random(n) < 0.02
    lat[stacked], lon[stacked] = -12.0651, -77.0175
    start = np.datetime64("2024-01-01T00:00")
    minutes = rng.integers(0, 2 * 365 * 24 * 60, n)
    ts = pd.to_datetime(start + minutes.astype("timedelta64[m]"))
    types = np.array(["ROBO AGRAVADO", "HURTO", "EXTORSION", "LESIONES", "VIOLENCIA FAMILIAR",
                      "HURTO AGRAVADO", "ROBO", "MICROCOMERCIALIZACION DE DROGAS", "OTROS"])
    mods = np.array(["A MANO ARMADA", "AL PASO", "ARREBATO", "", "DE CELULAR"])
    districts = np.array(["LA VICTORIA", "LIMA", "SAN ISIDRO", "SAN MARTIN DE PORRES", "TRUJILLO"])
    fecha = ts.strftime("%d/%m/%Y").to_numpy(dtype=object)
    hora = ts.strftime("%H:%M").to_numpy(dtype=object)
    lat_s = np.char.mod("%.6f", lat).astype(object)
    lon_s = np.char.mod("%.6f", lon).astype(object)
    u = rng.random(n)
    lat_s[u < 0.01] = ""                                   # missing coordinates
    zero = (u >= 0.01) & (u < 0.015)
    lat_s[zero], lon_s[zero] = "0", "0"                    # (0, 0)
    swap = (u >= 0.015) & (u < 0.02)
    lat_s[swap], lon_s[swap] = lon_s[swap], lat_s[swap]    # swapped
    far = (u >= 0.02) & (u < 0.023)
    lat_s[far] = "40.000000"                               # far away
    fecha[(u >= 0.023) & (u < 0.025)] = "31/02/2025"       # impossible date
    fecha[(u >= 0.025) & (u < 0.026)] = ""                 # missing date
    ids = np.char.mod("D%08d", np.arange(n)).astype(object)
    dup = (u >= 0.026) & (u < 0.036)
    ids[dup] = ids[np.maximum(np.flatnonzero(dup) - 1, 0)]  # repeated ids
    df = pd.DataFrame({
        "nro_denuncia": ids, "fecha": fecha, "hora": hora, "latitud": lat_s, "longitud": lon_s,
        "delito": types[rng.integers(0, len(types), n)],
        "modalidad": mods[rng.integers(0, len(mods), n)],
        "distrito": districts[which], "nombre_denunciante": "PERSONA",
        "dni": rng.integers(10_000_000, 99_999_999, n),
    })
    if not district:
        df = df.drop(columns="distrito")
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)


def make_sidpol_csv(path: Path, n: int, seed: int = 20261207) -> None:
    """A SIDPOL-style file on central Lima's real streets: addresses, few true points.

    From ``bench/geocode.py``'s synthetic rows (OSM streets of ``data/streets``, varied
    address forms with house numbers and references): 7 % keep their point, 40 % sit on
    their district's comisaría-like point (half of them say so in ``estado_coord``), the
    rest have no coordinates (``SIN COORDENADA``).
    """
    from bench.geocode import _hide_sidpol, synthetic_sidpol

    rng = np.random.default_rng(seed)
    df = synthetic_sidpol(n, seed=seed)
    lat, lon, role = _hide_sidpol(df, seed=seed)
    status = np.where(role == "exact", "GEORREFERENCIADO", "SIN COORDENADA").astype(object)
    forced = role == "forced"
    status[forced] = np.where(rng.random(int(forced.sum())) < 0.5,
                              "GEO FORZADA AL CENTROIDE DE COMISARIA", "GEORREFERENCIADO")
    start = np.datetime64("2024-01-01T00:00")
    ts = pd.to_datetime(start + rng.integers(0, 2 * 365 * 24 * 60, n).astype("timedelta64[m]"))
    types = np.array(["ROBO AGRAVADO", "HURTO", "EXTORSION", "LESIONES", "HURTO AGRAVADO"])
    out = pd.DataFrame({
        "nro_denuncia": np.char.mod("S%08d", np.arange(n)), "fecha": ts.strftime("%d/%m/%Y"),
        "hora": ts.strftime("%H:%M"),
        "latitud": np.where(np.isfinite(lat), np.char.mod("%.6f", lat), ""),
        "longitud": np.where(np.isfinite(lon), np.char.mod("%.6f", lon), ""),
        "delito": types[rng.integers(0, len(types), n)], "distrito": df["district"],
        "direccion_hecho": df["address"], "estado_coord": status})
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)


def _launch(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``cmd`` through a fresh launcher; return (seconds, peak RSS MiB, stdout)."""
    launcher = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'s': dt, 'rss': rss, 'rc': r.returncode, 'out': r.stdout,\n"
        "                  'err': r.stderr}))\n"
    )
    res = subprocess.run([sys.executable, "-c", launcher, *cmd], capture_output=True, text=True,
                         env=env, check=True)
    d = json.loads(res.stdout)
    if d["rc"] != 0:
        raise RuntimeError(f"{cmd} failed: {d['err'][-2000:]}")
    return d["s"], d["rss"], d["out"]


def _time_files(files: list[Path], repeat: int, env: dict[str, str]
                ) -> list[tuple[float, float, float, float, dict[str, Any]]]:
    """Best seconds and peak RSS of the reference and of ``ingest``, per file.

    Runs are interleaved (reference, ingest, next file, ...) ``repeat`` times, so
    that a change in the machine's load hits every measurement alike.
    """
    db = WORK / "ingest_bench.duckdb"
    runs: list[tuple[list[Any], list[Any]]] = [([], []) for _ in files]
    reports: list[dict[str, Any]] = [{} for _ in files]
    for _ in range(repeat):
        for i, csv in enumerate(files):
            runs[i][0].append(_launch([sys.executable, "-c", REFERENCE, str(csv)]))
            for p in (db, Path(str(db) + ".wal")):
                p.unlink(missing_ok=True)
            vig = _launch([sys.executable, "-m", "analytics", "ingest", str(csv), "--db",
                           str(db), "--json"], env=env)
            runs[i][1].append(vig)
            reports[i] = json.loads(vig[2])
    out = []
    for (ref_runs, vig_runs), report in zip(runs, reports, strict=True):
        n = report["rows_read"]
        assert n == report["accepted"] + report["duplicates"] + report["quarantined"]
        out.append((min(r[0] for r in ref_runs), max(r[1] for r in ref_runs),
                    min(r[0] for r in vig_runs), max(r[1] for r in vig_runs), report))
    return out


def main() -> None:
    """Generate the inputs if needed, time both sides on both files, write RESULTS.md."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sidpol-rows", type=int, default=150_000)
    args = ap.parse_args()
    files = {"with `distrito` column": (WORK / f"ingest_{args.rows}.csv", True),
             "without district column (polygons)": (WORK / f"ingest_{args.rows}_nodist.csv",
                                                     False)}
    for csv, with_district in files.values():
        if not csv.exists():
            t = time.perf_counter()
            make_csv(csv, args.rows, district=with_district)
            print(f"generated {csv} in {time.perf_counter() - t:.1f}s")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    load0 = os.getloadavg()[0]
    lines = [
        "## ingest (bench/ingest.py)",
        "",
        f"{args.rows:,} rows of messy CSV (dd/mm/yyyy + HH:MM, PII columns, bad rows, a stacked "
        f"point), twice: with a `distrito` column, and the same rows without it (districts from "
        f"the polygons, `analytics.geo`). Best of {args.repeat} interleaved runs, whole processes "
        "including start-up; the reference is timed on the same file in the same run.",
        "",
        "| file | run | seconds | rows/s | peak RSS (MiB) | ratio to reference |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    notes = []
    timed = _time_files([csv for csv, _ in files.values()], args.repeat, env)
    for label, (ref_s, ref_rss, vig_s, vig_rss, report) in zip(files, timed, strict=True):
        n = report["rows_read"]
        lines += [
            f"| {label} | bare reference (pandas read_csv + h3ronpy + groupby) | {ref_s:.2f} | "
            f"{n / ref_s:,.0f} | {ref_rss:,.0f} | 1.00× |",
            f"| {label} | `python -m analytics ingest --json` | {vig_s:.2f} | {n / vig_s:,.0f} | "
            f"{vig_rss:,.0f} | **{vig_s / ref_s:.2f}×** |",
        ]
        notes.append(
            f"- {label}: accepted {report['accepted']:,}, duplicates {report['duplicates']:,}, "
            f"quarantined {report['quarantined']:,} {report['quarantine_reasons']}; stacked "
            f"points {len(report['stacked_points'])}; swapped {report['swapped_coordinates']:,}.")
    lines += [
        "",
        "Targets: ratio ≤ 3×, ≥ 250,000 rows/s, peak < 3 GiB, for both files.",
        "",
        *notes,
        f"- Load average (1 min) before / after: {load0:.1f} / {os.getloadavg()[0]:.1f} "
        "(the machine is shared: a high load slows both sides, the ratio is what to read).",
    ]
    sidpol = WORK / f"sidpol_{args.sidpol_rows}.csv"
    if not sidpol.exists():
        make_sidpol_csv(sidpol, args.sidpol_rows)
    sdb = WORK / "sidpol_bench.duckdb"
    for p in (sdb, Path(str(sdb) + ".wal")):
        p.unlink(missing_ok=True)
    ref_s, _rr, _ro = _launch([sys.executable, "-c", REFERENCE, str(sidpol)])
    ss, srss, sout = _launch([sys.executable, "-m", "analytics", "ingest", str(sidpol), "--db",
                              str(sdb), "--json"], env=env)
    sr = json.loads(sout)
    lines += [
        "",
        f"Geocoding at import: a SIDPOL-style file of {sr['rows_read']:,} rows on central Lima's "
        "real streets (`make_sidpol_csv`: addresses with house numbers and references, 7 % "
        "true points, 40 % on comisaría-like points, half of them flagged in `estado_coord`, "
        "the rest without coordinates), one whole-process run of `python -m analytics ingest "
        f"--json` with the shipped street layer: {ss:.1f} s ({sr['rows_read'] / ss:,.0f} rows/s, "
        f"peak {srss:,.0f} MiB; the bare reference on this file took {ref_s:.2f} s); accepted "
        f"{sr['accepted']:,}, duplicates {sr['duplicates']:,}, quarantined {sr['quarantined']:,}; "
        f"precision {sr['precision']}; forced points found {len(sr['forced_points'])} holding "
        f"{sum(f['rows'] for f in sr['forced_points']):,} rows. Target: under a minute.",
    ]
    philly = (ROOT.parent / "shared" / "data" / "philadelphia_incidents"
              / "incidents_2016_2025.parquet")
    if philly.is_file():
        pdb = WORK / "philly_bench.duckdb"
        for p in (pdb, Path(str(pdb) + ".wal")):
            p.unlink(missing_ok=True)
        ps, prss, pout = _launch([sys.executable, "-m", "analytics", "ingest", str(philly), "--db",
                                  str(pdb), "--tz", "America/New_York", "--json"], env=env)
        pr = json.loads(pout)
        lines += [
            "",
            f"Real data: Philadelphia parquet ({pr['rows_read']:,} rows, America/New_York), one "
            f"whole-process run: {ps:.2f} s ({pr['rows_read'] / ps:,.0f} rows/s), peak "
            f"{prss:,.0f} MiB; accepted {pr['accepted']:,}, duplicates {pr['duplicates']:,}, "
            f"quarantined {pr['quarantined']:,} {pr['quarantine_reasons']}, stacked points "
            f"{len(pr['stacked_points'])}, precision {pr['precision']}.",
        ]
    text = "\n".join(lines)
    print(text)
    from bench._results import write_section

    write_section("ingest", text)


if __name__ == "__main__":
    main()
