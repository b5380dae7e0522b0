"""Ingest (analytics.ingest): every format, every bad-row kind, the accounting invariant."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from analytics import _validate as V, files, geo, ingest, store
from analytics._errors import IncidentSchemaError, InputFileError
from analytics.ingest import outcome

DATA = Path(__file__).resolve().parent / "data" / "ingest"
FORMATS = ["utf8_bom.csv", "latin1_semicolon.csv", "semicolon_decimal_comma.csv.gz",
           "excel_header_row4.xlsx", "typed.parquet", "points.geojson"]
ALL_INPUTS = FORMATS + ["bad_rows.csv", "malformed.csv", "stacked.csv", "time_formats.csv",
                        "time_columns.csv"]


@pytest.fixture
def con():
    c = store.connect(":memory:")
    yield c
    c.close()


def _invariant(report: ingest.IngestReport) -> None:
    assert report.rows_read == report.accepted + report.duplicates + report.quarantined
    assert sum(report.quarantine_reasons.values()) == report.quarantined


def _dump(c) -> str:
    """Every value of every table, as one text blob."""
    parts = []
    for t in ("incidents", "quarantine", "imports"):
        parts.append(c.execute(f"SELECT * FROM {t}").df().astype(str).to_csv())
    return "\n".join(parts)


@pytest.mark.parametrize("name", FORMATS, ids=FORMATS)
def test_every_format_gives_the_same_canonical_rows(name):
    expected = pd.read_csv(DATA / "expected_basic.csv", dtype={"ubigeo": str},
                           parse_dates=["occurred_at"])
    got = ingest.read_incidents(DATA / name)
    cols = list(expected.columns)
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), expected, check_dtype=False)
    cells = [h3.str_to_int(h3.latlng_to_cell(a, b, 12))
             for a, b in zip(got.lat, got.lon, strict=True)]
    assert got["h3_r12"].dtype == np.uint64
    assert got["h3_r12"].tolist() == cells


@pytest.mark.parametrize("name", ALL_INPUTS, ids=ALL_INPUTS)
def test_every_row_has_exactly_one_outcome(con, name):
    report = ingest.ingest_files(DATA / name, con=con)
    _invariant(report)
    assert store.incident_count(con) == report.accepted
    assert len(store.quarantine_rows(con)) == report.quarantined


def test_bad_rows_get_their_expected_outcome(con):
    frame = pd.read_csv(DATA / "bad_rows.csv", dtype=str, keep_default_na=False)
    report = ingest.ingest_files(DATA / "bad_rows.csv", con=con)
    _invariant(report)
    q = store.quarantine_rows(con)
    got_q = dict(zip(q["row_number"].astype(int), q["reason"], strict=True))
    want_q = {i + 1: e for i, e in enumerate(frame["esperado"])
              if e not in {"aceptada", "duplicada"}}
    assert got_q == want_q
    inc = store.load_incidents(con)
    assert sorted(inc["incident_id"]) == sorted(
        frame.loc[frame["esperado"] == "aceptada", "nro_denuncia"])
    assert report.duplicates == int((frame["esperado"] == "duplicada").sum())
    # First occurrence wins: B01 keeps the 03/02 row, not the later repeat.
    b01 = inc.set_index("incident_id").loc["B01"]
    assert b01["occurred_at"] == pd.Timestamp("2025-02-03 10:05")
    # Swapped coordinates are fixed and counted.
    assert report.swapped_coordinates == 1
    b15 = inc.set_index("incident_id").loc["B15"]
    assert (b15["lat"], b15["lon"]) == (-12.0685, -77.0185)
    # Unknown and missing types are kept as "otro".
    groups = inc.set_index("incident_id")["crime_group"]
    assert groups["B18"] == "otro" and groups["B19"] == "otro"
    assert inc.set_index("incident_id").loc["B19", "crime_type"] == "otro"


@pytest.mark.parametrize("name", ["time_formats.csv", "time_columns.csv"])
def test_date_and_time_formats(name):
    expected = pd.read_csv(DATA / name, dtype=str).set_index("id")["esperado_local"]
    got = ingest.read_incidents(DATA / name).set_index("incident_id")["occurred_at"]
    assert len(got) == len(expected)
    for k, v in expected.items():
        assert got[k] == pd.Timestamp(v), k


def test_other_city_and_zone_with_english_headers(con):
    report = ingest.ingest_files(DATA / "philly_like.csv", con=con, tz="America/New_York")
    _invariant(report)
    # the row without coordinates has a district: it counts there, without a point
    assert report.accepted == 4 and report.quarantine_reasons == {}
    assert report.precision == {"exacta": 3, "cuadra": 0, "via": 0, "zona": 0, "distrito": 1}
    inc = store.load_incidents(con, columns=["incident_id", "occurred_at", "lat", "crime_group",
                                             "district", "location_precision", "h3_r12"]
                               ).set_index("incident_id")
    assert inc.loc["201601000004", "location_precision"] == "distrito"
    assert np.isnan(inc.loc["201601000004", "lat"]) and inc.loc["201601000004", "h3_r12"] == 0
    assert inc.loc["201601000004", "district"] == "12"
    assert inc.loc["201601000001", "occurred_at"] == pd.Timestamp("2016-01-01 00:15")
    assert inc.loc["201601000001", "lat"] == pytest.approx(39.9526)
    assert inc.loc["201601000002", "crime_group"] == "patrimonio"
    assert inc.loc["201601000002", "district"] == "9"


def test_utc_offsets_follow_the_zone(tmp_path):
    p = tmp_path / "z.csv"
    p.write_text("id,fecha_hora,lat,lon,delito\n"
                 "1,2025-07-01T16:00:00Z,39.95,-75.16,theft\n", encoding="utf-8")
    ny = ingest.read_incidents(p, tz="America/New_York")
    assert ny["occurred_at"].iloc[0] == pd.Timestamp("2025-07-01 12:00")  # EDT, UTC-4
    # A file where every value carries an offset (no plain format may swallow it).
    q = tmp_path / "all_offsets.csv"
    q.write_text("id,fecha_hora,lat,lon\n1,2025-02-03T15:00:00Z,-12.068,-77.018\n"
                 "2,2025-02-03T16:00:00Z,-12.069,-77.019\n"
                 "3,2025-02-03T10:00:00-03:00,-12.07,-77.02\n", encoding="utf-8")
    lima = ingest.read_incidents(q).set_index("incident_id")["occurred_at"]
    assert lima.to_dict() == {"1": pd.Timestamp("2025-02-03 10:00"),
                              "2": pd.Timestamp("2025-02-03 11:00"),
                              "3": pd.Timestamp("2025-02-03 08:00")}
    with pytest.raises(IncidentSchemaError, match="Zona horaria"):
        ingest.read_incidents(p, tz="Marte/Olympus")


def test_personal_data_is_dropped_and_never_stored(con, tmp_path):
    p = tmp_path / "pii.csv"
    p.write_text("id,fecha,hora,lat,lon,delito,nombres,apellidos,dni,celular,email,"
                 "direccion_victima,denunciante\n"
                 "1,03/02/2025,10:00,-12.068,-77.018,robo,Rosa,Quispe Mamani,40123456,"
                 "987654321,rosa@example.pe,Jr. Gamarra 123,Luis Soto\n"
                 "2,,10:00,-12.068,-77.018,robo,Rosa,Quispe Mamani,40123456,"
                 "987654321,rosa@example.pe,Jr. Gamarra 123,Luis Soto\n", encoding="utf-8")
    report = ingest.ingest_files(p, con=con)
    assert report.pii_columns_dropped == ["nombres", "apellidos", "dni", "celular", "email",
                                          "direccion_victima", "denunciante"]
    assert report.quarantined == 1
    blob = _dump(con)
    for secret in ("Rosa", "Quispe", "40123456", "987654321", "rosa@example.pe", "Gamarra 123",
                   "Luis Soto"):
        assert secret not in blob


def test_reimport_adds_nothing(con):
    first = ingest.ingest_files(DATA / "bad_rows.csv", con=con)
    n_inc, n_q = store.incident_count(con), len(store.quarantine_rows(con))
    again = ingest.ingest_files(DATA / "bad_rows.csv", con=con)
    _invariant(again)
    assert again.accepted == 0
    assert again.duplicates == first.accepted + first.duplicates
    assert store.incident_count(con) == n_inc
    assert len(store.quarantine_rows(con)) == n_q
    hist = store.imports_history(con)
    assert list(hist["repeated_file"]) == [False, True]
    assert again.repeated_files == [str(DATA / "bad_rows.csv")]


def test_duplicates_against_the_store_by_id_and_by_place_time_type(con, tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("id,fecha_hora,lat,lon,delito\n1,2025-02-03 10:00,-12.068,-77.018,robo\n"
                 "2,2025-02-03 11:00,-12.069,-77.019,hurto\n", encoding="utf-8")
    b.write_text("id,fecha_hora,lat,lon,delito\n1,2025-03-01 09:00,-12.050,-77.030,robo\n"
                 "X,2025-02-03 11:00,-12.069000,-77.019004,HURTO\n"
                 "3,2025-02-03 11:00,-12.069,-77.019,robo\n", encoding="utf-8")
    ingest.ingest_files(a, con=con)
    rb = ingest.ingest_files(b, con=con)
    assert (rb.accepted, rb.duplicates, rb.quarantined) == (1, 2, 0)
    assert sorted(store.load_incidents(con)["incident_id"]) == ["1", "2", "3"]


def test_stacked_point_is_reported_and_stored(con):
    report = ingest.ingest_files(DATA / "stacked.csv", con=con)
    assert len(report.stacked_points) == 1
    s = report.stacked_points[0]
    assert (s["lat"], s["lon"], s["count"], s["share"]) == (-12.0651, -77.0175, 30, 0.5)
    assert store.imports_history(con)["stacked_points"].iloc[0][0]["count"] == 30


def test_malformed_lines_are_quarantined(con):
    report = ingest.ingest_files(DATA / "malformed.csv", con=con)
    assert report.quarantine_reasons == {"fila_malformada": 2}
    q = store.quarantine_rows(con)
    assert q["row_number"].tolist() == [2, 3]
    assert sorted(store.load_incidents(con)["incident_id"]) == ["M1", "M4"]


@pytest.mark.parametrize("name,match", [
    ("empty.csv", "vacío"), ("binary.csv", "binario"), ("unknown.pdf", "formato desconocido"),
    ("one_column.csv", "tabla"), ("no_existe.csv", "No se encuentra"),
], ids=["empty", "binary", "pdf", "one-column", "missing"])
def test_unreadable_files_raise_before_writing(tmp_path, name, match):
    db = tmp_path / "s.duckdb"
    c = store.connect(db)
    c.close()
    before = db.read_bytes()
    with pytest.raises(InputFileError, match=match):
        ingest.ingest_files([DATA / "bad_rows.csv", DATA / name], db=db)
    assert db.read_bytes() == before
    c = store.connect(db, read_only=True)
    assert store.incident_count(c) == 0 and len(store.imports_history(c)) == 0
    c.close()


def test_missing_columns_and_bad_mapping_raise(con, tmp_path):
    with pytest.raises(IncidentSchemaError, match="latitud"):
        ingest.ingest_files(DATA / "no_coordinates.csv", con=con)
    with pytest.raises(IncidentSchemaError, match="no existe"):
        ingest.ingest_files(DATA / "bad_rows.csv", con=con, mapping={"lat": "nada"})
    with pytest.raises(IncidentSchemaError, match="campo desconocido"):
        ingest.ingest_files(DATA / "bad_rows.csv", con=con, mapping={"altura": "latitud"})
    assert store.incident_count(con) == 0


def test_explicit_mapping(con, tmp_path):
    p = tmp_path / "raro.csv"
    p.write_text("cuando;norte;este;que;donde\n"
                 "03/02/2025 10:00;-12,068;-77,018;ROBO;la victoria\n", encoding="utf-8")
    report = ingest.ingest_files(p, con=con, mapping={"occurred_at": "cuando", "lat": "Norte",
                                                  "lon": "este", "crime_type": "que",
                                                  "district": "donde"})
    assert report.accepted == 1
    row = store.load_incidents(con).iloc[0]
    assert (row["lat"], row["lon"], row["crime_type"], row["district"], row["ubigeo"]) == \
        (-12.068, -77.018, "robo", "LA VICTORIA", "150115")


def test_study_area_bbox_and_polygon(con):
    lima = (-77.2, -12.3, -76.8, -11.8)
    r = ingest.ingest_files(DATA / "bad_rows.csv", con=con, study_area=lima)
    assert r.quarantine_reasons.get("fuera_del_area") == 1 and r.swapped_coordinates == 1
    c2 = store.connect(":memory:")
    far = box(-75.5, 39.5, -74.5, 40.5)  # only the Philadelphia-like row is inside
    r2 = ingest.ingest_files(DATA / "bad_rows.csv", con=c2, study_area=far)
    assert r2.accepted == 1
    c2.close()
    with pytest.raises(IncidentSchemaError, match="Recuadro"):
        ingest.ingest_files(DATA / "bad_rows.csv", con=con, study_area=(1, 2, 3))


def test_two_cities_in_one_file_are_both_kept(tmp_path):
    rows = ["id,fecha_hora,lat,lon,delito"]
    for i in range(40):
        rows.append(f"L{i},2025-02-03 {i % 24:02d}:00,{-12.06 - i * 1e-3},{-77.03 + i * 1e-3},robo")
    for i in range(30):
        rows.append(f"T{i},2025-02-04 {i % 24:02d}:00,{-8.11 - i * 1e-3},{-79.03 + i * 1e-3},hurto")
    rows.append("FAR,2025-02-05 10:00,-3.0,-60.0,robo")
    p = tmp_path / "dos.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    inc = ingest.read_incidents(p)
    assert len(inc) == 70
    trujillo = set(geo.read_boundaries(city="trujillo")["district"])
    assert set(inc.loc[inc.incident_id.str.startswith("T"), "district"]) <= trujillo
    assert "FAR" not in set(inc.incident_id)


def test_ubigeo_leading_zero_and_district_lookup(tmp_path):
    p = tmp_path / "u.csv"
    p.write_text("id,fecha,lat,lon,ubigeo\n1,03/02/2025,-12.0560,-77.1180,70101\n",
                 encoding="utf-8")
    inc = ingest.read_incidents(p)
    assert (inc["ubigeo"].iloc[0], inc["district"].iloc[0]) == ("070101", "CALLAO")


def test_progress_is_reported():
    seen: list[float] = []
    c = store.connect(":memory:")
    ingest.ingest_files(DATA / "bad_rows.csv", con=c, progress=lambda f, m: seen.append(f))
    c.close()
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_preview_guesses_mapping_and_hides_pii():
    pv = ingest.preview_file(DATA / "excel_header_row4.xlsx", n_rows=3)
    assert pv.mapping["date"] == "Fecha Hecho" and pv.mapping["crime_type"] == "Tipo"
    assert len(pv.frame) == 3
    pv2 = ingest.preview_file(DATA / "utf8_bom.csv")
    assert "DNI" in pv2.pii_columns and "DNI" not in pv2.frame.columns
    assert pv2.columns[0] == "Nro Denuncia"


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".xlsx", ".geojson"])
def test_write_table_round_trip(tmp_path, suffix):
    inc = ingest.read_incidents(DATA / "utf8_bom.csv")
    out = files.write_table(inc, tmp_path / f"out{suffix}")
    back = files.read_table(out)
    assert len(back) == len(inc)
    if suffix in {".csv", ".csv.gz", ".xlsx"}:
        assert back["h3_r12"].astype(str).tolist() == [format(int(c), "x") for c in inc["h3_r12"]]
    if suffix == ".csv.gz":
        # no byte-order mark: programs calling the CLI read the header names exactly
        assert gzip.open(out).read(11) == b"incident_id"


def test_write_table_rejects_unknown_suffix(tmp_path):
    with pytest.raises(InputFileError, match="Formato de salida"):
        files.write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.doc")


def test_read_boundaries():
    assert len(geo.read_boundaries()) == 61
    tru = geo.read_boundaries(city="Trujillo")
    assert len(tru) == 11 and set(tru["city"]) == {"trujillo"}
    with pytest.raises(IncidentSchemaError, match="Ciudad"):
        geo.read_boundaries(city="Cusco")


@pytest.mark.realdata
def test_philadelphia_ingests_with_the_invariant(philadelphia_path):
    c = store.connect(":memory:")
    report = ingest.ingest_files(philadelphia_path, con=c, tz="America/New_York")
    _invariant(report)
    assert report.rows_read == 1_538_206
    # the 23,907 rows without coordinates have a police district and an address: they count
    assert report.quarantine_reasons == {} and report.quarantined == 0
    assert sum(report.precision.values()) == report.accepted
    assert report.precision["exacta"] + report.precision["cuadra"] >= 0.98 * report.accepted
    assert report.duplicates >= 115  # the source's own repeated ids, at least
    assert store.incident_count(c) == report.accepted
    hist = store.imports_history(c)
    assert hist["stacked_points"].iloc[0] == report.stacked_points
    for s in report.stacked_points:
        assert s["count"] >= 20 and s["share"] >= 0.01
    span = c.execute("SELECT min(occurred_at), max(occurred_at) FROM incidents").fetchall()[0]
    assert span[0] >= pd.Timestamp("2016-01-01") and span[1] < pd.Timestamp("2026-01-01")
    c.close()


def test_preview_geojson_and_parquet():
    pv = ingest.preview_file(DATA / "points.geojson")
    assert (pv.mapping["lat"], pv.mapping["lon"]) == ("_geom_lat", "_geom_lon")
    pq = ingest.preview_file(DATA / "typed.parquet", n_rows=2)
    assert len(pq.frame) == 2 and pq.mapping["occurred_at"] == "occurred_at"


def test_write_bytes_and_unwritable_path(tmp_path):
    out = files.write_bytes(b"%PDF-1.4", tmp_path / "a" / "b.pdf")
    assert out.read_bytes() == b"%PDF-1.4"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputFileError, match="No se puede escribir"):
        files.write_bytes(b"x", blocker / "sub" / "c.pdf")


def test_source_label_and_generated_ids_are_stable(tmp_path):
    p = tmp_path / "sin_id.csv"
    p.write_text("fecha,lat,lon\n03/02/2025,-12.068,-77.018\n04/02/2025,-12.069,-77.019\n",
                 encoding="utf-8")
    a = ingest.read_incidents(p)
    b = ingest.read_incidents(p)
    assert a["incident_id"].tolist() == b["incident_id"].tolist()
    assert a["incident_id"].str.endswith(("-1", "-2")).all()
    c = store.connect(":memory:")
    ingest.ingest_files(p, con=c, source="serenazgo")
    assert set(store.load_incidents(c)["source"]) == {"serenazgo"}
    c.close()


def test_utf16_tab_separated(tmp_path):
    p = tmp_path / "unicode.txt"
    p.write_bytes("id\tfecha\tlat\tlon\tdelito\n1\t03/02/2025\t-12,068\t-77,018\textorsión\n"
                  .encode("utf-16"))
    inc = ingest.read_incidents(p)
    assert inc[["incident_id", "lat", "crime_type"]].values.tolist() == [["1", -12.068,
                                                                          "extorsión"]]


def test_latin1_bytes_after_a_utf8_looking_start(tmp_path):
    rows = ["id,fecha_hora,lat,lon,delito"]
    rows += [f"{i},2025-02-03 {i % 24:02d}:{i % 60:02d},{-12.0 - i * 1e-5},-77.018,robo"
             for i in range(12_000)]  # > 256 KiB of plain ASCII first
    rows.append("X,2025-02-04 10:00,-12.069,-77.019,extorsión")
    p = tmp_path / "late_latin1.csv"
    p.write_bytes(("\n".join(rows) + "\n").encode("latin-1"))
    assert p.stat().st_size > 256 * 1024
    c = store.connect(":memory:")
    report = ingest.ingest_files(p, con=c)
    assert (report.rows_read, report.accepted, report.quarantined) == (12_001, 12_001, 0)
    assert store.load_incidents(c, crime_types=["extorsión"])["incident_id"].tolist() == ["X"]
    c.close()


def test_csv_with_title_lines_before_the_header(tmp_path):
    p = tmp_path / "titulo.csv"
    p.write_text("REPORTE DE DENUNCIAS\nComisaría La Victoria - febrero\n"
                 "nro_denuncia;fecha;hora;latitud;longitud;delito\n"
                 "1;03/02/2025;10:05;-12,068;-77,018;ROBO\n"
                 "2;03/02/2025;11:05;-12,069;-77,019;HURTO\n", encoding="utf-8")
    inc = ingest.read_incidents(p)
    assert inc["incident_id"].tolist() == ["1", "2"] and inc["lat"].tolist() == [-12.068, -12.069]


@pytest.mark.parametrize("text", [
    'id,fecha_hora,lat,lon,delito\r\n1,2025-02-03 10:00,-12.068,-77.018,"robo, al paso"\r\n'
    '2,2025-02-03 11:00,-12.069,-77.019,"hurto ""menor"" \r\n en dos líneas"\r\n',
    "'id';'fecha_hora';'lat';'lon';'delito'\n'1';'2025-02-03 10:00';'-12.068';'-77.018';"
    "'robo; al paso'\n" + "".join(f"'{i}';'2025-02-03 11:{i:02d}';'-12.069';'-77.019';'hurto'\n"
                                  for i in range(2, 8)),
], ids=["crlf-double-quotes", "single-quotes"])
def test_quoted_fields_and_line_endings(tmp_path, text):
    p = tmp_path / "q.csv"
    p.write_bytes(text.encode("utf-8"))
    inc = ingest.read_incidents(p).set_index("incident_id")
    assert inc.loc["1", "crime_type"] == "robo" + ("," if "," in text.split("\n")[1] else ";") \
        + " al paso"
    assert inc.loc["1", "occurred_at"] == pd.Timestamp("2025-02-03 10:00")
    assert inc.loc["2", "lat"] == -12.069


def test_first_occurrence_is_exact_even_if_the_hash_collides(rng, monkeypatch):
    a = rng.integers(0, 50, 5000)
    b = rng.integers(0, 7, 5000)
    want = ~pd.DataFrame({"a": a, "b": b}).duplicated().to_numpy()
    assert (outcome.first_occurrence(a, b) == want).all()
    # Force every row onto one hash value: the key-by-key check must catch it.
    monkeypatch.setattr(pd, "factorize",
                        lambda h: (np.zeros(len(h), dtype=np.int64), np.zeros(1, np.uint64)))
    assert (outcome.first_occurrence(a, b) == want).all()


# --------------------------------------------------------------------------- hardening

HEADER = "nro_denuncia,fecha,hora,latitud,longitud,delito\n"


def _header_only(tmp_path: Path, kind: str) -> Path:
    """A file with the incident header and no data rows, in each format."""
    if kind == "csv":
        p = tmp_path / "solo_encabezado.csv"
        p.write_text(HEADER, encoding="utf-8")
    elif kind == "csv-blank-lines":
        p = tmp_path / "lineas_en_blanco.csv"
        p.write_text(HEADER + "\n   \n\n" + "\r\n" * 5, encoding="utf-8")
    elif kind == "csv-semicolon-title":
        p = tmp_path / "titulo.csv"
        p.write_text("REPORTE\n" + HEADER.replace(",", ";"), encoding="utf-8")
    elif kind == "csv.gz":
        p = tmp_path / "vacio.csv.gz"
        p.write_bytes(gzip.compress(HEADER.encode()))
    elif kind == "xlsx":
        p = tmp_path / "vacio.xlsx"
        pd.DataFrame(columns=HEADER.strip().split(",")).to_excel(p, index=False)
    elif kind == "parquet":
        p = tmp_path / "vacio.parquet"
        pd.DataFrame({c: pd.Series([], dtype=str) for c in HEADER.strip().split(",")}
                     ).to_parquet(p)
    elif kind == "geojson":
        p = tmp_path / "vacio.geojson"
        p.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    else:
        p = tmp_path / "lista_vacia.json"
        p.write_text("[]", encoding="utf-8")
    return p


EMPTY_KINDS = ["csv", "csv-blank-lines", "csv-semicolon-title", "csv.gz", "xlsx", "parquet",
               "geojson", "json-list"]


@pytest.mark.parametrize("kind", EMPTY_KINDS, ids=EMPTY_KINDS)
def test_header_without_data_rows_is_refused_like_an_empty_file(tmp_path, kind):
    p = _header_only(tmp_path, kind)
    for batch in ([p], [DATA / "utf8_bom.csv", p]):  # alone, and checked before writing a batch
        c = store.connect(":memory:")
        no_data = "no tiene filas de datos|vacío|no tiene elementos"
        with pytest.raises(InputFileError, match=no_data):
            ingest.ingest_files(batch, con=c)
        assert store.incident_count(c) == 0 and len(store.imports_history(c)) == 0
        c.close()


def test_points_on_shared_district_edges_take_the_first_polygon(tmp_path):
    """No district column: the polygon rule decides, first polygon (file order) on shared edges."""
    import json

    import shapely

    from analytics import geo

    feats = json.loads(geo.BOUNDARIES_PATH.read_text(encoding="utf-8"))["features"]
    polys = [shapely.geometry.shape(f["geometry"]) for f in feats]
    lima = [i for i, f in enumerate(feats) if f["properties"]["city"] == "lima"]
    xy = np.unique(shapely.get_coordinates([polys[i] for i in lima]), axis=0)
    pts = shapely.points(xy)
    n_hits = sum(shapely.intersects(polys[i], pts).astype(int) for i in lima)
    shared = xy[n_hits >= 2][::97][:60]  # vertices on two or more districts
    inside = np.array([[-12.0680, -77.0180], [-12.1000, -77.0300], [-12.5, -76.0]])
    lat = np.concatenate([shared[:, 1], inside[:, 0]])
    lon = np.concatenate([shared[:, 0], inside[:, 1]])
    rows = ["id,fecha,lat,lon"] + [f"P{i},03/02/2025,{float(a)!r},{float(b)!r}"
                                   for i, (a, b) in enumerate(zip(lat, lon, strict=True))]
    p = tmp_path / "bordes.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    got = ingest.read_incidents(p, study_area=(-78, -13, -76, -11)).set_index("incident_id")
    want = []
    for a, b in zip(lat, lon, strict=True):
        first = next((i for i, g in enumerate(polys) if g.intersects(shapely.Point(b, a))), None)
        want.append(None if first is None else feats[first]["properties"]["district"])
    assert len(got) == len(lat)
    districts = [got.loc[f"P{i}", "district"] for i in range(len(lat))]
    assert [None if pd.isna(d) else d for d in districts] == want
    assert want[-1] is None and want[-3] == "LA VICTORIA"


@pytest.mark.parametrize("text,want", [
    ("0001-01-01", "fecha_invalida"), ("01/01/0001", "fecha_invalida"),
    ("0099-12-31", "fecha_invalida"), ("31/12/0099", "fecha_invalida"),
    ("0001-01-01 10:00", "fecha_invalida"),
    ("03/02/25", "2025-02-03"), ("03-02-70", "1970-02-03"), ("3.2.25", "2025-02-03"),
    ("03/02/25 10:00", "2025-02-03 10:00"), ("2025-02-03", "2025-02-03"),
], ids=lambda v: v.replace("/", "_"))
def test_only_two_digit_years_get_a_century(tmp_path, text, want):
    p = tmp_path / "anios.csv"
    p.write_text(f"id,fecha_hora,lat,lon\n1,{text},-12.068,-77.018\n", encoding="utf-8")
    c = store.connect(":memory:")
    report = ingest.ingest_files(p, con=c)
    if want == "fecha_invalida":
        assert report.quarantine_reasons == {"fecha_invalida": 1}
        assert store.quarantine_rows(c)["occurred_at_raw"].tolist() == [text]
    else:
        assert store.load_incidents(c)["occurred_at"].tolist() == [pd.Timestamp(want)]
    c.close()


def test_typed_year_one_is_invalid_not_2001(tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "tipado.parquet"
    pq.write_table(pa.table({"fecha": pa.array([dt.date(1, 1, 1), dt.date(2025, 2, 3)]),
                             "lat": [-12.068, -12.069], "lon": [-77.018, -77.019]}), p)
    c = store.connect(":memory:")
    report = ingest.ingest_files(p, con=c)
    assert report.quarantine_reasons == {"fecha_invalida": 1} and report.accepted == 1
    c.close()


@pytest.mark.parametrize("name", ["a*.csv", "a?.csv", "a[x].csv", "[a]*.csv", "b*.parquet"])
def test_glob_characters_in_a_file_name_read_only_that_file(tmp_path, name):
    rows = {"a*.csv": "1", "a?.csv": "2", "a[x].csv": "3", "[a]*.csv": "4",
            "ab.csv": "5", "ax.csv": "6", "aa.csv": "7", "a.csv": "8"}
    for fname, ident in rows.items():
        (tmp_path / fname).write_text(f"id,fecha,lat,lon\n{ident},03/02/2025,-12.06{ident},-77.0\n",
                                      encoding="utf-8")
    for fname in ("b*.parquet", "bb.parquet"):
        pd.DataFrame({"id": [fname], "fecha": ["03/02/2025"], "lat": [-12.06],
                      "lon": [-77.0]}).to_parquet(tmp_path / fname)
    inc = ingest.read_incidents(tmp_path / name)
    assert inc["incident_id"].tolist() == [rows.get(name, name)]
    assert ingest.preview_file(tmp_path / name).frame["id"].astype(str).tolist() == \
        [rows.get(name, name)]


def _quarantine_of(path: Path) -> tuple[ingest.IngestReport, pd.DataFrame, pd.DataFrame]:
    c = store.connect(":memory:")
    report = ingest.ingest_files(path, con=c)
    q, inc = store.quarantine_rows(c), store.load_incidents(c)
    c.close()
    _invariant(report)
    return report, q, inc


def test_one_huge_line_is_quarantined_and_the_rest_kept(tmp_path):
    from analytics import settings

    huge = "x" * 12_000_000  # over the 10 MB line limit, which used to refuse the whole file
    rows = ["nro_denuncia,fecha,hora,latitud,longitud,delito",
            "L1,03/02/2025,10:00,-12.061,-77.011,robo",
            f"L2,03/02/2025,11:00,-12.062,-77.012,{huge}",
            "L3,03/02/2025,12:00,-12.063,-77.013,hurto"]
    rows += [f"L{i},04/02/2025,10:{i % 60:02d},-12.0{i:03d},-77.011,robo" for i in range(4, 40)]
    p = tmp_path / "linea_enorme.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report, q, inc = _quarantine_of(p)
    assert report.quarantine_reasons == {"campo_demasiado_largo": 1}
    assert q["row_number"].tolist() == [2]
    assert len(inc) == 38 and "L2" not in set(inc["incident_id"])
    assert settings.MAX_LINE_BYTES < len(huge)
    pv = ingest.preview_file(p, n_rows=3)  # the upload page previews the file first
    assert pv.mapping["date"] == "fecha" and pv.frame["nro_denuncia"].tolist() == ["L1", "L3",
                                                                                   "L4"]


def _long_text_file(tmp_path: Path, kind: str, long_text: str) -> Path:
    frame = pd.DataFrame({"nro_denuncia": ["A1", "A2", "A3"],
                          "fecha": ["03/02/2025", "03/02/2025", "04/02/2025"],
                          "latitud": ["-12.061", "-12.062", "-12.063"],
                          "longitud": ["-77.011", "-77.012", "-77.013"],
                          "delito": ["robo", long_text, "hurto"]})
    p = tmp_path / f"campo_largo.{kind}"
    if kind == "csv":
        frame.to_csv(p, index=False)
    elif kind == "xlsx":
        frame.to_excel(p, index=False)
    elif kind == "parquet":
        frame.to_parquet(p)
    else:
        feats = [{"type": "Feature", "properties": r,
                  "geometry": {"type": "Point", "coordinates": [float(r["longitud"]),
                                                               float(r["latitud"])]}}
                 for r in frame.to_dict("records")]
        p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}),
                     encoding="utf-8")
    return p


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet", "geojson"])
def test_an_over_long_field_quarantines_its_row_with_truncated_raw_text(tmp_path, kind):
    from analytics import settings

    long_text = "ROBO " + "Ñ" * 30_000  # 60 kB of UTF-8 in one cell
    report, q, inc = _quarantine_of(_long_text_file(tmp_path, kind, long_text))
    assert report.quarantine_reasons == {"campo_demasiado_largo": 1}
    assert sorted(inc["incident_id"]) == ["A1", "A3"]
    row = q.iloc[0]
    assert row["incident_id"] == "A2" and row["row_number"] == 2
    assert row["crime_type_raw"] == long_text[:settings.QUARANTINE_RAW_CHARS]
    assert "campo_demasiado_largo" in V.REASONS


def test_personal_data_inside_mapped_text_is_masked_and_counted(con, tmp_path):
    p = tmp_path / "textos.csv"
    p.write_text(
        "id,fecha,lat,lon,tipo,modalidad,distrito\n"
        "1,03/02/2025,-12.061,-77.011,ROBO A JUAN PEREZ DNI 45678912,AL PASO,LA VICTORIA\n"
        "2,03/02/2025,-12.062,-77.012,HURTO,DE CELULAR 987654321,LA VICTORIA\n"
        "3,03/02/2025,-12.063,-77.013,ROBO A MANO ARMADA,,LA VICTORIA\n"
        "4,,-12.064,-77.014,agraviado: Rosa Quispe placa ABC-123,,LA VICTORIA\n"
        "5,sin fecha rosa@example.pe,-12.065,-77.015,ROBO,,LA VICTORIA\n", encoding="utf-8")
    report = ingest.ingest_files(p, con=con)
    assert (report.accepted, report.quarantined) == (3, 2)
    assert report.personal_data_masked == 3  # rows 1, 2 and 4 (row 5's date is masked too)
    assert store.imports_history(con)["personal_data_masked"].tolist() == [3]
    inc = store.load_incidents(con).set_index("incident_id")
    assert inc.loc["1", "crime_type"] == "robo a [nombre] dni [documento] - al paso"
    assert inc.loc["1", "crime_group"] == "patrimonio"
    assert inc.loc["3", "crime_type"] == "robo a mano armada"  # no personal data, unchanged
    q = store.quarantine_rows(con).set_index("incident_id")
    assert q.loc["4", "crime_type_raw"] == "agraviado: [nombre] placa [placa]"
    assert q.loc["5", "date_raw"] == "sin fecha [correo]"
    blob = _dump(con)
    for secret in ("JUAN", "juan", "PEREZ", "perez", "45678912", "987654321", "Rosa", "Quispe",
                   "ABC-123", "rosa@example.pe"):
        assert secret not in blob, secret


def test_free_text_and_identifier_columns_are_never_read(con, tmp_path):
    p = tmp_path / "columnas.csv"
    p.write_text("id,fecha,lat,lon,delito,placa,observaciones,ruc,nombres_y_apellidos,"
                 "doc_identidad,relato,descripcion_hecho,direccion_hecho\n"
                 "1,03/02/2025,-12.061,-77.011,robo,XYZ-987,vecino Tito,20123456789,Tito Paz,"
                 "41234567,me robaron,cerca de mi casa,Jr. Huanuco cuadra 5\n", encoding="utf-8")
    report = ingest.ingest_files(p, con=con)
    assert report.pii_columns_dropped == ["placa", "observaciones", "ruc", "nombres_y_apellidos",
                                          "doc_identidad", "relato", "descripcion_hecho"]
    blob = _dump(con)
    for secret in ("XYZ-987", "Tito", "20123456789", "41234567", "me robaron", "mi casa"):
        assert secret not in blob, secret


def test_source_is_the_label_only_never_the_file_name(con, tmp_path):
    p = tmp_path / "denuncias_comisaria_la_victoria.csv"
    p.write_text("id,fecha,lat,lon\n1,03/02/2025,-12.061,-77.011\n", encoding="utf-8")
    ingest.ingest_files(p, con=con)
    assert store.load_incidents(con)["source"].isna().all()
    rows = con.execute("SELECT * FROM incidents").df().astype(str).to_csv()
    assert "denuncias_comisaria" not in rows
    hist = store.imports_history(con)
    assert hist["file_name"].tolist() == [p.name] and hist["source"].isna().all()


RISKY = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0", " =1+1",
         "＝1+1"]
HARMLESS = ["-12.0680", "+51", "normal", "robo - al paso", "", "1e-5"]


def _risky_frame() -> pd.DataFrame:
    n = len(RISKY) + len(HARMLESS)
    return pd.DataFrame({"texto": RISKY + HARMLESS,
                         "numero": [-5] * n, "real": [-1.5] * n,
                         "=nombre": ["x"] * n})


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_csv_exports_neutralise_formulas(tmp_path, suffix):
    out = files.write_table(_risky_frame(), tmp_path / f"f{suffix}")
    back = pd.read_csv(out, dtype=str, keep_default_na=False)
    # Prefixed; a carriage return becomes a (quoted) line feed, never a row break.
    assert back["texto"].tolist() == ["'" + v.replace("\r", "\n") for v in RISKY] + HARMLESS
    assert len(back) == len(RISKY) + len(HARMLESS)
    assert set(back["numero"]) == {"-5"} and set(back["real"]) == {"-1.5"}
    assert list(back.columns) == ["texto", "numero", "real", "'=nombre"]
    raw = pd.read_csv(__import__("io").BytesIO(files.table_to_csv_bytes(_risky_frame(), bom=True)),
                      dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert raw["texto"].tolist() == back["texto"].tolist()


def test_xlsx_export_writes_text_never_formulas(tmp_path):
    import openpyxl

    out = files.write_table(_risky_frame(), tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(out).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [ws.cell(row=i + 2, column=1).value for i in range(len(RISKY) + len(HARMLESS))]
    assert [t for t, v in zip(texts, RISKY, strict=False) if "\r" not in v] == \
        [v for v in RISKY if "\r" not in v]  # as written, but as text
    assert ws.cell(row=2, column=2).value == -5 and ws.cell(row=2, column=3).value == -1.5
