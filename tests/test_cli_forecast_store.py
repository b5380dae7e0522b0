"""CLI ``forecast --store`` and ``zone-forecast --store`` (``--layer``, ``--by period``): what
is written to the store, the JSON, and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from analytics import cli, forecast, store
from analytics.store import forecasts as sf

CUT = pd.Timestamp("2025-07-01")  # the day after the seeded store's last incident


@pytest.fixture
def db(tmp_path: Path) -> Path:
    from tests._store_factory import make_store

    return make_store(tmp_path / "vigia.duckdb")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_zone_forecast_store_writes_the_run_and_the_same_rows_as_out(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "z.parquet"
    code, stdout, err = run(["zone-forecast", "--db", str(db), "--train-until", "2025-07-01",
                             "--horizon-days", "3", "--by", "shift", "--store", "--out",
                             str(out), "--json"], capsys)
    assert code == 0, err
    doc = json.loads(stdout)
    assert list(doc) == ["zones", "seconds", "models", "run_id", "train_until", "made_at"]
    assert doc["zones"] == 4 and doc["train_until"] == "2025-07-01"
    assert "guardado en el almacén (distritos" in err
    with store.reading(db) as con:
        run_ = sf.find_forecast(con, kind="zone", windows="shift", train_until=CUT,
                                covers_until=CUT + pd.Timedelta(days=3))
        rows = sf.forecast_rows(con, run_)
    assert run_.run_id == doc["run_id"] and run_.made_at == pd.Timestamp(doc["made_at"])
    assert run_.layer_id is None and run_.interval == 0.8 and run_.horizon_days == 3
    assert run_.made_by.startswith("(cli:")
    written = pd.read_parquet(out)
    pd.testing.assert_frame_equal(rows, written.astype({"zone": "str", "model": "str"}),
                                  check_dtype=False)


def test_store_only_layer_and_period(db: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    lay = tmp_path / "sectores.geojson"
    gpd.GeoDataFrame({"sector": ["S1", "S2"]}, geometry=[
        box(-77.03, -12.08, -77.00, -12.055), box(-76.97, -12.08, -76.96, -12.07)],
        crs="EPSG:4326").to_file(lay, driver="GeoJSON")
    assert run(["zones", "add", str(lay), "--name", "Sectores", "--db", str(db)], capsys)[0] == 0
    code, stdout, err = run(["zone-forecast", "--db", str(db), "--layer", "Sectores",
                             "--train-until", "2025-07-01", "--horizon-days", "2", "--by",
                             "hour", "--store", "--json"], capsys)
    assert code == 0, err
    assert "Sectores (v1)" in err and "S2" in err  # no history: listed, never a crash
    code, stdout, err = run(["zone-forecast", "--db", str(db), "--train-until", "2025-04-01",
                             "--horizon-days", "91", "--by", "period", "--store", "--json"],
                            capsys)
    assert code == 0, err
    with store.reading(db) as con:
        hourly = sf.find_forecast(con, kind="zone", windows="hour", train_until=CUT,
                                  layer_id=1)
        period = sf.stored_forecast(con, kind="zone", windows="period",
                                    train_until="2025-04-01", covers_until="2025-07-01")
    assert hourly is not None and hourly.no_history == ("S2",)
    assert hourly.n_rows == 48 and hourly.params["zones"] == "Sectores (v1)"
    prun, prows = period
    assert len(prows) == 4 and (prows["window_end"] == CUT).all()
    assert (prows["lower"] <= prows["expected"]).all()
    assert (prows["expected"] <= prows["upper"]).all()


def test_cell_forecast_store_is_the_map_the_pages_would_draw(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, err = run(["forecast", "--db", str(db), "--train-until", "2025-07-01",
                             "--horizon-days", "2", "--store", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(stdout)
    assert list(doc) == ["cells", "windows", "rows", "seconds", "run_id", "train_until",
                         "made_at"]
    assert doc["windows"] == 6 and doc["rows"] == doc["cells"] * 6
    with store.reading(db) as con:
        hit = sf.stored_forecast(con, kind="cell", windows="shift", train_until=CUT,
                                 covers_until=CUT + pd.Timedelta(days=2), resolution=9,
                                 crime_group=None, model=forecast.DEFAULT_MODEL)
        inc = store.load_incidents(con, columns=["occurred_at", "h3_r12", "crime_group",
                                                 "district"])
    run_, rows = hit
    assert run_.run_id == doc["run_id"] and run_.params["seed"] == 0
    # the pages' own fit (ui.cache.forecast: these columns, seed 0) gives the same numbers
    page = forecast.forecast_cells(inc, train_until=CUT, horizon_days=2, resolution=9,
                                   windows="shift", model=forecast.DEFAULT_MODEL, seed=0)
    m = rows.merge(page, on=["h3", "window_start", "window_end"], suffixes=("", "_page"))
    assert len(m) == len(rows) == len(page)
    np.testing.assert_allclose(m["expected"], m["expected_page"], rtol=1e-9)


@pytest.mark.parametrize("argv, match", [
    (["zone-forecast", "--train-until", "2025-07-01", "--horizon-days", "2"],
     "falta --out PATH (o --store"),
    (["zone-forecast", "--train-until", "2025-07-01", "--horizon-days", "2", "--store",
      "--zones", "x.geojson"], "guárdela antes con 'zones add'"),
    (["zone-forecast", "--train-until", "2025-07-01", "--horizon-days", "2", "--store",
      "--layer", "Nada"], "No existe la capa de zonas 'Nada'"),
    (["zone-forecast", "--train-until", "2025-07-01", "--horizon-days", "400", "--by",
      "period", "--store"], "1 a 366"),
    (["forecast", "--train-until", "2025-07-01", "--horizon-days", "2"],
     "falta --out PATH (o --store"),
    (["forecast", "--train-until", "2025-07-01", "--horizon-days", "2", "--store",
      "--shifts", "06-18,18-06"], "quite --shifts"),
], ids=["zone-no-out", "zone-file-layer", "zone-unknown-layer", "period-too-long",
        "cell-no-out", "cell-custom-shifts"])
def test_refusals_are_one_spanish_line(db: Path, argv: list[str], match: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run([*argv, "--db", str(db)], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and match in err, err


def test_store_refuses_a_file_source(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("forecast", "zone-forecast"):
        code, _out, err = run([cmd, "--incidents", str(tmp_path / "x.csv"), "--train-until",
                               "2025-07-01", "--horizon-days", "2", "--store"], capsys)
        assert code == 2 and "no --incidents" in err
