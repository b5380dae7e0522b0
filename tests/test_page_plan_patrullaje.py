"""AppTest: the Plan de patrullaje page through app.py (seeded store, offline)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import access, forecast, patrol, store
from tests import _apptest as apptest

PAGE = "pages/plan_patrullaje.py"

pytestmark = pytest.mark.usefixtures("apptest_router")


def _generate(at: AppTest) -> AppTest:
    at.button(key="plan_generate").click().run()
    apptest.ok(at)
    return at


def test_page_generates_a_plan_with_map_tables_and_audit(app_store: Path) -> None:
    at = apptest.app(PAGE)
    apptest.ok(at)
    assert at.title[0].value == "Plan de patrullaje"
    # default day: the day after the data's last date (2025-06-30 in the seeded store)
    assert str(at.date_input(key="plan_day").value) == "2025-07-01"
    at.number_input(key="plan_units").set_value(3).run()
    _generate(at)
    plan = at.session_state["plan_result"]["plan"]
    assert set(plan.routes["unit"]) == {1, 2, 3}
    labels = {m.label: m.value for m in at.metric}
    quality = [x.value for x in (*at.success, *at.info) if "Calidad de la solución" in x.value]
    assert len(quality) == 1
    shown = quality[0].split(":** ")[1].split(" · ")[0]
    if plan.status == "optimal":
        assert shown == "Óptimo demostrado"
    else:  # e.g. "Brecha 6,9 %": the plan's own gap, in Spanish
        assert shown.startswith("Brecha ") and shown.endswith(" %")
        assert float(shown.split()[1].replace(",", ".")) == pytest.approx(100 * plan.gap,
                                                                           abs=0.051)
    if plan.loop_repaired:
        assert any("reagrupó puntos" in c.value for c in at.caption)
    covered = float(labels["Incidentes esperados cubiertos"].replace("\u202f", "")
                    .replace(",", "."))
    assert covered == pytest.approx(plan.objective, abs=0.06)
    # one tab and one table per unit, times as HH:MM inside the morning shift
    assert len(at.tabs) == 3
    assert len(at.dataframe) == 3
    t1 = at.dataframe[0].value
    assert list(t1["Orden"]) == list(range(1, len(t1) + 1))
    assert t1["Llega"].iloc[0] == "06:00"
    # map: hotspots coloured by unit, radius circles of 400 m, district outlines
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    by_id = {lyr["id"]: lyr for lyr in spec["layers"]}
    assert {"districts", "patrol_area", "patrol_radius", "patrol_hotspots"} <= set(by_id)
    pts = by_id["patrol_hotspots"]["data"]
    assert len(pts) == len(plan.routes)
    colours = {p["unit"]: tuple(p["color"]) for p in pts}
    assert len(set(colours.values())) == 3
    assert by_id["patrol_radius"]["getRadius"] == 400.0
    assert by_id["patrol_radius"]["radiusUnits"] == "meters"  # a literal, not an accessor
    # the plan is in the audit log
    con = store.connect(app_store, read_only=True)
    try:
        log = access.audit_log(con)
    finally:
        con.close()
    assert (log["action"] == "plan").sum() == 1
    assert "3 unidades" in log.loc[log["action"] == "plan", "detail"].iloc[0]


def test_coming_from_pronostico_reuses_its_forecast(app_store: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fits: list[object] = []
    real = forecast.forecast_cells

    def counted(*args: object, **kwargs: object) -> pd.DataFrame:
        fits.append(kwargs.get("train_until"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(forecast, "forecast_cells", counted)
    at = apptest.app("pages/pronostico.py", timeout=120)
    apptest.ok(at)
    assert len(fits) == 1
    at.button(key="pron_to_plan").click().run()
    apptest.ok(at)
    assert at.title[0].value == "Plan de patrullaje"
    assert str(at.date_input(key="plan_day").value) == "2025-07-01"
    assert len(fits) == 1, "the plan page fitted the forecast again"
    # AppTest's next run would go back to the page it last switched to (a browser stays)
    at.switch_page(PAGE).run()
    _generate(at)
    assert len(at.session_state["plan_result"]["plan"].routes) > 0
    # a later day of the same horizon is a slice of the same fit, never a fit over empty days
    at.date_input(key="plan_day").set_value(pd.Timestamp("2025-07-04").date()).run()
    apptest.ok(at)
    assert fits == [pd.Timestamp("2025-07-01")]


def test_fixed_posts_are_kept_and_compared(app_store: Path) -> None:
    at = apptest.app(PAGE)
    at.number_input(key="plan_units").set_value(2).run()
    options = at.multiselect(key="plan_fixed").options
    assert options
    # the lowest-ranked cell offered: not one the optimiser would pick on its own
    fixed = options[-1].split(" · ")[-1]
    at.session_state["plan_fixed"] = [fixed]
    at.run()
    _generate(at)
    plan = at.session_state["plan_result"]["plan"]
    assert fixed in set(plan.routes["h3"])
    assert plan.routes.loc[plan.routes["h3"] == fixed, "fixed"].all()
    labels = {m.label: m.value for m in at.metric}
    assert "Plan actual cubre" in labels and "Ganancia" in labels
    gain = float(labels["Ganancia"].split(" ")[0].replace("\u202f", "").replace(",", "."))
    assert gain > 0


def test_changed_option_asks_to_generate_again(app_store: Path) -> None:
    at = apptest.app(PAGE)
    at.number_input(key="plan_units").set_value(2).run()
    _generate(at)
    assert at.tabs
    at.number_input(key="plan_radius").set_value(600).run()
    apptest.ok(at)
    assert any("Generar plan" in i.value for i in at.info)
    assert not at.get("deck_gl_json_chart")


def test_downloads_and_pdf(app_store: Path) -> None:
    at = apptest.app(PAGE)
    at.number_input(key="plan_units").set_value(2).run()
    _generate(at)
    at.button(key="plan_prepare_pdf").click().run()
    apptest.ok(at)
    pdf = at.session_state["plan_docs"]["pdf"]
    assert pdf[:4] == b"%PDF"
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Plan de patrullaje" in text and "Unidad 2" in text and "Koper" in text
    assert "turno mañana" in text
    # every shift of the day: one page each, same units and options
    at.toggle(key="plan_all_shifts").set_value(True).run()
    at.button(key="plan_prepare_pdf").click().run()
    apptest.ok(at)
    pages = PdfReader(io.BytesIO(at.session_state["plan_docs"]["pdf"])).pages
    assert [("turno " + n) in p.extract_text() for p, n in
            zip(pages, ("mañana", "tarde", "noche"), strict=True)] == [True] * 3


def _hand_forecast() -> pd.DataFrame:
    """Two night windows over a ring of cells around La Victoria; one clear peak."""
    import h3

    centre = h3.latlng_to_cell(-12.068, -77.018, 9)
    cells = sorted(h3.grid_disk(centre, 3))
    rows = []
    for day in ("2025-07-01", "2025-07-02"):
        ws = pd.Timestamp(f"{day} 22:00")
        for i, c in enumerate(cells):
            rows.append({"h3": c, "window_start": ws, "window_end": ws + pd.Timedelta(hours=8),
                         "expected": 2.0 if c == centre else 0.05 + 0.01 * (i % 5)})
    return pd.DataFrame(rows)


def test_uploaded_forecast_and_current_plan(app_store: Path) -> None:
    at = apptest.app(PAGE)
    at.session_state["plan_source"] = "file"
    at.run()
    apptest.ok(at)
    assert any("Suba un archivo" in i.value for i in at.info)
    fc = _hand_forecast()
    at.get("file_uploader")[0].upload("pronostico.csv", fc.to_csv(index=False).encode(),
                                       "text/csv").run()
    apptest.ok(at)
    assert len(at.selectbox(key="plan_window").options) == 2
    at.number_input(key="plan_units").set_value(1).run()
    # the current plan: one cell at the edge of the ring (far from the peak)
    edge = fc["h3"].iloc[-1]
    at.get("file_uploader")[1].upload("actual.csv", f"h3,nota\n{edge},esquina\n".encode(),
                                      "text/csv").run()
    _generate(at)
    plan = at.session_state["plan_result"]["plan"]
    assert str(plan.routes["window_start"].iloc[0]) == "2025-07-01 22:00:00"
    window = fc[fc["window_start"] == fc["window_start"].min()]
    current = patrol.expected_covered(window[["h3", "expected"]], [edge], radius_m=400)
    labels = {m.label: m.value for m in at.metric}
    shown = float(labels["Plan actual cubre"].replace(",", "."))
    assert shown == pytest.approx(current, abs=0.06)
    assert any("plan actual subido (1 puntos)" in c.value for c in at.caption)
    gain = float(labels["Ganancia"].split(" ")[0].replace(",", "."))
    assert gain == pytest.approx(plan.objective - current, abs=0.06) and gain > 1.5


def test_infeasible_request_is_a_spanish_error(app_store: Path) -> None:
    at = apptest.app(PAGE)
    opts = [o.split(" · ")[-1] for o in at.multiselect(key="plan_fixed").options]
    at.number_input(key="plan_units").set_value(1).run()
    at.session_state["plan_fixed"] = opts[:8]   # 8 fixed posts, one unit holds at most 6
    at.run()
    at.button(key="plan_generate").click().run()
    assert not at.exception
    assert at.error and "puestos fijos" in at.error[0].value
    assert "plan_result" not in at.session_state


def test_locked_store_still_shows_the_plan_with_a_warning(app_store: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import contextmanager

    from analytics._errors import StoreError
    from ui.store_handle import StoreHandle

    @contextmanager
    def locked(*_a: object, **_k: object):  # another process (e.g. an import) holds it
        raise StoreError("El almacén está en uso por otro proceso.")
        yield

    monkeypatch.setattr(StoreHandle, "write", locked)
    at = apptest.app(PAGE)
    at.number_input(key="plan_units").set_value(2).run()
    at.button(key="plan_generate").click().run()
    assert not at.exception and not at.error
    assert any("auditoría" in w.value for w in at.warning)
    assert at.get("deck_gl_json_chart") and len(at.tabs) == 2


def test_i18n_keys_of_the_page() -> None:
    """Every ``plan.*`` key the page uses exists in Spanish and English, same placeholders."""
    import re

    from ui.i18n import TEXTS

    # the page and its drawing helpers (ui/plan_views.py)
    src = (apptest.ROOT / PAGE).read_text() + (apptest.ROOT / "ui" / "plan_views.py").read_text()
    used = set(re.findall(r"""\bt\(\s*["'](plan\.[a-z_]+)["']""", src))
    used |= {"plan.source_store", "plan.source_file"}
    assert len(used) > 60
    assert not sorted(k for k in used if not TEXTS.get(k, {}).get("es")
                      or not TEXTS[k].get("en"))
    for key in used:
        es, en = TEXTS[key]["es"], TEXTS[key]["en"]
        assert set(re.findall(r"{(\w+)", es)) == set(re.findall(r"{(\w+)", en)), key


def test_page_in_english(app_store: Path) -> None:
    at = apptest.app()
    at.sidebar.radio(key="lang").set_value("en").run()
    at.switch_page(PAGE).run()
    apptest.ok(at)
    at.number_input(key="plan_units").set_value(2).run()
    _generate(at)
    assert at.title[0].value == "Patrol plan"
    labels = {m.label for m in at.metric}
    assert "Expected incidents covered" in labels
    assert any("Solution quality" in x.value for x in (*at.success, *at.info))
    assert any("Spanish" in c.value for c in at.caption)
