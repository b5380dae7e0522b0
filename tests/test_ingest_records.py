"""In-memory records (the API's bodies) through the same ingest pipeline as files."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import ingest, settings, store
from analytics._errors import IncidentSchemaError, InputFileError
from analytics.ingest import sources as S
from analytics.service import bodies


def _rec(ident: str | None, **kw: object) -> dict[str, object]:
    rec: dict[str, object] = {"fecha_hora": "2025-06-30 10:00", "latitud": -12.068,
                              "longitud": -77.018, "tipo": "robo", "distrito": "LA VICTORIA"}
    if ident is not None:
        rec["id"] = ident
    rec.update(kw)
    return rec


@pytest.mark.parametrize(("value", "text"), [
    (-12.068, "-12.068"), (12.0, "12"), (7, "7"), (True, "true"), (False, "false"),
    (None, None), ("  ", None), ("robo", "robo"),
    ("x" * 5000, "x" * (settings.MAX_FIELD_BYTES + 1)),
    ("a\ud800b", "a\ufffdb")], ids=["float", "whole-float", "int", "true", "false", "null",
                                   "blank", "text", "long", "surrogate"])
def test_json_values_become_the_text_a_file_cell_holds(value: object, text: str | None) -> None:
    assert S.record_value_to_text(value) == text


def test_records_go_through_the_file_pipeline(tmp_path: Path) -> None:
    db = tmp_path / "v.duckdb"
    recs = [_rec("a1", nombre_victima="Juan Pérez"),                       # PII key dropped
            _rec(None, latitud="-12,0690"),                                 # decimal comma, no id
            _rec("a3", fecha_hora="31/02/2025 10:00"),                      # impossible date
            _rec("a4", tipo={"nested": 1}),                                 # nested: malformed
            ["not", "an", "object"],                                        # malformed
            _rec("a1")]                                                     # duplicate id
    rep = ingest.ingest_records(recs, db=db, source="api")
    assert (rep.rows_read, rep.accepted, rep.duplicates, rep.quarantined) == (6, 2, 1, 3)
    assert rep.quarantine_reasons == {"fila_malformada": 2, "fecha_invalida": 1}
    assert rep.pii_columns_dropped == ["nombre_victima"]
    with store.reading(db) as con:
        inc = store.load_incidents(con)
        q = store.quarantine_rows(con)
        imp = store.imports_history(con)
    assert sorted(inc["incident_id"])[0] == "a1" and inc["incident_id"].str.startswith(
        S.CONTENT_ID_PREFIX).sum() == 1
    assert set(inc["source"]) == {"api"} and imp["file_name"].tolist() == ["api"]
    assert sorted(q["row_number"]) == [3, 4, 5]  # positions in the post, malformed included
    assert "Juan" not in str(q.to_dict()) and "Juan" not in str(inc.to_dict())
    # the same records again: all duplicates (the record without id included)
    again = ingest.ingest_records(recs, db=db)
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 3, 3)


def test_content_ids_do_not_depend_on_key_language_or_post() -> None:
    es = bodies.canonical_post([_rec(None)], token_name="x", token_hash="y")
    en = bodies.canonical_post([{"occurred_at": "2025-06-30 10:00", "lat": -12.068,
                                 "lon": -77.018, "crime_type": "robo",
                                 "district": "LA VICTORIA"}], token_name="x", token_hash="y")
    other = bodies.canonical_post([_rec("z"), _rec(None)], token_name="x", token_hash="y")
    ids = [S.records_source(p.rows).frame["incident_id"].iloc[-1] for p in (es, en, other)]
    assert ids[0] == ids[1] == ids[2] and ids[0].startswith(S.CONTENT_ID_PREFIX)
    assert es.fields == en.fields


def test_records_inside_the_callers_transaction_roll_back(tmp_path: Path) -> None:
    db = tmp_path / "v.duckdb"
    with store.writing(db) as con:
        con.execute("BEGIN TRANSACTION")
        ingest.ingest_records([_rec("t1")], con=con, transaction=False)
        ingest.ingest_records([_rec("t2", tipo="hurto")], con=con, transaction=False)
        assert store.incident_count(con) == 2
        con.execute("ROLLBACK")
        assert store.incident_count(con) == 0
        assert store.next_import_id(con) == 1


def test_keys_differing_in_case_and_bad_batches(tmp_path: Path) -> None:
    rows, headers = S.record_rows([{"id": "a", "ID": "b", "k" * 500: 1}, {"id": "c", "ID": "d"}])
    assert rows[0] is None and headers == ["id", "ID_1"]
    with pytest.raises(InputFileError, match="no tiene filas"):
        ingest.ingest_records([], db=tmp_path / "v.duckdb")
    with pytest.raises(InputFileError, match="columnas"):
        S.records_source([{f"c{i}": 1 for i in range(settings.MAX_COLUMNS + 1)}])
    with pytest.raises(IncidentSchemaError, match="latitud"):
        ingest.ingest_records([{"id": "a", "fecha": "2025-01-01"}], db=tmp_path / "v.duckdb")


@pytest.mark.parametrize(("raw", "status"), [
    (b"[1", 400), (b"\xff", 400), (b"[NaN]", 400), (b'{"a": 1}', 422), (b"[]", 422),
    (b"[" * 50_000 + b"]" * 50_000, 400), (b'{"incidents": [{"id": 1}]}', None)],
    ids=["truncated", "latin1", "nan", "object", "empty", "deep", "wrapped"])
def test_parse_incidents_refuses_with_a_status(raw: bytes, status: int | None) -> None:
    if status is None:
        assert bodies.parse_incidents(raw) == [{"id": 1}]
        return
    with pytest.raises(bodies.BodyError) as err:
        bodies.parse_incidents(raw)
    assert err.value.status == status and str(err.value)
