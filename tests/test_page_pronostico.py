"""AppTest of the Pronóstico page through app.py on a small seeded store.

The page's numbers are checked against ``analytics.forecast`` and
``analytics.evaluation`` run directly on the same store: the map's expected
counts, the top-cells table (districts, ranges, what happened on a past day)
and the backtest table after "Calcular evaluación". Errors from analytics must
show as ``st.error`` in Spanish, never as a traceback.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import evaluation, forecast, store
from analytics._errors import InsufficientHistoryError
from tests import _apptest as apptest
from tests._store_factory import HOTSPOTS

PAGE = "pages/pronostico.py"
#: The seeded store's incidents end on 2025-06-30: the default day is the next one.
LAST, NEXT = date(2025, 6, 30), date(2025, 7, 1)
COLS = ["occurred_at", "h3_r12", "crime_group", "district"]

pytestmark = pytest.mark.usefixtures("apptest_router")


def _incidents(db: Path) -> pd.DataFrame:
    con = store.connect(db, read_only=True)
    try:
        return store.load_incidents(con, columns=COLS)
    finally:
        con.close()


def _page() -> AppTest:
    return apptest.app(PAGE, timeout=120)


def _layers(at: AppTest) -> list[dict]:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return spec["layers"]


def _hex_data(at: AppTest) -> pd.DataFrame:
    hexes = [lyr for lyr in _layers(at) if lyr["@@type"] == "H3HexagonLayer"]
    assert len(hexes) == 1
    return pd.DataFrame(hexes[0]["data"])


def _num(text: str) -> float:
    return float(str(text).replace("\u202f", "").replace(",", "."))


def _table(at: AppTest, column: str) -> pd.DataFrame:
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with {column!r}")


def test_default_map_is_tomorrow_all_shifts_default_model(app_store: Path) -> None:
    at = _page()
    apptest.ok(at)
    assert at.title[0].value == "Pronóstico"
    assert at.date_input(key="pron_day").value == NEXT
    assert at.selectbox(key="pron_model").value == forecast.DEFAULT_MODEL
    assert at.selectbox(key="pron_model").format_func(forecast.DEFAULT_MODEL) == (
        "Automático (elegido con sus datos)")
    assert at.pills(key="pron_shifts").value == ["mañana", "tarde", "noche"]

    # The map shows the default model's forecast for the next day, all shifts summed.
    fc = forecast.forecast_cells(_incidents(app_store), train_until="2025-07-01",
                                 horizon_days=7, resolution=9, seed=0)
    day = fc[pd.to_datetime(fc["window_start"]).dt.normalize() == pd.Timestamp(NEXT)]
    want = day.groupby("h3")["expected"].sum()
    want = want[want > 0]
    drawn = _hex_data(at).set_index("h3_id")["expected"]
    assert set(drawn.index) == set(want.index)
    np.testing.assert_allclose(drawn.loc[want.index].to_numpy(), want.to_numpy(), rtol=1e-9)
    assert any(lyr.get("id") == "districts" for lyr in _layers(at)), "district outlines"
    assert any("vigia-legend" in m.value and "Incidentes esperados" in m.value
               for m in at.markdown)
    # The evidence of this city, not a fixed "recommended": the automatic model's hit rate
    # and the last-28-days map's on the 8 weeks before the cut-off, from the same fit.
    ev = fc.attrs["evidence"]
    rates = ev["hit_rates"]
    said = [m.value for m in at.markdown if m.value.startswith("En sus datos")]
    assert len(said) == 1
    assert "las 8 semanas anteriores al 01/07/2025" in said[0]
    hit = f"{100 * rates[ev['chosen']]['shift@0.01']:.1f}".replace(".", ",")
    base = f"{100 * rates['retro28']['shift@0.01']:.1f}".replace(".", ",")
    assert f"acierta el **{hit} %**" in said[0] and f"28 días, el **{base} %**" in said[0]
    assert not any("recomendado" in m.value for m in at.markdown)

    # Top cells: the largest expected first, a district of the data, a range, no "Ocurridos"
    top = _table(at, "Incidentes esperados")
    assert "Ocurridos" not in top.columns, "tomorrow has not happened yet"
    assert top["Hexágono (H3)"].iloc[0] == want.idxmax()
    assert abs(_num(top["Incidentes esperados"].iloc[0]) - want.max()) < 0.006
    assert set(top["Distrito"]) <= {d for *_, d in HOTSPOTS}
    lo, hi = (_num(x) for x in top["Rango probable (5–95 %)"].iloc[0].split(" – "))
    assert lo <= want.max() <= hi
    # Explanations and caveats are there; the evaluation waits for the button.
    text = " ".join(m.value for m in at.markdown)
    assert "de cada 100 incidentes de la ventana" in text
    assert "al azar" in text and "mejor elección posible" in text
    assert any("comisaría" in i.value for i in at.info)
    assert not any("Acierto 1 %" in df.value.columns for df in at.dataframe)


def test_past_day_one_shift_group_and_baseline_model(app_store: Path) -> None:
    at = _page()
    at.date_input(key="pron_day").set_value(date(2025, 6, 20))
    at.pills(key="pron_shifts").set_value(["noche"])
    at.selectbox(key="pron_group").set_value("patrimonio")
    at.selectbox(key="pron_model").set_value("retro_shift").run()
    apptest.ok(at)
    inc = _incidents(app_store)
    fc = forecast.forecast_cells(inc, train_until="2025-06-20", horizon_days=1, resolution=9,
                                 crime_group="patrimonio", model="retro_shift")
    night = fc[pd.to_datetime(fc["window_start"]) == pd.Timestamp("2025-06-20 22:00")]
    night = night.set_index("h3")
    top = _table(at, "Ocurridos")
    first = top.iloc[0]
    cell = first["Hexágono (H3)"]
    assert abs(_num(first["Incidentes esperados"]) - night["expected"].max()) < 0.006
    assert night.at[cell, "expected"] == night["expected"].max()
    # One shift: the range is the forecast's own lower/upper.
    assert first["Rango probable (5–95 %)"] == (
        f"{int(night.at[cell, 'lower'])} – {int(night.at[cell, 'upper'])}")
    # "Ocurridos": property incidents of that night shift in each cell, from the store.
    t = pd.to_datetime(inc["occurred_at"])
    m = ((t >= "2025-06-20 22:00") & (t < "2025-06-21 06:00")
         & (inc["crime_group"] == "patrimonio")).to_numpy()
    from analytics import hexbin

    cells = hexbin.cells_to_strings(hexbin.cells_to_parent(
        inc.loc[m, "h3_r12"].to_numpy(dtype="uint64"), resolution=9))
    happened = pd.Series(cells).value_counts()
    for _, row in top.iterrows():
        assert row["Ocurridos"] == happened.get(row["Hexágono (H3)"], 0)
    text = " ".join(m.value for m in at.markdown)
    assert "Ocurrieron" in text


def _eval_tables(at: AppTest) -> list[pd.DataFrame]:
    """The evaluation tables (tabs: hit rate, PAI, PEI), by their coverage columns."""
    return [df.value for df in at.dataframe if "1 % del área" in df.value.columns]


def test_evaluation_on_request_matches_backtest(app_store: Path) -> None:
    at = _page()
    at.select_slider(key="pron_origins").set_value(2).run()
    assert not _eval_tables(at)
    at.button(key="pron_run_eval").click().run()
    apptest.ok(at)
    assert [tab.label for tab in at.tabs] == ["Tasa de acierto (de cada 100)",
                                              "PAI (veces mejor que al azar)", "PEI (de 0 a 1)"]
    hit, pai, pei = _eval_tables(at)
    cols = ["Modelo", "1 % del área", "2 % del área", "5 % del área", "10 % del área",
            "Turnos evaluados"]
    for table in (hit, pai, pei):
        assert list(table.columns) == cols
        assert len(table) == len(forecast.MODEL_NAMES)
    # Two weeks that end by the data's last day (2025-06-30): origins 16 and 23 June.
    res = evaluation.backtest(_incidents(app_store), origins=["2025-06-16", "2025-06-23"],
                              resolution=9, windows="shift", models=list(forecast.MODEL_NAMES),
                              seed=0)
    ref = res.table.set_index(["model", "coverage"])
    for i, name in enumerate(forecast.MODEL_NAMES):
        assert abs(_num(hit.iloc[i]["5 % del área"]) - 100 * ref.at[(name, 0.05), "hit_rate"]
                   ) < 0.051
        assert abs(_num(pai.iloc[i]["1 % del área"]) - ref.at[(name, 0.01), "pai"]) < 0.051
        assert abs(_num(pei.iloc[i]["10 % del área"]) - ref.at[(name, 0.10), "pei"]) < 0.0051
        assert hit.iloc[i]["Turnos evaluados"] == ref.at[(name, 0.01), "n_windows"]
    assert hit.iloc[forecast.MODEL_NAMES.index(forecast.DEFAULT_MODEL)]["Modelo"].startswith(
        "Automático")
    assert any("16/06/2025, 23/06/2025" in c.value for c in at.caption)
    assert len(at.get("vega_lite_chart")) == 1, "hit-rate curve"
    # It stays on screen on the next rerun (cached, no new click needed).
    at.run()
    assert len(_eval_tables(at)) == 3


def test_analytics_error_is_a_spanish_message(app_store: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def short(*_a: object, **_k: object) -> pd.DataFrame:
        raise InsufficientHistoryError("Historia insuficiente para el modelo por defecto.")

    monkeypatch.setattr(forecast, "forecast_cells", short)
    at = _page()
    assert not at.exception
    assert [e.value for e in at.error] == ["Historia insuficiente para el modelo por defecto."]
    assert not at.get("deck_gl_json_chart")
    assert at.subheader  # the rest of the page (evaluation, caveats) still shows


def test_plan_button_hands_day_shift_and_group_to_the_plan_page(app_store: Path) -> None:
    at = _page()
    at.pills(key="pron_shifts").set_value(["noche"])
    at.selectbox(key="pron_group").set_value("patrimonio").run()
    at.button(key="pron_to_plan").click().run()
    assert at.title[0].value == "Plan de patrullaje"
    assert at.session_state["plan_from_forecast"] == {
        "day": NEXT, "shifts": ["noche"], "crime_group": "patrimonio",
        "model": forecast.DEFAULT_MODEL, "resolution": 9}
    assert at.date_input(key="plan_day").value == NEXT
    assert at.selectbox(key="plan_shift").value == "noche"
    assert at.selectbox(key="plan_group").value == "patrimonio"


def test_english_labels_and_no_raw_keys(app_store: Path) -> None:
    at = _page()
    at.sidebar.radio[0].set_value("en").run()
    apptest.ok(at)
    assert at.title[0].value == "Forecast"
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [
        s.value for s in at.subheader]
    assert not [x for x in texts if "pronostico." in x], "untranslated keys"
    assert "Expected incidents" in _table(at, "Expected incidents").columns
    assert at.selectbox(key="pron_model").format_func(forecast.DEFAULT_MODEL) == (
        "Automatic (chosen on your data)")
    assert any(m.value.startswith("On your data, the 8 weeks before") for m in at.markdown)
