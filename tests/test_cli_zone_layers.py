"""CLI ``zones add`` / ``zones list``: versions, repairs, refusals, audit, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from analytics import access, cli, store

LON, LAT = -77.03, -12.08


def write_layer(path: Path, polys: list, names: list[str], column: str = "sector") -> Path:
    gpd.GeoDataFrame({column: names}, geometry=polys, crs="EPSG:4326").to_file(
        path, driver="GeoJSON")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    from tests._store_factory import make_store

    return make_store(tmp_path / "vigia.duckdb")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_then_add_again_makes_version_two_and_list_shows_latest(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bow = Polygon([(LON, LAT), (LON + 0.01, LAT + 0.01), (LON + 0.01, LAT), (LON, LAT + 0.01)])
    lay = write_layer(tmp_path / "sectores.geojson",
                      [bow, box(LON + 0.005, LAT, LON + 0.02, LAT + 0.01)], ["S1", "S2"])
    code, out, err = run(["zones", "add", str(lay), "--name", "Sectores LV", "--db", str(db),
                          "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["layer_id", "name", "version", "zones", "notes"]
    assert (doc["layer_id"], doc["name"], doc["version"], doc["zones"]) == (1, "Sectores LV", 1, 2)
    assert any("reparados" in n for n in doc["notes"]), "the bow-tie was repaired"
    assert any("superposición" in n for n in doc["notes"])
    assert "Sectores LV (v1) guardada" in err and len(err.strip().splitlines()) == 1
    code, _out, _err = run(["zones", "add", str(lay), "--name", "sectores lv",
                            "--name-column", "sector", "--db", str(db)], capsys)
    assert code == 0
    code, out, _err = run(["zones", "list", "--db", str(db), "--json"], capsys)
    listed = json.loads(out)
    assert [(d["name"], d["version"], d["zones"]) for d in listed] == [("sectores lv", 2, 2)]
    assert set(listed[0]) == {"layer_id", "name", "version", "created_at", "created_by",
                              "source", "zones"}
    assert listed[0]["source"] == "sectores.geojson"
    code, out, _err = run(["zones", "list", "--all", "--db", str(db)], capsys)
    assert code == 0 and "(v1)" in out and "(v2)" in out
    with store.reading(db) as con:
        log = access.audit_log(con, action="zone_layer_add")
    assert len(log) == 2
    assert "Sectores LV (v1): 2 zonas de sectores.geojson" in log["detail"].iloc[-1]


@pytest.mark.parametrize("polys, names, extra, match", [
    ([box(0, 0, 1, 1), box(0.2, 0.2, 0.8, 0.8)], ["A", "B"], [], "cubiertas por completo"),
    ([box(0, 0, 1, 1), box(1, 0, 2, 1)], ["A", "A"], [], "nombres de zona repetidos"),
    ([box(0, 0, 1, 1)], ["A"], ["--name-column", "nombre"], "no existe"),
    ([box(0, 0, 1, 1)], ["A"], ["--name", "x@2"], "'@'"),
], ids=["covered", "duplicates", "column", "bad-name"])
def test_bad_layers_are_refused_with_one_line(db: Path, tmp_path: Path, polys: list,
                                              names: list[str], extra: list[str], match: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from shapely import affinity

    moved = [affinity.translate(affinity.scale(p, 0.01, 0.01, origin=(0, 0)), LON, LAT)
             for p in polys]
    lay = write_layer(tmp_path / "capa.geojson", moved, names)
    argv = ["zones", "add", str(lay), "--name", "Capa", "--db", str(db), *extra]
    if "--name" in extra:
        argv = ["zones", "add", str(lay), "--db", str(db), *extra]
    code, _out, err = run(argv, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and match in err
    code, out, _err = run(["zones", "list", "--db", str(db), "--json"], capsys)
    assert json.loads(out) == []


def test_duplicates_merge_when_asked(db: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    lay = write_layer(tmp_path / "capa.geojson",
                      [box(LON, LAT, LON + 0.01, LAT + 0.01),
                       box(LON + 0.01, LAT, LON + 0.02, LAT + 0.01)], ["A", "A"])
    code, out, _err = run(["zones", "add", str(lay), "--name", "Capa", "--merge", "--db",
                           str(db), "--json"], capsys)
    assert code == 0 and json.loads(out)["zones"] == 1


def test_missing_file_and_empty_list(db: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(["zones", "add", str(tmp_path / "no.geojson"), "--name", "X",
                           "--db", str(db)], capsys)
    assert code == 2 and "No existe la capa de zonas" in err
    code, out, _err = run(["zones", "list", "--db", str(db)], capsys)
    assert code == 0 and "No hay capas de zonas guardadas" in out
