"""``python -m analytics imports``: list imports, undo one completely, audited."""

from __future__ import annotations

import io as textio
import json
from pathlib import Path

import pytest

from analytics import access, cli, ingest, store

DATA = Path(__file__).resolve().parent / "data" / "ingest"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "v.duckdb"
    ingest.ingest_files([DATA / "utf8_bom.csv"], db=path)
    ingest.ingest_files([DATA / "bad_rows.csv"], db=path)
    return path


def _run(*argv: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", textio.StringIO(stdin))
    return cli.main(["imports", *argv])


def test_list_text_and_json(db: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("list", "--db", str(db), monkeypatch=monkeypatch) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("ID\t") and [ln.split("\t")[2] for ln in lines[1:]] == [
        "utf8_bom.csv", "bad_rows.csv"]
    assert _run("--db", str(db), "list", "--json", monkeypatch=monkeypatch) == 0
    table = json.loads(capsys.readouterr().out)
    assert [r["import_id"] for r in table] == [1, 2]
    assert table[1]["rows"] == {"incidents": table[1]["accepted"], "quarantine": 12}


def test_delete_with_yes_removes_everything_of_the_import_and_audits(
        db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with store.reading(db) as con:
        before = store.import_rows(con, 2)
        total = store.incident_count(con)
    assert _run("delete", "2", "--yes", "--db", str(db), monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert f"{before['incidents']} incidentes y 12 filas en cuarentena" in out
    with store.reading(db) as con:
        assert store.import_rows(con, 2) == {"incidents": 0, "quarantine": 0, "imports": 0}
        assert store.incident_count(con) == total - before["incidents"]
        assert store.imports_history(con)["import_id"].tolist() == [1]
        log = access.audit_log(con, action="import_delete")
    assert len(log) == 1
    assert log["username"].iloc[0].startswith("(cli:")
    assert log["detail"].iloc[0] == (f"importación 2 (bad_rows.csv): {before['incidents']} "
                                     "incidentes, 12 filas en cuarentena")


@pytest.mark.parametrize(("answer", "deleted"), [("no\n", False), ("", False), ("si\n", True),
                                                 ("Sí\n", True)],
                         ids=["no", "eof", "si", "Si-con-tilde"])
def test_delete_asks_for_confirmation(db: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str], answer: str,
                                      deleted: bool) -> None:
    code = _run("delete", "1", "--db", str(db), stdin=answer, monkeypatch=monkeypatch)
    err = capsys.readouterr().err
    assert "¿Continuar?" in err
    with store.reading(db) as con:
        left = store.import_rows(con, 1)["imports"]
    if deleted:
        assert code == 0 and left == 0
    else:
        assert code == cli.EXIT_USER_ERROR and left == 1
        assert "no se eliminó nada" in err and "Traceback" not in err


def test_unknown_import_is_one_line_exit_2(db: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("delete", "9", "--yes", "--db", str(db),
                monkeypatch=monkeypatch) == cli.EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No existe la importación 9" in err[0]
