"""Benchmark: the ingest API over loopback (posts/s and latency), against bare references.

Run by hand: ``.venv/bin/python bench/api.py [--incidents N] [--seconds S]``.

Starts the real service (``python -m analytics serve-api``) on a free port over
a fresh store holding ``--incidents`` synthetic incidents (the duplicate check
reads them on every import), one token per client, and measures:

* single-incident posts from 1 and from 10 concurrent clients (keep-alive
  HTTP/1.1 connections, one per client thread), for ``--seconds`` each;
* batch posts of 1,000 incidents from one client.

References timed in the same run: ``GET /api/v1/health`` at the same
concurrency (HTTP + event loop with no store work) and, for the batches, the
same 1,000 incidents imported in-process with ``ingest_records`` (no HTTP).
Every acknowledged incident is then counted in the store (must equal the
accepted total). Writes the ``api`` section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._results import write_section  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _store(db: Path, n: int) -> None:
    from analytics import hexbin, settings, store

    rng = np.random.default_rng(11)
    lat = -12.07 + rng.normal(0, 0.03, n)
    lon = -77.03 + rng.normal(0, 0.03, n)
    end = np.datetime64("2026-11-30T00:00")
    occurred = end - rng.integers(0, 365 * 24 * 60, n).astype("timedelta64[m]")
    import pandas as pd

    types = rng.choice(np.array(["robo", "hurto", "lesiones", "extorsión"]), n)
    df = pd.DataFrame({"incident_id": [f"b{i}" for i in range(n)], "occurred_at": occurred,
                       "lat": lat, "lon": lon, "crime_type": types,
                       "crime_group": [settings.CRIME_TYPE_GROUP[t] for t in types],
                       "district": "LIMA", "ubigeo": "150101", "source": "bench",
                       "h3_r12": hexbin.points_to_cells(lat, lon), "import_id": 1})
    with store.writing(db) as con:
        con.register("src", df)
        con.execute("INSERT INTO incidents SELECT * FROM src")
        con.unregister("src")


def _token(db: Path, name: str) -> str:
    out = subprocess.run([sys.executable, "-m", "analytics", "tokens", "add", name, "--role",
                          "ingest", "--db", str(db)], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip().splitlines()[-1]


class _Counter:
    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    def next(self) -> int:
        with self.lock:
            self.n += 1
            return self.n


def _incident(i: int, tag: str) -> dict[str, Any]:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    t = datetime.now(ZoneInfo("America/Lima")).replace(tzinfo=None) - timedelta(minutes=i % 600)
    return {"id": f"{tag}-{i}", "fecha_hora": t.strftime("%Y-%m-%d %H:%M:%S"),
            "latitud": -12.07 + (i % 997) * 1e-4, "longitud": -77.03 + (i % 991) * 1e-4,
            "tipo": "robo" if i % 3 else "hurto", "distrito": "LIMA"}


def _run_clients(port: int, tokens: list[str], seconds: float, *, path: str, method: str,
                 body_of: Any, clients: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    accepted = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {tokens[k % len(tokens)]}",
                   "Content-Type": "application/json"}
        mine: list[float] = []
        while time.monotonic() < stop_at:
            body = body_of() if body_of else None
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            mine.append(time.perf_counter() - t0)
            with lock:
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
                if resp.status == 200 and method == "POST":
                    accepted[0] += int(json.loads(data)["accepted"])
        conn.close()
        with lock:
            latencies.extend(mine)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    lat = np.asarray(latencies) * 1000
    return {"requests": len(lat), "per_s": len(lat) / wall, "p50": float(np.percentile(lat, 50)),
            "p95": float(np.percentile(lat, 95)), "statuses": statuses,
            "accepted": accepted[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=200_000)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--batches", type=int, default=10)
    args = ap.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        _store(db, args.incidents)
        toks = [_token(db, f"bench-{k:02d}") for k in range(10)]
        # the nightly job has run: fresh Knox rules, so the service does not compute them now
        subprocess.run([sys.executable, "-m", "analytics", "alerts", "refresh", "--db", str(db)],
                       cwd=ROOT, capture_output=True, check=True)
        port = _free_port()
        log = open(Path(tmp) / "serve.log", "w")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "analytics", "serve-api", "--db", str(db),
                                 "--port", str(port), "--rate-limit", "10000000",
                                 "--log-level", "warning"], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    c.request("GET", "/api/v1/health")
                    if c.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
                if time.monotonic() > deadline:
                    raise SystemExit("serve-api did not start")
            counter = _Counter()

            def single() -> bytes:
                return json.dumps([_incident(counter.next(), "s")]).encode()

            def batch() -> bytes:
                return json.dumps([_incident(counter.next(), "m") for _ in range(1000)]).encode()

            res: dict[str, dict[str, Any]] = {}
            for clients in (1, 10):
                res[f"health x{clients}"] = _run_clients(
                    port, toks, args.seconds / 3, path="/api/v1/health", method="GET",
                    body_of=None, clients=clients)
                res[f"single x{clients}"] = _run_clients(
                    port, toks, args.seconds, path="/api/v1/incidents", method="POST",
                    body_of=single, clients=clients)
            per_batch_s = args.seconds / max(1, args.batches) * 4
            res["batch 1000 x1"] = _run_clients(port, toks, per_batch_s, path="/api/v1/incidents",
                                                method="POST", body_of=batch, clients=1)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
            log.close()
        from analytics import ingest, store

        with store.reading(db) as con:
            stored_api = int(con.execute("SELECT count(*) FROM incidents WHERE source = 'api'")
                             .fetchall()[0][0])
        acked = sum(r["accepted"] for k, r in res.items() if not k.startswith("health"))
        # in-process reference: the same 1,000 incidents without HTTP
        ref_times = []
        for _ in range(3):
            recs = [_incident(counter.next(), "r") for _ in range(1000)]
            t0 = time.perf_counter()
            ingest.ingest_records(recs, db=db)
            ref_times.append(time.perf_counter() - t0)
    ref_batch = min(ref_times)
    lines = ["## api", "",
             f"Ingest API on loopback (`bench/api.py`, store of {args.incidents:,} incidents, "
             f"{args.seconds:g} s per single-post run). Load average at start: "
             f"{load[0]:.2f}.", "",
             "| run | requests | per s | p50 ms | p95 ms | statuses |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for name, r in res.items():
        lines.append(f"| {name} | {r['requests']:,} | {r['per_s']:.1f} | {r['p50']:.1f} | "
                     f"{r['p95']:.1f} | {r['statuses']} |")
    b = res["batch 1000 x1"]
    lines += ["",
              f"Single posts, 10 clients: {res['single x10']['per_s']:.0f} posts/s = "
              f"{res['single x10']['per_s'] / res['health x10']['per_s']:.2f}x the health "
              f"reference ({res['health x10']['per_s']:.0f}/s at the same concurrency).",
              f"Batches of 1,000: {b['p50'] / 1000:.3f} s median per post against "
              f"{ref_batch:.3f} s for `ingest_records` in-process (ratio "
              f"{b['p50'] / 1000 / ref_batch:.2f}x); {1000 * b['per_s']:.0f} incidents/s.",
              f"Acknowledged as accepted: {acked:,}; stored with source api: {stored_api:,} "
              f"({'equal' if acked == stored_api else 'DIFFERENT'})."]
    body = "\n".join(lines)
    print(body)
    write_section("api", body)


if __name__ == "__main__":
    main()
