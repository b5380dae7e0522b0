"""End to end through the CLI: plan --save, tracks import, dosage.

The plan is saved with ``plan --save``; synthetic tracks that follow it (stays of
0–20 minutes, a ping every 30 s with 10 m noise, some hotspots skipped) are written
as the CSV exports police and Serenazgo systems produce, imported with ``tracks
import`` and measured with ``dosage --plan ... --json --out``: ``dwell_min`` must be
within 1 minute of the true time in the cell for at least 98 % of planned hotspots.
"""

from __future__ import annotations

import json
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from analytics import dosage, store
from analytics._synthetic_tracks import tracks_from_plan
from analytics.cli import main
from analytics.store import plans

CENTRE = (-12.068, -77.018)


def _forecast(tmp_path: Path, *, res: int = 9, rings: int = 8) -> Path:
    rng = np.random.default_rng(11)
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(*CENTRE, res), rings))
    f = pd.DataFrame({"h3": cells, "expected": rng.gamma(0.5, 0.4, len(cells))})
    frames = []
    for ws in ("2025-07-01T06:00:00", "2025-07-01T14:00:00"):
        frames.append(f.assign(window_start=ws, window_end=(pd.Timestamp(ws)
                                                           + pd.Timedelta(hours=8)).isoformat()))
    path = tmp_path / "forecast.csv"
    pd.concat(frames)[["h3", "window_start", "window_end", "expected"]].to_csv(path, index=False)
    return path


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def _plan(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str], *, units: int = 4,
          radius: float = 400, window: str = "2025-07-01T14:00") -> tuple[str, pd.DataFrame]:
    routes = tmp_path / f"routes_{window[-5:-3]}.csv"
    rc = main(["plan", "--forecast", str(_forecast(tmp_path)), "--window-start", window,
               "--units", str(units), "--radius-m", str(radius), "--out", str(routes), "--json",
               "--save", "--db", str(db)])
    assert rc == 0
    out = _json(capsys)
    assert isinstance(out, dict)
    return str(out["plan_id"]), pd.read_csv(routes)


def _write(pings: pd.DataFrame, path: Path, style: str) -> None:
    """A GPS export: ``unidad,fecha_hora,...`` day-first, ``device_id,timestamp,...`` ISO, or
    the frame as pandas writes it (``unit,ts,lat,lon``, nanosecond times)."""
    if style == "pandas":
        pings.to_csv(path, index=False)
        return
    if style == "sipcop":
        df = pd.DataFrame({"unidad": pings["unit"], "fecha_hora":
                           pings["ts"].dt.strftime("%d/%m/%Y %H:%M:%S"),
                           "latitud": pings["lat"].round(7), "longitud": pings["lon"].round(7)})
    else:
        df = pd.DataFrame({"device_id": pings["unit"],
                           "timestamp": pings["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
                           "lat": pings["lat"].round(7), "lon": pings["lon"].round(7)})
    df.sample(frac=1.0, random_state=3).to_csv(path, index=False)  # exports are not sorted


def _plate(unit: object) -> str:
    return f"EZX-{100 + int(unit)}"  # made up for the test


@pytest.mark.parametrize("style", ["sipcop", "plates", "pandas"],
                         ids=["unidad-dmy", "plates-iso-alias", "pandas-to-csv-ns"])
def test_dosage_from_the_store_matches_the_truth(tmp_path: Path, style: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "v.duckdb"
    plan_id, routes = _plan(tmp_path, db, capsys)
    # the plan as stored: its window and one row per stop
    with store.reading(db) as con:
        stops = plans.plan_stops(con, plan_id)
    assert len(stops) == len(routes)
    truth_pings, truth = tracks_from_plan(stops.assign(unit=stops["unit"].astype(str)), seed=4)
    assert truth["skipped"].any() and not truth["skipped"].all()
    pings = truth_pings.copy()
    if style == "plates":
        pings["unit"] = pings["unit"].map(_plate)
    csv = tmp_path / "gps.csv"
    _write(pings, csv, style)

    assert main(["tracks", "import", str(csv), "--db", str(db), "--json"]) == 0
    summary = _json(capsys)
    assert isinstance(summary, dict)
    assert list(summary) == ["pings_read", "stored", "duplicates", "rejected",
                             "rejected_reasons", "units"]
    assert summary["pings_read"] == len(pings) == summary["stored"]
    assert summary["pings_read"] == (summary["stored"] + summary["duplicates"]
                                     + summary["rejected"])
    if style == "plates":
        for u in sorted(stops["unit"].unique()):
            assert main(["tracks", "aliases", "set", _plate(u).lower().replace("-", " "), u,
                         "--db", str(db)]) == 0
        capsys.readouterr()

    out = tmp_path / "dosis.csv"
    assert main(["dosage", "--plan", plan_id, "--db", str(db), "--json", "--out",
                 str(out)]) == 0
    d = _json(capsys)
    assert isinstance(d, dict)
    assert list(d)[:5] == ["hotspots", "dosed", "share_dosed", "minutes_in_hotspots",
                           "minutes_tracked"]
    table = pd.read_csv(out)
    assert list(table.columns) == list(dosage.DOSAGE_COLUMNS)
    assert d["hotspots"] == len(table) == len(stops)
    assert d["unmatched_devices"] == 0
    # the truth, row for row by (unit, cell)
    m = table.astype({"unit": str}).merge(truth.astype({"unit": str})[
        ["unit", "h3", "true_dwell_min"]], on=["unit", "h3"], how="left", validate="1:1")
    err = (m["dwell_min"] - m["true_dwell_min"]).abs()
    assert m["true_dwell_min"].notna().all()
    assert (err <= 1.0).mean() >= 0.98, err.describe()
    assert d["minutes_in_hotspots"] == pytest.approx(table["dwell_min"].sum(), abs=0.05)
    # skipped hotspots have (almost) no dwell and no visit
    skipped = m["h3"].isin(truth.loc[truth["skipped"], "h3"])
    assert (table.loc[skipped.to_numpy(), "visits"] == 0).mean() > 0.5


def test_import_twice_counts_duplicates_and_stores_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "v.duckdb"
    plan_id, _ = _plan(tmp_path, db, capsys, units=2)
    with store.reading(db) as con:
        stops = plans.plan_stops(con, plan_id)
    pings, _ = tracks_from_plan(stops, seed=1)
    csv = tmp_path / "gps.csv"
    _write(pings, csv, "sipcop")
    assert main(["tracks", "import", str(csv), "--db", str(db), "--json"]) == 0
    first = _json(capsys)
    assert main(["tracks", "import", str(csv), "--db", str(db), "--json"]) == 0
    again = _json(capsys)
    assert isinstance(first, dict) and isinstance(again, dict)
    assert again["pings_read"] == first["pings_read"]
    assert again["stored"] == 0 and again["duplicates"] == again["pings_read"]
    assert again["units"] == []
    with store.reading(db) as con:
        n, distinct = con.execute("SELECT count(*), count(DISTINCT (unit, ts)) FROM tracks"
                                  ).fetchall()[0]
        imports = con.execute("SELECT count(*) FROM track_imports").fetchall()[0][0]
    assert n == distinct == first["stored"]
    assert imports == 2


def test_dosage_needs_a_plan_or_a_period(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "v.duckdb"
    plan_id, _ = _plan(tmp_path, db, capsys, units=2)
    out = str(tmp_path / "d.csv")
    assert main(["dosage", "--db", str(db), "--out", out]) == 2
    assert "--plan" in capsys.readouterr().err
    assert main(["dosage", "--plan", "P000", "--db", str(db), "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "P000" in err and err.count("\n") == 1
    # no tracks: every hotspot undosed, zero minutes, still the full table
    assert main(["dosage", "--start", "2025-07-01", "--end", "2025-07-02", "--db", str(db),
                 "--out", out, "--json"]) == 0
    d = _json(capsys)
    assert isinstance(d, dict) and d["dosed"] == 0 and d["minutes_tracked"] == 0
    assert len(pd.read_csv(out)) == d["hotspots"] > 0
    assert plan_id


@pytest.mark.parametrize("where", ["env", "default"], ids=["VIGIA_DB", "data-vigia-duckdb"])
def test_plan_save_without_db_uses_vigia_db_or_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    if where == "env":
        db = tmp_path / "elsewhere" / "store.duckdb"
        monkeypatch.setenv("VIGIA_DB", str(db))
    else:
        monkeypatch.delenv("VIGIA_DB", raising=False)
        db = tmp_path / "data" / "vigia.duckdb"
    rc = main(["plan", "--forecast", str(_forecast(tmp_path)), "--units", "2", "--radius-m",
               "400", "--out", str(tmp_path / "r.csv"), "--json", "--save"])
    assert rc == 0
    pid = json.loads(capsys.readouterr().out)["plan_id"]
    assert db.is_file()
    with store.reading(db) as con:
        assert plans.list_plans(con)["plan_id"].tolist() == [pid]
    assert main(["plans", "list", "--json"]) == 0
    assert [p["plan_id"] for p in json.loads(capsys.readouterr().out)] == [pid]


def test_aliases_suggested_from_the_route_then_applied(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "v.duckdb"
    plan_id, _ = _plan(tmp_path, db, capsys, units=3)
    with store.reading(db) as con:
        stops = plans.plan_stops(con, plan_id)
    pings, truth = tracks_from_plan(stops, seed=6, skip_share=0.0)
    pings["unit"] = pings["unit"].map(_plate)
    csv = tmp_path / "gps.csv"
    _write(pings, csv, "plates")
    assert main(["tracks", "import", str(csv), "--db", str(db)]) == 0
    capsys.readouterr()
    out = str(tmp_path / "d.csv")
    assert main(["dosage", "--plan", plan_id, "--db", str(db), "--out", out, "--json"]) == 0
    before = _json(capsys)
    assert isinstance(before, dict)
    assert before["unmatched_devices"] == 3 and before["minutes_tracked"] == 0
    assert main(["tracks", "aliases", "suggest", "--plan", plan_id, "--db", str(db), "--json",
                 "--apply"]) == 0
    sug = _json(capsys)
    assert isinstance(sug, list)
    assert {(s["alias"], s["unit"], s["basis"]) for s in sug} == {
        (_plate(u), u, "recorrido") for u in ("1", "2", "3")}
    assert main(["dosage", "--plan", plan_id, "--db", str(db), "--out", out, "--json"]) == 0
    after = _json(capsys)
    assert isinstance(after, dict) and after["unmatched_devices"] == 0
    err = (pd.read_csv(out)["dwell_min"] - truth["true_dwell_min"].to_numpy()).abs()
    assert (err <= 1.0).mean() >= 0.98
