"""The DuckDB store: schema, Spanish errors, filtered reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import ingest, settings, store
from analytics._errors import StoreError

DATA = Path(__file__).resolve().parent / "data" / "ingest"


@pytest.fixture
def filled(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest.ingest_files([DATA / "utf8_bom.csv", DATA / "bad_rows.csv"], db=db)
    con = store.connect(db, read_only=True)
    yield con
    con.close()


def test_default_path_follows_env(monkeypatch, tmp_path):
    monkeypatch.delenv(settings.DB_ENV_VAR, raising=False)
    assert store.default_path() == settings.DEFAULT_DB
    monkeypatch.setenv(settings.DB_ENV_VAR, str(tmp_path / "x.duckdb"))
    assert store.default_path() == tmp_path / "x.duckdb"
    from analytics import cli

    assert cli.default_db() == tmp_path / "x.duckdb"


def test_connect_creates_schema(tmp_path):
    db = tmp_path / "sub" / "v.duckdb"
    con = store.connect(db)
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert {"incidents", "quarantine", "imports", "vigia_meta"} <= tables
    cols = con.execute("DESCRIBE incidents").fetchall()
    assert [(c[0], c[1]) for c in cols] == [*settings.INCIDENT_COLUMNS, *settings.LOCATION_COLUMNS]
    con.close()
    con = store.connect(db)  # idempotent
    assert store.incident_count(con) == 0
    con.close()


def test_connect_errors_are_spanish(tmp_path):
    with pytest.raises(StoreError, match="no existe"):
        store.connect(tmp_path / "nada.duckdb", read_only=True)
    junk = tmp_path / "junk.duckdb"
    junk.write_text("esto no es una base de datos")
    with pytest.raises(StoreError, match="no es un almacén"):
        store.connect(junk)
    other = tmp_path / "other.duckdb"
    c = duckdb.connect(str(other))
    c.execute("CREATE TABLE ventas (x INTEGER)")
    c.close()
    with pytest.raises(StoreError, match="no un almacén de Vigía"):
        store.connect(other)
    with pytest.raises(StoreError, match="carpeta"):
        store.connect(tmp_path)


def test_locked_store_gives_a_clear_message(tmp_path):
    db = tmp_path / "v.duckdb"
    store.connect(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
         "time.sleep(30)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError, match="en uso"):  # retried until the timeout, then
            store.connect(db, timeout=0.5)                # one Spanish line
    finally:
        holder.kill()
        holder.wait()


def test_load_incidents_types_and_filters(filled):
    df = store.load_incidents(filled)
    assert list(df.columns) == [c for c, _ in settings.INCIDENT_COLUMNS]
    assert df["h3_r12"].dtype == np.uint64
    assert pd.api.types.is_datetime64_any_dtype(df["occurred_at"])
    assert df["occurred_at"].is_monotonic_increasing
    n = store.incident_count(filled)
    assert len(df) == n == 11
    # end is exclusive, start inclusive
    day = store.load_incidents(filled, start="2025-02-03", end="2025-02-04")
    assert day["occurred_at"].dt.date.astype(str).unique().tolist() == ["2025-02-03"]
    edge = store.load_incidents(filled, start="2025-02-03 10:05", end="2025-02-03 22:40")
    assert edge["occurred_at"].min() == pd.Timestamp("2025-02-03 10:05")
    assert pd.Timestamp("2025-02-03 22:40") not in set(edge["occurred_at"])
    g = store.load_incidents(filled, crime_groups=["vida_cuerpo_salud"])
    assert g["crime_type"].tolist() == ["lesiones"]
    t = store.load_incidents(filled, crime_types=["hurto", "extorsión"])
    assert set(t["crime_type"]) == {"hurto", "extorsión"}
    d = store.load_incidents(filled, districts=["LIMA"], columns=["incident_id", "district"])
    assert list(d.columns) == ["incident_id", "district"] and set(d["district"]) == {"LIMA"}
    assert len(store.load_incidents(filled, districts=[])) == 0
    with pytest.raises(StoreError, match="desconocidas"):
        store.load_incidents(filled, columns=["nombre"])


def test_quarantine_and_history(filled):
    q = store.quarantine_rows(filled)
    assert list(q.columns[:4]) == ["import_id", "file_name", "row_number", "reason"]
    assert len(q) == 12 and set(q["import_id"]) == {2}
    assert len(store.quarantine_rows(filled, import_id=1)) == 0
    h = store.imports_history(filled)
    assert h["import_id"].tolist() == [1, 2]
    assert (h["rows_read"] == h["accepted"] + h["duplicates"] + h["quarantined"]).all()
    assert h["pii_columns_dropped"].iloc[0] == ["Nombre del Agraviado", "DNI", "Teléfono",
                                                 "Correo"]
    assert h["reasons"].iloc[1]["fuera_del_area"] == 1
    assert h["tz"].tolist() == [settings.TIMEZONE] * 2


def _store_at_version_1(path: Path) -> None:
    """A store as the first released schema wrote it (string version "1", no users table)."""
    con = duckdb.connect(str(path))
    for step in store.MIGRATIONS[:1]:
        for sql in step.statements:
            con.execute(sql)
    con.execute("CREATE TABLE vigia_meta (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO vigia_meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO incidents (incident_id, occurred_at) VALUES ('a', '2025-01-01')")
    con.close()


def test_older_store_is_migrated_forward_keeping_its_rows(tmp_path):
    db = tmp_path / "old.duckdb"
    _store_at_version_1(db)
    con = store.connect(db, read_only=True)  # migrates on a short writable connection
    try:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        assert store.incident_count(con) == 1
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {"users", "audit"} <= tables
    finally:
        con.close()
    con = store.connect(db)
    assert store.migrate(con) == store.SCHEMA_VERSION  # nothing left to do
    con.close()


def test_versions_are_consecutive_and_a_newer_store_is_refused(tmp_path):
    assert [m.version for m in store.MIGRATIONS] == list(range(1, len(store.MIGRATIONS) + 1))
    db = tmp_path / "new.duckdb"
    store.connect(db).close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE vigia_meta SET value = ? WHERE key = 'schema_version'",
                [str(store.SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(StoreError, match="más nuevo"):
        store.connect(db)


# --------------------------------------------------------------------------- undo an import
def test_every_table_with_an_import_id_is_registered():
    """A table added later with an ``import_id`` column must be in IMPORT_TABLES, so
    ``delete_import`` cleans it too."""
    con = store.connect(":memory:")
    rows = con.execute("SELECT table_name FROM information_schema.columns "
                       "WHERE column_name = 'import_id' AND table_schema = 'main'").fetchall()
    con.close()
    assert {r[0] for r in rows} == set(store.IMPORT_TABLES) | {"imports"}


def test_delete_import_removes_that_import_only(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest.ingest_files([DATA / "utf8_bom.csv"], db=db)
    ingest.ingest_files([DATA / "bad_rows.csv"], db=db)
    with store.writing(db) as con:
        before = {i: store.import_rows(con, i) for i in (1, 2)}
        assert before[2]["incidents"] > 0 and before[2]["quarantine"] == 12
        assert store.delete_import(con, 2) == before[2]
        assert store.import_rows(con, 2) == {t: 0 for t in (*store.IMPORT_TABLES, "imports")}
        assert store.import_rows(con, 1) == before[1]
        with pytest.raises(StoreError, match="No existe la importación 2"):
            store.delete_import(con, 2)
    # the file may now be imported again as new
    report = ingest.ingest_files([DATA / "bad_rows.csv"], db=db)
    assert not report.repeated_files and report.accepted == before[2]["incidents"]


def test_delete_import_and_its_audit_commit_together(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest.ingest_files([DATA / "bad_rows.csv"], db=db)

    def failing_audit(counts):
        raise RuntimeError("auditoría no disponible")

    with store.writing(db) as con:
        before = store.import_rows(con, 1)
        with pytest.raises(RuntimeError):
            store.delete_import(con, 1, audit=failing_audit)
        assert store.import_rows(con, 1) == before  # rolled back: nothing deleted


# --------------------------------------------------------------------------- bad paths
def test_store_under_a_file_is_a_spanish_error(tmp_path):
    afile = tmp_path / "archivo.duckdb"
    afile.write_text("x")
    with pytest.raises(StoreError, match="No se puede usar"):
        store.connect(afile / "v.duckdb")
