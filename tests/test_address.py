"""Address parsing: every spelling the brief lists, hand-checked; the storable form."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analytics import address as A

# (written address, street key, type, block, offset, cross street, zone type, zone)
CASES = [
    # street types and their spellings
    ("AV. AVIACION CDRA. 12", "AVIACION", "AV", 12, -1, "", "", ""),
    ("AVE. AVIACION CDRA 12", "AVIACION", "AV", 12, -1, "", "", ""),
    ("Avenida Aviación cuadra 12", "AVIACION", "AV", 12, -1, "", "", ""),
    ("JR. GAMARRA 745", "GAMARRA", "JR", 7, 45, "", "", ""),
    ("JIRON GAMARRA 745", "GAMARRA", "JR", 7, 45, "", "", ""),
    ("Jirón Mariscal Agustín Gamarra N° 745", "MARISCAL AGUSTIN GAMARRA", "JR", 7, 45, "", "", ""),
    ("CALLE LAS BEGONIAS 441", "BEGONIAS", "CALLE", 4, 41, "", "", ""),
    ("CA. LAS BEGONIAS 441", "BEGONIAS", "CALLE", 4, 41, "", "", ""),
    ("CL. LAS BEGONIAS NRO. 441", "BEGONIAS", "CALLE", 4, 41, "", "", ""),
    ("CLL. LAS BEGONIAS #441", "BEGONIAS", "CALLE", 4, 41, "", "", ""),
    ("PSJE. SAN MARTIN 120", "SAN MARTIN", "PSJE", 1, 20, "", "", ""),
    ("PJE. SAN MARTIN 120", "SAN MARTIN", "PSJE", 1, 20, "", "", ""),
    ("PASAJE SAN MARTIN 120", "SAN MARTIN", "PSJE", 1, 20, "", "", ""),
    ("PROL. PARINACOCHAS C/3", "PARINACOCHAS", "PROL", 3, -1, "", "", ""),
    ("PROLONGACION PARINACOCHAS CDRA. 3", "PARINACOCHAS", "PROL", 3, -1, "", "", ""),
    ("ALAMEDA LOS PINOS CDRA 3", "PINOS", "ALAMEDA", 3, -1, "", "", ""),
    ("ALAM. LOS PINOS CDRA 3", "PINOS", "ALAMEDA", 3, -1, "", "", ""),
    ("CARRETERA CENTRAL KM 5", "CENTRAL", "CARRETERA", 50, -1, "", "", ""),
    ("CARR. CENTRAL KM 5", "CENTRAL", "CARRETERA", 50, -1, "", "", ""),
    ("CTRA. CENTRAL KM 5", "CENTRAL", "CARRETERA", 50, -1, "", "", ""),
    ("OVALO HIGUERETA", "HIGUERETA", "OVALO", -1, -1, "", "", ""),
    ("ÓVALO HIGUERETA", "HIGUERETA", "OVALO", -1, -1, "", "", ""),
    ("MALECON CISNEROS CDRA. 5", "CISNEROS", "MALECON", 5, -1, "", "", ""),
    ("PLAZA BOLOGNESI", "BOLOGNESI", "PLAZA", -1, -1, "", "", ""),
    ("PARQUE KENNEDY", "KENNEDY", "PARQUE", -1, -1, "", "", ""),
    # cuadra and number spellings
    ("AV. GRAU CDRA 7", "GRAU", "AV", 7, -1, "", "", ""),
    ("AV. GRAU CUADRA 7", "GRAU", "AV", 7, -1, "", "", ""),
    ("AV. GRAU C/7", "GRAU", "AV", 7, -1, "", "", ""),
    ("AV. GRAU C/ 7", "GRAU", "AV", 7, -1, "", "", ""),
    ("AV. GRAU NRO. 745", "GRAU", "AV", 7, 45, "", "", ""),
    ("AV. GRAU N° 745", "GRAU", "AV", 7, 45, "", "", ""),
    ("AV. GRAU #745", "GRAU", "AV", 7, 45, "", "", ""),
    ("AV. GRAU S/N", "GRAU", "AV", -1, -1, "", "", ""),
    ("AV. 28 DE JULIO 1250", "28 JULIO", "AV", 12, 50, "", "", ""),
    ("AV. 28 DE JULIO", "28 JULIO", "AV", -1, -1, "", "", ""),
    ("CALLE 7", "7", "CALLE", -1, -1, "", "", ""),
    ("AV. AREQUIPA ALT. CDRA 15", "AREQUIPA", "AV", 15, -1, "", "", ""),
    ("JR. 28 DE JULIO 2DA CDRA", "28 JULIO", "JR", 2, -1, "", "", ""),
    ("AV. 2 DE MAYO SEGUNDA CUADRA", "2 MAYO", "AV", 2, -1, "", "", ""),
    # what follows a house number is not the street (district, floor, reference)
    ("AV. MEXICO 1050 LA VICTORIA", "MEXICO", "AV", 10, 50, "", "", ""),
    ("AV. NICOLAS AYLLON N° 1234 - ATE", "NICOLAS AYLLON", "AV", 12, 34, "", "", ""),
    ("JR. ANTONIO BAZO 840 2DO PISO", "ANTONIO BAZO", "JR", 8, 40, "", "", ""),
    ("Jr. Gamarra 745 - La Victoria", "GAMARRA", "JR", 7, 45, "", "", ""),
    # intersections
    ("AV. MEXICO ESQ. JR. GAMARRA", "MEXICO", "AV", -1, -1, "GAMARRA", "", ""),
    ("AV. MEXICO ESQUINA JR. GAMARRA", "MEXICO", "AV", -1, -1, "GAMARRA", "", ""),
    ("AV. MEXICO CON JR. GAMARRA", "MEXICO", "AV", -1, -1, "GAMARRA", "", ""),
    ("AV. MEXICO Y JR. GAMARRA", "MEXICO", "AV", -1, -1, "GAMARRA", "", ""),
    ("CRUCE DE AV. MEXICO CON JR. GAMARRA", "MEXICO", "AV", -1, -1, "GAMARRA", "", ""),
    ("AV. MEXICO & JR. GAMARRA", "MEXICO", "AV", -1, -1, "GAMARRA", "", ""),
    ("AV. MEXICO AND JR. GAMARRA", "MEXICO", "AV", -1, -1, "GAMARRA", "", ""),
    # zones, manzana/lote
    ("MZ. B LT. 5 AA.HH. SAN PEDRO", "", "", -1, -1, "", "AAHH", "SAN PEDRO"),
    ("A.H. SAN PEDRO MZ B LT 5", "", "", -1, -1, "", "AAHH", "SAN PEDRO"),
    ("ASENT. H. SAN PEDRO", "", "", -1, -1, "", "AAHH", "SAN PEDRO"),
    ("P.J. EL PORVENIR", "", "", -1, -1, "", "PJ", "PORVENIR"),
    ("URB. SANTA CATALINA", "", "", -1, -1, "", "URB", "SANTA CATALINA"),
    ("COOP. SANTA ROSA", "", "", -1, -1, "", "COOP", "SANTA ROSA"),
    ("RESID. SAN FELIPE", "", "", -1, -1, "", "RESID", "SAN FELIPE"),
    ("SECTOR 3 MZ. B", "", "", -1, -1, "", "SECTOR", "3"),
    ("PSJE. LOS PINOS S/N URB. SANTA CATALINA", "PINOS", "PSJE", -1, -1, "", "URB",
     "SANTA CATALINA"),
    # trailing noise
    ("CA. MARKET CDRA 5 FRENTE AL PARQUE", "MARKET", "CALLE", 5, -1, "", "", ""),
    ("AV. AREQUIPA ALT. DEL PARQUE KENNEDY", "AREQUIPA", "AV", -1, -1, "", "", ""),
    ("JR. HUANUCO 1020 REF: FRENTE AL MERCADO", "HUANUCO", "JR", 10, 20, "", "", ""),
    ("JR. HUANUCO 1020 INT. 3", "HUANUCO", "JR", 10, 20, "", "", ""),
    ("JR. HUANUCO 1020 DPTO 201", "HUANUCO", "JR", 10, 20, "", "", ""),
    ("JR. HUANUCO 1020 PISO 2", "HUANUCO", "JR", 10, 20, "", "", ""),
    ("AV. GRAU 745 (ALTURA DEL MERCADO)", "GRAU", "AV", 7, 45, "", "", ""),
    ("CALLE LAS BEGONIAS 441 A UNA CUADRA DEL PARQUE", "BEGONIAS", "CALLE", 4, 41, "", "", ""),
    # US block style
    ("1100 BLOCK WAGNER AVE", "WAGNER", "AV", 11, -1, "", "", ""),
    ("5300 BLOCK CHEW AVE C", "CHEW", "AV", 53, -1, "", "", ""),
    ("1700 BLOCK JOHN F KENNEDY BLVD", "JOHN F KENNEDY", "BLVD", 17, -1, "", "", ""),
    ("3900 BLOCK L ST", "L", "CALLE", 39, -1, "", "", ""),
    ("1235-37 VINE ST", "VINE", "CALLE", 12, 35, "", "", ""),
    ("N 5TH ST & W GIRARD AVE", "5 N", "CALLE", -1, -1, "GIRARD W", "", ""),
    ("5TH ST / MARKET ST", "5", "CALLE", -1, -1, "MARKET", "", ""),
    ("N BROAD ST & W LEHIGH AV", "BROAD N", "CALLE", -1, -1, "LEHIGH W", "", ""),
    ("100 BLOCK E GODFREY AVE", "GODFREY E", "AV", 1, -1, "", "", ""),
    ("2400 BLOCK S 9TH ST", "9 S", "CALLE", 24, -1, "", "", ""),
    ("600 BLOCK RENO PL", "RENO", "PL", 6, -1, "", "", ""),
    ("9400 BLOCK WOODBRIDGE RD", "WOODBRIDGE", "RD", 94, -1, "", "", ""),
    ("500 BLOCK W HILL CREEK DR", "HILL CREEK W", "DR", 5, -1, "", "", ""),
    ("1000 BLOCK MOLLBORE TER", "MOLLBORE", "TER", 10, -1, "", "", ""),
    ("14TH DISTRICT @ 43 W HAINES ST", "HAINES W", "CALLE", 0, 43, "", "", ""),
    # Peruvian rewrites of US addresses
    ("JR. 9TH SUR 1145", "9 S", "JR", 11, 45, "", "", ""),
    ("AV. WAGNER CDRA. 11", "WAGNER", "AV", 11, -1, "", "", ""),
    ("AVENIDA WAGNER CUADRA 11", "WAGNER", "AV", 11, -1, "", "", ""),
    ("Av Wagner 1145", "WAGNER", "AV", 11, 45, "", "", ""),
    ("CALLE MARKET ESQ. AV. GIRARD OESTE", "MARKET", "CALLE", -1, -1, "GIRARD W", "", ""),
]


def _id(case: tuple[object, ...]) -> str:
    return re.sub(r"\W+", "_", str(case[0])).strip("_")[:40]


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_parse_spellings(case: tuple[str, str, str, int, int, str, str, str]) -> None:
    text, street, stype, block, offset, cross, ztype, zone = case
    p = A.parse_addresses([text]).iloc[0]
    got = (p["street"], p["street_type"], int(p["block"]), int(p["offset"]), p["cross_street"],
           p["zone_type"], p["zone"])
    assert got == (street, stype, block, offset, cross, ztype, zone)


@pytest.mark.parametrize("a,b", [
    ("Jirón Mariscal Agustín Gamarra", "JR. MARISCAL AGUSTIN GAMARRA"),
    ("N 5TH ST", "JR. 5TH NORTE"),
    ("AV. 28 DE JULIO", "Avenida 28 de Julio"),
    ("CALLE STA. ROSA", "JR. SANTA ROSA"),
], ids=["accents-type", "direction", "stopwords", "abbreviation"])
def test_same_street_same_key(a: str, b: str) -> None:
    p = A.parse_addresses([a, b])
    assert p["street"].iloc[0] == p["street"].iloc[1]


def test_aliases_let_short_names_meet() -> None:
    assert "GAMARRA" in A.street_key_aliases("MARISCAL AGUSTIN GAMARRA")
    assert "AGUSTIN GAMARRA" in A.street_key_aliases("MARISCAL AGUSTIN GAMARRA")
    assert A.street_key_aliases("JAVIER PRADO E")[0] == "JAVIER PRADO"
    assert A.street_key_aliases("GAMARRA") == []


def test_kind_and_reason() -> None:
    p = A.parse_addresses(["", None, "AV. GRAU 745", "AV. GRAU", "AA.HH. SAN PEDRO",
                           "AV. A ESQ. JR. B", "GATE E11", "DIRECCION NO PRECISADA",
                           "Address Unavailable"])
    assert p["kind"].tolist() == ["vacia", "vacia", "cuadra", "via", "zona", "interseccion",
                                  "via", "vacia", "vacia"]
    assert p["reason"].iloc[0] == "sin_direccion"
    assert set(p["reason"]) <= set(A.REASONS)


def test_columns_fill_type_and_block() -> None:
    p = A.parse_addresses(["AVIACION", "GAMARRA 745", "AV. GRAU"], street_type=["AV", "JIRON",
                                                                              None],
                          block=[12, 3, "9"])
    assert p["street_type"].tolist() == ["AV", "JR", "AV"]
    assert p["block"].tolist() == [12, 7, 9]  # the written number wins over the column
    assert p["kind"].tolist() == ["cuadra", "cuadra", "cuadra"]


def test_distinct_values_parsed_once_and_joined_back() -> None:
    values = np.array(["JR. GAMARRA 745", "AV. GRAU CDRA 7"] * 500, dtype=object)
    p = A.parse_addresses(values)
    assert len(p) == 1000
    assert p["street"].iloc[::2].eq("GAMARRA").all() and p["street"].iloc[1::2].eq("GRAU").all()
    assert p["block"].dtype == np.int32


def test_storable_form_drops_house_numbers_and_free_text() -> None:
    texts = ["JR. GAMARRA 745 INT. 3", "Av Wagner 1145 REF: FRENTE A LA CASA 12",
             "AV. MEXICO 1050 LA VICTORIA", "JR. ANTONIO BAZO 840 2DO PISO",
             "MZ. B LT. 5 AA.HH. SAN PEDRO", "AV. AREQUIPA N° 4321 DPTO 502",
             "CALLE LAS BEGONIAS 441 A UNA CUADRA DEL PARQUE", "AV. MEXICO ESQ. JR. GAMARRA",
             "1235-37 VINE ST", "PSJE. LOS PINOS S/N URB. SANTA CATALINA"]
    s = A.storable_address(A.parse_addresses(texts))
    assert s["address"].tolist()[:5] == ["JR. GAMARRA CDRA. 7", "AV. WAGNER CDRA. 11",
                                         "AV. MEXICO CDRA. 10", "JR. ANTONIO BAZO CDRA. 8",
                                         "AA.HH. SAN PEDRO"]
    assert s["address"].iloc[7] == "AV. MEXICO ESQ. JR. GAMARRA"
    for text, line in zip(texts, s["address"], strict=True):
        numbers = set(re.findall(r"\d+", text))
        kept = set(re.findall(r"\d+", line))
        # only the cuadra may appear; no house number, lote, interior or free text survives
        assert all(len(n) <= 2 for n in kept), (text, line)
        assert not (kept & {n for n in numbers if len(n) >= 3}), (text, line)
        for word in ("INT", "DPTO", "REF", "FRENTE", "CASA", "LT", "MZ", "PARQUE"):
            assert word not in line.split(), (text, line)


def test_parse_is_vectorised_over_distinct_values() -> None:
    # a series with missing values and a non-string keeps its length and order
    s = pd.Series(["AV. GRAU 745", np.nan, 12345, "JR. LIMA CDRA 3"])
    p = A.parse_addresses(s)
    assert p["street"].tolist() == ["GRAU", "", "", "LIMA"]
