"""Gazetteer: interpolation on a toy straight street, crossings, districts, layers, round trip."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Polygon

from analytics import address as A
from analytics._errors import InputFileError
from analytics.gazetteer import Gazetteer, read_street_layer

LAT0, LON0 = -12.06, -77.03
STEP = 0.001  # degrees of longitude per cuadra of the toy street (about 109 m)


def _toy_points() -> pd.DataFrame:
    """Build the toy streets JR. PRUEBA and AV. TRANSVERSAL.

    JR. PRUEBA runs east: cuadra b has its centre at lon0 + (b + 0.5)·STEP (b = 1..10, no 5),
    three points per cuadra (centre and ±11 m across the street). AV. TRANSVERSAL runs north at
    lon0 + 3·STEP (between cuadras 2 and 3 of PRUEBA): its cuadra b has its centre at
    lat0 + (b + 0.5 - 3)·STEP, b = 0..5.
    """
    rows = []
    for b in [1, 2, 3, 4, 6, 7, 8, 9, 10]:
        for dlat in (-0.0001, 0.0, 0.0001):
            rows.append(("D1", f"JR. PRUEBA CDRA. {b}", LAT0 + dlat, LON0 + (b + 0.5) * STEP))
    for b in range(6):
        for dlon in (-0.0001, 0.0, 0.0001):
            rows.append(("D1", f"AV. TRANSVERSAL CDRA. {b}", LAT0 + (b + 0.5 - 3) * STEP,
                         LON0 + 3 * STEP + dlon))
    return pd.DataFrame(rows, columns=["district", "address", "lat", "lon"])


@pytest.fixture(scope="module")
def toy() -> Gazetteer:
    p = _toy_points()
    return Gazetteer.build(A.parse_addresses(p["address"]), p["district"], p["lat"], p["lon"])


def _geocode(g: Gazetteer, texts: list[str], district: str = "D1") -> pd.DataFrame:
    return g.geocode(A.parse_addresses(texts), [district] * len(texts))


@pytest.mark.parametrize("text,lon_blocks,precision", [
    ("JR. PRUEBA CDRA. 7", 7.5, "cuadra"),       # a known cuadra: its centre
    ("JR. PRUEBA CDRA. 5", 5.5, "cuadra"),       # missing: halfway between 4.5 and 6.5
    ("JR. PRUEBA 745", 7.455, "cuadra"),         # house number 745: 45.5 % into cuadra 7
    ("JR. PRUEBA 500", 5.005, "cuadra"),         # start of the missing cuadra 5
    ("JR. PRUEBA CDRA. 12", 12.5, "cuadra"),     # 2 cuadras beyond the last known: extrapolated
    ("JR. PRUEBA CDRA. 0", 0.5, "cuadra"),       # 1 cuadra before the first known
    ("JR. PRUEBA CDRA. 30", 30.5, "via"),        # 20 beyond: still along the street, as 'via'
    ("JR. PRUEBA CDRA. 90", 10.5, "via"),        # too far: the known cuadra nearest to it
    ("JR. PRUEBA", 6.5, "via"),                  # no cuadra: the same central cuadra
], ids=["known", "interpolated", "house-number", "start-of-block", "extrapolated", "before",
        "far-via", "too-far", "street-only"])
def test_toy_street_positions(toy: Gazetteer, text: str, lon_blocks: float,
                              precision: str) -> None:
    r = _geocode(toy, [text]).iloc[0]
    assert r["precision"] == precision
    assert r["lat"] == pytest.approx(LAT0, abs=1e-7)
    assert r["lon"] == pytest.approx(LON0 + lon_blocks * STEP, abs=1e-7)


def test_crossing_from_the_two_streets(toy: Gazetteer) -> None:
    r = _geocode(toy, ["JR. PRUEBA ESQ. AV. TRANSVERSAL", "AV. TRANSVERSAL Y JR. PRUEBA"])
    assert (r["precision"] == "cuadra").all()
    assert r["lat"].to_numpy() == pytest.approx([LAT0, LAT0], abs=1e-7)
    assert r["lon"].to_numpy() == pytest.approx([LON0 + 3 * STEP] * 2, abs=1e-7)
    assert (r["reason"] == "interseccion").all()


def test_crossing_written_in_the_data_is_learned() -> None:
    pts = pd.DataFrame({"address": ["JR. A ESQ. JR. B"] * 3 + ["JR. A CDRA 1"],
                        "lat": [LAT0, LAT0 + 1e-5, LAT0 - 1e-5, LAT0 + 0.01],
                        "lon": [LON0, LON0, LON0, LON0]})
    g = Gazetteer.build(A.parse_addresses(pts["address"]), ["D"] * 4, pts["lat"], pts["lon"])
    r = _geocode(g, ["JR. B CON JR. A"], "D").iloc[0]
    assert r["precision"] == "cuadra"
    assert (r["lat"], r["lon"]) == pytest.approx((LAT0, LON0), abs=1e-9)


def test_unknown_street_is_district_only(toy: Gazetteer) -> None:
    r = _geocode(toy, ["AV. INEXISTENTE CDRA. 3", "", "AA.HH. NADIE"])
    assert (r["precision"] == "distrito").all()
    assert r["lat"].isna().all() and r["lon"].isna().all()
    assert r["reason"].iloc[0] == "via_desconocida"


def test_same_street_name_prefers_the_rows_district() -> None:
    north = LAT0 + 0.05  # about 5.5 km north
    rows = [("A", f"JR. LIMA CDRA. {b}", LAT0, LON0 + (b + 0.5) * STEP) for b in range(1, 5)]
    rows += [("B", f"JR. LIMA CDRA. {b}", north, LON0 + (b + 0.5) * STEP) for b in range(1, 5)]
    p = pd.DataFrame(rows, columns=["d", "a", "lat", "lon"])
    g = Gazetteer.build(A.parse_addresses(p["a"]), p["d"], p["lat"], p["lon"])
    ra = _geocode(g, ["JR. LIMA CDRA. 2"], "A").iloc[0]
    rb = _geocode(g, ["JR. LIMA CDRA. 2"], "B").iloc[0]
    assert ra["lat"] == pytest.approx(LAT0) and rb["lat"] == pytest.approx(north)
    assert ra["reason"] == rb["reason"] == "cuadra_distrito"


def test_city_wide_fallback_stays_near_the_district() -> None:
    # JR. LARGO is known only in district A; B lies next to A, C lies 20 km away
    rows = [("A", f"JR. LARGO CDRA. {b}", LAT0, LON0 + (b + 0.5) * STEP) for b in range(1, 6)]
    rows += [("B", f"AV. OTRA CDRA. {b}", LAT0 + 0.002, LON0 + (b + 0.5) * STEP)
             for b in range(1, 6)]
    rows += [("C", f"AV. LEJOS CDRA. {b}", LAT0 + 0.18, LON0 + (b + 0.5) * STEP)
             for b in range(1, 6)]
    p = pd.DataFrame(rows, columns=["d", "a", "lat", "lon"])
    g = Gazetteer.build(A.parse_addresses(p["a"]), p["d"], p["lat"], p["lon"])
    rb = _geocode(g, ["JR. LARGO CDRA. 3"], "B").iloc[0]
    rc = _geocode(g, ["JR. LARGO CDRA. 3"], "C").iloc[0]
    assert rb["precision"] == "cuadra" and rb["reason"] == "cuadra_ciudad"
    assert rb["lon"] == pytest.approx(LON0 + 3.5 * STEP)
    assert rc["precision"] == "distrito"


def _offset_points(informative: bool, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for b in range(1, 21):
        for o in rng.integers(0, 100, 12):
            frac = (o + 0.5) / 100 if informative else 0.5
            rows.append((f"AV. RECTA {b * 100 + o}", LAT0, LON0 + (b + frac) * STEP))
    return pd.DataFrame(rows, columns=["a", "lat", "lon"])


@pytest.mark.parametrize("informative,lo,hi", [(True, 0.9, 1.0), (False, 0.0, 0.15)],
                         ids=["numbers-place-points", "numbers-made-up"])
def test_offset_weight_is_learned(informative: bool, lo: float, hi: float,
                                  rng: np.random.Generator) -> None:
    p = _offset_points(informative, rng)
    g = Gazetteer.build(A.parse_addresses(p["a"]), ["D"] * len(p), p["lat"], p["lon"])
    assert lo <= g.offset_weight <= hi


def test_types_written_differently_are_one_street() -> None:
    rows = [(f"{t} UNICA CDRA. {b}", LAT0, LON0 + (b + 0.5) * STEP)
            for b in range(1, 7) for t in (("JR.", "CALLE") if b % 2 else ("CALLE",))]
    p = pd.DataFrame(rows, columns=["a", "lat", "lon"])
    g = Gazetteer.build(A.parse_addresses(p["a"]), ["D"] * len(p), p["lat"], p["lon"])
    assert (g.street_key == "UNICA").sum() == 2  # one in the district, one city-wide
    r = _geocode(g, ["JR. UNICA CDRA. 4"], "D").iloc[0]
    assert r["lon"] == pytest.approx(LON0 + 4.5 * STEP)


def _layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "name": ["Jirón Uno", "Jirón Uno", "Avenida Dos", "Calle Tres"],
        "district": ["LA VICTORIA"] * 4,
    }, geometry=[LineString([(LON0, LAT0), (LON0 + 0.005, LAT0)]),
                 LineString([(LON0 + 0.005, LAT0), (LON0 + 0.010, LAT0)]),
                 LineString([(LON0 + 0.004, LAT0 - 0.005), (LON0 + 0.004, LAT0 + 0.005)]),
                 LineString([(LON0, LAT0 + 0.02), (LON0 + 0.002, LAT0 + 0.02)])], crs=4326)


def test_street_layer_crossings_and_central_point() -> None:
    g = Gazetteer.build(streets=_layer())
    r = _geocode(g, ["JR. UNO ESQ. AV. DOS", "CALLE TRES CDRA. 4", "Jr. Uno"], "LA VICTORIA")
    assert r["precision"].tolist() == ["cuadra", "via", "via"]
    assert (r["lat"].iloc[0], r["lon"].iloc[0]) == pytest.approx((LAT0, LON0 + 0.004), abs=1e-7)
    assert (r["lat"].iloc[1], r["lon"].iloc[1]) == pytest.approx((LAT0 + 0.02, LON0 + 0.001),
                                                                 abs=1e-7)
    assert (r["lat"].iloc[2], r["lon"].iloc[2]) == pytest.approx((LAT0, LON0 + 0.005), abs=1e-7)
    assert r["reason"].iloc[1] == "via_capa_distrito"


def test_street_layer_cuadra_calibrated_by_known_blocks() -> None:
    # two known cuadras of JR. UNO (points) place the others along its line
    pts = pd.DataFrame({"a": ["JR. UNO CDRA. 1", "JR. UNO CDRA. 2"],
                        "lat": [LAT0, LAT0], "lon": [LON0 + 1.5 * STEP, LON0 + 2.5 * STEP]})
    g = Gazetteer.build(A.parse_addresses(pts["a"]), ["LA VICTORIA"] * 2, pts["lat"],
                        pts["lon"], streets=_layer())
    r = _geocode(g, ["JR. UNO CDRA. 8"], "LA VICTORIA").iloc[0]
    assert r["precision"] == "cuadra"
    assert r["lon"] == pytest.approx(LON0 + 8.5 * STEP, abs=1e-6)


def test_read_street_layer(tmp_path: Path) -> None:
    path = tmp_path / "calles.geojson"
    _layer().to_file(path, driver="GeoJSON")
    got = read_street_layer(path)
    assert list(got.columns[:2]) == ["name", "geometry"] and len(got) == 4
    assert "district" in got.columns
    bad = tmp_path / "sin_nombre.geojson"
    _layer().drop(columns=["name"]).rename(columns={"district": "zona_x"}).to_file(
        bad, driver="GeoJSON")
    with pytest.raises(InputFileError, match="no tiene una columna con el nombre de la vía"):
        read_street_layer(bad)


def test_zone_layer() -> None:
    zones = gpd.GeoDataFrame({"name": ["AA.HH. San Pedro"], "district": ["LA VICTORIA"]},
                             geometry=[Polygon([(LON0, LAT0), (LON0 + 0.002, LAT0),
                                                (LON0 + 0.002, LAT0 + 0.002),
                                                (LON0, LAT0 + 0.002)])], crs=4326)
    g = Gazetteer.build(zones=zones)
    r = _geocode(g, ["MZ. B LT. 5 AA.HH. SAN PEDRO"], "LA VICTORIA").iloc[0]
    assert r["precision"] == "zona"
    assert (r["lat"], r["lon"]) == pytest.approx((LAT0 + 0.001, LON0 + 0.001), abs=1e-6)


def test_zone_learned_from_points() -> None:
    pts = pd.DataFrame({"a": ["MZ. A LT. 1 AA.HH. SAN PEDRO", "AA.HH. SAN PEDRO MZ C LT 3",
                              "A.H. SAN PEDRO"],
                        "lat": [LAT0, LAT0 + 0.001, LAT0 + 0.002], "lon": [LON0] * 3})
    g = Gazetteer.build(A.parse_addresses(pts["a"]), ["D"] * 3, pts["lat"], pts["lon"])
    r = _geocode(g, ["ASENT. H. SAN PEDRO MZ. Z"], "D").iloc[0]
    assert r["precision"] == "zona" and r["lat"] == pytest.approx(LAT0 + 0.001)


def test_serialisation_round_trip(toy: Gazetteer) -> None:
    g = Gazetteer.build(A.parse_addresses(_toy_points()["address"]), _toy_points()["district"],
                        _toy_points()["lat"], _toy_points()["lon"], streets=_layer())
    g2 = Gazetteer.from_bytes(g.to_bytes())
    texts = ["JR. PRUEBA CDRA. 5", "JR. PRUEBA ESQ. AV. TRANSVERSAL", "CALLE TRES", "AV. NADA"]
    pd.testing.assert_frame_equal(_geocode(g, texts), _geocode(g2, texts))
    assert g2.offset_weight == g.offset_weight
    with pytest.raises(InputFileError, match="no se puede leer"):
        Gazetteer.from_bytes(b"not a gazetteer")


def test_geocode_keeps_rows_and_order(toy: Gazetteer) -> None:
    texts = ["JR. PRUEBA CDRA. 7", "AV. NADA", "JR. PRUEBA CDRA. 7", ""] * 50
    r = _geocode(toy, texts)
    assert len(r) == 200
    assert r["precision"].iloc[:4].tolist() == ["cuadra", "distrito", "cuadra", "distrito"]
    assert set(r["precision"]) <= {"cuadra", "via", "zona", "distrito"}


def test_every_reason_key_has_a_spanish_text(toy: Gazetteer) -> None:
    from analytics.location import LOCATION_REASONS

    texts = ["JR. UNO CDRA. 2", "JR. UNO ESQ. AV. DOS", "CALLE NADA 5", "AA.HH. NINGUNO", "",
             "XYZ ABC", "JR. UNO CDRA. 90"]
    r = _geocode(toy, texts, "D")
    assert set(r["reason"]) <= set(LOCATION_REASONS)
