"""The interventions register: validation, overlaps, audit, CLI contracts, evaluation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import shapely

from analytics import access, commitments as cm, intervention_register as reg, store
from analytics._errors import InterventionError
from tests import _evaluation_store as es


@pytest.fixture
def con() -> store.StoreConnection:
    c = store.connect(":memory:")
    yield c
    c.close()


def _add(con: store.StoreConnection, **kw: object) -> reg.RegisterChange:
    args: dict[str, object] = {"name": "Operativo Centro", "kind": "patrullaje_focalizado",
                               "area": es.square(), "start": "2024-01-01", "user": "ana"}
    args.update(kw)
    return reg.add_intervention(con, **args)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- register policy
def test_add_lists_and_audits(con: store.StoreConnection) -> None:
    change = _add(con, body="Comisaría La Victoria", end="2024-07-01")
    assert change == reg.RegisterChange("I1", ())
    listed = reg.list_interventions(con)
    assert list(listed.columns) == list(reg.LIST_COLUMNS)
    row = listed.iloc[0]
    assert (row["id"], row["kind_label"], row["body"]) == ("I1", "Patrullaje focalizado",
                                                           "Comisaría La Victoria")
    assert row["area_km2"] == pytest.approx(1.44, abs=0.01)  # 1.2 km × 1.2 km
    assert pd.Timestamp(row["end"]) == pd.Timestamp("2024-07-01")
    inter = reg.get_intervention(con, "I1")
    assert inter.area.symmetric_difference(es.square()).area < 1e-4 * es.square().area  # ~1 cm grid
    log = access.audit_log(con)
    assert log[["username", "action"]].values.tolist() == [["ana", "intervention_add"]]
    assert "I1 «Operativo Centro»" in log["detail"].iloc[0]


def test_every_problem_at_once(con: store.StoreConnection) -> None:
    bowtie = shapely.Polygon([(-77.02, -12.07), (-77.01, -12.06), (-77.01, -12.07),
                              (-77.02, -12.06)])
    with pytest.raises(InterventionError) as err:
        reg.add_intervention(con, name=" ", kind="rondas", area=bowtie, start="2024-13-01",
                             body="DNI 12345678", user="ana")
    text = str(err.value)
    for part in ("Falta el nombre", "Tipo de intervención desconocido", "no es un polígono "
                 "válido", "no es una fecha válida", "un número de DNI"):
        assert part in text
    assert reg.list_interventions(con).empty and access.audit_log(con).empty


@pytest.mark.parametrize(("body", "ok"), [
    ("Comisaría La Victoria", True), ("Gerencia de Seguridad Ciudadana", True),
    ("Serenazgo, turno noche", True), ("DNI 45871236", False), ("cel. 987 654 321", False),
    ("jefe@muni.gob.pe", False), ("Sra. García", False), ("Dr. Quispe", False),
], ids=["comisaria", "gerencia", "serenazgo", "dni", "phone", "email", "sra", "dr"])
def test_responsible_body_is_an_institution(con: store.StoreConnection, body: str,
                                            ok: bool) -> None:
    if ok:
        assert _add(con, body=body).id == "I1"
    else:
        with pytest.raises(InterventionError, match="nunca datos personales"):
            _add(con, body=body)


@pytest.mark.parametrize(("text", "key"), [
    ("Barrio Seguro", "barrio_seguro"), ("camaras", "camaras"),
    ("Cámaras de videovigilancia", "camaras"), ("ILUMINACIÓN", "iluminacion"),
    ("patrullaje focalizado", "patrullaje_focalizado"),
], ids=["label", "key", "long-label", "upper-accents", "spaces"])
def test_kind_key(text: str, key: str) -> None:
    assert reg.kind_key(text) == key


def test_overlaps_warn_and_identical_is_refused(con: store.StoreConnection) -> None:
    _add(con)
    half = _add(con, name="Alumbrado", kind="iluminacion", area=es.square(dx=600),
                start="2024-03-01", end="2024-09-01")
    assert half.id == "I2" and len(half.warnings) == 1
    w = half.warnings[0]
    assert "Se superpone con I1 «Operativo Centro»" in w and "0,72 km² en común" in w
    assert "en curso" in w
    far = _add(con, name="Lejos", area=es.square(dx=3000))
    assert far.warnings == ()
    earlier = _add(con, name="Antes", start="2023-01-01", end="2023-06-01")
    assert earlier.warnings == ()  # same area, periods do not meet
    other_kind = _add(con, name="Cámaras", kind="camaras")
    assert len(other_kind.warnings) == 2  # I1 (same area) and I2 (half)
    with pytest.raises(InterventionError, match="idéntica: I1"):
        _add(con, name="Otro nombre", body="Serenazgo")
    assert reg.list_interventions(con)["id"].tolist() == ["I1", "I2", "I3", "I4", "I5"]


def test_update_and_remove_are_audited(con: store.StoreConnection) -> None:
    _add(con)
    change = reg.update_intervention(con, "I1", user="beto", name="Operativo Gamarra",
                                     end="2024-06-01")
    assert change.id == "I1"
    inter = reg.get_intervention(con, "I1")
    assert (inter.name, inter.kind, inter.end) == ("Operativo Gamarra", "patrullaje_focalizado",
                                                   pd.Timestamp("2024-06-01"))
    reg.update_intervention(con, "I1", user="beto", end=None)  # ongoing again
    assert reg.get_intervention(con, "I1").end is None
    with pytest.raises(InterventionError, match="posterior al inicio"):
        reg.update_intervention(con, "I1", user="beto", end="2023-12-01")
    with pytest.raises(InterventionError, match="No existe la intervención 'I7'"):
        reg.update_intervention(con, "I7", user="beto", name="x")
    ident = cm.add_commitment(con, session_date="2024-02-01", what="Patrullaje en Gamarra",
                              who="Comisaría La Victoria", due_date="2024-06-30",
                              intervention_id="I1", user="ana", today=None)
    removed = reg.remove_intervention(con, "I1", user="beto")
    assert removed.id == "I1" and ident in removed.warnings[0]
    with pytest.raises(InterventionError, match="No existe"):
        reg.get_intervention(con, "I1")
    log = access.audit_log(con)
    actions = log["action"].tolist()[::-1]
    assert actions == ["intervention_add", "intervention_edit", "intervention_edit",
                       "commitment_add", "intervention_remove"]
    assert "campos: end, name" in log["detail"].iloc[-2]
    assert "compromisos vinculados: C1" in log["detail"].iloc[0]


# --------------------------------------------------------------------------- CLI contracts
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The injected-effect store and the area as a GeoJSON file (built once)."""
    root = tmp_path_factory.mktemp("register")
    db = es.make_store(root / "vigia.duckdb")
    path = root / "area.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nombre": "zona"},
         "geometry": shapely.geometry.mapping(es.area())}]}), encoding="utf-8")
    return db, path


@pytest.fixture
def cli_db(template: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "vigia.duckdb"
    shutil.copy(template[0], db)
    return db, template[1]


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from analytics import cli

    try:
        code = cli.main(args)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_add_list_remove(cli_db: tuple[Path, Path],
                             capsys: pytest.CaptureFixture[str]) -> None:
    db, area = cli_db
    code, out, err = _cli(["interventions", "add", "--db", str(db), "--name", "Operativo",
                           "--kind", "Barrio Seguro", "--area", str(area), "--start",
                           "2024-01-01", "--end", "2024-07-01", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out) == {"id": "I1", "warnings": []}
    cell = "898e62d1c0bffff"
    code, out, err = _cli(["interventions", "add", "--db", str(db), "--name", "Cámaras",
                           "--kind", "camaras", "--cells", f"{cell}, {cell}", "--start",
                           "2024-02-01", "--body", "Municipalidad"], capsys)
    assert (code, out) == (0, "I2\n"), err
    code, out, err = _cli(["interventions", "add", "--db", str(db), "--name", "Distrito",
                           "--kind", "otro", "--district", "la victoria", "--start",
                           "2024-03-01"], capsys)
    assert (code, out) == (0, "I3\n"), err
    assert "aviso: Se superpone con I1" in err  # the district holds the area
    code, out, _ = _cli(["interventions", "list", "--db", str(db), "--json"], capsys)
    listed = json.loads(out)
    assert [r["id"] for r in listed] == ["I1", "I2", "I3"]
    assert listed[0] | {"created_at": None, "created_by": None} == {
        "id": "I1", "name": "Operativo", "kind": "barrio_seguro", "kind_label": "Barrio Seguro",
        "start": "2024-01-01", "end": "2024-07-01", "body": "", "area_km2": 1.44,
        "created_at": None, "created_by": None, "updated_at": None, "updated_by": None}
    assert listed[0]["created_by"].startswith("(cli:")
    code, out, err = _cli(["interventions", "remove", "I2", "--db", str(db)], capsys)
    assert code == 0 and "I2 eliminada" in err
    code, out, _ = _cli(["interventions", "list", "--db", str(db)], capsys)
    assert [line.split()[0] for line in out.splitlines()] == ["I1", "I3"]
    assert "desde 2024-01-01 hasta 2024-07-01" in out.splitlines()[0]
    with store.reading(db) as con:
        log = access.audit_log(con)
    assert log["action"].tolist()[::-1] == ["intervention_add"] * 3 + ["intervention_remove"]


@pytest.mark.parametrize(("extra", "match"), [
    (["--kind", "rondas", "--cells", "898e62d1c0bffff"], "Tipo de intervención desconocido"),
    (["--kind", "otro", "--cells", "898e62d1c0bffff,zz"], "Celdas H3 no válidas: 'zz'"),
    (["--kind", "otro", "--district", "Narnia"], "Distrito desconocido: 'Narnia'"),
    (["--kind", "otro", "--area", "no_existe.geojson"], "No existe el archivo"),
    (["--kind", "otro", "--area", "AREA", "--end", "2023-01-01"], "posterior al inicio"),
    (["--kind", "otro"], "argumentos obligatorios"),
], ids=["kind", "cells", "district", "file", "end", "no-area"])
def test_cli_add_errors(cli_db: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                        extra: list[str], match: str) -> None:
    db, area = cli_db
    args = [str(area) if a == "AREA" else a for a in extra]
    code, out, err = _cli(["interventions", "add", "--db", str(db), "--name", "X", "--start",
                           "2024-01-01", *args], capsys)
    assert code == 2 and out == ""
    assert match in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_remove_unknown_and_identical(cli_db: tuple[Path, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    db, area = cli_db
    code, _, err = _cli(["interventions", "remove", "I9", "--db", str(db)], capsys)
    assert code == 2 and "No existe la intervención 'I9'" in err
    add = ["interventions", "add", "--db", str(db), "--name", "A", "--kind", "otro", "--area",
           str(area), "--start", "2024-01-01"]
    assert _cli(add, capsys)[0] == 0
    code, _, err = _cli(add, capsys)
    assert code == 2 and "idéntica: I1" in err


def test_cli_evaluate_registered_end_to_end(cli_db: tuple[Path, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``interventions add`` then ``evaluate --intervention``: the injected 35 % reduction
    is found, the entry's end closes the after window, the overlap becomes a note."""
    db, area = cli_db
    base = ["interventions", "add", "--db", str(db), "--kind", "patrullaje focalizado"]
    assert _cli([*base, "--name", "Operativo Centro", "--area", str(area), "--start",
                 "2024-01-01", "--end", "2024-10-01"], capsys)[0] == 0
    assert _cli([*base, "--name", "Vecino", "--cells", "898e62d1c0bffff", "--start",
                 "2024-05-01"], capsys)[0] == 0
    code, out, err = _cli(["evaluate", "--db", str(db), "--intervention", "I1", "--json"],
                          capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["name"], doc["start"], doc["after_end"]) == ("Operativo Centro", "2024-01-01",
                                                             "2024-10-01")
    assert doc["method"] == "nb_monthly" and doc["months_after"] == 9
    assert doc["ci_low_pct"] < -35 < doc["ci_high_pct"] < 0
    assert doc["verdict"].startswith("Reducción")
    near = es.square(dx=1200)  # meets the area's 400 m ring, not the area
    cells = ",".join(sorted({str(c) for c in _cells_in(near)}))
    assert _cli([*base, "--name", "Anillo", "--cells", cells, "--start", "2024-02-01"],
                capsys)[0] == 0
    code, out, err = _cli(["evaluate", "--db", str(db), "--intervention", "I1", "--json"],
                          capsys)
    assert code == 0, err
    notes = json.loads(out)["notes"]
    assert any("Anillo" in n and "se superpone con el área o su anillo" in n for n in notes)


def _cells_in(poly: shapely.Polygon) -> list[str]:
    import h3

    return list(h3.geo_to_cells(shapely.geometry.mapping(poly), 9))


def test_registered_end_beyond_the_data_uses_the_default_window(
        cli_db: tuple[Path, Path]) -> None:
    db, _ = cli_db
    with store.writing(db) as con:
        reg.add_intervention(con, name="Larga", kind="otro", area=es.area(), start="2024-06-01",
                             end="2026-01-01", user=None)
        prepared = reg.load_registered(con, "I1")
    assert prepared.end is None and prepared.name == "Larga"
    res = prepared.run(placebos=0)
    assert res.windows.after_end == pd.Timestamp("2025-01-01")
    assert any("se acortó" in n for n in res.notes)
