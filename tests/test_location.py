"""Forced/filler-point detection, the locate pipeline, the Philadelphia hidden-point check."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import geocode_eval as E, location as L

LAT0, LON0 = -12.06, -77.03
STEP = 0.001  # ~109 m


def _city(rng: np.random.Generator) -> pd.DataFrame:
    """Build 40 east-west streets 330 m apart with 20 cuadras and 3 incidents per cuadra.

    Every incident is at its own real point, in district D.
    """
    rows = []
    for s in range(40):
        for b in range(1, 21):
            for _ in range(3):
                rows.append((f"JR. CALLE{s:02d} CDRA. {b}", LAT0 + s * 3 * STEP
                             + rng.normal(0, 1e-5), LON0 + (b + 0.5) * STEP
                             + rng.normal(0, 1e-4)))
    return pd.DataFrame(rows, columns=["address", "lat", "lon"]).assign(district="D")


def _with(frame: pd.DataFrame, addresses: list[str], lat: float, lon: float) -> pd.DataFrame:
    add = pd.DataFrame({"address": addresses, "lat": lat, "lon": lon, "district": "D"})
    return pd.concat([frame, add], ignore_index=True)


def _detect(frame: pd.DataFrame, **kw: object) -> tuple[np.ndarray, pd.DataFrame]:
    from analytics import address as A

    return L.forced_points(frame["lat"], frame["lon"], parts=A.parse_addresses(frame["address"]),
                           district=frame["district"], **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("value,forced", [
    ("GEO FORZADA AL CENTROIDE DE COMISARIA", True),
    ("geo forzada al centroide de comisaría", True),
    ("SIN COORDENADA", True),
    ("COORDENADA ADECUADA MANUALMENTE", False),
    ("COORDENADA CORRECTA", False),
    ("", False),
    (None, False),
], ids=["forzada", "forzada-lower-accent", "sin-coordenada", "adecuada-manual", "correcta",
        "empty", "missing"])
def test_status_to_forced(value: str | None, forced: bool) -> None:
    assert L.status_to_forced([value]).tolist() == [forced]


def test_precisions_are_ordered() -> None:
    assert L.LOCATION_PRECISIONS == ("exacta", "cuadra", "via", "zona", "distrito")


def test_filler_point_with_many_far_addresses_is_flagged(rng: np.random.Generator) -> None:
    city = _city(rng)
    filler = [f"JR. CALLE{s:02d} CDRA. {b}" for s in range(10, 40) for b in (5, 15)]
    frame = _with(city, filler, LAT0 - 0.01, LON0)  # 1.1 km south of every street
    mask, points = _detect(frame)
    assert mask[len(city):].all() and not mask[:len(city)].any()
    assert len(points) == 1
    p = points.iloc[0]
    assert (p["lat"], p["lon"], p["rows"], p["distinct_addresses"]) == (
        pytest.approx(LAT0 - 0.01), pytest.approx(LON0), 60, 30)
    assert "direcciones distintas" in p["why"]


def test_busy_market_with_one_address_is_not_flagged(rng: np.random.Generator) -> None:
    city = _city(rng)
    market = ["JR. CALLE03 CDRA. 7", "JR. CALLE03 CDRA. 7 INT. 12", "Jr. Calle03 cuadra 7",
              "JR. CALLE03 745"] * 150  # 600 incidents at the market's door
    frame = _with(city, market, LAT0 + 9 * STEP, LON0 + 7.5 * STEP)
    mask, points = _detect(frame)
    assert not mask.any() and points.empty


def test_corner_and_local_place_are_not_flagged(rng: np.random.Generator) -> None:
    city = _city(rng)
    # a corner: 3 streets meet; a plaza: 12 short streets around it (all within 350 m)
    corner = ["JR. CALLE05 CDRA. 4", "JR. CALLE06 CDRA. 4", "JR. CALLE05 ESQ. JR. CALLE06"] * 20
    plat, plon = LAT0 - 0.02, LON0
    around = pd.DataFrame({"address": [f"PSJE. P{k:02d} CDRA. 1" for k in range(12)] * 3,
                           "lat": [plat + (k - 6) * 0.0005 for k in range(12)] * 3,
                           "lon": [plon + d for d in (-0.0005, 0.0, 0.0005) for _ in range(12)],
                           "district": "D"})
    plaza = [f"PSJE. P{k:02d} CDRA. 1" for k in range(12)] * 3
    frame = _with(_with(pd.concat([city, around], ignore_index=True), corner,
                        LAT0 + 16.5 * STEP, LON0 + 4.5 * STEP), plaza, plat, plon)
    mask, points = _detect(frame)
    assert not mask.any() and points.empty


def test_filler_point_without_checkable_streets() -> None:
    # 300 rows elsewhere in the district, each at its own point on its own street
    other = pd.DataFrame({"address": [f"JR. FONDO{i} CDRA. 1" for i in range(300)],
                          "lat": LAT0 + 0.01 + np.arange(300) * 1e-4, "lon": LON0,
                          "district": "D"})

    def point(k: int) -> pd.DataFrame:
        return pd.DataFrame({"address": [f"AV. SOLA{i} CDRA. 1" for i in range(k)],
                             "lat": LAT0, "lon": LON0, "district": "D"})

    few = pd.concat([other, point(30)], ignore_index=True)   # 30 streets, 9 % of the district
    many = pd.concat([other, point(60)], ignore_index=True)  # 60 streets: no real place
    alone = point(30)                                          # 30 streets, all the district
    assert not _detect(few)[0].any()
    assert _detect(many)[0][300:].all()
    mask, points = _detect(alone)
    assert mask.all() and "100% de las filas con coordenadas" in points["why"].iloc[0]


def test_comisaria_layer(rng: np.random.Generator) -> None:
    city = _city(rng)
    frame = _with(city, ["JR. CALLE01 CDRA. 2", "JR. CALLE02 CDRA. 9"] * 3, LAT0 + 0.0301,
                  LON0 + 0.0101)
    comisarias = pd.DataFrame({"name": ["CPNP LA VICTORIA"], "lat": [LAT0 + 0.0301],
                               "lon": [LON0 + 0.01012]})
    mask, points = _detect(frame, comisarias=comisarias)
    assert mask[len(city):].all() and mask.sum() == 6
    assert points["why"].iloc[0] == "coincide con una comisaría (CPNP LA VICTORIA)"
    assert not _detect(frame)[0].any()  # without the layer, 6 rows at 2 addresses are a place


def test_status_column_flags_rows(rng: np.random.Generator) -> None:
    city = _city(rng).iloc[:20]
    status = ["COORDENADA ADECUADA MANUALMENTE"] * 10 + ["GEO FORZADA AL CENTROIDE"] * 10
    frame = city.assign(lat=np.r_[city["lat"].to_numpy()[:10], [LAT0] * 10],
                        lon=np.r_[city["lon"].to_numpy()[:10], [LON0] * 10])
    mask, points = _detect(frame, status=status)
    assert mask.tolist() == [False] * 10 + [True] * 10
    assert len(points) == 1 and points["rows"].iloc[0] == 10


def test_locate_incidents_end_to_end(rng: np.random.Generator) -> None:
    city = _city(rng)
    n = len(city)
    lat, lon = city["lat"].to_numpy().copy(), city["lon"].to_numpy().copy()
    hide = rng.random(n) < 0.5
    truth_lat, truth_lon = lat.copy(), lon.copy()
    lat[hide], lon[hide] = np.nan, np.nan
    force = np.flatnonzero(~hide)[::4]  # a quarter of the kept rows sit at the comisaría
    lat[force], lon[force] = LAT0 - 0.01, LON0
    addresses = city["address"].to_numpy(dtype=object).copy()
    addresses[::50] = "DIRECCION NO PRECISADA"
    res = L.locate_incidents(addresses, city["district"], lat, lon)
    f = res.frame
    assert len(f) == n
    assert f["forced"].to_numpy()[force].all()
    exact = ~hide & ~np.isin(np.arange(n), force)
    assert (f["location_precision"].to_numpy()[exact] == "exacta").all()
    assert np.array_equal(f["lat"].to_numpy()[exact], truth_lat[exact])
    todo = ~exact
    prec = f["location_precision"].to_numpy()[todo]
    assert set(prec) <= set(L.LOCATION_PRECISIONS[1:])
    placed = todo & np.isin(f["location_precision"], ("cuadra", "via", "zona"))
    err_m = np.hypot((f["lat"].to_numpy() - truth_lat) * 110_574,
                     (f["lon"].to_numpy() - truth_lon) * 108_800)[placed]
    assert np.median(err_m) < 20
    unknown = f["location_precision"].to_numpy()[::50]
    assert (unknown[~exact[::50]] == "distrito").all()
    assert np.isnan(f["lat"].to_numpy()[::50][~exact[::50]]).all()
    assert res.forced_points["rows"].iloc[0] == len(force)
    # the stored address never keeps a house number
    assert not f["address"].str.contains(r"\d{3,}").any()


def test_rewrite_to_peru_style_is_seeded_and_parses_back() -> None:
    us = np.array(["1100 BLOCK WAGNER AVE", "N 5TH ST & W GIRARD AVE", "2400 BLOCK S 9TH ST",
                   "5TH ST / MARKET ST"] * 25, dtype=object)
    a = E.addresses_to_peru_style(us, seed=3)
    b = E.addresses_to_peru_style(us, seed=3)
    assert np.array_equal(a, b)
    assert len(set(a[::4])) > 3  # spellings vary
    from analytics import address as A

    pu, pp = A.parse_addresses(us), A.parse_addresses(a)
    assert (pu["street"] == pp["street"]).all()
    assert (pu["block"] == pp["block"]).all()
    assert (pu["cross_street"] == pp["cross_street"]).all()
    assert not any(re.search(r"\bBLOCK\b", s) for s in a)


@pytest.mark.realdata
@pytest.mark.parametrize("peru_style", [False, True], ids=["us-block", "peru-style"])
def test_philadelphia_hidden_points(philadelphia_path: Path, peru_style: bool) -> None:
    """Meet the targets on two police districts over ten years (~160 k rows).

    85 % of the points hidden, 25 % forced onto one point per district.
    """
    df = pd.read_parquet(philadelphia_path, columns=["location_block", "police_district",
                                                     "lat", "lon"],
                         filters=[("police_district", "in", [12, 18])]).dropna(
        subset=["lat", "lon"])
    r = E.evaluate_geocoding(df["location_block"].to_numpy(dtype=object),
                             df["police_district"].to_numpy(), df["lat"].to_numpy(),
                             df["lon"].to_numpy(), peru_style=peru_style, seed=11)
    assert r["placed"] >= 0.95
    assert r["median_m"] <= 50
    assert r["within_100"] >= 0.72
    assert r["within_250"] >= 0.88
    assert r["forced_recall"] >= 0.99
