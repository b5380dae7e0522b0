"""AppTest of the zone views and stored forecasts through app.py.

Pronóstico reads the forecast the nightly job stored (and says when it was made),
its zone view shows the stored zone forecast; Mapa draws zone polygons by count;
Plan routes carry the zone of the sidebar's layer; Reportes compares a district's
count with the expected range of a period forecast (internal report only).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from analytics import cli, forecast, store
from analytics._errors import InsufficientHistoryError
from analytics.store import forecasts as sf, zones as sz
from tests import _apptest as apptest

NEXT = pd.Timestamp("2025-07-01")  # the seeded store's data end on 2025-06-30
Q2 = (pd.Timestamp("2025-04-01"), pd.Timestamp("2025-07-01"))

pytestmark = pytest.mark.usefixtures("apptest_router")


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def _store_cli(argv: list[str]) -> None:
    assert cli.main(argv) == 0


def test_pronostico_reads_the_stored_forecast_and_says_when_it_was_made(
        app_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _store_cli(["forecast", "--db", str(app_store), "--train-until", "2025-07-01",
                "--horizon-days", "7", "--store"])
    with store.reading(app_store) as con:
        run, rows = sf.stored_forecast(con, kind="cell", windows="shift", train_until=NEXT,
                                       resolution=9, model=forecast.DEFAULT_MODEL)

    def no_fit(*_a: object, **_k: object) -> pd.DataFrame:
        raise InsufficientHistoryError("Se intentó ajustar el modelo.")

    monkeypatch.setattr(forecast, "forecast_cells", no_fit)  # the page must read the store
    at = apptest.app("pages/pronostico.py", timeout=120)
    apptest.ok(at)
    want = rows[rows["window_start"].dt.normalize() == NEXT].groupby("h3")["expected"].sum()
    want = want[want > 0]
    spec = apptest.deck(at)
    hexes = next(lyr for lyr in spec["layers"] if lyr["@@type"] == "H3HexagonLayer")
    drawn = pd.DataFrame(hexes["data"]).set_index("h3_id")["expected"]
    assert set(drawn.index) == set(want.index)
    np.testing.assert_allclose(drawn.loc[want.index], want.to_numpy(), rtol=1e-9)
    made = f"{run.made_at:%d/%m/%Y %H:%M}"
    assert f"Pronóstico calculado el {made} con datos hasta el 30/06/2025." in _captions(at)
    # "Recalcular ahora" fits on demand (here the fit fails: the message shows, no traceback)
    at.button(key="pron_refit_btn").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Se intentó ajustar el modelo."]


def test_pronostico_zone_view_stored_then_fitted_on_demand(app_store: Path) -> None:
    _store_cli(["zone-forecast", "--db", str(app_store), "--train-until", "2025-07-01",
                "--horizon-days", "7", "--by", "shift", "--store"])
    with store.reading(app_store) as con:
        run, rows = sf.stored_forecast(con, kind="zone", windows="shift", train_until=NEXT,
                                       covers_until=NEXT + pd.Timedelta(days=7))
    at = apptest.app("pages/pronostico.py", timeout=120)
    at.segmented_control(key="pron_view").set_value("zones").run()
    apptest.ok(at)
    assert at.subheader[0].value == "Incidentes esperados por zona (Distritos)"
    made = f"{run.made_at:%d/%m/%Y %H:%M}"
    assert f"Pronóstico calculado el {made} con datos hasta el 30/06/2025." in _captions(at)
    table = next(d.value for d in at.dataframe if "Zona" in d.value.columns)
    assert list(table.columns) == ["Zona", "mañana 06–14 h", "tarde 14–22 h", "noche 22–06 h",
                                   "Total"]
    day = rows[rows["window_start"].dt.normalize() == NEXT]
    assert set(table["Zona"]) == set(day["zone"])
    top = day.groupby("zone")["expected"].sum().sort_values(ascending=False, kind="stable")
    assert table["Zona"].iloc[0] == top.index[0]
    morning = day[day["window_start"].dt.hour == 6].set_index("zone")
    z = table["Zona"].iloc[0]
    assert table["mañana 06–14 h"].iloc[0] == (
        f"{morning.at[z, 'expected']:.1f}".replace(".", ",")
        + f" ({int(morning.at[z, 'lower'])}–{int(morning.at[z, 'upper'])})")
    zones_layer = [lyr for lyr in apptest.deck(at)["layers"] if lyr["id"] == "zones"]
    assert len(zones_layer) == 1 and len(zones_layer[0]["data"]["features"]) == 4
    assert len(at.get("download_button")) == 3
    # hours: nothing stored, so it is fitted now and says so
    at.segmented_control(key="pron_zone_by").set_value("hour").run()
    apptest.ok(at)
    assert ("Pronóstico calculado ahora con datos hasta el 30/06/2025 (no hay uno guardado "
            "por el proceso nocturno para este día).") in _captions(at)
    table = next(d.value for d in at.dataframe if "Zona" in d.value.columns)
    assert list(table.columns)[1] == "00 h" and len(table.columns) == 26


def test_mapa_by_zone_colours_districts_by_count(app_store: Path) -> None:
    at = apptest.app("pages/mapa.py")
    at.toggle(key="map_zones").set_value(True).run()
    apptest.ok(at)
    q = at.session_state["filters"]
    with store.reading(app_store) as con:
        inc = store.load_incidents(con, start=q.start, end=q.end + pd.Timedelta(days=1),
                                   columns=["district"])
    want = inc["district"].value_counts()
    spec = apptest.deck(at)
    assert [lyr["id"] for lyr in spec["layers"]] == ["zones"]
    got = {f["properties"]["zone"]: f["properties"]["n"]
           for f in spec["layers"][0]["data"]["features"]}
    assert got == want.to_dict()
    table = next(d.value for d in at.dataframe if "Zona" in d.value.columns)
    assert table["Incidentes"].sum() == len(inc)


@pytest.fixture
def sectors(app_store: Path) -> Path:
    from analytics import zones as zn

    layer = zn.zone_layer_from_frame(gpd.GeoDataFrame(
        {"sector": ["Sector Centro", "Sector Oeste", "Sector Vacío"]},
        geometry=[box(-77.03, -12.08, -77.00, -12.055), box(-77.06, -12.10, -77.03, -12.03),
                  box(-76.95, -12.20, -76.94, -12.19)],
        crs="EPSG:4326"))
    with store.writing(app_store) as con:
        sz.save_zone_layer(con, layer, name="Sectores")
    apptest.clear_caches()
    return app_store


def test_plan_routes_carry_the_zone_of_the_sidebar_layer(sectors: Path) -> None:
    at = apptest.app("pages/plan_patrullaje.py", timeout=120)
    at.sidebar.selectbox(key="f_zones").set_value("1").run()
    apptest.ok(at)
    assert any(c.startswith("Pronóstico calculado ahora con datos hasta el 30/06/2025")
               for c in _captions(at))
    at.button(key="plan_generate").click().run()
    apptest.ok(at)
    unit = next(d.value for d in at.dataframe if "Hexágono" in d.value.columns)
    assert list(unit.columns[:4]) == ["Orden", "Hexágono", "Distrito", "Zona"]
    from analytics import zones as zn

    with store.reading(sectors) as con:
        layer = sz.load_zone_layer(con, 1)
    want = [z or "—" for z in zn.cells_to_zones(list(unit["Hexágono"]), layer)]
    assert list(unit["Zona"]) == want


def test_zone_view_of_a_layer_lists_zones_without_history(sectors: Path) -> None:
    at = apptest.app("pages/pronostico.py", timeout=120)
    at.sidebar.selectbox(key="f_zones").set_value("1").run()
    at.segmented_control(key="pron_view").set_value("zones").run()
    apptest.ok(at)
    assert at.subheader[0].value == "Incidentes esperados por zona (Sectores (v1))"
    table = next(d.value for d in at.dataframe if "Zona" in d.value.columns)
    assert set(table["Zona"]) == {"Sector Centro", "Sector Oeste"}
    assert any("Zonas sin incidentes antes del corte (sin pronóstico): Sector Vacío." in c
               for c in _captions(at))
    features = next(lyr for lyr in apptest.deck(at)["layers"] if lyr["id"] == "zones")
    assert {f["properties"]["zone"] for f in features["data"]["features"]} == {
        "Sector Centro", "Sector Oeste"}


def test_datos_offers_zone_layers(sectors: Path) -> None:
    at = apptest.app("pages/datos.py")
    apptest.ok(at)
    box_ = next(e for e in at.expander if e.label.startswith("Capas de zonas"))
    assert box_ is not None
    stored = next(d.value for d in at.dataframe if "Capa" in d.value.columns)
    assert list(stored["Capa"]) == ["Sectores (v1)"]
    assert at.button(key="zones_save").disabled  # nothing uploaded yet


def _save_period(db: Path, *, lower: int, upper: int, expected: float = 75.0) -> None:
    table = pd.DataFrame({"zone": ["LA VICTORIA", "LIMA"], "window_start": Q2[0],
                          "window_end": Q2[1], "expected": [expected, 60.0],
                          "lower": [lower, 50], "upper": [upper, 70],
                          "model": "city_share"})
    with store.writing(db) as con:
        sf.save_forecast(con, table, kind="zone", windows="period", train_until=Q2[0],
                         horizon_days=91, interval=0.8, made_at="2025-04-01 02:00")


def _q2_count(db: Path) -> int:
    with store.reading(db) as con:
        return len(store.load_incidents(con, start=Q2[0], end=Q2[1], districts=["LA VICTORIA"],
                                        columns=["occurred_at"]))


@pytest.mark.parametrize("offsets, verdict", [
    ((-3, 3), "dentro de lo esperado"),
    ((-20, -1), "por encima de lo esperado"),
    ((1, 20), "por debajo de lo esperado"),
], ids=["within", "above", "below"])
def test_reportes_count_against_the_stored_expected_range(app_store: Path, offsets: tuple,
                                                          verdict: str) -> None:
    n = _q2_count(app_store)
    lo, hi = n + offsets[0], n + offsets[1]
    _save_period(app_store, lower=lo, upper=hi)
    at = apptest.app("pages/reportes.py")
    apptest.ok(at)
    lines = [m.value for m in at.markdown if m.value.startswith("**La Victoria**")]
    assert lines == [f"**La Victoria**: {n} incidentes en 2025-T2, **{verdict}** "
                     f"(esperados 75; rango 80 %: {lo}–{hi})."]
    assert any(c.startswith("Rango de un pronóstico calculado el 01/04/2025 02:00 con datos "
                            "hasta el 31/03/2025.") and "Solo en el informe interno" in c
               for c in _captions(at))
    # the public version has no such comparison
    at.toggle(key="rep_public").set_value(True).run()
    apptest.ok(at)
    assert not [m.value for m in at.markdown if "esperado" in m.value]


def test_reportes_computes_the_range_on_request(app_store: Path) -> None:
    at = apptest.app("pages/reportes.py")
    assert not [m.value for m in at.markdown if m.value.startswith("**La Victoria**")]
    at.button(key="rep_expected_btn").click().run()
    apptest.ok(at)
    n = _q2_count(app_store)
    lines = [m.value for m in at.markdown if m.value.startswith("**La Victoria**")]
    assert len(lines) == 1 and lines[0].startswith(f"**La Victoria**: {n} incidentes en 2025-T2")
    assert any(c.startswith("Rango calculado ahora con datos hasta el 31/03/2025") and
               "intervalo amplio" in c for c in _captions(at)), _captions(at)
    at.run()  # stays on screen
    assert [m.value for m in at.markdown if m.value.startswith("**La Victoria**")] == lines


def test_english_labels_of_the_zone_view(app_store: Path) -> None:
    at = apptest.app("pages/pronostico.py", timeout=120)
    at.sidebar.radio[0].set_value("en").run()
    at.segmented_control(key="pron_view").set_value("zones").run()
    apptest.ok(at)
    texts = _captions(at) + [s.value for s in at.subheader] + [m.value for m in at.markdown]
    assert not [x for x in texts if "porzona." in x], "untranslated keys"
    assert at.subheader[0].value == "Expected incidents by zone (Districts)"
    assert json.dumps(apptest.deck(at))  # a map is drawn
