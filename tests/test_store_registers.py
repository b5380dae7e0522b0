"""The interventions and commitments tables: migration 5, round trips, empty reads."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import store
from analytics.store import commitments as csql, interventions as isql

SQUARE = ('{"type":"Polygon","coordinates":[[[-77.02,-12.07],[-77.01,-12.07],[-77.01,-12.06],'
          '[-77.02,-12.06],[-77.02,-12.07]]]}')


def _store_at_version_4(path: Path) -> None:
    """A store as schema 4 wrote it, with one incident and one audit row."""
    con = duckdb.connect(str(path))
    for step in store.MIGRATIONS[:4]:
        for sql in step.statements:
            con.execute(sql)
    con.execute("CREATE TABLE vigia_meta (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO vigia_meta VALUES ('schema_version', '4')")
    con.execute("INSERT INTO incidents (incident_id, occurred_at) VALUES ('a', '2025-01-01')")
    con.execute("INSERT INTO audit VALUES ('2025-01-02 10:00', 'ana', 'login', '')")
    con.close()


def test_version_4_store_gains_the_registers_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "v4.duckdb"
    _store_at_version_4(db)
    with store.reading(db) as con:  # migrates on a short writable connection first
        assert store.schema_version(con) == store.SCHEMA_VERSION >= 5
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {"interventions", "commitments", "commitment_status"} <= tables
        assert store.incident_count(con) == 1
        assert con.execute("SELECT count(*) FROM audit").fetchall()[0][0] == 1
        assert isql.intervention_rows(con).empty and csql.commitment_rows(con).empty
    with store.writing(db) as con:
        assert store.migrate(con) == store.SCHEMA_VERSION  # nothing left to do
        assert isql.next_intervention_id(con) == "I1"
        assert csql.next_commitment_id(con) == "C1"


def test_reads_without_the_tables_are_empty() -> None:
    con = duckdb.connect(":memory:")  # a bare connection: no schema at all
    assert list(isql.intervention_rows(con).columns) == list(isql.INTERVENTION_COLUMNS)
    assert isql.intervention_row(con, "I1") is None
    assert list(csql.commitment_rows(con).columns) == list(csql.COMMITMENT_COLUMNS)
    assert list(csql.status_rows(con).columns) == list(csql.STATUS_COLUMNS)
    assert not csql.commitment_exists(con, "C1")
    assert csql.commitments_of_intervention(con, "I1") == []
    con.close()


def test_intervention_round_trip_and_ids_never_reused() -> None:
    con = store.connect(":memory:")
    now = datetime(2025, 7, 1, 9, 30)
    ids = [isql.next_intervention_id(con) for _ in range(2)]
    assert ids == ["I1", "I2"]
    for ident, name in zip(ids, ("Operativo", "Alumbrado"), strict=True):
        isql.insert_intervention(con, {"id": ident, "name": name, "kind": "otro",
                                       "area_geojson": SQUARE, "start": date(2025, 1, 1),
                                       "end": None, "body": "Municipalidad",
                                       "created_at": now, "created_by": "ana"})
    rec = isql.intervention_row(con, "I1")
    assert rec is not None
    assert (rec["name"], rec["area_geojson"], rec["body"]) == ("Operativo", SQUARE,
                                                               "Municipalidad")
    assert pd.Timestamp(rec["start"]) == pd.Timestamp("2025-01-01") and pd.isna(rec["end"])
    isql.update_intervention(con, "I1", {"name": "Operativo Centro", "end": date(2025, 3, 1)},
                             updated_at=now, updated_by="beto")
    rec = isql.intervention_row(con, "I1")
    assert rec is not None and rec["name"] == "Operativo Centro"
    assert pd.Timestamp(rec["end"]) == pd.Timestamp("2025-03-01")
    assert rec["updated_by"] == "beto" and rec["created_by"] == "ana"
    with pytest.raises(ValueError, match="not editable"):
        isql.update_intervention(con, "I1", {"created_by": "x"}, updated_at=now,
                                 updated_by="x")
    isql.delete_intervention(con, "I2")
    assert isql.intervention_rows(con)["id"].tolist() == ["I1"]
    assert isql.next_intervention_id(con) == "I3"  # I2 is not handed out again
    con.close()


def test_commitment_round_trip_and_delete_with_its_statuses() -> None:
    con = store.connect(":memory:")
    now = datetime(2025, 7, 1, 9, 30)
    for ident in ("C1", "C2"):
        csql.insert_commitment(con, {"id": ident, "session_date": date(2025, 4, 10),
                                     "what": f"compromiso {ident}", "who": "Serenazgo",
                                     "district": "LA VICTORIA", "place": "Gamarra",
                                     "due_date": date(2025, 5, 31),
                                     "indicator_group": "patrimonio",
                                     "intervention_id": "I1" if ident == "C1" else None,
                                     "created_at": now, "created_by": "ana"})
    for day, status in ((date(2025, 6, 12), "cumplido"), (date(2025, 5, 15), "en_curso")):
        csql.insert_status(con, {"commitment_id": "C1", "session_date": day, "status": status,
                                 "note": "nota", "recorded_at": now, "recorded_by": "ana"})
    rows = csql.commitment_rows(con)
    assert rows["id"].tolist() == ["C1", "C2"]
    assert rows.loc[0, "indicator_group"] == "patrimonio" and pd.isna(rows.loc[1,
                                                                               "intervention_id"])
    hist = csql.status_rows(con)
    assert hist["status"].tolist() == ["en_curso", "cumplido"]  # by session date
    assert csql.commitments_of_intervention(con, "I1") == ["C1"]
    csql.delete_commitment(con, "C1")
    assert csql.commitment_rows(con)["id"].tolist() == ["C2"]
    assert csql.status_rows(con).empty
    con.close()
