"""GPS pings: readers (CSV, Excel, GPX, GeoJSON), cleaning, accounting, unit mapping.

Hand-checkable inputs live in ``tests/data/tracks``. ``sipcop_m.csv`` is a
SIPCOP-M style export (title line, ``;`` separator, decimal commas, day-first
dates, a driver column that must not survive) with one ping of every outcome;
its expected outcome per data row is listed in ``SIPCOP_OUTCOME``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import _track_readers as readers, tracks
from analytics._errors import AnalyticsError, InputFileError, TrackSchemaError

DATA = Path(__file__).resolve().parent / "data" / "tracks"

#: data row -> outcome of sipcop_m.csv ("stored", "duplicate" or the reason key).
SIPCOP_OUTCOME = {
    0: "stored", 1: "stored", 2: "duplicate", 3: "stored", 4: "salto_imposible",
    5: "stored", 6: "duplicate", 7: "unidad_faltante", 8: "hora_invalida",
    9: "hora_invalida", 10: "coordenada_invalida", 11: "coordenada_invalida",
    12: "coordenada_invalida", 13: "stored", 14: "stored",
}


def check_accounting(result: tracks.TrackImport) -> None:
    s = result.summary
    assert s.pings_read == s.stored + s.duplicates + s.rejected
    assert sum(s.rejected_reasons.values()) == s.rejected
    assert len(result.pings) == s.stored
    assert set(s.rejected_reasons) <= set(tracks.REASONS)
    assert sum(u["pings"] for u in s.units) == s.stored
    assert list(result.pings.columns) == list(tracks.PING_COLUMNS)


def frame(rows: list[tuple[object, ...]],
          cols: tuple[str, ...] = ("unidad", "fecha_hora", "lat", "lon")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(cols), dtype=object)


# --------------------------------------------------------------------------- CSV
@pytest.fixture(scope="module")
def sipcop() -> tracks.TrackImport:
    return tracks.pings_from_file(DATA / "sipcop_m.csv")


def test_sipcop_csv_every_outcome(sipcop: tracks.TrackImport) -> None:
    check_accounting(sipcop)
    s = sipcop.summary.to_dict()
    assert list(s) == ["pings_read", "stored", "duplicates", "rejected", "rejected_reasons",
                       "units"]
    assert (s["pings_read"], s["stored"], s["duplicates"], s["rejected"]) == (16, 6, 2, 8)
    assert s["rejected_reasons"] == {"fila_malformada": 1, "unidad_faltante": 1,
                                     "hora_invalida": 2, "coordenada_invalida": 3,
                                     "salto_imposible": 1}
    rejected = dict(zip(sipcop.rejected["row"], sipcop.rejected["reason"], strict=True))
    expected = {r: o for r, o in SIPCOP_OUTCOME.items() if o not in ("stored", "duplicate")}
    assert rejected == expected
    assert s["units"] == [
        {"unit": "EUA 124", "pings": 2, "first": "2025-04-03T14:04:30",
         "last": "2025-04-13T14:05:03"},
        {"unit": "EUA-123", "pings": 4, "first": "2025-04-03T14:00:00",
         "last": "2025-04-03T14:02:00"},
    ]


def test_sipcop_csv_values(sipcop: tracks.TrackImport) -> None:
    p = sipcop.pings
    assert sipcop.columns == {"unit": "Placa", "datetime": "Fecha Hora", "lat": "Latitud",
                              "lon": "Longitud", "speed": "Velocidad"}
    assert "Conductor" not in p.columns  # unrecognised (personal) columns never survive
    first = p[p["unit"] == "EUA-123"].iloc[0]
    assert first["ts"] == pd.Timestamp("2025-04-03 14:00:00")  # day-first: 3 April
    assert (first["lat"], first["lon"], first["speed_kmh"]) == (-12.068, -77.018, 0.0)
    # the duplicate of 14:02:00 keeps the first ping in file order
    dup = p[(p["unit"] == "EUA-123") & (p["ts"] == pd.Timestamp("2025-04-03 14:02:00"))]
    assert dup["lat"].tolist() == [-12.0683]
    from analytics import hexbin
    assert p["h3_r12"].tolist() == hexbin.points_to_cells(p["lat"], p["lon"]).tolist()
    assert p.equals(p.sort_values(["unit", "ts"]).reset_index(drop=True))


def test_message_is_spanish_and_has_no_plates(sipcop: tracks.TrackImport) -> None:
    msg = sipcop.summary.message()
    assert msg.startswith("16 puntos GPS leídos: 6 guardados, 2 repetidos, 8 rechazados")
    assert "EUA" not in msg


@pytest.mark.parametrize(("text", "expected"), [
    ("03/04/2025 14:00:00", "2025-04-03 14:00:00"),
    ("3/4/2025 9:05", "2025-04-03 09:05:00"),
    ("03-04-2025 14:00:00", "2025-04-03 14:00:00"),
    ("03/04/25 14:00", "2025-04-03 14:00:00"),
    ("03/04/2025 02:05:03 p. m.", "2025-04-03 14:05:03"),
    ("03/04/2025 12:05 a.m.", "2025-04-03 00:05:00"),
    ("2025-04-03 14:00:00", "2025-04-03 14:00:00"),
    ("2025-04-03T14:00:00.250", "2025-04-03 14:00:00.250"),
    ("2025-04-03 14:00:00.123456789", "2025-04-03 14:00:00.123456"),
    ("2025-04-03T19:00:00Z", "2025-04-03 14:00:00"),
    ("2025-04-03T16:00:00-03:00", "2025-04-03 14:00:00"),
    ("1743710400", "2025-04-03 15:00:00"),
    ("1743710400000", "2025-04-03 15:00:00"),
], ids=["dmy", "dmy-short", "dmy-dash", "dmy-yy", "pm-es", "am-es", "iso", "iso-frac",
        "pandas-nanoseconds", "iso-z", "iso-offset", "epoch-s", "epoch-ms"])
def test_time_formats(text: str, expected: str) -> None:
    r = tracks.clean_pings(frame([("1", text, "-12.068", "-77.018")]))
    assert r.summary.stored == 1
    assert r.pings["ts"].iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["31/02/2025 10:00:00", "03/04/2025", "25:70", "ayer",
                                  "", None, "01/01/1999 10:00:00", "123"],
                         ids=["feb31", "date-only", "bad-clock", "word", "empty", "none",
                              "before-2000", "small-number"])
def test_invalid_times(text: str | None) -> None:
    r = tracks.clean_pings(frame([("1", text, "-12.068", "-77.018")]))
    check_accounting(r)
    assert r.summary.rejected_reasons == {"hora_invalida": 1}


def test_month_first_file_is_detected() -> None:
    rows = [("1", "04/13/2025 10:00:00", "-12.068", "-77.018"),
            ("1", "04/14/2025 10:00:00", "-12.068", "-77.018"),
            ("1", "05/01/2025 10:00:00", "-12.068", "-77.018")]
    r = tracks.clean_pings(frame(rows))
    assert r.pings["ts"].dt.strftime("%Y-%m-%d").tolist() == ["2025-04-13", "2025-04-14",
                                                               "2025-05-01"]


def test_date_and_time_columns_are_joined() -> None:
    raw = frame([("1", "03/04/2025", "14:00:00", "-12.068", "-77.018"),
                 ("1", "2025-04-03 00:00:00", "14:00:30", "-12.068", "-77.018"),
                 ("1", "03/04/2025", None, "-12.068", "-77.018")],
                cols=("Móvil", "FECHA", "Hora", "LAT", "LNG"))
    r = tracks.clean_pings(raw)
    assert r.columns == {"unit": "Móvil", "date": "FECHA", "time": "Hora", "lat": "LAT",
                         "lon": "LNG"}
    assert r.pings["ts"].tolist() == [pd.Timestamp("2025-04-03 14:00"),
                                      pd.Timestamp("2025-04-03 14:00:30")]
    assert r.summary.rejected_reasons == {"hora_invalida": 1}


@pytest.mark.parametrize(("lat", "lon"), [("0", "0"), ("-95", "-77"), ("-12", "190"),
                                          ("abc", "-77"), (None, "-77"), ("nan", "-77")],
                         ids=["zero", "lat-range", "lon-range", "text", "missing", "nan"])
def test_invalid_coordinates(lat: str | None, lon: str) -> None:
    r = tracks.clean_pings(frame([("1", "03/04/2025 14:00", lat, lon)]))
    assert r.summary.rejected_reasons == {"coordenada_invalida": 1}


def test_missing_unit_and_fixed_unit() -> None:
    raw = frame([(None, "03/04/2025 14:00", "-12.068", "-77.018"),
                 ("  ", "03/04/2025 14:01", "-12.068", "-77.018")])
    assert tracks.clean_pings(raw).summary.rejected_reasons == {"unidad_faltante": 2}
    fixed = tracks.clean_pings(raw, unit="Móvil 7")
    assert fixed.summary.stored == 2 and set(fixed.pings["unit"]) == {"MÓVIL 7"}
    no_col = raw.drop(columns="unidad")
    with pytest.raises(TrackSchemaError, match="unidad"):
        tracks.clean_pings(no_col)
    assert tracks.clean_pings(no_col, unit="7").summary.stored == 2


def test_typed_frame_is_used_as_is() -> None:
    raw = pd.DataFrame({"device_id": [7, 7], "timestamp": pd.to_datetime(
        ["2025-04-03 14:00:00", "2025-04-03 14:00:30"]), "latitude": [-12.068, -12.0681],
        "longitude": [-77.018, -77.0181], "speed": [10.0, np.nan]})
    r = tracks.clean_pings(raw)
    assert r.pings["unit"].tolist() == ["7", "7"]
    assert r.pings["speed_kmh"].iloc[0] == 10.0 and np.isnan(r.pings["speed_kmh"].iloc[1])
    aware = raw.assign(timestamp=raw["timestamp"].dt.tz_localize("UTC"))
    assert tracks.clean_pings(aware).pings["ts"].iloc[0] == pd.Timestamp("2025-04-03 09:00")


# --------------------------------------------------------------------------- duplicates, jumps
def test_duplicates_exact_and_same_time() -> None:
    rows = [("1", "03/04/2025 14:00", "-12.068", "-77.018"),
            ("1", "03/04/2025 14:00", "-12.068", "-77.018"),   # exact repeat
            ("1", "03/04/2025 14:00", "-12.069", "-77.019"),   # same unit and time
            ("2", "03/04/2025 14:00", "-12.068", "-77.018")]   # other unit: kept
    r = tracks.clean_pings(frame(rows))
    check_accounting(r)
    assert (r.summary.stored, r.summary.duplicates) == (2, 2)
    existing = pd.DataFrame({"unit": ["2"], "ts": [pd.Timestamp("2025-04-03 14:00")]})
    again = tracks.clean_pings(frame(rows), existing=existing)
    check_accounting(again)
    assert (again.summary.stored, again.summary.duplicates) == (1, 3)


def track(lat: list[float], step_s: int = 30, unit: str = "1") -> pd.DataFrame:
    t0 = pd.Timestamp("2025-04-03 14:00")
    return pd.DataFrame({"unit": unit, "ts": [t0 + pd.Timedelta(seconds=step_s * i)
                                              for i in range(len(lat))],
                         "lat": lat, "lon": -77.018})


@pytest.mark.parametrize(("lat", "bad"), [
    ([-12.068, -12.0681, -11.5, -12.0682, -12.0683], [2]),
    ([-11.5, -12.068, -12.0681, -12.0682, -12.0683], [0]),
    ([-12.068, -12.0681, -12.0682, -12.0683, -11.5], [4]),
    ([-12.068, -12.0681, -11.5, -11.5001, -12.0682, -12.0683, -12.0684], [2, 3]),
    ([-12.068, -11.5, -12.0681, -11.5, -12.0682, -12.0683], [1, 3]),
], ids=["middle", "first", "last", "pair", "alternating"])
def test_impossible_jumps_blame_only_the_bad_pings(lat: list[float], bad: list[int]) -> None:
    r = tracks.clean_pings(track(lat).sample(frac=1.0, random_state=3))  # order is irrelevant
    check_accounting(r)
    assert r.summary.rejected_reasons == {"salto_imposible": len(bad)}
    assert sorted(r.pings["lat"].tolist()) == sorted(np.delete(lat, bad).tolist())


def test_long_gap_is_not_a_jump_and_speed_is_configurable() -> None:
    lat = [-12.068, -12.168]  # 11 km
    assert tracks.clean_pings(track(lat, step_s=3600)).summary.stored == 2  # 11 km/h
    assert tracks.clean_pings(track(lat, step_s=120)).summary.stored == 1   # 333 km/h
    assert tracks.clean_pings(track(lat, step_s=300)).summary.stored == 2   # 133 km/h
    assert tracks.clean_pings(track(lat, step_s=300), max_speed_kmh=100).summary.stored == 1
    # GPS noise of 60 m in one second is not a jump (under JUMP_MIN_M)
    assert tracks.clean_pings(track([-12.068, -12.0685], step_s=1)).summary.stored == 2


# --------------------------------------------------------------------------- other readers
def test_excel_reader(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Reporte AVL"])
    ws.append([])
    ws.append(["Código Unidad", "Fecha", "Hora", "Latitud", "Longitud"])
    ws.append([7, dt.datetime(2025, 4, 3), dt.time(14, 0, 0), -12.068, -77.018])
    ws.append([7, dt.datetime(2025, 4, 3), dt.time(14, 0, 30), -12.0681, -77.0181])
    ws.append([7.0, "03/04/2025", "14:01:00", "-12,0682", "-77,0182"])
    ws.append([None, dt.datetime(2025, 4, 3), dt.time(14, 1, 30), -12.0683, -77.0183])
    path = tmp_path / "avl.xlsx"
    wb.save(path)
    r = tracks.pings_from_file(path)
    check_accounting(r)
    assert r.source_kind == "excel"
    assert r.pings["unit"].tolist() == ["7", "7", "7"]
    assert r.pings["ts"].tolist() == [pd.Timestamp("2025-04-03 14:00"),
                                      pd.Timestamp("2025-04-03 14:00:30"),
                                      pd.Timestamp("2025-04-03 14:01")]
    assert r.summary.rejected_reasons == {"unidad_faltante": 1}


def test_gpx_reader() -> None:
    raw = readers.read_gpx(DATA / "track.gpx")
    assert raw["unidad"].tolist() == ["Movil 7"] * 4 + ["track"]
    r = tracks.clean_pings(raw)
    check_accounting(r)
    assert r.source_kind == "gpx"
    assert r.summary.rejected_reasons == {"hora_invalida": 1}  # the point without <time>
    movil = r.pings[r.pings["unit"] == "MOVIL 7"]
    assert movil["ts"].tolist() == [pd.Timestamp("2025-04-03 14:00"),
                                    pd.Timestamp("2025-04-03 14:00:30"),
                                    pd.Timestamp("2025-04-03 14:01")]  # UTC -> Lima
    other = r.pings[r.pings["unit"] == "TRACK"]
    assert other["ts"].tolist() == [pd.Timestamp("2025-04-03 14:00")]


@pytest.mark.parametrize("body", [
    '<!DOCTYPE gpx [<!ENTITY a "x">]><gpx><trk><name>&a;</name></trk></gpx>',
    '<!DOCTYPE gpx SYSTEM "file:///etc/passwd"><gpx/>',
    '<gpx><!-- ' + "x" * (1024 * 1024 - 20) + ' --></gpx><!DOCTYPE x>',
], ids=["internal-entity", "external-dtd", "doctype-across-chunks"])
def test_hostile_gpx_is_refused(tmp_path: Path, body: str) -> None:
    path = tmp_path / "evil.gpx"
    path.write_text('<?xml version="1.0"?>' + body, encoding="utf-8")
    with pytest.raises(InputFileError, match="DOCTYPE o entidades XML"):
        readers.read_gpx(path)


def test_billion_laughs_gpx_is_refused_fast() -> None:
    with pytest.raises(InputFileError, match="seguridad") as err:
        tracks.pings_from_file(DATA / "hostile.gpx")
    assert "\n" not in str(err.value)


def test_geojson_points_with_date_and_time() -> None:
    r = tracks.pings_from_file(DATA / "points.geojson")
    check_accounting(r)
    assert r.summary.to_dict()["rejected_reasons"] == {"coordenada_invalida": 1}
    assert r.pings["unit"].tolist() == ["3", "3"]
    assert r.pings["lat"].tolist() == [-12.068, -12.0681]
    assert r.pings["ts"].tolist() == [pd.Timestamp("2025-04-03 14:00"),
                                      pd.Timestamp("2025-04-03 14:00:30")]


def test_geojson_lines_with_times() -> None:
    r = tracks.pings_from_file(DATA / "line.geojson")
    check_accounting(r)
    assert r.summary.stored == 6
    by_unit = r.pings.groupby("unit")["ts"].apply(list).to_dict()
    assert by_unit["SERENAZGO 12"] == [pd.Timestamp("2025-04-03 14:00"),
                                       pd.Timestamp("2025-04-03 14:00:30"),
                                       pd.Timestamp("2025-04-03 14:01")]
    assert by_unit["XYZ-999"] == [pd.Timestamp("2025-04-03 14:00"),
                                  pd.Timestamp("2025-04-03 14:00:30"),
                                  pd.Timestamp("2025-04-03 14:05")]


@pytest.mark.parametrize(("name", "content", "match"), [
    ("x.csv", "", "vacío"),
    ("x.xls", "abc", "antiguo"),
    ("x.kml", "<kml/>", "formato desconocido"),
    ("x.geojson", "{not json", "GeoJSON válido"),
    ("x.gpx", "<gpx><trk>", "mal formado"),
    ("x.gpx", "<gpx></gpx>", "trkpt"),
    ("x.csv", "a,b\n1,2\n", "No se reconocen"),
], ids=["empty", "xls", "kml", "bad-json", "broken-gpx", "no-points", "no-columns"])
def test_unreadable_files_give_one_spanish_line(tmp_path: Path, name: str, content: str,
                                                match: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AnalyticsError, match=match) as err:
        tracks.pings_from_file(path)
    assert "\n" not in str(err.value)


def test_size_guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    path.write_text("unidad,fecha_hora,lat,lon\n" + "1,03/04/2025 14:00,-12,-77\n" * 100)
    monkeypatch.setattr(readers, "MAX_CSV_BYTES", 1000)
    with pytest.raises(InputFileError, match="demasiado grande.*divídalo"):
        tracks.pings_from_file(path)


def test_missing_columns_are_listed_together() -> None:
    with pytest.raises(TrackSchemaError) as err:
        tracks.clean_pings(pd.DataFrame({"foo": [1], "lat": [1.0]}))
    msg = str(err.value)
    assert all(w in msg for w in ("unidad", "fecha y hora", "longitud"))
    assert "latitud" not in msg.split("faltan columnas:")[1]


def test_explicit_mapping_wins() -> None:
    raw = frame([("EUA-1", "7", "03/04/2025 14:00", "-12.068", "-77.018")],
                cols=("placa", "unidad", "fecha_hora", "lat", "lon"))
    assert tracks.clean_pings(raw).pings["unit"].tolist() == ["7"]  # unit code beats plate
    mapped = tracks.clean_pings(raw, mapping={"unit": "PLACA"})
    assert mapped.pings["unit"].tolist() == ["EUA-1"]
    with pytest.raises(TrackSchemaError, match="no está en el archivo"):
        tracks.clean_pings(raw, mapping={"unit": "nope"})


def test_csv_gz_and_latin1(tmp_path: Path) -> None:
    import gzip

    text = "Móvil|Fecha_Hora|Latitud|Longitud\nA-1|03/04/2025 14:00|-12.068|-77.018\n"
    path = tmp_path / "x.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(text.encode("latin-1"))
    r = tracks.pings_from_file(path)
    assert r.columns["unit"] == "Móvil" and r.summary.stored == 1


# --------------------------------------------------------------------------- units
@pytest.mark.parametrize(("value", "key"), [("EUA-123", "EUA123"), ("eua 123", "EUA123"),
                                            ("03", "3"), (3, "3"), (3.0, "3"), ("Móvil 7",
                                                                                 "MOVIL7"),
                                            (None, "")],
                         ids=["plate", "plate-lower", "zero", "int", "float", "accent", "none"])
def test_unit_key(value: object, key: str) -> None:
    assert tracks.unit_key([value]).tolist() == [key]


def test_apply_unit_mapping() -> None:
    pings = pd.DataFrame({"unit": ["EUA-123", "EUA-123", "2", "ABC-9"], "ts": pd.NaT})
    out = tracks.apply_unit_mapping(pings, {"eua 123": 1})
    assert out["unit"].tolist() == ["1", "1", "2", "ABC-9"]
    assert pings["unit"].tolist() == ["EUA-123", "EUA-123", "2", "ABC-9"]  # input untouched
    table = pd.DataFrame({"alias": ["EUA123", "abc-9"], "unit": [1, 1]})
    assert tracks.apply_unit_mapping(pings, table)["unit"].tolist() == ["1", "1", "2", "1"]
    with pytest.raises(TrackSchemaError, match="más de una unidad"):
        tracks.apply_unit_mapping(pings, pd.DataFrame({"placa": ["EUA-123", "eua123"],
                                                       "unidad": [1, 2]}))


def test_summary_is_frozen() -> None:
    s = tracks.TrackSummary(1, 1, 0, 0)
    with pytest.raises(AttributeError):
        s.stored = 2  # type: ignore[misc]
