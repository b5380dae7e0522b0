"""Shift sheets (hojas de ruta): visits replayed from stored stops, PDF and CSV content, CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analytics import patrol, shift_sheet, store
from analytics._errors import StoreError
from analytics.cli import main
from analytics.store import plans


def _plan(start: str, *, units: int = 3, hours: float = 8) -> patrol.PatrolPlan:
    rng = np.random.default_rng(7)
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(-12.068, -77.018, 9), 6))
    fc = pd.DataFrame({"h3": cells, "expected": rng.gamma(0.5, 0.4, len(cells))})
    names = pd.Series(["LA VICTORIA"] * len(cells), index=cells)
    return patrol.place_patrols_on_cells(fc, units=units, radius_m=300, districts=names,
                                         window_start=pd.Timestamp(start), window_hours=hours)


@pytest.fixture(scope="module", params=["2025-07-01 06:00", "2025-07-01 22:00"],
                ids=["manana", "noche-cruza-medianoche"])
def saved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[Path, str, patrol.PatrolPlan, pd.DataFrame]:
    start = str(request.param)
    plan = _plan(start)
    db = tmp_path_factory.mktemp("sheet") / "v.duckdb"
    with store.writing(db) as con:
        pid = plans.save_plan(con, plan, author="a", origin="cli", resolution=9, dwell_min=15,
                              window_start=start,
                              window_end=pd.Timestamp(start) + pd.Timedelta(hours=8))
        stops = plans.plan_stops(con, pid)
    return db, pid, plan, stops


def test_visits_of_stored_stops_are_the_plans_schedule(saved: tuple) -> None:
    _, pid, plan, stops = saved
    v = shift_sheet.stops_visits(stops)
    s = plan.schedule.sort_values(["unit", "arrive"], kind="stable").reset_index(drop=True)
    assert len(v) == len(s) > len(stops)
    assert v["unit"].tolist() == s["unit"].astype(str).tolist()
    assert v["h3"].tolist() == s["h3"].tolist()
    assert (v["arrive"] == s["arrive"]).all() and (v["leave"] == s["leave"]).all()
    assert v["visit"].tolist() == s["visit"].tolist()
    assert (v["plan_id"] == pid).all()
    # every visit ends inside the window
    assert (v["leave"] <= v["window_end"]).all()


def test_pdf_has_one_page_per_unit_with_every_visit_in_order(saved: tuple) -> None:
    _, pid, plan, stops = saved
    pdf = shift_sheet.shift_sheet_pdf(stops, station="Comisaría La Victoria",
                                      generated_at=pd.Timestamp("2025-06-30 18:00"))
    assert pdf.startswith(b"%PDF")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == plan.units
    start = pd.Timestamp(stops["window_start"].iloc[0])
    shift = {6: "mañana (06:00–14:00)", 22: "noche (22:00–06:00)"}[start.hour]
    for u, text in zip(sorted(stops["unit"].unique(), key=int), pages, strict=True):
        assert f"Unidad: Unidad {u}" in text
        assert f"Turno: {shift}" in text
        assert f"Fecha: {start:%d/%m/%Y}" in text
        assert "Comisaría / base: Comisaría La Victoria" in text
        assert "Distrito: La Victoria" in text
        assert "Firma y sello del supervisor" in text and "Observaciones" in text
        assert f"Plan {pid}" in text
        sched = plan.schedule[plan.schedule["unit"] == int(u)].sort_values("arrive")
        lines = [ln for ln in text.splitlines() if " · " in ln and ln[:1].isdigit()]
        assert len(lines) == len(sched)
        for n, (ln, r) in enumerate(zip(lines, sched.itertuples(), strict=True), start=1):
            assert ln.startswith(f"{n} Punto {r.order} · La Victoria · {r.h3} ")
            assert ln.endswith(f"{r.arrive:%H:%M} {r.leave:%H:%M} 15")


def test_csv_is_the_same_rows_and_one_unit_can_be_asked(saved: tuple) -> None:
    _, _, plan, stops = saved
    df = pd.read_csv(io.BytesIO(shift_sheet.shift_sheet_csv(stops, unit="2")),
                     encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(df.columns) == list(shift_sheet.SHEET_COLUMNS)
    sched = plan.schedule[plan.schedule["unit"] == 2].sort_values("arrive")
    assert (df["unidad"] == "2").all() and len(df) == len(sched)
    assert df["llegada"].tolist() == [f"{a:%H:%M}" for a in sched["arrive"]]
    assert df["h3"].tolist() == sched["h3"].tolist()
    assert df["n"].tolist() == [str(i) for i in range(1, len(df) + 1)]
    assert (df["observaciones"] == "").all()
    with pytest.raises(StoreError, match="no está en el plan"):
        shift_sheet.sheet_rows(stops, unit="99")


def test_streets_when_known_go_into_the_point() -> None:
    plan = _plan("2025-07-01 14:00", units=1)
    stops = plan.routes.assign(window_end=pd.Timestamp("2025-07-01 22:00"), plan_id="P1")
    first = str(stops.sort_values("order")["h3"].iloc[0])
    rows = shift_sheet.sheet_rows(stops, streets={first: "Av. Aviación"})
    assert rows.loc[rows["h3"] == first, "calle"].eq("Av. Aviación").all()
    assert rows["punto"].iloc[0] == f"Punto 1 · La Victoria · Av. Aviación · {first}"


def test_cli_plans_sheet_pdf_and_csv(saved: tuple, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    db, pid, plan, _ = saved
    out = tmp_path / "hoja.pdf"
    assert main(["plans", "sheet", pid, "--db", str(db), "--unit", "1", "--out", str(out)]) == 0
    assert "1 unidad(es)" in capsys.readouterr().out
    assert len(PdfReader(out).pages) == 1
    csv = tmp_path / "hoja.csv"
    assert main(["plans", "sheet", pid, "--db", str(db), "--out", str(csv)]) == 0
    assert len(pd.read_csv(csv, encoding="utf-8-sig")) == len(plan.schedule)
    assert main(["plans", "sheet", "P000", "--db", str(db), "--out", str(csv)]) == 2
    assert "No existe el plan" in capsys.readouterr().err
    assert main(["plans", "sheet", pid, "--db", str(db), "--out", str(tmp_path / "h.txt")]) == 2
    assert main(["plans", "list", "--db", str(db), "--json"]) == 0
    assert pid in {p["plan_id"] for p in json.loads(capsys.readouterr().out.splitlines()[-1])}
