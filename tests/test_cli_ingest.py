"""CLI ``ingest`` and ``export``: JSON contract, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analytics import cli, ingest, settings, store

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "ingest"
KEYS = {"rows_read", "accepted", "duplicates", "quarantined", "quarantine_reasons",
        "pii_columns_dropped", "stacked_points"}


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analytics", *args], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120)


def test_ingest_json_is_one_object_with_the_contract_keys(tmp_path):
    db = tmp_path / "v.duckdb"
    r = _run("ingest", str(DATA / "bad_rows.csv"), str(DATA / "utf8_bom.csv"), "--db", str(db),
             "--json")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    d = json.loads(lines[0])
    assert KEYS <= set(d)
    assert d["rows_read"] == d["accepted"] + d["duplicates"] + d["quarantined"] == 25
    assert d["pii_columns_dropped"] == ["Nombre del Agraviado", "DNI", "Teléfono", "Correo"]
    assert d["quarantine_reasons"]["fecha_invalida"] == 2


def test_unreadable_file_exits_2_with_one_line_no_traceback(tmp_path):
    db = tmp_path / "v.duckdb"
    r = _run("ingest", str(DATA / "bad_rows.csv"), str(DATA / "empty.csv"), "--db", str(db),
             "--json")
    assert r.returncode == 2 and r.stdout == ""
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in r.stderr
    assert "empty.csv" in err[0]


@pytest.mark.parametrize("name", ["empty.csv", "binary.csv", "unknown.pdf", "no_existe.csv",
                                  "no_coordinates.csv", "one_column.csv"])
def test_unreadable_file_leaves_the_store_unchanged(tmp_path, capsys, name):
    db = tmp_path / "v.duckdb"
    assert cli.main(["ingest", str(DATA / "utf8_bom.csv"), "--db", str(db)]) == 0
    capsys.readouterr()
    before = db.read_bytes()
    code = cli.main(["ingest", str(DATA / "bad_rows.csv"), str(DATA / name), "--db", str(db),
                     "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert db.read_bytes() == before


def test_vigia_db_env_is_the_default_store(tmp_path):
    db = tmp_path / "env.duckdb"
    env = dict(os.environ, **{settings.DB_ENV_VAR: str(db)})
    r = _run("ingest", str(DATA / "utf8_bom.csv"), env=env)
    assert r.returncode == 0, r.stderr
    assert "Filas leídas: 5" in r.stdout
    con = store.connect(db, read_only=True)
    assert store.incident_count(con) == 5
    con.close()


def test_map_tz_and_bbox_options(tmp_path, capsys):
    p = tmp_path / "raro.csv"
    p.write_text("cuando,norte,este,que\n2025-07-01T16:00:00Z,39.95,-75.16,Thefts\n"
                 "2025-07-01T17:00:00Z,-12.06,-77.03,Thefts\n", encoding="utf-8")
    db = tmp_path / "v.duckdb"
    code = cli.main(["ingest", str(p), "--db", str(db), "--tz", "America/New_York",
                     "--map", "occurred_at=cuando", "--map", "lat=norte", "--map", "lon=este",
                     "--map", "crime_type=que", "--bbox=-76,39,-74,41", "--json"])
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["accepted"], d["quarantine_reasons"]) == (1, {"fuera_del_area": 1})
    con = store.connect(db, read_only=True)
    assert store.load_incidents(con)["occurred_at"].iloc[0] == pd.Timestamp("2025-07-01 12:00")
    con.close()


def test_bad_options_exit_2(tmp_path, capsys):
    db = tmp_path / "v.duckdb"
    assert cli.main(["ingest", str(DATA / "utf8_bom.csv"), "--db", str(db), "--map", "lat"]) == 2
    assert "--map" in capsys.readouterr().err
    assert cli.main(["ingest", str(DATA / "utf8_bom.csv"), "--db", str(db), "--bbox", "1,2"]) == 2
    assert cli.main(["ingest", str(DATA / "utf8_bom.csv"), "--db", str(db), "--tz", "X/Y"]) == 2


@pytest.fixture
def filled_db(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest.ingest_files([DATA / "utf8_bom.csv", DATA / "bad_rows.csv", DATA / "stacked.csv"], db=db)
    return db


def test_export_incidents_and_quarantine(filled_db, tmp_path, capsys):
    out = tmp_path / "inc.csv"
    assert cli.main(["export", "--db", str(filled_db), "--out", str(out)]) == 0
    inc = pd.read_csv(out, encoding="utf-8-sig")
    assert list(inc.columns) == [c for c, _ in (*settings.INCIDENT_COLUMNS,
                                                *settings.LOCATION_COLUMNS)] and len(inc) == 71
    assert (inc["location_precision"] == "exacta").all()
    qout = tmp_path / "q.xlsx"
    assert cli.main(["export", "--db", str(filled_db), "--out", str(qout), "--quarantine"]) == 0
    q = pd.read_excel(qout)
    assert len(q) == 12 and "reason" in q.columns
    assert "12 filas en cuarentena" in capsys.readouterr().out


def test_export_public_writes_the_release(tmp_path):
    """``export --public`` writes the public release's two tables (data/README.md)."""
    from analytics import disclosure
    from tests._store_factory import make_store

    db = make_store(tmp_path / "s.duckdb")  # 2025-01-02 to 2025-06-30: two whole quarters
    out = tmp_path / "pub.csv"
    assert cli.main(["export", "--db", str(db), "--out", str(out), "--public"]) == 0
    pub = pd.read_csv(out, encoding="utf-8-sig", dtype={"period": str, "h3": str})
    assert list(pub.columns) == list(disclosure.EXPORT_COLUMNS)
    assert not {"lat", "lon", "incident_id", "crime_type"} & set(pub.columns)
    assert set(pub["table"]) == {"distrito", "celda"}
    assert set(pub["period"]) == {"2025-T1", "2025-T2"}
    assert (pub["count"] >= settings.PUBLIC_MIN_COUNT).all()
    con = store.connect(db, read_only=True)
    try:
        rel = disclosure.release_from_store(con)
    finally:
        con.close()
    assert len(pub) == len(rel.districts) + len(rel.cells)
    assert pub.loc[pub["table"] == "distrito", "count"].sum() == rel.districts["count"].sum()


def test_export_missing_store_exits_2(tmp_path, capsys):
    code = cli.main(["export", "--db", str(tmp_path / "nada.duckdb"), "--out",
                     str(tmp_path / "x.csv")])
    assert code == 2 and "no existe" in capsys.readouterr().err


def test_cli_import_and_exports_are_audited(tmp_path, capsys):
    from analytics import access

    db = tmp_path / "v.duckdb"
    assert cli.main(["ingest", str(DATA / "utf8_bom.csv"), "--db", str(db)]) == 0
    assert cli.main(["export", "--db", str(db), "--out", str(tmp_path / "inc.csv")]) == 0
    assert cli.main(["export", "--db", str(db), "--out", str(tmp_path / "p.csv"), "--public"]) == 0
    con = store.connect(db, read_only=True)
    try:
        log = access.audit_log(con)
    finally:
        con.close()
    assert sorted(log["action"]) == ["export", "export_public", "import"]
    assert log["username"].str.startswith("(cli:").all()
    assert log.loc[log["action"] == "import", "detail"].iloc[0].startswith("utf8_bom.csv")


@pytest.mark.parametrize("argv", [["bogus"], ["forecast", "--train-until", "2026-10-25"],
                                  ["plan", "--forecast", "f.csv", "--units", "x",
                                   "--radius-m", "400"], ["export", "--k", "1"]])
def test_usage_errors_are_one_spanish_line_exit_2(argv: list[str],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from analytics import cli

    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert "usage" not in err and "required" not in err and "unrecognized" not in err


def test_command_map_matches_what_the_modules_register():
    """cli._COMMANDS (used to import only the command being run) lists every command exactly."""
    full = cli.build_parser()
    sub = next(a for a in full._actions if isinstance(a, __import__("argparse")._SubParsersAction))
    assert set(sub.choices) == set(cli._COMMANDS)
    assert set(cli._COMMANDS.values()) == set(cli._COMMAND_MODULES)
    for name, module in cli._COMMANDS.items():
        one = cli.build_parser(name)
        one_sub = next(a for a in one._actions
                       if isinstance(a, __import__("argparse")._SubParsersAction))
        assert name in one_sub.choices, module


@pytest.mark.parametrize("body", ["", "\n\n  \n"], ids=["header-only", "blank-lines"])
def test_header_without_rows_exits_2_and_leaves_the_store_unchanged(tmp_path, capsys, body):
    db = tmp_path / "v.duckdb"
    assert cli.main(["ingest", str(DATA / "utf8_bom.csv"), "--db", str(db)]) == 0
    capsys.readouterr()
    before = db.read_bytes()
    p = tmp_path / "solo_encabezado.csv"
    p.write_text("fecha,hora,latitud,longitud,delito\n" + body, encoding="utf-8")
    assert cli.main(["ingest", str(p), "--db", str(db), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "no tiene filas de datos" in err and "Traceback" not in err
    assert db.read_bytes() == before
    con = store.connect(db, read_only=True)
    assert len(store.imports_history(con)) == 1
    con.close()


@pytest.mark.parametrize("n_cols", [1_000_000, 2_500], ids=["1M", "2500"])
def test_absurd_column_count_is_refused_with_one_line(tmp_path, capsys, n_cols):
    p = tmp_path / "ancho.csv"
    extra = ",".join(f"c{i}" for i in range(n_cols - 4))
    p.write_text(f"fecha,latitud,longitud,delito,{extra}\n"
                 f"03/02/2025,-12.06,-77.03,robo{',' * (n_cols - 4)}\n", encoding="utf-8")
    db = tmp_path / "v.duckdb"
    assert cli.main(["ingest", str(p), "--db", str(db), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "columnas" in err and "2.000" in err and "TransactionContext" not in err


def test_wide_parquet_and_excel_are_refused(tmp_path):
    wide = pd.DataFrame({f"c{i}": [1] for i in range(settings.MAX_COLUMNS + 1)})
    wide[["fecha", "lat", "lon"]] = ["03/02/2025", -12.06, -77.03]
    wide.to_parquet(tmp_path / "ancho.parquet")
    from analytics._errors import InputFileError

    with pytest.raises(InputFileError, match="columnas"):
        ingest.read_incidents(tmp_path / "ancho.parquet")
    wide.to_excel(tmp_path / "ancho.xlsx", index=False)
    with pytest.raises(InputFileError, match="columnas"):
        ingest.read_incidents(tmp_path / "ancho.xlsx")


def _xlsx_bomb(path: Path, n_bytes: int) -> Path:
    """A real .xlsx whose one cell is ``n_bytes`` of text (compresses ~1000:1)."""
    import zipfile

    small = path.with_name("pequeno.xlsx")
    pd.DataFrame({"fecha": ["03/02/2025"], "latitud": [-12.06], "longitud": [-77.03],
                  "delito": ["robo"]}).to_excel(small, index=False)
    cell = ('<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
            + "A" * n_bytes + "</t></is></c></row></sheetData>")
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start, end = text.index("<sheetData>"), text.index("</sheetData>") + 12
                data = (text[:start] + cell + text[end:]).encode()
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_xlsx_bomb_is_refused_with_one_line_before_reading_cells(tmp_path, capsys):
    p = _xlsx_bomb(tmp_path / "libro.xlsx", 60 * 2**20)
    assert p.stat().st_size < 2**20
    db = tmp_path / "v.duckdb"
    assert cli.main(["ingest", str(DATA / "utf8_bom.csv"), "--db", str(db)]) == 0
    capsys.readouterr()
    before = db.read_bytes()
    assert cli.main(["ingest", str(p), "--db", str(db)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "bomba zip" in err
    assert db.read_bytes() == before


_P = {"fecha": "03/02/2025", "delito": "robo"}
_GOOD = {"type": "Feature", "properties": _P,
         "geometry": {"type": "Point", "coordinates": [-77.03, -12.06]}}


def _fc(features: object) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _odd(geometry: object = None, properties: object = None) -> dict:
    return {"type": "Feature", "properties": _P if properties is None else properties,
            "geometry": geometry}


ODD_GEOJSON = {
    # name: (document text, expected: a Spanish phrase of the one-line error, or quarantine rows)
    "features-null": (json.dumps(_fc(None)), "no tiene elementos"),
    "features-dict": (json.dumps(_fc({"a": 1})), "no es una lista"),
    "features-string": (json.dumps(_fc("abc")), "no es una lista"),
    "deep-nesting": ("[" * 100_000 + "]" * 100_000, "demasiada profundidad"),
    "deep-coordinates": (json.dumps(_fc([_GOOD]))[:-2] + ', {"type": "Feature", "geometry": '
                         '{"type": "Point", "coordinates": ' + "[" * 50_000 + "]" * 50_000
                         + "}}]}", "demasiada profundidad"),
    "million-empty-features": ('{"type": "FeatureCollection", "features": ['
                               + ",".join(["{}"] * 1_000_000) + "]}", "fecha"),
    "properties-list": (json.dumps(_fc([_GOOD, _odd({"type": "Point", "coordinates": [-77, -12]},
                                                    [1, 2])])), [2]),
    "geometry-string": (json.dumps(_fc([_GOOD, _odd("POINT(-77 -12)")])), [2]),
    "coordinates-nested": (json.dumps(_fc([_GOOD, _odd({"type": "Point",
                                                        "coordinates": [[-77.0, -12.0]]})])), [2]),
    "coordinates-text": (json.dumps(_fc([_GOOD, _odd({"type": "Point", "coordinates": "x"}),
                                         _odd({"type": "Point", "coordinates": ["a", "b"]})])),
                         [2, 3]),
    "features-not-objects": (json.dumps(_fc([5, _GOOD, "x", None, []])), [1, 3, 4, 5]),
}


@pytest.mark.parametrize("name", list(ODD_GEOJSON), ids=list(ODD_GEOJSON))
def test_odd_geojson_never_prints_a_traceback(tmp_path, capsys, name):
    text, expected = ODD_GEOJSON[name]
    p = tmp_path / "raro.geojson"
    p.write_text(text, encoding="utf-8")
    db = tmp_path / "v.duckdb"
    code = cli.main(["ingest", str(p), "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    if isinstance(expected, str):
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
        assert expected in err and err.startswith("error: ")
        return
    assert code == 0, err
    d = json.loads(out)
    assert d["quarantine_reasons"] == {"fila_malformada": len(expected)} and d["accepted"] == 1
    con = store.connect(db, read_only=True)
    assert store.quarantine_rows(con)["row_number"].tolist() == expected
    con.close()
