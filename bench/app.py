"""Map page re-render time after filter changes, on the 1.5 M-incident Philadelphia store.

Run by hand: ``.venv/bin/python bench/app.py [--rebuild]``. Builds (once) the store
``bench/_work/phl.duckdb`` with the CLI ingest, then drives ``app.py`` with Streamlit's
AppTest (the same script run a browser session triggers, without the browser):

* cold: first map render of a fresh process (empty caches);
* filter change: a filter combination never seen before (DuckDB aggregation + draw);
* warm: a combination seen before (``st.cache_data`` hit).

Writes the ``app`` section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WORK = REPO / "bench" / "_work"
DB = WORK / "phl.duckdb"
PHL = REPO.parent / "shared" / "data" / "philadelphia_incidents" / "incidents_2016_2025.parquet"


def build_store(rebuild: bool) -> float | None:
    """Ingest Philadelphia once (seconds, or None when the store already existed)."""
    if DB.exists() and not rebuild:
        return None
    WORK.mkdir(parents=True, exist_ok=True)
    for p in (DB, DB.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "analytics", "ingest", str(PHL), "--tz",
                    "America/New_York", "--db", str(DB)], cwd=REPO, check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rebuild", action="store_true", help="re-ingest the store")
    args = ap.parse_args()
    if not PHL.exists():
        print(f"missing {PHL}", file=sys.stderr)
        return 2
    ingest_s = build_store(args.rebuild)
    os.environ["VIGIA_DB"] = str(DB)
    os.environ["VIGIA_OFFLINE"] = "1"

    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest, app_test as app_test_module

    from analytics import explore, store
    from analytics.query import IncidentQuery

    class V2(PagesManager):  # same as tests/test_app.py: app.py runs on every rerun
        def __init__(self, *a, **k):  # type: ignore[no-untyped-def]
            super().__init__(*a, **k)
            PagesManager.uses_pages_directory = False

    app_test_module.PagesManager = V2  # type: ignore[misc]

    con = store.connect(DB, read_only=True)
    n_rows = store.incident_count(con)
    start, end = explore.default_period(con)
    t0 = time.perf_counter()
    ref = explore.cell_counts(con, IncidentQuery.build(resolution=9, start=start, end=end))
    ref_s = time.perf_counter() - t0
    con.close()

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    t0 = time.perf_counter()
    at.run()
    at.switch_page("pages/mapa.py").run()
    cold = time.perf_counter() - t0
    assert not at.exception, at.exception

    def timed(label: str, **state: object) -> tuple[str, float, int, float]:
        for k, v in state.items():
            at.session_state[k] = v
        t = time.perf_counter()
        at.run()
        dt = time.perf_counter() - t
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        decks = at.get("deck_gl_json_chart")
        import json

        spec = json.loads(decks[0].proto.json)
        n_cells = next(len(lyr["data"]) for lyr in spec["layers"]
                       if lyr["@@type"] == "H3HexagonLayer")
        size_mb = len(decks[0].proto.json) / 1e6
        print(f"{label:45s} {dt:6.3f} s  {n_cells:6d} cells {size_mb:5.2f} MB", flush=True)
        return label, dt, n_cells, size_mb

    year = (end - timedelta(days=364), end)
    changes = [
        timed("grupo: patrimonio", f_groups=["patrimonio"]),
        timed("+ turno: noche", f_shifts=["noche"]),
        timed("+ días: sábado, domingo", f_weekdays=[5, 6]),
        timed("resolución 10 (filtros anteriores)", f_res=10),
        timed("resolución 8", f_res=8),
        timed("sin filtros, resolución 9", f_groups=[], f_shifts=[], f_weekdays=[], f_res=9),
        timed("periodo: último año (365 días)", f_dates=year),
        timed("último año, resolución 10", f_res=10),
        timed("color por tasa por km²", map_metric="rate"),
        timed("vista 3D", map_3d=True),
    ]
    warm = [
        timed("(caché) grupo: patrimonio, 90 días, r9", f_groups=["patrimonio"], f_res=9,
              f_dates=(start, end), map_metric="count", map_3d=False),
        timed("(caché) sin filtros, 90 días, r9", f_groups=[]),
        timed("(caché) último año, r10", f_dates=year, f_res=10),
    ]
    cold_changes = [row[1] for row in changes[:8]]
    warm_s = [row[1] for row in warm]
    lines = [
        "## App: map page re-render (`bench/app.py`)",
        "",
        f"Philadelphia store: {n_rows:,} incidents (`bench/_work/phl.duckdb`"
        + (f", ingested in {ingest_s:.1f} s" if ingest_s else ", reused") + "). "
        "Times are one AppTest script run of `app.py` + `pages/mapa.py` (router, sidebar, "
        "DuckDB aggregation through `st.cache_data`, pydeck spec), offline, no browser. "
        f"Default view: the last 90 days of data ({start} – {end}), resolution 9.",
        "",
        f"- Bare reference, `explore.cell_counts` at r9 on the default period: {ref_s:.3f} s "
        f"({len(ref):,} cells).",
        f"- Cold start (fresh process, empty caches, first map render): {cold:.2f} s.",
        f"- Filter change to an unseen combination: median {statistics.median(cold_changes):.2f} s,"
        f" max {max(cold_changes):.2f} s (target < 1.5 s).",
        f"- Filter change back to a cached combination: median {statistics.median(warm_s):.2f} s.",
        "",
        "Not included: sending the pydeck spec to the browser and drawing it (deck.gl on the "
        "GPU); the spec size is listed for that reason.",
        "",
        "| change | seconds | hexagons drawn | spec MB |",
        "|---|---:|---:|---:|",
        *[f"| {lab} | {dt:.3f} | {n:,} | {mb:.2f} |" for lab, dt, n, mb in changes + warm],
    ]
    from bench._results import write_section

    write_section("app", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
