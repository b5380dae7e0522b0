"""Validation rules: headers, personal data, crime types, coordinates, stacked points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import _validate as V
from analytics._errors import IncidentSchemaError

NAN = np.nan
CODE = {k: i for i, k in enumerate(V.REASON_CODES)}


@pytest.mark.parametrize("header,field", [
    ("Fecha", "date"), ("FECHA_HECHO", "date"), ("f_hecho", "date"), ("dispatch_date", "date"),
    ("Hora Hecho", "time"), ("hora", "time"), ("dispatch_time", "time"),
    ("Fecha y Hora", "occurred_at"), ("occurred_at", "occurred_at"), ("ts_local", "occurred_at"),
    ("timestamp", "occurred_at"), ("DateTime", "occurred_at"),
    ("Latitud", "lat"), ("LAT", "lat"), ("point_y", "lat"), ("Y", "lat"),
    ("Longitud", "lon"), ("lng", "lon"), ("LONG", "lon"), ("point_x", "lon"), ("x", "lon"),
    ("Delito", "crime_type"), ("TIPO", "crime_type"), ("Categoría", "crime_type"),
    ("text_general_code", "crime_type"), ("Sub Tipo", "crime_subtype"),
    ("Modalidad", "modalidad"), ("P_MODALIDADES", "modalidad"),
    ("Distrito", "district"), ("DIST_HECHO", "district"), ("police_district", "district"),
    ("Ubigeo", "ubigeo"), ("UBIGEO_HECHO", "ubigeo"),
    ("Nro. Denuncia", "incident_id"), ("dc_key", "incident_id"), ("ID", "incident_id"),
])
def test_header_recognition(header, field):
    m = V.guess_mapping([header, "otra_columna"])
    assert m.get(field) == header


def test_datetime_column_wins_over_date_and_time():
    m = V.guess_mapping(["fecha", "hora", "fecha_hora", "lat", "lon"])
    assert m["occurred_at"] == "fecha_hora" and "date" not in m and "time" not in m


def test_explicit_mapping_wins_and_is_checked():
    m = V.guess_mapping(["A", "B", "latitud"], mapping={"lat": "a", "lon": "B"})
    assert m["lat"] == "A" and m["lon"] == "B"
    with pytest.raises(IncidentSchemaError) as err:
        V.guess_mapping(["A"], mapping={"lat": "zz", "color": "A"})
    assert "zz" in str(err.value) and "color" in str(err.value)  # every problem, once


def test_check_mapping_lists_every_missing_field():
    with pytest.raises(IncidentSchemaError) as err:
        V.check_mapping({"crime_type": "delito"}, file_name="x.csv")
    text = str(err.value)
    assert "fecha" in text and "latitud" in text and "longitud" in text


@pytest.mark.parametrize("header,is_pii", [
    ("Nombre", True), ("nombres_apellidos", True), ("APELLIDO PATERNO", True), ("DNI", True),
    ("Nro Documento", True), ("Teléfono", True), ("celular", True), ("Correo", True),
    ("e-mail", True), ("direccion_victima", True), ("Denunciante", True), ("agraviado", True),
    ("victim_name", True), ("Phone", True), ("domicilio", True),
    ("nombre_distrito", False), ("delito", False), ("direccion_hecho", False), ("fecha", False),
    ("modalidad", False), ("latitud", False),
    # identifiers and free text
    ("placa", True), ("PLACA_VEHICULO", True), ("observaciones", True), ("Observación", True),
    ("ruc", True), ("nombres_y_apellidos", True), ("doc_identidad", True), ("nombres", True),
    ("apellidos", True), ("telefono", True), ("dni", True), ("correo", True),
    ("direccion_domicilio", True), ("detalle", True), ("relato", True),
    ("descripcion_hecho", True), ("Relato de los hechos", True), ("carnet_extranjeria", True),
    ("direccion_victima", True),
    # the incident's own address is read for geocoding: never personal data
    ("direccion", False), ("Dirección del hecho", False), ("cuadra_hecho", False),
    ("tipo_via_hecho", False), ("via", False), ("distrito_hecho", False), ("tipo", False),
])
def test_pii_columns(header, is_pii):
    assert (V.pii_columns([header]) == [header]) is is_pii


def test_pii_explicitly_mapped_column_is_kept():
    assert V.pii_columns(["nombre"], keep=["nombre"]) == []


@pytest.mark.parametrize("text,expected", [
    ("ROBO AGRAVADO", ("robo agravado", "patrimonio")),
    ("Extorsion", ("extorsión", "patrimonio")),
    ("  violencia   familiar ", ("violencia familiar", "violencia_familiar")),
    ("robo de celular al paso", ("robo de celular al paso", "patrimonio")),
    ("Thefts", ("thefts", "patrimonio")),
    ("Aggravated Assault Firearm", ("aggravated assault firearm", "vida_cuerpo_salud")),
    ("algo raro", ("algo raro", "otro")),
    ("", ("otro", "otro")),
    (None, ("otro", "otro")),
])
def test_crime_type_to_group(text, expected):
    assert V.crime_type_to_group(text) == expected


def test_crime_fields_most_specific_canonical_wins():
    assert V.crime_fields_to_type("ROBO", "ROBO AGRAVADO", "A MANO ARMADA") == \
        ("robo agravado", "patrimonio")
    assert V.crime_fields_to_type("contra el patrimonio", None, "arrebato") == \
        ("contra el patrimonio - arrebato", "otro")
    assert V.crime_fields_to_type("", "", "") == ("otro", "otro")


@pytest.mark.parametrize("raw,expected", [
    ("La Victoria", "LA VICTORIA"), ("  breña ", "BREÑA"), ("RÍMAC", "RIMAC"), ("", None),
    (None, None),
])
def test_normalize_district(raw, expected):
    assert V.normalize_district(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("150115", "150115"), ("70101", "070101"), ("70101.0", "070101"), ("abc", None),
    ("1234", None),
])
def test_normalize_ubigeo(raw, expected):
    assert V.normalize_ubigeo(raw) == expected


def test_check_coordinates_classifies_and_fixes_swaps():
    lat = np.array([-12.06, -12.07, NAN, 0.0, -120.0, 40.0, -77.03, -12.05, -12.06])
    lon = np.array([-77.03, -77.04, -77.0, 0.0, -300.0, -75.0, -12.05, -77.02, -77.03])
    reason = np.zeros(lat.size, dtype=np.int8)
    reason[-1] = CODE["fecha_invalida"]  # an earlier reason is kept
    la, lo, r, n_swapped = V.check_coordinates(lat, lon, reason)
    names = [V.REASON_CODES[i] for i in r]
    assert names == ["", "", "coordenadas_faltantes", "coordenadas_cero", "coordenadas_invalidas",
                     "fuera_del_area", "", "", "fecha_invalida"]
    assert n_swapped == 1 and (la[6], lo[6]) == (-12.05, -77.03)
    assert lat[6] == -77.03  # inputs untouched


def test_check_coordinates_with_bbox():
    lat = np.array([-12.06, 40.0])
    lon = np.array([-77.03, -75.0])
    _, _, r, _ = V.check_coordinates(lat, lon, np.zeros(2, np.int8),
                                     study_area=(-76.0, 39.0, -74.0, 41.0))
    assert [V.REASON_CODES[i] for i in r] == ["fuera_del_area", ""]


def test_study_area_centers_keep_two_cities():
    rng = np.random.default_rng(1)
    lat = np.r_[rng.normal(-12.06, 0.01, 60), rng.normal(-8.11, 0.01, 40), [-3.0]]
    lon = np.r_[rng.normal(-77.03, 0.01, 60), rng.normal(-79.03, 0.01, 40), [-60.0]]
    _, _, r, _ = V.check_coordinates(lat, lon, np.zeros(lat.size, np.int8))
    assert (r[:100] == 0).all() and V.REASON_CODES[r[100]] == "fuera_del_area"


def test_whole_file_with_exchanged_columns_is_fixed():
    lat = np.array([-77.03, -77.04, -77.02, -77.05])
    lon = np.array([-12.06, -12.05, -12.07, -12.06])
    la, lo, r, n_swapped = V.check_coordinates(lat, lon, np.zeros(4, np.int8))
    assert n_swapped == 4 and (r == 0).all()
    assert la.tolist() == lon.tolist() and lo.tolist() == lat.tolist()


def test_stacked_points_thresholds():
    lat = np.r_[np.full(25, -12.0651), np.linspace(-12.0, -12.1, 75)]
    lon = np.r_[np.full(25, -77.0175), np.linspace(-77.0, -77.1, 75)]
    out = V.stacked_points(lat, lon)
    assert out == [{"lat": -12.0651, "lon": -77.0175, "count": 25, "share": 0.25}]
    assert V.stacked_points(lat, lon, min_count=26) == []
    assert V.stacked_points(lat, lon, min_share=0.3) == []
    assert V.stacked_points(np.array([]), np.array([])) == []


def test_stacked_points_decoding_handles_signs():
    lat = np.full(30, 39.95261)
    lon = np.full(30, -75.16522)
    assert V.stacked_points(lat, lon)[0]["lat"] == 39.95261
    assert V.stacked_points(lat, lon)[0]["lon"] == -75.16522


def test_validate_incidents_collects_every_problem():
    bad = pd.DataFrame({"occurred_at": ["x"], "lat": [95.0], "crime_group": ["nada"]})
    with pytest.raises(IncidentSchemaError) as err:
        V.validate_incidents(bad)
    text = str(err.value)
    for part in ("lon", "no es fecha", "±90", "nada"):
        assert part in text


def test_validate_incidents_accepts_canonical(tiny_incidents):
    V.validate_incidents(tiny_incidents)


@pytest.mark.parametrize("text,masked,n", [
    ("ROBO A JUAN PEREZ DNI 45678912", "ROBO A [nombre] DNI [documento]", 2),
    ("robo a juan perez 45678912", "robo a [nombre] [dni]", 2),
    ("agraviado: Luis Soto Quispe con DNI: 40123456", "agraviado: [nombre] con DNI: [documento]",
     2),
    ("HURTO DE CELULAR 987 654 321", "HURTO DE CELULAR [teléfono]", 1),
    ("ROBO DE VEHICULO PLACA ABC-123", "ROBO DE VEHICULO PLACA [placa]", 1),
    ("robo de moto A1B-234", "robo de moto [placa]", 1),
    ("estafa, escribir a rosa@example.pe", "estafa, escribir a [correo]", 1),
    ("extorsión a ciudadano con CE 001234567", "extorsión a ciudadano con CE [documento]", 1),
    ("extorsión al Sr. Pedro Castillo", "extorsión al Sr. [nombre]", 1),
    ("robo de celular al paso de maria lopez", "robo de celular al paso de [nombre]", 1),
    # texts without personal data are left alone
    ("ROBO A MANO ARMADA", "ROBO A MANO ARMADA", 0),
    ("HURTO DE CABLES DE LUZ", "HURTO DE CABLES DE LUZ", 0),
    ("VICTIMA DE ROBO", "VICTIMA DE ROBO", 0),
    ("SAN JUAN DE LURIGANCHO", "SAN JUAN DE LURIGANCHO", 0),
    ("VILLA MARIA DEL TRIUNFO", "VILLA MARIA DEL TRIUNFO", 0),
    ("CARMEN DE LA LEGUA REYNOSO", "CARMEN DE LA LEGUA REYNOSO", 0),
    ("ROBO A TRANSEUNTE", "ROBO A TRANSEUNTE", 0),
    ("violencia familiar", "violencia familiar", 0),
], ids=lambda v: str(v)[:30])
def test_mask_personal_text(text, masked, n):
    assert V.mask_personal_text(text) == (masked, n)
