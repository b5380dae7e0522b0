"""Compliance: saved plans against stored tracks, per shift, per period, per district (report)."""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from analytics import compliance, dosage, patrol, reports, store, tracks
from analytics._errors import StoreError
from analytics._synthetic_tracks import tracks_from_plan
from analytics.store import plans, tracks as store_tracks
from tests._store_factory import synthetic_incidents

STARTS = ("2025-06-30 06:00", "2025-06-30 14:00")


def _plan(start: str) -> patrol.PatrolPlan:
    rng = np.random.default_rng(3)
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(-12.068, -77.018, 9), 6))
    fc = pd.DataFrame({"h3": cells, "expected": rng.gamma(0.5, 0.4, len(cells))})
    names = pd.Series(["LA VICTORIA" if i % 3 else "LIMA" for i in range(len(cells))],
                      index=cells)
    return patrol.place_patrols_on_cells(fc, units=3, radius_m=300, districts=names,
                                         window_start=pd.Timestamp(start), window_hours=8)


def _save(con: store.StoreConnection, start: str) -> str:
    return plans.save_plan(con, _plan(start), author="a", origin="app", resolution=9,
                           dwell_min=15, window_start=start,
                           window_end=pd.Timestamp(start) + pd.Timedelta(hours=8))


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], pd.DataFrame]:
    db = tmp_path_factory.mktemp("comp") / "v.duckdb"
    with store.writing(db) as con:
        inc = synthetic_incidents(600, seed=7)
        cols = [c for c, _ in __import__("analytics").settings.INCIDENT_COLUMNS]
        con.register("src", inc[cols])
        con.execute(f"INSERT INTO incidents BY NAME SELECT {', '.join(cols)} FROM src")
        con.unregister("src")
        ids = [_save(con, s) for s in STARTS]
        stops = plans.plan_stops(con, ids)
        pings, truth = tracks_from_plan(stops, seed=2)
        pings["unit"] = pings["unit"].map({"1": "1", "2": "EZX-102", "3": "gps 0003"})
        store_tracks.set_alias(con, "EZX 102", "2")
        store_tracks.store_pings(con, tracks.clean_pings(pings), user="a", file_name="g.csv",
                                 file_sha256="x", now="2025-07-01")
    return db, ids, truth


def truth_units(db: Path) -> pd.Series:
    with store.reading(db) as con:
        return store_tracks.load_pings(con)["unit"]


def plans_stops(db: Path, ids: list[str]) -> pd.DataFrame:
    with store.reading(db) as con:
        return plans.plan_stops(con, ids)


def test_current_plans_keep_the_newest_of_each_window() -> None:
    listed = pd.DataFrame({
        "plan_id": ["C", "B", "A", "D"],
        "created_at": pd.to_datetime(["2025-06-29 10:00", "2025-06-29 10:00",
                                      "2025-06-29 09:00", "2025-06-29 08:00"]),
        "window_start": pd.to_datetime(["2025-06-30 06:00"] * 3 + ["2025-06-30 14:00"])})
    # list_plans order is newest first: C beats B (same second), both beat A
    assert compliance.current_plans(listed) == ["C", "D"]
    assert compliance.current_plans(listed.iloc[0:0]) == []


def test_plans_dosage_reads_plan_tracks_and_aliases(measured: tuple) -> None:
    db, ids, truth = measured
    with store.reading(db) as con:
        pc = compliance.plans_dosage(con, ids)
    res = pc.result
    assert list(res.table.columns) == list(dosage.DOSAGE_COLUMNS)
    assert len(res.table) == len(pc.stops) == len(truth)
    # unit 3's device has no alias and its id is not "3": not matched, counted, not read
    assert (res.unmatched_devices, res.unmatched_pings) == (1, int(
        (truth_units(db) == "GPS 0003").sum()))
    got = res.table["unit"].astype(str).to_numpy()
    err = np.abs(res.table["dwell_min"].to_numpy() - truth["true_dwell_min"].to_numpy())
    assert (err[got != "3"] <= 1.0).mean() >= 0.98
    assert (res.table.loc[got == "3", "dwell_min"] == 0).all()
    assert set(pc.pings["unit"]) == {"1", "2"}


def test_two_plans_of_one_shift_are_refused(tmp_path: Path) -> None:
    with store.writing(tmp_path / "v.duckdb") as con:
        a, b = _save(con, STARTS[0]), _save(con, STARTS[0])
        with pytest.raises(StoreError, match="mismo turno"):
            compliance.plans_dosage(con, [a, b])
        with pytest.raises(StoreError, match="P000"):
            compliance.plans_dosage(con, [a, "P000"])
        with pytest.raises(StoreError, match="al menos un plan"):
            compliance.plans_dosage(con, [])


def test_shift_and_period_tables_add_up(measured: tuple) -> None:
    db, ids, _ = measured
    with store.reading(db) as con:
        pc = compliance.plans_dosage(con, ids)
        inc = compliance.dose_incidents(con, pc)
    sh = compliance.shift_compliance(pc)
    assert list(sh.columns) == list(compliance.SHIFT_COLUMNS)
    assert len(sh) == 6 and set(sh["shift"]) == {"mañana", "tarde"}
    assert set(sh["plan_id"]) == set(ids)
    d = pc.result.detail
    assert sh["planned_min"].sum() == pytest.approx(d["planned_min"].sum())
    assert sh["skipped"].sum() == int((d["visits"] == 0).sum())
    assert (sh["visited"] + sh["skipped"] == sh["hotspots"]).all()
    assert (sh["delivered_min"] <= sh["planned_min"] + 1e-9).all()
    moving = sh["unit"] != "3"
    assert (sh.loc[moving, "km"] > 1).all() and (sh.loc[~moving, "km"] == 0).all()
    assert (sh.loc[moving, "minutes_tracked"] > 400).all()
    # outside = tracked - in hotspots, per shift; summed per unit = the units frame
    uw = pc.result.unit_windows
    assert (uw["minutes_outside_hotspots"] - (uw["minutes_tracked"] - uw["minutes_in_hotspots"])
            ).abs().max() < 0.02
    per_unit = uw.groupby("unit")["km"].sum()
    units = pc.result.units.set_index("unit")["km"]
    pd.testing.assert_series_equal(per_unit.sort_index(), units.sort_index(), check_names=False,
                                   atol=0.01)
    per = compliance.period_compliance(pc, freq="D")
    assert len(per) == 1 and per["shifts"].iloc[0] == 2
    assert per["km"].iloc[0] == pytest.approx(sh["km"].sum(), abs=0.01)
    assert list(inc["dose_ok"]) == [True, False]
    assert inc["hotspots"].sum() == len(d)


def test_district_table_in_the_internal_report_only(measured: tuple) -> None:
    db, ids, _ = measured
    with store.reading(db) as con:
        table = compliance.report_compliance(con, target="2025-06", districts=["La Victoria",
                                                                               "Lima", "Lince"])
        assert compliance.report_compliance(con, target="2025-05") is None
        inc = store.load_incidents(con)
    assert table is not None
    assert list(table.columns) == list(compliance.DISTRICT_COLUMNS)
    assert table["district"].tolist() == ["LA VICTORIA", "LIMA", "LINCE"]
    lince = table.iloc[2]
    assert lince["hotspots"] == 0 and pd.isna(lince["delivered_pct"])
    done = table.iloc[:2]
    assert done["hotspots"].sum() == len(plans_stops(db, ids))
    assert done["shifts"].max() == 2
    assert ((done["delivered_pct"] >= 0) & (done["delivered_pct"] <= 100)).all()
    assert done["km"].sum() > 0 and (done["tracked_min"] >= 0).all()
    assert (table["period"] == "2025-06").all()
    tables, notes = reports.report_tables(inc, target="2025-06", districts=["LA VICTORIA"],
                                          compliance=table)
    shown = tables[compliance.REPORT_TABLE]
    assert "% de la dosis cumplida" in shown.columns and "Distrito" in shown.columns
    assert "La Victoria" in shown["Distrito"].tolist()
    assert any("Cumplimiento de patrullaje" in n for n in notes)
    plain, _ = reports.report_tables(inc, target="2025-06", districts=["LA VICTORIA"])
    assert compliance.REPORT_TABLE not in plain
